"""The stream's state: dedup then cluster, one article at a time in arrival order, and the window to re-cluster.

`StoryAssigner` is what the window stages (`stages.Assign`, `stages.Recluster`) work on; `build`, `newsdesk
cluster` and `newsdesk eval cluster` all use it. It never touches the store: story ids come from the `new_story`
callable its caller passes, and it pickles whole (state.py saves it between builds).
"""
from __future__ import annotations

from collections import OrderedDict
from typing import Callable, Hashable, Iterable

import numpy as np

from ..models import Article
from ..stages.cluster import StoryClusterer
from ..stages.dedup import DuplicateIndex, Fingerprint
from ..stages.recluster import MAX_ARTICLES as MAX_WINDOW
from ..stages.recluster import PairModel, Window, recluster, story_ids


class StoryAssigner:
    """A copy of an earlier article joins that article's story without a clustering decision, so wire copies can
    never be split across stories. The newest `window` originals are kept (term counts and dense vector) for
    `recluster`, which redoes their stories all at once (stages/recluster.py).
    """

    def __init__(self, window: int = MAX_WINDOW):
        self.duplicates = DuplicateIndex()
        self.clusterer = StoryClusterer()
        self.story_of: dict[Hashable, Hashable] = {}
        self.window_size = window
        # key -> (Terms, raw dense vector, title and lead terms weighed as the article arrived)
        self.recent: OrderedDict[Hashable, tuple] = OrderedDict()
        self.copy_of: dict[Hashable, Hashable] = {}
        # stories whose `related_vectors` may have changed since the caller last cleared it (build.relate does)
        self.related_dirty: set[Hashable] = set()
        # what changed it since it was read back (state.resume sets a list): ("a", key, story, copy of, fingerprint,
        # vector) per article and ("m", {key: story}) per re-clustering, appended to the saved journal (state.save)
        self.journal: list[tuple] | None = None

    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        state["journal"] = None  # what a journal holds is in the saved state itself
        return state

    def _touched(self, story: Hashable) -> None:
        self.related_dirty.add(story)
        expired = getattr(self.clusterer, "expired_ids", None)  # a clusterer replaced by eval may not keep them
        if expired:
            self.related_dirty.update(expired)  # shrunk to a few terms: their vectors changed
            expired.clear()

    def _keep(self, key: Hashable, original: Hashable | None) -> None:
        if original is not None:
            if original != key:
                self.copy_of[key] = original
            return
        vec = self.clusterer.last_vectors
        if vec is None or vec.raw is None or vec.counts is None:
            return  # no dense vectors (a TF-IDF-only clusterer): nothing to re-cluster with
        related = dict(vec.title)
        for t, v in vec.lead.items():
            related[t] = related.get(t, 0.0) + v
        self.recent[key] = (vec.counts, vec.raw, related)
        if len(self.recent) > self.window_size:
            old, _ = self.recent.popitem(last=False)
            self.related_dirty.add(self.story_of.get(old))

    def observe(self, article: Article, story: Hashable, original: Hashable | None = None,
                fingerprint: Fingerprint | None = None, vector: np.ndarray | None = None) -> None:
        """Records an assignment made elsewhere (a replay, a journal); `fingerprint` and `vector` as `assign`."""
        self.duplicates.add(article.key, article.text, fingerprint)
        if vector is None:
            self.clusterer.observe(article, story)
        else:
            self.clusterer.observe(article, story, raw=vector)
        self.story_of[article.key] = story
        self._touched(story)
        self._keep(article.key, original)
        if self.journal is not None:
            self.journal.append(("a", article.key, story, original, fingerprint, vector))

    def assign(self, article: Article, new_story: Callable[[], Hashable], fingerprint: Fingerprint | None = None,
               vector: np.ndarray | None = None) -> tuple[Hashable, Hashable | None]:
        """Returns (story, key of the earlier copy or None). `fingerprint` and `vector` (the raw embedding) are the
        per-article stages' results, when computed beforehand; else they are computed here."""
        raw = {} if vector is None else {"raw": vector}  # a clusterer replaced by eval may not take `raw`
        original = self.duplicates.add(article.key, article.text, fingerprint)
        if original is not None and original in self.story_of:
            story = self.story_of[original]
            self.clusterer.observe(article, story, **raw)
        else:
            original = None
            story, _ = self.clusterer.assign(article, new_story, **raw)
        self.story_of[article.key] = story
        self._touched(story)
        self._keep(article.key, original)
        if self.journal is not None:  # with what the per-article stages found: replaying it skips them
            self.journal.append(("a", article.key, story, original, fingerprint, vector))
        return story, original

    def window(self) -> tuple[list[Hashable], Window | None]:
        """The keys of the window's articles, oldest first, and what re-clustering reads of them."""
        keys = list(self.recent)
        if not keys:
            return keys, None
        return keys, Window([self.recent[k][0] for k in keys], np.stack([self.recent[k][1] for k in keys]))

    def related_vectors(self, stories: Iterable[Hashable]) -> dict[Hashable, dict[str, float]]:
        """Title and lead terms of each of `stories` in one vector, for related-story links: summed over its window
        articles where it has any, since re-clustering may have moved them (the clusterer's stories still hold
        them where the stream put them, and a story re-clustering started has none there); else the clusterer's.
        Each article's terms are weighed as it arrived (as the clusterer's own story vectors are), so a story's
        vector changes only when `related_dirty` names it: its articles, its window articles or its shrinking."""
        wanted = set(stories)
        vectors: dict[Hashable, dict[str, float]] = {}
        for key, kept in self.recent.items():
            story = self.story_of[key]
            if story not in wanted:
                continue
            vector = vectors.setdefault(story, {})
            for t, v in kept[2].items():
                vector[t] = vector.get(t, 0.0) + v
        for story in wanted - vectors.keys():
            if story in self.clusterer.stories:
                vectors[story] = self.clusterer.story_vector(story)
        return vectors

    def recluster(self, new_story: Callable[[], Hashable], fixed: dict[Hashable, Hashable] | None = None,
                  apart: Iterable[tuple[Hashable, Hashable]] = (), model: PairModel | None = None,
                  scored: tuple | None = None) -> tuple[dict[Hashable, Hashable], dict[Hashable, Hashable]]:
        """Redoes the stories of the window. `fixed`: key -> the story a user put it in; `apart`: pairs of keys a
        user separated. Returns the articles whose story changed (key -> new story, copies included) and the
        stories none of whose window articles kept them (old -> where most went); `story_of` is updated. The
        clusterer's stories are not: they stay as the stream made them, which is what the next build resumes
        (and the eval scores: stream, then re-cluster), and each re-clustering redoes the window again.
        `scored`: the window's recluster.scored_pairs, when already computed."""
        keys, window = self.window()
        if len(keys) < 2:
            return {}, {}
        fixed = fixed or {}
        where = {k: n for n, k in enumerate(keys)}
        labels = [fixed.get(k) for k in keys]
        pairs = [(where[a], where[b]) for a, b in apart if a in where and b in where]
        clusters = recluster(window, model, fixed=labels, apart=pairs, scored=scored)
        return self.regroup(keys, clusters, new_story, fixed)

    def regroup(self, keys: list[Hashable], groups: list[int], new_story: Callable[[], Hashable],
                fixed: dict[Hashable, Hashable] | None = None
                ) -> tuple[dict[Hashable, Hashable], dict[Hashable, Hashable]]:
        """The window articles `keys` put in `groups` (a number per key, stages/crosslang.py), mapped to stories as
        `recluster` maps its clusters; returns the same (articles moved, stories left without window articles).
        Recorded as re-clustering's moves are: the clusterer's stories stay as the stream made them."""
        fixed = fixed or {}
        labels = [fixed.get(k) for k in keys]
        stories, retired = story_ids(groups, [self.story_of[k] for k in keys], labels, new_story)
        changed = {k: s for k, s in zip(keys, stories) if self.story_of[k] != s}
        for copy, original in self.copy_of.items():
            if original in changed and copy not in fixed and self.story_of.get(copy) != changed[original]:
                changed[copy] = changed[original]
        for key, story in changed.items():
            self.related_dirty.update((self.story_of.get(key), story))
        self.story_of.update(changed)
        if self.journal is not None and changed:
            self.journal.append(("m", dict(changed)))
        return changed, retired
