"""Runs the stages in order over the store: ingest (keep raw, extract) and build (dedup, cluster, summarize, relate).

This is the only place that connects stages to the store; the CLI, the web server and the batch verbs call it.
"""
from __future__ import annotations

import os
import pickle
import sys
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Hashable, Iterable

import numpy as np
from tqdm import tqdm

from .models import Article, RawInput
from .sources import SourceError, read_jsonl_bytes, read_path
from .sources.records import RecordError, article_from_json_bytes
from .stages.cluster import POSTING_STORIES, StoryClusterer, _top, cosine
from .stages.dedup import DuplicateIndex
from .stages.recluster import MAX_ARTICLES as MAX_WINDOW
from .stages.recluster import PairModel, Window, recluster, story_ids
from .settings import current
from .store import Store

RELATED = current().related  # [related] in newsdesk.toml, docs/settings.md
RELATED_MIN_SIMILARITY = RELATED.min_similarity
RELATED_MAX = RELATED.max_related
RELATED_TOP_TERMS = RELATED.top_terms  # a story's terms that find its candidates


@dataclass
class InputFailure:
    origin: str
    message: str

    def __str__(self) -> str:
        return f"{self.origin}: {self.message}"


@dataclass
class IngestReport:
    added: int = 0
    already_stored: int = 0
    failures: list[InputFailure] = field(default_factory=list)


@dataclass
class BuildReport:
    new_articles: int = 0
    duplicates: int = 0
    new_stories: int = 0
    updated_stories: int = 0
    total_stories: int = 0
    revised_articles: int = 0  # moved by re-clustering the window
    resumed: bool = False  # the stream's state was read from the one the last build saved, not replayed


def parse_raw(raw: RawInput) -> Article:
    """Raw bytes to Article, whatever their kind; raises a ValueError subclass naming the problem."""
    if raw.kind == "json":
        return article_from_json_bytes(raw)
    if raw.kind == "html":
        from .stages.extract import extract_html  # trafilatura import is slow: only pay for it when needed

        return extract_html(raw)
    raise RecordError(f"unknown input kind {raw.kind!r}")


def ingest_raw(store: Store, raw: RawInput) -> Article | InputFailure | None:
    """Keep the raw bytes first, then parse; returns the new article, a failure, or None if already stored."""
    store.put_raw(raw)
    if store.has_article_for(raw.sha256):
        return None
    try:
        article = parse_raw(raw)
    except Exception as e:  # noqa: BLE001 - any parser failure must be reported for this input, not stop the batch
        message = str(e) or type(e).__name__
        store.set_raw_error(raw.sha256, message)
        return InputFailure(raw.origin, message)
    store.set_raw_error(raw.sha256, None)
    article.raw_sha256, article.origin = raw.sha256, raw.origin
    return article if store.add_article(article) is not None else None


def ingest_inputs(store: Store, inputs: Iterable[RawInput | SourceError], progress: bool = False,
                  on_failure: Callable[[InputFailure], None] | None = None) -> IngestReport:
    report = IngestReport()
    for item in tqdm(inputs, desc="ingest", unit=" inputs", disable=not progress, file=sys.stderr):
        if isinstance(item, SourceError):
            if item.raw is not None:  # bytes that arrived before the failure are kept with the error
                store.put_raw(item.raw)
                store.set_raw_error(item.raw.sha256, item.message)
            result: Article | InputFailure | None = InputFailure(item.origin, item.message)
        else:
            result = ingest_raw(store, item)
        if isinstance(result, InputFailure):
            report.failures.append(result)
            if on_failure:
                on_failure(result)
        elif result is None:
            report.already_stored += 1
        else:
            report.added += 1
    return report


def ingest_paths(store: Store, paths: Iterable[Path | str], fetcher=None, **kwargs) -> IngestReport:
    """Files, folders, and http(s) URLs (given as str; fetched with `fetcher`, a sources.fetch.Fetcher)."""
    def inputs():
        for p in paths:
            if isinstance(p, str) and p.lower().startswith(("http://", "https://")):
                from .sources.fetch import read_url

                yield from read_url(p, fetcher)
                continue
            p = Path(p)
            if not p.exists():
                yield SourceError(str(p), "no such file or folder")
            else:
                yield from read_path(p)

    return ingest_inputs(store, inputs(), **kwargs)


