"""The fetcher against a local server: redirects, retries with backoff, Retry-After, robots.txt, per-host delay,
address checks, and `newsdesk ingest URL`."""
from __future__ import annotations

import threading
import time

import pytest

from newsdesk.sources.fetch import Fetcher, FetchError, FetchSettings, check_address
from newsdesk.store import Store

from conftest import run_cli
from newsserver import NewsServer, article_html, static


def settings(**kw) -> FetchSettings:
    base = dict(allow_private=True, host_delay=0.0, retries=0, timeout=5.0, backoff=0.5)
    return FetchSettings(**{**base, **kw})


def test_follows_redirects_and_reports_final_url():
    with NewsServer() as s, Fetcher(settings()) as f:
        s.routes["/old"] = static(b"", status=301, headers={"Location": "/new"})
        s.routes["/new"] = static("<p>hello</p>")
        r = f.get(s.url("/old"))
        assert r.url == s.url("/new") and r.body == b"<p>hello</p>"


def test_retries_transient_errors_with_backoff_and_retry_after():
    with NewsServer() as s, Fetcher(settings(retries=2, backoff=0.5)) as f:
        calls = []

        def flaky(req):
            calls.append(1)
            if len(calls) == 1:
                return 503, {"Content-Type": "text/plain", "Retry-After": "3"}, b"busy"
            if len(calls) == 2:
                return 502, {"Content-Type": "text/plain"}, b"bad gateway"
            return 200, {"Content-Type": "text/html"}, b"ok"

        s.routes["/flaky"] = flaky
        slept: list[float] = []
        f.sleep = slept.append
        assert f.get(s.url("/flaky")).body == b"ok"
        assert slept == [3.0, 6.0]  # Retry-After raised the first wait; then doubled

        # a permanent error is not retried, and says what it was
        slept.clear()
        with pytest.raises(FetchError, match="HTTP 404"):
            f.get(s.url("/nothing"))
        assert slept == []


def test_backoff_is_bounded_per_get():
    """max_backoff is what one get() may sleep in all; a server asking for a longer wait is answered at once."""
    with NewsServer() as s, Fetcher(settings(retries=5, backoff=20.0, max_backoff=60.0)) as f:
        s.routes["/busy"] = static("busy", status=503, headers={"Retry-After": "120"})
        s.routes["/down"] = static("down", status=503)
        slept: list[float] = []
        f.sleep = slept.append
        with pytest.raises(FetchError, match="HTTP 503"):
            f.get(s.url("/busy"))
        assert slept == [] and s.requests_to("/busy") == 1
        with pytest.raises(FetchError, match="HTTP 503"):
            f.get(s.url("/down"))
        assert slept == [20.0, 40.0] and s.requests_to("/down") == 3  # a third wait (80 s) would pass 60 s in all


def test_gives_up_after_retries():
    with NewsServer() as s, Fetcher(settings(retries=1)) as f:
        s.routes["/down"] = static("down", status=503)
        f.sleep = lambda _: None
        with pytest.raises(FetchError, match="HTTP 503") as e:
            f.get(s.url("/down"))
        assert e.value.body == b"down"  # what did arrive is there for the caller to keep
        assert s.requests_to("/down") == 2


def test_robots_txt_disallow_and_crawl_delay():
    with NewsServer() as s, Fetcher(settings(robots=True)) as f:
        s.routes["/robots.txt"] = static("User-agent: *\nDisallow: /private/\nCrawl-delay: 1\n", "text/plain")
        s.routes["/private/x"] = static("secret")
        s.routes["/a"] = static("a")
        with pytest.raises(FetchError, match="robots.txt"):
            f.get(s.url("/private/x"))
        assert s.requests_to("/private/x") == 0
        started = time.monotonic()
        f.get(s.url("/a"))
        f.get(s.url("/a"))
        assert time.monotonic() - started >= 1.0  # Crawl-delay (whole seconds in robotparser) spaces requests to one host
        assert s.requests_to("/robots.txt") == 1  # cached


def test_robots_unreachable_means_stay_away_but_missing_means_allowed():
    with NewsServer() as s, Fetcher(settings()) as f:
        s.routes["/robots.txt"] = static("oops", status=500)
        s.routes["/a"] = static("a")
        with pytest.raises(FetchError, match="robots.txt"):
            f.get(s.url("/a"))
    with NewsServer() as s, Fetcher(settings()) as f:
        del s.routes["/robots.txt"]  # 404
        s.routes["/a"] = static("a")
        assert f.get(s.url("/a")).body == b"a"


def test_one_request_at_a_time_per_host_with_delay():
    with NewsServer() as s, Fetcher(settings(host_delay=0.2)) as f:
        active, peak = [0], [0]
        lock = threading.Lock()

        def slow(req):
            with lock:
                active[0] += 1
                peak[0] = max(peak[0], active[0])
            time.sleep(0.1)
            with lock:
                active[0] -= 1
            return 200, {"Content-Type": "text/plain"}, b"x"

        s.routes["/slow"] = slow
        started = time.monotonic()
        threads = [threading.Thread(target=f.get, args=(s.url("/slow"),)) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert peak[0] == 1
        assert time.monotonic() - started >= 0.6  # three gaps of 0.2 s between four starts


def test_address_check():
    with pytest.raises(FetchError, match="non-public"):
        check_address("http://127.0.0.1:9/x", allow_private=False)
    with pytest.raises(FetchError, match="non-public"):
        check_address("http://[::1]:9/x", allow_private=False)
    with pytest.raises(FetchError, match="non-public"):
        check_address("http://10.1.2.3/x", allow_private=False)
    with pytest.raises(FetchError, match="non-public"):
        check_address("http://169.254.169.254/latest/meta-data", allow_private=False)
    with pytest.raises(FetchError, match="not an http"):
        check_address("file:///etc/passwd", allow_private=True)
    check_address("http://127.0.0.1:9/x", allow_private=True)
    check_address("http://93.184.215.14/", allow_private=False)  # a public literal needs no DNS


def test_redirect_to_private_address_is_refused(monkeypatch):
    import newsdesk.sources.fetch as fetch
    import newsdesk.sources.network as network

    real = network.is_public_address
    # the test server stands in for a public one, for the check before a request and the one at connect; every
    # other address is judged as usual
    for module in (fetch, network):
        monkeypatch.setattr(module, "is_public_address", lambda address: address == "127.0.0.1" or real(address))
    with NewsServer() as s, Fetcher(settings(allow_private=False)) as f:
        s.routes["/hop"] = static(b"", status=302, headers={"Location": "http://10.0.0.1/admin"})
        with pytest.raises(FetchError, match="non-public address 10.0.0.1"):
            f.get(s.url("/hop"))
        assert s.requests_to("/hop") == 1


@pytest.mark.slow
def test_cli_ingest_url(tmp_path):
    db = str(tmp_path / "u.db")
    with NewsServer() as s:
        s.routes["/story.html"] = static(article_html("Council approves new tram line", "tram"))
        r = run_cli("ingest", "--allow-private", s.url("/story.html"), s.url("/gone.html"), db=db)
        assert r.returncode == 1
        assert "1 new articles" in r.stdout and "/gone.html: HTTP 404" in r.stderr
        r = run_cli("ingest", s.url("/story.html"), db=db)
        assert r.returncode == 1 and "non-public address" in r.stderr
    with Store(db) as store:
        (a,) = store.articles()
        assert a.url == s.url("/story.html") and a.title == "Council approves new tram line"
        # the 404 body that arrived is kept raw, with its error
        assert any("HTTP 404" in e for _, e in store.raw_errors())
