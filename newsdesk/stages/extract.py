"""Extract stage: raw HTML bytes -> one clean Article.

trafilatura finds the main text; this module adds what it does not do well for a news desk:
honouring the page's declared charset, structured metadata (JSON-LD, Open Graph) with time zones,
titles without the site-name suffix, the outlet's readable name, the language, and a conservative line
filter for boilerplate that slips through (SSI errors, "Related news" and "Read more" blocks, share, follow and
subscribe prompts, cookie notices, photo credits).

Speed: the page is parsed once (element classes looked up in C) and that tree serves every field; the metadata is
read first, then the parts trafilatura never reads text from are dropped and trafilatura's fast mode extracts the
text from the tree itself, without a copy. It falls back to its full cascade, on a fresh parse, only when the fast
result misses the page's long paragraphs; its metadata heuristics run only for the fields the page's JSON-LD and
Open Graph leave open (no htmldate when the page dates itself). See benchmarks/extraction.py for the figures.
"""
from __future__ import annotations

import codecs
import copy
import html
import json
import re
import unicodedata
import warnings
from datetime import datetime
from functools import cached_property
from typing import Any
from urllib.parse import urlsplit

import lxml.html
from lxml import etree

from newsdesk.decompress import GZIP_MAGIC, DecompressionError, inflate
from newsdesk.models import Article, RawInput
from newsdesk.settings import LIMITS
from newsdesk.text import strip_controls

__all__ = ["ExtractionError", "extract_html"]

MIN_WORDS = 20


class ExtractionError(Exception):
    """The input holds no usable article; the message names the problem (callers add the input name)."""


