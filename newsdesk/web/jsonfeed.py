"""JSON Feed 1.1 (https://jsonfeed.org/version/1.1) of stories, beside each Atom feed: the same entries (one per
story, its id the story's URL, updated as it grows), the same credited brief as `content_html` (atom.py)."""
from __future__ import annotations

from ..models import Story
from .atom import _brief_html, _utc, xml_text


def stories_json_feed(stories: list[Story], base: str, title: str, feed_url: str) -> dict:
    """The feed as a dict for the JSON response; `base` is the public URL without a trailing slash."""
    items = []
    for story in stories:
        item = {"id": f"{base}/stories/{story.id}", "url": f"{base}/stories/{story.id}",
                "title": xml_text(story.headline), "content_html": xml_text(_brief_html(story, base)),
                "date_modified": _utc(story.last_published).isoformat()}
        if story.first_published:
            item["date_published"] = _utc(story.first_published).isoformat()
        if story.outlets:
            item["authors"] = [{"name": o} for o in story.outlets[:20]]
        items.append(item)
    return {"version": "https://jsonfeed.org/version/1.1", "title": xml_text(title), "home_page_url": base + "/",
            "feed_url": feed_url, "items": items}
