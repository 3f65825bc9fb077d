"""The `newsdesk` command: thin verbs over the pipeline, the store and the stages.

Exit status: 0 when every input was used, 1 when some inputs failed (each named on stderr), 2 on usage errors.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Iterator, TextIO

from . import __version__
from .models import Article, Brief

DEFAULT_DB = os.environ.get("NEWSDESK_DB", "data/newsdesk.db")


def _err(message: str) -> None:
    print(f"newsdesk: {message}", file=sys.stderr, flush=True)


def _open_store(args):
    from .store import Store

    return Store(args.db)


def _progress(args) -> bool:
    return not args.quiet and sys.stderr.isatty()


# -- store verbs ---------------------------------------------------------------------------------------------
def cmd_ingest(args) -> int:
    from .pipeline import ingest_paths, ingest_sample

    if not args.paths and not args.sample:
        _err("ingest: give files or folders to read, or --sample for the bundled Wikinews corpus")
        return 2
    with _open_store(args) as store:
        on_failure = lambda f: _err(f"skipped {f}")  # noqa: E731
        started = time.perf_counter()
        report = ingest_sample(store, progress=_progress(args), on_failure=on_failure) if args.sample else None
        if args.paths:
            from .feeds_cli import fetch_settings
            from .sources.fetch import Fetcher, is_url

            with Fetcher(fetch_settings(args)) as fetcher:  # URLs stay str: Path() would fold their "//"
                more = ingest_paths(store, [p if is_url(p) else Path(p) for p in args.paths], fetcher=fetcher,
                                    progress=_progress(args), on_failure=on_failure)
            if report is None:
                report = more
            else:
                report.added += more.added
                report.already_stored += more.already_stored
                report.failures += more.failures
        print(f"ingested {report.added} new articles ({report.already_stored} already stored, "
              f"{len(report.failures)} failed) into {args.db} in {time.perf_counter() - started:.1f}s")
    return 1 if report.failures else 0


def cmd_build(args) -> int:
    from .pipeline import build

    with _open_store(args) as store:
        started = time.perf_counter()
        report = build(store, progress=_progress(args))
        print(f"built {report.new_stories} new and {report.updated_stories} updated stories from "
              f"{report.new_articles} new articles ({report.duplicates} duplicates grouped, "
              f"{report.revised_articles} articles moved by re-clustering the window); "
              f"{report.total_stories} stories in all, in {time.perf_counter() - started:.1f}s")
    return 0


def cmd_check(args) -> int:
    """Says whether the store is whole and every story has what it is owed; exit status 1 when not."""
    with _open_store(args) as store:
        problems = store.check()
        if not problems:
            print(f"{args.db}: ok ({store.article_count()} articles, {store.story_count()} stories, integrity ok)")
    for p in problems:
        _err(f"{args.db}: {p}")
    return 1 if problems else 0


def cmd_serve(args) -> int:
    from .settings import ServerSettings
    from .web.serve import serve

    settings = ServerSettings.from_env(host=args.host, port=args.port, public_url=args.public_url,
                                       allowed_hosts=args.allowed_host, read_only=args.read_only)
    from .feeds_cli import fetch_settings

    serve(args.db, settings, watch_feeds=not getattr(args, "no_watch", False), fetch=fetch_settings(args),
          tick=getattr(args, "tick", 30.0))
    return 0


def cmd_token(args) -> int:
    """Makes a new access token for the web server's writes (--reset), or says whether one exists."""
    from .web.auth import reset_token

    with _open_store(args) as store:
        if args.reset:
            token = reset_token(store)
            print("new access token for the web server (shown only this once; the database keeps a hash):\n"
                  f"    {token}\n"
                  "  the old token and every login made with it no longer work. Log in with it on the server's\n"
                  f"  /login page, or send \"Authorization: Bearer {token}\" to the API.")
            return 0
        made = store.credentials_made()
    if made:
        print(f"{len(made)} token{'s' if len(made) != 1 else ''} stored (hashed), made {', '.join(made)}; "
              "`newsdesk token --reset` replaces it with a new one")
    else:
        print("no token stored: `newsdesk serve` makes one on its first start, `newsdesk token --reset` makes one "
              "now, or set NEWSDESK_TOKEN in the server's environment")
    return 0


def cmd_export(args) -> int:
    from .web.export import export_site

    started = time.perf_counter()
    n = export_site(args.db, args.out)
    print(f"wrote {n} files to {args.out} in {time.perf_counter() - started:.1f}s; open {Path(args.out) / 'index.html'}")
    return 0


def cmd_demo(args) -> int:
    """Ingest the bundled sample, build the stories and serve them: the README's first command."""
    args.sample, args.paths = True, []
    timings = {}
    for name, verb in (("ingest", cmd_ingest), ("build", cmd_build)):
        started = time.perf_counter()
        status = verb(args)
        timings[name] = time.perf_counter() - started
        if status not in (0, 1):
            return status
    print("timings: " + ", ".join(f"{k} {v:.1f}s" for k, v in timings.items()), flush=True)
    if args.no_serve:
        return 0
    return cmd_serve(args)