# --------------------------------------------------------------------------- decoding

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)""", re.I)
_BOMS = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))
# WHATWG maps these labels to windows-1252; real pages labelled latin-1 routinely carry 0x80-0x9f quotes.
_AS_CP1252 = {"latin_1", "iso8859_1", "ascii", "cp1252"}


def _codec(label: str) -> str | None:
    try:
        name = codecs.lookup(label.decode("ascii", "ignore") if isinstance(label, bytes) else label).name
    except LookupError:
        return None
    name = name.replace("-", "_")
    return "cp1252" if name in _AS_CP1252 else name


def _decode(body: bytes) -> str:
    return _decode_utf8(body)[0]


def _decode_utf8(body: bytes) -> tuple[str, bytes | None]:
    """The page's text, and its UTF-8 bytes when the input already was UTF-8 (most pages): lxml parses those
    directly, sparing a re-encoding of the whole page. Control characters are dropped (text.strip_controls).
    Raises ExtractionError for empty, binary or oversized input and for gzip that is damaged or inflates past
    LIMITS.input_bytes."""
    if len(body) > LIMITS.input_bytes:
        raise ExtractionError(f"page of {len(body)} bytes is over the limit of {LIMITS.input_bytes} bytes")
    if not body or not body.strip():
        raise ExtractionError("empty input")
    if body[:2] == GZIP_MAGIC:  # stored pages are often kept gzipped, without a .gz name or Content-Encoding
        try:
            body = inflate(body, LIMITS.input_bytes)
        except DecompressionError as err:
            raise ExtractionError(f"page is gzip that cannot be read: {err}") from None
    for bom, enc in _BOMS:
        if body.startswith(bom):
            return _clean(body[len(bom):].decode(enc, errors="replace"), None)
    # valid UTF-8 wins over the declaration: pages labelled iso-8859-1 but written in UTF-8 are common,
    # while text in a legacy charset almost never happens to be valid UTF-8
    try:
        return _clean(body.decode("utf_8"), body)
    except UnicodeDecodeError:
        pass
    if (text := _mostly_utf8(body)) is not None:
        return _clean(text, None)
    m = _META_CHARSET.search(body[:4096])
    declared = _codec(m.group(1)) if m else None
    # a page served as UTF-16 cannot contain an ASCII meta tag, so that declaration is always wrong
    if declared and declared != "utf_8" and not declared.startswith("utf_16"):
        try:
            return _clean(body.decode(declared), None)
        except UnicodeDecodeError:
            pass
    return _clean(_guess_decode(body), None)


# Bytes that start a multi-byte UTF-8 sequence (0xc2-0xf4): deleting all others counts them in C.
_NOT_UTF8_LEAD = bytes(range(0xC2)) + bytes(range(0xF5, 0x100))
# Valid multi-byte sequences per invalid one for a page to read as UTF-8 all the same: trafilatura's eval pages
# from tierschutzpartei.de and radiomaryja.pl have 99 per 4 and 499 per 1; a page in a legacy charset, next to none.
_UTF8_MAJORITY = 10


def _mostly_utf8(body: bytes) -> str | None:
    """`body` as UTF-8 with its few invalid sequences replaced, when it is overwhelmingly UTF-8: a UTF-8 page with a
    stray Latin-1 byte (a CMS pasting one field unconverted) reads right, where its declared or guessed legacy
    charset would turn every other letter into mojibake. Text in a legacy charset has next to no valid multi-byte
    sequences, so it never passes."""
    text = body.decode("utf_8", errors="replace")
    invalid = text.count("\ufffd") - body.count("\ufffd".encode())
    valid = len(body.translate(None, _NOT_UTF8_LEAD)) - invalid  # at least this many sequences decoded
    return text if valid >= _UTF8_MAJORITY * invalid else None


# The C0 controls text.strip_controls removes, as bytes: deleting them is the fastest test that a UTF-8 page has none.
_C0_BYTES = bytes(range(0x09)) + b"\x0b\x0c" + bytes(range(0x0E, 0x20))


def _clean(text: str, utf8: bytes | None) -> tuple[str, bytes | None]:
    # NULs or many replacement characters mean binary data (an image, a PDF), not a page in an odd charset
    bad = (text.count("\x00") if "\x00" in text else 0) + (text.count("\ufffd") if "\ufffd" in text else 0)
    if bad > max(10, len(text) // 100):
        raise ExtractionError("input is not decodable text (binary data?)")
    if (utf8 is not None and len(utf8.translate(None, _C0_BYTES)) == len(utf8)
            and b"\xef\xbf\xbe" not in utf8 and b"\xef\xbf\xbf" not in utf8):  # U+FFFE, U+FFFF
        return text, utf8
    clean = strip_controls(text)
    return (text, utf8) if clean is text else (clean, None)


def _guess_decode(body: bytes) -> str:
    try:
        from charset_normalizer import from_bytes

        matches = from_bytes(body)
        best = matches.best()
        if best is not None and best.encoding:
            # short Western pages score the same under cp1250 and cp1252 ("ñ" read as "ń"); on a tie, take
            # windows-1252, the WHATWG default for an undeclared page
            tied = {m.encoding for m in matches if (m.chaos, m.coherence) == (best.chaos, best.coherence)}
            return body.decode("cp1252" if "cp1252" in tied else best.encoding, errors="replace")
    except Exception:  # the guesser is only a hint; never fail because of it
        pass
    return body.decode("cp1252", errors="replace")


# lxml.html's own parser picks each element's Python class in a Python callback (HtmlElementClassLookup), run every
# time an element is handed to Python: thousands of times per page, by our walks and more by trafilatura's XPaths.
# This lookup, done in C, gives every element lxml.html's HtmlElement (text_content(), drop_tree()...), only not the
# form-field subclasses (FormElement, InputElement...) whose extra API no extraction step uses.
_HTML_LOOKUP = etree.ElementDefaultClassLookup(
    element=lxml.html.HtmlElement, comment=lxml.html.HtmlComment, pi=lxml.html.HtmlProcessingInstruction,
    entity=lxml.html.HtmlEntity,
)


def _parse(text: str, utf8: bytes | None = None) -> lxml.html.HtmlElement:
    """Parse the page; `utf8`, when given, is `text` as UTF-8 bytes already."""
    if "<" not in text[:2000]:
        raise ExtractionError("input is not HTML (no markup)")
    # lxml rejects str input that carries an XML encoding declaration, so hand it UTF-8 bytes
    try:
        data = utf8 if utf8 is not None else text.encode("utf-8", "surrogatepass")
        # a parser per call (1.5 µs): lxml parsers must not be shared between threads. Comments and processing
        # instructions carry no article text.
        parser = etree.HTMLParser(encoding="utf-8", remove_comments=True, remove_pis=True)
        parser.set_element_class_lookup(_HTML_LOOKUP)
        tree = lxml.html.document_fromstring(data, parser=parser)
    except (etree.ParserError, ValueError) as err:
        raise ExtractionError(f"unparseable HTML: {err}") from err
    if tree is None:
        raise ExtractionError("unparseable HTML")
    # code and drawings hold no article text, and every later XPath pass walks them: a page loses about a
    # seventh of its elements here (JSON-LD stays, it is read below)
    for el in tree.iter("script"):
        if "json" not in (el.get("type") or "").lower():
            el.tag = _DROP
    # in C, no element handed to Python; keeps the tail text, as drop_tree() does
    etree.strip_elements(tree, _DROP, "style", "svg", "template", with_tail=False)
    return tree


_DROP = "newsdesk-drop"  # a tag no page uses: marks the scripts to remove


# --------------------------------------------------------------------------- page metadata

_ARTICLE_TYPES = {
    "newsarticle", "article", "reportagenewsarticle", "analysisnewsarticle", "opinionnewsarticle",
    "backgroundnewsarticle", "reviewnewsarticle", "blogposting", "liveblogposting", "socialmediaposting",
    "scholarlyarticle", "techarticle", "report",
}
_PAGE_TYPES = {"webpage", "itempage", "collectionpage"}
_SITE_TYPES = {"website", "newsmediaorganization", "organization"}


# meta names that carry the publication time (with zone) on common CMSs, most specific first
_DATE_KEYS = (
    "article:published_time", "og:article:published_time", "datepublished", "og:published_time",
    "published_time", "article:published", "parsely-pub-date", "sailthru.date", "dc.date.issued",
    "dcterms.issued", "dc.date", "dcterms.date", "pubdate", "publishdate", "publish-date", "date",
)


def _types(obj: dict) -> set[str]:
    t = obj.get("@type")
    items = t if isinstance(t, list) else [t]
    return {str(x).lower().rsplit("/", 1)[-1] for x in items if x}


def _json_ld_objects(scripts: list) -> list[dict]:
    """Every object in the page's JSON-LD `scripts`, nested @graph/mainEntity/itemListElement ones included."""
    out: list[dict] = []

    def walk(node: Any, depth: int = 0) -> None:
        if depth > 6:
            return
        if isinstance(node, list):
            for x in node:
                walk(x, depth + 1)
        elif isinstance(node, dict):
            out.append(node)
            for key in ("@graph", "mainEntity", "itemListElement"):
                if key in node:
                    walk(node[key], depth + 1)

    for script in scripts:
        raw = (script.text or "").strip()
        if raw.startswith("<!--"):
            raw = raw[4:].rstrip("->").strip()
        try:
            data = json.loads(raw, strict=False)  # strict=False: raw newlines inside strings are common
        except ValueError:
            continue
        walk(data)
    return out


def _str(v: Any) -> str | None:
    if isinstance(v, list):
        v = v[0] if v else None
    if isinstance(v, dict):
        v = v.get("name") or v.get("@value")
    if isinstance(v, (str, int, float)) and str(v).strip():
        return _ws(str(v))
    return None


def _ws(s: str) -> str:
    if "&" in s:  # JSON-LD and some meta tags carry HTML-escaped text ("&#8217;", "&quot;")
        s = html.unescape(s)
    # str.split() splits on exactly what re's \s matches in str patterns, and is several times faster
    return " ".join(s.split())


