"""Stale stories: the brief, facts and related links a story is owed after its membership changed.

Every change of membership marks the stories it touches, inside the same transaction (`mark_stale`), so that no
change is ever committed without its mark. A build rewrites brief and facts (`mark_written`), then the links
(`mark_fresh`); one stopped halfway resumes from the marks.
"""
from __future__ import annotations

import sqlite3
from typing import Iterable

from .codec import now_text
from .connection import Connection


def mark_stale(db: sqlite3.Connection, story_ids: Iterable[int]) -> None:
    """Marks the stories owed a rewrite; call inside the transaction that changes their membership."""
    db.executemany(
        "INSERT INTO stale_stories (story_id, written, since) VALUES (?, 0, ?) "
        "ON CONFLICT(story_id) DO UPDATE SET written = 0",
        [(sid, now_text()) for sid in story_ids])


class StaleStories(Connection):
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
