"""Search: the search page and `/api/search`, full-text search over articles (store/search.py).

A search over the limits (`SearchRefused`, 400) or stopped at the time limit (`SearchTimedOut`, 503) is shown on
the search page itself, beside the form; the API lets the error handler answer it.
"""
from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse

from ...store import SearchRefused, SearchTimedOut, Store
from ..api_models import ErrorOut, SearchResults, search_hit
from ..deps import get_store, render

router = APIRouter()


def search_context(store: Store, q: str) -> dict:
    """The search page's context; a refused or stopped search gives `error` and its HTTP `status`."""
    try:
        results = store.search(q) if q.strip() else []
    except (SearchRefused, SearchTimedOut) as e:
        said = "Not searched" if isinstance(e, SearchRefused) else "Stopped"
        return {"q": q, "results": [], "headlines": {}, "error": f"{said}: {e}.", "status": e.http_status}
    found = store.story_headlines(a.story_id for a, _ in results if a.story_id is not None)
    headlines = {a.story_id: found.get(a.story_id, "") for a, _ in results if a.story_id is not None}
    return {"q": q, "results": results, "headlines": headlines, "error": None, "status": 200}


@router.get("/search", response_class=HTMLResponse, include_in_schema=False)
def search_page(request: Request, q: str = "", store: Store = Depends(get_store)):
    ctx = search_context(store, q)
    return render(request, "search.html", ctx, status_code=ctx["status"])


@router.get("/api/search", response_model=SearchResults, tags=["search"], summary="Full-text search over articles",
            responses={400: {"model": ErrorOut, "description": "Too long, or too many different words"},
                       503: {"model": ErrorOut, "description": "Stopped at the time limit"}})
def api_search(q: str = Query(..., description="Words to find; no query syntax."),
               limit: int = Query(50, ge=1, le=200), store: Store = Depends(get_store)):
    hits = store.search(q, limit=limit)  # SearchRefused and SearchTimedOut answer 400 and 503 (handlers.py)
    return SearchResults(query=q, results=[search_hit(a, s) for a, s in hits])
