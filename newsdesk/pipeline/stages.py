"""The stage interface: typed records, one Protocol per kind of work, and the stages that wrap each step.

Three kinds of work, each with a batch form over lists of records:

- `ArticleStage.process_batch(articles) -> articles`: each article on its own (parse, dedup fingerprint,
  embedding, per-article facts). Pure functions of their records: no store, no shared state, picklable, so a
  batch can run anywhere (a process pool, a Ray Data `map_batches` step) and in any order.
- `WindowStage.process_batch(stream, window) -> window`: decisions that depend on what came before, made on the
  stream's state (`stream.StoryAssigner`) in arrival order (assignment to stories, re-clustering the window).
- `StoryStage.process_batch(stories) -> stories`: each story from its articles (brief, facts), or all stories at
  once (related links).

No stage reads or writes the store: the driver (`build.py`) loads the records, runs the stages declared in
`declared.py` and writes what they return.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Hashable, Protocol, Sequence

import logging

import numpy as np

from ..models import Article, Brief, RawInput
from ..settings import current
from ..sources.records import RecordError, article_from_json_bytes
from ..stages.cluster import POSTING_STORIES, Cosines, top_terms
from ..stages.dedup import Fingerprint, fingerprint
from .stream import StoryAssigner

LOG = logging.getLogger("newsdesk.pipeline")

RELATED = current().related  # [related] in newsdesk.toml, docs/settings.md
RELATED_MIN_SIMILARITY = RELATED.min_similarity
RELATED_MAX = RELATED.max_related
RELATED_TOP_TERMS = RELATED.top_terms  # a story's terms that find its candidates


# -- records -------------------------------------------------------------------------------------------------------
@dataclass
class ArticleRecord:
    """An article and what the per-article stages found in it; `story` and `duplicate_of` are set by `Assign`."""

    article: Article
    fingerprint: Fingerprint | None = None
    vector: np.ndarray | None = None  # raw embedding (stages/embed.py)
    facts: dict | None = None  # stages.facts.extract_article's result
    story: Hashable | None = None
    duplicate_of: Hashable | None = None


@dataclass
class WindowBatch:
    """What the window stages read and write: the new articles, users' decisions they must keep (`pins`: article ->
    story; `apart`: pairs of articles a user separated), where story ids come from, and the re-clustering's result
    (`moved`: article -> story; `retired`: emptied story -> where most of its articles went)."""

    new_story: Callable[[], Hashable]
    records: list[ArticleRecord] = field(default_factory=list)
    pins: dict[Hashable, Hashable] = field(default_factory=dict)
    apart: list[tuple[Hashable, Hashable]] = field(default_factory=list)
    moved: dict[Hashable, Hashable] = field(default_factory=dict)
    retired: dict[Hashable, Hashable] = field(default_factory=dict)
    # article keys -> their articles (the driver's, from the store), for stages that read what the stream keeps not
    articles: Callable[[list[Hashable]], dict[Hashable, Article]] | None = None


@dataclass
class StoryRecord:
    """A story's articles (arrival order) and what the story stages made of them. `previous`: the stored brief, kept
    where still good so that pages do not churn; `extracted`: per-article facts by article key, stored or new."""

    id: int
    articles: list[Article] = field(default_factory=list)
    previous: Brief | None = None
    extracted: dict[Hashable, dict] = field(default_factory=dict)
    brief: Brief | None = None
    facts: dict | None = None
    vector: dict[str, float] | None = None  # title and lead terms, for related links and threads
    related: list[tuple[int, float]] | None = None
    section: str | None = None  # stages/topics.py's key
    names: dict[str, float] | None = None  # its names as threads read them (stages.threads.profile_names)
    thread: int | None = None  # its thread: the stored one going in (kept where the thread is found again)
    terms: list[str] | None = None  # the top terms it is indexed under for related links (`Relate`)


@dataclass
class RelatedIndex:
    """What `Relate.update` looks up, as the last relinking left it (the driver's, from the store and the stream's
    state): each call takes a set and returns what it holds for it.

    `vectors`: story -> its current vector (StoryRecord.vector), the stories without one left out; `terms`: story ->
    the terms it is indexed under; `postings`: {term: n} -> the newest n stories (largest ids first) indexed under
    each term; `holders`: terms -> every story indexed under one of them, with which; `links`: story -> its related
    links, best first; `linking_to`: stories -> those whose links name one of them."""

    vectors: Callable[[set[int]], dict[int, dict[str, float]]]
    terms: Callable[[set[int]], dict[int, list[str]]]
    postings: Callable[[dict[str, int]], dict[str, list[int]]]
    holders: Callable[[set[str]], dict[int, set[str]]]
    links: Callable[[set[int]], dict[int, list[tuple[int, float]]]]
    linking_to: Callable[[set[int]], set[int]]


# -- the interface -------------------------------------------------------------------------------------------------
class ArticleStage(Protocol):
    name: str

    def process_batch(self, records: list[ArticleRecord]) -> list[ArticleRecord]: ...


class WindowStage(Protocol):
    name: str

    def process_batch(self, stream: StoryAssigner, window: WindowBatch) -> WindowBatch: ...


class StoryStage(Protocol):
    name: str

    def process_batch(self, records: list[StoryRecord]) -> list[StoryRecord]: ...


# -- per article ---------------------------------------------------------------------------------------------------
def parse_raw(raw: RawInput) -> Article:
    """Raw bytes to Article, whatever their kind; raises a ValueError subclass naming the problem."""
    if raw.kind == "json":
        return article_from_json_bytes(raw)
    if raw.kind == "html":
        from ..stages.extract import extract_html  # trafilatura import is slow: only pay for it when needed

        return extract_html(raw)
    raise RecordError(f"unknown input kind {raw.kind!r}")


class Parse:
    """Raw inputs to articles (`parse_raw`); an input that cannot be read gives its exception in its place. Run by
    ingest, which keeps the raw bytes first."""

    name = "parse"

    def process_batch(self, records: Sequence[RawInput]) -> list[Article | Exception]:
        out: list[Article | Exception] = []
        for raw in records:
            try:
                out.append(parse_raw(raw))
            except Exception as e:  # noqa: BLE001 - reported for this input, the batch goes on
                out.append(e)
        return out


class DedupFingerprint:
    """The dedup fingerprint of each article's text (stages/dedup.py)."""

    name = "fingerprint"

    def process_batch(self, records: list[ArticleRecord]) -> list[ArticleRecord]:
        for r in records:
            r.fingerprint = fingerprint(r.article.text)
        return records


