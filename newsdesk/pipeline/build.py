"""The build driver: lock the store, load what is new, run the declared stages (declared.py), write what they return.

`build(store)` assigns every new article to a story, re-clusters the window, then brings every changed story up to
date through `refresh_stories`, the one path that rewrites briefs and facts (users' edits take it too, edits.py).
One build at a time per store: a second waits for the first. A build killed at any point loses nothing: each
article's story is written as it is decided, the stories a change touches are marked stale in the same
transaction, and the next build rewrites every stale story whether or not anything new arrived.

Where the per-article and per-story stages run is the `Runner`'s business: `LocalRunner` (the default) runs them
in this process; `ray_build.RayRunner` runs the same stages as Ray Data `map_batches` steps, while this driver
keeps what must happen in one place and in order (the store's writes, story assignment, re-clustering).
"""
from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import Callable, Iterable, Iterator, Protocol, Sequence

from tqdm import tqdm

from ..models import Article
from ..settings import current
from ..store import Store
from . import state
from .declared import PIPELINE
from ..stages.threads import profile_names
from .stages import (ArticleFacts, ArticleRecord, ArticleStage, Relate, RelatedIndex, StoryRecord, StoryStage,
                     WindowBatch)
from .stream import StoryAssigner

ARTICLE_BATCH = 256  # new articles run through the per-article stages at once: memory, not results, depends on it
ANALYSIS_BATCH = current().facts.build_chunk  # articles per spaCy stream of a build, stored as each ends
FACTS_STAGES = ("article_facts", "facts")  # the story stages `build_facts` runs, briefs left as they are
SECTION_STAGE = "section"  # the story stage `build_sections` runs
RELATE = next(s for s in PIPELINE.stories if isinstance(s, Relate))  # related links; the other stories stages: threads


@dataclass
class BuildReport:
    new_articles: int = 0
    duplicates: int = 0
    new_stories: int = 0
    updated_stories: int = 0
    total_stories: int = 0
    revised_articles: int = 0  # moved by re-clustering the window
    resumed: bool = False  # the stream's state was read from the one the last build saved, not replayed
    images_stored: int = 0  # lead images fetched and kept as thumbnails (pipeline/images.py)
    images_failed: int = 0  # lead images refused or not fetched; the reason is stored with each URL


class Runner(Protocol):
    """Runs the per-article and per-story stages for the driver; the results must not depend on the runner.

    `article_stages`: what `build` runs on each new article before assigning it (`PIPELINE.article`, plus
    `ArticleFacts` where the per-article analysis is cheaper done then than in one stream per build).
    `articles` yields the records of `articles` after `stages`, in `articles`' order, a batch at a time;
    `stories` yields, for each record in order, its id and the record after `stages` or the exception a stage
    raised; it may read `records` ahead of what it has yielded."""

    article_stages: tuple[ArticleStage, ...]

    def articles(self, articles: Sequence[Article], stages: Sequence[ArticleStage],
                 batch: int) -> Iterator[list[ArticleRecord]]: ...

    def stories(self, records: Iterable[StoryRecord],
                stages: Sequence[StoryStage]) -> Iterator[tuple[int, StoryRecord | Exception]]: ...


class LocalRunner:
    """The stages in this process, batch after batch (the per-article facts' spaCy stream uses `[facts]
    processes` cores by itself)."""

    article_stages = PIPELINE.article

    def articles(self, articles: Sequence[Article], stages: Sequence[ArticleStage],
                 batch: int) -> Iterator[list[ArticleRecord]]:
        for start in range(0, len(articles), batch):
            yield run_article_stages([ArticleRecord(a) for a in articles[start:start + batch]], stages)

    def stories(self, records: Iterable[StoryRecord],
                stages: Sequence[StoryStage]) -> Iterator[tuple[int, StoryRecord | Exception]]:
        for record in records:
            yield record.id, run_story_stages(record, stages)


def run_article_stages(records: list[ArticleRecord], stages: Sequence[ArticleStage]) -> list[ArticleRecord]:
    for stage in stages:
        records = stage.process_batch(records)
    return records


def run_story_stages(record: StoryRecord, stages: Sequence[StoryStage]) -> StoryRecord | Exception:
    """The record after `stages`, or the exception one raised: one story's failure must not stop the others."""
    try:
        for stage in stages:
            (record,) = stage.process_batch([record])
    except Exception as e:  # noqa: BLE001 - reported for this story by the driver
        return e
    return record


