"""Full-text search over articles (SQLite FTS5), bounded in length, number of words and time.

FTS5's cost grows with the square of the terms, so a query is refused past `LIMITS.search_chars` characters or
`LIMITS.search_terms` different words, and stopped after `LIMITS.search_seconds` of work (newsdesk/settings.py).
User input is never read as FTS5 syntax: every word is quoted.
"""
from __future__ import annotations

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


class Search(Connection):
    def search(self, query: str, limit: int = 50) -> list[tuple[Article, str]]:
        """Full-text search; returns (article, snippet) with the snippet's matches between \\x02 and \\x03.

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
        # A timer interrupts the statement at the deadline (sqlite3's interrupt is safe from another thread, and
        # a no-op once no statement runs). Not a progress handler: FTS5's cost is in its rank and snippet
        # functions, a few VM instructions per row, so a handler had to run every 10 instructions, taking the
        # GIL each time: a third of a search's time alone, and far more with concurrent searches in one server.
        timer = threading.Timer(seconds, self.db.interrupt)
        timer.daemon = True
        timer.start()
        try:
            rows = self.db.execute(
                """SELECT a.*, snippet(articles_fts, 1, char(2), char(3), ' … ', 24) AS snip
                   FROM articles_fts JOIN articles a ON a.id = articles_fts.rowid
                   WHERE articles_fts MATCH ? ORDER BY rank LIMIT ?""",
                (fts_query(terms), limit),
            ).fetchall()
        except sqlite3.OperationalError as e:
            if "interrupt" in str(e) and time.monotonic() >= deadline:
                raise SearchTimedOut(f"the search took longer than {seconds:g} s and was stopped; try fewer or "
                                     "rarer words") from None
            raise
        finally:
            timer.cancel()
            timer.join()
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
