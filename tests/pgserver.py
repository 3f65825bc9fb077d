"""A throwaway PostgreSQL server for the tests and benchmarks: initdb in a temporary folder, pg_ctl start on a
free loopback port, one database per test, everything removed at the end.

`PgServer.find()` returns None with the reason when no server can be had (no PostgreSQL binaries, no psycopg),
so that the PostgreSQL tests are skipped saying what is missing. `NEWSDESK_TEST_POSTGRES=postgresql://...` uses an
existing server instead (its user must be allowed to create databases).
"""
from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import uuid


def _binaries() -> str | None:
    """The folder holding initdb and pg_ctl: on PATH, else Debian's /usr/lib/postgresql/<version>/bin."""
    if shutil.which("initdb") and shutil.which("pg_ctl"):
        return os.path.dirname(shutil.which("initdb"))
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    return os.path.dirname(found[-1]) if found else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PgServer:
    """A server to make databases on; `url(name)` is the URL of one of them."""

    def __init__(self, base_url: str, stop=None):
        self.base_url, self._stop = base_url.rstrip("/"), stop

    @classmethod
    def find(cls) -> tuple[PgServer | None, str]:
        """(a server, "") or (None, why there is none)."""
        try:
            import psycopg  # noqa: F401
        except ImportError:
            return None, "psycopg is not installed (pip install -e '.[postgres]')"
        if url := os.environ.get("NEWSDESK_TEST_POSTGRES"):
            return cls(url.rsplit("/", 1)[0] if url.count("/") > 2 else url), ""
        bindir = _binaries()
        if bindir is None:
            return None, "no PostgreSQL binaries (initdb, pg_ctl): apt-get install postgresql"
        try:
            return cls.start(bindir), ""
        except (OSError, subprocess.SubprocessError, KeyError) as e:
            return None, f"PostgreSQL did not start from {bindir}: {e}"

    @classmethod
    def start(cls, bindir: str) -> PgServer:
        """initdb and pg_ctl start, as the `postgres` user when run as root (the server refuses root)."""
        root = os.geteuid() == 0
        data = tempfile.mkdtemp(prefix="newsdesk-pg-")
        prefix: list[str] = []
        if root:
            import pwd

            pw = pwd.getpwnam("postgres")  # KeyError: no such user
            os.chown(data, pw.pw_uid, pw.pw_gid)
            prefix = ["runuser", "-u", "postgres", "--"]
        port = _free_port()
        run = lambda *a: subprocess.run(prefix + list(a), check=True, capture_output=True, timeout=120)  # noqa
        try:
            run(f"{bindir}/initdb", "-D", data, "-U", "newsdesk", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8")
            opts = (f"-c listen_addresses=127.0.0.1 -c port={port} -c unix_socket_directories='' -c fsync=off "
                    "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200")
            run(f"{bindir}/pg_ctl", "-D", data, "-o", opts, "-l", f"{data}/log", "-w", "-t", "60", "start")
        except subprocess.CalledProcessError as e:
            shutil.rmtree(data, ignore_errors=True)
            raise OSError((e.stderr or b"").decode(errors="replace").strip()[-300:] or str(e)) from None

        def stop():
            subprocess.run(prefix + [f"{bindir}/pg_ctl", "-D", data, "-m", "immediate", "-w", "stop"],
                           capture_output=True, timeout=60)
            shutil.rmtree(data, ignore_errors=True)

        return cls(f"postgresql://newsdesk@127.0.0.1:{port}", stop)

    def create_database(self, name: str | None = None) -> str:
        """A new empty database; returns its URL."""
        import psycopg

        name = name or "t_" + uuid.uuid4().hex[:16]
        with psycopg.connect(self.base_url + "/postgres", autocommit=True) as con:
            con.execute(f'CREATE DATABASE "{name}"')
        return f"{self.base_url}/{name}"

    def drop_database(self, url: str) -> None:
        import psycopg

        with psycopg.connect(self.base_url + "/postgres", autocommit=True) as con:
            con.execute(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')

    def stop(self) -> None:
        if self._stop:
            self._stop()