def _page_meta(tree) -> dict[str, Any]:
    # one walk over the document for <meta>, JSON-LD <script> and <link rel=canonical>: each XPath "//..." would
    # walk all of it again (<meta itemprop> sits in the body too, so the <head> alone is not enough)
    meta: dict[str, str] = {}
    scripts: list = []
    canonical = None
    for el in tree.iter("meta", "script", "link"):
        tag = el.tag
        if tag == "meta":
            content = el.get("content")
            if content is None:
                continue
            key = el.get("property") or el.get("name") or el.get("itemprop") or el.get("http-equiv") or ""
            key = key.strip().lower()
            if key and key not in meta and content.strip():
                meta[key] = _ws(content)
        elif tag == "script":
            if "ld+json" in (el.get("type") or "").lower():
                scripts.append(el)
        elif canonical is None and (el.get("rel") or "").lower() == "canonical" and el.get("href") is not None:
            canonical = el.get("href").strip()
    objs = _json_ld_objects(scripts)
    article = next((o for o in objs if _types(o) & _ARTICLE_TYPES), None)
    page = next((o for o in objs if _types(o) & _PAGE_TYPES), None)
    site = next((o for o in objs if _types(o) & _SITE_TYPES and o.get("name")), None)
    main = article or page or {}

    authors: list[str] = []
    if article is not None:
        a = article.get("author") or article.get("creator")
        for item in a if isinstance(a, list) else [a]:
            if isinstance(item, dict) and not item.get("name") and (item.get("givenName") or item.get("familyName")):
                item = f"{_str(item.get('givenName')) or ''} {_str(item.get('familyName')) or ''}"  # schema.org Person parts
            name = _str(item)
            if name:
                authors.append(name)

    publisher = _str(main.get("publisher")) if isinstance(main.get("publisher"), (dict, list)) else None
    lang = tree.xpath("/html/@lang") or tree.xpath("/html/@xml:lang", namespaces={"xml": "http://www.w3.org/XML/1998/namespace"})
    return {
        "headline": _str(main.get("headline")) or (_str(main.get("name")) if article else None),
        "og_title": meta.get("og:title") or meta.get("twitter:title"),
        "twitter_title": meta.get("twitter:title") if meta.get("og:title") else None,  # else it is og_title
        "site_name": meta.get("og:site_name"),
        "publisher": publisher,
        "app_name": meta.get("application-name") or meta.get("apple-mobile-web-app-title"),
        "site_ld": _str(site.get("name")) if site else None,
        "date": _str(main.get("datePublished")) or next((meta[k] for k in _DATE_KEYS if meta.get(k)), None)
        or _str(main.get("dateCreated")),
        "authors": authors,
        "url": meta.get("og:url") or canonical,
        "langs": [lang[0] if lang else None, meta.get("content-language"), _str(main.get("inLanguage")),
                  meta.get("og:locale")],
    }


# --------------------------------------------------------------------------- field helpers

def _parse_date(value: str | None) -> datetime | None:
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


def _language(value: str | None) -> str | None:
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


def _guess_language(text: str) -> str | None:
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


def _host(url: str | None) -> str | None:
    if not url:
        return None
    try:
        host = urlsplit(url if "//" in url else "//" + url).hostname
    except ValueError:
        return None
    if not host:
        return None
    return re.sub(r"^(www\d?|m|amp|mobile)\.", "", host.lower())


_NON_WORD = re.compile(r"[\W_]+")
_FOLD = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "æ": "ae", "ø": "oe", "å": "aa"})


def _norm(s: str) -> str:
    if s.isascii():  # the common case, and the hot path of the body filter
        return _NON_WORD.sub("", s.lower())
    # hostnames spell "Börsen-Zeitung" as "boersen-zeitung" and drop accents, so fold both ways
    s = unicodedata.normalize("NFKD", s.lower().translate(_FOLD))
    return re.sub(r"[\W_]+", "", "".join(c for c in s if not unicodedata.combining(c)))


def _host_label(host: str) -> str:
    """'theguardian.com' -> 'theguardian', 'bbc.co.uk' -> 'bbc'."""
    parts = host.split(".")
    if len(parts) >= 3 and len(parts[-1]) == 2 and parts[-2] in {"co", "com", "org", "net", "gov", "ac", "ne", "or"}:
        parts = parts[:-2]
    elif len(parts) >= 2:
        parts = parts[:-1]
    return parts[-1] if parts else host


# " | ", " - ", " — ", "Title: Site", and the CJK forms seen in the wild ("：", "｜", Korean "ㅣ")
_SEP = re.compile(r"\s+(?:[|\-–—·•»/~*]|::)\s+|(?<=\S):\s+|\s*[：｜ㅣ]\s*")
_TRAILING_DATE = re.compile(r"(?:\s*[|\-–—·]\s*\d{1,2}[./]\d{1,2}[./]\d{2,4})+\s*$")
# a byline after the site name: "Headline | Site | by Jane Doe", "Headline * Site * by Jane Doe"
_TRAILING_BYLINE = re.compile(r"\s+[|*·•\-–—]\s+(?:by|von|par|por|door|di)\s+[^|*·•]{2,60}$", re.I)
_INVISIBLE = re.compile(r"[\u00ad\u200b-\u200f\u2060\ufeff]")


def _is_site(part: str, sites: list[str], host: str | None, loose: bool = True) -> bool:
    n = _norm(part)
    if not n or len(part) > 80:
        return False
    for s in sites:
        ns = _norm(s)
        if not ns:
            continue
        # "BBC News" for "BBC", "Lesotho" for "Lesotho Times"; a long tail that merely starts with the
        # name ("Metro area residents worried") is headline text, not a site label
        if n == ns or (len(n) >= 3 and ns.startswith(n)) or (
            n.startswith(ns) and len(part.split()) <= len(s.split()) + 3
        ):
            return True
    if host:
        label = _norm(_host_label(host))
        if n in (_norm(host), label) or (len(label) >= 4 and n.replace("the", "", 1) == label.replace("the", "", 1)):
            return True
        # "Die Neue Südtiroler Tageszeitung" on tageszeitung.it: a short tail that ends in the domain name
        if loose and len(label) >= 5 and len(part.split()) <= 6 and n.endswith(label):
            return True
    return False


