"""The extract stage's entry point: `extract_html(raw)` turns one RawInput of kind "html" into one Article.

The page is parsed once and that tree serves every field. First everything that reads the whole page is taken
(page metadata, trafilatura's metadata heuristics for the fields the page leaves open, the long paragraphs);
then the tree is slimmed and trafilatura's fast mode extracts the text from the tree itself. Its full cascade,
then its recall mode, run on a fresh parse only when the fast text misses the page's long paragraphs or is too
short. The boilerplate filter cleans the text. Raises ExtractionError when the page holds no article of
MIN_WORDS words or more, or its text is over LIMITS.article_chars characters.
"""
from __future__ import annotations

from newsdesk.models import Article, RawInput
from newsdesk.settings import LIMITS, current

from .body import clean_body
from .decoding import decode_utf8, parse
from .errors import ExtractionError
from ...lang import article_language
from .fields import absolute_http, clean_authors, guess_language, language_code, parse_date
from .main_text import long_paragraphs, misses_paragraphs, slim, trafilatura_text
from .metadata import TrafMeta, page_meta
from .normalize import words, ws
from .sites import is_site, outlet_name, site_host
from .titles import clean_title, is_truncated, pick_title, repeats_og

MIN_WORDS = current().extract.min_words  # [extract] in newsdesk.toml, docs/settings.md


def extract_html(raw: RawInput) -> Article:
    """Extract one article from an HTML page; raises ExtractionError when there is none."""
    if raw.kind != "html":
        raise ExtractionError(f"expected kind 'html', got {raw.kind!r}")
    decoded = decode_utf8(raw.body)
    tree = parse(*decoded)
    pm = page_meta(tree)
    tag = tree.find("head/title")  # the parser puts <head> right under <html>: no need to search the body
    head_title = ws(tag.text_content()) if tag is not None else None

    # every field that reads the page beyond its text first: the tree is slimmed for trafilatura below
    url = raw.url or pm["url"]
    host = site_host(url)
    tm = TrafMeta(tree, url)
    names = [pm["site_name"], pm["publisher"], pm["app_name"], pm["site_ld"]]
    # a "site name" of many words is a headline that trafilatura took from a title part holding a dot ("9. Juli")
    sites = [s for s in (*names, tm.sitename) if s and len(s.split()) <= 6]

    headline, og_title, head = clean_title(pm["headline"]), clean_title(pm["og_title"]), clean_title(head_title)
    traf_title = clean_title(tm.title)
    if is_truncated(og_title, [head, headline]):
        # trafilatura's title is og:title too when the page has one
        og_title, traf_title = None, None if traf_title == og_title else traf_title
    first = headline if repeats_og(headline, og_title, head, sites, host) else None
    cands = [c for c in (first, traf_title, headline, og_title) if c]
    spellings = [head, og_title, clean_title(pm["twitter_title"]), headline]
    title = pick_title(cands, sites, host, [t for t in spellings if t])
    outlet = outlet_name([n for n in names if n] or ([tm.sitename] if tm.sitename and not host else []), host,
                         [t for t in (head_title, pm["og_title"], tm.title) if t])

    authors = clean_authors(pm["authors"], host)
    # JSON-LD often names the organisation as author while the page byline names the reporter
    if not authors or all(is_site(a, sites, host, False) for a in authors):
        byline = clean_authors([tm.byline or ""], host)
        if not authors or any(not is_site(b, sites, host, False) for b in byline):
            authors = [b for b in byline if not is_site(b, sites, host, False)] or authors or byline
    published = parse_date(pm["date"]) or parse_date(tm.date)  # htmldate only when the page's metadata has none
    paras = long_paragraphs(tree)  # the fast mode's yardstick: every <p>, as the page has them
    slim(tree)

    # one HTML parse per page, reused for every field; nothing reads the tree after the fast run, so trafilatura
    # may prune it in place rather than copy it
    text = trafilatura_text(tree, raw.url, fast=True, consume=True)
    full = None
    if text is None or misses_paragraphs(paras, text):
        # the fallbacks get the whole page: readability and jusText in the full cascade do read <aside> blocks
        # (a few pages in a hundred come here; parsing again costs less than keeping a copy of every page)
        full = parse(*decoded)
        text = trafilatura_text(full, raw.url) or text
    if text is None or words(text) < MIN_WORDS:
        # the precision-first default gives up on some unusual layouts that the recall mode still reads
        full = full if full is not None else parse(*decoded)
        text = trafilatura_text(full, raw.url, favor_recall=True) or text
    if text is None:
        raise ExtractionError("no article text found")

    text = clean_body(text, title)
    if words(text) < MIN_WORDS:
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
        # the declared language, checked against the text (newsdesk/lang.py); the script or function words as the
        # last resort for a short text that declares none
        language=article_language(text, next((c for c in map(language_code, pm["langs"]) if c), None))
        or guess_language(text),
        raw_sha256=raw.sha256,
        origin=raw.origin,
        image_url=absolute_http(pm["image"], url),
        image_credit=pm["image_credit"],
    )

