"""One deadline per `Fetcher.get`: DNS, connect, request, status line, headers and body of every redirect hop,
retry and the robots.txt fetch together. Servers here trickle or stay silent (raw sockets on 127.0.0.1); each
case must give up within the deadline plus a little slack, with an error that says it timed out."""
from __future__ import annotations

import socket
import threading
import time

import pytest

from newsdesk.sources.fetch import Fetcher, FetchError, FetchSettings
from newsdesk.store import Store
from newsdesk.watch import poll_once

from conftest import run_cli
from newsserver import (FullBacklog, NewsServer, RawServer, article_html, rss, silent, static, trickle_body,
                        trickle_head)

DEADLINE = 2.0
SLACK = 1.0  # scheduling on a busy machine; an overshoot of one per-read timeout (here 2 s) would not fit


def settings(**kw) -> FetchSettings:
    base = dict(allow_private=True, host_delay=0.0, retries=0, timeout=DEADLINE, robots=False, backoff=0.1)
    return FetchSettings(**{**base, **kw})


def timed_failure(fetcher: Fetcher, url: str) -> tuple[FetchError, float]:
    started = time.monotonic()
    with pytest.raises(FetchError) as e:
        fetcher.get(url)
    return e.value, time.monotonic() - started


@pytest.mark.slow
def test_trickled_status_line_and_headers():
    # 60 bytes of padding at 20 bytes a second: the head alone takes about 7 s, every read well under 2 s
    with RawServer(trickle_head(b"<p>late</p>", interval=0.05, pad=60)) as s, Fetcher(settings()) as f:
        err, took = timed_failure(f, s.url("/page.html"))
    assert "timed out" in err.message and took < DEADLINE + SLACK, (err.message, took)


def test_trickled_body_keeps_what_arrived():
    # one byte every 1.9 s: each read is within a 2 s read timeout, the body is not
    with RawServer(trickle_body(b"x" * 100, interval=1.9)) as s, Fetcher(settings()) as f:
        err, took = timed_failure(f, s.url("/page.html"))
    assert "timed out" in err.message and took < DEADLINE + SLACK, (err.message, took)
    assert (b"x" * 100).startswith(err.body)


def test_silent_server_is_not_retried_past_the_deadline():
    with RawServer(silent) as s, Fetcher(settings(retries=2)) as f:
        err, took = timed_failure(f, s.url("/page.html"))
    assert "timed out" in err.message and took < DEADLINE + SLACK, (err.message, took)


@pytest.mark.slow
def test_robots_txt_fetch_shares_the_deadline():
    def slow(body: str):
        def handler(req):
            time.sleep(0.75 * DEADLINE)
            return 200, {"Content-Type": "text/plain"}, body.encode()
        return handler

    with NewsServer() as s, Fetcher(settings(robots=True)) as f:
        s.routes["/robots.txt"] = slow("User-agent: *\nAllow: /\n")
        s.routes["/page.html"] = slow("<p>late</p>")
        err, took = timed_failure(f, s.url("/page.html"))
    assert "timed out" in err.message and took < DEADLINE + SLACK, (err.message, took)


@pytest.mark.slow
def test_connect_that_never_completes():
    with FullBacklog() as s, Fetcher(settings(connect_timeout=10.0)) as f:
        err, took = timed_failure(f, s.url("/page.html"))
    assert "timed out" in err.message and took < DEADLINE + SLACK, (err.message, took)


@pytest.mark.slow
def test_redirect_chain_shares_the_deadline():
    def slow_hop(i: int):
        def handler(req):
            time.sleep(0.6)
            return 302, {"Location": f"/hop/{i + 1}", "Content-Type": "text/plain"}, b""
        return handler

    with NewsServer() as s, Fetcher(settings()) as f:
        for i in range(5):
            s.routes[f"/hop/{i}"] = slow_hop(i)
        s.routes["/hop/5"] = static("<p>end</p>")
        err, took = timed_failure(f, s.url("/hop/0"))
    assert "timed out" in err.message and took < DEADLINE + SLACK, (err.message, took)


