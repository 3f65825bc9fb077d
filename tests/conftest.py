import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# Builds fetch articles' lead images from the open web by default: the suite has no network, so its builds (and
# the commands it runs, which inherit this) fetch none. The image tests serve their images on loopback and call
# pipeline/images.py with their own settings.
os.environ["NEWSDESK_IMAGES_FETCH"] = "0"


@pytest.fixture
def db_path(tmp_path) -> str:
    return str(tmp_path / "newsdesk.db")


@pytest.fixture(scope="session")
def pg_server():
    """A throwaway PostgreSQL server for the session (tests/pgserver.py); without one, every test that needs it
    is skipped with the reason (no binaries, no psycopg), and the rest of the suite runs."""
    from pgserver import PgServer

    server, why = PgServer.find()
    if server is None:
        pytest.skip(f"PostgreSQL tests skipped: {why}")
    yield server
    server.stop()


@pytest.fixture
def pg_url(pg_server) -> str:
    """The URL of a new, empty PostgreSQL database, dropped after the test."""
    url = pg_server.create_database()
    yield url
    pg_server.drop_database(url)


@pytest.fixture(params=["sqlite", "postgresql"])
def any_db(request, tmp_path) -> str:
    """A new store of each kind in turn: a SQLite file's path, then a PostgreSQL database's URL."""
    if request.param == "sqlite":
        return str(tmp_path / "newsdesk.db")
    return request.getfixturevalue("pg_url")


def run_cli(*args: str, stdin: str | None = None, db: str | None = None):
    """The real `newsdesk` command in a subprocess, as a user runs it."""
    import subprocess

    cmd = [sys.executable, "-m", "newsdesk.cli"] + (["--db", db] if db else []) + list(args)
    return subprocess.run(cmd, input=stdin, capture_output=True, text=True, cwd=ROOT, timeout=300)


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium driven by Playwright, one per test module (a second Playwright cannot start in the same
    thread while one runs, so not per session); the module marks itself skipped where Chromium is missing."""
    from playwright.sync_api import sync_playwright

    from _common import CHROMIUM, CHROMIUM_ARGS

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()