# -- batch verbs over JSON lines -----------------------------------------------------------------------------
def _json_lines(stream: TextIO, name: str) -> Iterator[tuple[int, dict | None]]:
    """Yields (line number, object); a malformed line is reported by number and yields None."""
    for number, line in enumerate(stream, start=1):
        if not line.strip():
            continue
        try:
            yield number, json.loads(line)
        except json.JSONDecodeError as e:
            _err(f"{name}:{number}: malformed JSON ({e.msg} at column {e.colno}); line skipped")
            yield number, None


def _date(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def brief_to_record(cluster_id, brief: Brief, words: int) -> dict:
    summary_words: list[str] = []
    for s in brief.sentences:
        summary_words += s.text.split()
    return {
        "id": cluster_id,
        "headline": brief.headline,
        "summary": " ".join(summary_words[:words]),
        "sentences": [{"text": s.text, "doc_id": s.article_id, "also_in": s.also_in} for s in brief.sentences],
        "latest": [{"text": s.text, "doc_id": s.article_id} for s in brief.latest],
    }


def cmd_summarize(args) -> int:
    from .sources.records import RecordError, article_from_record
    from .stages.summarize import summarize

    failed = False
    for number, cluster in _json_lines(sys.stdin, "stdin"):
        if cluster is None:
            failed = True
            continue
        try:
            docs = cluster.get("docs") if isinstance(cluster, dict) else None
            if not isinstance(docs, list) or not docs:
                raise RecordError('"docs" must be a non-empty list of articles')
            articles: list[Article] = []
            for i, doc in enumerate(docs):
                article = article_from_record(doc)
                article.external_id = article.external_id or str(i)
                articles.append(article)
            # A brief longer than the word limit lets the cut fall inside a sentence, as ROUGE's -l does.
            brief = summarize(articles, words=args.words)
        except (RecordError, ValueError) as e:
            _err(f"stdin:{number}: {e}; cluster skipped")
            failed = True
            continue
        print(json.dumps(brief_to_record(cluster.get("cluster_id", cluster.get("id", number)), brief, args.words),
                         ensure_ascii=False), flush=True)
    return 1 if failed else 0


def cmd_cluster(args) -> int:
    from .pipeline import StoryAssigner
    from .sources.records import RecordError, article_from_record

    assigner = StoryAssigner()
    next_story = iter(range(1, 1 << 62))
    given_id: dict = {}
    failed = False
    for number, record in _json_lines(sys.stdin, "stdin"):
        if record is None:
            failed = True
            continue
        try:
            article = article_from_record(record)
            if article.external_id is None:
                raise RecordError('missing "id"')
        except RecordError as e:
            _err(f"stdin:{number}: {e}; article skipped")
            failed = True
            continue
        story, _ = assigner.assign(article, lambda: next(next_story))
        given_id[article.key] = record["id"]
        print(json.dumps({"id": record["id"], "story_id": story}), flush=True)
    # the window's stories redone all at once (stages/recluster.py): the articles that moved, once more
    revised, _ = assigner.recluster(lambda: next(next_story))
    for key, story in revised.items():
        print(json.dumps({"id": given_id[key], "story_id": story, "revised": True}))
    return 1 if failed else 0


def cmd_extract(args) -> int:
    from .decompress import read_file
    from .models import RawInput
    from .stages.extract import extract_html

    failed = False
    for path in args.files:
        try:
            data = read_file(path)  # refused past LIMITS.input_bytes: by its size, or as a .gz file inflates
            a = extract_html(RawInput(body=data, kind="html", origin=path))
        except Exception as e:  # noqa: BLE001 - one bad page must not stop the others
            _err(f"{path}: {e or type(e).__name__}; file skipped")
            failed = True
            continue
        print(json.dumps({"path": path, "title": a.title, "text": a.text, "date": _date(a.published),
                          "authors": a.authors, "outlet": a.outlet, "url": a.url, "language": a.language},
                         ensure_ascii=False), flush=True)
    return 1 if failed else 0


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="newsdesk", description="An automatic news desk: ingest, build, serve.")
    parser.add_argument("--version", action="version", version=f"newsdesk {__version__}")
    parser.add_argument("--db", default=DEFAULT_DB, help=f"SQLite database (default {DEFAULT_DB}, or $NEWSDESK_DB)")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress bars")
    sub = parser.add_subparsers(dest="verb", required=True, metavar="VERB")

    p = sub.add_parser("ingest", help="store articles from JSON lines, HTML files and folders")
    p.add_argument("paths", nargs="*", help=".jsonl, .html(.gz), .warc(.gz) files, folders of them, http(s) URLs")
    p.add_argument("--sample", action="store_true", help="the bundled Wikinews sample corpus (100 articles)")
    p.add_argument("--allow-private", action="store_true", help="allow URLs on private and loopback addresses")
    p.set_defaults(func=cmd_ingest)

    p = sub.add_parser("build", help="group new articles into stories and write their briefs")
    p.set_defaults(func=cmd_build)

    p = sub.add_parser("check", help="is the database whole, and does every story have its brief and facts?")
    p.set_defaults(func=cmd_check)

    for name, func, helptext in (("serve", cmd_serve, "serve the web UI and the JSON API"),
                                 ("demo", cmd_demo, "ingest the sample corpus, build, and serve")):
        p = sub.add_parser(name, help=helptext)
        p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
        p.add_argument("--port", type=int, default=8000)
        p.add_argument("--public-url", default=None, metavar="URL",
                       help="the address readers use, for Atom ids and absolute links (or $NEWSDESK_PUBLIC_URL; "
                       "default http://HOST:PORT)")
        p.add_argument("--allowed-host", action="append", default=[], metavar="NAME",
                       help="another host name to answer for, repeatable (or $NEWSDESK_ALLOWED_HOSTS; the bind "
                       "address's names and the public URL's host always are)")
        p.add_argument("--read-only", action="store_true",
                       help="refuse every change through the server (no login, no token made)")
        if name == "demo":
            p.add_argument("--no-serve", action="store_true", help="stop after building")
        else:
            p.add_argument("--no-watch", action="store_true", help="do not poll the feeds in the background")
            p.add_argument("--allow-private", action="store_true", help="let feed polling reach private addresses")
            p.add_argument("--tick", type=float, default=30.0,
                           help="seconds between looks for feeds that are due (default 30)")
            p.add_argument("--host-delay", type=float, default=None,
                           help="seconds between requests to one host while polling (default 1)")
        p.set_defaults(func=func)

    p = sub.add_parser("token", help="the access token for changes through the web server: --reset makes a new one")
    p.add_argument("--reset", action="store_true", help="make a new token, replacing the old one and its logins")
    p.set_defaults(func=cmd_token)

    p = sub.add_parser("export", help="write the stories as a static web site")
    p.add_argument("out", help="output folder")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("summarize", help="batch: clusters as JSON lines on stdin, briefs as JSON lines on stdout")
    p.add_argument("--words", type=int, default=100, help="cut each summary to this many words (default 100)")
    p.set_defaults(func=cmd_summarize)

    p = sub.add_parser("cluster", help="batch: articles as JSON lines on stdin in arrival order, story ids out (at the end "
                       "of the input, re-clustering the window revises some: the last line for an id holds)")
    p.set_defaults(func=cmd_cluster)

    p = sub.add_parser("facts", help="batch: clusters as JSON lines on stdin, figures/disagreements/quotes/entities/"
                       "timeline as JSON lines on stdout")
    p.set_defaults(func=lambda args: __import__("newsdesk.stages.facts.batch", fromlist=["run"]).run())

    p = sub.add_parser("places", help="batch: articles as JSON lines on stdin, their place names with character "
                       "offsets, country and coordinates as JSON lines on stdout")
    p.set_defaults(func=lambda args: __import__("newsdesk.stages.facts.places", fromlist=["run"]).run())

    p = sub.add_parser("extract", help="batch: HTML pages (.html, .html.gz) to one JSON line each")
    p.add_argument("files", nargs="+")
    p.set_defaults(func=cmd_extract)

    from .feeds_cli import add_parsers as add_feed_parsers  # feeds add|list|import|export, watch

    add_feed_parsers(sub)

    # `newsdesk eval NAME`: every module newsdesk/eval/NAME.py provides add_arguments(parser) and run(args) -> int.
    import importlib
    import pkgutil

    from . import eval as eval_pkg

    p = sub.add_parser("eval", help="benchmarks against the development data, with baselines in the same run")
    eval_sub = p.add_subparsers(dest="eval_verb", required=True, metavar="NAME")
    for info in sorted(pkgutil.iter_modules(eval_pkg.__path__), key=lambda i: i.name):
        module = importlib.import_module(f"{eval_pkg.__name__}.{info.name}")
        if hasattr(module, "add_arguments") and hasattr(module, "run"):
            q = eval_sub.add_parser(info.name, help=(module.__doc__ or "").strip().splitlines()[0])
            module.add_arguments(q)
            q.set_defaults(func=module.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    import sqlite3

    from .store import StoreError

    args = make_parser().parse_args(argv)
    try:
        return args.func(args)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
    except StoreError as e:
        _err(str(e))
        return 1
    except sqlite3.DatabaseError as e:  # damage found after opening: name the file rather than print a traceback
        _err(f"{args.db}: database error: {e}; `sqlite3 {args.db} 'PRAGMA integrity_check'` says what is damaged")
        return 1


if __name__ == "__main__":
    sys.exit(main())
