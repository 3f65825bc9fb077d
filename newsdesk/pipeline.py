"""Runs the stages in order over the store: ingest (keep raw, extract) and build (dedup, cluster, summarize, relate).

This is the only place that connects stages to the store; the CLI, the web server and the batch verbs call it.
"""
from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Hashable, Iterable

from tqdm import tqdm

from .models import Article, RawInput
from .sources import SourceError, read_jsonl_bytes, read_path
from .sources.records import RecordError, article_from_json_bytes
from .stages.cluster import StoryClusterer, cosine
from .stages.dedup import DuplicateIndex
from .store import Store

RELATED_MIN_SIMILARITY = 0.12
RELATED_MAX = 5


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
    """Dedup then cluster, one article at a time in arrival order: shared by `build` and `newsdesk cluster`.

    A copy of an earlier article joins that article's story without a clustering decision, so wire copies can
    never be split across stories.
    """

    def __init__(self):
        self.duplicates = DuplicateIndex()
        self.clusterer = StoryClusterer()
        self.story_of: dict[Hashable, Hashable] = {}

    def observe(self, article: Article, story: Hashable) -> None:
        self.duplicates.add(article.key, article.text)
        self.clusterer.observe(article, story)
        self.story_of[article.key] = story

    def assign(self, article: Article, new_story: Callable[[], Hashable]) -> tuple[Hashable, Hashable | None]:
        """Returns (story, key of the earlier copy or None)."""
        original = self.duplicates.add(article.key, article.text)
        if original is not None and original in self.story_of:
            story = self.story_of[original]
            self.clusterer.observe(article, story)
        else:
            story, _ = self.clusterer.assign(article, new_story)
        self.story_of[article.key] = story
        return story, original


def build(store: Store, progress: bool = False) -> BuildReport:
    """Assign every new article to a story, then rewrite the briefs and related links of changed stories."""
    from .stages.summarize import summarize

    from .edits import enforce

    report = BuildReport()
    changed: set[int] = enforce(store)  # users' moves and merges first, so the clusterer learns from them
    assigner = StoryAssigner()
    for article in store.articles("story_id IS NOT NULL"):
        assigner.observe(article, article.story_id)

    existing = set(store.story_ids())
    for article in tqdm(store.unassigned_articles(), desc="cluster", unit=" articles", disable=not progress,
                        file=sys.stderr):
        story, original = assigner.assign(article, store.new_story)
        if original is not None:
            store.set_duplicate(article.id, original)
            report.duplicates += 1
        store.assign(article.id, story)
        changed.add(story)
        report.new_articles += 1

    for story_id in tqdm(sorted(changed), desc="summarize", unit=" stories", disable=not progress, file=sys.stderr):
        stored = store.get_story(story_id)  # the earlier brief, kept where still good, so pages do not churn
        store.save_story(story_id, summarize(store.story_articles(story_id), previous=stored.brief if stored else None))
    build_facts(store, sorted(changed), progress=progress)
    report.new_stories = len(changed - existing)
    report.updated_stories = len(changed & existing)

    if changed:
        _relate(store, assigner.clusterer)
    report.total_stories = store.story_count()
    return report



def build_facts(store: Store, story_ids: list[int], progress: bool = False) -> None:
    """Figures, disagreements, quotes, entities and timeline of each story; an article is parsed once, ever."""
    from .stages.facts import VERSION, story_facts

    for story_id in tqdm(story_ids, desc="facts", unit=" stories", disable=not progress, file=sys.stderr):
        articles = store.story_articles(story_id)
        stored = {aid: f for aid, f in store.article_facts([a.id for a in articles]).items()
                  if f.get("version") == VERSION}
        facts = story_facts(articles, stored)
        store.put_article_facts({a.id: facts["articles"][a.id] for a in articles if a.id not in stored})
        store.save_facts(story_id, {k: v for k, v in facts.items() if k != "articles"})

def _relate(store: Store, clusterer: StoryClusterer) -> None:
    """Related stories by similarity of their term centroids; a story with none above the bar gets none.

    Only stories sharing one of a story's top terms are compared (the clusterer's inverted index), so the cost
    follows the number of topically close stories rather than the square of all stories.
    """
    for sid in store.story_ids():
        if sid not in clusterer.stories:
            continue
        vector = clusterer.story_vector(sid)
        top_terms = sorted(vector, key=vector.get, reverse=True)[:25]
        candidates = set().union(*(clusterer.postings.get(t, ()) for t in top_terms)) - {sid}
        scored = [(other, cosine(vector, clusterer.story_vector(other))) for other in candidates]
        best = sorted((x for x in scored if x[1] >= RELATED_MIN_SIMILARITY), key=lambda x: -x[1])[:RELATED_MAX]
        store.set_related(sid, best)
