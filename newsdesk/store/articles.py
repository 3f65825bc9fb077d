"""Articles: the clean text extracted from raw inputs, in arrival order, with their duplicate links.

`published` is stored twice (codec.py): as the source gave it, and as sortable UTC text that orders the stream.
"""
from __future__ import annotations

import json
import sqlite3
from typing import Iterable

from ..models import Article
from .codec import iso_text, now_text, parse_time, utc_text
from .connection import Connection


def article_from_row(r: sqlite3.Row) -> Article:
    """The Article of a row of the `articles` table (extra columns, such as a search snippet, are ignored)."""
    return Article(
        id=r["id"], title=r["title"], text=r["text"], url=r["url"], outlet=r["outlet"],
        published=parse_time(r["published"]), authors=json.loads(r["authors"]), language=r["language"],
        raw_sha256=r["raw_sha256"], origin=r["origin"], external_id=r["external_id"],
        story_id=r["story_id"], duplicate_of=r["duplicate_of"],
    )


class Articles(Connection):
    def add_article(self, a: Article) -> int | None:
        """Returns the new id (also set on `a`), or None when an article from the same raw input is already stored."""
        with self.transaction():
            cur = self.db.execute(
                """INSERT OR IGNORE INTO articles (raw_sha256, external_id, url, outlet, title, text, published,
                   published_utc, authors, language, origin, ingested_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)""",
                (a.raw_sha256, a.external_id, a.url, a.outlet, a.title, a.text, iso_text(a.published),
                 utc_text(a.published), json.dumps(a.authors), a.language, a.origin, now_text()),
            )
            if cur.rowcount == 1 and a.image_url:  # the lead image waits for the build to fetch it (images.py)
                self.db.execute("INSERT INTO article_images (article_id, url, credit) VALUES (?,?,?)",
                                (cur.lastrowid, a.image_url, a.image_credit))
        if cur.rowcount != 1:
            return None
        a.id = cur.lastrowid
        return a.id

    def get_article(self, article_id: int) -> Article | None:
        r = self.db.execute("SELECT * FROM articles WHERE id = ?", (article_id,)).fetchone()
        return article_from_row(r) if r else None

    def articles(self, where: str = "TRUE", params: Iterable = ()) -> list[Article]:
        """The articles matching an SQL condition on the `articles` table, in arrival order."""
        # Arrival order for the stream: publication time, then ingestion order for ties and undated articles.
        sql = f"SELECT * FROM articles WHERE {where} ORDER BY published_utc IS NULL, published_utc, id"
        return [article_from_row(r) for r in self.db.execute(sql, tuple(params))]

    def articles_by_id(self, ids: Iterable[int]) -> dict[int, Article]:
        """Article id -> article, for those of `ids` that exist (read 500 at a time: SQLite's bound on parameters)."""
        ids = list(ids)
        found = {}
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            found.update({a.id: a for a in self.articles(f"id IN ({','.join('?' * len(chunk))})", chunk)})
        return found

    def unassigned_articles(self) -> list[Article]:
        return self.articles("story_id IS NULL")

    def has_unassigned_articles(self) -> bool:
        return self.db.execute("SELECT 1 FROM articles WHERE story_id IS NULL LIMIT 1").fetchone() is not None

    def article_count(self) -> int:
        return self.db.execute("SELECT COUNT(*) FROM articles").fetchone()[0]

    def has_sample_articles(self) -> bool:
        """Whether articles of the bundled sample corpus are stored (its licence asks for attribution)."""
        # Case-sensitive, so it can seek the index articles_origin (origins are written lower case): GLOB in SQLite,
        # LIKE in PostgreSQL (its index has text_pattern_ops).
        match = "GLOB 'sample:*'" if self.dialect == "sqlite" else "LIKE 'sample:%'"
        return self.db.execute(f"SELECT 1 FROM articles WHERE origin {match} LIMIT 1").fetchone() is not None

    def set_duplicate(self, article_id: int, duplicate_of: int) -> None:
        with self.transaction():
            self.db.execute("UPDATE articles SET duplicate_of = ? WHERE id = ?", (duplicate_of, article_id))

    def duplicates_of(self, article_id: int) -> list[Article]:
        return self.articles("duplicate_of = ?", (article_id,))
