"""The Jinja environment of the pages and the filters and globals it gives templates.

`make_env(static_site)` is shared by the server and the static export (`export.py`); only `link_to` differs:
`/stories/3` on the server, relative `.html` links in the export. Article text and titles are untrusted: templates
are autoescaped, and the filters here escape article text before they add any markup of their own.
"""
from __future__ import annotations

import functools
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

from jinja2 import Environment, FileSystemLoader, pass_context, select_autoescape
from markupsafe import Markup, escape

from .. import __version__
from ..lang import entity_languages, text_direction
from ..models import Article, BriefSentence
from ..stages.topics import BY_KEY, SECTIONS
from ..text import split_sentences
from .auth import current_viewer

HERE = Path(__file__).parent
TEMPLATES_DIR = HERE / "templates"
STATIC_DIR = HERE / "static"
OUTLETS_SHOWN = 3

_MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


# -- formatting -------------------------------------------------------------------------------------------------
def fmt_date(value: datetime | None) -> str:
    # Month names are spelled out here rather than with %b, which follows the server's locale.
    if value is None:
        return "undated"
    return f"{value.day} {_MONTHS[value.month - 1]} {value.year}"


def iso_date(value: datetime | None) -> str:
    return value.date().isoformat() if value else ""


def date_span(first: datetime | None, last: datetime | None) -> str:
    """"12 Mar – 2 Apr 2007"; the year (and month) is written once when both ends share it."""
    if first is None or last is None:
        return fmt_date(first or last)
    a, b = first.date(), last.date()
    if a == b:
        return fmt_date(first)
    if a.year != b.year:
        return f"{fmt_date(first)} – {fmt_date(last)}"
    if a.month != b.month:
        return f"{a.day} {_MONTHS[a.month - 1]} – {b.day} {_MONTHS[b.month - 1]} {b.year}"
    return f"{a.day}–{b.day} {_MONTHS[b.month - 1]} {b.year}"


def count(n: int, noun: str, plural: str | None = None) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {plural or noun + 's'}"


def outlet_names(outlets: list[str], shown: int = OUTLETS_SHOWN) -> str:
    if len(outlets) <= shown:
        return ", ".join(outlets)
    return f"{', '.join(outlets[:shown])} and {len(outlets) - shown} more"


def safe_url(url: str | None) -> str | None:
    """Only http(s) links are rendered: autoescaping does not stop a `javascript:` URL from an untrusted feed."""
    if not url:
        return None
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    return url.strip() if parts.scheme.lower() in ("http", "https") and parts.netloc else None


def snippet_parts(snippet: str) -> list[tuple[str, bool]]:
    """Split an FTS snippet at its \\x02/\\x03 markers into (text, matched) runs.

    Markers are read as a toggle that can only open when closed and close when open, so a stray control character
    in an article can never produce unbalanced <mark> tags.
    """
    parts: list[tuple[str, bool]] = []
    buf: list[str] = []
    marked = False
    for ch in snippet:
        if ch in "\x02\x03":
            want = ch == "\x02"
            if want != marked:
                if buf:
                    parts.append(("".join(buf), marked))
                    buf = []
                marked = want
            continue
        buf.append(ch)
    if buf:
        parts.append(("".join(buf), marked))
    return parts


def snippet_html(snippet: str) -> Markup:
    # Escape first, then add our own tags: the order is what keeps article text inert.
    return Markup("").join(Markup("<mark>%s</mark>") % t if m else escape(t) for t, m in snippet_parts(snippet))


def sentence_paragraphs(text: str) -> list[list[tuple[str, int | None]]]:
    """Paragraphs of (text, sentence position or None for the gaps between sentences).

    Positions are indexes into `split_sentences(text)`, the same split the summarizer uses, so `#s{position}` lands
    on the sentence a brief quotes. A line break between sentences starts a new paragraph; one inside a sentence is
    left alone so that the sentence stays one anchored element.
    """
    paragraphs: list[list[tuple[str, int | None]]] = [[]]

    def gap(chunk: str) -> None:
        lines = chunk.split("\n")
        for i, line in enumerate(lines):
            if i:
                paragraphs.append([])
            # Trim only at the line breaks, so a space between two sentences of one paragraph survives.
            line = line.lstrip() if i else line
            line = line.rstrip() if i < len(lines) - 1 else line
            if line:
                paragraphs[-1].append((line, None))

    pos = 0
    for n, (start, end) in enumerate(split_sentences(text)):
        gap(text[pos:start])
        paragraphs[-1].append((text[start:end], n))
        pos = end
    gap(text[pos:])
    return [p for p in paragraphs if any(t.strip() for t, _ in p)]


# -- links ------------------------------------------------------------------------------------------------------
def _section_page(key: object, first: str, other: str) -> str:
    """A section's page `key` = (section, page number): its first page is the section's own link."""
    if not isinstance(key, (tuple, list)):
        return ""
    name, page = key
    return first.format(name) if page in (None, 1) else other.format(name, page)


