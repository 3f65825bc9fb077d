"""Following: a story, an entity or a search, kept by the reader's browser, with a Following page and an Atom feed
for each (`/stories/{id}.atom`, `/entities/{id}.atom`, and the existing `/search.atom?q=`).

Reading needs no account here, so what a reader follows lives in a cookie of their browser (`newsdesk_follow`,
written by static/follow.js, read only here): nothing is stored on the server, a server without credentials
(read-only) offers it too, and any feed reader can subscribe to the feeds without it. The cookie is untrusted
input: `parse_follows` keeps at most MAX_FOLLOWS well-formed items and ignores the rest.
"""
from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import unquote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from ...settings import LIMITS
from ...store import SearchRefused, SearchTimedOut, Store
from ..atom import matching_stories
from ..deps import get_store, render
from ..handlers import Missing
from .atom import ATOM_TYPE, _atom

COOKIE = "newsdesk_follow"
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


def following_context(store: Store, follows: list[Follow]) -> dict:
    """What the Following page shows of each followed item, in the order followed."""
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
    return {"items": items}


@router.get("/following", response_class=HTMLResponse, include_in_schema=False)
def following_page(request: Request, store: Store = Depends(get_store)):
    follows = parse_follows(request.cookies.get(COOKIE))
    return render(request, "following.html", following_context(store, follows))


@router.get("/stories/{story_id}.atom", tags=["feeds"], response_class=Response, responses={200: ATOM_TYPE},
            summary="Atom feed of one story: its entry is updated as the story grows")
def atom_story(request: Request, story_id: int, store: Store = Depends(get_store)):
    if (moved := store.story_redirect(story_id)) is not None:
        return RedirectResponse(f"/stories/{moved}.atom", status_code=301)
    story = store.stories_by_id([story_id]).get(story_id)
    if story is None:
        raise Missing("story")
    return _atom(request, [story], f"newsdesk: {story.headline or 'a story'}")


@router.get("/entities/{entity_id}.atom", tags=["feeds"], response_class=Response, responses={200: ATOM_TYPE},
            summary="Atom feed of the stories a person, organisation or place appears in, newest first")
def atom_entity(request: Request, entity_id: int, store: Store = Depends(get_store)):
    entity = store.get_entity(entity_id)
    if entity is None:
        raise Missing("entity")
    ids = [s.story_id for s in store.entity_stories(entity_id)][:50]
    found = store.stories_by_id(ids)
    return _atom(request, [found[i] for i in ids if i in found], f"newsdesk: stories naming {entity.name}")
