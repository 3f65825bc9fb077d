"""Following: a story, an entity or a search, kept by the reader's browser, with a Following page and an Atom feed
and a JSON Feed for each (`/stories/{id}.atom`, `/entities/{id}.atom`, the existing `/search.atom?q=` and
`/feed.atom`, and each one's `.json` twin).

The Following page marks the stories rewritten since the reader's last visit to it: the time of each visit is kept
in a second cookie (`newsdesk_seen`), set by the page's own response.

Reading needs no account here, so what a reader follows lives in a cookie of their browser (`newsdesk_follow`,
written by static/follow.js, read only here): nothing is stored on the server, a server without credentials
(read-only) offers it too, and any feed reader can subscribe to the feeds without it. The cookie is untrusted
input: `parse_follows` keeps at most MAX_FOLLOWS well-formed items and ignores the rest.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from urllib.parse import unquote

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from ...settings import LIMITS
from ...store import SearchRefused, SearchTimedOut, Store
from ...store.codec import now_text
from ...models import Story
from ..atom import latest_stories, matching_stories
from ..deps import desk, get_store, render
from ..handlers import Missing
from ..jsonfeed import stories_json_feed
from .atom import ATOM_TYPE, _atom

COOKIE = "newsdesk_follow"
SEEN_COOKIE = "newsdesk_seen"
JSON_TYPE = {"content": {"application/feed+json": {}}}
MAX_FOLLOWS = 50
MAX_SEARCHES_SHOWN = 10  # searches run for the page: each is bounded in time (LIMITS.search_seconds)
KINDS = ("story", "entity", "search")

router = APIRouter()


@dataclass(frozen=True)
class Follow:
    kind: str  # "story", "entity" or "search"
    key: str  # the id, or the search's words


def parse_follows(cookie: str | None) -> list[Follow]:
    """The items of a `newsdesk_follow` cookie: comma-separated `kind:key`, each part URI-encoded (follow.js);
    unknown kinds, ids that are not numbers, empty or over-long searches and repeats are dropped."""
    found: list[Follow] = []
    for part in (cookie or "").split(",")[:MAX_FOLLOWS * 2]:
        kind, _, key = unquote(part).partition(":")
        key = key.strip()
        if kind not in KINDS or not key:
            continue
        if kind != "search" and not (key.isascii() and key.isdigit() and len(key) < 12):
            continue
        if kind == "search" and len(key) > LIMITS.search_chars:
            continue
        item = Follow(kind, key)
        if item not in found:
            found.append(item)
    return found[:MAX_FOLLOWS]


def parse_seen(value: str | None) -> str | None:
    """The time of the reader's last visit from its cookie, as `now_text` writes it; None when absent or not one."""
    try:
        when = datetime.fromisoformat(value) if value else None
    except ValueError:
        return None
    if when is None:
        return None
    when = when.replace(tzinfo=timezone.utc) if when.tzinfo is None else when.astimezone(timezone.utc)
    return when.isoformat(timespec="seconds")


def following_context(store: Store, follows: list[Follow], seen: str | None = None) -> dict:
    """What the Following page shows of each followed item, in the order followed; `changed`: the ids of the stories
    shown that were rewritten after `seen` (the last visit)."""
    story_ids = [int(f.key) for f in follows if f.kind == "story"]
    moved = {sid: store.story_redirect(sid) for sid in story_ids}
    stories = store.stories_by_id(moved[s] or s for s in story_ids)
    items = []
    searches = 0
    for f in follows:
        if f.kind == "story":
            sid = moved[int(f.key)] or int(f.key)
            items.append({"follow": f, "story": stories.get(sid)})
        elif f.kind == "entity":
            entity = store.get_entity(int(f.key))
            items.append({"follow": f, "entity": entity,
                          "stories": store.entity_stories(entity.id)[:3] if entity else []})
        else:
            searches += 1
            found, error = [], None
            if searches <= MAX_SEARCHES_SHOWN:
                try:
                    found = matching_stories(store, f.key, limit=3)
                except (SearchRefused, SearchTimedOut) as e:
                    error = str(e)
            items.append({"follow": f, "matches": found, "error": error, "shown": searches <= MAX_SEARCHES_SHOWN})
    shown = [it["story"].id for it in items if it.get("story")]
    shown += [st.story_id for it in items for st in it.get("stories", [])]
    shown += [st.id for it in items for st in it.get("matches", [])]
    changed = set()
    if seen:
        changed = {sid for sid, at in store.stories_updated_at(shown).items() if at and at > seen}
    return {"items": items, "changed": changed, "seen": datetime.fromisoformat(seen) if seen else None}


