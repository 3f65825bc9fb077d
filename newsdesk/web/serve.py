"""Run the web UI and API with uvicorn, the feed poller beside it, until SIGINT or SIGTERM."""
from __future__ import annotations

from typing import TYPE_CHECKING

import uvicorn

from ..settings import ServerSettings
from ..store import Store
from .app import create_app
from .auth import first_token

if TYPE_CHECKING:
    from ..sources.fetch import FetchSettings


class _Server(uvicorn.Server):
    """uvicorn's server, which on a stop signal also interrupts the database work of the requests in flight.

    uvicorn waits for running requests before it exits, and a request's thread cannot be cancelled: a long SQLite
    statement held SIGTERM for as long as it ran (minutes for a costly search). SQLite's interrupt ends such a
    statement at once; the graceful-shutdown timeout bounds whatever else a request does.
    """

    def __init__(self, config: uvicorn.Config, stop_requests):
        super().__init__(config)
        self.stop_requests = stop_requests

    def handle_exit(self, sig, frame) -> None:
        super().handle_exit(sig, frame)
        self.stop_requests()


def serve(db_path: str, settings: ServerSettings | None = None, watch_feeds: bool = True,
          fetch: "FetchSettings | None" = None, tick: float = 30.0) -> None:
    """Serves until SIGINT or SIGTERM; `fetch`: how the background poller fetches (FetchSettings())."""
    settings = settings or ServerSettings()
    with Store(db_path) as store:
        n = store.story_count()
        token = None if settings.read_only or settings.token else first_token(store)
    shown = f"[{settings.host}]" if ":" in settings.host else settings.host  # IPv6 literals need brackets in a URL
    print(f"newsdesk is serving {n} {'story' if n == 1 else 'stories'} on http://{shown}:{settings.port}/", flush=True)
    if settings.public_url or settings.host in ("", "0.0.0.0", "::"):
        print(f"public URL {settings.base_url}/ (Atom ids and links); host names answered: "
              f"{', '.join(sorted(settings.host_names))} (add more with --allowed-host)", flush=True)
    if settings.read_only:
        print("read-only: nothing can be changed through the server", flush=True)
    elif token:
        print("newsdesk made an access token for changes (shown only this once; the database keeps a hash):\n"
              f"    {token}\n"
              f"  log in with it on {settings.base_url}/login to correct stories and add feeds, or send\n"
              f"  \"Authorization: Bearer {token}\" to the API. `newsdesk token --reset` makes a new one;\n"
              "  NEWSDESK_TOKEN in the environment sets your own, --read-only turns changes off.", flush=True)
    # Started even with no feeds yet: a feed added later on /feeds or over the API is polled without a restart.
    if watch_feeds:
        from ..settings import current
        from ..watch import watch_in_background

        watch_in_background(db_path, fetch or current().fetch, tick=tick)  # a daemon thread: it never holds the exit
        print("polling the feeds in the background (--no-watch to turn off)", flush=True)
    app = create_app(db_path, settings)
    config = uvicorn.Config(app, host=settings.host, port=settings.port, log_level="warning",
                            timeout_graceful_shutdown=settings.shutdown_seconds)
    _Server(config, app.state.stop_requests).run()