def build(store: Store, progress: bool = False, log: Callable[[str], None] | None = None,
          runner: Runner | None = None) -> BuildReport:
    """Users' decisions enforced, new articles assigned, the window re-clustered, changed stories rewritten; then
    the lead images not yet fetched (`[images] fetch`, pipeline/images.py), outside the build lock.
    `runner`: where the per-article and per-story stages run (default: `LocalRunner`, this process)."""
    report = _build(store, progress, log, runner)
    if current().images.fetch:
        from .images import fetch_images

        images = fetch_images(store, progress=progress)
        report.images_stored, report.images_failed = images.stored, images.failed
    return report


def _build(store: Store, progress: bool, log: Callable[[str], None] | None, runner: Runner | None) -> BuildReport:
    from ..edits import enforce

    log = log or _stderr
    runner = runner or LocalRunner()
    with store.build_lock(on_wait=log):
        report = BuildReport()
        enforce(store)  # users' moves and merges first, so the clusterer learns from them
        store.rerank_all()  # only when the top stories' weights changed since the scores were made
        new = store.unassigned_articles()
        unsorted = store.stories_without_section()
        if not new and not store.stale_story_ids() and not unsorted:
            report.resumed = True
            report.total_stories = store.story_count()
            return report
        assigner, report.resumed = state.resume(store)
        existing = set(store.story_ids(written=True))  # a story counts as new until its first brief is written
        _assign(store, assigner, new, report, progress, runner)
        if report.new_articles:
            report.revised_articles = _recluster(store, assigner)
        # a replayed stream state relates every story: the related index may not match its vectors
        refreshed = refresh_stories(store, assigner, progress=progress, log=log, runner=runner,
                                    relate_all=not report.resumed)
        build_sections(store, [sid for sid in unsorted if sid not in refreshed], progress)
        report.new_stories = len(refreshed - existing)
        report.updated_stories = len(refreshed & existing)
        if report.new_articles or not report.resumed:
            state.save(store, assigner)
        report.total_stories = store.story_count()
        return report


def _stderr(message: str) -> None:
    print(f"newsdesk: {message}", file=sys.stderr, flush=True)


def _assign(store: Store, assigner: StoryAssigner, new: list[Article], report: BuildReport, progress: bool,
            runner: Runner) -> None:
    """The per-article stages over batches of new articles (on the runner), then the stream stages one article at
    a time, each article's story (and copy link, and per-article facts when the runner made them) written in one
    transaction as soon as it is decided."""
    bar = tqdm(total=len(new), desc="cluster", unit=" articles", disable=not progress, file=sys.stderr)
    for records in runner.articles(new, runner.article_stages, ARTICLE_BATCH):
        for record in records:
            window = WindowBatch(store.new_story, [record])
            for stage in PIPELINE.stream:
                window = stage.process_batch(assigner, window)
            with store.transaction():  # the copy link and the story together, so that a resumed build sees both
                if record.duplicate_of is not None:
                    store.set_duplicate(record.article.id, record.duplicate_of)
                store.assign(record.article.id, record.story)
                if record.facts is not None:
                    store.put_article_facts({record.article.id: record.facts})
            report.duplicates += record.duplicate_of is not None
            report.new_articles += 1
            bar.update()
    bar.close()


def _recluster(store: Store, assigner: StoryAssigner) -> int:
    """The window stages within users' decisions, their result stored (the stories changed are marked stale);
    returns how many articles moved."""
    pins = store.pinned_stories()
    members: dict[int, list[int]] = {}
    for key, story in assigner.story_of.items():
        members.setdefault(story, []).append(key)
    # an article a user moved out of a story is kept apart from the articles still in it
    apart = [(aid, other) for aid, source in store.moved_articles()
             for other in members.get(store.story_redirect(source) or source, ())
             if other != aid and pins.get(other) is None]
    window = WindowBatch(store.new_story, pins=pins, apart=apart, articles=lambda keys: store.articles_by_id(k for k in keys if isinstance(k, int)))
    for stage in PIPELINE.window:
        window = stage.process_batch(assigner, window)
    with store.transaction():  # the moves and the redirects of the stories they empty, together
        store.assign_many(window.moved.items())
        for old, new in window.retired.items():
            if not store.story_articles(old):
                store.retire_story(old, new)
    return len(window.moved)


