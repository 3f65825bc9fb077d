"""Feed pages and API: `/feeds` (status of every subscription) and `/api/feeds` (list, add).

Registered by `create_app`; reads the store only. Adding a feed over the API stores the subscription and leaves the
fetching to the polling loop, so that a request never waits on someone else's server.
"""
from __future__ import annotations

from datetime import datetime
from typing import Callable, Iterator

from urllib.parse import parse_qs

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from jinja2 import Environment
from pydantic import BaseModel, Field

from ..sources.fetch import is_url
from ..store import Store


class FeedStatus(BaseModel):
    id: int
    url: str = Field(description="The feed URL as subscribed (untrusted).")
    title: str | None = None
    site_url: str | None = None
    added_at: datetime
    last_polled_at: datetime | None = None
    last_success_at: datetime | None = None
    last_error: str | None = Field(None, description="The most recent failure, kept after later successes.")
    last_error_at: datetime | None = None
    last_warning: str | None = Field(None, description="What the last good poll could read only in part (ill-formed "
                                     "XML read anyway, items without an id skipped); cleared by a clean poll.")
    failing: bool = Field(description="True when the latest poll failed.")
    items_seen: int
    articles: int = Field(description="Articles extracted from this feed's items.")
    next_poll_at: datetime | None = None
    poll_seconds: int = Field(description="How often the feed is polled, in seconds.")


class FeedList(BaseModel):
    feeds: list[FeedStatus]


class NewFeed(BaseModel):
    url: str
    every: int | None = Field(None, ge=1, description="Poll this often, in seconds (default 900).")


def _dt(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def feed_status(f: dict) -> FeedStatus:
    failing = bool(f["last_error_at"]) and (not f["last_success_at"] or f["last_error_at"] > f["last_success_at"])
    return FeedStatus(
        id=f["id"], url=f["url"], title=f["title"], site_url=f["site_url"], added_at=_dt(f["added_at"]),
        last_polled_at=_dt(f["last_polled_at"]), last_success_at=_dt(f["last_success_at"]),
        last_error=f["last_error"], last_error_at=_dt(f["last_error_at"]), failing=failing,
        last_warning=f["last_warning"],
        items_seen=f["items_seen"], articles=f["articles"], next_poll_at=_dt(f["next_poll_at"]),
        poll_seconds=f["poll_seconds"],
    )


def feeds_router(env: Environment, get_store: Callable[[], Iterator[Store]]) -> APIRouter:
    router = APIRouter()

    @router.get("/feeds", response_class=HTMLResponse, include_in_schema=False)
    def feeds_page(store: Store = Depends(get_store), error: str | None = None, url: str = "", status: int = 200):
        feeds = [feed_status(f) for f in store.feeds()]
        return HTMLResponse(env.get_template("feeds.html").render({"feeds": feeds, "error": error, "url": url}),
                            status_code=status)

    @router.post("/feeds", include_in_schema=False)
    async def form_add_feed(request: Request, store: Store = Depends(get_store)):
        form = parse_qs((await request.body()).decode("utf-8", "replace"))
        url = (form.get("url") or [""])[0].strip()
        if not is_url(url):
            return feeds_page(store, error=f"Not an http(s) URL: {url or '(empty)'}", url=url, status=400)
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
            raise HTTPException(422, "not an http(s) URL")
        fid, _ = store.add_feed(url, poll_seconds=body.every)
        return feed_status(store.get_feed(fid))

    return router
