"""Sections: each story's section (stages/topics.py) and the stories of one section, newest first."""
from __future__ import annotations

from typing import Iterable

from ..models import Story
from .connection import Connection


class Sections(Connection):
    def set_sections(self, sections: Iterable[tuple[int, str]]) -> None:
        """(story id, section key) pairs."""
        with self.transaction():
            self.db.executemany("UPDATE stories SET section = ? WHERE id = ?", [(s, i) for i, s in sections])

    def stories_without_section(self) -> list[int]:
        """Stories with articles that no build has given a section yet (made before sections existed)."""
        return [r[0] for r in self.db.execute(
            "SELECT id FROM stories WHERE article_count > 0 AND section IS NULL ORDER BY id")]

    def section_stories(self, section: str, limit: int = 50, offset: int = 0,
                        with_details: bool = False) -> list[Story]:
        """The section's stories, newest activity first, as `list_stories` gives them (index stories_section_latest,
        migration 0012)."""
        rows = self.db.execute(
            """SELECT * FROM stories WHERE article_count > 0 AND section = ?
               ORDER BY latest_utc DESC, id DESC LIMIT ? OFFSET ?""", (section, limit, offset)).fetchall()
        return self._stories(rows, with_details)  # Stories._stories: the same Story records as every list

    def section_count(self, section: str) -> int:
        return self.db.execute("SELECT count(*) FROM stories WHERE article_count > 0 AND section = ?",
                               (section,)).fetchone()[0]

    def section_counts(self) -> dict[str, int]:
        """Section key -> how many stories with articles it holds (sections with none are absent)."""
        return {r[0]: r[1] for r in self.db.execute(
            "SELECT section, count(*) FROM stories WHERE article_count > 0 AND section IS NOT NULL GROUP BY section")}
