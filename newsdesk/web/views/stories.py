"""Stories: the front page (newest first, paged), a story's page, and `/api/stories`.

A merged story's URL answers 301 to the story it became, for pages and the API alike. The page contexts are shared
with the static export (`export.py`).
"""
from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import datetime

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from ...models import Article
from ...outlets import coverage
from ...store import Store
from ..api_models import (ErrorOut, RelatedStory, StoryDetail, StoryList, article_ref, sentence_out, story_summary,
                          thread_event)
from ..deps import get_store, not_found_page, render
from ..handlers import Missing
from .facts import facts_context

PAGE_SIZE = 50

router = APIRouter()


# -- page contexts (shared by server and export) ---------------------------------------------------------------
def page_count(store: Store, total: int | None = None) -> int:
    """The number of pages of the front page; `total`: the story count, when already known."""
    return max(1, -(-(store.story_count() if total is None else total) // PAGE_SIZE))


ORDERS = ("top", "latest")


def index_context(store: Store, page: int = 1, order: str = "top", by_thread: bool = False) -> dict | None:
    """The home page (`order` "top": by standing, newsdesk/ranking.py) or the Latest page ("latest": newest first);
    `by_thread`: each thread once (`thread_groups`)."""
    total = store.story_count()  # once: counting the live stories is the page's costliest query
    pages = page_count(store, total)
    if page < 1 or page > pages:
        return None
    # With details: the teaser needs the brief's first sentence.
    listing = store.list_top_stories if order == "top" else store.list_stories
    stories = listing(limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE, with_details=True)
    ctx = {"stories": stories, "images": store.story_images(s.id for s in stories), "page": page, "pages": pages,
           "total": total, "order": order,
           "pager": "page" if order == "top" else "latest", "thread_path": "/" if order == "top" else "/latest"}
    ctx.update(thread_groups(store, stories, by_thread))
    return ctx


def thread_groups(store: Store, stories: list, by_thread: bool) -> dict:
    """The home page's thread notes: `thread_sizes` (thread id -> its stories, for those of more than one) and,
    `by_thread`, the page's stories with each thread shown once, by its first story on the page."""
    sizes = {t: n for t, n in store.thread_sizes(s.thread_id for s in stories).items() if n > 1}
    out: dict = {"thread_sizes": sizes, "by_thread": by_thread}
    if by_thread:
        seen: set = set()
        out["stories"] = []
        for s in stories:  # in the page's order: the first of a thread on the page stands for it
            if s.thread_id is None or s.thread_id not in seen:
                out["stories"].append(s)
                seen.add(s.thread_id)
    return out


def thread_context(store: Store, story) -> list:
    """The stories of `story`'s thread, itself included, oldest first; empty when it is alone in it."""
    if story.thread_id is None:
        return []
    events = store.thread_stories(story.thread_id)
    return events if len(events) > 1 else []


def _timeline(articles: list[Article]) -> list[tuple[datetime | None, list[Article]]]:
    # story_articles is already in time order with undated articles last, so consecutive grouping is enough.
    return [
        (items[0].published, items)
        for _, group in itertools.groupby(articles, key=lambda a: a.published.date() if a.published else None)
        for items in [list(group)]
    ]


def merged_timeline(articles: list[Article], events: list[dict]) -> list[dict]:
    """The story's one timeline: the dated events the articles tell of (facts, "on Friday" resolved) and the
    articles themselves, grouped by the day (or month, or year, as precisely as an event is dated) and in time
    order, a year or month before the days in it; undated articles last. Each group: `day` (a datetime),
    `granularity` ("day", "month", "year" or None when undated), `events` and `articles`."""
    groups: dict[tuple, dict] = {}

    def group(day: datetime | None, granularity: str | None) -> dict:
        if day is None:
            key: tuple = (1, 0, 0, 0)
        else:
            key = (0, day.year, day.month if granularity != "year" else 0, day.day if granularity == "day" else 0)
        return groups.setdefault(key, {"day": day, "granularity": granularity, "events": [], "articles": []})

    for e in events:
        if e.get("day") is not None:
            group(e["day"], e.get("granularity") if e.get("granularity") in ("month", "year") else "day")[
                "events"].append(e)
    for a in articles:
        group(a.published, "day" if a.published else None)["articles"].append(a)
    return [groups[k] for k in sorted(groups)]


def _by_outlet(articles: list[Article]) -> list[tuple[str | None, list[Article]]]:
    groups: dict[str | None, list[Article]] = {}
    for a in articles:
        groups.setdefault(a.outlet, []).append(a)
    return sorted(groups.items(), key=lambda kv: (kv[0] is None, (kv[0] or "").lower()))


def accepted_languages(header: str | None) -> list[str]:
    """The primary language codes of an Accept-Language header, most wanted first ("fr-CH, fr;q=0.9, en;q=0.8" ->
    ["fr", "en"]); a range with q=0 or "*" is left out."""
    ranked = []
    for i, part in enumerate((header or "").split(",")):
        code, _, params = part.strip().partition(";")
        q = 1.0
        for p in params.split(";"):
            name, _, value = p.strip().partition("=")
            if name == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        code = code.strip().split("-")[0].lower()
        if code and code != "*" and q > 0:
            ranked.append((-q, i, code))
    return list(dict.fromkeys(code for _, _, code in sorted(ranked)))


def brief_language(brief, asked: str | None = None, accept: str | None = None) -> str | None:
    """Which of a brief's languages to show: `asked` (`?lang=`) where the story has a brief in it, else the first
    of the Accept-Language header's that it has, else the brief's own (the story's majority language)."""
    if brief is None:
        return None
    have = brief.languages()
    for code in ([asked.lower()] if asked else []) + accepted_languages(accept):
        if code in have:
            return code
    return brief.language


def story_context(store: Store, story_id: int, lang: str | None = None, accept: str | None = None) -> dict | None:
    """The story page's context; the brief (and headline) in the reader's language, chosen by brief_language from
    `lang` (`?lang=`) and `accept` (the Accept-Language header). The static export asks for neither."""
    story = store.get_story(story_id)
    if story is None:
        return None
    shown = brief_language(story.brief, lang, accept)
    brief_languages = story.brief.languages() if story.brief else []
    if story.brief and shown != story.brief.language:
        chosen = story.brief.in_language(shown)
        story = replace(story, brief=chosen, headline=chosen.headline or story.headline)
    articles = store.story_articles(story_id)
    by_id = {a.id: a for a in articles}
    sources: dict[int, Article | None] = {}
    for s in (story.brief.sentences + story.brief.latest) if story.brief else []:
        if s.article_id not in by_id and isinstance(s.article_id, int) and s.article_id not in sources:
            sources[s.article_id] = store.get_article(s.article_id)
    sources.update(by_id)
    facts = facts_context(store, story_id)
    return {
        "story": story, "articles": articles, "sources": sources, "timeline": _timeline(articles),
        "events_timeline": merged_timeline(articles, facts["timeline"] if facts else []),
        "by_outlet": _by_outlet(articles), "coverage": coverage(articles),
        "facts": facts, "thread": thread_context(store, story), "image": store.story_images([story_id]).get(story_id),
        "brief_language": shown, "brief_languages": brief_languages,
    }


# -- pages ------------------------------------------------------------------------------------------------------
@router.get("/", response_class=HTMLResponse, include_in_schema=False)
def index(request: Request, page_no: int = Query(1, alias="page"), by: str | None = Query(None),
          store: Store = Depends(get_store)):
    ctx = index_context(store, page_no, by_thread=by == "thread")
    return render(request, "index.html", ctx) if ctx else not_found_page(request)


@router.get("/latest", response_class=HTMLResponse, include_in_schema=False)
def latest_page(request: Request, page_no: int = Query(1, alias="page"), by: str | None = Query(None),
                store: Store = Depends(get_store)):
    ctx = index_context(store, page_no, order="latest", by_thread=by == "thread")
    return render(request, "index.html", ctx) if ctx else not_found_page(request)


@router.get("/stories/{story_id}", response_class=HTMLResponse, include_in_schema=False)
def story_page(request: Request, story_id: int, store: Store = Depends(get_store)):
    if (moved := store.story_redirect(story_id)) is not None:  # merged: the old URL keeps working
        return RedirectResponse(f"/stories/{moved}", status_code=301)
    ctx = story_context(store, story_id, request.query_params.get("lang"), request.headers.get("accept-language"))
    if ctx is None:
        raise Missing("story")
    response = render(request, "story.html", ctx)
    response.headers["Vary"] = "Accept-Language"  # the brief's language follows it (brief_language)
    return response


# -- API --------------------------------------------------------------------------------------------------------
@router.get("/api/stories", response_model=StoryList, tags=["stories"],
            summary="Stories, newest first (order=latest) or top stories first (order=top)")
def api_stories(
    limit: int = Query(PAGE_SIZE, ge=1, le=500), offset: int = Query(0, ge=0),
    order: str = Query("latest", pattern="^(latest|top)$",
                       description="latest: by latest article; top: by outlets, growth and recency (README)"),
    store: Store = Depends(get_store),
):
    listing = store.list_top_stories if order == "top" else store.list_stories
    stories = listing(limit=limit, offset=offset, with_details=True)
    return StoryList(total=store.story_count(), limit=limit, offset=offset,
                     stories=[story_summary(s) for s in stories])


@router.get("/api/stories/{story_id}", response_model=StoryDetail,
            responses={404: {"model": ErrorOut, "description": "No such id"}}, tags=["stories"],
            summary="One story with its brief, articles and related stories")
def api_story(story_id: int, lang: str | None = Query(
        None, description="The brief's language (ISO 639-1) where the story has articles in it; default and "
                          "fallback: the language most of its articles are in"),
        store: Store = Depends(get_store)):
    if (moved := store.story_redirect(story_id)) is not None:
        return RedirectResponse(f"/api/stories/{moved}", status_code=301)
    story = store.get_story(story_id)
    if story is None:
        raise Missing("story")
    brief = story.brief.in_language(brief_language(story.brief, lang)) if story.brief else None
    return StoryDetail(
        id=story.id, headline=brief.headline if brief and brief.headline else story.headline,
        first_published=story.first_published,
        last_published=story.last_published, outlets=story.outlets, article_count=len(story.article_ids),
        brief=[sentence_out(s) for s in (brief.sentences if brief else [])],
        latest=[sentence_out(s) for s in (brief.latest if brief else [])],
        brief_language=brief.language if brief else None,
        brief_languages=story.brief.languages() if story.brief else [],
        articles=[article_ref(a) for a in store.story_articles(story_id)],
        related=[RelatedStory(id=i, headline=h, score=sc) for i, h, sc in story.related], section=story.section,
        thread_id=story.thread_id, thread=[thread_event(s) for s in thread_context(store, story)],
    )