class Embed:
    """Each article's raw dense vector (stages/embed.py), read by clustering and re-clustering."""

    name = "embed"

    def process_batch(self, records: list[ArticleRecord]) -> list[ArticleRecord]:
        from ..stages.embed import Embedder

        embedder = Embedder()
        for r in records:
            r.vector = embedder(r.article)
        return records


class ArticleFacts:
    """Per-article facts (figures, quotes, mentions, events; stages/facts) of the records that have none yet: one
    spaCy parse per article, ever, since the driver stores the result."""

    name = "article_facts"

    def process_batch(self, records: list[ArticleRecord]) -> list[ArticleRecord]:
        from ..stages.facts import extract_articles

        todo = [r for r in records if r.facts is None]
        found = extract_articles([r.article for r in todo])
        for r in todo:
            r.facts = found[r.article.key]
        return records


# -- per window ----------------------------------------------------------------------------------------------------
class Assign:
    """Each new article, in arrival order, joins the story of the text it copies or the most likely recent story,
    or starts one (stages/dedup.py, stages/cluster.py)."""

    name = "assign"

    def process_batch(self, stream: StoryAssigner, window: WindowBatch) -> WindowBatch:
        for r in window.records:
            r.story, r.duplicate_of = stream.assign(r.article, window.new_story, r.fingerprint, r.vector)
        return window


class Recluster:
    """The stories of the newest articles redone all at once from article pairs, within users' decisions
    (stages/recluster.py)."""

    name = "recluster"

    def process_batch(self, stream: StoryAssigner, window: WindowBatch) -> WindowBatch:
        window.moved, window.retired = stream.recluster(window.new_story, fixed=window.pins, apart=window.apart)
        return window


