"""Verbs that show the stories: `serve` (web UI, JSON API, Atom; polls the feeds), `demo`, `export`."""
from __future__ import annotations

import time
from pathlib import Path

import click

from .base import State, fetch_settings, verb
from .build import run_build, run_ingest


def server_options(f):
    """The options `serve` and `demo` share: where the server listens, what it answers for, whether it writes."""
    for option in reversed((
        click.option("--host", default=None, help="address to listen on (default 127.0.0.1, or [server] host)"),
        click.option("--port", type=int, default=None, help="port to listen on (default 8000, or [server] port)"),
        click.option("--public-url", default=None, metavar="URL",
                     help="the address readers use, for Atom ids and absolute links (or $NEWSDESK_PUBLIC_URL; "
                     "default http://HOST:PORT)"),
        click.option("--allowed-host", multiple=True, metavar="NAME",
                     help="another host name to answer for, repeatable (or $NEWSDESK_ALLOWED_HOSTS; the bind "
                     "address's names and the public URL's host always are)"),
        click.option("--read-only", is_flag=True,
                     help="refuse every change through the server (no login, no token made)"),
    )):
        f = option(f)
    return f


def run_serve(state: State, host: str | None, port: int | None, public_url: str | None, allowed_host: tuple[str, ...],
              read_only: bool, no_watch: bool = False, allow_private: bool = False, tick: float = 30.0,
              host_delay: float | None = None) -> int:
    from ..settings import ServerSettings
    from ..web.serve import serve as serve_db

    settings = ServerSettings.from_env(host=host, port=port, public_url=public_url, allowed_hosts=list(allowed_host),
                                       read_only=read_only)
    serve_db(state.db, settings, watch_feeds=not no_watch, fetch=fetch_settings(allow_private, host_delay), tick=tick)
    return 0


@verb("serve", "serve the web UI and the JSON API")
@server_options
@click.option("--no-watch", is_flag=True, help="do not poll the feeds in the background")
@click.option("--allow-private", is_flag=True, help="let feed polling reach private addresses")
@click.option("--tick", type=float, default=30.0, help="seconds between looks for feeds that are due (default 30)")
@click.option("--host-delay", type=float, default=None,
              help="seconds between requests to one host while polling (default 1)")
@click.pass_obj
def serve(state: State, **options) -> int:
    return run_serve(state, **options)


@verb("demo", "ingest the sample corpus, build, and serve")
@server_options
@click.option("--no-serve", is_flag=True, help="stop after building")
@click.pass_obj
def demo(state: State, no_serve: bool, **server) -> int:
    """Ingest the bundled sample, build the stories and serve them: the README's first command."""
    timings = {}
    for name, run in (("ingest", lambda: run_ingest(state, [], sample=True)), ("build", lambda: run_build(state))):
        started = time.perf_counter()
        status = run()
        timings[name] = time.perf_counter() - started
        if status not in (0, 1):
            return status
    print("timings: " + ", ".join(f"{k} {v:.1f}s" for k, v in timings.items()), flush=True)
    if no_serve:
        return 0
    return run_serve(state, **server)


@verb("export", "write the stories as a static web site", "OUT: the output folder")
@click.argument("out")
@click.pass_obj
def export(state: State, out: str) -> int:
    from ..web.export import export_site

    started = time.perf_counter()
    n = export_site(state.db, out)
    print(f"wrote {n} files to {out} in {time.perf_counter() - started:.1f}s; open {Path(out) / 'index.html'}")
    return 0


COMMANDS = [serve, demo, export]
