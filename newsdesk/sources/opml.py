"""OPML import and export of feed subscriptions (the format every feed reader exchanges).

Parsed with defusedxml: an OPML file comes from elsewhere and must not be able to expand entities. Files that
readers and people write are often not quite XML, so the text is mended first, as Miniflux and CommaFeed do: it
is decoded before expat sees it (expat refuses a byte order mark or whitespace before `<?xml`), characters XML
forbids are removed, a bare `&` becomes `&amp;` and an HTML entity such as `&eacute;` its character. None of that
can bring an entity declaration past defusedxml, which still refuses the file that has one.
"""
from __future__ import annotations

import html.entities
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from urllib.parse import urlsplit
from xml.etree.ElementTree import Element, ParseError, SubElement, tostring

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from .feeds import xml_text
from ..errors import InputError

_NOT_XML_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_AMPERSAND = re.compile(r"&(?:(#[0-9]{1,8}|#[xX][0-9a-fA-F]{1,8}|[A-Za-z][A-Za-z0-9]{0,31});)?")
_XML_ENTITIES = {"amp", "lt", "gt", "quot", "apos"}


class OPMLError(InputError):
    """A file that is no OPML, or one that declares XML entities; the message says which."""


@dataclass
class Subscription:
    url: str
    title: str | None = None
    site_url: str | None = None


@dataclass
class SkippedOutline:
    """An outline whose xmlUrl cannot be subscribed to, and why."""

    url: str
    reason: str
    title: str | None = None


@dataclass
class OPMLImport:
    subscriptions: list[Subscription] = field(default_factory=list)
    skipped: list[SkippedOutline] = field(default_factory=list)


def parse_opml(data: bytes) -> OPMLImport:
    """Every outline with an xmlUrl, at any depth (folders are flattened), in document order, once each; attribute
    names in any case (xmlUrl, xmlurl, XMLURL). Only an absolute http(s) xmlUrl becomes a subscription: every other
    one is in `skipped` with the reason, as `feeds add` would refuse it. Raises OPMLError when the file is no OPML
    or declares XML entities."""
    try:
        text = xml_text(data)
    except LookupError as e:
        raise OPMLError(f"unusable encoding in the XML declaration ({e})") from None
    try:
        root = fromstring(_mend(text), forbid_dtd=False, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as e:
        raise OPMLError(f"refused: the file declares XML entities ({type(e).__name__})") from e
    except ParseError as e:
        raise OPMLError(f"malformed OPML: {e}") from e
    if _local_name(root.tag) != "opml":
        raise OPMLError(f"not OPML (root element <{root.tag}>)")
    result = OPMLImport()
    seen: set[str] = set()
    for element in root.iter():
        if _local_name(element.tag) != "outline":
            continue
        # namespaced attributes ({uri}name) belong to other programs (miniflux:, rssowl:) and are left out
        attrs = {k.lower(): v.strip() for k, v in element.attrib.items() if not k.startswith("{")}
        if "xmlurl" not in attrs:
            continue  # a folder or a note
        url = attrs["xmlurl"]
        title = attrs.get("title") or attrs.get("text") or None
        reason = _refusal(url)
        if reason:
            result.skipped.append(SkippedOutline(url, reason, title))
        elif url not in seen:
            seen.add(url)
            result.subscriptions.append(Subscription(url=url, title=title, site_url=attrs.get("htmlurl") or None))
    return result


def _refusal(url: str) -> str | None:
    """Why an xmlUrl cannot be a subscription, or None when it is an absolute http(s) URL."""
    if not url:
        return "empty xmlUrl"
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError as e:
        return f"not a URL ({e})"
    scheme = parts.scheme.lower()
    if not scheme:
        return "relative URL (an import needs absolute http(s) URLs)"
    if scheme not in ("http", "https"):
        return f"{scheme}: URLs are not fetched (only http and https)"
    if not host:
        return "no host in the URL"
    return None


def _mend(text: str) -> str:
    text = _NOT_XML_CHARS.sub("", text)
    return _AMPERSAND.sub(_mend_reference, text)


def _mend_reference(m: re.Match) -> str:
    name = m.group(1)
    if name is None:
        return "&amp;"
    if name.startswith("#"):
        try:
            code = int(name[2:], 16) if name[1] in "xX" else int(name[1:])
            valid = not _NOT_XML_CHARS.match(chr(code))
        except (ValueError, OverflowError):
            valid = False
        return m.group(0) if valid else "\ufffd"
    if name in _XML_ENTITIES:
        return m.group(0)
    chars = html.entities.html5.get(name + ";")
    if chars is None:
        return "&amp;" + name + ";"  # not an entity anyone defines: the text as written
    return "".join(f"&#{ord(c)};" for c in chars)


def _local_name(tag) -> str:
    return tag.rsplit("}", 1)[-1].lower() if isinstance(tag, str) else ""


def to_opml(subs: list[Subscription], title: str = "newsdesk feeds") -> str:
    root = Element("opml", version="2.0")
    head = SubElement(root, "head")
    SubElement(head, "title").text = title
    SubElement(head, "dateCreated").text = datetime.now(timezone.utc).strftime("%a, %d %b %Y %H:%M:%S +0000")
    body = SubElement(root, "body")
    for s in subs:
        attrs = {"type": "rss", "text": s.title or s.url, "xmlUrl": s.url}
        if s.title:
            attrs["title"] = s.title
        if s.site_url:
            attrs["htmlUrl"] = s.site_url
        SubElement(body, "outline", attrs)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + tostring(root, encoding="unicode") + "\n"