class CrossLanguage:
    """The window's stories in different languages that report one event, joined (stages/crosslang.py), within
    users' decisions; after `Recluster`, whose result it extends (`moved`, `retired`). Each article's multilingual
    vector is computed once and kept with the stream's state while the article is in the window; a window in one
    language costs nothing."""

    name = "crosslang"

    def process_batch(self, stream: StoryAssigner, window: WindowBatch) -> WindowBatch:
        from ..stages import crosslang

        if not crosslang.SETTINGS.enabled or window.articles is None:
            return window
        keys = list(stream.recent)
        # key -> (language, vector or None): the language read once per article, the vector once there are two
        cache: dict = {k: v for k, v in (getattr(stream, "cross_vectors", None) or {}).items() if k in stream.recent}
        missing = [k for k in keys if k not in cache]
        loaded = window.articles(missing) if missing else {}  # kept: these new articles need their vector too
        cache.update({k: (crosslang.language_of(a), None) for k, a in loaded.items()})
        stream.cross_vectors = cache
        keys = [k for k in keys if k in cache]
        if len({cache[k][0] for k in keys}) < 2:  # one language in the window: nothing to join, no vector needed
            return window
        todo = [k for k in keys if cache[k][1] is None]
        if todo:
            found = {**loaded, **window.articles([k for k in todo if k not in loaded])}
            todo = [k for k in todo if k in found]
            vectors = crosslang.CrossEmbedder()([found[k] for k in todo])
            if vectors is None:  # the model is not installed (logged once)
                return window
            cache.update({k: (cache[k][0], v) for k, v in zip(todo, vectors)})
            keys = [k for k in keys if cache[k][1] is not None]
        position = {k: n for n, k in enumerate(keys)}
        apart = [(position[a], position[b]) for a, b in window.apart if a in position and b in position]
        days = crosslang.whole_days([stream.recent[k][0].when for k in keys])
        groups = crosslang.regroup([stream.story_of[k] for k in keys], [cache[k][0] for k in keys],
                                   np.stack([cache[k][1] for k in keys]), days,
                                   pinned=[window.pins.get(k) is not None for k in keys], apart=apart)
        moved, retired = stream.regroup(keys, groups, window.new_story, fixed=window.pins)
        window.moved.update(moved)
        # a story re-clustering emptied that went where this stage moved its articles on, follows them
        window.retired = {old: retired.get(new, new) for old, new in window.retired.items()}
        window.retired.update(retired)
        return window


# -- per story -----------------------------------------------------------------------------------------------------
class Summarize:
    """Each story's brief: headline, background and latest sentences, verbatim (stages/summarize.py)."""

    name = "brief"

    def process_batch(self, records: list[StoryRecord]) -> list[StoryRecord]:
        from ..lang import UnsupportedLanguage
        from ..stages.summarize import clean_headline, summarize_languages

        for r in records:
            try:
                # one brief per language the story has articles in, the majority language's first
                r.brief = summarize_languages(r.articles, previous=r.previous)
            except UnsupportedLanguage as e:  # a story in Thai: its headline, no brief, and the reason in the log
                LOG.warning("story of %d articles: %s", len(r.articles), e)
                first = r.articles[0]
                r.brief = Brief(headline=clean_headline(first.title, first.outlet), sentences=[],
                                headline_article_id=first.id if first.id is not None else first.external_id)
        return records


class Section:
    """Each story's section, one IPTC top-level group (politics, sport, health...), from all its articles
    (stages/topics.py)."""

    name = "section"

    def process_batch(self, records: list[StoryRecord]) -> list[StoryRecord]:
        from ..stages.topics import classify

        for r in records:
            r.section = classify(r.articles)
        return records


class StoryArticleFacts:
    """`ArticleFacts` over each story's articles that have no current per-article facts, one batch per story."""

    name = "article_facts"

    def process_batch(self, records: list[StoryRecord]) -> list[StoryRecord]:
        for r in records:
            batch = [ArticleRecord(a, facts=r.extracted.get(a.key)) for a in r.articles]
            for a in ArticleFacts().process_batch(batch):
                r.extracted[a.article.key] = a.facts
        return records


class Facts:
    """Each story's facts: entities, figures and disagreements, quotes, timeline, map (stages/facts)."""

    name = "facts"

    def process_batch(self, records: list[StoryRecord]) -> list[StoryRecord]:
        from ..stages.facts import story_facts

        for r in records:
            facts = story_facts(r.articles, r.extracted)
            r.extracted = facts.pop("articles")
            r.facts = facts
        return records