def ingest_sample(store: Store, **kwargs) -> IngestReport:
    from .sources.sample import sample_articles_jsonl

    return ingest_inputs(store, read_jsonl_bytes(sample_articles_jsonl(), "sample:wikinews"), **kwargs)


class StoryAssigner:
    """Dedup then cluster, one article at a time in arrival order, then re-cluster the window: shared by `build`,
    `newsdesk cluster` and `newsdesk eval cluster`.

    A copy of an earlier article joins that article's story without a clustering decision, so wire copies can
    never be split across stories. The newest `window` originals are kept (term counts and dense vector) for
    `recluster`, which redoes their stories all at once (stages/recluster.py).
    """

    def __init__(self, window: int = MAX_WINDOW):
        self.duplicates = DuplicateIndex()
        self.clusterer = StoryClusterer()
        self.story_of: dict[Hashable, Hashable] = {}
        self.window_size = window
        self.recent: OrderedDict[Hashable, tuple] = OrderedDict()  # key -> (Terms, raw dense vector)
        self.copy_of: dict[Hashable, Hashable] = {}

    def _keep(self, key: Hashable, original: Hashable | None) -> None:
        if original is not None:
            if original != key:
                self.copy_of[key] = original
            return
        vec = self.clusterer.last_vectors
        if vec is None or vec.raw is None or vec.counts is None:
            return  # no dense vectors (a TF-IDF-only clusterer): nothing to re-cluster with
        self.recent[key] = (vec.counts, vec.raw)
        if len(self.recent) > self.window_size:
            self.recent.popitem(last=False)

    def observe(self, article: Article, story: Hashable, original: Hashable | None = None) -> None:
        self.duplicates.add(article.key, article.text)
        self.clusterer.observe(article, story)
        self.story_of[article.key] = story
        self._keep(article.key, original)

    def assign(self, article: Article, new_story: Callable[[], Hashable]) -> tuple[Hashable, Hashable | None]:
        """Returns (story, key of the earlier copy or None)."""
        original = self.duplicates.add(article.key, article.text)
        if original is not None and original in self.story_of:
            story = self.story_of[original]
            self.clusterer.observe(article, story)
        else:
            original = None
            story, _ = self.clusterer.assign(article, new_story)
        self.story_of[article.key] = story
        self._keep(article.key, original)
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
        them where the stream put them, and a story re-clustering started has none there); else the clusterer's."""
        wanted = set(stories)
        vectors: dict[Hashable, dict[str, float]] = {}
        weigh = self.clusterer._weigh
        for key, (counts, _) in self.recent.items():
            story = self.story_of[key]
            if story not in wanted:
                continue
            vector = vectors.setdefault(story, {})
            for part in (weigh(counts.title), weigh(counts.lead)):
                for t, v in part.items():
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
        stories, retired = story_ids(clusters, [self.story_of[k] for k in keys], labels, new_story)
        changed = {k: s for k, s in zip(keys, stories) if self.story_of[k] != s}
        for copy, original in self.copy_of.items():
            if original in changed and copy not in fixed and self.story_of.get(copy) != changed[original]:
                changed[copy] = changed[original]
        self.story_of.update(changed)
        return changed, retired


def build(store: Store, progress: bool = False, log: Callable[[str], None] | None = None) -> BuildReport:
    """Assign every new article to a story, re-cluster the window, then rewrite what every changed story is owed
    (brief, facts, related links). One build at a time per store: a second waits for the first. A build killed at
    any point loses nothing: the stories it changed stay marked stale in the store, and the next build rewrites
    them whether or not anything new arrived."""
    log = log or _stderr
    with store.build_lock(on_wait=log):
        return _build(store, progress, log)


def _stderr(message: str) -> None:
    print(f"newsdesk: {message}", file=sys.stderr, flush=True)


