"""Hostile and broken input, one case each, all served from 127.0.0.1: every case gives a clear error for that
source, the polling loop goes on to the next source (a good feed polled in the same pass still works), and the
bytes that were fetched are kept raw."""
from __future__ import annotations

import gzip
import re
import time

import pytest
from fastapi.testclient import TestClient

from newsdesk.sources.fetch import Fetcher, FetchSettings
from newsdesk.store import Store
from newsdesk.watch import poll_once
from newsdesk.web import create_app

from newsserver import NewsServer, article_html, rss, static
from webauth import LOCAL

BOMB_FEED = b"""<?xml version="1.0"?>
<!DOCTYPE rss [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">]>
<rss version="2.0"><channel><title>&d;</title><item><title>&d;</title><link>http://x/</link></item></channel></rss>"""


def settings(**kw) -> FetchSettings:
    return FetchSettings(**{**dict(allow_private=True, host_delay=0.0, retries=0, timeout=3.0,
                                   max_bytes=200_000), **kw})


def run_with_good_feed(server: NewsServer, bad_path: str, tmp_path, **kw):
    """Polls a bad feed and a good one in one pass; returns (store, report, bad feed row)."""
    server.routes["/good/1.html"] = static(article_html("Harbour cleanup begins", "harbour"))
    server.routes["/good.xml"] = static(rss([{"title": "Harbour", "link": server.url("/good/1.html")}]),
                                        "application/rss+xml")
    tmp_path.mkdir(parents=True, exist_ok=True)
    store = Store(str(tmp_path / "h.db"))
    bad_id, _ = store.add_feed(server.url(bad_path))
    store.add_feed(server.url("/good.xml"))
    with Fetcher(settings(**kw)) as fetcher:
        report = poll_once(store, fetcher)
    good = [f for f in store.feeds() if f["url"].endswith("/good.xml")][0]
    assert good["articles"] == 1 and good["last_error"] is None, "the loop must go on to the next feed"
    return store, report, store.get_feed(bad_id)


def kept(store: Store, needle: bytes) -> list[tuple[str, str | None]]:
    return [(r["kind"], r["error"]) for r in store.db.execute("SELECT kind, error, body FROM raw_inputs")
            if needle in r["body"]]


def test_xml_entity_bomb_is_refused(tmp_path):
    with NewsServer() as s:
        s.routes["/bomb.xml"] = static(BOMB_FEED, "application/rss+xml")
        store, report, bad = run_with_good_feed(s, "/bomb.xml", tmp_path)
        assert "refused: the feed declares XML entities" in bad["last_error"]
        assert kept(store, b"<!ENTITY d") == [("feed", bad["last_error"])]
        assert bad["items_seen"] == 0


def test_malformed_feeds(tmp_path):
    with NewsServer() as s:
        # cut short: what feedparser can read of it (a title, no items) is read, and the feed says it was ill-formed
        s.routes["/cut.xml"] = static(b"<rss><channel><title>broken", "application/rss+xml")
        store, report, cut = run_with_good_feed(s, "/cut.xml", tmp_path / "cut")
        assert cut["last_error"] is None and cut["items_seen"] == 0
        assert cut["last_warning"].startswith("ill-formed XML: no element found at line"), cut["last_warning"]
        assert kept(store, b"<title>broken") == [("feed", None)]
        # no feed at all: refused, and the bytes kept with the reason
        s.routes["/bad.xml"] = static(b"<<<>>> broken, and no feed in it", "application/rss+xml")
        store, report, bad = run_with_good_feed(s, "/bad.xml", tmp_path / "bad")
        assert bad["last_error"].startswith("not a readable feed") or bad["last_error"].startswith("not an RSS")
        assert kept(store, b"<<<>>> broken")[0][1] == bad["last_error"]


def test_html_page_given_as_feed(tmp_path):
    with NewsServer() as s:
        s.routes["/page.xml"] = static("<html><body><p>Hello, this is a web page</p></body></html>")
        store, report, bad = run_with_good_feed(s, "/page.xml", tmp_path)
        assert bad["last_error"] and bad["failures"] == 1 and bad["next_poll_at"]


def test_gzip_bomb_stops_at_the_size_limit(tmp_path):
    bomb = gzip.compress(b"<html>" + b"\0" * 50_000_000)  # 50 MB inflated, ~50 kB on the wire
    with NewsServer() as s:
        s.routes["/bomb.xml"] = lambda req: (200, {"Content-Type": "application/rss+xml", "Content-Encoding": "gzip"},
                                             bomb)
        store, report, bad = run_with_good_feed(s, "/bomb.xml", tmp_path)
        assert "larger than the limit of 200000 bytes" in bad["last_error"]
        sizes = [len(r[0]) for r in store.db.execute("SELECT body FROM raw_inputs WHERE kind = 'feed' AND error IS NOT NULL")]
        assert sizes == [200_000]  # what was read is kept, and no more than the limit was read


def test_oversized_article_page(tmp_path):
    with NewsServer() as s:
        s.routes["/big.html"] = static("<html><body>" + "<p>word </p>" * 50_000 + "</body></html>")
        s.routes["/feed.xml"] = static(rss([{"title": "Big", "link": s.url("/big.html")}]), "application/rss+xml")
        store, report, bad = run_with_good_feed(s, "/feed.xml", tmp_path)
        assert bad["last_error"] is None and bad["items_seen"] == 1 and bad["articles"] == 0
        (item,) = store.feed_items(bad["id"])
        assert "larger than the limit" in item["error"]
        assert kept(store, b"<p>word </p>")[0] == ("partial", item["error"])
        assert any("larger than the limit" in f.message for f in report.failures)