def _strip_site(title: str, sites: list[str], host: str | None) -> tuple[str, bool]:
    """Remove ' | Site' style suffixes (and 'Site | ' prefixes) naming the outlet; returns (title, stripped?)."""
    original = title
    title = _TRAILING_DATE.sub("", title)  # DW: "Headline | DW | 28.04.2023"
    title = _TRAILING_BYLINE.sub("", title)
    for _ in range(3):  # "Title - Section | Site" may need two passes; the bound guards odd titles
        changed = False
        for m in _SEP.finditer(title):  # leftmost first, so the longest matching tail goes
            loose = ":" not in m.group()  # "Title: text" is too common to match on a domain fragment
            if m.start() > 0 and _is_site(title[m.end():], sites, host, loose):
                title, changed = title[: m.start()].strip(), True
                break
        if not changed:
            m = _SEP.search(title)
            if m and m.start() > 0 and ":" not in m.group() and _is_site(title[: m.start()], sites, host, False):
                title, changed = title[m.end():].strip(), True
        if not changed:
            break
    return title, title != original


def _drop_section_suffix(title: str, others: list[str]) -> str:
    """'Headline - Samastipur News' -> 'Headline' when another source gives exactly 'Headline'; likewise
    'Section | Headline' -> 'Headline' (a pipe marks a label; a colon or slash kicker is part of the headline)."""
    folded = title.translate(_QUOTES)
    for o in others:
        if not o or len(o) >= len(title):
            continue
        fo = o.translate(_QUOTES)  # "Kohberger's" in one source, "Kohberger’s" in another
        if folded.startswith(fo) and re.match(r"\s*[-|–—:：｜ㅣ/]", title[len(o):]):
            return title[: len(o)]
        if folded.endswith(fo) and re.search(r"\s[|｜]\s*$", title[: -len(o)]):
            return title[-len(o):]
    return title


_QUOTES = str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"', "„": '"', "«": '"', "»": '"'})
_MOJIBAKE = re.compile(r"Ã.|Â.|â€")


def _fix_mojibake(s: str) -> str:
    # some CMSs double-encode one meta tag (WinFuture: og:title "fÃ¼r"); undo only when that round-trips
    if not _MOJIBAKE.search(s):
        return s
    try:
        return s.encode("cp1252").decode("utf-8")
    except UnicodeError:
        return s


_DOMAIN_LIKE = re.compile(r"^[\w-]+(?:\.[\w-]+)+$")


def _from_domain(name: str) -> str:
    """'theguardian.com' -> 'Theguardian', 'news.ORF.at' -> 'ORF', 'stuttgarter-zeitung.de' -> 'Stuttgarter Zeitung'."""
    parts = name.split(".")
    lowered = [p.lower() for p in parts]
    if len(parts) >= 3 and len(parts[-1]) == 2 and lowered[-2] in {"co", "com", "org", "net", "gov", "ac", "ne", "or"}:
        parts = parts[:-2]
    elif len(parts) >= 2:
        parts = parts[:-1]
    label = parts[-1] if parts else name
    label = re.sub(r"^(?:www\d?|m|amp|mobile)$", "", label) or name
    if not label.islower():
        return label  # the outlet's own spelling: "WinFuture", "ORF"
    if len(label) <= 4 and "-" not in label:
        return label.upper()  # bbc, cnn, npr, ndr
    words = label.split("-")
    if len(words) > 1 and all(len(w) >= 4 for w in words):
        return " ".join(w.capitalize() for w in words)
    return label[:1].upper() + label[1:]


def _outlet(names: list[str], host: str | None, titles: list[str]) -> str | None:
    """The outlet as readers know it: 'The Guardian', not 'theguardian.com'."""
    names = [n for n in names if n and len(n) <= 80 and not n.startswith("http")]

    def bare(name: str) -> bool:  # "theguardian.com", or "financialpost" on financialpost.com
        return bool(_DOMAIN_LIKE.match(name)) or (
            name.islower() and " " not in name and bool(host) and _norm(name) == _norm(_host_label(host)))

    for name in names:
        if not bare(name):
            return name
    # a title suffix often spells the outlet properly ("... | The Guardian" for theguardian.com)
    for title in titles:
        for part in reversed(_SEP.split(title)[1:]):
            part = part.strip()
            if part and not bare(part) and not part.islower() and _is_site(part, names, host):
                return part
    if names:  # a lowercase brand the outlet writes so itself ("taz", "kicker") stays as written
        return next((n for n in names if not _DOMAIN_LIKE.match(n)), None) or _from_domain(names[0])
    return _from_domain(host) if host else None


_CONJ = re.compile(r"\s*(?:;|,|&|\|)\s*|\s+(?:and|und|og|och|en|et|e|y|i|a)\s+")


def _split_authors(value: str) -> list[str]:
    value = re.sub(r"^\s*(?:by|von|par|por|di|door|av|af|autor|author)[:\s]\s*", "", value, flags=re.I)
    return [p for p in (x.strip(" .") for x in _CONJ.split(value)) if p]


def _clean_authors(names: list[str], host: str | None) -> list[str]:
    out: list[str] = []
    nhost = _norm(host) if host else None
    for name in names:
        for part in _split_authors(_ws(_fix_mojibake(name))):
            part = re.sub(r"\s*\([^)]{0,12}\)$", "", part)  # NZZ: "Elena Oberholzer (obe)"
            if not part or "@" in part or part.startswith("http") or "/" in part or len(part) > 80:
                continue
            # trafilatura turns the hostname into an "author" ("Mdr De") when it finds none
            if nhost and _norm(part).startswith(nhost):
                continue
            # "Sophie Foster" and "Sophie-Foster" (from a profile URL slug) are one person
            if _norm(part) not in {_norm(a) for a in out}:
                out.append(part)
    return out


# --------------------------------------------------------------------------- body filter

