"""Sentence splitting and tokenizing shared by the stages.

The splitter is hand-written with regexes on purpose: nltk's punkt model needs a data
download, which is impossible on the offline machines this runs on.  It returns character
offsets rather than strings so that callers can quote sentences verbatim and link to them.
"""
from __future__ import annotations

import re
from functools import lru_cache

__all__ = ["split_sentences", "strip_controls", "tokenize", "STARTERS"]

# Abbreviations after which a period never ends a sentence (a name always follows).
_TITLES = frozenset(
    "mr mrs ms messrs mme mlle dr prof rev hon gen lt col capt cpt maj sgt cpl adm cmdr cmdt "
    "spc pfc pvt ssgt brig ens amb msgr rt ald gov sen rep pres supt insp det atty fr br "
    "vs v cf ca approx viz e.g i.e esp fig figs "
    "pp p vol vols ch art sec dept univ assn".split()
)
# Abbreviations that are followed by a number ("No. 10", "Jan. 5", "Sept. 11").
_BEFORE_NUMBER = frozenset("no nos jan feb mar apr jun jul aug sep sept oct nov dec".split())
# Abbreviations that often end a sentence too ("... Apple Inc. The company"): split only
# when the next word is one that typically opens a sentence.
_AMBIGUOUS = frozenset("inc corp co ltd plc llc bros jr sr st ave blvd rd mt ft etc al est".split())

# Lowercased words that commonly open a sentence; used to disambiguate the cases above.
STARTERS = frozenset(
    """the a an he she it they we i you this that these those there his her their its our my
    in on at for by from with to of but and or so yet however meanwhile after before when while as
    if although though since because according also last some many most one two three several
    both all no not police officials authorities what who why how where earlier later then still
    instead during until despite under over more other another such""".split()
)

_CLOSERS = "\"'’”»)]"
# A run of terminal punctuation, any closing quotes/brackets ('' is the DUC/PTB closing quote),
# then whitespace: every sentence boundary is one of these. The run is only tried from its first character, and
# the closers are taken possessively: what follows either part is never one of its own characters, so giving any
# back could not make a match, and trying it made a text of dots quadratic and a run of quotes exponential.
# Besides Latin punctuation: the danda of Devanagari (and the double danda), the Arabic and Urdu question mark and
# full stop, and the ideographic full stop, exclamation and question marks, which need no space after them.
_STOPS = "।॥؟۔。！？"
_BOUNDARY = re.compile(r"(?P<punct>(?<![.!?])(?:\.{3}|[.!?]+)|…|[।॥؟۔]+|[。！？]+)(?P<close>(?:''|[\"'’”»)\]」』])*+)"
                       r"(?:\s+|(?<=[。！？」』])(?=\S))")
_NEXT_WORD = re.compile(r"(?:``|[\"'‘“«(\[])*([^\s\"'’”»)\]]*)")
_DOTTED = re.compile(r"^(?:[^\W\d_]\.)+[^\W\d_]$")  # U.S / a.m / D.C (final period excluded)
_TERMINAL_LINE = re.compile(r"[.!?…:;](?:''|[\"'’”»)\]])*+\s*$")


def _is_boundary(seg: str, m: re.Match) -> bool:
    punct = m.group("punct")
    # read the text after the stop in place: a copy of the rest of the paragraph at every stop is quadratic
    nxt_m = _NEXT_WORD.match(seg, m.end())
    nxt = nxt_m.group(1) if nxt_m else ""
    first = seg[m.end():m.end() + 1]
    if not first:
        return True
    if punct[0] in _STOPS:  # scripts without case: a stop ends the sentence unless a Latin lowercase word goes on
        return not first.islower()
    if punct in ("!", "?") or len(punct) > 1 and punct[0] != ".":
        # '?" he asked' keeps going; anything else that is not lowercase starts anew.
        return not first.islower()
    if punct != ".":
        # Ellipsis: only a capital after it signals a new sentence.
        return first.isupper() or first in "\"“‘`'("
    if first.islower():
        return False
    if m.group("close"):
        return True  # '." He ...': the quote closed the sentence.
    # the word before the stop, found by stepping back from it: a regex search for it would scan the paragraph
    # from its start at every full stop
    end = start = m.start()
    while start > 0 and not seg[start - 1].isspace():
        start -= 1
    prev = seg[start:end].lstrip("\"'“‘(`[")
    low = prev.lower()
    nxt_low = nxt.lower()
    if low in _TITLES:
        return False
    if low in _BEFORE_NUMBER:
        return not nxt[:1].isdigit()
    if len(prev) == 1 and prev.isalpha() and prev.isupper():
        # An initial ("George W. Bush") unless a typical sentence opener follows ("Plan B. The").
        return nxt_low in STARTERS
    if low in _AMBIGUOUS or _DOTTED.match(prev):
        return nxt_low in STARTERS or nxt[:1] in "\"“"
    return True


