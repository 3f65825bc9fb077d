"""Online story assignment: each new article joins the most similar recent story or starts a new one.

Articles arrive in time order. An article is a TF-IDF vector over its title (counted twice: headlines name the
event) and its lead, with IDF from the documents seen so far, so the model needs no training corpus. A story is
the running sum of its members' vectors. Only stories sharing a rare term with the article are compared
(inverted index), which keeps the cost per article bounded by the stories on the same topic, not the corpus.
Time enters as a penalty that grows with the gap since the story's last article, so that a story goes quiet
instead of absorbing every later article about the same place.
"""
from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Callable, Hashable

from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

from ..models import Article

LEAD_WORDS = 250
JOIN_THRESHOLD = 0.15
TIME_PENALTY_PER_LOG_WEEK = 0.005  # subtracted per log(1 + weeks since the story's last article)
CENTROID_TERMS = 300
QUERY_TERMS = 25
PROPER_NOUN_WEIGHT = 3

_TOKEN = re.compile(r"[A-Za-z][A-Za-z'\-]+|\d[\d,.]*")
_STOP = frozenset(ENGLISH_STOP_WORDS) | {"said", "says", "told", "new", "year", "years", "percent", "people"}


def terms(article: Article) -> Counter:
    words = _TOKEN.findall(article.title) * 2 + _TOKEN.findall(article.text)[: LEAD_WORDS]
    counts = Counter()
    for w in words:
        low = w.lower().strip("'-.,")
        if len(low) > 2 and low not in _STOP and not low[0].isdigit():
            # Capitalised words are mostly names (people, places, events): the cheapest entity signal there is.
            counts[low] += PROPER_NOUN_WEIGHT if w[0].isupper() else 1
    return counts


def _timestamp(value: datetime | None) -> float | None:
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.timestamp()


@dataclass
class _StoryState:
    centroid: dict[str, float] = field(default_factory=dict)
    size: int = 0
    last_seen: float | None = None


class StoryClusterer:
    def __init__(self, threshold: float = JOIN_THRESHOLD, time_penalty: float = TIME_PENALTY_PER_LOG_WEEK):
        self.threshold = threshold
        self.time_penalty = time_penalty
        self.df: Counter = Counter()
        self.n_docs = 0
        self.stories: dict[Hashable, _StoryState] = {}
        self.postings: dict[str, set] = defaultdict(set)

    def _vector(self, counts: Counter) -> dict[str, float]:
        n = self.n_docs + 1
        vec = {t: (1 + math.log(c)) * (math.log((n + 1) / (self.df.get(t, 0) + 1)) + 1) for t, c in counts.items()}
        norm = math.sqrt(sum(v * v for v in vec.values())) or 1.0
        return {t: v / norm for t, v in vec.items()}

    def _score(self, vec: dict[str, float], story: _StoryState, when: float | None) -> float:
        c = story.centroid
        norm = math.sqrt(sum(v * v for v in c.values())) or 1.0
        sim = sum(v * c.get(t, 0.0) for t, v in vec.items()) / norm
        if when is not None and story.last_seen is not None:
            weeks = abs(when - story.last_seen) / (7 * 86400)
            sim -= self.time_penalty * math.log1p(weeks)
        return sim

    def best_match(self, article: Article) -> tuple[Hashable | None, float, dict[str, float]]:
        vec = self._vector(terms(article))
        when = _timestamp(article.published)
        query = sorted(vec, key=vec.get, reverse=True)[:QUERY_TERMS]
        candidates = set().union(*(self.postings.get(t, ()) for t in query)) if query else set()
        best, best_score = None, -1.0
        for sid in candidates:
            score = self._score(vec, self.stories[sid], when)
            if score > best_score:
                best, best_score = sid, score
        return best, best_score, vec

    def assign(self, article: Article, new_story: Callable[[], Hashable]) -> tuple[Hashable, float]:
        """Join the best story over the threshold, else start one with `new_story()`; returns (story, score)."""
        best, score, vec = self.best_match(article)
        if best is None or score < self.threshold:
            best = new_story()
        self._add(best, article, vec)
        return best, score

    def observe(self, article: Article, story: Hashable) -> None:
        """Record an assignment made earlier (replaying the store), without deciding anything."""
        self._add(story, article, self._vector(terms(article)))

    def _add(self, story_id: Hashable, article: Article, vec: dict[str, float]) -> None:
        self.n_docs += 1
        self.df.update(vec.keys())
        state = self.stories.setdefault(story_id, _StoryState())
        for t, v in vec.items():
            state.centroid[t] = state.centroid.get(t, 0.0) + v
        if len(state.centroid) > CENTROID_TERMS * 2:
            # Keep the centroid small so a big story does not slow every comparison or match on noise terms.
            for t in sorted(state.centroid, key=state.centroid.get)[: len(state.centroid) - CENTROID_TERMS]:
                del state.centroid[t]
                self.postings[t].discard(story_id)
        state.size += 1
        when = _timestamp(article.published)
        if when is not None:
            state.last_seen = max(state.last_seen or when, when)
        for t in sorted(vec, key=vec.get, reverse=True)[:QUERY_TERMS]:
            self.postings[t].add(story_id)

    def story_vector(self, story_id: Hashable) -> dict[str, float]:
        return self.stories[story_id].centroid


def cosine(a: dict[str, float], b: dict[str, float]) -> float:
    if len(a) > len(b):
        a, b = b, a
    dot = sum(v * b.get(t, 0.0) for t, v in a.items())
    na = math.sqrt(sum(v * v for v in a.values())) or 1.0
    nb = math.sqrt(sum(v * v for v in b.values())) or 1.0
    return dot / (na * nb)
