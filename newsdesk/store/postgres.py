"""The PostgreSQL dialect of the store: a connection that speaks the SQL the record modules write for SQLite.

`Store("postgresql://user@host/db")` (or `postgres://`) opens PostgreSQL through psycopg 3 (the `postgres` extra);
every other path opens SQLite. The record modules keep one SQL text for both: `PgDb` offers the slice of
`sqlite3.Connection` they use (`execute`, `executemany`, `executescript`, `with db:` as a transaction, `interrupt`,
rows read by index or by name, `lastrowid`) and rewrites SQLite's spellings on the way (`translate`):

    ?  and  :name                      ->  %s  and  %(name)s   (and a literal % doubled)
    INSERT OR IGNORE INTO ...          ->  INSERT INTO ... ON CONFLICT DO NOTHING
    INSERT OR REPLACE INTO t ...       ->  INSERT INTO t ... ON CONFLICT (t's primary key) DO UPDATE SET the rest
    x IS NOT y  /  x IS y              ->  x IS DISTINCT FROM y  /  x IS NOT DISTINCT FROM y   (y not NULL)
    INSERT into a table with an id     ->  ... RETURNING id   (for `cursor.lastrowid`)

What cannot be said the same way in both (full-text search, date arithmetic, the integrity check, triggers) is
written twice: the migrations in newsdesk/migrations/postgresql/, the rest beside its SQLite twin, chosen by
`Connection.dialect`. Why this and not SQLAlchemy: docs/design/postgresql.md.

Writers: every `transaction()` first takes a transaction-level advisory lock (WRITE_LOCK), so that writes to one
database are serialised as SQLite serialises them, and a read-then-write such as "add the credential if there is
none" means the same on both. The build lock is a session-level advisory lock (BUILD_LOCK) on the build's own
connection: PostgreSQL releases it when the session ends, a killed build included.
"""
from __future__ import annotations

import functools
import os
import re
import socket
import threading
from contextlib import contextmanager
from typing import Callable, Iterable, Iterator
from urllib.parse import urlsplit, urlunsplit

# Advisory lock keys (any two bigints; these spell "newsdesk" and what the lock is for). Per database.
BUILD_LOCK = 0x6E657773_00000001
WRITE_LOCK = 0x6E657773_00000002
URL_SCHEMES = ("postgresql://", "postgres://")
IDLE_CONNECTIONS = 8  # kept per process and database for the next store opened
_IDLE: dict[tuple[int, str], list[PgDb]] = {}
_IDLE_LOCK = threading.Lock()


def is_url(path: str) -> bool:
    """Whether a `--db` value names a PostgreSQL database rather than a SQLite file."""
    return str(path).startswith(URL_SCHEMES)