@pytest.mark.parametrize("allow_private", [True, False])
@pytest.mark.slow
def test_dns_lookup_that_hangs(monkeypatch, allow_private):
    release = threading.Event()
    real = socket.getaddrinfo

    def hanging(host, *a, **kw):
        if host == "slow.test":
            release.wait(15)
            raise socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")
        return real(host, *a, **kw)

    monkeypatch.setattr(socket, "getaddrinfo", hanging)
    try:
        with Fetcher(settings(allow_private=allow_private)) as f:
            err, took = timed_failure(f, "http://slow.test/page.html")
    finally:
        release.set()
    assert "timed out" in err.message and took < DEADLINE + SLACK, (err.message, took)


@pytest.mark.slow
def test_cli_ingest_against_a_trickling_server(tmp_path, monkeypatch):
    monkeypatch.setenv("NEWSDESK_FETCH_SECONDS", str(DEADLINE))
    # the head takes about 14 s to arrive: past any bound below, whatever the per-read timeout
    with RawServer(trickle_head(article_html("Council approves new tram line", "tram").encode(), interval=0.05,
                                pad=200)) as s:
        r = run_cli("ingest", "--allow-private", s.url("/story.html"), db=str(tmp_path / "t.db"))
        time.sleep(0.3)  # the server notices the client has gone at its next byte
        conn = s.connections[0]
    assert r.returncode == 1, (r.returncode, r.stdout, r.stderr)
    assert "/story.html" in r.stderr and "timed out" in r.stderr
    # timed by the server, from the request to the client hanging up: the deadline, not Python's start-up (which
    # made a wall-clock bound fail on a loaded machine)
    assert conn.client_left_at is not None, "the client waited for the whole head"
    assert conn.client_left_at - conn.requested_at < DEADLINE + 2.0, conn.client_left_at - conn.requested_at


@pytest.mark.slow
def test_poll_goes_on_after_a_feed_that_trickles_its_headers(tmp_path):
    feed = rss([{"title": "Late", "link": "http://127.0.0.1:9/late.html"}]).encode()
    with RawServer(trickle_head(feed, interval=0.05, pad=200, ctype="application/rss+xml")) as bad_server, \
            NewsServer() as good_server:
        good_server.routes["/good/1.html"] = static(article_html("Harbour cleanup begins", "harbour"))
        good_server.routes["/good.xml"] = static(rss([{"title": "Harbour", "link": good_server.url("/good/1.html")}]),
                                                 "application/rss+xml")
        store = Store(str(tmp_path / "p.db"))
        bad_id, _ = store.add_feed(bad_server.url("/feed.xml"))
        good_id, _ = store.add_feed(good_server.url("/good.xml"))
        with Fetcher(settings()) as fetcher:
            report = poll_once(store, fetcher)
        time.sleep(0.3)  # the server notices the client has gone at its next byte
        conn = bad_server.connections[0]
    bad, good = store.get_feed(bad_id), store.get_feed(good_id)
    assert good["articles"] == 1 and good["last_error"] is None
    assert bad["last_error"] and "timed out" in bad["last_error"] and report.feeds_failed == 1
    # timed by the server, so a loaded machine's slow story build does not count: the bad feed's deadline
    assert conn.client_left_at is not None, "the poll waited for the whole head"
    assert conn.client_left_at - conn.requested_at < DEADLINE + 2.0, conn.client_left_at - conn.requested_at


def test_requests_go_through_the_deadline_backend():
    """Pins what network.deadline_transport relies on: httpx.HTTPTransport sends every request through its `_pool`, so the
    pool put there (with the deadline backend) is the one used. Were it not, this request would succeed."""
    import httpx

    from newsdesk.sources.fetch import deadline

    with NewsServer() as s, Fetcher(settings()) as f:
        s.routes["/ok"] = static("ok")
        assert f.client.get(s.url("/ok")).text == "ok"
        with deadline(0.0), pytest.raises(httpx.TimeoutException):
            f.client.get(s.url("/ok"))
        assert s.requests_to("/ok") == 1
