"""Run the web UI and API with uvicorn."""
from __future__ import annotations

import uvicorn

from ..store import Store
from .app import create_app


def serve(db_path: str, host: str = "127.0.0.1", port: int = 8000) -> None:
    with Store(db_path) as store:
        n = store.story_count()
    shown = f"[{host}]" if ":" in host else host  # IPv6 literals need brackets in a URL
    print(f"newsdesk is serving {n} {'story' if n == 1 else 'stories'} on http://{shown}:{port}/", flush=True)
    uvicorn.run(create_app(db_path), host=host, port=port, log_level="warning")