class Relate:
    """Related stories by similarity of their term vectors. A story with none above RELATED_MIN_SIMILARITY gets none.
    Only stories sharing one of a story's top terms are compared, at most the POSTING_STORIES newest per term, so
    the cost follows the number of topically close stories rather than the square of all stories. Records without
    a vector are left out.

    `process_batch(records, touched, also)` relates only the stories whose links the change of `touched` can alter:
    the `touched` ones, those with a touched story among their candidates, and `also` (the driver's: those whose
    stored links name one), each with exactly the links relating every record would give it; the index is still
    built from every record, whose vectors are needed anyway. Returns the records related, with `related` set."""

    name = "relate"

    def process_batch(self, records: list[StoryRecord], touched: set[int] | None = None,
                      also: set[int] = frozenset()) -> list[StoryRecord]:
        vectors = {r.id: r.vector for r in records if r.vector is not None}
        tops = {sid: list(top_terms(vector, RELATED_TOP_TERMS)) for sid, vector in vectors.items()}
        index: dict[str, list] = {}
        for sid in sorted(tops, reverse=True):  # newest first (ids grow): a common term keeps the newest stories
            for t in tops[sid]:
                stories = index.setdefault(t, [])
                if len(stories) < POSTING_STORIES:
                    stories.append(sid)
        if touched is None:
            scope = set(tops)
        else:  # a story is a candidate of every story with one of the terms under which it is indexed
            terms = {t for sid in touched & tops.keys() for t in tops[sid] if sid in index[t]}
            scope = ((touched | also) & tops.keys()) | {sid for sid, ts in tops.items() if not terms.isdisjoint(ts)}
        by_id = {r.id: r for r in records}
        out = []
        cosines = Cosines(vectors)
        for sid in sorted(scope):
            candidates = set().union(*(index[t] for t in tops[sid])) - {sid}
            record = by_id[sid]
            record.related = _best(sid, candidates, cosines)
            record.terms = tops[sid]
            out.append(record)
        return out

    def update(self, changed: set[int], index: RelatedIndex) -> list[StoryRecord]:
        """The links and index terms after the vectors of `changed` changed (new articles, articles moved in or out
        or out of the window, a story emptied, links owed), every other story's vector as when last related: each
        story whose links that can alter, with exactly the links `process_batch` over every story would give it,
        and every changed story with its new `terms` ([] where it has no vector any more). The cost follows the
        changed stories and those that share an index term with them, not the whole store.

        A changed story is related afresh. Another story's candidates change only where a changed story enters or
        leaves a term's posting list, or pushes an older story out of it (or lets one in): its new links are its
        stored ones less the changed stories, merged with its scores against the changed and newly listed
        candidates, which is exact while that still fills its RELATED_MAX links at or above its old lowest score
        (every other candidate scored at most that) or it had fewer (every other one scored under the minimum);
        else, or where one of its links left a posting list it reads, it is related afresh."""
        vectors = index.vectors(changed)
        emptied = changed - vectors.keys()
        new_tops = {sid: list(top_terms(v, RELATED_TOP_TERMS)) for sid, v in vectors.items()}
        old_tops = index.terms(changed)
        terms = set().union(*new_tops.values(), *old_tops.values())
        leaving: dict[str, int] = {}
        for ts in old_tops.values():
            for t in ts:
                leaving[t] = leaving.get(t, 0) + 1
        # each term's posting list before (as stored) and after: enough stored ones that the changed can leave
        stored = index.postings({t: POSTING_STORIES + leaving.get(t, 0) for t in terms})
        entering: dict[str, list[int]] = {}
        for sid, ts in new_tops.items():
            for t in ts:
                entering.setdefault(t, []).append(sid)
        before = {t: stored[t][:POSTING_STORIES] for t in terms}
        after = {t: sorted([s for s in stored[t] if s not in changed] + entering.get(t, []),
                           reverse=True)[:POSTING_STORIES] for t in terms}
        gained = {t: set(after[t]) - set(before[t]) for t in terms}  # changed ones included
        lost = {t: set(before[t]) - set(after[t]) - changed for t in terms}
        holders = {sid: ts for sid, ts in index.holders(terms).items() if sid not in changed}
        # the stories whose candidates gain a story, and what they gain
        new_candidates: dict[int, set[int]] = {}
        for sid, ts in holders.items():
            found = {other for t in ts for other in after[t] if other in changed or other in gained[t]} - {sid}
            if found:
                new_candidates[sid] = found
        linked = index.links(set(holders) | index.linking_to(changed))
        others = {sid for sid, links in linked.items() if any(o in changed for o, _ in links)} | set(new_candidates)
        others -= changed
        afresh = set(vectors)
        merged: dict[int, list[tuple[int, float]]] = {}
        need = others.union(*new_candidates.values())
        vectors.update(index.vectors(need - vectors.keys()))
        cosines = Cosines(vectors)
        for sid in sorted(others):
            links = linked.get(sid, [])
            gone = {o for t in holders.get(sid, ()) for o in lost[t]}
            if sid not in vectors or any(o in gone for o, _ in links):
                afresh.add(sid)
                continue
            keep = [(o, score) for o, score in links if o not in changed]
            kept = {o for o, _ in keep}
            fresh = _best(sid, new_candidates.get(sid, set()) - kept, cosines, limit=None)
            best = sorted(keep + fresh, key=lambda x: -x[1])[:RELATED_MAX]
            if len(links) == RELATED_MAX and (len(best) < RELATED_MAX or best[-1][1] < links[-1][1]):
                afresh.add(sid)  # an unscored candidate may now be among the best: score them all
            elif best != links:
                merged[sid] = best
        afresh &= vectors.keys()
        # related afresh: every candidate of each, through the posting lists as they are after this change
        tops = dict(new_tops)
        tops.update({sid: ts for sid, ts in index.terms(afresh - changed).items()})
        read = {t for sid in afresh for t in tops.get(sid, ()) if t not in after}
        postings = {**after, **{t: ids for t, ids in index.postings(dict.fromkeys(read, POSTING_STORIES)).items()}}
        candidates = {sid: set().union(*(postings[t] for t in tops.get(sid, ()))) - {sid} for sid in afresh}
        wanted = set().union(*candidates.values()) if candidates else set()
        vectors.update(index.vectors(wanted - vectors.keys()))
        out = []
        for sid in sorted(afresh | merged.keys() | emptied):
            record = StoryRecord(sid, vector=vectors.get(sid))
            if sid in merged:
                record.related = merged[sid]
            elif sid in afresh:
                record.related = _best(sid, candidates[sid], cosines)
            else:
                record.related = []  # emptied (or never had a vector): no links, and not indexed
            if sid in changed:
                record.terms = new_tops.get(sid, [])
            out.append(record)
        return out


