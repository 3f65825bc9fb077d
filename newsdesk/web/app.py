"""The web server's application: settings, static files, templates, error handlers, the views and the write guard.

Everything here is assembly; the views are in `views/` (one module per kind of record, pages and API together), the
template environment in `templating.py`, the API's models in `api_models.py`, the error handlers in `handlers.py`.
"""
from __future__ import annotations

from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from fastapi_offline import FastAPIOffline  # serves the Swagger UI assets itself: /docs must work offline

from .. import __version__
from ..settings import ServerSettings
from ..store import Store
from .auth import Auth, WriteGuard
from .cache import Generation, PageCache
from .deps import Desk
from .handlers import install_error_handlers
from .templating import STATIC_DIR, make_env
from .views import ROUTERS

DESCRIPTION = (
    "Stories grouped from many outlets, each with an extractive brief whose every sentence is a verbatim span of a "
    "named article. Reading is open; every POST needs `Authorization: Bearer TOKEN` (`newsdesk token --reset` makes "
    "one) and answers 401 without it, 403 when the server is read-only."
)


def create_app(db_path: str, settings: ServerSettings | None = None) -> FastAPI:
    """The web UI and API over the store at `db_path`. Without settings: public URL http://127.0.0.1:8000, the
    loopback names as hosts, and writes only with a credential stored in the database (read-only without one).

    `app.state.stop_requests()` makes the running database work of every request stop at once (SQLite's
    interrupt) and new requests answer 503: `serve` calls it on SIGTERM so that no request holds the shutdown.

    The database's migrations are applied here, once; requests take the schema as it is. The reader's pages are
    kept per state of the database (cache.py).
    """
    settings = settings or ServerSettings()
    with Store(db_path):  # creates the database, or brings a store made by an older release up to date
        pass
    app = FastAPIOffline(title="newsdesk", version=__version__, description=DESCRIPTION)
    auth = Auth(db_path, settings)
    desk = Desk(db_path=db_path, settings=settings, env=make_env(static_site=False), auth=auth,
                generation=Generation(db_path))
    desk.env.globals["has_sample"] = desk.has_sample
    app.state.desk = desk
    app.state.stop_requests = desk.stop_requests

    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    install_error_handlers(app)
    for router in ROUTERS:
        app.include_router(router)

    def refusal_page(message: str, status: int, login_next: str | None) -> HTMLResponse:
        return desk.render("notice.html", {"message": message, "login_next": login_next}, status_code=status)

    # Inside the guard, which sets the viewer the cache asks about and refuses hosts before anything is served.
    app.add_middleware(PageCache, generation=desk.generation, bypass=desk.stopping.is_set)
    app.add_middleware(WriteGuard, auth=auth, render=refusal_page)
    return app