@pytest.mark.parametrize("declared,encoding", [("utf-8", "cp1252"), (None, "cp1252"), ("iso-8859-1", "utf-8")])
def test_wrong_or_missing_charset(tmp_path, declared, encoding):
    page = article_html("Café owners protest new rules", "tram",
                        extra="<p>Señora Müller said the café would stay open.</p>", charset=declared or "")
    if declared is None:
        page = page.replace('<meta charset="">', "")
    with NewsServer() as s:
        ctype = f"text/html; charset={declared}" if declared else "text/html"
        s.routes["/p.html"] = static(page.encode(encoding), ctype)
        s.routes["/feed.xml"] = static(rss([{"title": "Café", "link": s.url("/p.html")}]), "application/rss+xml")
        store, report, feed = run_with_good_feed(s, "/feed.xml", tmp_path)
        a = next(a for a in store.articles() if "Café" in a.title)
        assert a.title == "Café owners protest new rules"
        assert "Señora Müller said the café would stay open." in a.text


def test_redirect_loop(tmp_path):
    with NewsServer() as s:
        s.routes["/loop-a"] = static(b"", status=302, headers={"Location": "/loop-b"})
        s.routes["/loop-b"] = static(b"", status=302, headers={"Location": "/loop-a"})
        store, report, bad = run_with_good_feed(s, "/loop-a", tmp_path)
        assert bad["last_error"].startswith("redirect loop")
        s.routes["/chain/0"] = static(b"", status=301, headers={"Location": "/chain/1"})
        for i in range(1, 20):
            s.routes[f"/chain/{i}"] = static(b"", status=301, headers={"Location": f"/chain/{i + 1}"})
        with Fetcher(settings()) as f:
            with pytest.raises(Exception, match="too many redirects"):
                f.get(s.url("/chain/0"))


def test_feed_that_times_out(tmp_path):
    def slow(req):
        time.sleep(2.5)
        return 200, {"Content-Type": "application/rss+xml"}, b"<rss/>"

    with NewsServer() as s:
        s.routes["/slow.xml"] = slow
        started = time.monotonic()
        store, report, bad = run_with_good_feed(s, "/slow.xml", tmp_path, timeout=1.0)
        assert bad["last_error"].startswith("timed out")
        assert time.monotonic() - started < 2.4


def test_page_that_drips_past_the_deadline():
    def drip(req):  # headers at once, then a body that never finishes in time
        return 200, {"Content-Type": "text/html", "Content-Length": "100000"}, b"<html>" + b" " * 10
    # the server sends fewer bytes than announced and keeps the connection open: the read must time out
    with NewsServer() as s, Fetcher(settings(timeout=1.0)) as f:
        s.routes["/drip.html"] = drip
        started = time.monotonic()
        with pytest.raises(Exception, match="timed out"):
            f.get(s.url("/drip.html"))
        assert time.monotonic() - started < 5


def test_private_addresses_refused_by_default(tmp_path):
    with NewsServer() as s:
        s.routes["/feed.xml"] = static(rss([]), "application/rss+xml")
        store = Store(str(tmp_path / "p.db"))
        store.add_feed(s.url("/feed.xml"))
        with Fetcher(FetchSettings(host_delay=0.0, retries=0)) as f:  # default: private refused
            assert not f.settings.allow_private
            report = poll_once(store, f)
        assert "non-public address 127.0.0.1" in store.feeds()[0]["last_error"]
        assert s.requests_to("/feed.xml") == 0 and report.feeds_failed == 1


def test_scripts_and_event_handlers_never_render_live(tmp_path):
    evil = article_html("Council approves new tram line", "tram", extra=(
        '<p onclick="alert(1)">Click <b onmouseover="alert(2)">here</b> for the map of the new tram route and '
        'the stops.</p><script>alert("x")</script><img src=x onerror="alert(3)">'))
    evil = evil.replace("<h1>", '<h1><script>document.title="pwned"</script>')
    with NewsServer() as s:
        s.routes["/evil.html"] = static(evil)
        s.routes["/feed.xml"] = static(rss([{"title": "<script>alert(4)</script>Evil",
                                             "link": s.url("/evil.html")}]), "application/rss+xml")
        store, report, feed = run_with_good_feed(s, "/feed.xml", tmp_path)
        a = next(a for a in store.articles() if "tram" in a.title)
        assert "alert" not in a.text and "<" not in a.text
        r = TestClient(create_app(store.path), base_url=LOCAL).get(f"/articles/{a.id}")
        assert r.status_code == 200 and "Council approves new tram line" in r.text
        html = r.text
        for marker in ("<script>alert", "onclick=", "onmouseover=", "onerror="):
            assert marker not in html
        feeds = TestClient(create_app(store.path), base_url=LOCAL).get("/feeds")
        # the page's own scripts (keys.js, follow.js: served from /static, never from input) are the only ones
        foreign = re.sub(r'<script src="/static/[\w-]+\.js" defer></script>', "", feeds.text)
        assert feeds.status_code == 200 and "<script" not in foreign
