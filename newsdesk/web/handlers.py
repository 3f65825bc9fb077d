"""How the server answers an error: one handler per kind, each choosing JSON or a page by the path.

API paths (`/api/...`) and Atom feeds are read by programs: they get `{"detail": message}` with the status.
Pages get HTML: the 404 page for what is not there, the notice page ("Not done") for anything else, with a link
back to the story when a view set `request.state.back_to_story`.
- `NewsdeskError` (newsdesk/errors.py): its `http_status` and its message. Views raise `NotFound`, `Conflict`,
  `InputError` and let this answer; `Missing` is the web's `NotFound` for a record asked for by id, which names
  its kind on the 404 page.
- FastAPI's `HTTPException` and unknown paths; request validation (an id that is not a number is a missing page to
  a reader, a 422 with details to an API client); SQLite statements interrupted by a stopping server.
"""
from __future__ import annotations

import sqlite3

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from ..errors import NewsdeskError, NotFound
from ..store import postgres
from .deps import desk, not_found_page, render


class Missing(NotFound):
    """No `what` ("story", "article", "entity") of the id a page or the API asked for: "story not found"."""

    def __init__(self, what: str):
        super().__init__(f"{what} not found")
        self.what = what


def is_api(request: Request) -> bool:
    path = request.url.path  # feeds are read by programs too: they get errors as JSON, not an HTML page
    return path.startswith("/api/") or path == "/api" or path.endswith(".atom")


async def newsdesk_error(request: Request, exc: NewsdeskError):
    if is_api(request):
        return JSONResponse({"detail": str(exc)}, status_code=exc.http_status)
    if isinstance(exc, Missing):
        return not_found_page(request, exc.what)
    back = getattr(request.state, "back_to_story", None)  # set by a form that was posted from a story's page
    return render(request, "notice.html", {"message": str(exc), "login_next": None, "back": back},
                  status_code=exc.http_status)


async def http_error(request: Request, exc: StarletteHTTPException):
    if exc.status_code == 404 and not is_api(request):
        return not_found_page(request)
    return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=getattr(exc, "headers", None))


async def bad_request(request: Request, exc: RequestValidationError):
    # /stories/abc is a page that does not exist to a reader; API clients get the usual 422 details.
    if not is_api(request):
        return not_found_page(request)
    return JSONResponse({"detail": jsonable_encoder(exc.errors())}, status_code=422)


async def interrupted(request: Request, exc: Exception):
    # SQLite's interrupt, or PostgreSQL's cancel (psycopg's QueryCanceled): Desk.stop_requests stopped the query
    stopped = isinstance(exc, sqlite3.OperationalError) and exc.sqlite_errorcode == sqlite3.SQLITE_INTERRUPT
    if desk(request).stopping.is_set() and (stopped or not isinstance(exc, sqlite3.OperationalError)):
        return PlainTextResponse("the server is stopping; try again when it is back", status_code=503)
    raise exc


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(NewsdeskError, newsdesk_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(RequestValidationError, bad_request)
    app.add_exception_handler(sqlite3.OperationalError, interrupted)
    if canceled := postgres.query_canceled():
        app.add_exception_handler(canceled, interrupted)
