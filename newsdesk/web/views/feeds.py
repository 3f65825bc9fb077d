"""Feed subscriptions: `/feeds` (status of every subscription, a form to add one) and `/api/feeds` (list, add).

Reads and adds subscriptions only: adding a feed stores it and leaves the fetching to the polling loop, so that a
request never waits on someone else's server.
"""
from __future__ import annotations

from urllib.parse import parse_qs

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from ...sources.fetch import is_url
from ...store import Store
from ..api_models import FeedList, FeedStatus, NewFeed, feed_status
from ..deps import get_store, render

router = APIRouter()


def _feeds_page(request: Request, store: Store, error: str | None = None, url: str = "",
                status: int = 200) -> HTMLResponse:
    feeds = [feed_status(f) for f in store.feeds()]
    return render(request, "feeds.html", {"feeds": feeds, "error": error, "url": url}, status_code=status)


@router.get("/feeds", response_class=HTMLResponse, include_in_schema=False)
def feeds_page(request: Request, store: Store = Depends(get_store)):
    return _feeds_page(request, store)


@router.post("/feeds", include_in_schema=False)
async def form_add_feed(request: Request, store: Store = Depends(get_store)):
    form = parse_qs((await request.body()).decode("utf-8", "replace"))
    url = (form.get("url") or [""])[0].strip()
    if not is_url(url):
        return _feeds_page(request, store, error=f"Not an http(s) URL: {url or '(empty)'}", url=url, status=400)
    store.add_feed(url)
    return RedirectResponse("/feeds", status_code=303)


@router.get("/api/feeds", response_model=FeedList, tags=["feeds"], summary="Feeds with their polling status")
def api_feeds(store: Store = Depends(get_store)):
    return FeedList(feeds=[feed_status(f) for f in store.feeds()])


@router.post("/api/feeds", response_model=FeedStatus, status_code=201, tags=["feeds"],
             summary="Subscribe to a feed; the polling loop fetches it")
def api_add_feed(body: NewFeed, store: Store = Depends(get_store)):
    url = body.url.strip()
    if not is_url(url):
        raise HTTPException(422, "not an http(s) URL")  # 422 as for any body the API cannot take
    fid, _ = store.add_feed(url, poll_seconds=body.every)
    return feed_status(store.get_feed(fid))
