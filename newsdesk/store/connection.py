"""The one module that talks to the database: SQLite (WAL, foreign keys, FTS5), with numbered migrations.

Stages never import this; the pipeline reads records from here, hands them to stages, and writes results back.
"""
from __future__ import annotations

import fcntl
import json
import os
import sqlite3
import time
from contextlib import contextmanager
from dataclasses import asdict
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Iterable, Iterator

from .models import Article, Brief, BriefSentence, RawInput, Story
from .settings import LIMITS

MIGRATIONS_DIR = Path(__file__).with_name("migrations")


def migrations() -> list[tuple[str, str]]:
    """(name, sql) of every migration file, in name order: `NNNN_what.sql`, append only, each run once."""
    return [(p.stem, p.read_text()) for p in sorted(MIGRATIONS_DIR.glob("[0-9][0-9][0-9][0-9]_*.sql"))]


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _utc(value: datetime | None) -> str | None:
    """A sortable UTC string; naive times are taken as UTC so that they still sort with the rest."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")


def _dt(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def brief_to_json(brief: Brief) -> str:
    def encode(o):
        return o.isoformat() if isinstance(o, datetime) else o

    data = asdict(brief)
    for s in data["sentences"] + data["latest"]:
        s["published"] = encode(s["published"])
    return json.dumps(data)


def brief_from_json(text: str | None) -> Brief | None:
    if not text:
        return None
    data = json.loads(text)
    def decode(items):
        return [BriefSentence(**{**s, "published": _dt(s.get("published"))}) for s in items]

    return Brief(headline=data["headline"], sentences=decode(data["sentences"]),
                 headline_article_id=data.get("headline_article_id"), latest=decode(data.get("latest", [])))


class StoreError(Exception):
    """The database cannot be used (not a newsdesk database, damaged, unreadable); the message names it."""


class Store:
    def __init__(self, path: str | Path):
        self.path = str(path)
        self._depth = 0  # nesting of transaction()
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
            self.migrate()
        except (sqlite3.DatabaseError, OSError) as e:
            if getattr(self, "db", None) is not None:
                self.db.close()
            raise StoreError(f"{self.path}: cannot use this database ({e}); is it a newsdesk database, and is it "
                             "intact? (`sqlite3 FILE 'PRAGMA integrity_check'` tells)") from e

    def close(self) -> None:
        self.db.close()

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
        """One build at a time per database. A lock on a file beside it: the kernel releases it when its holder
        dies, kill -9 included, so a crashed build never leaves the store locked. `on_wait` hears once why this
        one waits."""
        if self.path == ":memory:":  # private to this connection: nobody to exclude
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

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- schema ---------------------------------------------------------------------------------------------
    def migrate(self) -> list[str]:
        """Applies the migrations not yet recorded; returns their names."""
        self.db.execute("CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, applied_at TEXT)")
        done = {r[0] for r in self.db.execute("SELECT name FROM schema_migrations")}
        applied = []
        for name, sql in migrations():
            if name in done:
                continue
            # executescript commits first, so BEGIN/COMMIT inside the script make the migration all-or-nothing.
            try:
                self.db.executescript(f"BEGIN;\n{sql}\nINSERT INTO schema_migrations VALUES ('{name}', '{_now()}');\nCOMMIT;")
            except sqlite3.Error:
                self.db.rollback()
                raise
            applied.append(name)
        return applied

    def check(self) -> list[str]:
        """What is wrong with the store, in words an operator can act on; empty when nothing is. Reads every page
        of the database (PRAGMA integrity_check): seconds for a large one."""
        problems = [f"integrity: {r[0]}" for r in self.db.execute("PRAGMA integrity_check") if r[0] != "ok"]
        if problems:
            return problems  # the counts below would read damaged pages
        q = lambda sql: self.db.execute(sql).fetchone()[0]  # noqa: E731
        if n := q("SELECT count(*) FROM articles WHERE story_id IS NULL"):
            problems.append(f"{n} articles wait for a story: `newsdesk build` assigns them")
        if n := q("SELECT count(*) FROM stale_stories"):
            problems.append(f"{n} stories are owed their brief, facts or links: `newsdesk build` writes them")
        if n := q("""SELECT count(DISTINCT a.story_id) FROM articles a JOIN stories s ON s.id = a.story_id
                     WHERE (s.brief IS NULL OR NOT EXISTS (SELECT 1 FROM story_facts f WHERE f.story_id = s.id))
                     AND a.story_id NOT IN (SELECT story_id FROM stale_stories)"""):
            problems.append(f"{n} stories have no brief or no facts and are not marked to get them")
        return problems

    def applied_migrations(self) -> list[str]:
        return [r[0] for r in self.db.execute("SELECT name FROM schema_migrations ORDER BY name")]

    # -- raw input ------------------------------------------------------------------------------------------
    def put_raw(self, raw: RawInput) -> bool:
        """Keep the bytes; returns False when exactly these bytes were stored before."""
        with self.transaction():
            cur = self.db.execute(
                "INSERT OR IGNORE INTO raw_inputs (sha256, kind, origin, url, fetched_at, body) VALUES (?,?,?,?,?,?)",
                (raw.sha256, raw.kind, raw.origin, raw.url, _iso(raw.fetched_at) or _now(), raw.body),
            )
        return cur.rowcount == 1

    def set_raw_error(self, sha256: str, error: str | None) -> None:
        with self.transaction():
            self.db.execute("UPDATE raw_inputs SET error = ? WHERE sha256 = ?", (error, sha256))

    def get_raw(self, sha256: str) -> RawInput | None:
        r = self.db.execute("SELECT * FROM raw_inputs WHERE sha256 = ?", (sha256,)).fetchone()
        if r is None:
            return None
        return RawInput(body=r["body"], kind=r["kind"], origin=r["origin"], url=r["url"], fetched_at=_dt(r["fetched_at"]))

    def raw_errors(self) -> list[tuple[str, str]]:
        return [(r[0], r[1]) for r in self.db.execute("SELECT origin, error FROM raw_inputs WHERE error IS NOT NULL")]

    def has_article_for(self, sha256: str) -> bool:
        return self.db.execute("SELECT 1 FROM articles WHERE raw_sha256 = ?", (sha256,)).fetchone() is not None

    # -- articles -------------------------------------------------------------------------------------------
    def add_article(self, a: Article) -> int | None:
        """Returns the new id, or None when an article from the same raw input is already stored."""
        with self.transaction():
            cur = self.db.execute(
                """INSERT OR IGNORE INTO articles (raw_sha256, external_id, url, outlet, title, text, published,
                   published_utc, authors, language, origin, ingested_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)""",
                (a.raw_sha256, a.external_id, a.url, a.outlet, a.title, a.text, _iso(a.published), _utc(a.published),
                 json.dumps(a.authors), a.language, a.origin, _now()),
            )
        if cur.rowcount != 1:
            return None
        a.id = cur.lastrowid
        return a.id

    @staticmethod
    def _article(r: sqlite3.Row) -> Article:
        return Article(
            id=r["id"], title=r["title"], text=r["text"], url=r["url"], outlet=r["outlet"],
            published=_dt(r["published"]), authors=json.loads(r["authors"]), language=r["language"],
            raw_sha256=r["raw_sha256"], origin=r["origin"], external_id=r["external_id"],
            story_id=r["story_id"], duplicate_of=r["duplicate_of"],
        )

    def get_article(self, article_id: int) -> Article | None:
        r = self.db.execute("SELECT * FROM articles WHERE id = ?", (article_id,)).fetchone()
        return self._article(r) if r else None

    def articles(self, where: str = "1", params: Iterable = ()) -> list[Article]:
        # Arrival order for the stream: publication time, then ingestion order for ties and undated articles.
        sql = f"SELECT * FROM articles WHERE {where} ORDER BY published_utc IS NULL, published_utc, id"
        return [self._article(r) for r in self.db.execute(sql, tuple(params))]

    def unassigned_articles(self) -> list[Article]:
        return self.articles("story_id IS NULL")

    def has_unassigned_articles(self) -> bool:
        return self.db.execute("SELECT 1 FROM articles WHERE story_id IS NULL LIMIT 1").fetchone() is not None

    def article_count(self) -> int:
        return self.db.execute("SELECT COUNT(*) FROM articles").fetchone()[0]

    def set_duplicate(self, article_id: int, duplicate_of: int) -> None:
        with self.transaction():
            self.db.execute("UPDATE articles SET duplicate_of = ? WHERE id = ?", (duplicate_of, article_id))

    def duplicates_of(self, article_id: int) -> list[Article]:
        return self.articles("duplicate_of = ?", (article_id,))

    # -- stories --------------------------------------------------------------------------------------------
    def new_story(self) -> int:
        with self.transaction():
            return self.db.execute("INSERT INTO stories (updated_at) VALUES (?)", (_now(),)).lastrowid

    def assign(self, article_id: int, story_id: int) -> None:
        self.assign_many([(article_id, story_id)])

    def assign_many(self, assignments: Iterable[tuple[int, int]]) -> None:
        """(article id, story id) pairs, in one transaction that also marks the stories they leave and join stale."""
        pairs = list(assignments)
        with self.transaction():
            left = self._stories_of([a for a, _ in pairs])
            self.db.executemany("UPDATE articles SET story_id = ? WHERE id = ?", [(s, a) for a, s in pairs])
            self._mark_stale(left | {s for _, s in pairs})

    def _stories_of(self, article_ids: list[int]) -> set[int]:
        found: set[int] = set()
        for i in range(0, len(article_ids), 500):
            chunk = article_ids[i:i + 500]
            found |= {r[0] for r in self.db.execute(
                f"SELECT DISTINCT story_id FROM articles WHERE story_id IS NOT NULL AND id IN ({','.join('?' * len(chunk))})",
                chunk)}
        return found

    # -- stale stories: brief, facts and links owed after a change of membership (migration 0005) ----------------
    def _mark_stale(self, story_ids: Iterable[int]) -> None:
        # Inside the caller's transaction, so that no change of membership is ever committed without its mark.
        self.db.executemany(
            "INSERT INTO stale_stories (story_id, written, since) VALUES (?, 0, ?) "
            "ON CONFLICT(story_id) DO UPDATE SET written = 0",
            [(sid, _now()) for sid in story_ids])

    def stale_story_ids(self, written: bool | None = None) -> set[int]:
        """Stories owed a rewrite; `written=False`: those whose brief and facts are owed, `True`: only links."""
        sql = "SELECT story_id FROM stale_stories"
        if written is not None:
            sql += f" WHERE written = {int(written)}"
        return {r[0] for r in self.db.execute(sql)}

    def mark_written(self, story_id: int) -> None:
        """Brief and facts are rewritten (call inside the transaction that saves them); the links are still owed."""
        with self.transaction():
            self.db.execute("UPDATE stale_stories SET written = 1 WHERE story_id = ?", (story_id,))

    def mark_fresh(self, story_ids: Iterable[int]) -> None:
        """Brief, facts and links rewritten: nothing owed. A story changed again since its rewrite stays stale."""
        with self.transaction():
            self.db.executemany("DELETE FROM stale_stories WHERE story_id = ? AND written = 1",
                                [(sid,) for sid in story_ids])

    def drop_stale(self, story_ids: Iterable[int]) -> None:
        """Stories with no articles left (they redirect or are never shown): nothing to write."""
        with self.transaction():
            self.db.executemany("DELETE FROM stale_stories WHERE story_id = ?", [(sid,) for sid in story_ids])

    def assignment_digest(self) -> tuple[int, int]:
        """How many articles have a story, and a checksum of which story each has (digest_of, in SQL). Each term
        is non-linear in the story, so that two articles swapping stories change the sum."""
        count, total = self.db.execute(
            "SELECT count(*), coalesce(sum((id * 1000003 + story_id) % 2147483647 * (story_id % 65521 + 7919)), 0) "
            "FROM articles WHERE story_id IS NOT NULL").fetchone()
        return int(count), int(total)

    @staticmethod
    def digest_of(assignments: Iterable[tuple[int, int]]) -> tuple[int, int]:
        """assignment_digest of (article id, story id) pairs held elsewhere (a saved stream state)."""
        count = total = 0
        for article_id, story_id in assignments:
            count += 1
            total += (article_id * 1000003 + story_id) % 2147483647 * (story_id % 65521 + 7919)
        return count, total

    def live_story_ids(self) -> set[int]:
        """Stories that have articles (merged and emptied ones redirect instead)."""
        return {r[0] for r in self.db.execute("SELECT DISTINCT story_id FROM articles WHERE story_id IS NOT NULL")}

    def save_story(self, story_id: int, brief: Brief) -> None:
        first, last = self.db.execute(
            "SELECT MIN(published), MAX(published) FROM articles WHERE story_id = ?", (story_id,)
        ).fetchone()
        # MIN/MAX over ISO text with mixed offsets can mislead; recompute on parsed values.
        dates = [a.published for a in self.story_articles(story_id) if a.published]
        if dates:
            key = lambda d: _utc(d)  # noqa: E731
            first, last = _iso(min(dates, key=key)), _iso(max(dates, key=key))
        hid = brief.headline_article_id if isinstance(brief.headline_article_id, int) else None
        with self.transaction():
            self.db.execute(
                """UPDATE stories SET headline = ?, headline_article_id = ?, first_published = ?, last_published = ?,
                   brief = ?, updated_at = ? WHERE id = ?""",
                (brief.headline, hid, first, last, brief_to_json(brief), _now(), story_id),
            )

    def set_related(self, story_id: int, related: list[tuple[int, float]]) -> None:
        with self.transaction():
            self.db.execute("DELETE FROM story_related WHERE story_id = ?", (story_id,))
            self.db.executemany(
                "INSERT INTO story_related VALUES (?, ?, ?)", [(story_id, rid, score) for rid, score in related]
            )

    def story_articles(self, story_id: int) -> list[Article]:
        return self.articles("story_id = ?", (story_id,))

    def has_sample_articles(self) -> bool:
        """Whether articles of the bundled sample corpus are stored (its licence asks for attribution)."""
        return self.db.execute("SELECT 1 FROM articles WHERE origin LIKE 'sample:%' LIMIT 1").fetchone() is not None

    def story_ids(self, written: bool = False) -> list[int]:
        """Every story id; `written`: only those that have had a brief written."""
        where = " WHERE brief IS NOT NULL" if written else ""
        return [r[0] for r in self.db.execute(f"SELECT id FROM stories{where} ORDER BY id")]

    def _story(self, r: sqlite3.Row, with_details: bool) -> Story:
        members = self.db.execute(
            "SELECT id, outlet, title FROM articles WHERE story_id = ? ORDER BY published_utc, id", (r["id"],)
        ).fetchall()
        outlets = sorted({m["outlet"] for m in members if m["outlet"]})
        # A story whose brief is still owed (a build stopped before writing it) goes by its latest article's title.
        headline = r["headline"] or (members[-1]["title"] if members else "")
        story = Story(
            id=r["id"], headline=headline, article_ids=[m["id"] for m in members],
            first_published=_dt(r["first_published"]), last_published=_dt(r["last_published"]), outlets=outlets,
        )
        if with_details:
            story.brief = brief_from_json(r["brief"])
            story.related = [
                (x["id"], x["headline"], x["score"])
                for x in self.db.execute(
                    """SELECT s.id, s.headline, r.score FROM story_related r JOIN stories s ON s.id = r.related_id
                       WHERE r.story_id = ? ORDER BY r.score DESC""",
                    (r["id"],),
                )
            ]
        return story

    def get_story(self, story_id: int) -> Story | None:
        """The story, or None when there is none with articles (an id that a build created and never filled, or
        one emptied without a redirect, is not a story to show)."""
        r = self.db.execute("SELECT * FROM stories WHERE id = ?", (story_id,)).fetchone()
        if r is None:
            return None
        story = self._story(r, with_details=True)
        return story if story.article_ids else None

    def list_stories(self, limit: int = 50, offset: int = 0) -> list[Story]:
        """Newest first, by the latest article in each story; stories without articles are not shown."""
        rows = self.db.execute(
            """SELECT s.* FROM stories s WHERE EXISTS (SELECT 1 FROM articles a WHERE a.story_id = s.id)
               ORDER BY (SELECT MAX(published_utc) FROM articles a WHERE a.story_id = s.id) DESC, s.id DESC
               LIMIT ? OFFSET ?""",
            (limit, offset),
        ).fetchall()
        return [self._story(r, with_details=False) for r in rows]

    def story_count(self) -> int:
        return self.db.execute(
            "SELECT COUNT(*) FROM stories s WHERE EXISTS (SELECT 1 FROM articles a WHERE a.story_id = s.id)"
        ).fetchone()[0]

    # -- search ---------------------------------------------------------------------------------------------
    def search(self, query: str, limit: int = 50) -> list[tuple[Article, str]]:
        """Full-text search; returns (article, snippet) with the snippet's matches between \\x02 and \\x03.

        The markers are control characters so that the web layer can escape the snippet first and only then
        turn them into <mark> tags: article text is untrusted. Raises SearchRefused for a query over
        LIMITS.search_chars characters or LIMITS.search_terms different words, and SearchTimedOut when SQLite
        works on it for more than LIMITS.search_seconds: FTS5's cost grows with the square of the terms.
        """
        if len(query) > LIMITS.search_chars:
            raise SearchRefused(f"the search is {len(query):,} characters long; at most {LIMITS.search_chars} "
                                "characters, please")
        terms = _fts_terms(query)
        if not terms:
            return []
        if len(terms) > LIMITS.search_terms:
            raise SearchRefused(f"the search has {len(terms)} different words; at most {LIMITS.search_terms} "
                                "different words, please")
        seconds = LIMITS.search_seconds
        deadline = time.monotonic() + seconds
        # As Datasette bounds its queries: SQLite calls this every N virtual machine instructions, and a true
        # result aborts the statement with "interrupted". N is small because the cost is in FTS5's rank and
        # snippet functions, a few instructions per row each: at 1,000 the handler ran once in 2 s of work, at
        # 10 about every 70 ms, for a few percent more time.
        self.db.set_progress_handler(lambda: time.monotonic() > deadline, 10)
        try:
            rows = self.db.execute(
                """SELECT a.*, snippet(articles_fts, 1, char(2), char(3), ' … ', 24) AS snip
                   FROM articles_fts JOIN articles a ON a.id = articles_fts.rowid
                   WHERE articles_fts MATCH ? ORDER BY rank LIMIT ?""",
                (_fts_query(terms), limit),
            ).fetchall()
        except sqlite3.OperationalError as e:
            if "interrupt" in str(e) and time.monotonic() > deadline:
                raise SearchTimedOut(f"the search took longer than {seconds:g} s and was stopped; try fewer or "
                                     "rarer words") from None
            raise
        finally:
            self.db.set_progress_handler(None, 0)
        return [(self._article(r), r["snip"]) for r in rows]

    def iter_all_stories(self) -> Iterator[Story]:
        for sid in self.story_ids():
            story = self.get_story(sid)
            if story and story.article_ids:
                yield story

    # -- feeds (issue 3: subscriptions, polling state, items seen) -------------------------------------------
    _FEED_SQL = """SELECT f.*, (SELECT COUNT(*) FROM feed_items i WHERE i.feed_id = f.id) AS items_seen,
                   (SELECT COUNT(*) FROM feed_items i JOIN articles a ON a.raw_sha256 = i.raw_sha256
                    WHERE i.feed_id = f.id) AS articles FROM feeds f"""

    def add_feed(self, url: str, title: str | None = None, site_url: str | None = None,
                 poll_seconds: int | None = None) -> tuple[int, bool]:
        """Returns (feed id, True when it is new); `poll_seconds` also updates an existing subscription."""
        with self.transaction():
            cur = self.db.execute("INSERT OR IGNORE INTO feeds (url, title, site_url, added_at) VALUES (?,?,?,?)",
                                  (url, title, site_url, _now()))
            if poll_seconds is not None:
                self.db.execute("UPDATE feeds SET poll_seconds = ? WHERE url = ?", (int(poll_seconds), url))
        if cur.rowcount == 1:
            return cur.lastrowid, True
        return self.db.execute("SELECT id FROM feeds WHERE url = ?", (url,)).fetchone()[0], False

    def feeds(self) -> list[dict]:
        return [dict(r) for r in self.db.execute(self._FEED_SQL + " ORDER BY f.id")]

    def get_feed(self, feed_id: int) -> dict | None:
        r = self.db.execute(self._FEED_SQL + " WHERE f.id = ?", (feed_id,)).fetchone()
        return dict(r) if r else None

    def due_feeds(self, now: datetime | None = None) -> list[dict]:
        now_s = _utc(now or datetime.now(timezone.utc))
        # Due when its scheduled time has come, or when its interval has passed since its last good poll: an interval
        # shortened after (or while) a poll scheduled the next one takes effect at once.
        return [dict(r) for r in self.db.execute(
            self._FEED_SQL + """ WHERE f.next_poll_at IS NULL OR f.next_poll_at <= :now
               OR (f.failures = 0 AND f.last_polled_at IS NOT NULL
                   AND strftime('%Y-%m-%dT%H:%M:%S', f.last_polled_at, '+' || f.poll_seconds || ' seconds') <= :now)
               ORDER BY f.next_poll_at, f.id""",
            {"now": now_s})]

    def feed_polled(self, feed_id: int, *, error: str | None, next_poll_at: datetime, etag: str | None = None,
                    last_modified: str | None = None, title: str | None = None, site_url: str | None = None,
                    warning: str | None = None) -> None:
        """Records one poll: a success keeps the validators, clears the failure count and keeps its `warning`
        (what it could read only in part; None clears it); an error counts."""
        now = _now()
        with self.transaction():
            if error is None:
                self.db.execute(
                    """UPDATE feeds SET last_polled_at = ?, last_success_at = ?, failures = 0, next_poll_at = ?,
                       etag = COALESCE(?, etag), last_modified = COALESCE(?, last_modified),
                       title = COALESCE(title, ?), site_url = COALESCE(site_url, ?), last_warning = ? WHERE id = ?""",
                    (now, now, _utc(next_poll_at), etag, last_modified, title, site_url, warning, feed_id))
            else:
                self.db.execute(
                    """UPDATE feeds SET last_polled_at = ?, last_error = ?, last_error_at = ?, failures = failures + 1,
                       next_poll_at = ? WHERE id = ?""",
                    (now, error, now, _utc(next_poll_at), feed_id))

    def add_feed_item(self, feed_id: int, key: str, url: str | None, title: str | None,
                      published: datetime | None) -> bool:
        """Returns False when the feed listed this item before and it was dealt with (its page stored, or its
        error recorded); an item seen by a poll that was stopped before it got that far is still to do."""
        with self.transaction():
            cur = self.db.execute(
                "INSERT OR IGNORE INTO feed_items (feed_id, item_key, url, title, published, seen_at) VALUES (?,?,?,?,?,?)",
                (feed_id, key, url, title, _iso(published), _now()))
        if cur.rowcount == 1:
            return True
        return self.db.execute("SELECT 1 FROM feed_items WHERE feed_id = ? AND item_key = ? AND raw_sha256 IS NULL "
                               "AND error IS NULL", (feed_id, key)).fetchone() is not None

    def feed_item_result(self, feed_id: int, key: str, raw_sha256: str | None, error: str | None) -> None:
        with self.transaction():
            self.db.execute("UPDATE feed_items SET raw_sha256 = ?, error = ? WHERE feed_id = ? AND item_key = ?",
                            (raw_sha256, error, feed_id, key))

    def feed_items(self, feed_id: int, limit: int = 50) -> list[dict]:
        return [dict(r) for r in self.db.execute(
            "SELECT * FROM feed_items WHERE feed_id = ? ORDER BY seen_at DESC, rowid DESC LIMIT ?", (feed_id, limit))]

    # -- facts (figures, disagreements, quotes, entities, timeline: newsdesk/stages/facts) --------------------------
    def article_facts(self, article_ids: list[int]) -> dict[int, dict]:
        """Stored per-article extraction results by article id (each carries its own "version")."""
        out: dict[int, dict] = {}
        for i in range(0, len(article_ids), 500):
            chunk = article_ids[i:i + 500]
            rows = self.db.execute(
                f"SELECT article_id, facts FROM article_facts WHERE article_id IN ({','.join('?' * len(chunk))})", chunk)
            out.update({r[0]: json.loads(r[1]) for r in rows})
        return out

    def put_article_facts(self, items: dict[int, dict]) -> None:
        with self.transaction():
            self.db.executemany("INSERT OR REPLACE INTO article_facts VALUES (?, ?, ?)",
                                [(aid, f.get("version", 0), json.dumps(f)) for aid, f in items.items()])

    def save_facts(self, story_id: int, facts: dict) -> None:
        """Stores a story's facts and indexes its entities; each entity dict gets its "entity_id"."""
        with self.transaction():
            self.db.execute("DELETE FROM entity_stories WHERE story_id = ?", (story_id,))
            for e in facts.get("entities", []):
                self.db.execute(
                    """INSERT INTO entities (kind, key, name, place) VALUES (?, ?, ?, ?)
                       ON CONFLICT(key) DO UPDATE SET place = COALESCE(excluded.place, entities.place)""",
                    (e["kind"], e["key"], e["name"], json.dumps(e["place"]) if e.get("place") else None))
                e["entity_id"] = self.db.execute("SELECT id FROM entities WHERE key = ?", (e["key"],)).fetchone()[0]
                self.db.execute("INSERT OR REPLACE INTO entity_stories VALUES (?, ?, ?, ?)",
                                (e["entity_id"], story_id, e["mentions"], json.dumps(e["variants"])))
            self.db.execute("INSERT OR REPLACE INTO story_facts VALUES (?, ?, ?)",
                            (story_id, json.dumps(facts), _now()))

    def get_facts(self, story_id: int) -> dict | None:
        r = self.db.execute("SELECT facts FROM story_facts WHERE story_id = ?", (story_id,)).fetchone()
        return json.loads(r[0]) if r else None

    def get_entity(self, entity_id: int) -> dict | None:
        r = self.db.execute("SELECT * FROM entities WHERE id = ?", (entity_id,)).fetchone()
        if r is None:
            return None
        return {"id": r["id"], "kind": r["kind"], "key": r["key"], "name": r["name"],
                "place": json.loads(r["place"]) if r["place"] else None}

    def entity_stories(self, entity_id: int) -> list[dict]:
        """The stories an entity appears in, newest first, with its mentions and spellings in each."""
        rows = self.db.execute(
            """SELECT s.id, s.headline, s.first_published, s.last_published, es.mentions, es.variants
               FROM entity_stories es JOIN stories s ON s.id = es.story_id WHERE es.entity_id = ?
               ORDER BY s.last_published DESC, s.id DESC""", (entity_id,))
        return [{"story_id": r["id"], "headline": r["headline"], "first_published": _dt(r["first_published"]),
                 "last_published": _dt(r["last_published"]), "mentions": r["mentions"],
                 "variants": json.loads(r["variants"])} for r in rows]

    # -- story edits (issue 4: users move articles and merge stories; redirects; pins respected by builds) -------
    def story_redirect(self, story_id: int) -> int | None:
        """Where a merged or emptied story now lives (following chains), or None when it was never redirected."""
        target, seen = None, {story_id}
        while True:
            r = self.db.execute("SELECT new_id FROM story_redirects WHERE old_id = ?", (target or story_id,)).fetchone()
            if r is None or r[0] in seen:
                return target
            target = r[0]
            seen.add(target)

    def _story_exists(self, story_id: int) -> bool:
        return self.db.execute("SELECT 1 FROM stories WHERE id = ?", (story_id,)).fetchone() is not None

    def move_article(self, article_id: int, to_story: int | None = None) -> tuple[int, int]:
        """Moves an article (and the copies that follow it) to `to_story`, or to a new story; returns (from, to).

        The article is pinned there, and a story left empty redirects to where its last article went.
        """
        article = self.get_article(article_id)
        if article is None or article.story_id is None:
            raise KeyError(f"article {article_id} is not in any story")
        if to_story is not None:
            to_story = self.story_redirect(to_story) or to_story
            if not self._story_exists(to_story):
                raise KeyError(f"story {to_story} not found")
        source = article.story_id
        if to_story == source:
            return source, source
        with self.transaction():
            if to_story is None:
                to_story = self.db.execute("INSERT INTO stories (updated_at) VALUES (?)", (_now(),)).lastrowid
            moved = [article_id] + [a.id for a in self.duplicates_of(article_id) if a.story_id == source]
            for aid in moved:
                self.db.execute("UPDATE articles SET story_id = ? WHERE id = ?", (to_story, aid))
                self.db.execute("INSERT OR REPLACE INTO story_pins VALUES (?, ?, ?)", (aid, to_story, _now()))
            self.db.execute("INSERT INTO story_edits (kind, article_id, from_story, to_story, created_at) "
                            "VALUES ('move', ?, ?, ?, ?)", (article_id, source, to_story, _now()))
            self._mark_stale([source, to_story])
            if not self.db.execute("SELECT 1 FROM articles WHERE story_id = ?", (source,)).fetchone():
                self._redirect(source, to_story)
        return source, to_story

    def merge_stories(self, source: int, target: int) -> int:
        """Moves every article of `source` into `target` for good; `source` redirects there. Returns the target."""
        target = self.story_redirect(target) or target
        source = self.story_redirect(source) or source
        for sid in (source, target):
            if not self._story_exists(sid):
                raise KeyError(f"story {sid} not found")
        if source == target:
            raise ValueError("a story cannot be merged into itself")
        with self.transaction():
            self.db.execute("UPDATE articles SET story_id = ? WHERE story_id = ?", (target, source))
            # the user has said these articles are one story: re-clustering (stages/recluster.py) keeps them so
            self.db.execute("INSERT OR REPLACE INTO story_pins SELECT id, ?, ? FROM articles WHERE story_id = ?",
                            (target, _now(), target))
            self.db.execute("INSERT INTO story_edits (kind, from_story, to_story, created_at) VALUES ('merge', ?, ?, ?)",
                            (source, target, _now()))
            self._mark_stale([source, target])
            self._redirect(source, target)
        return target

    def _redirect(self, old: int, new: int) -> None:
        # Inside the caller's transaction. Earlier redirects to `old` now point at `new`, so chains stay short.
        self.db.execute("UPDATE story_redirects SET new_id = ? WHERE new_id = ?", (new, old))
        self.db.execute("INSERT OR REPLACE INTO story_redirects VALUES (?, ?, ?)", (old, new, _now()))
        self.db.execute("DELETE FROM story_related WHERE story_id = ? OR related_id = ?", (old, old))

    def retire_story(self, old: int, new: int) -> None:
        """An automatic merge: `old`, left without articles by re-clustering, redirects to `new`."""
        with self.transaction():
            self._redirect(old, new)

    def moved_articles(self) -> list[tuple[int, int]]:
        """(article id, the story a user moved it out of), oldest first."""
        return [(r[0], r[1]) for r in self.db.execute(
            "SELECT article_id, from_story FROM story_edits WHERE kind = 'move' ORDER BY id")]

    def pinned_stories(self) -> dict[int, int]:
        """article id -> the story a user put it in."""
        return {r[0]: r[1] for r in self.db.execute("SELECT article_id, story_id FROM story_pins")}

    def redirected_stories(self) -> dict[int, int]:
        return {r[0]: r[1] for r in self.db.execute("SELECT old_id, new_id FROM story_redirects")}

    # -- credentials and login sessions of the web server (hashes only; newsdesk/web/auth.py makes them) ----------
    def credential_hashes(self) -> list[str]:
        return [r[0] for r in self.db.execute("SELECT hash FROM credentials ORDER BY id")]

    def has_credentials(self) -> bool:
        return self.db.execute("SELECT 1 FROM credentials LIMIT 1").fetchone() is not None

    def replace_credentials(self, token_hash: str) -> None:
        """The one stored credential from now on; every login session made with an earlier one ends."""
        with self.transaction():
            self.db.execute("DELETE FROM credentials")
            self.db.execute("DELETE FROM sessions")
            self.db.execute("INSERT INTO credentials (hash, created_at) VALUES (?, ?)", (token_hash, _now()))

    def add_credential_if_none(self, token_hash: str) -> bool:
        """Stores the credential only while none exists (two servers starting at once make one); True if stored."""
        with self.transaction():
            cur = self.db.execute("INSERT INTO credentials (hash, created_at) SELECT ?, ? "
                                  "WHERE NOT EXISTS (SELECT 1 FROM credentials)", (token_hash, _now()))
        return cur.rowcount == 1

    def credentials_made(self) -> list[str]:
        """When each stored credential was made (ISO 8601, UTC)."""
        return [r[0] for r in self.db.execute("SELECT created_at FROM credentials ORDER BY id")]

    def add_session(self, id_hash: str, expires_at: datetime) -> None:
        with self.transaction():
            self.db.execute("DELETE FROM sessions WHERE expires_at <= ?", (_now(),))  # expired ones go here
            self.db.execute("INSERT INTO sessions (id_hash, created_at, expires_at) VALUES (?, ?, ?)",
                            (id_hash, _now(), expires_at.astimezone(timezone.utc).isoformat(timespec="seconds")))

    def session_alive(self, id_hash: str) -> bool:
        return self.db.execute("SELECT 1 FROM sessions WHERE id_hash = ? AND expires_at > ?",
                               (id_hash, _now())).fetchone() is not None

    def end_session(self, id_hash: str) -> None:
        with self.transaction():
            self.db.execute("DELETE FROM sessions WHERE id_hash = ?", (id_hash,))


class SearchRefused(ValueError):
    """A search over the limits on its length or its number of words; the message says which."""


class SearchTimedOut(RuntimeError):
    """A search stopped at its time limit."""


def _fts_terms(query: str) -> list[str]:
    """The words of a query, each once (a repeated word adds no meaning to an AND, only cost; FTS5 ignores case,
    so neither does this), with everything but letters and digits dropped."""
    first: dict[str, str] = {}
    for term in "".join(c if c.isalnum() else " " for c in query).split():
        first.setdefault(term.lower(), term)
    return list(first.values())


def _fts_query(terms: list[str]) -> str:
    """Quote every term so that user input can never be read as FTS5 syntax (a stray quote or AND would fail)."""
    return " ".join(f'"{t}"' for t in terms)
