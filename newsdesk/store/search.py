"""Full-text search over articles (SQLite FTS5), bounded in length, number of words and time.

FTS5's cost grows with the square of the terms, so a query is refused past `LIMITS.search_chars` characters or
`LIMITS.search_terms` different words, and stopped after `LIMITS.search_seconds` of work (newsdesk/settings.py).
User input is never read as FTS5 syntax: every word is quoted.
"""
from __future__ import annotations

import itertools
import sqlite3
import threading
import time

from ..models import Article
from ..settings import LIMITS
from . import postgres
from .articles import article_from_row
from .connection import Connection
from ..errors import InputError, Unavailable


class SearchRefused(InputError):
    """A search over the limits on its length or its number of words; the message says which."""


class SearchTimedOut(Unavailable):
    """A search stopped at its time limit."""


def fts_terms(query: str) -> list[str]:
    """The words of a query, each once (a repeated word adds no meaning to an AND, only cost; FTS5 ignores case,
    so neither does this), with everything but letters and digits dropped."""
    first: dict[str, str] = {}
    for term in "".join(c if c.isalnum() else " " for c in query).split():
        first.setdefault(term.lower(), term)
    return list(first.values())


def fts_query(terms: list[str]) -> str:
    """Quote every term so that user input can never be read as FTS5 syntax (a stray quote or AND would fail)."""
    return " ".join(f'"{t}"' for t in terms)


class _Watchdog:
    """One thread for the searches of the whole process, which interrupts each one's connection at its deadline.

    A thread per search (threading.Timer) had to be started and joined by every search, and under ten concurrent
    searches the join waited for the timer's thread to get the GIL back: more than the search itself. Past its
    deadline a connection is interrupted again every 50 ms until released; once `release` returns, it is never
    interrupted on the search's account (both hold the lock), so the connection's next statement is safe.
    """

    def __init__(self):
        self._cond = threading.Condition()
        self._due: dict[int, tuple[float, sqlite3.Connection]] = {}
        self._tokens = itertools.count()
        self._wake = float("inf")  # when the thread next looks, unless notified
        self._thread: threading.Thread | None = None

    def watch(self, db: sqlite3.Connection, deadline: float) -> int:
        """Interrupts `db` at `deadline` (time.monotonic) unless released first; returns the token to release."""
        with self._cond:
            token = next(self._tokens)
            self._due[token] = (deadline, db)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="newsdesk search deadlines", daemon=True)
                self._thread.start()
            elif deadline < self._wake:
                self._cond.notify()
            return token

    def release(self, token: int) -> None:
        with self._cond:
            self._due.pop(token, None)

    def _run(self) -> None:
        with self._cond:
            while True:
                now = time.monotonic()
                for token, (deadline, db) in list(self._due.items()):
                    if deadline <= now:
                        # Again every 50 ms until released: an interrupt that lands between two statements of
                        # a search is a no-op (SQLite clears it when the next one starts).
                        try:
                            db.interrupt()
                            self._due[token] = (now + 0.05, db)
                        except sqlite3.ProgrammingError:  # closed: nothing runs on it any more
                            del self._due[token]
                self._wake = min((d for d, _ in self._due.values()), default=float("inf"))
                self._cond.wait(None if self._wake == float("inf") else self._wake - now)


_WATCHDOG = _Watchdog()


class Search(Connection):
    def search(self, query: str, limit: int = 50) -> list[tuple[Article, str]]:
        """Full-text search; returns (article, snippet) with the snippet's matches between \\x02 and \\x03: the
        `limit` best by relevance (bm25) among the LIMITS.search_ranked newest matching articles (all of them when
        fewer match), best first.

        The markers are control characters so that the web layer can escape the snippet first and only then
        turn them into <mark> tags: article text is untrusted. Raises SearchRefused for a query over
        LIMITS.search_chars characters or LIMITS.search_terms different words, and SearchTimedOut when SQLite
        works on it for more than LIMITS.search_seconds.
        """
        if len(query) > LIMITS.search_chars:
            raise SearchRefused(f"the search is {len(query):,} characters long; at most {LIMITS.search_chars} "
                                "characters, please")
        terms = fts_terms(query)
        if not terms:
            return []
        if len(terms) > LIMITS.search_terms:
            raise SearchRefused(f"the search has {len(terms)} different words; at most {LIMITS.search_terms} "
                                "different words, please")
        seconds = LIMITS.search_seconds
        if self.dialect == "postgresql":
            return self._search_postgres(terms, limit, seconds)
        deadline = time.monotonic() + seconds
        # The watchdog interrupts the statement at the deadline (sqlite3's interrupt is safe from another thread,
        # and a no-op once no statement runs). Not a progress handler: FTS5's cost is in its rank and snippet
        # functions, a few VM instructions per row, so a handler had to run every 10 instructions, taking the
        # GIL each time: a third of a search's time alone, and far more with concurrent searches in one server.
        watch = _WATCHDOG.watch(self.db, deadline)
        match = fts_query(terms)
        try:
            # Ranked among the newest matches only (LIMITS.search_ranked, by article id: arrival order): the rowid
            # of the last of them is a walk down the term's doclist, and FTS5 then reads only the rowids above it.
            # Fewer matches than that: the same results as ranking them all, as bm25's statistics are the index's.
            floor = self.db.execute(
                "SELECT rowid FROM articles_fts WHERE articles_fts MATCH ? ORDER BY rowid DESC LIMIT 1 OFFSET ?",
                (match, max(LIMITS.search_ranked, limit) - 1)).fetchone()
            rows = self.db.execute(
                """SELECT a.*, snippet(articles_fts, 1, char(2), char(3), ' … ', 24) AS snip
                   FROM articles_fts JOIN articles a ON a.id = articles_fts.rowid
                   WHERE articles_fts MATCH ? AND articles_fts.rowid >= ? ORDER BY rank LIMIT ?""",
                (match, floor[0] if floor else 0, limit),
            ).fetchall()
        except sqlite3.OperationalError as e:
            if "interrupt" in str(e) and time.monotonic() >= deadline:
                raise SearchTimedOut(f"the search took longer than {seconds:g} s and was stopped; try fewer or "
                                     "rarer words") from None
            raise
        finally:
            _WATCHDOG.release(watch)
        return [(article_from_row(r), r["snip"]) for r in rows]

    def _search_postgres(self, terms: list[str], limit: int, seconds: float) -> list[tuple[Article, str]]:
        # tsvector and GIN in place of FTS5, statement_timeout in place of the timer (postgres.PgDb.search)
        try:
            rows = self.db.search(terms, limit, seconds)
        except postgres.query_canceled() as e:
            if "statement timeout" in str(e):
                raise SearchTimedOut(f"the search took longer than {seconds:g} s and was stopped; try fewer or "
                                     "rarer words") from None
            raise
        return [(article_from_row(r), postgres.headline_ellipses(r["text"], r["snip"])) for r in rows]
