"""`newsdesk serve` stops when told: SIGTERM ends the real command within seconds, even while requests that would
keep SQLite busy for a long time are in flight and the feed poller runs beside it."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from datetime import datetime
from pathlib import Path

import httpx
import pytest

from newsdesk.models import Article, RawInput
from newsdesk.store import Store

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow  # the real `serve`, stopped mid-request


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wordy_store(path: str, words: list[str], articles: int) -> None:
    """Articles that all carry every word: a search for all the words makes SQLite rank and snippet each one."""
    with Store(path) as store:
        for k in range(articles):
            raw = RawInput(body=f"list {k}".encode(), kind="text", origin=f"list {k}")
            store.put_raw(raw)
            store.add_article(Article(title=f"List {k}", text=" ".join(words) + ".", outlet="Lists",
                                      published=datetime(2020, 1, 1), raw_sha256=raw.sha256))


def start_serve(db: str, port: int, log, env: dict[str, str], *flags: str) -> subprocess.Popen:
    """The real command, its output to a file (an unread pipe fills up and blocks the server)."""
    proc = subprocess.Popen([sys.executable, "-m", "newsdesk.cli", "--db", db, "serve", "--port", str(port),
                             "--tick", "0.5", *flags], stdout=log, stderr=subprocess.STDOUT, cwd=ROOT,
                            env={**os.environ, **env})
    deadline = time.monotonic() + 30
    while True:
        try:
            httpx.get(f"http://127.0.0.1:{port}/about", timeout=1)
            return proc
        except httpx.HTTPError:
            assert proc.poll() is None and time.monotonic() < deadline, "server did not start"
            time.sleep(0.1)


def test_sigterm_stops_serve_with_long_searches_in_flight(tmp_path):
    words = [f"w{i}x" for i in range(5000)]
    db, port = str(tmp_path / "news.db"), free_port()
    wordy_store(db, words, 40)  # one search for all 5,000 words: over 15 s of SQLite time, unbounded
    # limits raised so that these searches run long: what is under test is the stop, not the search limits
    env = {"NEWSDESK_MAX_SEARCH_CHARS": "1000000", "NEWSDESK_MAX_SEARCH_TERMS": "1000000",
           "NEWSDESK_SEARCH_SECONDS": "600"}
    log = open(tmp_path / "serve.log", "wb")
    proc = start_serve(db, port, log, env)
    answers: list[object] = []

    def search() -> None:
        try:
            answers.append(httpx.get(f"http://127.0.0.1:{port}/api/search", params={"q": " ".join(words)},
                                     timeout=60).status_code)
        except httpx.HTTPError as e:
            answers.append(type(e).__name__)

    clients = [threading.Thread(target=search, daemon=True) for _ in range(3)]
    try:
        for c in clients:
            c.start()
        time.sleep(1.5)  # the searches are under way
        assert proc.poll() is None and not answers
        stopped_at = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=8)
        except subprocess.TimeoutExpired:
            raise AssertionError("serve was still running 8 s after SIGTERM") from None
        took = time.monotonic() - stopped_at
        assert proc.returncode in (0, -signal.SIGTERM), proc.returncode
        for c in clients:
            c.join(timeout=5)
        # every client got an answer or a closed connection, none was left hanging
        assert len(answers) == 3 and all(a in (503, "RemoteProtocolError", "ReadError") for a in answers), answers
        print(f"serve stopped {took:.1f} s after SIGTERM")
    except AssertionError:
        print((tmp_path / "serve.log").read_text(errors="replace")[-3000:])
        raise
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
        log.close()
