"""Atom feeds of stories: `/feed.atom` (the latest stories) and `/search.atom?q=` (stories whose articles match a
query, for monitoring a name or a place in any feed reader).

One entry per story, not per article: a reader subscribed here sees each story once, and sees it again (same entry
id, newer `updated`) when the story grows. The entry's content is the brief, every sentence credited and linked to
its article, so the feed carries the same promise as the page. feedgen writes the XML (escaping, dates, the
required elements).
"""
from __future__ import annotations

import re
from datetime import datetime, timezone
from html import escape

from feedgen.feed import FeedGenerator

from .. import __version__
from ..models import BriefSentence, Story
from ..stages.topics import BY_KEY
from ..store import Store

FEED_SIZE = 50
# What XML 1.0 forbids in a document: C0 controls but tab, LF and CR; lone surrogates; U+FFFE and U+FFFF. A feed
# or page may carry any of them, and lxml (feedgen's writer) refuses the whole document for one.
_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_text(value: str) -> str:
    """`value` without the characters XML 1.0 forbids: every string written into a feed passes through here."""
    return _NOT_XML.sub("", value)


def _utc(dt: datetime | None) -> datetime:
    if dt is None:
        return datetime(1970, 1, 1, tzinfo=timezone.utc)
    return dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)


def _quote_html(s: BriefSentence) -> str:
    """The sentence escaped, each relative time word ("earlier today") followed by its date in brackets."""
    from ..stages.facts.timeline import relative_times

    out, at = [], 0
    for _, end, label in relative_times(s.text, s.published):
        out += [escape(s.text[at:end]), f" [{escape(label)}]"]
        at = end
    return "".join(out) + escape(s.text[at:])


def _sentences_html(sentences: list[BriefSentence], base: str) -> str:
    items = []
    for s in sentences:
        who = escape(s.outlet or "source")
        if s.also_outlets:
            who += escape(f" (also {', '.join(s.also_outlets[:3])}"
                          + (f" and {len(s.also_outlets) - 3} others" if len(s.also_outlets) > 3 else "") + ")")
        when = f", {s.published:%d %b %Y}" if s.published else ""
        items.append(f'<li>{_quote_html(s)} — <a href="{base}/articles/{s.article_id}#s{s.position}">'
                     f"{who}{escape(when)}</a></li>")
    return "<ol>" + "".join(items) + "</ol>"


def _brief_html(story: Story, base: str) -> str:
    parts = []
    latest = story.brief.latest if story.brief else []
    if latest:  # what is new first, as on the page, then the rest of the brief
        parts.append("<p><strong>Latest</strong></p>" + _sentences_html(latest, base))
    shown = {s.text for s in latest}
    background = [s for s in story.brief.sentences if s.text not in shown] if story.brief else []
    if background:
        if latest:
            parts.append("<p><strong>The story so far</strong></p>")
        parts.append(_sentences_html(background, base))
    n, m = len(story.article_ids), len(story.outlets)
    parts.append(f'<p><a href="{base}/stories/{story.id}">{n} article{"s" if n != 1 else ""} from '
                 f'{m} outlet{"s" if m != 1 else ""}</a>{": " + escape(", ".join(story.outlets[:8])) if m else ""}</p>')
    return "".join(parts)


def section_label(key: str) -> str:
    return BY_KEY[key].label if key in BY_KEY else key


def stories_feed(stories: list[Story], base: str, title: str, self_url: str) -> bytes:
    """`base`: the site's public URL without a trailing slash; entry ids are story URLs, stable as stories grow.

    Text from articles and queries may hold characters XML cannot carry: they are dropped (`xml_text`).
    """
    fg = FeedGenerator()
    self_url = xml_text(self_url)
    fg.id(self_url)
    fg.title(xml_text(title))
    fg.author({"name": "newsdesk"})
    fg.link(href=self_url, rel="self", type="application/atom+xml")
    fg.link(href=base + "/", rel="alternate", type="text/html")
    fg.generator("newsdesk", version=__version__)
    fg.updated(max((_utc(s.last_published) for s in stories), default=_utc(None)))
    # feedgen writes entries in reverse order of adding: add the oldest first so that the newest comes first.
    for story in reversed(stories):
        e = fg.add_entry()
        e.id(f"{base}/stories/{story.id}")
        e.title(xml_text(story.headline))
        e.link(href=f"{base}/stories/{story.id}", rel="alternate", type="text/html")
        e.updated(_utc(story.last_published))
        if story.first_published:
            e.published(_utc(story.first_published))
        for outlet in story.outlets[:20]:
            e.author({"name": xml_text(outlet) or "unnamed outlet"})
        if story.section:  # feed readers file entries by category
            e.category(term=story.section, scheme=f"{base}/section/", label=section_label(story.section))
        e.content(xml_text(_brief_html(story, base)), type="html")
    return fg.atom_str(pretty=True)


def latest_stories(store: Store, limit: int = FEED_SIZE) -> list[Story]:
    return store.list_stories(limit=limit, with_details=True)


def matching_stories(store: Store, q: str, limit: int = FEED_SIZE) -> list[Story]:
    """Stories with an article matching `q`, newest activity first."""
    ids: list[int] = []
    for article, _ in store.search(q, limit=500):
        if article.story_id is not None and article.story_id not in ids:
            ids.append(article.story_id)
    found = store.stories_by_id(ids)
    stories = [found[i] for i in ids if i in found]
    stories.sort(key=lambda s: _utc(s.last_published), reverse=True)
    return stories[:limit]
