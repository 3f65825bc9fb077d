"""Text primitives shared by the extract modules: whitespace, comparison keys, word counts, quotes, mojibake.

Pure functions on str; nothing here reads a page.
"""
from __future__ import annotations

import html
import re
import unicodedata


def ws(s: str) -> str:
    """`s` with HTML entities unescaped and whitespace collapsed to single spaces."""
    if "&" in s:  # JSON-LD and some meta tags carry HTML-escaped text ("&#8217;", "&quot;")
        s = html.unescape(s)
    # str.split() splits on exactly what re's \s matches in str patterns, and is several times faster
    return " ".join(s.split())


_NON_WORD = re.compile(r"[\W_]+")
_FOLD = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "æ": "ae", "ø": "oe", "å": "aa"})


def norm(s: str) -> str:
    """A key to compare names by: lowercase letters and digits only, accents and umlauts folded."""
    if s.isascii():  # the common case, and the hot path of the body filter
        return _NON_WORD.sub("", s.lower())
    # hostnames spell "Börsen-Zeitung" as "boersen-zeitung" and drop accents, so fold both ways
    s = unicodedata.normalize("NFKD", s.lower().translate(_FOLD))
    return re.sub(r"[\W_]+", "", "".join(c for c in s if not unicodedata.combining(c)))


_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")


def words(s: str) -> int:
    """The number of words in `s`, counting CJK characters as half a word each."""
    if s.isascii():  # most lines: no CJK to look for
        return len(s.split())
    # CJK has no spaces: count each ideograph/kana as half a word so the floor works for zh/ja
    return len(s.split()) + len(_CJK.findall(s)) // 2


def line_key(s: str) -> str:
    """A key to compare lines of one page by: lowercase letters and digits only."""
    # only compared within one page, so no accent folding (that is norm's job, and costly on non-ASCII text)
    return _NON_WORD.sub("", s.lower())


# curly and angle quotes as straight ones: titles are compared by their words, not their quote style
QUOTES = str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"', "„": '"', "«": '"', "»": '"'})
_MOJIBAKE = re.compile(r"Ã.|Â.|â€")


def fix_mojibake(s: str) -> str:
    """`s` with UTF-8 read as windows-1252 undone, when it round-trips."""
    # some CMSs double-encode one meta tag (WinFuture: og:title "fÃ¼r"); undo only when that round-trips
    if not _MOJIBAKE.search(s):
        return s
    try:
        return s.encode("cp1252").decode("utf-8")
    except UnicodeError:
        return s
