"""Verbs over the store: `ingest` (read inputs into it), `build` (stories and briefs from them), `check`.

Each prints one summary line on stdout; `ingest` names each input it skipped on stderr and exits 1 when any was.
"""
from __future__ import annotations

import time
from pathlib import Path

import click

from .base import State, err, fetch_settings, verb


def run_ingest(state: State, paths: list[str], sample: bool, allow_private: bool = False) -> int:
    """Stores the bundled sample and/or the given files, folders and URLs; 1 when some input failed."""
    from ..pipeline import ingest_paths, ingest_sample

    with state.open_store() as store:
        on_failure = lambda f: err(f"skipped {f}")  # noqa: E731
        started = time.perf_counter()
        report = ingest_sample(store, progress=state.progress, on_failure=on_failure) if sample else None
        if paths:
            from ..sources.fetch import Fetcher, is_url

            with Fetcher(fetch_settings(allow_private)) as fetcher:  # URLs stay str: Path() would fold their "//"
                more = ingest_paths(store, [p if is_url(p) else Path(p) for p in paths], fetcher=fetcher,
                                    progress=state.progress, on_failure=on_failure)
            if report is None:
                report = more
            else:
                report.added += more.added
                report.already_stored += more.already_stored
                report.failures += more.failures
        print(f"ingested {report.added} new articles ({report.already_stored} already stored, "
              f"{len(report.failures)} failed) into {store.name} in {time.perf_counter() - started:.1f}s")
    return 1 if report.failures else 0


def run_build(state: State, shards: list[str] = (), ray: bool = False, address: str | None = None,
              workers: int | None = None) -> int:
    """The build; with `shards`, those are read into the store first. With `ray` (or an `address`), both run on
    Ray (pipeline/ray_build.py): locally with `workers` CPUs, or on the cluster at `address`. 1 when some input
    failed."""
    from ..pipeline import build

    failed = 0
    with state.open_store() as store:
        started = time.perf_counter()
        on_failure = lambda f: err(f"skipped {f}")  # noqa: E731
        if ray or address:
            from ..pipeline import ray_build

            cpus = ray_build.connect(address, workers, progress=state.progress)
            runner = ray_build.RayRunner(workers)
            err(f"on Ray ({address or 'local'}): {workers or cpus} workers of {cpus} CPUs")
            try:
                if shards:
                    ingested = ray_build.ingest_shards(store, shards, workers, state.progress, on_failure)
                    failed = len(ingested.failures)
                report = build(store, progress=state.progress, runner=runner)
            finally:
                ray_build.shutdown()
        else:
            if shards:
                from ..pipeline import ingest_paths

                failed = len(ingest_paths(store, [Path(s) for s in shards], progress=state.progress,
                                          on_failure=on_failure).failures)
            report = build(store, progress=state.progress)
        print(f"built {report.new_stories} new and {report.updated_stories} updated stories from "
              f"{report.new_articles} new articles ({report.duplicates} duplicates grouped, "
              f"{report.revised_articles} articles moved by re-clustering the window); "
              f"{report.total_stories} stories in all, in {time.perf_counter() - started:.1f}s")
        if report.images_stored or report.images_failed:
            print(f"lead images: {report.images_stored} kept as thumbnails, {report.images_failed} refused or "
                  "unreachable (each reason is stored with its URL)")
    return 1 if failed else 0


@verb("ingest", "store articles from JSON lines, HTML files and folders",
      "PATHS: .jsonl, .html(.gz), .warc(.gz) files, folders of them, http(s) URLs")
@click.argument("paths", nargs=-1)
@click.option("--sample", is_flag=True,
              help="the bundled Wikinews sample corpus (100 articles in English and their 100 French translations)")
@click.option("--allow-private", is_flag=True, help="allow URLs on private and loopback addresses")
@click.pass_obj
def ingest(state: State, paths: tuple[str, ...], sample: bool, allow_private: bool) -> int:
    if not paths and not sample:
        raise click.UsageError("give files or folders to read, or --sample for the bundled Wikinews corpus")
    return run_ingest(state, list(paths), sample, allow_private)


@verb("build", "group new articles into stories and write their briefs",
      "SHARDS: .warc(.gz), .jsonl(.gz) files, folders or quoted globs of them, read into the store first (as "
      "`ingest` reads them). --ray runs the reading, the per-article and the per-story stages on Ray: on this "
      "machine (--workers CPUs), or on the cluster at --ray-address; needs `pip install 'newsdesk[ray]'`.")
@click.argument("shards", nargs=-1)
@click.option("--ray", "use_ray", is_flag=True, help="run on Ray (local mode unless --ray-address)")
@click.option("--ray-address", default=None, metavar="ADDR",
              help="join the running Ray cluster at ADDR (auto: this node's; or HOST:6379); implies --ray")
@click.option("--workers", type=click.IntRange(min=1), default=None,
              help="Ray workers at once (default: every CPU Ray offers)")
@click.pass_obj
def build(state: State, shards: tuple[str, ...], use_ray: bool, ray_address: str | None,
          workers: int | None) -> int:
    if workers is not None and not (use_ray or ray_address):
        raise click.UsageError("--workers is for --ray")
    return run_build(state, list(shards), use_ray, ray_address, workers)


@verb("check", "is the database whole, and does every story have its brief and facts?")
@click.pass_obj
def check(state: State) -> int:
    """Says whether the store is whole and every story has what it is owed; exit status 1 when not."""
    with state.open_store() as store:
        problems, name = store.check(), store.name
        if not problems:
            checked = "integrity ok" if store.dialect == "sqlite" else "pages not checked: pg_amcheck does that"
            print(f"{store.name}: ok ({store.article_count()} articles, {store.story_count()} stories, {checked})")
    for p in problems:
        err(f"{name}: {p}")
    return 1 if problems else 0


COMMANDS = [ingest, build, check]