def _build(store: Store, progress: bool, log: Callable[[str], None]) -> BuildReport:
    from .edits import enforce

    report = BuildReport()
    enforce(store)  # users' moves and merges first, so the clusterer learns from them
    new = store.unassigned_articles()
    if not new and not store.stale_story_ids():
        report.resumed = True
        report.total_stories = store.story_count()
        return report
    assigner, report.resumed = _resume(store)
    existing = set(store.story_ids(written=True))  # a story counts as new until its first brief is written
    for article in tqdm(new, desc="cluster", unit=" articles", disable=not progress, file=sys.stderr):
        story, original = assigner.assign(article, store.new_story)
        with store.transaction():  # the copy link and the story together, so that a resumed build sees both
            if original is not None:
                store.set_duplicate(article.id, original)
            store.assign(article.id, story)
        report.duplicates += original is not None
        report.new_articles += 1

    if report.new_articles:
        report.revised_articles = _recluster(store, assigner)
    refreshed = refresh_stories(store, assigner, progress=progress, log=log)
    report.new_stories = len(refreshed - existing)
    report.updated_stories = len(refreshed & existing)
    if report.new_articles or not report.resumed:
        _save_state(store, assigner)
    report.total_stories = store.story_count()
    return report


def refresh_stories(store: Store, assigner: "StoryAssigner | None" = None, story_ids: Iterable[int] | None = None,
                    progress: bool = False, log: Callable[[str], None] | None = None) -> set[int]:
    """The one path that brings stories up to date with their articles, after a build or a user's edit: the brief
    and facts of each stale story (or of `story_ids`), each story in one transaction; then, given the stream's
    state (`assigner`, which a build has and an edit does not), every story's related links, and only then are
    the stories marked fresh. Without it the links stay owed, and the next build writes them. A story whose brief
    or facts fail is named in `log` and stays stale, and the others go on. Returns the stories rewritten."""
    from .stages.summarize import summarize

    log = log or _stderr
    live = store.live_story_ids()
    todo = store.stale_story_ids(written=False) if story_ids is None else set(story_ids)
    store.drop_stale(todo - live)
    done: set[int] = set()
    for story_id in tqdm(sorted(todo & live), desc="briefs and facts", unit=" stories", disable=not progress,
                         file=sys.stderr):
        try:
            articles = store.story_articles(story_id)
            stored = store.get_story(story_id)  # the earlier brief, kept where still good, so pages do not churn
            brief = summarize(articles, previous=stored.brief if stored else None)
            facts, extracted = _story_facts(store, articles)
        except Exception as e:  # noqa: BLE001 - one story's failure must not leave every other story stale
            log(f"story {story_id}: brief or facts failed ({type(e).__name__}: {e}); kept stale for the next build")
            continue
        with store.transaction():
            store.save_story(story_id, brief)
            store.put_article_facts(extracted)
            store.save_facts(story_id, facts)
            store.mark_written(story_id)
        done.add(story_id)
    if assigner is not None:
        owed = store.stale_story_ids(written=True)
        if owed:
            _relate(store, assigner, live)
            store.mark_fresh(owed)
    return done


def _story_facts(store: Store, articles: list[Article]) -> tuple[dict, dict[int, dict]]:
    """A story's facts, and the per-article extractions that were not stored yet (an article is parsed once)."""
    from .stages.facts import VERSION, story_facts

    stored = {aid: f for aid, f in store.article_facts([a.id for a in articles]).items()
              if f.get("version") == VERSION}
    facts = story_facts(articles, stored)
    extracted = {a.id: facts["articles"][a.id] for a in articles if a.id not in stored}
    return {k: v for k, v in facts.items() if k != "articles"}, extracted


# The stream's state (every story's vectors, the term index, the copies' fingerprints) is saved beside the database
# after each build, so that the next build goes on from it instead of replaying every stored article: replaying
# costs about 6 ms an article, 10 minutes at 100,000 (benchmarks/build_resume.py). It stands for the store only
# while the store's assignments are the ones it saw (a user's move or merge in between: replayed) and was made by
# the same stream (STATE_FORMAT, the join model, the embedding model). A pickle, written by newsdesk itself beside
# its own database: whoever can replace it can replace the database too.
STATE_FORMAT = 1  # bump when the clusterer's or the duplicate index's state changes shape
STATE_SUFFIX = ".stream"


def _state_path(store: Store) -> Path | None:
    return None if store.path == ":memory:" else Path(store.path + STATE_SUFFIX)


def _state_header(assignments: tuple[int, int]) -> dict:
    import hashlib

    from .stages.cluster import JOIN_MODEL
    from .stages.embed import MODEL_DIR

    return {"format": STATE_FORMAT, "join_model": hashlib.sha1(Path(JOIN_MODEL).read_bytes()).hexdigest(),
            "embedder": str(MODEL_DIR), "assignments": list(assignments)}


