"""The polling loop outlives anything one feed, one page or one pass throws at it: the failure is recorded on that
feed with its next poll, the other feeds are polled, and the loop goes on. All served from 127.0.0.1."""
from __future__ import annotations

import json
import threading
import time
from datetime import datetime, timezone

import pytest
from fastapi.testclient import TestClient

from newsdesk import watch as watch_module
from newsdesk.sources.fetch import Fetcher, FetchSettings
from newsdesk.store import Store
from newsdesk.watch import poll_once, watch
from newsdesk.web import create_app

from conftest import run_cli
from newsserver import NewsServer, article_html, rss, static


def settings() -> FetchSettings:
    return FetchSettings(allow_private=True, host_delay=0.0, retries=0, timeout=3.0)


def serve_good_feed(s: NewsServer, name: str = "good", topic: str = "harbour") -> str:
    s.routes[f"/{name}/1.html"] = static(article_html(f"{topic.title()} news", topic))
    s.routes[f"/{name}.xml"] = static(rss([{"title": topic, "link": s.url(f"/{name}/1.html")}]), "application/rss+xml")
    return s.url(f"/{name}.xml")


def test_a_json_feed_item_with_an_object_title_fails_that_feed_only(tmp_path):
    """A JSON Feed whose item title is an object (feedparser's and the store's types disagree) once raised out of
    the loop and left the feed without a next poll, so every later pass crashed on it again."""
    odd = {"version": "https://jsonfeed.org/version/1.1", "title": "Odd",
           "items": [{"id": "1", "url": "/odd/1.html", "title": {"text": "an object"}},
                     {"id": "2", "url": "/odd/2.html", "title": ["a", "list"]}]}
    with NewsServer() as s:
        s.routes["/odd.json"] = static(json.dumps(odd), "application/feed+json")
        s.routes["/odd/1.html"] = static(article_html("Tram line approved", "tram"))
        s.routes["/odd/2.html"] = static(article_html("Schools get money", "school"))
        store = Store(str(tmp_path / "w.db"))
        odd_id, _ = store.add_feed(s.url("/odd.json"))
        store.add_feed(serve_good_feed(s))
        with Fetcher(settings()) as fetcher:
            poll_once(store, fetcher)
            good = [f for f in store.feeds() if f["url"].endswith("/good.xml")][0]
            assert good["articles"] == 1
            odd_feed = store.get_feed(odd_id)
            # either read (titles as text) or recorded as this feed's failure, with a next poll
            assert odd_feed["next_poll_at"] is not None
            assert odd_feed["last_error"] is not None or odd_feed["articles"] == 2
            poll_once(store, fetcher)  # the next pass runs too


def test_any_exception_from_one_feed_is_recorded_on_it_with_its_next_poll(tmp_path, monkeypatch):
    real_parse = watch_module.parse_feed

    def parse(body, url=None, *args, **kwargs):
        if "/cursed.xml" in (url or ""):
            raise RuntimeError("a parser bug nobody has found yet")
        return real_parse(body, url, *args, **kwargs)

    monkeypatch.setattr(watch_module, "parse_feed", parse)
    with NewsServer() as s:
        s.routes["/cursed.xml"] = static(rss([]), "application/rss+xml")
        store = Store(str(tmp_path / "w.db"))
        cursed, _ = store.add_feed(s.url("/cursed.xml"))
        store.add_feed(serve_good_feed(s))
        before = datetime.now(timezone.utc).isoformat()
        with Fetcher(settings()) as fetcher:
            report = poll_once(store, fetcher)
        feed = store.get_feed(cursed)
        assert "RuntimeError: a parser bug nobody has found yet" in feed["last_error"]
        assert feed["failures"] == 1 and feed["next_poll_at"] > before[:19]
        assert report.feeds == 2 and report.feeds_failed == 1 and report.articles == 1
        assert [f["id"] for f in store.due_feeds()] == [], "neither feed is due again at once"


def test_a_failing_pass_does_not_stop_the_background_polling(tmp_path, monkeypatch):
    calls = {"build": 0}
    real_build = watch_module.build

    def build_once_broken(store, **kwargs):
        calls["build"] += 1
        if calls["build"] == 1:
            raise OSError("disk full")
        return real_build(store, **kwargs)

    monkeypatch.setattr(watch_module, "build", build_once_broken)
    logged: list[str] = []
    with NewsServer() as s:
        db = str(tmp_path / "w.db")
        with Store(db) as store:
            store.add_feed(serve_good_feed(s, "first", "harbour"), poll_seconds=1)
        stop = threading.Event()
        thread = threading.Thread(target=watch, args=(db, settings()),
                                  kwargs=dict(tick=0.2, stop=stop, log=logged.append), daemon=True)
        thread.start()
        try:
            deadline = time.monotonic() + 60
            while calls["build"] < 2 and time.monotonic() < deadline:
                time.sleep(0.1)
            with Store(db) as store:
                store.add_feed(serve_good_feed(s, "second", "school"))
            while time.monotonic() < deadline:
                with Store(db) as store:
                    if len(store.live_story_ids()) >= 2 and not store.stale_story_ids():
                        break
                time.sleep(0.2)
            assert thread.is_alive(), f"the polling loop ended: {logged}"
        finally:
            stop.set()
            thread.join(timeout=30)
        assert any("polling pass failed: OSError: disk full" in m for m in logged), logged
        with Store(db) as store:
            titles = {a.title for a in store.articles()}
            assert {"Harbour news", "School news"} <= titles
            assert all(store.get_story(sid).brief for sid in store.live_story_ids())


