"""Stories: which articles each holds, its brief and its related stories, and the stories' lists for the reader.

A story is shown only while it has articles; one emptied by an edit or by re-clustering redirects instead
(edits.py). Assignments mark the stories they touch stale (stale.py).
"""
from __future__ import annotations

import json
import sqlite3
from typing import Iterable, Iterator

from ..models import Article, Brief, Story
from .articles import Articles
from .codec import brief_from_json, brief_to_json, iso_text, now_text, parse_time, utc_text
from .stale import mark_stale


class Stories(Articles):
    def new_story(self) -> int:
        with self.transaction():
            return self.db.execute("INSERT INTO stories (updated_at) VALUES (?)", (now_text(),)).lastrowid

    def assign(self, article_id: int, story_id: int) -> None:
        self.assign_many([(article_id, story_id)])

    def assign_many(self, assignments: Iterable[tuple[int, int]]) -> None:
        """(article id, story id) pairs, in one transaction that also marks the stories they leave and join stale."""
        pairs = list(assignments)
        with self.transaction():
            left = self._stories_of([a for a, _ in pairs])
            self.db.executemany("UPDATE articles SET story_id = ? WHERE id = ?", [(s, a) for a, s in pairs])
            mark_stale(self.db, left | {s for _, s in pairs})

    def _stories_of(self, article_ids: list[int]) -> set[int]:
        found: set[int] = set()
        for i in range(0, len(article_ids), 500):
            chunk = article_ids[i:i + 500]
            found |= {r[0] for r in self.db.execute(
                "SELECT DISTINCT story_id FROM articles WHERE story_id IS NOT NULL "
                f"AND id IN ({','.join('?' * len(chunk))})", chunk)}
        return found

    def assignment_digest(self) -> tuple[int, int]:
        """How many articles have a story, and a checksum of which story each has (digest_of, in SQL). Each term
        is non-linear in the story, so that two articles swapping stories change the sum."""
        count, total = self.db.execute(
            "SELECT count(*), coalesce(sum((id * 1000003 + story_id) % 2147483647 * (story_id % 65521 + 7919)), 0) "
            "FROM articles WHERE story_id IS NOT NULL").fetchone()
        return int(count), int(total)

    @staticmethod
    def digest_of(assignments: Iterable[tuple[int, int]]) -> tuple[int, int]:
        """assignment_digest of (article id, story id) pairs held elsewhere (a saved stream state)."""
        count = total = 0
        for article_id, story_id in assignments:
            count += 1
            total += (article_id * 1000003 + story_id) % 2147483647 * (story_id % 65521 + 7919)
        return count, total

    def live_story_ids(self) -> set[int]:
        """Stories that have articles (merged and emptied ones redirect instead)."""
        return {r[0] for r in self.db.execute("SELECT DISTINCT story_id FROM articles WHERE story_id IS NOT NULL")}

    def save_story(self, story_id: int, brief: Brief) -> None:
        """Stores the brief and headline, and the first and last publication times of the story's articles."""
        first, last = self.db.execute(
            "SELECT MIN(published), MAX(published) FROM articles WHERE story_id = ?", (story_id,)
        ).fetchone()
        # MIN/MAX over ISO text with mixed offsets can mislead; recompute on parsed values.
        dates = [a.published for a in self.story_articles(story_id) if a.published]
        if dates:
            first, last = iso_text(min(dates, key=utc_text)), iso_text(max(dates, key=utc_text))
        hid = brief.headline_article_id if isinstance(brief.headline_article_id, int) else None
        with self.transaction():
            self.db.execute(
                """UPDATE stories SET headline = ?, headline_article_id = ?, first_published = ?, last_published = ?,
                   brief = ?, updated_at = ? WHERE id = ?""",
                (brief.headline, hid, first, last, brief_to_json(brief), now_text(), story_id),
            )

    def set_related(self, story_id: int, related: list[tuple[int, float]]) -> None:
        """Replaces the story's related stories: (story id, score) pairs."""
        with self.transaction():
            self.db.execute("DELETE FROM story_related WHERE story_id = ?", (story_id,))
            self.db.executemany(
                "INSERT INTO story_related VALUES (?, ?, ?)", [(story_id, rid, score) for rid, score in related]
            )

    # -- threads (stages/threads.py)
    def set_thread_names(self, story_id: int, names: dict[str, float]) -> None:
        """The story's names as threads read them (stages.threads.profile_names)."""
        with self.transaction():
            self.db.execute("UPDATE stories SET thread_names = ? WHERE id = ?", (json.dumps(names), story_id))

    def thread_names(self, story_ids: Iterable[int]) -> dict[int, dict[str, float] | None]:
        """Story id -> its stored names (None where none are stored yet), for each of `story_ids`."""
        ids = list(story_ids)
        out: dict[int, dict[str, float] | None] = {}
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            for sid, names in self.db.execute(
                    f"SELECT id, thread_names FROM stories WHERE id IN ({','.join('?' * len(chunk))})", chunk):
                out[sid] = json.loads(names) if names is not None else None
        return out

    def thread_ids(self, story_ids: Iterable[int]) -> dict[int, int]:
        """Story id -> its stored thread id, for each of `story_ids` that has one."""
        ids = list(story_ids)
        out: dict[int, int] = {}
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            out.update(self.db.execute(f"SELECT id, thread_id FROM stories WHERE thread_id IS NOT NULL AND id IN "
                                       f"({','.join('?' * len(chunk))})", chunk).fetchall())
        return out

    def set_threads(self, thread_of: dict[int, int]) -> int:
        """Stores each story's thread id (story id -> thread id), in one transaction; returns how many changed."""
        current = {r[0]: r[1] for r in self.db.execute("SELECT id, thread_id FROM stories WHERE thread_id IS NOT NULL")}
        changed = [(t, s) for s, t in thread_of.items() if current.get(s) != t]
        with self.transaction():
            self.db.executemany("UPDATE stories SET thread_id = ? WHERE id = ?", changed)
        return len(changed)

    def thread_links(self) -> dict[tuple[int, int], float]:
        """(a, b) -> score: the link scores between stories the last threads found (stages.threads.relink)."""
        return {(a, b): score for a, b, score in self.db.execute("SELECT a, b, score FROM thread_links")}

    def thread_counts(self) -> dict[str, int]:
        """Name -> its story count as the last threads' IDF read it ('' -> the stories count)."""
        return dict(self.db.execute("SELECT name, bucket FROM thread_counts").fetchall())

    def save_thread_links(self, dropped: Iterable[int], links: dict[tuple[int, int], float],
                          counts: dict[str, int]) -> None:
        """Replaces every stored link touching a story of `dropped` by `links`, and the counts by `counts`, in one
        transaction."""
        ids = list(dropped)
        old = self.thread_counts()
        with self.transaction():
            for start in range(0, len(ids), 500):
                chunk = ids[start:start + 500]
                marks = ",".join("?" * len(chunk))
                self.db.execute(f"DELETE FROM thread_links WHERE a IN ({marks}) OR b IN ({marks})", chunk + chunk)
            self.db.executemany("INSERT INTO thread_links VALUES (?, ?, ?)",
                                [(a, b, score) for (a, b), score in links.items()])
            gone = [(t,) for t in old if t not in counts]
            moved = [(t, b) for t, b in counts.items() if old.get(t) != b]
            self.db.executemany("DELETE FROM thread_counts WHERE name = ?", gone + [(t,) for t, _ in moved])
            self.db.executemany("INSERT INTO thread_counts VALUES (?, ?)", moved)

    def thread_stories(self, thread_id: int) -> list[Story]:
        """The stories (with articles) of a thread, oldest first by their first article."""
        rows = self.db.execute(
            "SELECT * FROM stories WHERE thread_id = ? AND article_count > 0", (thread_id,)).fetchall()
        stories = self._stories(rows, with_details=False)
        return sorted(stories, key=lambda s: (utc_text(s.first_published) or "~", s.id))

    def thread_sizes(self, thread_ids: Iterable[int]) -> dict[int, int]:
        """Thread id -> how many stories with articles it holds, for each of `thread_ids` that has any."""
        ids = list(dict.fromkeys(t for t in thread_ids if t is not None))
        out: dict[int, int] = {}
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            out.update(self.db.execute(
                f"SELECT thread_id, count(*) FROM stories WHERE article_count > 0 AND thread_id IN "
                f"({','.join('?' * len(chunk))}) GROUP BY thread_id", chunk).fetchall())
        return out

    def stories_relating_to(self, story_ids: Iterable[int]) -> set[int]:
        """The stories whose related links name one of `story_ids`."""
        ids = list(story_ids)
        found: set[int] = set()
        for start in range(0, len(ids), 500):  # under SQLite's limit on parameters
            chunk = ids[start:start + 500]
            found.update(r[0] for r in self.db.execute(
                f"SELECT DISTINCT story_id FROM story_related WHERE related_id IN ({','.join('?' * len(chunk))})",
                chunk))
        return found

    def story_links(self, story_ids: Iterable[int]) -> dict[int, list[tuple[int, float]]]:
        """Each story's stored related links, (story id, score), best first; a story without any is left out."""
        found: dict[int, list[tuple[int, float]]] = {}
        for chunk in _chunks(list(story_ids)):
            for r in self.db.execute(f"SELECT story_id, related_id, score FROM story_related WHERE story_id IN "
                                     f"({','.join('?' * len(chunk))})", chunk):
                found.setdefault(r[0], []).append((r[1], r[2]))
        for links in found.values():
            links.sort(key=lambda x: -x[1])
        return found

    # -- the related-stories index (migration 0009): each story's top terms as of its last relinking
    def story_terms(self, story_ids: Iterable[int]) -> dict[int, list[str]]:
        """The terms each of `story_ids` is indexed under; a story without any is left out."""
        found: dict[int, list[str]] = {}
        for chunk in _chunks(list(story_ids)):
            for r in self.db.execute(
                    f"SELECT story_id, term FROM story_terms WHERE story_id IN ({','.join('?' * len(chunk))})", chunk):
                found.setdefault(r[0], []).append(r[1])
        return found

    def term_postings(self, limits: dict[str, int]) -> dict[str, list[int]]:
        """For each term, the newest `limits[term]` stories (largest ids first) indexed under it: one seek each."""
        return {term: [r[0] for r in self.db.execute(
            "SELECT story_id FROM story_terms WHERE term = ? ORDER BY story_id DESC LIMIT ?", (term, n))]
            for term, n in limits.items()}

    def term_holders(self, terms: Iterable[str]) -> dict[int, set[str]]:
        """Every story indexed under one of `terms`, with which of them."""
        found: dict[int, set[str]] = {}
        for chunk in _chunks(list(terms)):
            for r in self.db.execute(
                    f"SELECT story_id, term FROM story_terms WHERE term IN ({','.join('?' * len(chunk))})", chunk):
                found.setdefault(r[0], set()).add(r[1])
        return found

    def set_story_terms(self, terms: dict[int, list[str]], replace_all: bool = False) -> None:
        """Each story's index terms replaced (an empty list: not indexed); `replace_all`: every other story's
        dropped too."""
        with self.transaction():
            if replace_all:
                self.db.execute("DELETE FROM story_terms")
            else:
                self.db.executemany("DELETE FROM story_terms WHERE story_id = ?", [(s,) for s in terms])
            self.db.executemany("INSERT INTO story_terms (term, story_id) VALUES (?, ?)",
                                [(t, s) for s, ts in terms.items() for t in ts])

    def story_articles(self, story_id: int) -> list[Article]:
        return self.articles("story_id = ?", (story_id,))

    def story_ids(self, written: bool = False) -> list[int]:
        """Every story id; `written`: only those that have had a brief written."""
        where = " WHERE brief IS NOT NULL" if written else ""
        return [r[0] for r in self.db.execute(f"SELECT id FROM stories{where} ORDER BY id")]

    def _stories(self, rows: list[sqlite3.Row], with_details: bool) -> list[Story]:
        """The Story of each `stories` row, in the rows' order, with three queries in all (not three a story)."""
        ids = [r["id"] for r in rows]
        members: dict[int, list[sqlite3.Row]] = {i: [] for i in ids}
        related: dict[int, list[tuple[int, str, float]]] = {i: [] for i in ids}
        for chunk in (ids[i:i + 500] for i in range(0, len(ids), 500)):
            marks = ",".join("?" * len(chunk))
            for m in self.db.execute(
                f"SELECT story_id, id, outlet, title FROM articles WHERE story_id IN ({marks}) "
                "ORDER BY story_id, published_utc, id", chunk
            ):
                members[m["story_id"]].append(m)
            if with_details:
                for x in self.db.execute(
                    f"""SELECT r.story_id, s.id, s.headline, r.score FROM story_related r
                        JOIN stories s ON s.id = r.related_id WHERE r.story_id IN ({marks})
                        ORDER BY r.story_id, r.score DESC""", chunk
                ):
                    related[x["story_id"]].append((x["id"], x["headline"], x["score"]))
        stories = []
        for r in rows:
            ms = members[r["id"]]
            # A story whose brief is still owed (a build stopped before writing it) goes by its latest article's title.
            story = Story(
                id=r["id"], headline=r["headline"] or (ms[-1]["title"] if ms else ""),
                article_ids=[m["id"] for m in ms],
                first_published=parse_time(r["first_published"]), last_published=parse_time(r["last_published"]),
                outlets=sorted({m["outlet"] for m in ms if m["outlet"]}), section=r["section"] or None,
                thread_id=r["thread_id"],
            )
            if with_details:
                story.brief = brief_from_json(r["brief"])
                story.related = related[r["id"]]
            stories.append(story)
        return stories

    def get_story(self, story_id: int) -> Story | None:
        """The story, or None when there is none with articles (an id that a build created and never filled, or
        one emptied without a redirect, is not a story to show)."""
        r = self.db.execute("SELECT * FROM stories WHERE id = ?", (story_id,)).fetchone()
        if r is None:
            return None
        story = self._stories([r], with_details=True)[0]
        return story if story.article_ids else None

    def list_stories(self, limit: int = 50, offset: int = 0, with_details: bool = False) -> list[Story]:
        """Newest first, by the latest article in each story; stories without articles are not shown.
        `with_details`: with each story's brief and related stories too, as get_story gives them."""
        # Walks the index stories_latest (migration 0008): the count and latest time are kept by triggers.
        rows = self.db.execute(
            """SELECT * FROM stories WHERE article_count > 0 ORDER BY latest_utc DESC, id DESC LIMIT ? OFFSET ?""",
            (limit, offset),
        ).fetchall()
        return self._stories(rows, with_details)

    def stories_by_id(self, story_ids: Iterable[int]) -> dict[int, Story]:
        """Each of the ids that is a story with articles, with its brief and related stories (as get_story)."""
        ids = list(dict.fromkeys(story_ids))
        rows = []
        for chunk in (ids[i:i + 500] for i in range(0, len(ids), 500)):
            rows += self.db.execute(
                f"SELECT * FROM stories WHERE id IN ({','.join('?' * len(chunk))}) AND article_count > 0", chunk
            ).fetchall()
        return {s.id: s for s in self._stories(rows, with_details=True) if s.article_ids}

    def story_headlines(self, story_ids: Iterable[int]) -> dict[int, str]:
        """The headline of each of the ids that is a story with articles, as get_story gives it (the latest
        article's title while its brief is owed), in one query and without loading the stories."""
        ids = list(dict.fromkeys(story_ids))
        found: dict[int, str] = {}
        for chunk in (ids[i:i + 500] for i in range(0, len(ids), 500)):
            # The latest article: the last in story_articles' order (published_utc, id; undated first), a seek
            # down articles_story_time.
            found.update((r[0], r[1] or "") for r in self.db.execute(
                f"""SELECT s.id, coalesce(nullif(s.headline, ''), (SELECT a.title FROM articles a
                    WHERE a.story_id = s.id ORDER BY a.published_utc DESC, a.id DESC LIMIT 1)) FROM stories s
                    WHERE s.id IN ({','.join('?' * len(chunk))}) AND s.article_count > 0""", chunk))
        return found

    def story_count(self) -> int:
        # Kept by triggers (migration 0010): one row, not a count over every story.
        return self.db.execute("SELECT live FROM story_tally").fetchone()[0]

    def iter_all_stories(self) -> Iterator[Story]:
        """Every story with articles, with its brief and related stories, by id."""
        for sid in self.story_ids():
            story = self.get_story(sid)
            if story and story.article_ids:
                yield story


def _chunks(items: list, size: int = 500) -> Iterator[list]:
    """`items` in lists under SQLite's limit on parameters."""
    for start in range(0, len(items), size):
        yield items[start:start + size]
