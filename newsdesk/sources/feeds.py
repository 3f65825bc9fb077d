"""Feed bytes (RSS 0.9x/1.0/2.0, Atom, JSON Feed) to a list of FeedItem records.

feedparser reads every XML dialect and tolerates the broken markup real feeds carry; JSON Feed (which feedparser
does not read) is plain JSON and mapped here. Before feedparser sees XML, defusedxml checks it for entity
declarations: feedparser's expat would refuse external entities, but a declared internal entity is how a
"billion laughs" bomb is built, and a news feed never needs one. (feedparser itself also drops every entity
declaration that refers to another entity, which covers the documents defusedxml cannot read.)

Whatever the bytes, parse_feed returns records of the declared types or raises FeedError: a feed is input from a
stranger, and the poller must be able to record any failure on that feed and go on.
"""
from __future__ import annotations

import calendar
import codecs
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from urllib.parse import urljoin, urlsplit
from xml.etree.ElementTree import ParseError
from xml.sax import SAXParseException

import feedparser
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring as defused_fromstring

from .records import parse_date
from ..errors import InputError

JSON_FEED_VERSION = re.compile(r"https?://jsonfeed\.org/version/")
_SURROGATE = re.compile("[\ud800-\udfff]")
_DECLARED_ENCODING = re.compile(rb"""\s*<\?xml[^>]*?\bencoding\s*=\s*["']([A-Za-z0-9._:-]+)["']""")


class FeedError(InputError):
    """Bytes that are not a usable feed; the message says why."""


@dataclass
class FeedItem:
    key: str  # guid/id when the feed gives one, else the link
    url: str | None
    title: str | None = None
    published: datetime | None = None  # always with its offset
    summary: str | None = None


@dataclass
class Feed:
    title: str | None
    site_url: str | None
    items: list[FeedItem] = field(default_factory=list)
    warning: str | None = None  # what was wrong with a feed that could still be read


def parse_feed(body: bytes, url: str | None = None, headers: Mapping[str, str] | None = None) -> Feed:
    """Any bytes to a Feed of str fields (or None), or FeedError saying why they are no feed.

    `url` is where the bytes came from and `headers` the HTTP response headers (lower-case names). As other feed
    readers do (RFC 3023, through feedparser), the Content-Type charset decides how XML is decoded, over the XML
    declaration for text/* types; Content-Location, when it resolves to an http(s) URL, is the base of relative
    links, else `url` is. Whether the bytes are a feed is judged from the document, never from the Content-Type.
    """
    headers = headers or {}
    base = _base_url(url, headers.get("content-location"))
    if _looks_like_json(body):
        return _parse_json_feed(body, base)
    _refuse_entities(body)
    # Without a Content-Type feedparser reports "no Content-type specified" once it is given any header (and the
    # base must be given as one); application/xml is what it assumes for a document with no headers at all.
    response_headers = {"content-type": headers.get("content-type") or "application/xml"}
    if base:
        response_headers["content-location"] = base
    if headers.get("content-language"):
        response_headers["content-language"] = headers["content-language"]
    try:
        parsed = feedparser.parse(body, response_headers=response_headers, sanitize_html=True,
                                  resolve_relative_uris=True)
    except Exception as e:  # noqa: BLE001 - feedparser promises a bozo flag, never an exception; hold it to that
        raise FeedError(f"the feed parser failed on this document: {type(e).__name__}: {e}") from e
    problem = _describe(parsed.get("bozo_exception")) if parsed.get("bozo") else None
    if not parsed.get("version") and not parsed.get("entries"):
        raise FeedError("not an RSS, Atom or JSON feed" + (f" ({problem})" if problem else ""))
    items = []
    for e in parsed.entries:
        link = _text(e.get("link")) or None
        key = _text(e.get("id")) or link
        if not key:
            continue
        items.append(FeedItem(key=key, url=link, title=_text(e.get("title")), summary=_text(e.get("summary")),
                              published=_struct_time(e.get("published_parsed") or e.get("updated_parsed"))))
    return Feed(title=_text(parsed.feed.get("title")), site_url=_text(parsed.feed.get("link")) or None,
                items=items, warning=problem)


def _text(value) -> str | None:
    """A str that SQLite can store (lone surrogates, which JSON escapes can make, replaced), or None if no str."""
    if not isinstance(value, str):
        return None
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        value = _SURROGATE.sub("\ufffd", value)
    return value


def _describe(exc) -> str:
    """feedparser's complaint in words a feed's owner can act on (expat's own reads "<unknown>:2:27: ...")."""
    if exc is None:
        return "malformed document"
    if isinstance(exc, SAXParseException):
        return f"ill-formed XML: {exc.getMessage()} at line {exc.getLineNumber()}, column {exc.getColumnNumber()}"
    return str(exc) or type(exc).__name__


def _struct_time(value) -> datetime | None:
    if value is None:
        return None
    try:
        return datetime.fromtimestamp(calendar.timegm(value), tz=timezone.utc)
    except (TypeError, ValueError, OverflowError, OSError):  # a year the platform's clock cannot hold
        return None


