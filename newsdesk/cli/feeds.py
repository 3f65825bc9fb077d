"""Feed verbs: `feeds add|list|import|export` (the subscriptions) and `watch` (poll them, build stories)."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from ..errors import InputError
from .base import State, err, fetch_settings, group, verb


class Seconds(click.ParamType):
    """A whole number of seconds, at least 1."""

    name = "seconds"

    def convert(self, value, param, ctx) -> int:
        try:
            n = int(value)
        except ValueError:
            self.fail(f"not a whole number of seconds: {value!r}", param, ctx)
        if n < 1:
            self.fail(f"must be at least 1 second: {value!r}", param, ctx)
        return n


@group("feeds", "feed subscriptions: add, list, import, export")
def feeds() -> None:
    pass


@verb("add", "subscribe to one or more feed URLs")
@click.argument("urls", nargs=-1, required=True)
@click.option("--every", type=Seconds(), default=None, metavar="SECONDS",
              help="poll this often (default 900; at least 1)")
@click.pass_obj
def feeds_add(state: State, urls: tuple[str, ...], every: int | None) -> int:
    from ..sources.fetch import is_url

    bad = [u for u in urls if not is_url(u)]
    for u in bad:
        err(f"feeds add: {u}: not an http(s) URL")
    with state.open_store() as store:
        for url in urls:
            if url in bad:
                continue
            fid, new = store.add_feed(url, poll_seconds=every)
            print(f"{'added' if new else 'already subscribed:'} feed {fid} {url}")
    return 2 if bad else 0


@verb("list", "feeds with their status (last success, last error, items seen)")
@click.option("--json", "as_json", is_flag=True, help="one JSON object per feed")
@click.pass_obj
def feeds_list(state: State, as_json: bool) -> int:
    with state.open_store() as store:
        rows = store.feeds()
    if as_json:
        for f in rows:
            print(json.dumps({k: f[k] for k in ("id", "url", "title", "last_success_at", "last_error",
                                                 "last_error_at", "last_warning", "items_seen", "articles",
                                                 "next_poll_at")}))
        return 0
    for f in rows:
        status = f"ok {f['last_success_at']}" if f["last_success_at"] else "never polled"
        if f["last_error"] and (not f["last_success_at"] or (f["last_error_at"] or "") > f["last_success_at"]):
            status = f"error {f['last_error_at']}: {f['last_error']}"
        elif f["last_warning"]:
            status += f" (read in part: {f['last_warning']})"
        print(f"{f['id']:4d}  {f['url']}  {f['title'] or ''}\n      {f['items_seen']} items seen, "
              f"{f['articles']} articles; {status}")
    if not rows:
        print("no feeds; add one with `newsdesk feeds add URL`")
    return 0


@verb("import", "subscribe to every feed in an OPML file")
@click.argument("file")
@click.pass_obj
def feeds_import(state: State, file: str) -> int:
    from ..sources.opml import OPMLError, parse_opml

    try:
        opml = parse_opml(Path(file).read_bytes())
    except (OSError, OPMLError) as e:  # the file named, for the CLI's one error handler to print
        raise InputError(f"{file}: {e}") from e
    for skipped in opml.skipped:
        err(f"{file}: skipped {skipped.url}: {skipped.reason}")
    added = 0
    with state.open_store() as store:
        for s in opml.subscriptions:
            added += store.add_feed(s.url, s.title, s.site_url)[1]
    print(f"imported {added} new feeds ({len(opml.subscriptions) - added} already subscribed"
          + (f", {len(opml.skipped)} skipped" if opml.skipped else "") + f") from {file}")
    return 1 if opml.skipped else 0


@verb("export", "write the subscriptions as OPML on stdout")
@click.pass_obj
def feeds_export(state: State) -> int:
    from ..sources.opml import Subscription, to_opml

    with state.open_store() as store:
        subs = [Subscription(f["url"], f["title"], f["site_url"]) for f in store.feeds()]
    sys.stdout.write(to_opml(subs))
    return 0


for _command in (feeds_add, feeds_list, feeds_import, feeds_export):
    feeds.add_command(_command)


@verb("watch", "poll the feeds, fetch new articles, build stories; until interrupted")
@click.option("--once", is_flag=True, help="one pass over the due feeds, then exit")
@click.option("--tick", type=float, default=30.0, help="seconds between looks for due feeds (default 30)")
@click.option("--host-delay", type=float, default=None, help="seconds between requests to one host (default 1)")
@click.option("--allow-private", is_flag=True,
              help="allow URLs on private and loopback addresses (intranets, tests); also $NEWSDESK_ALLOW_PRIVATE=1")
@click.pass_obj
def watch(state: State, once: bool, tick: float, host_delay: float | None, allow_private: bool) -> int:
    from ..watch import watch as watch_feeds

    report = watch_feeds(state.db, fetch_settings(allow_private, host_delay), once=once, tick=tick,
                         log=lambda m: print(m, file=sys.stderr if m.startswith("skipped") else sys.stdout, flush=True))
    if once:
        print(f"polled {report.feeds} feeds: {report.new_items} new items, {report.articles} new articles, "
              f"{report.new_stories} new stories, {len(report.failures)} failures")
    return 1 if report.failures else 0


COMMANDS = [feeds, watch]