@router.get("/following", response_class=HTMLResponse, include_in_schema=False)
def following_page(request: Request, store: Store = Depends(get_store)):
    follows = parse_follows(request.cookies.get(COOKIE))
    seen = parse_seen(request.cookies.get(SEEN_COOKIE))
    response = render(request, "following.html", following_context(store, follows, seen))
    response.set_cookie(SEEN_COOKIE, now_text(), max_age=365 * 86400, samesite="lax", httponly=True)
    return response


def _json(request: Request, stories: list[Story], title: str) -> JSONResponse:
    base = desk(request).settings.base_url
    query = request.url.query
    feed = stories_json_feed(stories, base, title, base + request.url.path + (f"?{query}" if query else ""))
    return JSONResponse(feed, media_type="application/feed+json")


def _story_or_missing(store: Store, story_id: int) -> Story:
    story = store.stories_by_id([story_id]).get(story_id)
    if story is None:
        raise Missing("story")
    return story


def _entity_stories(store: Store, entity_id: int) -> tuple[str, list[Story]]:
    entity = store.get_entity(entity_id)
    if entity is None:
        raise Missing("entity")
    ids = [s.story_id for s in store.entity_stories(entity_id)][:50]
    found = store.stories_by_id(ids)
    return entity.name, [found[i] for i in ids if i in found]


@router.get("/feed.json", tags=["feeds"], response_class=JSONResponse, responses={200: JSON_TYPE},
            summary="JSON Feed of the latest stories, one item per story")
def json_latest(request: Request, store: Store = Depends(get_store)):
    return _json(request, latest_stories(store), "newsdesk: latest stories")


@router.get("/search.json", tags=["feeds"], response_class=JSONResponse, responses={200: JSON_TYPE},
            summary="JSON Feed of the stories whose articles match a query")
def json_search(request: Request, q: str = Query(..., min_length=1, description="Words to find; no query syntax."),
                store: Store = Depends(get_store)):
    return _json(request, matching_stories(store, q), f"newsdesk: stories matching “{q}”")


@router.get("/stories/{story_id}.json", tags=["feeds"], response_class=JSONResponse, responses={200: JSON_TYPE},
            summary="JSON Feed of one story: its item is updated as the story grows")
def json_story(request: Request, story_id: int, store: Store = Depends(get_store)):
    if (moved := store.story_redirect(story_id)) is not None:
        return RedirectResponse(f"/stories/{moved}.json", status_code=301)
    story = _story_or_missing(store, story_id)
    return _json(request, [story], f"newsdesk: {story.headline or 'a story'}")


@router.get("/entities/{entity_id}.json", tags=["feeds"], response_class=JSONResponse, responses={200: JSON_TYPE},
            summary="JSON Feed of the stories a person, organisation or place appears in, newest first")
def json_entity(request: Request, entity_id: int, store: Store = Depends(get_store)):
    name, stories = _entity_stories(store, entity_id)
    return _json(request, stories, f"newsdesk: stories naming {name}")


@router.get("/stories/{story_id}.atom", tags=["feeds"], response_class=Response, responses={200: ATOM_TYPE},
            summary="Atom feed of one story: its entry is updated as the story grows")
def atom_story(request: Request, story_id: int, store: Store = Depends(get_store)):
    if (moved := store.story_redirect(story_id)) is not None:
        return RedirectResponse(f"/stories/{moved}.atom", status_code=301)
    story = _story_or_missing(store, story_id)
    return _atom(request, [story], f"newsdesk: {story.headline or 'a story'}")


@router.get("/entities/{entity_id}.atom", tags=["feeds"], response_class=Response, responses={200: ATOM_TYPE},
            summary="Atom feed of the stories a person, organisation or place appears in, newest first")
def atom_entity(request: Request, entity_id: int, store: Store = Depends(get_store)):
    name, stories = _entity_stories(store, entity_id)
    return _atom(request, stories, f"newsdesk: stories naming {name}")