def _base_url(url: str | None, content_location: str | None) -> str | None:
    """Content-Location resolved against the URL when that gives an http(s) URL, else the URL."""
    if content_location:
        try:
            location = urljoin(url or "", content_location.strip())
            parts = urlsplit(location)
        except ValueError:
            return url
        if parts.scheme.lower() in ("http", "https") and parts.netloc:
            return location
    return url


def _resolve(base: str | None, ref: str | None) -> str | None:
    ref = ref.strip() if ref else None
    if not ref or not base:
        return ref or None
    try:
        return urljoin(base, ref)
    except ValueError:  # e.g. a malformed IPv6 host: kept as written, the fetcher will say what is wrong with it
        return ref


def xml_text(data: bytes) -> str:
    """The text of an XML document, decoded by its byte order mark, else by the zero bytes UTF-16 and -32 put
    around an ASCII character, else by its declared encoding, else as UTF-8, with an undecodable byte as U+FFFD;
    without the byte order mark and the whitespace before the first markup, which expat refuses before `<?xml`.
    Raises LookupError for a declared encoding Python does not know."""
    # json.detect_encoding reads a byte order mark, else the zero-byte pattern: XML's own Appendix F detection
    # for a document that starts with "<" or whitespace
    encoding = json.detect_encoding(data[:4])
    if encoding == "utf-8":
        declared = _DECLARED_ENCODING.match(data)
        if declared:
            encoding = declared.group(1).decode("ascii")
            if codecs.lookup(encoding).name.startswith(("utf-16", "utf-32")):
                encoding = "utf-8"  # a wrong declaration: UTF-16 or -32 would show its BOM or zero bytes
    try:
        text = data.decode(encoding, errors="replace")
    except UnicodeError as e:  # a codec with no error handling, such as idna
        raise LookupError(f"unusable encoding {encoding!r}: {e}") from None
    return text.lstrip("\ufeff \t\r\n")


def _refuse_entities(body: bytes) -> None:
    try:
        text = xml_text(body)
    except LookupError:
        text = body.decode("iso-8859-1")  # reads any byte and keeps ASCII markup as it is, entity declarations too
    try:
        defused_fromstring(text, forbid_dtd=False, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as e:
        raise FeedError(f"refused: the feed declares XML entities ({type(e).__name__})") from e
    except (ParseError, ValueError):
        pass  # malformed XML is feedparser's to judge; it reads much that a strict parser rejects


def _looks_like_json(body: bytes) -> bool:
    head = body[:64]
    # json.detect_encoding tells UTF-8, -16 and -32 (with or without BOM) apart as RFC 4627 describes
    text = head.decode(json.detect_encoding(head), "ignore")
    return text.lstrip("\ufeff \t\r\n").startswith("{")


def _json_id(value) -> str | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return str(value)  # the JSON Feed spec asks readers to coerce an id of another type to a string
    text = _text(value)
    return text if text and text.strip() else None


def _json_date(*values) -> datetime | None:
    for value in values:
        if not isinstance(value, str):
            continue
        try:
            date = parse_date(value)
        except (ValueError, OverflowError, TypeError):
            continue
        if date is not None:
            return date if date.utcoffset() is not None else date.replace(tzinfo=timezone.utc)
    return None


def _parse_json_feed(body: bytes, base: str | None) -> Feed:
    try:
        data = json.loads(body)  # bytes: decoded as UTF-8, -16 or -32, told apart as RFC 4627 describes
    except (ValueError, RecursionError) as e:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        raise FeedError(f"malformed JSON feed: {type(e).__name__}: {e}") from e
    version = data.get("version") if isinstance(data, dict) else None
    if not isinstance(version, str) or not JSON_FEED_VERSION.match(version):
        raise FeedError('not a JSON Feed (no "version": "https://jsonfeed.org/version/1.x")')
    entries = data.get("items")
    if entries is None:
        entries = []
    if not isinstance(entries, list):
        raise FeedError(f'JSON Feed "items" must be a list, not {type(entries).__name__}')
    items, without_id = [], 0
    for it in entries:
        if not isinstance(it, dict):
            continue
        key = _json_id(it.get("id"))
        if key is None:  # "id" is required: without it a reader cannot tell a new item from one it has seen
            without_id += 1
            continue
        url = _resolve(base, _text(it.get("url"))) or _resolve(base, _text(it.get("external_url")))
        items.append(FeedItem(key=key, url=url, title=_text(it.get("title")),
                              published=_json_date(it.get("date_published"), it.get("date_modified")),
                              summary=_text(it.get("summary")) or _text(it.get("content_text"))))
    warning = f"{without_id} item{'s' if without_id != 1 else ''} without an id skipped" if without_id else None
    return Feed(title=_text(data.get("title")), site_url=_resolve(base, _text(data.get("home_page_url"))),
                items=items, warning=warning)