def _best(sid: int, candidates: set[int], cosines: Cosines, limit: int | None = RELATED_MAX
          ) -> list[tuple[int, float]]:
    """The candidates at least RELATED_MIN_SIMILARITY close to story `sid`, best first, at most `limit`."""
    scored = [(other, cosines(sid, other)) for other in candidates if other in cosines.vectors]
    return sorted((x for x in scored if x[1] >= RELATED_MIN_SIMILARITY), key=lambda x: -x[1])[:limit]


class Threads:
    """Each story's thread, the long-running story it belongs to (stages/threads.py), over every record at once:
    linked by shared names and subject however far apart in time; a thread goes by its oldest story's id. Records
    without names are threads of their own; a thread found again keeps the id its stories had (`record.thread`)."""

    name = "threads"

    def process_batch(self, records: list[StoryRecord]) -> list[StoryRecord]:
        from ..stages.threads import StoryProfile, threads

        of = threads([StoryProfile(r.id, r.names or {}, r.vector) for r in records],
                     previous={r.id: r.thread for r in records if r.thread is not None})
        for r in records:
            r.thread = of[r.id]
        return records

    def update(self, names, vectors, changed, links, counts, previous):
        """The threads a build can change, with the result of `process_batch` over every live story: see
        stages.threads.relink (the same arguments; returns its `Relinked`)."""
        from ..stages.threads import relink

        return relink(names, vectors, changed, links, counts, previous)
