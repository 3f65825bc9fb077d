"""Search: the search page and `/api/search`, full-text search over articles (store/search.py).

A search over the limits (`SearchRefused`, 400) or stopped at the time limit (`SearchTimedOut`, 503) is shown on
the search page itself, beside the form; the API lets the error handler answer it.
"""
from __future__ import annotations

from datetime import datetime, timezone

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse

from ...models import Article, Story
from ...store import SearchRefused, SearchTimedOut, Store
from ..api_models import ErrorOut, SearchResults, StoryHits, StorySearchResults, search_hit, story_summary
from ..deps import get_store, render

router = APIRouter()


SEARCH_HITS = 200  # articles read for one results page, then grouped into their stories
SORTS = ("relevance", "date")


def group_by_story(results: list[tuple[Article, str]], stories: dict[int, Story], sort: str = "relevance") -> list[dict]:
    """Search hits (in FTS5's rank order) grouped into their stories: each group `story` (None for an article not
    yet in a story, which stands alone), `hits` (its matching (article, snippet) pairs, best first) and `best`
    (the rank of its best hit). "relevance" keeps the groups in the order of their best hits; "date" puts the
    stories with the latest reports first (by the story's last article, else the hit's own date)."""
    groups: dict[object, dict] = {}
    for rank, (article, snip) in enumerate(results):
        story = stories.get(article.story_id) if article.story_id is not None else None
        key = ("story", story.id) if story else ("article", article.id)
        group = groups.setdefault(key, {"story": story, "hits": [], "best": rank})
        group["hits"].append((article, snip))
    ordered = list(groups.values())
    if sort == "date":
        def latest(g: dict) -> float:
            when = (g["story"].last_published if g["story"] else None) or max(
                (a.published for a, _ in g["hits"] if a.published), default=None, key=_utc)
            return _utc(when).timestamp() if when else float("-inf")
        ordered.sort(key=lambda g: (-latest(g), g["best"]))
    return ordered


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value


def search_context(store: Store, q: str, sort: str = "relevance") -> dict:
    """The search page's context: the hits grouped into stories (`groups`, group_by_story), and the flat `results`;
    a refused or stopped search gives `error` and its HTTP `status`."""
    sort = sort if sort in SORTS else "relevance"
    try:
        results = store.search(q, limit=SEARCH_HITS) if q.strip() else []
    except (SearchRefused, SearchTimedOut) as e:
        said = "Not searched" if isinstance(e, SearchRefused) else "Stopped"
        return {"q": q, "results": [], "groups": [], "headlines": {}, "sort": sort, "error": f"{said}: {e}.",
                "status": e.http_status}
    found = store.stories_by_id(a.story_id for a, _ in results if a.story_id is not None)
    headlines = {a.story_id: found[a.story_id].headline if a.story_id in found else ""
                 for a, _ in results if a.story_id is not None}
    return {"q": q, "results": results, "groups": group_by_story(results, found, sort), "headlines": headlines,
            "sort": sort, "limited": len(results) >= SEARCH_HITS, "error": None, "status": 200}


@router.get("/search", response_class=HTMLResponse, include_in_schema=False)
def search_page(request: Request, q: str = "", sort: str = "relevance", store: Store = Depends(get_store)):
    ctx = search_context(store, q, sort)
    return render(request, "search.html", ctx, status_code=ctx["status"])


@router.get("/api/search", response_model=SearchResults, tags=["search"], summary="Full-text search over articles",
            responses={400: {"model": ErrorOut, "description": "Too long, or too many different words"},
                       503: {"model": ErrorOut, "description": "Stopped at the time limit"}})
def api_search(q: str = Query(..., description="Words to find; no query syntax."),
               limit: int = Query(50, ge=1, le=200), store: Store = Depends(get_store)):
    hits = store.search(q, limit=limit)  # SearchRefused and SearchTimedOut answer 400 and 503 (handlers.py)
    return SearchResults(query=q, results=[search_hit(a, s) for a, s in hits])


@router.get("/api/search/stories", response_model=StorySearchResults, tags=["search"],
            summary="Full-text search, the matching articles grouped into their stories",
            responses={400: {"model": ErrorOut, "description": "Too long, or too many different words"},
                       503: {"model": ErrorOut, "description": "Stopped at the time limit"}})
def api_search_stories(q: str = Query(..., description="Words to find; no query syntax."),
                       sort: str = Query("relevance", pattern="^(relevance|date)$",
                                         description="relevance: by each story's best match; date: latest first"),
                       store: Store = Depends(get_store)):
    hits = store.search(q, limit=SEARCH_HITS)
    stories = store.stories_by_id(a.story_id for a, _ in hits if a.story_id is not None)
    return StorySearchResults(query=q, sort=sort, results=[
        StoryHits(story=story_summary(g["story"]) if g["story"] else None,
                  hits=[search_hit(a, snip) for a, snip in g["hits"]])
        for g in group_by_story(hits, stories, sort)])
