"""The article's main text, from trafilatura, at the least cost the result allows.

`trafilatura_text(tree, url, fast, consume, **opts)` is trafilatura's text of the page (bare_extraction's, without
comments or metadata), or None when it finds none; with `consume` it prunes `tree` in place instead of copying
it. `long_paragraphs` and `misses_paragraphs` decide when the fast mode's text is not to be trusted; `slim` drops
the elements the fast mode never reads text from.
"""
from __future__ import annotations

from typing import Any

from lxml import etree

from newsdesk.settings import current

from .errors import ExtractionError


# trafilatura's fast mode skips its second opinion (readability-lxml and jusText, run and compared on every page).
# Alone it loses body text on a few layouts: it keeps a teaser or a neighbouring block and misses the article. Then
# the page's long paragraphs are nearly all absent from its output, so only then is the full cascade run (why this
# test and not the output's length: docs/design/extraction.md).
# [extract] in newsdesk.toml, docs/settings.md
LONG_PARAGRAPH = current().extract.long_paragraph_chars  # article paragraphs usually are this long, teasers rarely
MIN_COVERAGE = current().extract.min_coverage  # share of the long-paragraph text the fast output must contain


def long_paragraphs(tree) -> list[str]:
    """The text of the page's <p> elements of LONG_PARAGRAPH characters or more, whitespace collapsed."""
    out = []
    for p in tree.iter("p"):
        t = p.text_content()
        if len(t) >= LONG_PARAGRAPH and len(t := " ".join(t.split())) >= LONG_PARAGRAPH:  # most are short
            out.append(t)
    return out


def misses_paragraphs(paras: list[str], text: str) -> bool:
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
# them are taken, makes each run cheaper without changing the text (docs/design/extraction.md). The full cascade of
# the fallbacks gets the whole page: readability and jusText do read asides.
_NEVER_TEXT = ("aside", "footer", "meta", "link", "img", "picture", "source", "input")


def slim(tree) -> None:
    """Remove from `tree`, in place, the elements trafilatura's fast mode never reads text from."""
    etree.strip_elements(tree, *_NEVER_TEXT, with_tail=False)  # keeps the tail text, as trafilatura's delete does


def trafilatura_text(tree, url: str | None, fast: bool = False, consume: bool = False, **opts: Any) -> str | None:
    """trafilatura's text of the page in `tree`, as bare_extraction gives it (no comments, no metadata).

    With `consume`, trafilatura works on `tree` itself, which it prunes in place, instead of on a copy: for a
    caller that reads nothing from the tree afterwards.
    """
    from trafilatura import bare_extraction  # imported late: it is slow to load and only this stage needs it

    try:
        if consume and not opts:
            return _consume(tree, url, fast)
        # no metadata here: TrafMeta asks for the pieces that the page's own structured data leaves open
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
