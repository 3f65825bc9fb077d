"""Stories: which articles each holds, its brief and its related stories, and the stories' lists for the reader.

A story is shown only while it has articles; one emptied by an edit or by re-clustering redirects instead
(edits.py). Assignments mark the stories they touch stale (stale.py).
"""
from __future__ import annotations

import sqlite3
from typing import Iterable, Iterator

from ..models import Article, Brief, Story
from .articles import Articles
from .codec import brief_from_json, brief_to_json, iso_text, now_text, parse_time, utc_text
from .stale import mark_stale


class Stories(Articles):
    def new_story(self) -> int:
        with self.transaction():
            return self.db.execute("INSERT INTO stories (updated_at) VALUES (?)", (now_text(),)).lastrowid

    def assign(self, article_id: int, story_id: int) -> None:
        self.assign_many([(article_id, story_id)])

    def assign_many(self, assignments: Iterable[tuple[int, int]]) -> None:
        """(article id, story id) pairs, in one transaction that also marks the stories they leave and join stale."""
        pairs = list(assignments)
        with self.transaction():
            left = self._stories_of([a for a, _ in pairs])
            self.db.executemany("UPDATE articles SET story_id = ? WHERE id = ?", [(s, a) for a, s in pairs])
            mark_stale(self.db, left | {s for _, s in pairs})

    def _stories_of(self, article_ids: list[int]) -> set[int]:
        found: set[int] = set()
        for i in range(0, len(article_ids), 500):
            chunk = article_ids[i:i + 500]
            found |= {r[0] for r in self.db.execute(
                "SELECT DISTINCT story_id FROM articles WHERE story_id IS NOT NULL "
                f"AND id IN ({','.join('?' * len(chunk))})", chunk)}
        return found

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
        """Stores the brief and headline, and the first and last publication times of the story's articles."""
        first, last = self.db.execute(
            "SELECT MIN(published), MAX(published) FROM articles WHERE story_id = ?", (story_id,)
        ).fetchone()
        # MIN/MAX over ISO text with mixed offsets can mislead; recompute on parsed values.
        dates = [a.published for a in self.story_articles(story_id) if a.published]
        if dates:
            first, last = iso_text(min(dates, key=utc_text)), iso_text(max(dates, key=utc_text))
        hid = brief.headline_article_id if isinstance(brief.headline_article_id, int) else None
        with self.transaction():
            self.db.execute(
                """UPDATE stories SET headline = ?, headline_article_id = ?, first_published = ?, last_published = ?,
                   brief = ?, updated_at = ? WHERE id = ?""",
                (brief.headline, hid, first, last, brief_to_json(brief), now_text(), story_id),
            )

    def set_related(self, story_id: int, related: list[tuple[int, float]]) -> None:
        """Replaces the story's related stories: (story id, score) pairs."""
        with self.transaction():
            self.db.execute("DELETE FROM story_related WHERE story_id = ?", (story_id,))
            self.db.executemany(
                "INSERT INTO story_related VALUES (?, ?, ?)", [(story_id, rid, score) for rid, score in related]
            )

    def stories_relating_to(self, story_ids: Iterable[int]) -> set[int]:
        """The stories whose related links name one of `story_ids`."""
        ids = list(story_ids)
        found: set[int] = set()
        for start in range(0, len(ids), 500):  # under SQLite's limit on parameters
            chunk = ids[start:start + 500]
            found.update(r[0] for r in self.db.execute(
                f"SELECT DISTINCT story_id FROM story_related WHERE related_id IN ({','.join('?' * len(chunk))})",
                chunk))
        return found

    def story_articles(self, story_id: int) -> list[Article]:
        return self.articles("story_id = ?", (story_id,))

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
            first_published=parse_time(r["first_published"]), last_published=parse_time(r["last_published"]),
            outlets=outlets,
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

    def iter_all_stories(self) -> Iterator[Story]:
        """Every story with articles, with its brief and related stories, by id."""
        for sid in self.story_ids():
            story = self.get_story(sid)
            if story and story.article_ids:
                yield story
