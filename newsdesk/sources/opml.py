"""OPML import and export of feed subscriptions (the format every feed reader exchanges).

Parsed with defusedxml: an OPML file comes from elsewhere and must not be able to expand entities.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from xml.etree.ElementTree import Element, ParseError, SubElement, tostring

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring


class OPMLError(ValueError):
    pass


@dataclass
class Subscription:
    url: str
    title: str | None = None
    site_url: str | None = None


def parse_opml(data: bytes) -> list[Subscription]:
    """Every outline with an xmlUrl, at any depth (folders are flattened), in document order, once each."""
    try:
        root = fromstring(data)
    except DefusedXmlException as e:
        raise OPMLError(f"refused: the file declares XML entities ({type(e).__name__})") from e
    except ParseError as e:
        raise OPMLError(f"malformed OPML: {e}") from e
    if root.tag.lower() != "opml":
        raise OPMLError(f"not OPML (root element <{root.tag}>)")
    subs: list[Subscription] = []
    seen: set[str] = set()
    for outline in root.iter("outline"):
        url = (outline.get("xmlUrl") or outline.get("xmlurl") or "").strip()
        if not url or url in seen:
            continue
        seen.add(url)
        subs.append(Subscription(url=url, title=outline.get("title") or outline.get("text"),
                                 site_url=outline.get("htmlUrl") or outline.get("htmlurl")))
    return subs


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