_SSI = re.compile(r"\[an error occurred while processing (?:this|the) directive\]", re.I)
_RELATED_HEAD = re.compile(
    r"^(?:related(?: news| articles?| stories| content| coverage| links| posts| reading| topics)?|"
    r"read more|read also|also read|see also|more on this (?:story|topic)|more stories|more from [\w .'’-]{1,40}|"
    r"recommended(?: for you| stories| reading| videos)?|most (?:read|popular|viewed)|you (?:may|might) also like|"
    r"top stories|trending(?: now)?|lesen sie auch|mehr zum thema|auch interessant|das könnte sie auch interessieren|"
    r"weiterführende links|(?:à )?lire aussi|(?:lee|leer|lea) también|leia também|leggi anche|lees ook|"
    r"läs (?:också|även)|læs også|les også|czytaj (?:też|także|również))"
    r"\s*[:.…]*$",
    re.I,
)
# "Read more: <headline>" and its translations; "MORE : <headline>" (Metro) too
_READ_MORE_LINK = re.compile(
    r"^(?:read more|read also|also read|related|see also|more|watch|lesen sie auch|mehr dazu|zum artikel|lire aussi|"
    r"leggi anche|"
    r"(?:lee|leer|lea) también|leia também|lees ook|läs (?:också|även)|læs også|les også|"
    r"czytaj (?:też|także|również))\s*[:|»>]\s*\S",
    re.I,
)
# calls to action that open with a fixed phrase and run on ("Got a story? Get in touch ...")
_PROMO = re.compile(
    r"^(?:got a story\b|for more stories like this\b|"
    r"follow (?:us|[\w.'’-]+(?: [\w.'’-]+){0,3}) on (?:twitter|facebook|instagram|x|tiktok|"
    r"linkedin|whatsapp|telegram|threads|bluesky|google news)\b|join (?:our|the) (?:commenting forum|conversation|"
    r"discussion)\b|(?:sign up|subscribe) (?:to|for) (?:our|the) [\w -]{0,40}newsletters?\b|"
    r"(?:click|tap) here to (?:subscribe|sign up|download|follow)\b|share (?:this|on|via) |"
    r"get (?:the latest|daily|breaking) [\w .'’-]{0,60}(?:in your inbox|news)\W*$|fehler gefunden\?)",
    re.I,
)
_PROMPT = re.compile(
    r"^(?:share(?: this)?(?: article| story| post)?(?: on \w+)?|share via \w+|tweet|email|e-mail|print|copy link|"
    r"(?:click here to |please )?subscribe(?: now| today| here)?(?: to (?:our|the) [\w -]{1,30})?|"
    r"sign up(?: for| to)? (?:our|the)? ?[\w -]{0,30}(?:newsletters?|e-?mails?|alerts)|"
    r"get (?:our|the) [\w -]{0,30}newsletters?|"
    r"follow us on [\w ,/&]+|advertisement|advertising|anzeige|publicité|publicidad|werbung|scroll to continue|"
    r"skip advertisement|story continues below(?: advertisement)?|continue reading(?: below)?|comments?|"
    r"listen to this article|download the app)\s*[:.!…]*$",
    re.I,
)
# "Lesedauer: 4 Minuten", "3 min read", "Reading time: 5 minutes"; ad slots glued to their label
_READING_TIME = re.compile(
    r"^(?:(?:reading time|read time|lesedauer|lesezeit|temps de lecture)\s*:?\s*\d+\s*(?:min\w*)\.?"
    r"|\d+\s*(?:min\w*)\s*(?:read|lesezeit|lesedauer|de lecture)\.?)$",
    re.I,
)
_AD_SLOT = re.compile(r"\bstory continues below\b|\badvertisement\b.{0,30}\bcontinues below\b", re.I)
_COOKIE_LONG = re.compile(r"\b(?:we|this (?:web)?site|our (?:web)?site) uses? cookies\b|\baccept (?:all )?cookies\b", re.I)
_COOKIE_SHORT = re.compile(r"\bcookies? (?:settings|preferences|policy|consent)\b|\bmanage cookies\b", re.I)
_AGENCIES = r"(?:Getty Images|AFP|AP|Reuters|EPA(?:-EFE)?|Shutterstock|Alamy|PA(?: Wire)?|dpa|Bloomberg|ANP|ANSA|Imago|Keystone|NurPhoto|SOPA Images|Pool)"
# photo credits: a line that opens with "Photo:" or "©", or one that ends in "Name / Agency" or "(AP Photo/Name)";
# the second kind always holds a slash, so it is only searched for in lines that do
_CREDIT_HEAD = re.compile(
    r"(?:(?:photo|photograph|image|picture|pic|foto|bild|credit)s?(?: credit)?\s*[:©]|©)\s*\S", re.I
)
_CREDIT_TAIL = re.compile(
    rf"\((?:AP|AFP|Reuters|EPA)[ \w]*(?:Photo|Images?)?/[^)]*\)\s*$"
    rf"|(?:photo|image|foto|bild|credit)s?\s*:\s*[^.]{{0,80}}/\s*{_AGENCIES}\s*\.?$"
    rf"|^[\w .'’-]{{0,60}}/\s*{_AGENCIES}\s*\.?$",
    re.I,
)
_SENTENCE_END = re.compile(r"[.!?…:\"”'’»)]\s*$")


_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")


def _words(s: str) -> int:
    if s.isascii():  # most lines: no CJK to look for
        return len(s.split())
    # CJK has no spaces: count each ideograph/kana as half a word so the floor works for zh/ja
    return len(s.split()) + len(_CJK.findall(s)) // 2


def _is_junk(line: str, n: int) -> bool:
    if n >= 60:  # every rule below is for short lines; most article paragraphs are longer
        return False
    # the cookie and ad-slot patterns all need their keyword: a substring test spares the regex search on
    # nearly every line
    low = line.lower()
    cookie = "cookie" in low
    if n < 15 and (_PROMPT.match(line) or (cookie and _COOKIE_SHORT.search(line))):
        return True
    if n < 40 and (_READ_MORE_LINK.match(line) or _PROMO.match(line)):
        return True
    if n < 10 and (_READING_TIME.match(line.lstrip("-•· ")) or ("continues below" in low and _AD_SLOT.search(line))):
        return True
    if n < 40 and cookie and _COOKIE_LONG.search(line):
        return True
    # captions ending in an agency credit can be long, but no article sentence ends "(AP Photo/Name)"
    return bool(_CREDIT_HEAD.match(line) or ("/" in line and _CREDIT_TAIL.search(line)))


