"""Feed bytes (RSS 0.9x/1.0/2.0, Atom, JSON Feed) to a list of FeedItem records.

feedparser reads every XML dialect and tolerates the broken markup real feeds carry; JSON Feed (which feedparser
does not read) is plain JSON and mapped here. Before feedparser sees XML, defusedxml checks it for entity
declarations: feedparser's expat would refuse external entities, but a declared internal entity is how a
"billion laughs" bomb is built, and a news feed never needs one.
"""
from __future__ import annotations

import calendar
import json
from dataclasses import dataclass, field
from datetime import datetime, timezone

import feedparser
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring as defused_fromstring
from xml.etree.ElementTree import ParseError

from .records import parse_date

JSON_FEED_VERSIONS = ("https://jsonfeed.org/version/1", "https://jsonfeed.org/version/1.1")


class FeedError(ValueError):
    """Bytes that are not a usable feed; the message says why."""


@dataclass
class FeedItem:
    key: str  # guid/id when the feed gives one, else the link
    url: str | None
    title: str | None = None
    published: datetime | None = None
    summary: str | None = None


@dataclass
class Feed:
    title: str | None
    site_url: str | None
    items: list[FeedItem] = field(default_factory=list)
    warning: str | None = None  # feedparser's complaint about a feed it could still read


def parse_feed(body: bytes, url: str | None = None) -> Feed:
    head = body[:1024].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"{"):
        return _parse_json_feed(body)
    _refuse_entities(body)
    parsed = feedparser.parse(body, response_headers={"content-location": url} if url else None,
                              sanitize_html=True, resolve_relative_uris=True)
    if parsed.get("bozo") and not parsed.entries and not parsed.feed.get("title"):
        raise FeedError(f"not a readable feed: {parsed.get('bozo_exception') or 'unknown format'}")
    if not parsed.get("version") and not parsed.entries:
        raise FeedError("not an RSS, Atom or JSON feed")
    items = []
    for e in parsed.entries:
        link = e.get("link")
        key = e.get("id") or link
        if not key:
            continue
        published = None
        for name in ("published_parsed", "updated_parsed"):
            if e.get(name):
                published = datetime.fromtimestamp(calendar.timegm(e[name]), tz=timezone.utc)
                break
        items.append(FeedItem(key=str(key), url=link, title=e.get("title"), published=published,
                              summary=e.get("summary")))
    warning = str(parsed.get("bozo_exception")) if parsed.get("bozo") else None
    return Feed(title=parsed.feed.get("title"), site_url=parsed.feed.get("link"), items=items, warning=warning)


def _refuse_entities(body: bytes) -> None:
    try:
        defused_fromstring(body, forbid_dtd=False, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as e:
        raise FeedError(f"refused: the feed declares XML entities ({type(e).__name__})") from e
    except (ParseError, ValueError):
        pass  # malformed XML is feedparser's to judge; it reads much that a strict parser rejects


def _parse_json_feed(body: bytes) -> Feed:
    try:
        data = json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise FeedError(f"malformed JSON feed: {e}") from e
    if not isinstance(data, dict) or not str(data.get("version", "")).startswith("https://jsonfeed.org/version/"):
        raise FeedError('not a JSON Feed (no "version": "https://jsonfeed.org/version/1.x")')
    items = []
    for it in data.get("items") or []:
        if not isinstance(it, dict):
            continue
        url = it.get("url") or it.get("external_url")
        key = it.get("id") or url
        if not key:
            continue
        try:
            published = parse_date(it.get("date_published") or it.get("date_modified"))
        except ValueError:
            published = None
        items.append(FeedItem(key=str(key), url=url if isinstance(url, str) else None, title=it.get("title"),
                              published=published, summary=it.get("summary") or it.get("content_text")))
    return Feed(title=data.get("title"), site_url=data.get("home_page_url"), items=items)
