"""The web server's credentials and login sessions. Only hashes are stored; newsdesk/web/auth.py makes them."""
from __future__ import annotations

from datetime import datetime, timezone

from .codec import now_text
from .connection import Connection


class Credentials(Connection):
    def credential_hashes(self) -> list[str]:
        return [r[0] for r in self.db.execute("SELECT hash FROM credentials ORDER BY id")]

    def has_credentials(self) -> bool:
        return self.db.execute("SELECT 1 FROM credentials LIMIT 1").fetchone() is not None

    def replace_credentials(self, token_hash: str) -> None:
        """The one stored credential from now on; every login session made with an earlier one ends."""
        with self.transaction():
            self.db.execute("DELETE FROM credentials")
            self.db.execute("DELETE FROM sessions")
            self.db.execute("INSERT INTO credentials (hash, created_at) VALUES (?, ?)", (token_hash, now_text()))

    def add_credential_if_none(self, token_hash: str) -> bool:
        """Stores the credential only while none exists (two servers starting at once make one); True if stored."""
        with self.transaction():
            cur = self.db.execute("INSERT INTO credentials (hash, created_at) SELECT ?, ? "
                                  "WHERE NOT EXISTS (SELECT 1 FROM credentials)", (token_hash, now_text()))
        return cur.rowcount == 1

    def credentials_made(self) -> list[str]:
        """When each stored credential was made (ISO 8601, UTC)."""
        return [r[0] for r in self.db.execute("SELECT created_at FROM credentials ORDER BY id")]

    def add_session(self, id_hash: str, expires_at: datetime) -> None:
        """Stores a login session until `expires_at`; expired ones are deleted here."""
        with self.transaction():
            self.db.execute("DELETE FROM sessions WHERE expires_at <= ?", (now_text(),))
            self.db.execute("INSERT INTO sessions (id_hash, created_at, expires_at) VALUES (?, ?, ?)",
                            (id_hash, now_text(), expires_at.astimezone(timezone.utc).isoformat(timespec="seconds")))

    def session_alive(self, id_hash: str) -> bool:
        return self.db.execute("SELECT 1 FROM sessions WHERE id_hash = ? AND expires_at > ?",
                               (id_hash, now_text())).fetchone() is not None

    def end_session(self, id_hash: str) -> None:
        with self.transaction():
            self.db.execute("DELETE FROM sessions WHERE id_hash = ?", (id_hash,))
