"""Users' edits of stories: moving an article, merging two stories, and the redirects and pins they leave.

An edited article is pinned where the user put it, and builds respect pins (re-clustering keeps pinned articles
together). A story left without articles redirects to where they went; old links follow the redirect.
"""
from __future__ import annotations

from ..errors import Conflict, NotFound
from .articles import Articles
from .codec import now_text
from .stale import mark_stale


class Edits(Articles):
    def story_redirect(self, story_id: int) -> int | None:
        """Where a merged or emptied story now lives (following chains), or None when it was never redirected."""
        target, seen = None, {story_id}
        while True:
            r = self.db.execute("SELECT new_id FROM story_redirects WHERE old_id = ?", (target or story_id,)).fetchone()
            if r is None or r[0] in seen:
                return target
            target = r[0]
            seen.add(target)

    def _story_exists(self, story_id: int) -> bool:
        return self.db.execute("SELECT 1 FROM stories WHERE id = ?", (story_id,)).fetchone() is not None

    def move_article(self, article_id: int, to_story: int | None = None) -> tuple[int, int]:
        """Moves an article (and the copies that follow it) to `to_story`, or to a new story; returns (from, to).

        The article is pinned there, and a story left empty redirects to where its last article went. Raises
        NotFound for an article in no story or a story that does not exist.
        """
        article = self.get_article(article_id)
        if article is None or article.story_id is None:
            raise NotFound(f"article {article_id} is not in any story")
        if to_story is not None:
            to_story = self.story_redirect(to_story) or to_story
            if not self._story_exists(to_story):
                raise NotFound(f"story {to_story} not found")
        source = article.story_id
        if to_story == source:
            return source, source
        with self.transaction():
            if to_story is None:
                to_story = self.db.execute("INSERT INTO stories (updated_at) VALUES (?)", (now_text(),)).lastrowid
            moved = [article_id] + [a.id for a in self.duplicates_of(article_id) if a.story_id == source]
            for aid in moved:
                self.db.execute("UPDATE articles SET story_id = ? WHERE id = ?", (to_story, aid))
                self.db.execute("INSERT OR REPLACE INTO story_pins VALUES (?, ?, ?)", (aid, to_story, now_text()))
            self.db.execute("INSERT INTO story_edits (kind, article_id, from_story, to_story, created_at) "
                            "VALUES ('move', ?, ?, ?, ?)", (article_id, source, to_story, now_text()))
            mark_stale(self.db, [source, to_story])
            if not self.db.execute("SELECT 1 FROM articles WHERE story_id = ?", (source,)).fetchone():
                self._redirect(source, to_story)
        return source, to_story

    def merge_stories(self, source: int, target: int) -> int:
        """Moves every article of `source` into `target` for good; `source` redirects there. Returns the target.
        Raises NotFound for a story that does not exist, Conflict for a story merged into itself."""
        target = self.story_redirect(target) or target
        source = self.story_redirect(source) or source
        for sid in (source, target):
            if not self._story_exists(sid):
                raise NotFound(f"story {sid} not found")
        if source == target:
            raise Conflict("a story cannot be merged into itself")
        with self.transaction():
            self.db.execute("UPDATE articles SET story_id = ? WHERE story_id = ?", (target, source))
            # the user has said these articles are one story: re-clustering (stages/recluster.py) keeps them so
            self.db.execute("INSERT OR REPLACE INTO story_pins SELECT id, ?, ? FROM articles WHERE story_id = ?",
                            (target, now_text(), target))
            self.db.execute("INSERT INTO story_edits (kind, from_story, to_story, created_at) "
                            "VALUES ('merge', ?, ?, ?)", (source, target, now_text()))
            mark_stale(self.db, [source, target])
            self._redirect(source, target)
        return target

    def _redirect(self, old: int, new: int) -> None:
        # Inside the caller's transaction. Earlier redirects to `old` now point at `new`, so chains stay short.
        self.db.execute("UPDATE story_redirects SET new_id = ? WHERE new_id = ?", (new, old))
        self.db.execute("INSERT OR REPLACE INTO story_redirects VALUES (?, ?, ?)", (old, new, now_text()))
        # the stories linking to `old` lose that link: they are owed their links again (written = 1: links only),
        # since a build relates only the stories its changes touch (pipeline/build.py)
        self.db.execute("INSERT INTO stale_stories (story_id, written, since) SELECT DISTINCT story_id, 1, ? "
                        "FROM story_related WHERE related_id = ? AND story_id != ? ON CONFLICT(story_id) DO NOTHING",
                        (now_text(), old, old))
        self.db.execute("DELETE FROM story_related WHERE story_id = ? OR related_id = ?", (old, old))

    def retire_story(self, old: int, new: int) -> None:
        """An automatic merge: `old`, left without articles by re-clustering, redirects to `new`."""
        with self.transaction():
            self._redirect(old, new)

    def moved_articles(self) -> list[tuple[int, int]]:
        """(article id, the story a user moved it out of), oldest first."""
        return [(r[0], r[1]) for r in self.db.execute(
            "SELECT article_id, from_story FROM story_edits WHERE kind = 'move' ORDER BY id")]

    def pinned_stories(self) -> dict[int, int]:
        """article id -> the story a user put it in."""
        return {r[0]: r[1] for r in self.db.execute("SELECT article_id, story_id FROM story_pins")}

    def redirected_stories(self) -> dict[int, int]:
        """old story id -> the story it redirects to (one step; story_redirect follows chains)."""
        return {r[0]: r[1] for r in self.db.execute("SELECT old_id, new_id FROM story_redirects")}