def _resume(store: Store) -> tuple[StoryAssigner, bool]:
    """The assigner the last build saved, if it still stands for the store; else one replayed from the store."""
    path = _state_path(store)
    if path is not None and path.exists():
        try:
            with open(path, "rb") as f:
                if pickle.load(f) == _state_header(store.assignment_digest()):
                    return pickle.load(f), True
        except Exception as e:  # a truncated or foreign file: the store has everything, replay it
            print(f"newsdesk: not using the saved stream state {path} ({type(e).__name__}: {e}); replaying the "
                  f"store", file=sys.stderr)
    return _replay(store), False


def _save_state(store: Store, assigner: StoryAssigner) -> None:
    path = _state_path(store)
    if path is None:
        return
    digest = store.assignment_digest()
    if Store.digest_of((k, s) for k, s in assigner.story_of.items() if isinstance(k, int)) != digest:
        path.unlink(missing_ok=True)  # it would not stand for the store: the next build replays
        return
    partial = path.with_name(path.name + ".partial")
    with open(partial, "wb") as f:
        pickle.dump(_state_header(digest), f, protocol=pickle.HIGHEST_PROTOCOL)
        pickle.dump(assigner, f, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(partial, path)  # whole or not at all


def _replay(store: Store) -> StoryAssigner:
    """An assigner that has seen every stored assignment, in arrival order."""
    assigner = StoryAssigner()
    for article in store.articles("story_id IS NOT NULL"):
        assigner.observe(article, article.story_id, article.duplicate_of)
    return assigner


def _recluster(store: Store, assigner: StoryAssigner) -> int:
    """Re-clusters the window within users' decisions and stores the result (the stories changed are marked
    stale); returns how many articles moved."""
    pins = store.pinned_stories()
    members: dict[int, list[int]] = {}
    for key, story in assigner.story_of.items():
        members.setdefault(story, []).append(key)
    # an article a user moved out of a story is kept apart from the articles still in it
    apart = [(aid, other) for aid, source in store.moved_articles()
             for other in members.get(store.story_redirect(source) or source, ())
             if other != aid and pins.get(other) is None]
    changed, retired = assigner.recluster(store.new_story, fixed=pins, apart=apart)
    with store.transaction():  # the moves and the redirects of the stories they empty, together
        store.assign_many(changed.items())
        for old, new in retired.items():
            if not store.story_articles(old):
                store.retire_story(old, new)
    return len(changed)


def build_facts(store: Store, story_ids: list[int], progress: bool = False) -> None:
    """Figures, disagreements, quotes, entities and timeline of each story; an article is parsed once, ever."""
    for story_id in tqdm(story_ids, desc="facts", unit=" stories", disable=not progress, file=sys.stderr):
        facts, extracted = _story_facts(store, store.story_articles(story_id))
        with store.transaction():
            store.put_article_facts(extracted)
            store.save_facts(story_id, facts)


def _relate(store: Store, assigner: StoryAssigner, live: set[int]) -> None:
    """Related stories by similarity of their term vectors (StoryAssigner.related_vectors); a story with none
    above the bar gets none. Only `live` stories (those with articles) are linked.

    Only stories sharing one of a story's top terms are compared, at most the POSTING_STORIES newest per term, so
    the cost follows the number of topically close stories rather than the square of all stories.
    """
    vectors = assigner.related_vectors(live)
    tops = {sid: list(_top(vector, RELATED_TOP_TERMS)) for sid, vector in vectors.items()}
    index: dict[str, list] = {}
    for sid in sorted(tops, reverse=True):  # newest first (ids grow): a common term keeps the newest stories
        for t in tops[sid]:
            stories = index.setdefault(t, [])
            if len(stories) < POSTING_STORIES:
                stories.append(sid)
    for sid in sorted(tops):
        vector = vectors[sid]
        candidates = set().union(*(index[t] for t in tops[sid])) - {sid}
        scored = [(other, cosine(vector, vectors[other])) for other in candidates]
        best = sorted((x for x in scored if x[1] >= RELATED_MIN_SIMILARITY), key=lambda x: -x[1])[:RELATED_MAX]
        store.set_related(sid, best)
