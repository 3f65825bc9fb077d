"""Lead images: the image each article's page declares (`article_images`, written with the article) and, once
fetched, its thumbnail (`images`, one row per image URL, never fetched twice: the thumbnail or the error that
refused it). What the reader sees for a story is `story_images`: its headline article's image, else the newest of
its articles that has one. docs/design/images.md.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from .codec import now_text
from .connection import Connection


@dataclass(frozen=True)
class StoryImage:
    """A stored thumbnail as shown for a story: `id` names it (/images/{id}.webp), `credit` is the page's own
    credit line or None, `article_id` and `outlet` say whose article it came with."""

    id: int
    width: int
    height: int
    credit: str | None
    article_id: int
    outlet: str | None


class Images(Connection):
    def images_to_fetch(self, limit: int) -> list[str]:
        """Image URLs that articles declare and that were never fetched, those of the newest articles first."""
        rows = self.db.execute(
            """SELECT ai.url FROM article_images ai WHERE NOT EXISTS (SELECT 1 FROM images i WHERE i.url = ai.url)
               GROUP BY ai.url ORDER BY max(ai.article_id) DESC LIMIT ?""", (limit,))
        return [r[0] for r in rows]

    def put_image(self, url: str, data: bytes | None = None, width: int | None = None, height: int | None = None,
                  error: str | None = None) -> None:
        """Records the fetch of `url`: its thumbnail (`data`, `width`, `height`) or the `error` that refused it.
        A URL already recorded keeps its first record (fetched once)."""
        with self.transaction():
            self.db.execute(
                "INSERT OR IGNORE INTO images (url, fetched_at, width, height, data, error) VALUES (?,?,?,?,?,?)",
                (url, now_text(), width, height, data, error))

    def image_record(self, url: str) -> dict | None:
        """The row of `url` in `images` (id, width, height, error, whether it has data), or None if never fetched."""
        r = self.db.execute("SELECT id, width, height, error, data IS NOT NULL AS stored FROM images WHERE url = ?",
                            (url,)).fetchone()
        return None if r is None else {k: r[k] for k in ("id", "width", "height", "error", "stored")}

    def image_data(self, image_id: int) -> bytes | None:
        """The thumbnail's bytes (WebP), or None when there is no stored image of that id."""
        r = self.db.execute("SELECT data FROM images WHERE id = ? AND data IS NOT NULL", (image_id,)).fetchone()
        return bytes(r[0]) if r else None  # PostgreSQL's driver may answer a memoryview

    def stored_image_ids(self) -> list[int]:
        return [r[0] for r in self.db.execute("SELECT id FROM images WHERE data IS NOT NULL ORDER BY id")]

    def story_images(self, story_ids: Iterable[int]) -> dict[int, StoryImage]:
        """The image shown for each story that has a stored one: its headline article's, else that of its newest
        article with one (undated articles last); one query per 500 stories."""
        ids = list(story_ids)
        found: dict[int, tuple[tuple, StoryImage]] = {}
        for chunk in (ids[i:i + 500] for i in range(0, len(ids), 500)):
            rows = self.db.execute(
                f"""SELECT a.story_id, a.id AS article_id, a.outlet, a.published_utc, ai.credit, i.id, i.width,
                          i.height, s.headline_article_id
                   FROM articles a JOIN article_images ai ON ai.article_id = a.id
                   JOIN images i ON i.url = ai.url JOIN stories s ON s.id = a.story_id
                   WHERE a.story_id IN ({','.join('?' * len(chunk))}) AND i.data IS NOT NULL""", chunk)
            for r in rows:
                # the headline article first, then the newest, then (for ties) the last arrived
                key = (r["article_id"] == r["headline_article_id"], r["published_utc"] is not None,
                       r["published_utc"] or "", r["article_id"])
                image = StoryImage(r["id"], r["width"], r["height"], r["credit"], r["article_id"], r["outlet"])
                if r["story_id"] not in found or key > found[r["story_id"]][0]:
                    found[r["story_id"]] = (key, image)
        return {sid: image for sid, (_, image) in found.items()}
