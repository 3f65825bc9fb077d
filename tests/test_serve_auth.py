"""Credentials as a user meets them: the real `newsdesk serve` makes a token on its first start and prints it once,
`newsdesk token --reset` replaces it, and NEWSDESK_TOKEN, NEWSDESK_PUBLIC_URL and NEWSDESK_ALLOWED_HOSTS configure
a server started from the environment."""
from __future__ import annotations

import re
import signal
import subprocess
from pathlib import Path

import httpx
import pytest

from conftest import run_cli
from test_serve_stop import free_port, start_serve

pytestmark = pytest.mark.slow  # the real `serve`, started and stopped

TOKEN_LINE = re.compile(r"Authorization: Bearer ([A-Za-z0-9_-]{30,})")


def stop(proc: subprocess.Popen) -> None:
    proc.send_signal(signal.SIGTERM)
    proc.wait(10)


def test_first_start_makes_a_token_prints_it_once_and_it_works(tmp_path):
    db, port = str(tmp_path / "news.db"), free_port()
    base = f"http://127.0.0.1:{port}"
    feed = {"url": "https://news.example/rss"}
    with open(tmp_path / "first.log", "wb") as log:
        proc = start_serve(db, port, log, {}, "--no-watch")
        try:
            assert httpx.post(base + "/api/feeds", json=feed).status_code == 401
        finally:
            stop(proc)
    printed = (tmp_path / "first.log").read_text()
    (token,) = TOKEN_LINE.findall(printed)
    assert f"{base}/login" in printed and "newsdesk token --reset" in printed
    stored = b"".join(p.read_bytes() for p in Path(db).parent.iterdir() if p.name.startswith("news.db"))
    assert token.encode() not in stored

    with open(tmp_path / "second.log", "wb") as log:
        proc = start_serve(db, port, log, {}, "--no-watch")
        try:
            r = httpx.post(base + "/api/feeds", json=feed, headers={"Authorization": f"Bearer {token}"})
            assert r.status_code == 201
            # a new token replaces the old one at once, in the running server too
            reset = run_cli("token", "--reset", db=db)
            assert reset.returncode == 0, reset.stderr
            (new,) = TOKEN_LINE.findall(reset.stdout)
            assert new != token
            assert httpx.post(base + "/api/feeds", json=feed, headers={"Authorization": f"Bearer {token}"}
                              ).status_code == 401
            assert httpx.post(base + "/api/feeds", json=feed, headers={"Authorization": f"Bearer {new}"}
                              ).status_code == 201
        finally:
            stop(proc)
    assert not TOKEN_LINE.search((tmp_path / "second.log").read_text())  # printed once, on the first start only
    status = run_cli("token", db=db)
    assert status.returncode == 0 and "1 token" in status.stdout and new not in status.stdout


def test_a_server_configured_from_the_environment(tmp_path):
    db, port = str(tmp_path / "news.db"), free_port()
    base = f"http://127.0.0.1:{port}"
    env = {"NEWSDESK_TOKEN": "correct horse battery staple", "NEWSDESK_PUBLIC_URL": "https://news.example.org",
           "NEWSDESK_ALLOWED_HOSTS": "desk.lan, desk.example.net"}
    with open(tmp_path / "env.log", "wb") as log:
        proc = start_serve(db, port, log, env, "--no-watch", "--allowed-host", "flag.lan")
        try:
            bearer = {"Authorization": "Bearer correct horse battery staple"}
            assert httpx.post(base + "/api/feeds", json={"url": "https://a.example/rss"}, headers=bearer
                              ).status_code == 201
            for host, status in (("desk.lan", 200), ("desk.example.net:8000", 200), ("news.example.org", 200),
                                 ("flag.lan", 200), ("evil.example", 400)):
                assert httpx.get(base + "/feed.atom", headers={"Host": host}).status_code == status, host
            assert "<id>https://news.example.org/feed.atom</id>" in httpx.get(base + "/feed.atom").text
        finally:
            stop(proc)
    printed = (tmp_path / "env.log").read_text()
    assert not TOKEN_LINE.search(printed) and "correct horse" not in printed
    assert "https://news.example.org" in printed
    assert "no token" in run_cli("token", db=db).stdout  # the environment's token is never stored

    with open(tmp_path / "ro.log", "wb") as log:
        proc = start_serve(db, port, log, {}, "--no-watch", "--read-only")
        try:
            r = httpx.post(base + "/api/feeds", json={"url": "https://b.example/rss"})
            assert r.status_code == 403 and "--read-only" in r.json()["detail"]
        finally:
            stop(proc)
    assert not TOKEN_LINE.search((tmp_path / "ro.log").read_text())  # read-only makes no token
