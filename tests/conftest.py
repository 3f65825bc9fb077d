import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def db_path(tmp_path) -> str:
    return str(tmp_path / "newsdesk.db")


def run_cli(*args: str, stdin: str | None = None, db: str | None = None):
    """The real `newsdesk` command in a subprocess, as a user runs it."""
    import subprocess

    cmd = [sys.executable, "-m", "newsdesk.cli"] + (["--db", db] if db else []) + list(args)
    return subprocess.run(cmd, input=stdin, capture_output=True, text=True, cwd=ROOT, timeout=300)
