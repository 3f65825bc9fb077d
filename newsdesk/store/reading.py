"""What a reader's pages ask of stories beyond their content: when each was last rewritten."""
from __future__ import annotations

from typing import Iterable

from .connection import Connection


class Reading(Connection):
    def stories_updated_at(self, story_ids: Iterable[int]) -> dict[int, str]:
        """The UTC time (ISO 8601 text, `codec.now_text`) each story's brief was last written, by id."""
        ids = list(dict.fromkeys(story_ids))
        found: dict[int, str] = {}
        for chunk in (ids[i:i + 500] for i in range(0, len(ids), 500)):
            found.update((r[0], r[1]) for r in self.db.execute(
                f"SELECT id, updated_at FROM stories WHERE id IN ({','.join('?' * len(chunk))})", chunk))
        return found