def _line_key(s: str) -> str:
    # only compared within one page, so no accent folding (that is _norm's job, and costly on non-ASCII text)
    return _NON_WORD.sub("", s.lower())


def _clean_body(text: str, title: str | None) -> str:
    lines = [ln for ln in map(_ws, _SSI.sub("", text).splitlines()) if ln]  # an SSI error never spans lines
    out: list[str] = []
    seen: set[str] = set()
    ntitle = _line_key(title) if title else ""
    i = 0
    while i < len(lines):
        line, n = lines[i], _words(lines[i])
        i += 1
        if n < 15 and _RELATED_HEAD.match(line):
            # the headlines under a "Related" header are links, not article text; but a lone short line
            # followed by a paragraph is more likely the article's next subheading, so keep that one
            j = i
            while j < len(lines) and _words(lines[j]) < 15 and not _SENTENCE_END.search(lines[j]):
                j += 1
            if j - i >= 2 or j == len(lines):
                i = j
            continue
        if _is_junk(line, n):
            continue
        key = _line_key(line)
        if not key:
            continue
        # trafilatura keeps the <h1> as the first line, and captions/pull-quotes repeat long sentences;
        # short lines (list items, spec sheets) may legitimately repeat
        if (key == ntitle and not out) or (n >= 6 and key in seen):
            continue
        seen.add(key)
        out.append(line)
    return "\n".join(out)


# --------------------------------------------------------------------------- entry point

# trafilatura's fast mode skips its second opinion (readability-lxml and jusText, run and compared on every page).
# Alone it loses body text on a few layouts: it keeps a teaser or a neighbouring block and misses the article. Then
# the page's long paragraphs are nearly all absent from its output, so only then is the full cascade run.
#
# An earlier rule compared the output's length with all <p> text on the page; it ran the full cascade on 24 of the
# 258 development pages, but on 20 of those the result was unchanged (the page merely had many other paragraphs:
# teasers, related stories, CJK pages where every link sits in a <p>) and on one it got worse. The coverage test
# runs it on 5 and keeps all 4 gains (fast mode kept 0-13% of the long paragraphs there; pages where it kept the
# article score 30% and more), saving about 3 ms per page.
LONG_PARAGRAPH = 100  # characters: article paragraphs usually are, teasers, captions and link lines rarely
MIN_COVERAGE = 0.25   # share of the long-paragraph text that the fast output must contain


def _long_paragraphs(tree) -> list[str]:
    """The text of the page's <p> elements of LONG_PARAGRAPH characters or more, whitespace collapsed."""
    out = []
    for p in tree.iter("p"):
        t = p.text_content()
        if len(t) >= LONG_PARAGRAPH and len(t := " ".join(t.split())) >= LONG_PARAGRAPH:  # most are short
            out.append(t)
    return out


def _misses_paragraphs(paras: list[str], text: str) -> bool:
    """True when `text` contains less than MIN_COVERAGE of the long-paragraph text `paras` (by characters)."""
    flat = " ".join(text.split())
    total = covered = 0
    for t in paras:
        total += len(t)
        # a 50-character probe past the start (drop caps, "Berlin (dpa) -" labels) is enough to recognise it
        if t[10:60] in flat:
            covered += len(t)
    return covered < MIN_COVERAGE * total


# trafilatura's fast mode deletes <aside> and <footer> before it reads text (its tree cleaning, and the clean-up
# before its baseline and page-length measure), and never reads <meta> or <link>, nor the text-less <img>,
# <picture>, <source> and <input>. Together they are a fifth of a typical page's elements, and trafilatura copies
# and walks the whole tree several times per run: dropping them from our tree first, once the fields that do read
# them are taken, makes each run cheaper. The text is the same on the development pages but one, where
# trafilatura's clean-up (it deletes while it iterates) skipped an <aside> and kept its teaser list. The full
# cascade of the fallbacks gets the whole page: readability and jusText do read asides.
_NEVER_TEXT = ("aside", "footer", "meta", "link", "img", "picture", "source", "input")


def _slim(tree) -> None:
    etree.strip_elements(tree, *_NEVER_TEXT, with_tail=False)  # keeps the tail text, as trafilatura's delete does


def _trafilatura_text(tree, url: str | None, fast: bool = False, consume: bool = False, **opts: Any) -> str | None:
    """trafilatura's text of the page in `tree`, as bare_extraction gives it (no comments, no metadata).

    With `consume`, trafilatura works on `tree` itself, which it prunes in place, instead of on a copy (~1 ms a
    page): for a caller that reads nothing from the tree afterwards.
    """
    from trafilatura import bare_extraction  # imported late: it is slow to load and only this stage needs it

    try:
        if consume and not opts:
            return _consume(tree, url, fast)
        # no metadata here: _TrafMeta asks for the pieces that the page's own structured data leaves open
        doc = bare_extraction(tree, url=url, with_metadata=False, include_comments=False, fast=fast, **opts)
    except Exception as err:  # trafilatura/lxml raise many types on broken markup
        raise ExtractionError(f"unparseable HTML: {err}") from err
    return None if doc is None else (doc.text or "")


def _consume(tree, url: str | None, fast: bool) -> str | None:
    """bare_extraction(tree, url=url, fast=fast, include_comments=False).text, minus its copy of the input tree.

    These are bare_extraction's steps for those options (trafilatura 2.3: the options, the extraction cascade,
    the minimum size, the text); tests/test_extract.py checks that both give the same text.
    """
    from trafilatura.core import trafilatura_sequence
    from trafilatura.settings import DEFAULT_CONFIG, Extractor
    from trafilatura.xml import xmltotxt

    options = Extractor(config=DEFAULT_CONFIG, output_format="python", fast=fast, comments=False, url=url)
    try:
        postbody, text, _, comments = trafilatura_sequence(tree, options, options.url)
    except (TypeError, ValueError):  # bare_extraction's "discarding data"
        return None
    if len(text) < options.min_output_size and len(comments) < options.min_output_comm_size:
        return None
    return xmltotxt(postbody, options.formatting) or ""