def refresh_stories(store: Store, assigner: StoryAssigner | None = None, story_ids: Iterable[int] | None = None,
                    progress: bool = False, log: Callable[[str], None] | None = None,
                    runner: Runner | None = None, relate_all: bool = False) -> set[int]:
    """The one path that brings stories up to date with their articles, after a build or a user's edit: the story
    stages (brief and facts) on each stale story (or each of `story_ids`), each story in one transaction; then,
    given the stream's state (`assigner`, which a build has and an edit does not), the stories stages (related
    links, `relate`) on the stories whose links can change (`relate_all`: on every live story), and only then are
    the stories marked fresh. Without it the links stay owed, and the
    next build writes them. A story whose brief or facts fail is named in `log` and stays stale, and the others go
    on. `runner` runs the story stages (default: `LocalRunner`). Returns the stories rewritten."""
    log = log or _stderr
    runner = runner or LocalRunner()
    live = store.live_story_ids()
    todo = store.stale_story_ids(written=False) if story_ids is None else set(story_ids)
    store.drop_stale(todo - live)
    ids = sorted(todo & live)
    _analyse(store, ids, progress, log, runner)
    done: set[int] = set()
    stored_facts: dict[int, set[int]] = {}  # story -> its articles whose facts were stored before

    def loaded() -> Iterator[StoryRecord]:
        for story_id in ids:
            try:
                record, stored_facts[story_id] = _load_story(store, story_id)
            except Exception as e:  # noqa: BLE001 - as a stage's failure: this story stays stale
                log(f"story {story_id}: cannot be read ({type(e).__name__}: {e}); kept stale for the next build")
                continue
            yield record

    for story_id, record in tqdm(runner.stories(loaded(), PIPELINE.story), total=len(ids), desc="briefs and facts",
                                 unit=" stories", disable=not progress, file=sys.stderr):
        if isinstance(record, Exception):  # one story's failure must not leave every other story stale
            log(f"story {story_id}: brief or facts failed ({type(record).__name__}: {record}); kept stale for the "
                "next build")
            continue
        stored = stored_facts.pop(story_id)
        with store.transaction():
            store.save_story(story_id, record.brief)
            store.set_sections([(story_id, record.section)])
            store.save_rank(story_id)
            store.set_thread_names(story_id, profile_names(record.articles))
            store.put_article_facts({a.id: record.extracted[a.id] for a in record.articles if a.id not in stored})
            store.save_facts(story_id, record.facts)
            store.mark_written(story_id)
        done.add(story_id)
    if assigner is not None:
        owed = store.stale_story_ids(written=True)
        if owed or relate_all:
            relate(store, assigner, live, None if relate_all else owed)
            store.mark_fresh(owed)
    return done


def _analyse(store: Store, story_ids: list[int], progress: bool, log: Callable[[str], None],
             runner: Runner) -> None:
    """The per-article facts of the articles of `story_ids` that have none at the current version, stored: the
    `ArticleFacts` stage over all of them on the runner (in this process: one spaCy stream on every core) instead
    of one per story, so the story stages find them stored. A failure here is logged and left to the story
    stages, story by story."""
    from ..stages.facts import VERSION

    articles = [a for sid in story_ids for a in store.story_articles(sid)]
    stored = store.article_facts([a.id for a in articles])
    todo = [a for a in articles if stored.get(a.id, {}).get("version") != VERSION]
    bar = tqdm(total=len(todo), desc="analysis", unit=" articles", disable=not progress, file=sys.stderr)
    try:  # stored as it goes: an interrupted build keeps what is done
        for records in runner.articles(todo, (ArticleFacts(),), ANALYSIS_BATCH):
            store.put_article_facts({r.article.id: r.facts for r in records})
            bar.update(len(records))
    except Exception as e:  # noqa: BLE001 - the story stages parse their own articles and name the one failing
        log(f"article analysis failed ({type(e).__name__}: {e}); the stories parse their articles themselves")
    bar.close()


