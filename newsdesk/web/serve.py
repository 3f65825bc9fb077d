"""Run the web UI and API with uvicorn."""
from __future__ import annotations

import uvicorn

from ..store import Store
from .app import create_app


def serve(db_path: str, host: str = "127.0.0.1", port: int = 8000, watch_feeds: bool = True,
          allow_private: bool = False, tick: float = 30.0) -> None:
    with Store(db_path) as store:
        n = store.story_count()
    shown = f"[{host}]" if ":" in host else host  # IPv6 literals need brackets in a URL
    print(f"newsdesk is serving {n} {'story' if n == 1 else 'stories'} on http://{shown}:{port}/", flush=True)
    # Started even with no feeds yet: a feed added later on /feeds or over the API is polled without a restart.
    if watch_feeds:
        from ..sources.fetch import FetchSettings
        from ..watch import watch_in_background

        settings = FetchSettings()
        settings.allow_private = settings.allow_private or allow_private
        watch_in_background(db_path, settings, tick=tick)
        print("polling the feeds in the background (--no-watch to turn off)", flush=True)
    uvicorn.run(create_app(db_path), host=host, port=port, log_level="warning")