def make_link(kind: str, key: object = None, anchor: object = None, *, static_site: bool = False,
              root: str = "") -> str:
    """One place that knows the URL layout: `/stories/3` on the server, `{root}stories/3.html` in the export."""
    frag = f"#s{anchor}" if anchor is not None else ""
    if not static_site:
        paths = {
            "home": "/", "about": "/about", "search": "/search",
            "page": "/" if key in (None, 1) else f"/?page={key}",
            "latest": "/latest" if key in (None, 1) else f"/latest?page={key}",
            "story": f"/stories/{key}", "article": f"/articles/{key}", "static": f"/static/{key}",
            "image": f"/images/{key}.webp", "section": f"/section/{key}", "section-feed": f"/section/{key}.atom",
            "section-page": _section_page(key, "/section/{}", "/section/{}?page={}"),
        }
    else:
        paths = {
            "home": "index.html", "about": "about.html", "search": "index.html",
            "page": "index.html" if key in (None, 1) else f"index-{key}.html",
            "latest": "latest.html" if key in (None, 1) else f"latest-{key}.html",
            "story": f"stories/{key}.html", "article": f"articles/{key}.html", "static": f"static/{key}",
            "image": f"images/{key}.webp", "section": f"section/{key}.html", "section-feed": "",
            "section-page": _section_page(key, "section/{}.html", "section/{}-{}.html"),
        }
        paths = {k: root + v for k, v in paths.items()}
    return paths[kind] + frag


def time_notes(s: BriefSentence) -> list[tuple[int, int, str]]:
    """(start, end, date) of the relative time words ("earlier today", "on Monday") of a quoted sentence, resolved
    against its article's date: out of their article they would point at the reader's today."""
    return list(_time_notes(s.text, s.published))


@functools.lru_cache(maxsize=4096)
def _time_notes(text: str, published: datetime | None) -> tuple[tuple[int, int, str], ...]:
    # A pure function of its arguments, and the same teasers and briefs are drawn page after page: the time
    # words' pattern costs about 50 us a sentence, a third of the front page's rendering.
    from ..stages.facts.timeline import relative_times

    return tuple(relative_times(text, published))


def quote_html(s: BriefSentence) -> Markup:
    """The sentence, verbatim and escaped, with each relative time word followed by its date in brackets, the
    editor's mark for words that are not the source's."""
    parts, at = [], 0
    for start, end, label in time_notes(s):
        parts.append(escape(s.text[at:end]))
        parts.append(Markup('<span class="when" title="not in the source: worked out from the date of the article">'
                            ' [%s]</span>') % label)
        at = end
    parts.append(escape(s.text[at:]))
    return Markup("").join(parts)


# English names of the languages newsdesk is likeliest to meet; any other is shown by its ISO 639 code.
LANGUAGE_NAMES = {
    "ar": "Arabic", "bg": "Bulgarian", "bn": "Bengali", "ca": "Catalan", "cs": "Czech", "da": "Danish",
    "de": "German", "el": "Greek", "en": "English", "es": "Spanish", "et": "Estonian", "fa": "Persian",
    "fi": "Finnish", "fr": "French", "he": "Hebrew", "hi": "Hindi", "hr": "Croatian", "hu": "Hungarian",
    "id": "Indonesian", "it": "Italian", "ja": "Japanese", "ko": "Korean", "lt": "Lithuanian", "lv": "Latvian",
    "nl": "Dutch", "no": "Norwegian", "pl": "Polish", "pt": "Portuguese", "ro": "Romanian", "ru": "Russian",
    "sk": "Slovak", "sl": "Slovenian", "sr": "Serbian", "sv": "Swedish", "sw": "Swahili", "ta": "Tamil",
    "th": "Thai", "tr": "Turkish", "uk": "Ukrainian", "ur": "Urdu", "vi": "Vietnamese", "zh": "Chinese",
}


# Each language's name in itself, for the links that switch a story's brief to it ("Brief in: English · Français");
# a reader looks for their own language's name, not for its English one. Others fall back to LANGUAGE_NAMES.
ENDONYMS = {
    "ar": "العربية", "cs": "Čeština", "de": "Deutsch", "el": "Ελληνικά", "en": "English", "es": "Español",
    "fa": "فارسی", "fr": "Français", "he": "עברית", "hi": "हिन्दी", "it": "Italiano", "ja": "日本語", "ko": "한국어",
    "nl": "Nederlands", "pl": "Polski", "pt": "Português", "ru": "Русский", "sv": "Svenska", "tr": "Türkçe",
    "uk": "Українська", "zh": "中文",
}


def endonym(code: str | None) -> str:
    return ENDONYMS.get(code or "") or language_name(code)


def language_name(code: str | None) -> str:
    return LANGUAGE_NAMES.get(code or "", code or "unknown language")


def story_languages(articles: list[Article]) -> list[str]:
    """The names of the languages of a story's articles, the most used first."""
    counts: dict[str, int] = {}
    for a in articles:
        if a.language:
            counts[a.language] = counts.get(a.language, 0) + 1
    return [language_name(c) for c in sorted(counts, key=lambda c: -counts[c])]


def text_dir(text: str | None, language: str | None = None) -> str:
    """The `dir` attribute of an element holding `text`: "rtl" for Arabic, Hebrew and other right-to-left
    scripts (from the first strong letter, as dir="auto" reads it), else "ltr"."""
    return text_direction(text, language)


def make_env(static_site: bool = False) -> Environment:
    """The pages' environment; `has_sample` answers False until the server or the export sets its own."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=True, default=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )

    @pass_context
    def link_to(ctx, kind: str, key: object = None, anchor: object = None) -> str:
        return make_link(kind, key, anchor, static_site=static_site, root=ctx.get("root", ""))

    env.globals.update(
        link_to=link_to, static_site=static_site, date_span=date_span, count=count, outlet_names=outlet_names,
        iso_date=iso_date, version=__version__, has_sample=lambda: False, viewer=current_viewer,
        sections=SECTIONS, section_label=lambda key: BY_KEY[key].short if key in BY_KEY else key,
        language_name=language_name, story_languages=story_languages, text_dir=text_dir,
        entity_languages=entity_languages, endonym=endonym,
    )
    env.filters.update(language_name=language_name, date=fmt_date, snippet=snippet_html, quote=quote_html)
    return env
