"""HTTPS through the fetcher's own network backend: a page over TLS (a self-signed certificate made for these tests,
trusted through $SSL_CERT_FILE as httpx does), and a TLS handshake that never completes held to the deadline."""
from __future__ import annotations

import ssl
import time
from pathlib import Path

import pytest

from newsdesk.sources.fetch import Fetcher, FetchError, FetchSettings

from newsserver import NewsServer, RawServer, silent, static

TLS = Path(__file__).parent / "data" / "tls"
DEADLINE, SLACK = 2.0, 1.0


def settings(**kw) -> FetchSettings:
    base = dict(allow_private=True, host_delay=0.0, retries=0, timeout=DEADLINE, robots=False)
    return FetchSettings(**{**base, **kw})


def https_server() -> NewsServer:
    server = NewsServer()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(TLS / "localhost.pem", TLS / "localhost.key")
    server.httpd.socket = context.wrap_socket(server.httpd.socket, server_side=True)
    return server


def test_https_page(monkeypatch):
    monkeypatch.setenv("SSL_CERT_FILE", str(TLS / "localhost.pem"))
    with https_server() as s, Fetcher(settings(robots=True)) as f:
        s.routes["/p.html"] = static("<p>over TLS</p>")
        r = f.get(f"https://127.0.0.1:{s.port}/p.html")
        assert r.body == b"<p>over TLS</p>" and r.url == f"https://127.0.0.1:{s.port}/p.html"
        assert s.requests_to("/robots.txt") == 1


def test_untrusted_certificate_is_refused():
    with https_server() as s, Fetcher(settings()) as f:
        s.routes["/p.html"] = static("<p>over TLS</p>")
        with pytest.raises(FetchError, match="CERTIFICATE_VERIFY_FAILED"):
            f.get(f"https://127.0.0.1:{s.port}/p.html")


def test_tls_handshake_that_never_completes():
    with RawServer(silent) as s, Fetcher(settings(connect_timeout=10.0)) as f:
        started = time.monotonic()
        with pytest.raises(FetchError) as e:
            f.get(f"https://127.0.0.1:{s.port}/p.html")
        took = time.monotonic() - started
    assert "timed out" in e.value.message and took < DEADLINE + SLACK, (e.value.message, took)
