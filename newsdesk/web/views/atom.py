"""Atom feeds: `/feed.atom` (the latest stories) and `/search.atom?q=` (stories whose articles match a query).

The XML is written by `web/atom.py`. Ids and links use the public URL from the settings, never the Host header:
one feed, one id, whatever name reached the server. Errors are answered as JSON, as for the API (handlers.py).
"""
from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from ...store import Store
from ..api_models import ErrorOut
from ..atom import latest_stories, matching_stories, stories_feed
from ..deps import desk, get_store

router = APIRouter()
ATOM_TYPE = {"content": {"application/atom+xml": {}}}


def _atom(request: Request, stories: list, title: str) -> Response:
    base = desk(request).settings.base_url
    query = request.url.query
    self_url = base + request.url.path + (f"?{query}" if query else "")
    return Response(stories_feed(stories, base, title, self_url), media_type="application/atom+xml; charset=utf-8")


@router.get("/feed.atom", tags=["feeds"], summary="Atom feed of the latest stories, one entry per story",
            response_class=Response, responses={200: ATOM_TYPE})
def atom_latest(request: Request, store: Store = Depends(get_store)):
    return _atom(request, latest_stories(store), "newsdesk: latest stories")


@router.get("/search.atom", tags=["feeds"], summary="Atom feed of the stories whose articles match a query",
            response_class=Response, responses={200: ATOM_TYPE, 400: {"model": ErrorOut}, 503: {"model": ErrorOut}})
def atom_search(request: Request, q: str = Query(..., min_length=1, description="Words to find; no query syntax."),
                store: Store = Depends(get_store)):
    return _atom(request, matching_stories(store, q), f"newsdesk: stories matching “{q}”")
