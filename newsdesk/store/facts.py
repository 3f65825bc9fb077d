"""Facts: per-article extraction results, each story's facts, and the entity index across stories.

The facts themselves (figures, disagreements, quotes, entities, timeline) are made by newsdesk/stages/facts and
stored as JSON; the store indexes only the entities, so that an entity's page can list its stories.
"""
from __future__ import annotations

import json

from .codec import now_text, parse_time
from .connection import Connection
from .records import Entity, EntityStory


class Facts(Connection):
    def article_facts(self, article_ids: list[int]) -> dict[int, dict]:
        """Stored per-article extraction results by article id (each carries its own "version")."""
        out: dict[int, dict] = {}
        for i in range(0, len(article_ids), 500):
            chunk = article_ids[i:i + 500]
            rows = self.db.execute(
                f"SELECT article_id, facts FROM article_facts WHERE article_id IN ({','.join('?' * len(chunk))})",
                chunk)
            out.update({r[0]: json.loads(r[1]) for r in rows})
        return out

    def put_article_facts(self, items: dict[int, dict]) -> None:
        with self.transaction():
            self.db.executemany("INSERT OR REPLACE INTO article_facts VALUES (?, ?, ?)",
                                [(aid, f.get("version", 0), json.dumps(f)) for aid, f in items.items()])

    def save_facts(self, story_id: int, facts: dict) -> None:
        """Stores a story's facts and indexes its entities; each entity dict gets its "entity_id"."""
        with self.transaction():
            self.db.execute("DELETE FROM entity_stories WHERE story_id = ?", (story_id,))
            for e in facts.get("entities", []):
                self.db.execute(
                    """INSERT INTO entities (kind, key, name, place) VALUES (?, ?, ?, ?)
                       ON CONFLICT(key) DO UPDATE SET place = COALESCE(excluded.place, entities.place)""",
                    (e["kind"], e["key"], e["name"], json.dumps(e["place"]) if e.get("place") else None))
                e["entity_id"] = self.db.execute("SELECT id FROM entities WHERE key = ?", (e["key"],)).fetchone()[0]
                self.db.execute("INSERT OR REPLACE INTO entity_stories VALUES (?, ?, ?, ?)",
                                (e["entity_id"], story_id, e["mentions"], json.dumps(e["variants"])))
            self.db.execute("INSERT OR REPLACE INTO story_facts VALUES (?, ?, ?)",
                            (story_id, json.dumps(facts), now_text()))

    def get_facts(self, story_id: int) -> dict | None:
        r = self.db.execute("SELECT facts FROM story_facts WHERE story_id = ?", (story_id,)).fetchone()
        return json.loads(r[0]) if r else None

    def get_entity(self, entity_id: int) -> Entity | None:
        r = self.db.execute("SELECT * FROM entities WHERE id = ?", (entity_id,)).fetchone()
        if r is None:
            return None
        return Entity(id=r["id"], kind=r["kind"], key=r["key"], name=r["name"],
                      place=json.loads(r["place"]) if r["place"] else None)

    def entity_stories(self, entity_id: int) -> list[EntityStory]:
        """The stories an entity appears in, newest first, with its mentions and spellings in each."""
        rows = self.db.execute(
            """SELECT s.id, s.headline, s.first_published, s.last_published, es.mentions, es.variants
               FROM entity_stories es JOIN stories s ON s.id = es.story_id WHERE es.entity_id = ?
               ORDER BY s.last_published DESC, s.id DESC""", (entity_id,))
        return [EntityStory(story_id=r["id"], headline=r["headline"], first_published=parse_time(r["first_published"]),
                            last_published=parse_time(r["last_published"]), mentions=r["mentions"],
                            variants=json.loads(r["variants"])) for r in rows]
