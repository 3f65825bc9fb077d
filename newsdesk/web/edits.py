"""Routes for users' corrections of stories: move an article out, merge two stories (API and HTML forms).

The logic is in `newsdesk.edits`; these are thin shells. The forms post plain urlencoded bodies, read with the
standard library, so no multipart parser is needed. Who may call them is decided before they run, by the
WriteGuard middleware (auth.py): a bearer token, or a login session with its CSRF token.
"""
from __future__ import annotations

from typing import Callable
from urllib.parse import parse_qs

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from markupsafe import escape
from pydantic import BaseModel, Field

from .. import edits
from ..store import Store


class MoveIn(BaseModel):
    article_id: int
    to: int | None = Field(None, description="The story to move it to; a new story when left out.")


class MergeIn(BaseModel):
    into: int = Field(description="The story that absorbs this one and keeps its id.")


class EditOut(BaseModel):
    story_id: int = Field(description="Where the article or the merged articles are now.")
    from_story: int
    redirected: bool = Field(description="True when the old story is now empty and its URL redirects.")


def _error(message: str, status: int, back: int | None = None) -> HTMLResponse:
    link = f'<p><a href="/stories/{back}">Back to the story</a></p>' if back is not None else ""
    return HTMLResponse(f"<!doctype html><title>Not done</title><p>{escape(message)}</p>{link}", status_code=status)


def _int(form: dict, name: str) -> int | None:
    value = (form.get(name) or [""])[0].strip()
    return int(value) if value.isdigit() else None


def add_edit_routes(app: FastAPI, get_store: Callable) -> None:
    def do_move(store: Store, story_id: int, article_id: int, to: int | None) -> EditOut:
        article = store.get_article(article_id)
        if article is None:
            raise KeyError(f"article {article_id} not found")
        if article.story_id != story_id:
            raise ValueError(f"article {article_id} is not in story {story_id}")
        new = edits.move_article(store, article_id, to)
        return EditOut(story_id=new, from_story=story_id, redirected=store.story_redirect(story_id) is not None)

    def do_merge(store: Store, story_id: int, into: int) -> EditOut:
        if store.get_story(story_id) is None:
            raise KeyError(f"story {story_id} not found")
        target = edits.merge_stories(store, story_id, into)
        return EditOut(story_id=target, from_story=story_id, redirected=True)

    @app.post("/api/stories/{story_id}/move", response_model=EditOut, tags=["edits"],
              summary="Move an article out of this story (into another story, or a new one)")
    def api_move(story_id: int, body: MoveIn, store: Store = Depends(get_store)):
        try:
            return do_move(store, story_id, body.article_id, body.to)
        except KeyError as e:
            raise HTTPException(404, str(e).strip("'"))
        except ValueError as e:
            raise HTTPException(409, str(e))

    @app.post("/api/stories/{story_id}/merge", response_model=EditOut, tags=["edits"],
              summary="Merge this story into another; this story's URL then redirects there")
    def api_merge(story_id: int, body: MergeIn, store: Store = Depends(get_store)):
        try:
            return do_merge(store, story_id, body.into)
        except KeyError as e:
            raise HTTPException(404, str(e).strip("'"))
        except ValueError as e:
            raise HTTPException(409, str(e))

    @app.post("/stories/{story_id}/move", include_in_schema=False)
    async def form_move(story_id: int, request: Request, store: Store = Depends(get_store)):
        form = parse_qs((await request.body()).decode("utf-8", "replace"))
        article_id = _int(form, "article_id")
        if article_id is None:
            return _error("Choose an article to move.", 400, story_id)
        try:
            out = do_move(store, story_id, article_id, _int(form, "to"))
        except (KeyError, ValueError) as e:
            return _error(str(e).strip("'"), 404 if isinstance(e, KeyError) else 409, story_id)
        return RedirectResponse(f"/stories/{out.story_id}", status_code=303)

    @app.post("/stories/{story_id}/merge", include_in_schema=False)
    async def form_merge(story_id: int, request: Request, store: Store = Depends(get_store)):
        form = parse_qs((await request.body()).decode("utf-8", "replace"))
        into = _int(form, "into")
        if into is None:
            return _error("Give the number of the story to merge into.", 400, story_id)
        try:
            out = do_merge(store, story_id, into)
        except (KeyError, ValueError) as e:
            return _error(str(e).strip("'"), 404 if isinstance(e, KeyError) else 409, story_id)
        return RedirectResponse(f"/stories/{out.story_id}", status_code=303)