# trafilatura's AUTHOR_DISCARD_XPATHS (2.3) as a test on one element: comment blocks, sidebars, share and print
# bars, quotes, dates and figures are not bylines, and their text is not part of one
_AUTHOR_DISCARD_TAGS = {"a", "div", "section", "span"}
_AUTHOR_DISCARD_ID = re.compile(r"^comments|comment-?list|ProductReviews")
_AUTHOR_DISCARD_CLASS = re.compile(
    r"^[Cc]omments|commentlist|comments-list|sidebar|is-hidden|quote|embedly-instagram|article-(?:share|support)|"
    r"print|category|meta-date|meta-reviewer"
)


def _author_discard(el) -> bool:
    tag = el.tag
    if tag == "time" or tag == "figure":
        return True
    if tag not in _AUTHOR_DISCARD_TAGS:
        return False
    id_, cls = el.get("id"), el.get("class")
    return bool(
        (id_ is not None and (id_ == "comments" or _AUTHOR_DISCARD_ID.search(id_)))
        or (cls is not None and (cls in ("comments", "title", "date") or _AUTHOR_DISCARD_CLASS.search(cls)))
        or "Figure" in (el.get("data-component") or "")
    )


def _extract_author(tree) -> str | None:
    """trafilatura.metadata.extract_author, without copying and pruning the whole page first.

    trafilatura deep-copies the page, deletes every discarded element (one XPath pass over the page, with a regex
    callback per element) and then runs its byline XPaths; that took about 4 of its 9 ms. Here the byline XPaths
    run on the page itself, candidates inside a discarded element are skipped, and only a candidate that holds a
    discarded element is copied and pruned. Same result: tests/test_extract.py compares the two.
    """
    from trafilatura.json_metadata import normalize_authors
    from trafilatura.utils import trim
    from trafilatura.xml import delete_element
    from trafilatura.xpaths import AUTHOR_XPATHS

    for expression in AUTHOR_XPATHS:  # extract_metainfo: the first candidate of the first XPath that has one
        for elem in expression(tree):
            # trafilatura's discard XPath starts below the root, so the root itself is never discarded
            if (elem is not tree and _author_discard(elem)) or any(
                _author_discard(a) for a in elem.iterancestors() if a is not tree
            ):
                continue
            if any(_author_discard(d) for d in elem.iterdescendants()):
                elem = copy.deepcopy(elem)
                for d in [d for d in elem.iterdescendants() if d.tag not in ("time", "figure") and _author_discard(d)]:
                    delete_element(d)  # in trafilatura's order: its first XPath, then <time> and <figure>
                for d in list(elem.iterdescendants("time", "figure")):
                    delete_element(d)
            content = trim(" ".join(elem.itertext()))
            if content and 2 < len(content) < 120:
                return normalize_authors(None, content)
    return None


class _TrafMeta:
    """trafilatura's metadata heuristics, run piece by piece and only when needed.

    Its all-in-one `extract_metadata` re-parses every JSON-LD block, scans categories, tags and licence links and
    runs htmldate on every page: about a quarter of the extraction time, mostly for fields that JSON-LD and Open
    Graph (read once in `_page_meta`) already give. Each piece reads the whole page: extract_html takes all it needs
    before it slims the tree for trafilatura's text extraction, which then consumes it.
    """

    def __init__(self, tree, url: str | None) -> None:
        from trafilatura.metadata import examine_meta

        self.tree, self.url = tree, url
        self.meta = examine_meta(tree)  # <meta> tags only: cheap

    @cached_property
    def title(self) -> str | None:
        from trafilatura.metadata import extract_title

        return self.meta.title or extract_title(self.tree)

    @cached_property
    def sitename(self) -> str | None:
        from trafilatura.metadata import extract_sitename

        name = self.meta.sitename or extract_sitename(self.tree)
        return name.lstrip("@") if name else None

    @cached_property
    def byline(self) -> str | None:
        author = self.meta.author
        if author and " " not in author:  # a handle or a bare site name, as trafilatura itself rules
            author = None
        return author or _extract_author(self.tree)

    @cached_property
    def date(self) -> str | None:
        from htmldate import find_date
        from trafilatura.settings import set_date_params

        try:
            return find_date(self.tree, **{**set_date_params(True), "url": self.url})
        except Exception:  # htmldate is a last resort; never fail the page because of it
            return None


def _repeats_og(headline: str | None, og: str | None, head: str | None, sites: list[str], host: str | None) -> bool:
    """True when the JSON-LD headline differs from og:title and the <title> repeats og:title.

    CMSs fill <title> and og:title from one search/social headline field; when JSON-LD carries a different
    headline, that one was written for the article page. (When <title> repeats the JSON-LD headline instead, the
    distinct og:title is the hand-written one, and the usual order, og:title first, already picks it.) A JSON-LD
    headline that is og:title without its kicker ("Kicker / Headline") is not a different headline: whether the
    kicker stays is `_drop_section_suffix`'s call, so og:title keeps its place then.
    """
    if not (headline and og and head):
        return False
    def key(t: str) -> str:
        return _line_key(_strip_site(t, sites, host)[0].translate(_QUOTES))

    return key(headline) != key(og) and key(head) == key(og) and not _is_kicked(og, headline)


# the separator between a kicker and its headline: "Kicker: Headline", "Kicker | Headline", "Kicker / Headline"
_KICKER_SEP = re.compile(r"(?:\s*:|\s[-–—|/])\s*$")


def _is_kicked(longer: str, shorter: str) -> bool:
    """True when `longer` is `shorter` with a kicker in front ("Kicker: Headline")."""
    fl, fs = longer.translate(_QUOTES), shorter.translate(_QUOTES)
    if len(fs) >= len(fl) or not fl.endswith(fs):
        return False
    m = _KICKER_SEP.search(longer[: len(longer) - len(shorter)])
    return bool(m and m.start() > 0)