def _segments(text: str) -> list[tuple[int, int]]:
    """Blocks that sentences may not cross: paragraphs and stand-alone lines (headings, list items).

    A single newline is kept inside a block only when the text looks hard-wrapped, i.e. the line
    is long, lacks final punctuation and the next line continues in lowercase.
    """
    lines: list[tuple[int, int]] = []
    pos = 0
    for raw in text.splitlines(keepends=True):
        body = raw.rstrip("\r\n")
        lines.append((pos, pos + len(body)))
        pos += len(raw)
    segs: list[tuple[int, int]] = []
    cur: tuple[int, int] | None = None
    prev_line = ""
    for start, end in lines:
        line = text[start:end]
        if not line.strip():
            if cur:
                segs.append(cur)
            cur = None
            prev_line = ""
            continue
        nxt = line.lstrip()[:1]
        if (
            cur is not None
            and len(prev_line.strip()) >= 40
            and not _TERMINAL_LINE.search(prev_line)
            and (nxt.islower() or nxt.isdigit())
        ):
            cur = (cur[0], end)
        else:
            if cur:
                segs.append(cur)
            cur = (start, end)
        prev_line = line
    if cur:
        segs.append(cur)
    return segs


def split_sentences(text: str) -> list[tuple[int, int]]:
    """(start, end) character offsets of each sentence of `text`, whitespace trimmed.

    `text[start:end]` is the sentence verbatim. Handles abbreviations (U.S., Mr., Jan. 5,
    No. 10, a.m., initials), decimals, closing quotes and line-based units such as headings.
    """
    out: list[tuple[int, int]] = []
    for s0, s1 in _segments(text):
        seg = text[s0:s1]
        begin = 0
        for m in _BOUNDARY.finditer(seg):
            if m.end() >= len(seg):
                break
            if _is_boundary(seg, m):
                cut = m.end("close")
                _append(out, text, s0 + begin, s0 + cut)
                begin = m.end()
        _append(out, text, s0 + begin, s1)
    return out


def _append(out: list[tuple[int, int]], text: str, start: int, end: int) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end > start:
        out.append((start, end))


# C0 controls other than tab, newline and carriage return mean nothing in an article, XML 1.0 forbids them (an Atom
# feed holding one cannot be written) and libxml2's HTML parser drops the text around some; so do U+FFFE and U+FFFF.
# Lone surrogates (a JSON "\ud800" escape) cannot be stored as UTF-8 at all.
_UNWANTED = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
_REPLACEMENT = {"\x0b": " ", "\x0c": " "}  # vertical tab and form feed separate words


def strip_controls(text: str) -> str:
    """`text` without C0 control characters (tab, newline, CR kept; vertical tab and form feed made spaces) and
    non-characters, lone surrogates replaced by U+FFFD: text that SQLite, HTML and XML all accept."""
    if not _UNWANTED.search(text):
        return text
    return _UNWANTED.sub(lambda m: "\ufffd" if "\ud800" <= m[0] <= "\udfff" else _REPLACEMENT.get(m[0], ""), text)



def _combining_marks() -> str:
    """A character class body of every combining mark of the Basic Multilingual Plane (categories Mn, Mc, Me):
    Python's \\w leaves them out, which cut Devanagari words at every vowel sign and Hebrew words at every point."""
    import unicodedata

    ranges: list[list[int]] = []
    for c in range(0x300, 0x10000):
        if unicodedata.category(chr(c)) in ("Mn", "Mc", "Me"):
            if ranges and ranges[-1][1] == c - 1:
                ranges[-1][1] = c
            else:
                ranges.append([c, c])
    return "".join(re.escape(chr(a)) + ("-" + re.escape(chr(b)) if b > a else "") for a, b in ranges)


_MARKS = _combining_marks()
# A word starts with a letter or digit and goes on with letters, digits and combining marks; "_" never joins a word
# (the text's underscores are made spaces first, so that \w can stand for the letters here).
_WORD = rf"[^\W_][\w{_MARKS}]*"
_TOKEN = re.compile(rf"(?:[^\W\d_]\.){{2,}}|\d+(?:[.,:]\d+)+|{_WORD}(?:['’\-]{_WORD})*")


def tokenize(text: str) -> list[str]:
    """Lowercase word tokens: "U.S." -> "u.s", "8.8" and "1,000" stay whole, possessive 's dropped."""
    # The summarizer reads each sentence several times (length, verb test, TF-IDF, concepts): sentences are cached.
    # A whole article is read once per brief, and a cache of 20,000 of them held hundreds of MB in a server that
    # runs for weeks, so long texts are not.
    return list(_cached_tokens(text) if len(text) <= CACHED_TEXT_CHARS else _tokens(text))


CACHED_TEXT_CHARS = 2_000


def _tokens(text: str) -> tuple[str, ...]:
    out = []
    for tok in _TOKEN.findall(text.lower().replace("_", " ")):
        tok = tok.rstrip(".").replace("’", "'")
        if tok.endswith("'s"):
            tok = tok[:-2]
        if tok:
            out.append(tok)
    return tuple(out)


_cached_tokens = lru_cache(maxsize=20_000)(_tokens)


def clear_token_cache() -> None:
    """Forget the tokens of every cached sentence: the next `tokenize` reads each afresh (a timing's cold start)."""
    _cached_tokens.cache_clear()
