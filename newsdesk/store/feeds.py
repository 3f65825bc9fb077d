"""Feed subscriptions, their polling state, and the items each feed listed.

A feed is a dict of its `feeds` row plus `items_seen` (items it listed) and `articles` (articles made from them).
Times are sortable UTC text (codec.utc_text) so that SQL can compare them with `now`.
"""
from __future__ import annotations

from datetime import datetime, timezone

from .codec import iso_text, now_text, utc_text
from . import postgres
from .connection import Connection

FEED_SQL = """SELECT f.*, (SELECT COUNT(*) FROM feed_items i WHERE i.feed_id = f.id) AS items_seen,
              (SELECT COUNT(*) FROM feed_items i JOIN articles a ON a.raw_sha256 = i.raw_sha256
               WHERE i.feed_id = f.id) AS articles FROM feeds f"""


class Feeds(Connection):
    def add_feed(self, url: str, title: str | None = None, site_url: str | None = None,
                 poll_seconds: int | None = None) -> tuple[int, bool]:
        """Returns (feed id, True when it is new); `poll_seconds` also updates an existing subscription."""
        with self.transaction():
            cur = self.db.execute("INSERT OR IGNORE INTO feeds (url, title, site_url, added_at) VALUES (?,?,?,?)",
                                  (url, title, site_url, now_text()))
            if poll_seconds is not None:
                self.db.execute("UPDATE feeds SET poll_seconds = ? WHERE url = ?", (int(poll_seconds), url))
        if cur.rowcount == 1:
            return cur.lastrowid, True
        return self.db.execute("SELECT id FROM feeds WHERE url = ?", (url,)).fetchone()[0], False

    def feeds(self) -> list[dict]:
        return [dict(r) for r in self.db.execute(FEED_SQL + " ORDER BY f.id")]

    def get_feed(self, feed_id: int) -> dict | None:
        r = self.db.execute(FEED_SQL + " WHERE f.id = ?", (feed_id,)).fetchone()
        return dict(r) if r else None

    def due_feeds(self, now: datetime | None = None) -> list[dict]:
        """The feeds to poll at `now` (default: the current time): never polled first, then by scheduled time."""
        now_s = utc_text(now or datetime.now(timezone.utc))
        # Due when its scheduled time has come, or when its interval has passed since its last good poll: an interval
        # shortened after (or while) a poll scheduled the next one takes effect at once.
        return [dict(r) for r in self.db.execute(
            FEED_SQL + f""" WHERE f.next_poll_at IS NULL OR f.next_poll_at <= :now
               OR (f.failures = 0 AND f.last_polled_at IS NOT NULL
                   AND {self._plus_seconds("f.last_polled_at", "f.poll_seconds")} <= :now)
               ORDER BY f.next_poll_at, f.id""",
            {"now": now_s})]

    def _plus_seconds(self, column: str, seconds: str) -> str:
        """SQL: the sortable UTC text of the time in `column` plus `seconds` seconds."""
        if self.dialect == "postgresql":
            return postgres.plus_seconds(column, seconds)
        return f"strftime('%Y-%m-%dT%H:%M:%S', {column}, '+' || {seconds} || ' seconds')"

    def feed_polled(self, feed_id: int, *, error: str | None, next_poll_at: datetime, etag: str | None = None,
                    last_modified: str | None = None, title: str | None = None, site_url: str | None = None,
                    warning: str | None = None) -> None:
        """Records one poll: a success keeps the validators, clears the failure count and keeps its `warning`
        (what it could read only in part; None clears it); an error counts."""
        now = now_text()
        with self.transaction():
            if error is None:
                self.db.execute(
                    """UPDATE feeds SET last_polled_at = ?, last_success_at = ?, failures = 0, next_poll_at = ?,
                       etag = COALESCE(?, etag), last_modified = COALESCE(?, last_modified),
                       title = COALESCE(title, ?), site_url = COALESCE(site_url, ?), last_warning = ? WHERE id = ?""",
                    (now, now, utc_text(next_poll_at), etag, last_modified, title, site_url, warning, feed_id))
            else:
                self.db.execute(
                    """UPDATE feeds SET last_polled_at = ?, last_error = ?, last_error_at = ?, failures = failures + 1,
                       next_poll_at = ? WHERE id = ?""",
                    (now, error, now, utc_text(next_poll_at), feed_id))

    def add_feed_item(self, feed_id: int, key: str, url: str | None, title: str | None,
                      published: datetime | None) -> bool:
        """Returns False when the feed listed this item before and it was dealt with (its page stored, or its
        error recorded); an item seen by a poll that was stopped before it got that far is still to do."""
        with self.transaction():
            cur = self.db.execute(
                "INSERT OR IGNORE INTO feed_items (feed_id, item_key, url, title, published, seen_at) "
                "VALUES (?,?,?,?,?,?)",
                (feed_id, key, url, title, iso_text(published), now_text()))
        if cur.rowcount == 1:
            return True
        return self.db.execute("SELECT 1 FROM feed_items WHERE feed_id = ? AND item_key = ? AND raw_sha256 IS NULL "
                               "AND error IS NULL", (feed_id, key)).fetchone() is not None

    def feed_item_result(self, feed_id: int, key: str, raw_sha256: str | None, error: str | None) -> None:
        """What became of an item: the raw input its page was stored as, or the error that stopped it."""
        with self.transaction():
            self.db.execute("UPDATE feed_items SET raw_sha256 = ?, error = ? WHERE feed_id = ? AND item_key = ?",
                            (raw_sha256, error, feed_id, key))

    def feed_items(self, feed_id: int, limit: int = 50) -> list[dict]:
        """The feed's latest items, as dicts of their `feed_items` rows, the last seen first."""
        return [dict(r) for r in self.db.execute(
            "SELECT feed_id, item_key, url, title, published, seen_at, raw_sha256, error FROM feed_items "
            "WHERE feed_id = ? ORDER BY seen_at DESC, rowid DESC LIMIT ?", (feed_id, limit))]
