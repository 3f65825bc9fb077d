"""The polling loop: fetch the feeds that are due, fetch their new items' pages, ingest them, build the stories.

Used by `newsdesk watch` and, in a background thread, by `newsdesk serve`. Every fetched byte is stored raw before
it is parsed (feeds as kind "feed", pages as "html", cut-off responses as "partial"), and a failing feed or page
is recorded on that feed or item and never stops the loop. Feeds are polled side by side (`Pollers`), so that a
feed that trickles, or lists thousands of pages that never answer, holds one poller and not the desk.
"""
from __future__ import annotations

import ctypes
import queue
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Callable
from urllib.parse import urlsplit

from .models import Article, RawInput
from .pipeline import InputFailure, build, ingest_raw
from .settings import LIMITS, current
from .sources.feeds import FeedError, parse_feed
from .sources.fetch import FetchError, Fetcher, FetchSettings
from .store import Store

SETTINGS = current().watch  # [watch] in newsdesk.toml, docs/settings.md
MAX_BACKOFF = timedelta(seconds=SETTINGS.max_backoff_seconds)


@dataclass
class PollReport:
    feeds: int = 0
    feeds_failed: int = 0
    new_items: int = 0
    articles: int = 0
    failures: list[InputFailure] = field(default_factory=list)
    new_stories: int = 0

    def add(self, other: "PollReport") -> None:
        for name in ("feeds", "feeds_failed", "new_items", "articles", "new_stories"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.failures += other.failures


def _keep_partial(store: Store, url: str, err: FetchError, kind: str) -> None:
    if err.body:
        raw = RawInput(body=err.body, kind=kind, origin=url, url=url, fetched_at=datetime.now(timezone.utc))
        store.put_raw(raw)
        store.set_raw_error(raw.sha256, err.message)


def poll_feed(store: Store, fetcher: Fetcher, feed: dict, report: PollReport, now: datetime | None = None) -> None:
    """Polls one feed and fetches its new items' pages. Never raises for anything the feed or its pages hold: any
    failure is recorded on the feed (or the item) with its next poll, so that one feed never stops another."""
    now = now or datetime.now(timezone.utc)
    report.feeds += 1
    url = feed["url"]

    def failed(message: str) -> None:
        report.feeds_failed += 1
        report.failures.append(InputFailure(url, message))
        backoff = min(timedelta(seconds=feed["poll_seconds"]) * 2 ** min(feed["failures"], 10), MAX_BACKOFF)
        store.feed_polled(feed["id"], error=message, next_poll_at=now + backoff)

    try:
        _poll_feed(store, fetcher, feed, report, failed, now)
    except Exception as e:  # noqa: BLE001 - whatever a feed holds, it is this feed's failure, not the loop's
        failed(f"{type(e).__name__}: {e}")


def _poll_feed(store: Store, fetcher: Fetcher, feed: dict, report: PollReport, failed: Callable[[str], None],
               now: datetime) -> None:
    url = feed["url"]
    try:
        r = fetcher.get(url, etag=feed["etag"], last_modified=feed["last_modified"])
    except FetchError as e:
        _keep_partial(store, url, e, "feed")
        return failed(e.message)
    next_poll = now + timedelta(seconds=feed["poll_seconds"])
    if r.not_modified:
        store.feed_polled(feed["id"], error=None, next_poll_at=next_poll, warning=feed.get("last_warning"))
        return
    raw = RawInput(body=r.body, kind="feed", origin=url, url=r.url, fetched_at=r.fetched_at)
    store.put_raw(raw)
    try:
        parsed = parse_feed(r.body, r.url, r.headers)
    except FeedError as e:
        store.set_raw_error(raw.sha256, str(e))
        return failed(str(e))
    store.set_raw_error(raw.sha256, None)
    budget = time.monotonic() + LIMITS.feed_pass_seconds
    left_over = False
    # feeds list newest first; ingesting oldest first keeps arrival order close to publication order
    for item in reversed(parsed.items):
        if time.monotonic() > budget:
            left_over = True
            break
        if not store.add_feed_item(feed["id"], item.key, item.url, item.title, item.published):
            continue
        report.new_items += 1
        if not item.url:
            store.feed_item_result(feed["id"], item.key, None, "the item has no link")
            continue
        try:
            page = fetcher.get(item.url)
        except FetchError as e:
            _keep_partial(store, item.url, e, "partial")
            store.feed_item_result(feed["id"], item.key, None, e.message)
            report.failures.append(InputFailure(item.url, e.message))
            continue
        except Exception as e:  # noqa: BLE001 - one item's page must not cost the feed its other items
            message = f"{type(e).__name__}: {e}"
            store.feed_item_result(feed["id"], item.key, None, message)
            report.failures.append(InputFailure(item.url, message))
            continue
        page_raw = RawInput(body=page.body, kind="html", origin=item.url, url=page.url, fetched_at=page.fetched_at)
        result = ingest_raw(store, page_raw)  # never raises for what the page holds
        if isinstance(result, InputFailure):
            report.failures.append(result)
        elif isinstance(result, Article):
            report.articles += 1
        store.feed_item_result(feed["id"], item.key, page_raw.sha256,
                               result.message if isinstance(result, InputFailure) else None)
    if left_over:
        # Due again at the next pass. The validators are not kept: the next poll must list the items again, not be
        # told "not modified".
        store.feed_polled(feed["id"], error=None, next_poll_at=now, title=parsed.title, site_url=parsed.site_url,
                          warning=parsed.warning)
        return
    store.feed_polled(feed["id"], error=None, next_poll_at=next_poll, etag=r.etag, last_modified=r.last_modified,
                      title=parsed.title, site_url=parsed.site_url, warning=parsed.warning)


class Pollers:
    """Feeds polled side by side: `size` threads, each with its own connection to the store, and at most one feed
    of a host at a time (the fetcher lets one request at a time reach a host, so a second feed of a busy host
    would only hold a poller while it waits). The threads are daemons: a server told to stop never waits for a
    feed that trickles. Hand-written rather than a ThreadPoolExecutor, whose threads the interpreter joins at exit."""

    def __init__(self, db_path: str, fetcher: Fetcher, size: int | None = None):
        self.db_path, self.fetcher = db_path, fetcher
        self.size = max(1, size or LIMITS.poll_workers)
        self._todo: queue.Queue = queue.Queue()
        self._done: queue.Queue = queue.Queue()
        self._lock = threading.Lock()
        self._feeds: set[int] = set()  # queued or in flight
        self._hosts: set[str] = set()
        self._threads = [threading.Thread(target=self._work, name=f"newsdesk-poll-{n}", daemon=True)
                         for n in range(self.size)]
        for t in self._threads:
            t.start()

    def __enter__(self) -> "Pollers":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        """The threads end once their current feed is done; nothing waits for them."""
        for _ in self._threads:
            self._todo.put(None)

    def submit(self, feeds: list[dict], now: datetime | None = None) -> list[dict]:
        """Queues each feed that is not already queued or in flight and whose host is free; returns those queued."""
        queued = []
        with self._lock:
            for feed in feeds:
                host = urlsplit(feed["url"]).netloc.lower()
                if feed["id"] in self._feeds or host in self._hosts:
                    continue
                self._feeds.add(feed["id"])
                self._hosts.add(host)
                self._todo.put((feed, host, now))
                queued.append(feed)
        return queued

    def busy(self) -> bool:
        with self._lock:
            return bool(self._feeds)

    def collect(self, wait: bool = False) -> PollReport:
        """What the polls that ended since the last call found; `wait`: for at least one, if any is in flight."""
        report = PollReport()
        while True:
            try:
                feed_id, host, part = self._done.get(block=wait and self.busy())
            except queue.Empty:
                return report
            wait = False
            with self._lock:
                self._feeds.discard(feed_id)
                self._hosts.discard(host)
            report.add(part)

    def _work(self) -> None:
        with Store(self.db_path) as store:
            while (job := self._todo.get()) is not None:
                feed, host, now = job
                part = PollReport()
                try:
                    poll_feed(store, self.fetcher, feed, part, now)
                except Exception as e:  # noqa: BLE001 - poll_feed records its own; this is the store failing
                    part.failures.append(InputFailure(feed["url"], f"{type(e).__name__}: {e}"))
                self._done.put((feed["id"], host, part))


def _build(store: Store, log: Callable[[str], None] | None) -> int:
    """Builds, then hands the heap's free pages back to the system: a build unpickles the stream's state and
    parses articles, tens of MB allocated and freed that glibc otherwise keeps, so a server's memory climbed with
    every build though little of it was in use. Returns the new stories."""
    new_stories = build(store, log=log).new_stories
    if _LIBC is not None:
        _LIBC.malloc_trim(0)
    return new_stories


def _libc():
    try:
        libc = ctypes.CDLL("libc.so.6")
        return libc if hasattr(libc, "malloc_trim") else None
    except OSError:  # not glibc (musl, macOS): nothing to hand back this way
        return None


_LIBC = _libc()


def poll_once(store: Store, fetcher: Fetcher, now: datetime | None = None,
              log: Callable[[str], None] | None = None, pollers: Pollers | None = None) -> PollReport:
    """Polls every due feed once (side by side unless the store is in memory), then builds the stories when an
    article is waiting for its story (new now, or left by a build that failed or was stopped) or a story is owed
    its rewrite (after a user's edit)."""
    report = PollReport()
    due = store.due_feeds(now)
    if store.path == ":memory:" or len(due) < 2:
        for feed in due:
            poll_feed(store, fetcher, feed, report, now)
    else:
        own = pollers is None
        pollers = pollers or Pollers(store.path, fetcher)
        try:
            while due or pollers.busy():
                queued = {f["id"] for f in pollers.submit(due, now)}
                due = [f for f in due if f["id"] not in queued]
                report.add(pollers.collect(wait=True))
        finally:
            if own:
                pollers.close()
    if report.articles or store.has_unassigned_articles() or store.stale_story_ids():
        report.new_stories = _build(store, log)
    return report


def watch(db_path: str, settings: FetchSettings | None = None, once: bool = False, tick: float = 30.0,
          stop: threading.Event | None = None, log: Callable[[str], None] = print) -> PollReport:
    """Polls until `stop` is set (or once); `tick` is how often due feeds are looked for. A feed is handed to a
    poller when it is due, and the stories are built at each tick from what the polls that ended have brought."""
    stop = stop or threading.Event()
    total = PollReport()
    with Store(db_path) as store, Fetcher(settings) as fetcher, Pollers(db_path, fetcher) as pollers:
        while not stop.is_set():
            started = time.monotonic()
            try:
                if once:
                    report = poll_once(store, fetcher, log=log, pollers=pollers)
                else:
                    pollers.submit(store.due_feeds())
                    report = pollers.collect()
                    if report.articles or store.has_unassigned_articles() or store.stale_story_ids():
                        report.new_stories = _build(store, log)
            except Exception as e:  # noqa: BLE001 - a pass that fails (a locked or full disk) is retried next tick
                log(f"polling pass failed: {type(e).__name__}: {e}; trying again in {tick:g}s")
                if once:
                    raise
                stop.wait(tick)
                continue
            for f in report.failures:
                log(f"skipped {f}")
            if report.feeds:
                log(f"polled {report.feeds} feeds ({report.feeds_failed} failed): {report.new_items} new items, "
                    f"{report.articles} new articles, {report.new_stories} new stories")
            total.add(report)
            if once:
                break
            stop.wait(max(0.0, tick - (time.monotonic() - started)))
    return total


def watch_in_background(db_path: str, settings: FetchSettings | None = None, tick: float = 30.0,
                        log: Callable[[str], None] = print) -> tuple[threading.Thread, threading.Event]:
    stop = threading.Event()

    def run() -> None:
        try:
            watch(db_path, settings, tick=tick, stop=stop, log=log)
        except Exception as e:  # noqa: BLE001 - the web server must outlive a broken poller; say why it stopped
            log(f"feed polling stopped: {type(e).__name__}: {e}")

    thread = threading.Thread(target=run, name="newsdesk-watch", daemon=True)
    thread.start()
    return thread, stop
