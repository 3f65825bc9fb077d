"""Opening the database, and what every kind of record shares: the connection, transactions, the build lock.

`Connection` opens SQLite with WAL, foreign keys and a busy timeout (or, for a `postgresql://` URL, PostgreSQL
through postgres.py), applies the migrations not yet applied (`schema.py`; unless told not to), and offers `transaction()` (all or
nothing, nesting) and `build_lock()` (one build per database). Every record module's class derives from it, and
`Store` combines them. `dialect` ("sqlite" or "postgresql") picks the few statements written twice.
"""
from __future__ import annotations

import fcntl
import os
import sqlite3
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator, Self

from . import postgres, schema
from ..errors import NewsdeskError


class StoreError(NewsdeskError):
    """The database cannot be used (not a newsdesk database, damaged, unreadable); the message names it."""


class Connection:
    """One connection to a newsdesk database; `db` is the sqlite3 connection (rows are `sqlite3.Row`), or for a
    PostgreSQL URL a `postgres.PgDb` that offers the same interface."""

    db: sqlite3.Connection
    path: str
    dialect: str = "sqlite"

    def __init__(self, path: str | Path, migrate: bool = True):
        """`migrate=False`: the schema is taken as it is (a server that migrated once at its start opens one
        connection per request, and checking every migration costs more than the rest of opening)."""
        self.path = str(path)
        self._depth = 0  # nesting of transaction()
        if postgres.is_url(self.path):
            self._open_postgres()
            return
        try:
            if self.path != ":memory:":
                Path(self.path).parent.mkdir(parents=True, exist_ok=True)
            # check_same_thread=False: the web server reads from a worker thread; SQLite itself serialises writes.
            # timeout: the feed pollers, a build and the web server write side by side; a writer waits its turn
            self.db = sqlite3.connect(self.path, check_same_thread=False, timeout=30)
            self.db.row_factory = sqlite3.Row
            self.db.execute("PRAGMA foreign_keys = ON")
            self.db.execute("PRAGMA journal_mode = WAL")
            self.db.execute("PRAGMA synchronous = NORMAL")
            if migrate:
                self.migrate()
        except (sqlite3.DatabaseError, OSError) as e:
            if getattr(self, "db", None) is not None:
                self.db.close()
            raise StoreError(f"{self.path}: cannot use this database ({e}); is it a newsdesk database, and is it "
                             "intact? (`sqlite3 FILE 'PRAGMA integrity_check'` tells)") from e

    def _open_postgres(self) -> None:
        self.dialect = "postgresql"
        try:
            self.db, reused = postgres.PgDb.open(self.path)
            if reused:
                try:
                    self.migrate()
                    return
                except postgres.database_error():  # the server restarted since: a new session
                    self.db.discard()
                    self.db = postgres.PgDb(self.path)
        except ImportError as e:
            raise StoreError(f"{postgres.redact(self.path)}: {e}") from None
        except postgres.database_error() as e:
            raise StoreError(f"{postgres.redact(self.path)}: cannot connect to PostgreSQL ({str(e).strip()})") from None
        try:
            self.migrate()
        except (FileNotFoundError, *postgres.database_error()) as e:  # a migration without its twin, a foreign db
            self.db.discard()
            raise StoreError(f"{postgres.redact(self.path)}: cannot use this database ({str(e).strip()}); is it a "
                             "newsdesk database?") from e

    @property
    def name(self) -> str:
        """The database as messages name it (a URL without its password)."""
        return postgres.redact(self.path)

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """All or nothing: the writes of every store call made inside commit together (calls nest)."""
        if self._depth:
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
            return
        self._depth = 1
        try:
            with self.db:
                yield
        finally:
            self._depth = 0

    @contextmanager
    def build_lock(self, on_wait: Callable[[str], None] | None = None) -> Iterator[None]:
        """One build at a time per database. A lock on a file beside it (PostgreSQL: a session-level advisory
        lock): the kernel (the server) releases it when its holder dies, kill -9 included, so a crashed build never
        leaves the store locked. `on_wait` hears once why this one waits."""
        if self.path == ":memory:":  # private to this connection: nobody to exclude
            yield
            return
        if self.dialect == "postgresql":
            with self.db.build_lock(self.name, on_wait):
                yield
            return
        with open(self.path + ".lock", "a+") as f:
            try:
                fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                if on_wait:
                    f.seek(0)
                    holder = f.read().strip() or "another process"
                    on_wait(f"another build is running on {self.path} ({holder}); waiting for it to finish")
                fcntl.flock(f, fcntl.LOCK_EX)
            try:
                f.seek(0)
                f.truncate()
                f.write(f"pid {os.getpid()}")
                f.flush()
                yield
            finally:
                f.truncate(0)
                fcntl.flock(f, fcntl.LOCK_UN)

    # -- schema ---------------------------------------------------------------------------------------------
    def migrate(self) -> list[str]:
        """Applies the migrations not yet recorded; returns their names."""
        return schema.migrate(self.db)

    def applied_migrations(self) -> list[str]:
        return schema.applied_migrations(self.db)

    def check(self) -> list[str]:
        """What is wrong with the store, in words an operator can act on; empty when nothing is. Reads every page
        of the database (PRAGMA integrity_check): seconds for a large one."""
        return schema.check(self.db)
