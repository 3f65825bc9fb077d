"""Who may change the desk: access tokens, login sessions, CSRF tokens and the host names the server answers for.

Anyone who reaches the server may read. Every other request (any method but GET, HEAD and OPTIONS, on any route,
present or future) needs a credential, checked here before a route sees it:
- `Authorization: Bearer TOKEN` (scripts, the API). A browser never adds it on its own, so it needs no CSRF token.
- or the session cookie that /login gives for a token, plus that session's CSRF token: the hidden `csrf_token`
  field of every form, or an `X-CSRF-Token` header. The cookie is HttpOnly and SameSite=Lax, so another site's form
  is posted without it, and a request whose Origin names a host this server does not answer for is refused too.
A token is 32 random bytes; the database keeps only its scrypt hash, and of a session only the SHA-256 of its id,
so a copy of the database lets no one in. The server is read-only while no credential exists (none stored and no
NEWSDESK_TOKEN) and under --read-only; writes then answer 403 saying how to allow them.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from collections import deque
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Callable
from urllib.parse import parse_qs, urlsplit

from fastapi import Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..settings import LIMITS, ServerSettings, host_name
from ..store import Store

COOKIE = "newsdesk_session"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# 16 MiB and tens of milliseconds a check: nothing at one check per login or API write, and a stolen database
# gives no cheap way to test guesses.
_SCRYPT = {"n": 2 ** 14, "r": 8, "p": 1}

READ_ONLY_FLAG = ("This server was started with --read-only: nothing can be changed here. Restart `newsdesk serve` "
                  "without --read-only to allow changes.")
READ_ONLY_EMPTY = ("This server is read-only: no access token exists. `newsdesk serve` makes one on its first start, "
                   "`newsdesk token --reset` makes a new one, or set NEWSDESK_TOKEN in the server's environment.")
TOO_MANY = "too many wrong tokens from this address in the last minute; try again in a minute"
LOG_IN = ("log in first: on /login with the access token, or send it to the API as `Authorization: Bearer TOKEN` "
          "(`newsdesk token --reset` makes a new one)")


# -- tokens ---------------------------------------------------------------------------------------------------
def new_token() -> str:
    return secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(token.encode(), salt=salt, **_SCRYPT)
    return f"scrypt${_SCRYPT['n']}${_SCRYPT['r']}${_SCRYPT['p']}${salt.hex()}${digest.hex()}"


def token_matches(token: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        given = hashlib.scrypt(token.encode(), salt=bytes.fromhex(salt), n=int(n), r=int(r), p=int(p),
                               dklen=len(digest) // 2)
    except ValueError:  # a damaged row is no credential
        return False
    return hmac.compare_digest(given.hex(), digest)


def reset_token(store: Store) -> str:
    """A new token replacing every stored one, and ending every login session; returns it (shown once)."""
    token = new_token()
    store.replace_credentials(hash_token(token))
    return token


def first_token(store: Store) -> str | None:
    """A new token when none is stored yet (the first start of `serve`); None when one exists."""
    if store.has_credentials():
        return None
    token = new_token()
    return token if store.add_credential_if_none(hash_token(token)) else None


def _sha256(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


# -- who is asking --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Viewer:
    """The person behind a request, for the templates: forms only for `logged_in`, each with `csrf`."""

    logged_in: bool = False
    csrf: str = ""


ANONYMOUS = Viewer()
_VIEWER: ContextVar[Viewer] = ContextVar("newsdesk_viewer", default=ANONYMOUS)


def current_viewer() -> Viewer:
    """Set for each request by WriteGuard; anonymous outside one (the static export)."""
    return _VIEWER.get()


def _csrf_for(session_id: str) -> str:
    # Derived from the session's secret id, so it needs no storage and fits one session only.
    return hmac.new(session_id.encode(), b"newsdesk csrf", hashlib.sha256).hexdigest()


def safe_next(target: str | None) -> str:
    """Where a login may send the browser back to: a path on this site, never another site (`//host`, `/\\host`)."""
    target = (target or "").strip()
    if not target.startswith("/") or target.startswith(("//", "/\\")) or any(ord(c) < 0x20 for c in target):
        return "/"
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc else "/"


class Auth:
    """Credentials and sessions over the store; every method opens its own connection (called from threads), on
    a database that create_app has migrated."""

    def __init__(self, db_path: str, settings: ServerSettings):
        self.db_path, self.settings = db_path, settings
        self._failures: dict[str, deque[float]] = {}  # client address -> times of its recent wrong tokens
        self._failures_lock = threading.Lock()

    def throttled(self, client: str) -> bool:
        """Whether `client` gave LIMITS.login_failures wrong tokens within the last minute: then even a right one
        waits, so that guessing a token chosen by hand (NEWSDESK_TOKEN) costs a minute per handful of tries."""
        now = time.monotonic()
        with self._failures_lock:
            recent = self._failures.get(client)
            while recent and now - recent[0] > 60:
                recent.popleft()
            return bool(recent) and len(recent) >= LIMITS.login_failures

    def failed(self, client: str) -> None:
        with self._failures_lock:
            if len(self._failures) > 10_000:  # a flood of addresses must not grow this without end
                self._failures.clear()
            self._failures.setdefault(client, deque()).append(time.monotonic())

    def read_only_reason(self) -> str | None:
        if self.settings.read_only:
            return READ_ONLY_FLAG
        if self.settings.token:
            return None
        with Store(self.db_path, migrate=False) as store:
            return None if store.has_credentials() else READ_ONLY_EMPTY

    def token_valid(self, token: str) -> bool:
        if not token:
            return False
        if self.settings.token and hmac.compare_digest(_sha256(token), _sha256(self.settings.token)):
            return True
        with Store(self.db_path, migrate=False) as store:
            hashes = store.credential_hashes()
        return any(token_matches(token, h) for h in hashes)

    def viewer_for(self, session_id: str | None) -> Viewer:
        if not session_id:
            return ANONYMOUS
        with Store(self.db_path, migrate=False) as store:
            alive = store.session_alive(_sha256(session_id))
        return Viewer(logged_in=True, csrf=_csrf_for(session_id)) if alive else ANONYMOUS

    def start_session(self) -> str:
        session_id = secrets.token_urlsafe(32)
        expires = datetime.now(timezone.utc) + timedelta(seconds=self.settings.session_seconds)
        with Store(self.db_path, migrate=False) as store:
            store.add_session(_sha256(session_id), expires)
        return session_id

    def end_session(self, session_id: str) -> None:
        with Store(self.db_path, migrate=False) as store:
            store.end_session(_sha256(session_id))

    def write_refusal(self, authorization: str | None, viewer: Viewer, csrf: str | None,
                      client: str = "") -> tuple[int, str] | None:
        """None when this write may go on; else (status, message)."""
        reason = self.read_only_reason()
        if reason:
            return 403, reason
        if authorization:
            if self.throttled(client):
                return 429, TOO_MANY
            scheme, _, value = authorization.partition(" ")
            if scheme.lower() == "bearer" and self.token_valid(value.strip()):
                return None
            self.failed(client)
            return 401, "the Authorization header holds no valid token; " + LOG_IN
        if viewer.logged_in:
            if csrf and hmac.compare_digest(csrf, viewer.csrf):
                return None
            return 403, ("refused: the form's CSRF token is missing or belongs to another session (a form from "
                         "another site, or a page older than your login); reload the page and try again")
        return 401, LOG_IN


def client_address(scope: Scope) -> str:
    client = scope.get("client")
    return client[0] if client else ""


# -- the guard in front of every route ------------------------------------------------------------------------
class _TooLarge(Exception):
    pass


class _Disconnected(Exception):
    pass


async def _read_body(receive: Receive, limit: int) -> bytes:
    chunks, size = [], 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise _Disconnected
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise _TooLarge
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


class WriteGuard:
    """ASGI middleware: the Host check for every request, then the credential check for every write.

    Pure ASGI rather than a FastAPI dependency so that no route, mount or later addition can miss it; it reads a
    write's body (up to LIMITS.request_bytes) to find the form's CSRF field and hands the same bytes on.
    `render(message, status, login_next)` draws the HTML refusal page.
    """

    def __init__(self, app: ASGIApp, auth: Auth, render: Callable[[str, int, str | None], Response]):
        self.app, self.auth, self.render = app, auth, render
        self.hosts = auth.settings.host_names

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        connection = HTTPConnection(scope)
        host = connection.headers.get("host", "")
        if host_name(host) not in self.hosts:
            # DNS rebinding: a stranger's name resolving to this address must not reach the app
            await PlainTextResponse(f"This server does not answer for the host name {host!r}; its operator can "
                                    "add it with --allowed-host or NEWSDESK_ALLOWED_HOSTS.", 400)(scope, receive, send)
            return
        cookie = connection.cookies.get(COOKIE)
        viewer = await run_in_threadpool(self.auth.viewer_for, cookie) if cookie else ANONYMOUS
        token = _VIEWER.set(viewer)
        try:
            if scope["type"] == "http" and scope["method"] not in SAFE_METHODS:
                await self._write(scope, receive, send, Request(scope), viewer)
            else:
                await self.app(scope, receive, send)
        finally:
            _VIEWER.reset(token)

    def _same_origin(self, origin: str, host: str) -> bool:
        """The page that sent a write is on this server: the Origin's host and port are the request's own (its
        Host was checked), or the public URL's (a proxy that rewrites Host). Another port is another origin."""
        netloc = urlsplit(origin).netloc.lower()
        return bool(netloc) and netloc in (host.lower(), urlsplit(self.auth.settings.base_url).netloc.lower())

    async def _write(self, scope: Scope, receive: Receive, send: Send, request: Request, viewer: Viewer) -> None:
        origin = request.headers.get("origin")
        if origin is not None and not self._same_origin(origin, request.headers.get("host", "")):
            await self._refuse(scope, receive, send, request, 403,
                               f"refused: this request was sent by a page of another site ({origin})")
            return
        try:
            body = await _read_body(receive, LIMITS.request_bytes)
        except _Disconnected:
            return
        except _TooLarge:
            await self._refuse(scope, receive, send, request, 413,
                               f"the request body is larger than {LIMITS.request_bytes:,} bytes")
            return
        if scope["path"] != "/login":  # the way in: the route itself checks the token
            csrf = request.headers.get(CSRF_HEADER)
            if csrf is None and request.headers.get("content-type", "").startswith(
                    "application/x-www-form-urlencoded"):
                csrf = (parse_qs(body.decode("utf-8", "replace")).get(CSRF_FIELD) or [None])[0]
            refusal = await run_in_threadpool(self.auth.write_refusal, request.headers.get("authorization"),
                                              viewer, csrf, client_address(scope))
            if refusal:
                await self._refuse(scope, receive, send, request, *refusal)
                return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send, request: Request, status: int,
                      message: str) -> None:
        wants_json = request.url.path.startswith("/api/") or "json" in request.headers.get("content-type", "") \
            or request.url.path.endswith(".atom")
        if wants_json:
            headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
            response: Response = JSONResponse({"detail": message}, status_code=status, headers=headers)
        else:
            referer = urlsplit(request.headers.get("referer", ""))
            back = referer.path if referer.hostname in self.hosts and referer.path else "/"
            response = self.render(message, status, safe_next(back) if status == 401 else None)
        await response(scope, receive, send)
