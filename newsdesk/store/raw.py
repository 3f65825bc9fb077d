"""Raw inputs: the bytes exactly as received, keyed by their SHA-256, with the error that stopped their parsing."""
from __future__ import annotations

from ..models import RawInput
from .codec import iso_text, now_text, parse_time
from .connection import Connection


class RawInputs(Connection):
    def put_raw(self, raw: RawInput) -> bool:
        """Keep the bytes; returns False when exactly these bytes were stored before."""
        with self.transaction():
            cur = self.db.execute(
                "INSERT OR IGNORE INTO raw_inputs (sha256, kind, origin, url, fetched_at, body) VALUES (?,?,?,?,?,?)",
                (raw.sha256, raw.kind, raw.origin, raw.url, iso_text(raw.fetched_at) or now_text(), raw.body),
            )
        return cur.rowcount == 1

    def set_raw_error(self, sha256: str, error: str | None) -> None:
        with self.transaction():
            self.db.execute("UPDATE raw_inputs SET error = ? WHERE sha256 = ?", (error, sha256))

    def get_raw(self, sha256: str) -> RawInput | None:
        r = self.db.execute("SELECT * FROM raw_inputs WHERE sha256 = ?", (sha256,)).fetchone()
        if r is None:
            return None
        return RawInput(body=r["body"], kind=r["kind"], origin=r["origin"], url=r["url"],
                        fetched_at=parse_time(r["fetched_at"]))

    def raw_errors(self) -> list[tuple[str, str]]:
        """(origin, error) of every raw input that could not be parsed."""
        return [(r[0], r[1]) for r in self.db.execute("SELECT origin, error FROM raw_inputs WHERE error IS NOT NULL")]

    def has_article_for(self, sha256: str) -> bool:
        """Whether an article was made from this raw input."""
        return self.db.execute("SELECT 1 FROM articles WHERE raw_sha256 = ?", (sha256,)).fetchone() is not None
