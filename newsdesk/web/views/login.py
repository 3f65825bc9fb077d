"""`/login` (a form that takes an access token and gives a session cookie) and `/logout`.

The credentials, sessions and the guard in front of every write are in `web/auth.py`; these routes only trade a
token for a session. Wrong tokens are throttled per client address.
"""
from __future__ import annotations

from urllib.parse import parse_qs

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.concurrency import run_in_threadpool

from ..auth import COOKIE, TOO_MANY, client_address, safe_next
from ..deps import desk, render

router = APIRouter()


def _login_page(request: Request, next_path: str, error: str | None = None, status: int = 200) -> HTMLResponse:
    read_only = desk(request).auth.read_only_reason()
    return render(request, "login.html", {"next": next_path, "error": error, "read_only": read_only},
                  status_code=status)


@router.get("/login", response_class=HTMLResponse, include_in_schema=False)
def login_form(request: Request, next: str = "/"):
    return _login_page(request, safe_next(next))


@router.post("/login", include_in_schema=False)
async def login(request: Request):
    auth = desk(request).auth
    form = parse_qs((await request.body()).decode("utf-8", "replace"))
    next_path = safe_next((form.get("next") or ["/"])[0])
    token = (form.get("token") or [""])[0].strip()
    if await run_in_threadpool(auth.read_only_reason):
        return await run_in_threadpool(_login_page, request, next_path, None, 403)
    client = client_address(request.scope)
    if auth.throttled(client):
        return await run_in_threadpool(_login_page, request, next_path, TOO_MANY[:1].upper() + TOO_MANY[1:] + ".",
                                       429)
    if not await run_in_threadpool(auth.token_valid, token):
        auth.failed(client)
        return await run_in_threadpool(_login_page, request, next_path, "That token is not valid.", 401)
    session_id = await run_in_threadpool(auth.start_session)
    response = RedirectResponse(next_path, status_code=303)
    response.set_cookie(COOKIE, session_id, max_age=auth.settings.session_seconds, path="/", httponly=True,
                        samesite="lax", secure=auth.settings.secure_cookies)
    return response


@router.post("/logout", include_in_schema=False)
async def logout(request: Request):
    auth = desk(request).auth
    if (session_id := request.cookies.get(COOKIE)):
        await run_in_threadpool(auth.end_session, session_id)
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(COOKIE, path="/", httponly=True, samesite="lax", secure=auth.settings.secure_cookies)
    return response
