"""Stories: the front page (newest first, paged), a story's page, and `/api/stories`.

A merged story's URL answers 301 to the story it became, for pages and the API alike. The page contexts are shared
with the static export (`export.py`).
"""
from __future__ import annotations

import itertools
from datetime import datetime

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from ...models import Article
from ...store import Store
from ..api_models import ErrorOut, RelatedStory, StoryDetail, StoryList, article_ref, sentence_out, story_summary
from ..deps import get_store, not_found_page, render
from ..handlers import Missing
from .facts import facts_context

PAGE_SIZE = 50

router = APIRouter()


# -- page contexts (shared by server and export) ---------------------------------------------------------------
def page_count(store: Store, total: int | None = None) -> int:
    """The number of pages of the front page; `total`: the story count, when already known."""
    return max(1, -(-(store.story_count() if total is None else total) // PAGE_SIZE))


def index_context(store: Store, page: int = 1) -> dict | None:
    total = store.story_count()  # once: counting the live stories is the page's costliest query
    pages = page_count(store, total)
    if page < 1 or page > pages:
        return None
    # With details: the teaser needs the brief's first sentence.
    stories = store.list_stories(limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE, with_details=True)
    return {"stories": stories, "page": page, "pages": pages, "total": total}


def _timeline(articles: list[Article]) -> list[tuple[datetime | None, list[Article]]]:
    # story_articles is already in time order with undated articles last, so consecutive grouping is enough.
    return [
        (items[0].published, items)
        for _, group in itertools.groupby(articles, key=lambda a: a.published.date() if a.published else None)
        for items in [list(group)]
    ]


def _by_outlet(articles: list[Article]) -> list[tuple[str | None, list[Article]]]:
    groups: dict[str | None, list[Article]] = {}
    for a in articles:
        groups.setdefault(a.outlet, []).append(a)
    return sorted(groups.items(), key=lambda kv: (kv[0] is None, (kv[0] or "").lower()))


def story_context(store: Store, story_id: int) -> dict | None:
    story = store.get_story(story_id)
    if story is None:
        return None
    articles = store.story_articles(story_id)
    by_id = {a.id: a for a in articles}
    sources: dict[int, Article | None] = {}
    for s in (story.brief.sentences + story.brief.latest) if story.brief else []:
        if s.article_id not in by_id and isinstance(s.article_id, int) and s.article_id not in sources:
            sources[s.article_id] = store.get_article(s.article_id)
    sources.update(by_id)
    return {
        "story": story, "articles": articles, "sources": sources, "timeline": _timeline(articles),
        "by_outlet": _by_outlet(articles),
        "facts": facts_context(store, story_id),
    }


# -- pages ------------------------------------------------------------------------------------------------------
@router.get("/", response_class=HTMLResponse, include_in_schema=False)
def index(request: Request, page_no: int = Query(1, alias="page"), store: Store = Depends(get_store)):
    ctx = index_context(store, page_no)
    return render(request, "index.html", ctx) if ctx else not_found_page(request)


@router.get("/stories/{story_id}", response_class=HTMLResponse, include_in_schema=False)
def story_page(request: Request, story_id: int, store: Store = Depends(get_store)):
    if (moved := store.story_redirect(story_id)) is not None:  # merged: the old URL keeps working
        return RedirectResponse(f"/stories/{moved}", status_code=301)
    ctx = story_context(store, story_id)
    if ctx is None:
        raise Missing("story")
    return render(request, "story.html", ctx)


# -- API --------------------------------------------------------------------------------------------------------
@router.get("/api/stories", response_model=StoryList, tags=["stories"], summary="Stories, newest first")
def api_stories(
    limit: int = Query(PAGE_SIZE, ge=1, le=500), offset: int = Query(0, ge=0), store: Store = Depends(get_store)
):
    stories = store.list_stories(limit=limit, offset=offset, with_details=True)
    return StoryList(total=store.story_count(), limit=limit, offset=offset,
                     stories=[story_summary(s) for s in stories])


@router.get("/api/stories/{story_id}", response_model=StoryDetail,
            responses={404: {"model": ErrorOut, "description": "No such id"}}, tags=["stories"],
            summary="One story with its brief, articles and related stories")
def api_story(story_id: int, store: Store = Depends(get_store)):
    if (moved := store.story_redirect(story_id)) is not None:
        return RedirectResponse(f"/api/stories/{moved}", status_code=301)
    story = store.get_story(story_id)
    if story is None:
        raise Missing("story")
    return StoryDetail(
        id=story.id, headline=story.headline, first_published=story.first_published,
        last_published=story.last_published, outlets=story.outlets, article_count=len(story.article_ids),
        brief=[sentence_out(s) for s in (story.brief.sentences if story.brief else [])],
        latest=[sentence_out(s) for s in (story.brief.latest if story.brief else [])],
        articles=[article_ref(a) for a in store.story_articles(story_id)],
        related=[RelatedStory(id=i, headline=h, score=sc) for i, h, sc in story.related],
    )
