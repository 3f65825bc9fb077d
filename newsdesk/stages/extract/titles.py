"""The headline, chosen from the page's title candidates.

`clean_title` normalises one candidate (mojibake, whitespace, invisible characters); `is_truncated` and
`repeats_og` tell which candidates not to trust; `pick_title(cands, sites, host, spellings)` returns the headline
without a site-name suffix or section label, in the quote spelling most of the page's metadata shares.
"""
from __future__ import annotations

import re

from .normalize import QUOTES, fix_mojibake, line_key, ws
from .sites import TITLE_SEP, is_site


_TRAILING_DATE = re.compile(r"(?:\s*[|\-–—·]\s*\d{1,2}[./]\d{1,2}[./]\d{2,4})+\s*$")
# a byline after the site name: "Headline | Site | by Jane Doe", "Headline * Site * by Jane Doe"
_TRAILING_BYLINE = re.compile(r"\s+[|*·•\-–—]\s+(?:by|von|par|por|door|di)\s+[^|*·•]{2,60}$", re.I)
_INVISIBLE = re.compile(r"[\u00ad\u200b-\u200f\u2060\ufeff]")


def _strip_site(title: str, sites: list[str], host: str | None) -> tuple[str, bool]:
    """Remove ' | Site' style suffixes (and 'Site | ' prefixes) naming the outlet; returns (title, stripped?)."""
    original = title
    title = _TRAILING_DATE.sub("", title)  # DW: "Headline | DW | 28.04.2023"
    title = _TRAILING_BYLINE.sub("", title)
    for _ in range(3):  # "Title - Section | Site" may need two passes; the bound guards odd titles
        changed = False
        for m in TITLE_SEP.finditer(title):  # leftmost first, so the longest matching tail goes
            loose = ":" not in m.group()  # "Title: text" is too common to match on a domain fragment
            if m.start() > 0 and is_site(title[m.end():], sites, host, loose):
                title, changed = title[: m.start()].strip(), True
                break
        if not changed:
            m = TITLE_SEP.search(title)
            if m and m.start() > 0 and ":" not in m.group() and is_site(title[: m.start()], sites, host, False):
                title, changed = title[m.end():].strip(), True
        if not changed:
            break
    return title, title != original


def _drop_section_suffix(title: str, others: list[str]) -> str:
    """'Headline - Samastipur News' -> 'Headline' when another source gives exactly 'Headline'; likewise
    'Section | Headline' -> 'Headline' (a pipe marks a label; a colon or slash kicker is part of the headline)."""
    folded = title.translate(QUOTES)
    for o in others:
        if not o or len(o) >= len(title):
            continue
        fo = o.translate(QUOTES)  # "Kohberger's" in one source, "Kohberger’s" in another
        if folded.startswith(fo) and re.match(r"\s*[-|–—:：｜ㅣ/]", title[len(o):]):
            return title[: len(o)]
        if folded.endswith(fo) and re.search(r"\s[|｜]\s*$", title[: -len(o)]):
            return title[-len(o):]
    return title


def repeats_og(headline: str | None, og: str | None, head: str | None, sites: list[str], host: str | None) -> bool:
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
        return line_key(_strip_site(t, sites, host)[0].translate(QUOTES))

    return key(headline) != key(og) and key(head) == key(og) and not _is_kicked(og, headline)


# the separator between a kicker and its headline: "Kicker: Headline", "Kicker | Headline", "Kicker / Headline"
_KICKER_SEP = re.compile(r"(?:\s*:|\s[-–—|/])\s*$")


def _is_kicked(longer: str, shorter: str) -> bool:
    """True when `longer` is `shorter` with a kicker in front ("Kicker: Headline")."""
    fl, fs = longer.translate(QUOTES), shorter.translate(QUOTES)
    if len(fs) >= len(fl) or not fl.endswith(fs):
        return False
    m = _KICKER_SEP.search(longer[: len(longer) - len(shorter)])
    return bool(m and m.start() > 0)


def is_truncated(og: str | None, fuller: list[str | None]) -> bool:
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


def clean_title(t: str | None) -> str | None:
    """One title candidate with mojibake undone, whitespace collapsed and invisible characters removed."""
    return _INVISIBLE.sub("", ws(fix_mojibake(t))) if t else None


def pick_title(cands: list[str], sites: list[str], host: str | None, spellings: list[str] = ()) -> str:
    """The headline from `cands` (best first); `spellings` are the page's metadata titles (<title>, og:title,
    twitter:title, JSON-LD headline) that vote on how its quotes are written."""
    # <title>/h1 (trafilatura, first) often carries " | Site"; JSON-LD headline and og:title rarely do
    cleaned = [_strip_site(c, sites, host) for c in cands]
    title = next((c for c, stripped in cleaned if c and not stripped), "") or next((c for c, _ in cleaned if c), "")
    others = [c for c, _ in cleaned]
    title = _drop_section_suffix(title, others)
    folded = title.translate(QUOTES)
    # same words, quoted differently ("family" / “family”): the spelling most metadata sources share wins. The
    # <h1> has no vote: templates (WordPress's wptexturize) curl the quotes of the displayed title only.
    forms: dict[str, int] = {}
    for s in spellings:
        s = _strip_site(s, sites, host)[0] if s else ""
        if s and s.translate(QUOTES) == folded:
            forms[s] = forms.get(s, 0) + 1
    if forms:
        ranked = sorted(forms.values(), reverse=True)
        if len(ranked) > 1 and ranked[0] > ranked[1]:
            return max(forms, key=forms.__getitem__)
    # otherwise (a tie, or one spelling): one source kept the typographic quotes the editor wrote, keep those
    for c in others:
        if c != title and c.translate(QUOTES) == folded and c != c.translate(QUOTES):
            return c
    return title
