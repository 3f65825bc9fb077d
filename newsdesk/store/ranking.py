"""Top stories: each story's standing (newsdesk/ranking.py) kept in `stories.rank`, and the list ordered by it.

The standing is written at build time, with the story's brief (`save_rank`), and for every story when the weights
in the settings are not those the stored scores were made with (`rerank_all`). The list is an index walk
(`stories_rank`, migration 0011), never a scan of articles.
"""
from __future__ import annotations

from typing import Iterable

from .. import ranking
from ..settings import RankSettings, current
from .codec import parse_time
from .stories import Stories
from ..models import Story


class Ranking(Stories):
    def save_rank(self, story_id: int, settings: RankSettings | None = None) -> ranking.Standing:
        """Computes and stores the story's standing from its articles; returns it."""
        settings = settings or current().ranking
        rows = self.db.execute("SELECT outlet, url, published_utc FROM articles WHERE story_id = ?", (story_id,))
        found = ranking.standing(((r[0], r[1], parse_time(r[2])) for r in rows), settings)
        self._write_ranks([(story_id, found)])
        return found

    def _write_ranks(self, standings: Iterable[tuple[int, ranking.Standing]]) -> None:
        with self.transaction():
            self.db.executemany(
                "UPDATE stories SET outlet_count = ?, recent_count = ?, rank = ? WHERE id = ?",
                [(s.outlets, s.recent, s.score, sid) for sid, s in standings])

    def rank_weights(self) -> str | None:
        """The weights the stored scores were made with (ranking.fingerprint), None before any rerank_all."""
        row = self.db.execute("SELECT weights FROM story_rank_weights WHERE id = 1").fetchone()
        return row[0] if row else None

    def rerank_all(self, settings: RankSettings | None = None, force: bool = False) -> int:
        """Recomputes every story's standing when the weights differ from the stored ones (or `force`), in one
        pass over the articles in story order; returns the number of stories scored (0 when nothing changed)."""
        settings = settings or current().ranking
        mark = ranking.fingerprint(settings)
        if not force and self.rank_weights() == mark:
            return 0
        standings: list[tuple[int, ranking.Standing]] = []
        current_id, items = None, []
        for sid, outlet, url, published in self.db.execute(
            "SELECT story_id, outlet, url, published_utc FROM articles WHERE story_id IS NOT NULL ORDER BY story_id"
        ):
            if sid != current_id:
                if current_id is not None:
                    standings.append((current_id, ranking.standing(items, settings)))
                current_id, items = sid, []
            items.append((outlet, url, parse_time(published)))
        if current_id is not None:
            standings.append((current_id, ranking.standing(items, settings)))
        with self.transaction():
            self._write_ranks(standings)
            self.db.execute("INSERT INTO story_rank_weights (id, weights) VALUES (1, ?) "
                            "ON CONFLICT (id) DO UPDATE SET weights = excluded.weights", (mark,))
        return len(standings)

    def list_top_stories(self, limit: int = 50, offset: int = 0, with_details: bool = False) -> list[Story]:
        """Stories by standing, highest first (ties and stories without a score by their latest article); as
        list_stories otherwise."""
        rows = self.db.execute(
            """SELECT * FROM stories WHERE article_count > 0 ORDER BY rank DESC, latest_utc DESC, id DESC
               LIMIT ? OFFSET ?""", (limit, offset)).fetchall()
        return self._stories(rows, with_details)

    def story_outlet_counts(self, story_ids: Iterable[int]) -> dict[int, int]:
        """The stored distinct-outlet count of each story that has one (written with its standing)."""
        ids = list(story_ids)
        found: dict[int, int] = {}
        for chunk in (ids[i:i + 500] for i in range(0, len(ids), 500)):
            found.update((r[0], r[1]) for r in self.db.execute(
                f"SELECT id, outlet_count FROM stories WHERE outlet_count IS NOT NULL AND id IN "
                f"({','.join('?' * len(chunk))})", chunk))
        return found
