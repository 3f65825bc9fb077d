"""What every view is given: a store for the request, the page renderer and the server's settings.

`create_app` puts one `Desk` on `app.state.desk`; views reach it through the request, so that the routers are
plain module-level `APIRouter`s, included the same way and shareable by any app made with `create_app`.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Iterator

from fastapi import HTTPException, Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment

from ..settings import ServerSettings
from ..store import Store
from .auth import Auth
from .cache import Generation

POOL_SIZE = 16  # idle connections kept for the next requests (uvicorn's thread pool runs up to 40 at once)


@dataclass
class Desk:
    """The state of one app: its database, settings, page environment, the stores its requests hold open and
    the idle ones kept for the next requests, and the database's generation (cache.py).

    The schema is migrated by whoever makes the Desk (create_app, once at the server's start); the requests'
    connections take it as it is.
    """

    db_path: str
    settings: ServerSettings
    env: Environment
    auth: Auth
    generation: Generation
    open_stores: set[Store] = field(default_factory=set)
    idle_stores: list[Store] = field(default_factory=list)
    open_lock: threading.Lock = field(default_factory=threading.Lock)
    stopping: threading.Event = field(default_factory=threading.Event)
    _sample: tuple[int | None, bool] = field(default=(None, False), init=False)  # (generation, answer)

    def has_sample(self) -> bool:
        # The CC BY attribution of the bundled sample belongs on pages only while sample articles are stored;
        # rechecked when the database changed rather than on every page (a kept page must not outlive it).
        gen = self.generation.current()
        if self._sample[0] != gen:
            with Store(self.db_path, migrate=False) as store:
                self._sample = (gen, store.has_sample_articles())
        return self._sample[1]

    def stop_requests(self) -> None:
        """New requests answer 503 and the database work of those in flight stops (SQLite's interrupt)."""
        self.stopping.set()
        with self.open_lock:
            for store in self.open_stores:
                store.db.interrupt()  # thread-safe by SQLite's design: the statement ends with "interrupted"

    def open_store(self) -> Iterator[Store]:
        # One connection per request at a time, taken from the idle ones when there is one: a connection outside
        # a transaction sees every commit made before its next statement, so reuse shows nothing old, and opening
        # one costs more than most pages' queries.
        if self.stopping.is_set():
            raise HTTPException(503, "the server is stopping")
        with self.open_lock:
            store = self.idle_stores.pop() if self.idle_stores else None
        if store is None:
            store = Store(self.db_path, migrate=False)
        with self.open_lock:
            self.open_stores.add(store)
        reuse = False
        try:
            yield store
            reuse = True
        finally:
            if store.db.in_transaction:  # a view that failed inside a transaction: nothing of it stays
                store.db.rollback()
            with self.open_lock:
                self.open_stores.discard(store)
                reuse = reuse and not self.stopping.is_set() and len(self.idle_stores) < POOL_SIZE
                if reuse:
                    self.idle_stores.append(store)
            if not reuse:
                store.close()

    def render(self, template: str, context: dict, status_code: int = 200) -> HTMLResponse:
        return HTMLResponse(self.env.get_template(template).render(context), status_code=status_code)


def desk(request: Request) -> Desk:
    return request.app.state.desk


def get_store(request: Request) -> Iterator[Store]:
    """The dependency of every view that reads or writes the database."""
    yield from desk(request).open_store()


def render(request: Request, template: str, context: dict, status_code: int = 200) -> HTMLResponse:
    return desk(request).render(template, context, status_code)


def not_found_page(request: Request, what: str = "page") -> HTMLResponse:
    """The 404 page, naming the kind of thing that is not there ("story", "article")."""
    return render(request, "404.html", {"what": what}, status_code=404)
