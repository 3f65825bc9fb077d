"""Users' corrections of stories: move an article out, merge two stories (API and the story page's forms).

The logic is in `newsdesk.edits`; these are thin shells. Who may call them is decided before they run, by the
WriteGuard middleware (auth.py): a bearer token, or a login session with its CSRF token. The forms post plain
urlencoded bodies, read with the standard library, so no multipart parser is needed. A refused edit raises
`NotFound` (404), `Conflict` (409) or `InputError` (400); the error handler answers (handlers.py).
"""
from __future__ import annotations

from urllib.parse import parse_qs

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse

from ... import edits
from ...errors import Conflict, InputError, NotFound
from ...store import Store
from ..api_models import EditOut, MergeIn, MoveIn
from ..deps import get_store

router = APIRouter()


def _field_int(form: dict, name: str) -> int | None:
    value = (form.get(name) or [""])[0].strip()
    return int(value) if value.isdigit() else None


def move(store: Store, story_id: int, article_id: int, to: int | None) -> EditOut:
    article = store.get_article(article_id)
    if article is None:
        raise NotFound(f"article {article_id} not found")
    if article.story_id != story_id:
        raise Conflict(f"article {article_id} is not in story {story_id}")
    new = edits.move_article(store, article_id, to)
    return EditOut(story_id=new, from_story=story_id, redirected=store.story_redirect(story_id) is not None)


def merge(store: Store, story_id: int, into: int) -> EditOut:
    if store.get_story(story_id) is None:
        raise NotFound(f"story {story_id} not found")
    target = edits.merge_stories(store, story_id, into)
    return EditOut(story_id=target, from_story=story_id, redirected=True)


@router.post("/api/stories/{story_id}/move", response_model=EditOut, tags=["edits"],
             summary="Move an article out of this story (into another story, or a new one)")
def api_move(story_id: int, body: MoveIn, store: Store = Depends(get_store)):
    return move(store, story_id, body.article_id, body.to)


@router.post("/api/stories/{story_id}/merge", response_model=EditOut, tags=["edits"],
             summary="Merge this story into another; this story's URL then redirects there")
def api_merge(story_id: int, body: MergeIn, store: Store = Depends(get_store)):
    return merge(store, story_id, body.into)


@router.post("/stories/{story_id}/move", include_in_schema=False)
async def form_move(story_id: int, request: Request, store: Store = Depends(get_store)):
    request.state.back_to_story = f"/stories/{story_id}"  # the notice page of a refused edit links back
    form = parse_qs((await request.body()).decode("utf-8", "replace"))
    article_id = _field_int(form, "article_id")
    if article_id is None:
        raise InputError("Choose an article to move.")
    out = move(store, story_id, article_id, _field_int(form, "to"))
    return RedirectResponse(f"/stories/{out.story_id}", status_code=303)


@router.post("/stories/{story_id}/merge", include_in_schema=False)
async def form_merge(story_id: int, request: Request, store: Store = Depends(get_store)):
    request.state.back_to_story = f"/stories/{story_id}"
    form = parse_qs((await request.body()).decode("utf-8", "replace"))
    into = _field_int(form, "into")
    if into is None:
        raise InputError("Give the number of the story to merge into.")
    out = merge(store, story_id, into)
    return RedirectResponse(f"/stories/{out.story_id}", status_code=303)
