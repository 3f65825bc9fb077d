"""CLI verbs for feeds: `feeds add|list|import|export` and `watch`; registered by cli.make_parser."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def _err(message: str) -> None:
    print(f"newsdesk: {message}", file=sys.stderr, flush=True)


def fetch_settings(args):
    from dataclasses import replace

    from .settings import current

    s = current().fetch
    if getattr(args, "allow_private", False):
        s = replace(s, allow_private=True)
    if getattr(args, "host_delay", None) is not None:
        s = replace(s, host_delay=args.host_delay)
    return s


def cmd_feeds_add(args) -> int:
    from .sources.fetch import is_url
    from .store import Store

    bad = [u for u in args.urls if not is_url(u)]
    for u in bad:
        _err(f"feeds add: {u}: not an http(s) URL")
    with Store(args.db) as store:
        for url in args.urls:
            if url in bad:
                continue
            fid, new = store.add_feed(url, poll_seconds=args.every)
            print(f"{'added' if new else 'already subscribed:'} feed {fid} {url}")
    return 2 if bad else 0


def cmd_feeds_list(args) -> int:
    from .store import Store

    with Store(args.db) as store:
        feeds = store.feeds()
    if args.json:
        for f in feeds:
            print(json.dumps({k: f[k] for k in ("id", "url", "title", "last_success_at", "last_error",
                                                 "last_error_at", "last_warning", "items_seen", "articles",
                                                 "next_poll_at")}))
        return 0
    for f in feeds:
        status = f"ok {f['last_success_at']}" if f["last_success_at"] else "never polled"
        if f["last_error"] and (not f["last_success_at"] or (f["last_error_at"] or "") > f["last_success_at"]):
            status = f"error {f['last_error_at']}: {f['last_error']}"
        elif f["last_warning"]:
            status += f" (read in part: {f['last_warning']})"
        print(f"{f['id']:4d}  {f['url']}  {f['title'] or ''}\n      {f['items_seen']} items seen, "
              f"{f['articles']} articles; {status}")
    if not feeds:
        print("no feeds; add one with `newsdesk feeds add URL`")
    return 0


def cmd_feeds_import(args) -> int:
    from .sources.opml import OPMLError, parse_opml
    from .store import Store

    try:
        opml = parse_opml(Path(args.file).read_bytes())
    except (OSError, OPMLError) as e:
        _err(f"{args.file}: {e}")
        return 1
    for skipped in opml.skipped:
        _err(f"{args.file}: skipped {skipped.url}: {skipped.reason}")
    added = 0
    with Store(args.db) as store:
        for s in opml.subscriptions:
            added += store.add_feed(s.url, s.title, s.site_url)[1]
    print(f"imported {added} new feeds ({len(opml.subscriptions) - added} already subscribed"
          + (f", {len(opml.skipped)} skipped" if opml.skipped else "") + f") from {args.file}")
    return 1 if opml.skipped else 0


def cmd_feeds_export(args) -> int:
    from .sources.opml import Subscription, to_opml
    from .store import Store

    with Store(args.db) as store:
        subs = [Subscription(f["url"], f["title"], f["site_url"]) for f in store.feeds()]
    sys.stdout.write(to_opml(subs))
    return 0


def cmd_watch(args) -> int:
    from .watch import watch

    report = watch(args.db, fetch_settings(args), once=args.once, tick=args.tick,
                   log=lambda m: print(m, file=sys.stderr if m.startswith("skipped") else sys.stdout, flush=True))
    if args.once:
        print(f"polled {report.feeds} feeds: {report.new_items} new items, {report.articles} new articles, "
              f"{report.new_stories} new stories, {len(report.failures)} failures")
    return 1 if report.failures else 0


def _seconds(value: str) -> int:
    try:
        n = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number of seconds: {value!r}") from None
    if n < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1 second: {value!r}")
    return n


def add_fetch_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--allow-private", action="store_true",
                   help="allow URLs on private and loopback addresses (intranets, tests); also $NEWSDESK_ALLOW_PRIVATE=1")


def add_parsers(sub) -> None:
    p = sub.add_parser("feeds", help="feed subscriptions: add, list, import, export")
    fsub = p.add_subparsers(dest="feeds_verb", required=True, metavar="ACTION")
    q = fsub.add_parser("add", help="subscribe to one or more feed URLs")
    q.add_argument("urls", nargs="+")
    q.add_argument("--every", type=_seconds, default=None, metavar="SECONDS",
                   help="poll this often (default 900; at least 1)")
    q.set_defaults(func=cmd_feeds_add)
    q = fsub.add_parser("list", help="feeds with their status (last success, last error, items seen)")
    q.add_argument("--json", action="store_true", help="one JSON object per feed")
    q.set_defaults(func=cmd_feeds_list)
    q = fsub.add_parser("import", help="subscribe to every feed in an OPML file")
    q.add_argument("file")
    q.set_defaults(func=cmd_feeds_import)
    q = fsub.add_parser("export", help="write the subscriptions as OPML on stdout")
    q.set_defaults(func=cmd_feeds_export)

    p = sub.add_parser("watch", help="poll the feeds, fetch new articles, build stories; until interrupted")
    p.add_argument("--once", action="store_true", help="one pass over the due feeds, then exit")
    p.add_argument("--tick", type=float, default=30.0, help="seconds between looks for due feeds (default 30)")
    p.add_argument("--host-delay", type=float, default=None, help="seconds between requests to one host (default 1)")
    add_fetch_options(p)
    p.set_defaults(func=cmd_watch)