def _load_story(store: Store, story_id: int) -> tuple[StoryRecord, set[int]]:
    """A story's record, with the per-article facts stored at the current version (an article is parsed once), and
    the ids of those."""
    from ..stages.facts import VERSION

    articles = store.story_articles(story_id)
    stored = store.get_story(story_id)
    extracted = {aid: f for aid, f in store.article_facts([a.id for a in articles]).items()
                 if f.get("version") == VERSION}
    return StoryRecord(story_id, articles, stored.brief if stored else None, extracted), set(extracted)


def relate(store: Store, assigner: StoryAssigner, live: set[int], touched: set[int] | None = None) -> set[int]:
    """The stories stages: related links and the index that finds them (the store's story_terms), with each story's
    vector from the stream's state (`StoryAssigner.related_vectors`). `touched` None: every `live` story related
    and indexed afresh (a new or replayed stream state, whose vectors the index may not match). Else the stories
    whose vectors changed since the last relating (`touched`, the stories owing links, and those the stream's
    `related_dirty` names), and the stories whose links that can alter, each with the links relating every story
    would give it (`stages.Relate.update`): the cost follows those, not the store. Returns the stories relinked."""
    if touched is None:
        records = [StoryRecord(sid, vector=vector) for sid, vector in assigner.related_vectors(live).items()]
        records = RELATE.process_batch(records)
    else:
        changed = set(touched) | {s for s in assigner.related_dirty if isinstance(s, int)}
        index = RelatedIndex(vectors=lambda ids: assigner.related_vectors(set(ids) & live),
                             terms=store.story_terms, postings=store.term_postings, holders=store.term_holders,
                             links=store.story_links, linking_to=store.stories_relating_to)
        records = RELATE.update(changed, index)
    with store.transaction():  # the links and the index terms they were found with, together
        store.set_story_terms({r.id: r.terms for r in records if r.terms is not None}, replace_all=touched is None)
        for record in records:
            store.set_related(record.id, record.related or [])
    assigner.related_dirty.clear()
    find_threads(store, assigner, live, None if touched is None else changed)
    return {r.id for r in records}


def find_threads(store: Store, assigner: StoryAssigner, live: set[int], changed: set[int] | None = None) -> int:
    """The stories stages after related links (`stages.Threads`): each live story's thread, from the names stored
    with its brief (read from its articles where none are stored: a store made before threads) and its vector from
    the stream's state. `changed`: the stories whose names or vector changed since the last threads (None: every
    story); only they, the holders of a name whose weight moved and the threads these can join are redone
    (stages.threads.relink), with the result of redoing every story. Returns how many stories were relinked."""
    names = store.thread_names(live)
    for sid in sorted(sid for sid in live if names.get(sid) is None):
        names[sid] = profile_names(store.story_articles(sid))
        store.set_thread_names(sid, names[sid])
    stage = next(s for s in PIPELINE.stories if not isinstance(s, Relate))
    found = stage.update(names, lambda ids: assigner.related_vectors(set(ids) & live), changed,
                         store.thread_links(), store.thread_counts(), store.thread_ids(live))
    with store.transaction():  # the links, the counts they were found with and the threads, together
        store.save_thread_links(found.dropped, found.links, found.state)
        store.set_threads(found.thread_of)
    return found.relinked


def build_facts(store: Store, story_ids: list[int], progress: bool = False) -> None:
    """The facts stages alone on each of `story_ids` (briefs untouched); an article is parsed once, ever."""
    facts_stages = [s for s in PIPELINE.story if s.name in FACTS_STAGES]
    for story_id in tqdm(story_ids, desc="facts", unit=" stories", disable=not progress, file=sys.stderr):
        record, stored = _load_story(store, story_id)
        for stage in facts_stages:
            (record,) = stage.process_batch([record])
        with store.transaction():
            store.put_article_facts({a.id: record.extracted[a.id] for a in record.articles if a.id not in stored})
            store.save_facts(story_id, record.facts)


def build_sections(store: Store, story_ids: list[int], progress: bool = False) -> None:
    """The section stage alone on each of `story_ids` (stories a build wrote before sections existed; briefs and
    facts untouched), stored as each is read."""
    stages = [s for s in PIPELINE.story if s.name == SECTION_STAGE]
    for story_id in tqdm(story_ids, desc="sections", unit=" stories", disable=not progress, file=sys.stderr):
        record = StoryRecord(story_id, store.story_articles(story_id))
        for stage in stages:
            (record,) = stage.process_batch([record])
        store.set_sections([(story_id, record.section)])