def redact(url: str) -> str:
    """The URL without its password, for messages."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.rsplit("@", 1)
    return urlunsplit(parts._replace(netloc=netloc[0].split(":", 1)[0] + ":***@" + netloc[1]))


def psycopg_module():
    """psycopg, or StoreError-worthy ImportError text naming the extra to install."""
    try:
        import psycopg
    except ImportError as e:  # pragma: no cover - depends on the installation
        raise ImportError("PostgreSQL needs psycopg: pip install 'newsdesk[postgres]'") from e
    return psycopg


# -- rows ------------------------------------------------------------------------------------------------------
class Row(tuple):
    """A row read by position or by column name, and `dict(row)`, as `sqlite3.Row` is."""

    def __new__(cls, values, names: list[str], index: dict[str, int]):
        row = super().__new__(cls, values)
        row._names, row._index = names, index
        return row

    def __getitem__(self, key):
        if isinstance(key, str):
            return tuple.__getitem__(self, self._index[key])
        return tuple.__getitem__(self, key)

    def keys(self) -> list[str]:
        return list(self._names)


def _row_factory(cursor):
    names = [c.name for c in cursor.description or ()]
    index: dict[str, int] = {}
    for i, n in enumerate(names):
        index.setdefault(n, i)  # the first of two same-named columns, as sqlite3.Row
    return lambda values: Row(values, names, index)


# -- SQL translation -------------------------------------------------------------------------------------------
_STRINGS = re.compile(r"('(?:[^']|'')*')")
_CODE = re.compile(r"\?|(?<![:\w]):([A-Za-z_]\w*)|%")
_IS_NOT = re.compile(r"\bIS\s+NOT\s+(?!NULL\b|TRUE\b|FALSE\b|DISTINCT\b)", re.I)
_IS = re.compile(r"\bIS\s+(?!NOT\b|NULL\b|TRUE\b|FALSE\b|DISTINCT\b)", re.I)
_OR = re.compile(r"^\s*INSERT\s+OR\s+(IGNORE|REPLACE)\s+INTO\s+(\w+)\s*(?:\(([^)]*)\))?", re.I)
_INSERT = re.compile(r"^\s*INSERT\s+INTO\s+(\w+)", re.I)


def _code(segment: str) -> str:
    segment = _IS_NOT.sub("IS DISTINCT FROM ", segment)
    segment = _IS.sub("IS NOT DISTINCT FROM ", segment)

    def one(m: re.Match) -> str:
        t = m.group(0)
        if t == "?":
            return "%s"
        if t == "%":
            return "%%"
        return f"%({m.group(1)})s"

    return _CODE.sub(one, segment)


@functools.lru_cache(maxsize=1024)
def _placeholders(sql: str) -> str:
    parts = _STRINGS.split(sql)  # odd parts are string literals: only their % changes
    return "".join(p.replace("%", "%%") if i % 2 else _code(p) for i, p in enumerate(parts))


def translate(sql: str, columns: Callable[[str], list[str]], primary_key: Callable[[str], list[str]],
              returning: bool) -> str:
    """SQLite's SQL as PostgreSQL reads it (the table in the module docstring). `columns(table)` and
    `primary_key(table)` read the catalog; `returning`: add `RETURNING id` to an INSERT into a table with an id."""
    sql = sql.strip().rstrip(";")
    table = None
    if m := _OR.match(sql):
        kind, table, cols = m.group(1).upper(), m.group(2), m.group(3)
        listed = [c.strip() for c in cols.split(",")] if cols else columns(table)
        sql = f"INSERT INTO {table} ({', '.join(listed)}) " + sql[m.end():].lstrip()
        if kind == "IGNORE":
            sql += " ON CONFLICT DO NOTHING"
        else:
            key = primary_key(table)
            rest = [c for c in listed if c not in key]
            sql += f" ON CONFLICT ({', '.join(key)}) " + (
                "DO UPDATE SET " + ", ".join(f"{c} = EXCLUDED.{c}" for c in rest) if rest else "DO NOTHING")
    elif m := _INSERT.match(sql):
        table = m.group(1)
    if returning and table and "id" in columns(table) and not re.search(r"\bRETURNING\b", sql, re.I):
        sql += " RETURNING id"
    return _placeholders(sql)


# -- the connection --------------------------------------------------------------------------------------------
class Cursor:
    """What an `execute` returns: rows to iterate or fetch, `rowcount`, and `lastrowid` of an INSERT."""

    def __init__(self, cursor, lastrowid: int | None = None, rows: list | None = None):
        self._cursor, self.lastrowid, self._rows = cursor, lastrowid, rows
        self.rowcount = cursor.rowcount

    def fetchone(self):
        if self._rows is not None:
            return self._rows.pop(0) if self._rows else None
        return self._cursor.fetchone() if self._cursor.description else None

    def fetchall(self) -> list:
        if self._rows is not None:
            rows, self._rows = self._rows, []
            return rows
        return self._cursor.fetchall() if self._cursor.description else []

    def __iter__(self) -> Iterator:
        return iter(self.fetchall())


class PgDb:
    """A psycopg connection (autocommit between transactions) with the interface the record modules use."""

    dialect = "postgresql"

    def __init__(self, url: str, connect_timeout: int = 10):
        psycopg = psycopg_module()
        self.url = url
        # Times are written as text by the store (codec.py); the server's own clock functions read UTC too.
        self.conn = psycopg.connect(
            url, autocommit=True, row_factory=_row_factory, connect_timeout=connect_timeout,
            application_name=f"newsdesk pid {os.getpid()} on {socket.gethostname()}"[:63], options="-c TimeZone=UTC")
        self._catalog: tuple[dict[str, list[str]], dict[str, list[str]]] | None = None
        self._tx: list = []

    # the catalog, read once per connection and only when an INSERT needs it
    def _read_catalog(self):
        if self._catalog is None:
            cols: dict[str, list[str]] = {}
            keys: dict[str, list[str]] = {}
            for t, c in self.conn.execute(
                    "SELECT table_name, column_name FROM information_schema.columns "
                    "WHERE table_schema = current_schema() ORDER BY table_name, ordinal_position"):
                cols.setdefault(t, []).append(c)
            for t, c in self.conn.execute(
                    """SELECT tc.table_name, k.column_name FROM information_schema.table_constraints tc
                       JOIN information_schema.key_column_usage k
                         ON k.constraint_name = tc.constraint_name AND k.constraint_schema = tc.constraint_schema
                       WHERE tc.constraint_type = 'PRIMARY KEY' AND tc.table_schema = current_schema()
                       ORDER BY tc.table_name, k.ordinal_position"""):
                keys.setdefault(t, []).append(c)
            self._catalog = (cols, keys)
        return self._catalog

    def _columns(self, table: str) -> list[str]:
        # an identity column written by the database (feed_items.rowid) is never listed in an INSERT
        return [c for c in self._read_catalog()[0].get(table, []) if c != "rowid"]

    def _primary_key(self, table: str) -> list[str]:
        return self._read_catalog()[1].get(table, [])

    def _sql(self, sql: str, returning: bool) -> str:
        return translate(sql, self._columns, self._primary_key, returning)

    def execute(self, sql: str, params: Iterable | dict = ()) -> Cursor:
        params = params if isinstance(params, dict) else tuple(params)
        query = self._sql(sql, returning=True)
        cur = self.conn.execute(query, params)
        if query.endswith(" RETURNING id"):
            rows = cur.fetchall()
            return Cursor(cur, rows[-1][0] if rows else None, [])
        return Cursor(cur)

    def executemany(self, sql: str, seq: Iterable) -> Cursor:
        seq = [p if isinstance(p, dict) else tuple(p) for p in seq]
        with self.conn.cursor() as cur:
            if seq:
                cur.executemany(self._sql(sql, returning=False), seq)
            return Cursor(cur, rows=[])

    def executescript(self, sql: str) -> None:
        """Runs a PostgreSQL script as it is (no translation): the migrations."""
        self.conn.execute(sql.encode())
        self._catalog = None  # the tables may have changed

    # `with db:` is a transaction, as with sqlite3 (psycopg's own `with conn:` would close the connection)
    def __enter__(self):
        tx = self.conn.transaction()
        tx.__enter__()
        self._tx.append(tx)
        self.conn.execute("SELECT pg_advisory_xact_lock(%s)", (WRITE_LOCK,))
        return self

    def __exit__(self, *exc) -> bool:
        return bool(self._tx.pop().__exit__(*exc))

    @property
    def in_transaction(self) -> bool:
        """As sqlite3's: whether a transaction is open on this connection."""
        return bool(self._tx)

    def rollback(self) -> None:
        pass  # transactions end in __exit__; there is never one open between calls (autocommit)

    def interrupt(self) -> None:
        """Stops the statement in flight (from any thread), as sqlite3's interrupt does."""
        self.conn.cancel_safe()

    @classmethod
    def open(cls, url: str) -> tuple[PgDb, bool]:
        """A connection from this process's idle ones for `url`, else a new one; the flag says it is reused."""
        with _IDLE_LOCK:
            idle = _IDLE.get((os.getpid(), url))
            if idle:
                return idle.pop(), True
        return cls(url), False

    def close(self) -> None:
        """Keeps the connection for the next `open` in this process (the web server opens a store per request:
        a new session costs milliseconds) when it is healthy and idle; closes it otherwise."""
        psycopg = psycopg_module()
        if not self.conn.closed and not self._tx and \
                self.conn.info.transaction_status == psycopg.pq.TransactionStatus.IDLE:
            with _IDLE_LOCK:
                idle = _IDLE.setdefault((os.getpid(), self.url), [])  # per process: a session is not fork-safe
                if len(idle) < IDLE_CONNECTIONS:
                    idle.append(self)
                    return
        self.conn.close()

    def discard(self) -> None:
        self.conn.close()

    # -- what is said differently ------------------------------------------------------------------------------
    @contextmanager
    def build_lock(self, name: str, on_wait: Callable[[str], None] | None) -> Iterator[None]:
        """One build at a time per database: a session-level advisory lock, released by PostgreSQL when this
        session ends (the process killed, its connection dropped)."""
        if not self.conn.execute("SELECT pg_try_advisory_lock(%s)", (BUILD_LOCK,)).fetchone()[0]:
            if on_wait:
                holder = self.conn.execute(
                    """SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
                       WHERE l.locktype = 'advisory' AND l.granted AND l.database =
                         (SELECT oid FROM pg_database WHERE datname = current_database())
                       AND ((l.classid::bigint << 32) | l.objid::bigint) = %s""", (BUILD_LOCK,)).fetchone()
                on_wait(f"another build is running on {name} ({holder[0] if holder else 'another process'}); "
                        "waiting for it to finish")
            self.conn.execute("SELECT pg_advisory_lock(%s)", (BUILD_LOCK,))
        try:
            yield
        finally:
            if not self.conn.closed:
                self.conn.execute("SELECT pg_advisory_unlock(%s)", (BUILD_LOCK,))

    def search(self, terms: list[str], limit: int, seconds: float) -> list:
        """Rows of `articles` matching every term (tsvector `simple`, no stemming, as FTS5's default tokenizer),
        best first by ts_rank_cd, each with `snip`: a fragment of its text, matches between \\x02 and \\x03.
        Raises psycopg's QueryCanceled past `seconds`."""
        options = "StartSel=\x02, StopSel=\x03, MaxWords=24, MinWords=12, MaxFragments=1, FragmentDelimiter=\" … \""
        query = " ".join(terms)
        with self.conn.transaction():
            self.conn.execute(f"SET LOCAL statement_timeout = {max(1, int(seconds * 1000))}")
            return self.conn.execute(
                """SELECT a.*, ts_headline('simple', a.text, q, %s) AS snip
                   FROM (SELECT f.id, ts_rank_cd(f.fts, q) AS rank FROM articles_fts f,
                           plainto_tsquery('simple', %s) q WHERE f.fts @@ q ORDER BY rank DESC, f.id LIMIT %s) m
                   JOIN articles a ON a.id = m.id, plainto_tsquery('simple', %s) q
                   ORDER BY m.rank DESC, m.id""", (options, query, limit, query)).fetchall()


def plus_seconds(column: str, seconds: str) -> str:
    """SQL: the sortable UTC text (codec.utc_text) of the time in `column` plus `seconds` seconds."""
    return (f"to_char(({column})::timestamptz AT TIME ZONE 'UTC' + ({seconds}) * interval '1 second', "
            "'YYYY-MM-DD\"T\"HH24:MI:SS')")


def query_canceled() -> type[Exception] | None:
    """psycopg's error for a statement stopped by `interrupt` or a timeout; None without psycopg."""
    try:
        from psycopg.errors import QueryCanceled
    except ImportError:
        return None
    return QueryCanceled


def database_error() -> tuple[type[Exception], ...]:
    """psycopg's base error, as a tuple for `except` (empty without psycopg)."""
    try:
        import psycopg
    except ImportError:
        return ()
    return (psycopg.Error,)


def headline_ellipses(text: str, snip: str) -> str:
    """FTS5's snippet marks a cut with ' … '; ts_headline does not: mark where the fragment leaves the text."""
    plain = snip.replace("\x02", "").replace("\x03", "")
    if plain and not text.startswith(plain):
        snip = "… " + snip
    if plain and not text.rstrip().endswith(plain.rstrip()):
        snip = snip + " …"
    return snip