def _truncated(og: str | None, fuller: list[str | None]) -> bool:
    """True when `og` is another source's title cut short at a double quote.

    A quote left unescaped inside content="..." ends the attribute early: og:title becomes "Sieger und " where
    <title> reads 'Sieger und "royaler Besuch"'. Such a stub is not the page's headline.
    """
    if not og:
        return False
    return any(
        f and len(f) > len(og) and f.startswith(og) and f[len(og):].lstrip()[:1] in ('"', "“", "”", "„")
        for f in fuller
    )


def _clean_title(t: str | None) -> str | None:
    return _INVISIBLE.sub("", _ws(_fix_mojibake(t))) if t else None


def _pick_title(cands: list[str], sites: list[str], host: str | None, spellings: list[str] = ()) -> str:
    """The headline from `cands` (best first); `spellings` are the page's metadata titles (<title>, og:title,
    twitter:title, JSON-LD headline) that vote on how its quotes are written."""
    # <title>/h1 (trafilatura, first) often carries " | Site"; JSON-LD headline and og:title rarely do
    cleaned = [_strip_site(c, sites, host) for c in cands]
    title = next((c for c, stripped in cleaned if c and not stripped), "") or next((c for c, _ in cleaned if c), "")
    others = [c for c, _ in cleaned]
    title = _drop_section_suffix(title, others)
    folded = title.translate(_QUOTES)
    # same words, quoted differently ("family" / “family”): the spelling most metadata sources share wins. The
    # <h1> has no vote: templates (WordPress's wptexturize) curl the quotes of the displayed title only.
    forms: dict[str, int] = {}
    for s in spellings:
        s = _strip_site(s, sites, host)[0] if s else ""
        if s and s.translate(_QUOTES) == folded:
            forms[s] = forms.get(s, 0) + 1
    if forms:
        ranked = sorted(forms.values(), reverse=True)
        if len(ranked) > 1 and ranked[0] > ranked[1]:
            return max(forms, key=forms.__getitem__)
    # otherwise (a tie, or one spelling): one source kept the typographic quotes the editor wrote, keep those
    for c in others:
        if c != title and c.translate(_QUOTES) == folded and c != c.translate(_QUOTES):
            return c
    return title


def extract_html(raw: RawInput) -> Article:
    """Extract one article from an HTML page; raises ExtractionError when there is none."""
    if raw.kind != "html":
        raise ExtractionError(f"expected kind 'html', got {raw.kind!r}")
    decoded = _decode_utf8(raw.body)
    tree = _parse(*decoded)
    pm = _page_meta(tree)
    tag = tree.find("head/title")  # the parser puts <head> right under <html>: no need to search the body
    head_title = _ws(tag.text_content()) if tag is not None else None

    # every field that reads the page beyond its text first: the tree is slimmed for trafilatura below
    url = raw.url or pm["url"]
    host = _host(url)
    tm = _TrafMeta(tree, url)
    names = [pm["site_name"], pm["publisher"], pm["app_name"], pm["site_ld"]]
    # a "site name" of many words is a headline that trafilatura took from a title part holding a dot ("9. Juli")
    sites = [s for s in (*names, tm.sitename) if s and len(s.split()) <= 6]

    headline, og_title, head = _clean_title(pm["headline"]), _clean_title(pm["og_title"]), _clean_title(head_title)
    traf_title = _clean_title(tm.title)
    if _truncated(og_title, [head, headline]):
        # trafilatura's title is og:title too when the page has one
        og_title, traf_title = None, None if traf_title == og_title else traf_title
    first = headline if _repeats_og(headline, og_title, head, sites, host) else None
    cands = [c for c in (first, traf_title, headline, og_title) if c]
    spellings = [head, og_title, _clean_title(pm["twitter_title"]), headline]
    title = _pick_title(cands, sites, host, [t for t in spellings if t])
    outlet = _outlet([n for n in names if n] or ([tm.sitename] if tm.sitename and not host else []), host,
                     [t for t in (head_title, pm["og_title"], tm.title) if t])

    authors = _clean_authors(pm["authors"], host)
    # JSON-LD often names the organisation as author while the page byline names the reporter
    if not authors or all(_is_site(a, sites, host, False) for a in authors):
        byline = _clean_authors([tm.byline or ""], host)
        if not authors or any(not _is_site(b, sites, host, False) for b in byline):
            authors = [b for b in byline if not _is_site(b, sites, host, False)] or authors or byline
    published = _parse_date(pm["date"]) or _parse_date(tm.date)  # htmldate only when the page's metadata has none
    paras = _long_paragraphs(tree)  # the fast mode's yardstick: every <p>, as the page has them
    _slim(tree)

    # one HTML parse per page, reused for every field; nothing reads the tree after the fast run, so trafilatura
    # may prune it in place rather than copy it
    text = _trafilatura_text(tree, raw.url, fast=True, consume=True)
    full = None
    if text is None or _misses_paragraphs(paras, text):
        # the fallbacks get the whole page: readability and jusText in the full cascade do read <aside> blocks
        # (a few pages in a hundred come here; parsing again costs less than keeping a copy of every page)
        full = _parse(*decoded)
        text = _trafilatura_text(full, raw.url) or text
    if text is None or _words(text) < MIN_WORDS:
        # the precision-first default gives up on some unusual layouts that the recall mode still reads
        full = full if full is not None else _parse(*decoded)
        text = _trafilatura_text(full, raw.url, favor_recall=True) or text
    if text is None:
        raise ExtractionError("no article text found")

    text = _clean_body(text, title)
    if _words(text) < MIN_WORDS:
        raise ExtractionError("no article text found")
    if len(text) > LIMITS.article_chars:
        raise ExtractionError(f"article text of {len(text)} characters is over the limit of {LIMITS.article_chars} "
                              "characters")
    return Article(
        title=title or text.split("\n", 1)[0][:200],
        text=text,
        url=url,
        outlet=outlet,
        published=published,
        authors=authors,
        language=next((c for c in map(_language, pm["langs"]) if c), None) or _guess_language(text),
        raw_sha256=raw.sha256,
        origin=raw.origin,
    )
