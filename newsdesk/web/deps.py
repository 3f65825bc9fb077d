"""What every view is given: a store for the request, the page renderer and the server's settings.

`create_app` puts one `Desk` on `app.state.desk`; views reach it through the request, so that the routers are
plain module-level `APIRouter`s, included the same way and shareable by any app made with `create_app`.
"""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Iterator

from fastapi import HTTPException, Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment

from ..settings import ServerSettings
from ..store import Store
from .auth import Auth


@dataclass
class Desk:
    """The state of one app: its database, settings, page environment and the stores its requests hold open."""

    db_path: str
    settings: ServerSettings
    env: Environment
    auth: Auth
    open_stores: set[Store] = field(default_factory=set)
    open_lock: threading.Lock = field(default_factory=threading.Lock)
    stopping: threading.Event = field(default_factory=threading.Event)
    _sample: tuple[float, bool] = field(default=(float("-inf"), False), init=False)  # (checked at, answer)

    def has_sample(self) -> bool:
        # The CC BY attribution of the bundled sample belongs on pages only while sample articles are stored;
        # rechecked once a minute rather than on every page.
        now = time.monotonic()
        if now - self._sample[0] > 60:
            with Store(self.db_path) as store:
                self._sample = (now, store.has_sample_articles())
        return self._sample[1]

    def stop_requests(self) -> None:
        """New requests answer 503 and the database work of those in flight stops (SQLite's interrupt)."""
        self.stopping.set()
        with self.open_lock:
            for store in self.open_stores:
                store.db.interrupt()  # thread-safe by SQLite's design: the statement ends with "interrupted"

    def open_store(self) -> Iterator[Store]:
        # One connection per request: the pipeline may write between requests, and connections are cheap.
        if self.stopping.is_set():
            raise HTTPException(503, "the server is stopping")
        store = Store(self.db_path)
        with self.open_lock:
            self.open_stores.add(store)
        try:
            yield store
        finally:
            with self.open_lock:
                self.open_stores.discard(store)
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
