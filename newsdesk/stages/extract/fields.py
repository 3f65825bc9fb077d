"""Field values from metadata strings: publication dates, language codes, author names.

`parse_date` reads ISO 8601 and, failing that, dateutil's formats (None, not a guess, for text without a year);
`language_code` takes the ISO 639 code from a declared language tag; `guess_language` is the last resort, on the
body text; `clean_authors` splits bylines into names and drops handles, URLs, e-mail addresses and the host name.
"""
from __future__ import annotations

import re
import warnings
from datetime import datetime
from urllib.parse import urljoin, urlsplit

from .normalize import fix_mojibake, norm, ws


def parse_date(value: str | None) -> datetime | None:
    """The date and time in `value` (aware when it names a zone), or None when it holds none."""
    if not value:
        return None
    value = value.strip()
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00") if value.endswith("Z") else value)
    except ValueError:
        pass
    if not re.search(r"\d{4}", value):  # dateutil would turn "Friday" into a date relative to today
        return None
    try:
        from dateutil import parser as dparser

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # unknown zone names ("CEST") just yield a naive time
            return dparser.parse(value)
    except (ValueError, OverflowError, ImportError):
        return None


_NOT_LANGUAGES = {"utf", "iso", "win", "und", "mul", "zxx", "xx"}


def language_code(value: str | None) -> str | None:
    """The lowercase ISO 639 code at the start of a language tag ('en-GB' -> 'en'), or None."""
    if not value:
        return None
    m = re.match(r"\s*([A-Za-z]{2,3})(?:[-_]|\s|$)", value)
    code = m.group(1).lower() if m else None
    return None if code in _NOT_LANGUAGES else code  # <html lang="utf-8"> is seen in the wild


# scripts that name their language; kana before Han, since Japanese text mixes both
_SCRIPT_LANGS = (
    ("ja", re.compile(r"[\u3040-\u30ff]")), ("ko", re.compile(r"[\uac00-\ud7af]")),
    ("zh", re.compile(r"[\u4e00-\u9fff]")), ("el", re.compile(r"[\u0370-\u03ff]")),
    ("he", re.compile(r"[\u0590-\u05ff]")), ("th", re.compile(r"[\u0e00-\u0e7f]")),
)
_STOPWORDS = {
    "en": "the of and to in is that for was on with as by said it from at his are have",
    "de": "der die und das ist nicht den von zu mit sich des auf für im dem ein eine auch",
    "fr": "le la les des est et une dans que pour pas sur qui au du par il avec",
    "es": "el la los las que de y en del por una para con se su al es",
    "it": "il di che la e per un una non sono del della con le gli si è",
    "pt": "o os de que e do da em um uma para com não se por as dos",
    "nl": "de het een van en is dat op te zijn niet met voor die er",
}
_STOP_SETS = {lang: set(words.split()) for lang, words in _STOPWORDS.items()}


def guess_language(text: str) -> str | None:
    """Last resort when the page declares no language: the script, or the commonest function words."""
    sample = text[:3000]
    for lang, script in _SCRIPT_LANGS:
        if len(script.findall(sample)) > len(sample) // 10:
            return lang
    words = re.findall(r"[^\W\d_]+", sample.lower())
    if len(words) < 20:
        return None
    hits = sorted(((sum(w in stop for w in words), lang) for lang, stop in _STOP_SETS.items()), reverse=True)
    (best, lang), (second, _) = hits[0], hits[1]
    return lang if best >= 0.1 * len(words) and best >= 1.5 * second else None


_CONJ = re.compile(r"\s*(?:;|,|&|\|)\s*|\s+(?:and|und|og|och|en|et|e|y|i|a)\s+")


def _split_authors(value: str) -> list[str]:
    value = re.sub(r"^\s*(?:by|von|par|por|di|door|av|af|autor|author)[:\s]\s*", "", value, flags=re.I)
    return [p for p in (x.strip(" .") for x in _CONJ.split(value)) if p]


def clean_authors(names: list[str], host: str | None) -> list[str]:
    """The people in the bylines `names`, each once, in order; handles, URLs and the site's host are dropped."""
    out: list[str] = []
    nhost = norm(host) if host else None
    for name in names:
        for part in _split_authors(ws(fix_mojibake(name))):
            part = re.sub(r"\s*\([^)]{0,12}\)$", "", part)  # NZZ: "Elena Oberholzer (obe)"
            if not part or "@" in part or part.startswith("http") or "/" in part or len(part) > 80:
                continue
            # trafilatura turns the hostname into an "author" ("Mdr De") when it finds none
            if nhost and norm(part).startswith(nhost):
                continue
            # "Sophie Foster" and "Sophie-Foster" (from a profile URL slug) are one person
            if norm(part) not in {norm(a) for a in out}:
                out.append(part)
    return out


def absolute_http(link: str | None, base: str | None) -> str | None:
    """`link` made absolute against the page's URL; None unless that gives an http(s) URL (a data: or javascript:
    image is never fetched)."""
    if not link:
        return None
    try:
        absolute = urljoin(base or "", link.strip())
        parts = urlsplit(absolute)
    except ValueError:
        return None
    return absolute if parts.scheme in ("http", "https") and parts.hostname and len(absolute) <= 2000 else None
