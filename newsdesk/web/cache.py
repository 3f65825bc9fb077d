"""The reader's pages kept ready per state of the database: a page is built once for each state, never shown stale.

`Generation` names the state: SQLite's `PRAGMA data_version` on a connection of its own, which changes whenever any
other connection (a build, the feed poller, a request's edit, another process) commits, and stays put otherwise; a
few microseconds to read. `PageCache` keeps the responses of GET requests for the reader's pages and API under the
generation they were built in, and drops them all as soon as the generation moves on.

Never stale: the generation is read before the page is built, so a page holds the state of that generation or a
newer one; once a commit is visible the generation differs and every kept page is dropped. Kept only what depends
on the database and the request's path and query alone (and, on story pages, its Accept-Language header): GET
requests of anonymous readers (a logged-in reader's pages carry their forms and CSRF token, and go through
uncached), answers 200 without a cookie, on the paths of
`CACHED`. With 10 clients on 2 cores the server's CPU is the queue, and rendering a 50-story page costs 5-10 ms
of it; a kept page costs a dictionary lookup.
"""
from __future__ import annotations

import itertools
import sqlite3
import threading
from collections import OrderedDict
from typing import Callable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..store import postgres
from .auth import current_viewer

# The reader's pages and API: their answer is a function of the database and the URL (no clock, no viewer).
CACHED_EXACT = frozenset({"/", "/latest", "/search", "/feed.atom", "/feed.json", "/search.atom", "/api/stories",
                          "/api/search", "/api/search/stories", "/api/sections"})
CACHED_PREFIXES = ("/stories/", "/articles/", "/entities/", "/section/", "/api/stories/", "/api/articles/",
                   "/api/entities/", "/api/sections/")
# Story pages answer in the reader's language where the story has a brief in it (views/stories.py: `?lang=`, else
# the Accept-Language header): their key holds that header too. Other pages do not read it.
NEGOTIATED_PREFIXES = ("/stories/",)
MAX_ENTRIES = 512
MAX_BYTES = 64 * 2 ** 20  # all kept bodies together
MAX_BODY = 2 * 2 ** 20  # one body larger than this is not kept


def cached_path(path: str) -> bool:
    return path in CACHED_EXACT or path.startswith(CACHED_PREFIXES)


class Generation:
    """Which state of the database the server sees: a number that changes with every commit by another connection.

    The connection of its own is used for nothing else (its own writes would not count) and only under a lock
    (requests read it from the event loop and from worker threads).
    """

    def __init__(self, db_path: str):
        self._lock = threading.Lock()
        # PostgreSQL has no counter of commits by others that is this cheap and exact, so there every read is a
        # generation of its own and nothing is kept: correct, only not faster.
        self._db = None if postgres.is_url(db_path) else sqlite3.connect(db_path, check_same_thread=False, timeout=30)
        self._never_again = itertools.count(-1, -1)

    def current(self) -> int:
        with self._lock:
            if self._db is None:
                return next(self._never_again)
            return self._db.execute("PRAGMA data_version").fetchone()[0]

    def close(self) -> None:
        with self._lock:
            if self._db is not None:
                self._db.close()


class PageCache:
    """ASGI middleware keeping the reader's GET responses per database generation (module docstring).

    `bypass()` true: the request goes through uncached (a stopping server answers 503 from the views).
    """

    def __init__(self, app: ASGIApp, generation: Generation, bypass: Callable[[], bool] = lambda: False):
        self.app, self.generation, self.bypass = app, generation, bypass
        self._gen: int | None = None
        self._entries: OrderedDict[tuple, tuple[Message, bytes]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()  # the event loop is one thread, but a test client may run several
        self.hits = self.misses = 0

    def _lookup(self, gen: int, key: tuple) -> tuple[Message, bytes] | None:
        with self._lock:
            if gen != self._gen:
                self._entries.clear()
                self._bytes, self._gen = 0, gen
                return None
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
            return found

    def _keep(self, gen: int, key: tuple, start: Message, body: bytes) -> None:
        with self._lock:
            if gen != self._gen or key in self._entries:  # built under a generation gone by: not kept
                return
            self._entries[key] = (start, body)
            self._bytes += len(body)
            while self._entries and (len(self._entries) > MAX_ENTRIES or self._bytes > MAX_BYTES):
                _, (_, dropped) = self._entries.popitem(last=False)
                self._bytes -= len(dropped)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (scope["type"] != "http" or scope["method"] != "GET" or not cached_path(scope["path"])
                or current_viewer().logged_in or self.bypass()):
            await self.app(scope, receive, send)
            return
        gen = self.generation.current()  # read before the page is built: the page is of this state or newer
        key = (scope["path"], scope.get("query_string", b""))
        if scope["path"].startswith(NEGOTIATED_PREFIXES):
            key += (next((v for k, v in scope.get("headers", []) if k == b"accept-language"), b""),)
        found = self._lookup(gen, key)
        if found is not None:
            self.hits += 1
            start, body = found
            await send(start)
            await send({"type": "http.response.body", "body": body, "more_body": False})
            return
        self.misses += 1
        start: Message | None = None
        chunks: list[bytes] = []
        size, keep = 0, True

        async def capture(message: Message) -> None:
            nonlocal start, size, keep
            if message["type"] == "http.response.start":
                start = {**message, "headers": list(message.get("headers", []))}
                keep = message["status"] == 200 and not any(k.lower() == b"set-cookie"
                                                            for k, _ in message.get("headers", []))
            elif message["type"] == "http.response.body" and keep:
                size += len(message.get("body", b""))
                keep = size <= MAX_BODY
                if keep:
                    chunks.append(message.get("body", b""))
                if keep and not message.get("more_body", False):
                    self._keep(gen, key, start, b"".join(chunks))
            await send(message)

        await self.app(scope, receive, capture)