def test_an_item_seen_by_a_poll_that_was_killed_is_fetched_by_the_next(tmp_path):
    with NewsServer() as s:
        url = serve_good_feed(s)
        store = Store(str(tmp_path / "w.db"))
        feed_id, _ = store.add_feed(url)
        # what a poll killed between listing the item and fetching its page leaves behind
        assert store.add_feed_item(feed_id, s.url("/good/1.html"), s.url("/good/1.html"), "harbour", None)
        with Fetcher(settings()) as fetcher:
            report = poll_once(store, fetcher)
        assert report.articles == 1 and store.get_feed(feed_id)["articles"] == 1
        with Fetcher(settings()) as fetcher:
            assert poll_once(store, fetcher, now=datetime(2100, 1, 1, tzinfo=timezone.utc)).articles == 0


def test_a_feed_read_only_in_part_says_so_until_a_clean_poll(tmp_path):
    feed = {"version": "https://jsonfeed.org/version/1.1", "title": "Partly",
            "items": [{"url": "/p/1.html", "title": "no id"}, {"id": "2", "url": "/p/2.html", "title": "Tram"}]}
    with NewsServer() as s:
        s.routes["/p.json"] = static(json.dumps(feed), "application/feed+json")
        s.routes["/p/2.html"] = static(article_html("Tram line approved", "tram"))
        db = str(tmp_path / "w.db")
        with Store(db) as store:
            fid, _ = store.add_feed(s.url("/p.json"))
            with Fetcher(settings()) as fetcher:
                poll_once(store, fetcher)
            shown = store.get_feed(fid)
            assert shown["last_error"] is None and shown["articles"] == 1
            assert "1 item without an id skipped" in shown["last_warning"]
        listed = run_cli("feeds", "list", db=db)
        assert "read in part: 1 item without an id skipped" in listed.stdout, listed.stdout
        client = TestClient(create_app(db), base_url="http://127.0.0.1:8000")
        assert client.get("/api/feeds").json()["feeds"][0]["last_warning"] == shown["last_warning"]
        assert "Read in part: 1 item without an id skipped" in client.get("/feeds").text
        feed["items"] = feed["items"][1:]
        s.routes["/p.json"] = static(json.dumps(feed), "application/feed+json")
        with Store(db) as store, Fetcher(settings()) as fetcher:
            poll_once(store, fetcher, now=datetime(2100, 1, 1, tzinfo=timezone.utc))
            assert store.get_feed(fid)["last_warning"] is None


@pytest.mark.slow
def test_a_feed_of_slow_pages_gets_its_share_of_a_pass_and_the_rest_later(tmp_path, monkeypatch):
    """Each page has its own fetch deadline, but a feed listing many pages that never answer once held the pass
    for all of them, and every other feed waited."""
    from dataclasses import replace

    from newsserver import RawServer, silent

    monkeypatch.setattr(watch_module, "LIMITS", replace(watch_module.LIMITS, feed_pass_seconds=2.5))
    with NewsServer() as s, RawServer(silent) as tarpit:
        items = [{"title": f"slow {i}", "link": tarpit.url(f"/slow/{i}.html")} for i in range(8)]
        s.routes["/slow.xml"] = static(rss(items), "application/rss+xml", etag=True)
        store = Store(str(tmp_path / "w.db"))
        slow_id, _ = store.add_feed(s.url("/slow.xml"))
        good_id, _ = store.add_feed(serve_good_feed(s))
        fast = FetchSettings(allow_private=True, host_delay=0.0, retries=0, timeout=1.0, robots=False)
        with Fetcher(fast) as fetcher:
            started = time.monotonic()
            first = poll_once(store, fetcher)
            took = time.monotonic() - started
            assert store.get_feed(good_id)["articles"] == 1, "the other feed had its turn in the same pass"
            tried = len([i for i in store.feed_items(slow_id) if i["error"]])
            assert 2 <= tried < 8 and took < 8, (tried, took)
            assert first.feeds == 2
            passes = 1
            while len([i for i in store.feed_items(slow_id) if i["error"]]) < 8 and passes < 10:
                poll_once(store, fetcher)
                passes += 1
        assert all("timed out" in i["error"] for i in store.feed_items(slow_id)), store.feed_items(slow_id)
        assert 2 <= passes < 10


@pytest.mark.slow
def test_a_feed_that_never_answers_holds_one_poller_not_the_others(tmp_path):
    from newsserver import RawServer, silent

    asked: dict[str, float] = {}
    with NewsServer() as s, RawServer(silent) as tarpit:
        good = serve_good_feed(s)
        serve_feed = s.routes["/good.xml"]

        def timed(req):
            asked.setdefault("good", time.monotonic())
            return serve_feed(req)

        s.routes["/good.xml"] = timed
        db = str(tmp_path / "w.db")
        with Store(db) as store:
            store.add_feed(tarpit.url("/never.xml"))  # first in line
            store.add_feed(good)
        slow = FetchSettings(allow_private=True, host_delay=0.0, retries=0, timeout=6.0, robots=False)
        stop = threading.Event()
        thread = threading.Thread(target=watch, args=(db, slow), kwargs=dict(tick=0.2, stop=stop, log=lambda m: None),
                                  daemon=True)
        started = time.monotonic()
        thread.start()
        try:
            while "good" not in asked and time.monotonic() - started < 30:
                time.sleep(0.05)
            assert asked["good"] - started < 3.0, "the good feed waited for the one that never answers"
            while time.monotonic() - started < 30:
                with Store(db) as store:
                    if store.feeds()[0]["last_error"]:
                        break
                time.sleep(0.2)
        finally:
            stop.set()
            thread.join(timeout=30)
        with Store(db) as store:
            assert "timed out" in store.feeds()[0]["last_error"]
