"""Online story assignment: each new article joins the most likely recent story or starts a new one.

In: articles in time order (`StoryClusterer.assign(article, new_story)`, or `best_match` then `add`). Out: each
article's story id and the probability of that join; `story_vector(id)`, what related stories are found from.
Guarantees: one decision per article, taken at once and never revisited here (recluster.py redoes the window's
stories in batches); work per article and memory per story are bounded whatever the corpus size; a clusterer
pickles, so a build resumes the stream where the last one stopped.

How: each article gets three sparse TF-IDF vectors (IDF from the documents seen so far): its title, its lead (the
first LEAD_WORDS words) and its names (capitalised words not opening a sentence, and runs of them), and a dense
vector from a static embedding model (embed.py) centred on the running mean of those seen so far. A story keeps the
sums of each and its latest MEMBERS articles. Candidates are the stories sharing the article's top QUERY_TERMS
terms (at most POSTING_STORIES newest per term, MAX_CANDIDATES scored in full) and the DENSE_CANDIDATES nearest by
dense vector; a story last seen more than STORY_LOOKBACK_DAYS back is no candidate and shrinks to RELATED_TERMS
terms. Boosted trees over FEATURES (`JoinModel`, newsdesk/data/cluster/join.json, written by
`benchmarks/fit_cluster.py --write`) give each candidate a probability; the article joins the most probable story
when it reaches the join bar, else starts a new one. An undated article takes its date from its URL or the top of its text
(`article_date`); where none is found, the latest year each text mentions stands in.

Settings: [cluster] in docs/settings.md. Why it is built so, with the measurements: docs/design/cluster.md.
"""
from __future__ import annotations

import heapq
import json
import math
import re
from collections import Counter, OrderedDict, deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timezone
from operator import mul
from pathlib import Path
from typing import Callable, Hashable, Sequence

import numpy as np
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

from ..models import Article
from ..settings import current

# Settings ([cluster] in newsdesk.toml, documented in docs/settings.md): the candidate search and its lookback.
SETTINGS = current().cluster
RELATED_TERMS = SETTINGS.related_terms  # what a story keeps once out of the lookback
QUERY_TERMS = SETTINGS.query_terms  # an article's top terms used to find candidate stories and to index its story
POSTING_STORIES = SETTINGS.posting_stories  # newest stories kept per term
MAX_CANDIDATES = SETTINGS.max_candidates  # scored in full, after ranking by the number of shared query terms
DENSE_CANDIDATES = SETTINGS.dense_candidates  # and the nearest by dense vector that the term index missed
STORY_LOOKBACK_DAYS = SETTINGS.story_lookback_days  # a story last seen further back is no longer a candidate
# Constants: what the fitted trees (join.json) were fitted with; changing one means refitting.
LEAD_WORDS = 1000  # words of the lead vector: long reports need them (docs/design/cluster.md)
CENTROID_TERMS = 100  # per story vector: a big story must not slow every comparison or match on noise terms
MEMBERS = 20  # latest articles per story kept for the closest-member features
CORE_NAMES = 10  # a story's most frequent names, for the core-name features
ARTICLE_NAMES = 5  # an article's most weighted names, for the same
STORY_NAMES = 100  # names whose counts a story keeps (the most frequent), so that a big story stays small
PRIOR_DOCS = 20.0  # the shipped mean vector counts as this many articles, so the first few are centred too
DAY = 86400.0
# A longer article is embedded on a second thread while its terms are counted: the tokenizer (Rust) and numpy let
# the two run at once; for shorter ones the thread costs more than it saves (docs/design/cluster.md).
OVERLAP_CHARS = 2000

# What was tried and not kept: docs/design/cluster.md.
FEATURES = ("title", "lead", "names", "dense", "dense_max", "title_max", "log_gap_days", "no_date",
            # relative to the best other candidate (against nothing, i.e. the value itself, when alone) and to the
            # story itself
            "dense_margin", "lead_margin", "dense_cohesion", "names_shared", "names_jaccard", "log_age_days",
            "log_size", "gap_capped",
            # the story's core names (those most of its articles carry) that the article names, and the article's
            # own top names that the story has: two events of one kind share the kind's words, not their names
            "core_cover", "core_miss", "article_cover",
            # years between the article and the story, where one of them is undated (see features)
            "year_lag",
            # how much text the article and the story's articles have (log words of the lead): a shared name or
            # a missing core name says more in a long report than in a two-line summary
            "log_words", "story_words",
            # how many distinct names the article has: what the lengths are for words, for names
            "log_names")
RELATIVE = ("dense_margin", "lead_margin")  # filled by candidate_features, from the other candidates
JOIN_MODEL = Path(__file__).resolve().parents[1] / "data" / "cluster" / "join.json"


def load_join_model(path: Path | str = JOIN_MODEL) -> tuple["JoinModel", float, np.ndarray | None]:
    """The fitted join decision, the probability needed to join, and the mean raw dense vector (or None)."""
    spec = json.loads(Path(path).read_text())
    mean = np.asarray(spec["dense_mean"], dtype=np.float64) if spec.get("dense_mean") else None
    return JoinModel(spec), float(spec["join_probability"]), mean


_WORD = re.compile(r"[A-Za-z][A-Za-z'\-]*[A-Za-z]|[A-Za-z]")
# Figures name an event as well as words do ("266,000 jobs in April" is not "559,000 jobs in May").
_FIGURE = re.compile(r"\d+(?:[.,]\d+)+|\d{2,}")
_STOP = frozenset(ENGLISH_STOP_WORDS) | {
    "said", "says", "told", "new", "year", "years", "percent", "people", "just", "like", "according", "reported",
    "report", "reports", "news", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
    "mr", "mrs", "ms", "dr", "st",
}
_SENTENCE_END = frozenset(".!?\n\"'`:;(")
_URL_DATE = re.compile(
    r"/((?:19|20)\d\d)[/_-](\d{1,2}|jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*(?:[/_-](\d{1,2}))?(?=[/_-])",
    re.I,
)
_YEAR = re.compile(r"(?:19|20)\d\d")
_MONTHS = {m: i + 1 for i, m in enumerate("jan feb mar apr may jun jul aug sep oct nov dec".split())}
_MONTH = r"(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?"
_DAY = r"(\d{1,2})(?:st|nd|rd|th)?"
_TEXT_DATE = re.compile(rf"\b(?:{_MONTH}\s+{_DAY},?|{_DAY}\s+{_MONTH},?)\s+((?:19|20)\d\d)\b", re.I)
DATELINE_CHARS = 300  # where a page's own date is printed, when its record has none
_LAST_PLAUSIBLE_YEAR = datetime.now(timezone.utc).year + 1  # later ones are plans ("by 2050"), not news


# -- article representation --------------------------------------------------------------------------------------
@dataclass
class Terms:
    """Term counts of one article, before weighting; `when` is a UTC timestamp or None."""

    title: Counter
    lead: Counter
    names: Counter
    when: float | None
    latest_year: int | None = None  # the latest year its text mentions
    words: int = 0  # of the lead


def _norm_word(w: str) -> str | None:
    low = w.lower().strip("'-")
    if low.endswith("'s"):
        low = low[:-2]
    return low if len(low) > 2 and low not in _STOP else None


def _names(text: str) -> Counter:
    """Capitalised words that do not open a sentence, and runs of capitalised words (kept whole: "tara_reid").

    A cheap stand-in for named-entity recognition: spaCy's small model finds the same people and places but costs
    about 50 ms per article, more than the whole assignment may take.
    """
    names: Counter = Counter()
    run: list[str] = []

    def flush():
        if len(run) > 1:
            names["_".join(run)] += 1
        run.clear()

    prev_end = 0
    for m in _WORD.finditer(text):
        w = m.group()
        if not w[0].isupper():  # most words: they only end a run (the same as below, without reading the gap)
            prev_end = m.end()
            if run:
                flush()
            continue
        gap = text[prev_end:m.start()]
        prev_end = m.end()
        if gap.strip() not in ("", "-", "&"):
            flush()  # punctuation between two words ends a name
        if not w[0].isupper() or w.isupper() and len(w) > 5:  # all-caps runs are shouted datelines/headers
            flush()
            continue
        low = _norm_word(w)
        opens_sentence = m.start() == 0 or any(c in _SENTENCE_END for c in gap)
        if low is None:
            flush()
            continue
        run.append(low)
        if not opens_sentence:
            names[low] += 1
    flush()
    return names


def _timestamp(value: datetime | None) -> float | None:
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.timestamp()


def url_date(url: str | None) -> datetime | None:
    """The publication day many news URLs carry (`/2013/05/02/`, `/2013/may/03/`); the month's middle if no day."""
    if not url:
        return None
    m = _URL_DATE.search(url)
    if not m:
        return None
    year, month, day = int(m.group(1)), m.group(2).lower(), m.group(3)
    month_no = int(month) if month.isdigit() else _MONTHS[month[:3]]
    try:
        return datetime(year, month_no, int(day) if day else 15, tzinfo=timezone.utc)
    except ValueError:
        return None


def text_date(text: str) -> datetime | None:
    """The date printed at the top of an article ("September 14, 2013", "7 July 2012"), as scraped pages carry."""
    for m in _TEXT_DATE.finditer(text[:DATELINE_CHARS]):
        month, day = (m.group(1), m.group(2)) if m.group(1) else (m.group(4), m.group(3))
        try:
            return datetime(int(m.group(5)), _MONTHS[month[:3].lower()], int(day), tzinfo=timezone.utc)
        except ValueError:
            continue
    return None


def article_date(published: datetime | None, url: str | None, text: str) -> datetime | None:
    """When an article came out: its own date, else the date in its URL, else one printed atop its text."""
    return published or url_date(url) or text_date(text)


def terms(article: Article) -> Terms:
    lead_words = article.text.split()[:LEAD_WORDS]
    lead_text = " ".join(lead_words)
    title = Counter(t for t in map(_norm_word, _WORD.findall(article.title)) if t)
    lead = Counter(t for t in map(_norm_word, _WORD.findall(lead_text)) if t)
    figures = _FIGURE.findall(lead_text)
    lead.update(f for f in figures if not _YEAR.fullmatch(f))
    years = [int(f) for f in figures if _YEAR.fullmatch(f) and int(f) <= _LAST_PLAUSIBLE_YEAR]
    when = _timestamp(article_date(article.published, article.url, article.title + "\n" + article.text))
    return Terms(title, lead, _names(lead_text), when, max(years, default=None), len(lead_words))


def top_terms(vec: dict[str, float], n: int) -> dict[str, float]:
    if len(vec) <= n:
        return vec
    return {t: vec[t] for t in heapq.nlargest(n, vec, key=vec.__getitem__)}


# -- sparse vectors --------------------------------------------------------------------------------------------
def _dot(a: dict[str, float], b: dict[str, float]) -> float:
    # Over the shared terms only, found by a set intersection in C: an article's lead has hundreds of terms and
    # is compared with every candidate, and this was the largest cost of the features (40 -> 8 us for a lead
    # against a centroid). fsum is exactly rounded, so the set's order does not change the result.
    shared = a.keys() & b.keys()
    return math.fsum(map(mul, map(a.__getitem__, shared), map(b.__getitem__, shared)))


def _length(a: dict[str, float]) -> float:
    return math.sqrt(sum(v * v for v in a.values())) or 1.0


def cosine(a: dict[str, float], b: dict[str, float]) -> float:
    return _dot(a, b) / (_length(a) * _length(b))


class Cosines:
    """`cosine` between vectors by key, each vector's length computed once: a story compared with hundreds of
    candidates, each a candidate of many stories (related stories), spent 80% of the time on lengths."""

    def __init__(self, vectors: dict[Hashable, dict[str, float]]):
        self.vectors = vectors
        self.lengths: dict[Hashable, float] = {}

    def __call__(self, a: Hashable, b: Hashable) -> float:
        la, lb = self.lengths.get(a), self.lengths.get(b)
        if la is None:
            la = self.lengths[a] = _length(self.vectors[a])
        if lb is None:
            lb = self.lengths[b] = _length(self.vectors[b])
        return _dot(self.vectors[a], self.vectors[b]) / (la * lb)


@dataclass
class Vectors:
    """Unit TF-IDF vectors of one article (keys of `names` are prefixed so they keep their own document counts),
    and its dense vector: `raw` as the model gives it, `dense` centred on the mean seen so far and of unit length."""

    title: dict[str, float]
    lead: dict[str, float]
    names: dict[str, float]
    when: float | None
    latest_year: int | None = None
    words: int = 0
    dense: np.ndarray | None = None
    raw: np.ndarray | None = None
    counts: Terms | None = None  # before weighting: what re-clustering the window (recluster.py) starts from
    _top_names: list[str] | None = None

    def top_names(self) -> list[str]:
        if self._top_names is None:
            self._top_names = heapq.nlargest(ARTICLE_NAMES, self.names, key=self.names.__getitem__)
        return self._top_names

    def query_terms(self) -> list[str]:
        combined: dict[str, float] = {}
        for vec in (self.title, self.lead, self.names):
            for t, v in vec.items():
                combined[t] = combined.get(t, 0.0) + v
        return sorted(combined, key=combined.__getitem__, reverse=True)[:QUERY_TERMS]


@dataclass
class _Centroid:
    sums: dict[str, float] = field(default_factory=dict)
    length: float = 1.0

    def add(self, vec: dict[str, float]) -> list[str]:
        """Adds a unit vector; returns the terms dropped to keep the centroid small."""
        for t, v in vec.items():
            self.sums[t] = self.sums.get(t, 0.0) + v
        dropped: list[str] = []
        if len(self.sums) > CENTROID_TERMS * 2:
            dropped = heapq.nsmallest(len(self.sums) - CENTROID_TERMS, self.sums, key=self.sums.__getitem__)
            for t in dropped:
                del self.sums[t]
        self.length = _length(self.sums)
        return dropped

    def cosine(self, unit: dict[str, float]) -> float:
        return _dot(unit, self.sums) / self.length


@dataclass
class _StoryState:
    title: _Centroid = field(default_factory=_Centroid)
    lead: _Centroid = field(default_factory=_Centroid)
    names: _Centroid = field(default_factory=_Centroid)
    size: int = 0
    first: float | None = None
    last: float | None = None
    expired: bool = False  # out of the window: kept small, for related stories only
    dense: np.ndarray | None = None  # sum of the members' centred unit vectors
    dense_length: float = 1.0
    members: np.ndarray | None = None  # centred unit vectors of the latest MEMBERS articles, one per row
    titles: deque = field(default_factory=lambda: deque(maxlen=MEMBERS))  # their title vectors
    name_counts: Counter = field(default_factory=Counter)  # in how many articles each name occurs (the top ones)
    core_names: list = field(default_factory=list)  # the CORE_NAMES most frequent, with their counts
    latest_year: int | None = None  # the latest year its articles mention
    words: int = 0  # lead words of all its articles


def _day(when: float) -> int:
    return int(when // DAY)


def _year(when: float) -> int:
    return datetime.fromtimestamp(when, timezone.utc).year


def features(vec: Vectors, story: _StoryState) -> list[float]:
    """The inputs of the join decision, in the order of FEATURES."""
    if vec.when is None or story.last is None:
        gap, no_date = 0.0, 1.0
    else:
        # Inside the story's span counts as no gap: articles do not always arrive in publication order. Whole
        # calendar days only: a set whose stories each carry one timestamp (AllSides) would otherwise teach that
        # a gap of a few hours means another story.
        day, first, last = _day(vec.when), _day(story.first), _day(story.last)
        gap, no_date = float(max(0, first - day, day - last)), 0.0
    lead, names, log_gap = story.lead.cosine(vec.lead), story.names.cosine(vec.names), math.log1p(gap)
    dense = dense_max = 0.0
    if vec.dense is not None and story.dense is not None:
        dense = float(story.dense @ vec.dense) / story.dense_length
        dense_max = float((story.members @ vec.dense).max())
    title_max = max((_dot(t, vec.title) for t in story.titles), default=0.0)
    # How close the article is against how close the story's own members are to it: a loose story (a long TDT
    # event) takes looser articles. The mean member-to-centroid cosine of unit vectors is |sum| / n.
    cohesion = story.dense_length / max(1, story.size) if story.dense is not None else 1.0
    shared = len(vec.names.keys() & story.names.sums.keys())
    union = len(vec.names) + len(story.names.sums) - shared
    age = float(_day(vec.when) - _day(story.first)) if vec.when is not None and story.first is not None else 0.0
    top = story.core_names
    weight = sum(c for _, c in top)
    core_cover = sum(c for n, c in top if n in vec.names) / weight if weight else 0.0
    core = [n for n, c in top if story.size >= 2 and c * 2 >= story.size]
    core_miss = sum(1 for n in core if n not in vec.names) / len(core) if core else 0.0
    own = vec.top_names()
    article_cover = sum(1 for n in own if n in story.name_counts) / len(own) if own else 0.5
    # Where one side has no date, the latest year its text mentions stands in for it: news mentions the current
    # year, and a text is not written before a year it mentions. Reports of two events of one kind years apart
    # (an undated page against a dated story) are told apart by it; with both dated the gap features say more.
    year_lag = 0.0
    if no_date:
        mine = _year(vec.when) if vec.when is not None else vec.latest_year
        theirs = _year(story.last) if story.last is not None else story.latest_year
        if mine is not None and theirs is not None:
            year_lag = math.log1p(abs(mine - theirs))
    return [story.title.cosine(vec.title), lead, names, dense, dense_max, title_max, log_gap, no_date,
            dense, lead, dense / max(cohesion, 1e-3), math.log1p(shared), shared / union if union else 0.0,
            math.log1p(max(0.0, age)), math.log(max(1, story.size)), min(gap, 30.0) / 30.0,
            core_cover, core_miss, article_cover, year_lag,
            math.log1p(vec.words), math.log1p(story.words / max(1, story.size)), math.log1p(len(vec.names))]


_MARGINS = [(FEATURES.index(m), FEATURES.index(m.split("_")[0])) for m in RELATIVE]


def candidate_features(vec: Vectors, stories: Sequence[_StoryState]) -> list[list[float]]:
    """FEATURES of the article against each candidate story, the margins taken over the other candidates."""
    rows = [features(vec, story) for story in stories]
    for margin, base in _MARGINS:
        values = [r[base] for r in rows]
        if len(values) < 2:
            continue
        top = sorted(values, reverse=True)[:2]
        for r in rows:
            r[margin] = r[base] - (top[1] if r[base] == top[0] else top[0])
    return rows


class JoinModel:
    """Boosted regression trees over FEATURES: the log-odds that an article belongs to a candidate story.

    Trees rather than one weighted sum: whether a close match is the same event depends on the rest (a high
    similarity with no shared names is a same-kind event; a small gap matters more for a small story). They are
    fitted with scikit-learn (`benchmarks/fit_cluster.py --write`) and stored as plain arrays in join.json,
    evaluated here with numpy: no pickle tied to one scikit-learn version, and all candidates of an article in
    one pass.
    """

    def __init__(self, spec: dict, known: Sequence[str] = FEATURES):
        """`known`: the features a row holds, in order (the pair classifier of recluster.py has its own)."""
        names = spec["features"]
        unknown = set(names) - set(known)
        if unknown:
            raise ValueError(f"model uses features this version does not compute: {sorted(unknown)}")
        self.features = list(names)
        self.width = len(known)
        column = np.array([list(known).index(n) for n in names] + [0])  # -1 (a leaf) maps to a harmless column
        feature, threshold, left, right, value, roots, missing_left = [], [], [], [], [], [], []
        for tree in spec["trees"]:
            offset = len(feature)
            roots.append(offset)
            # files written before it was stored send a missing value right (no NaN in the stream's features)
            missing_left += tree.get("missing_left", [0] * len(tree["feature"]))
            for k, (f, lo, hi) in enumerate(zip(tree["feature"], tree["left"], tree["right"])):
                leaf = lo < 0
                feature.append(-1 if leaf else f)
                # a leaf points at itself, so walking on from a leaf stays there
                left.append(offset + (k if leaf else lo))
                right.append(offset + (k if leaf else hi))
            threshold += tree["threshold"]
            value += tree["value"]
        self.column = column[np.asarray(feature, dtype=int)]  # positions in a row
        self.threshold = np.asarray(threshold, dtype=np.float64)
        self.left, self.right = np.asarray(left, dtype=int), np.asarray(right, dtype=int)
        self.value = np.asarray(value, dtype=np.float64)
        self.missing_left = np.asarray(missing_left, dtype=bool)
        self.roots = np.asarray(roots, dtype=int)
        self.depth = int(spec.get("depth") or len(feature))
        self.baseline = float(spec["baseline"])

    def probabilities(self, rows: Sequence[Sequence[float]]) -> np.ndarray:
        x = np.asarray(rows, dtype=np.float64).reshape(len(rows), self.width)
        node = np.broadcast_to(self.roots, (len(x), len(self.roots))).copy()
        row = np.arange(len(x))[:, None]
        for _ in range(self.depth):
            value = x[row, self.column[node]]
            go_left = (value <= self.threshold[node]) | (np.isnan(value) & self.missing_left[node])
            node = np.where(go_left, self.left[node], self.right[node])
        z = self.baseline + self.value[node].sum(axis=1)
        return 1.0 / (1.0 + np.exp(-np.clip(z, -30.0, 30.0)))


class _DenseIndex:
    """The unit dense centroids of the stories in the window, one row each: the nearest stories to an article in one
    matrix product. Rows of expired stories are reused, so the work per article follows the number of stories in
    the window, not the size of the corpus. A brute-force scan rather than an approximate index: with it and the two
    more candidates it brings, the cost benchmark's p95 at 100k articles went from 17.2 to 19.6 ms."""

    def __init__(self):
        self.rows: np.ndarray | None = None
        self.row_of: dict[Hashable, int] = {}
        self.story_at: list = []  # story of each row, None for a free one
        self.free: list[int] = []

    def put(self, story_id: Hashable, unit: np.ndarray) -> None:
        row = self.row_of.get(story_id)
        if row is None:
            if self.free:
                row = self.free.pop()
            else:
                row = len(self.story_at)
                self.story_at.append(None)
                if self.rows is None:
                    self.rows = np.zeros((64, len(unit)), dtype=np.float32)
                elif row == len(self.rows):
                    self.rows = np.vstack((self.rows, np.zeros_like(self.rows)))
            self.row_of[story_id] = row
            self.story_at[row] = story_id
        self.rows[row] = unit

    def drop(self, story_id: Hashable) -> None:
        row = self.row_of.pop(story_id, None)
        if row is not None:
            self.rows[row] = 0.0
            self.story_at[row] = None
            self.free.append(row)

    def nearest(self, unit: np.ndarray, n: int) -> list[Hashable]:
        """Up to `n` stories, most similar first."""
        used = len(self.story_at)
        if not self.row_of or n <= 0:
            return []
        sims = self.rows[:used] @ unit
        n = min(n, used)
        top = np.argpartition(-sims, n - 1)[:n]
        return [self.story_at[i] for i in top[np.argsort(-sims[top])] if self.story_at[i] is not None]


# -- the clusterer ---------------------------------------------------------------------------------------------
_SHIPPED: tuple | None = None


def _shipped() -> tuple[JoinModel, float, np.ndarray | None]:
    global _SHIPPED
    if _SHIPPED is None:
        _SHIPPED = load_join_model()
    return _SHIPPED


class StoryClusterer:
    """`embedder`: article -> dense vector (default: the shipped static model); None for TF-IDF only."""

    def __init__(self, model: JoinModel | None = None, join_probability: float | None = None,
                 window_days: float = STORY_LOOKBACK_DAYS,
                 embedder: Callable[[Article], np.ndarray] | None | str = "default"):
        shipped, bar, mean = _shipped()
        self.model = model or shipped
        self.join_probability = bar if join_probability is None else join_probability
        self.window = window_days * DAY
        if embedder == "default":
            from .embed import Embedder

            embedder = Embedder()
        self.embedder = embedder
        self._embedding: ThreadPoolExecutor | None = None  # one thread, started on the first long article
        self.dense_mean: np.ndarray | None = mean.copy() if mean is not None else None
        self.dense_seen = PRIOR_DOCS if self.dense_mean is not None else 0.0
        self.df: Counter = Counter()
        self.n_docs = 0
        self.stories: dict[Hashable, _StoryState] = {}
        # term -> stories that used it as a top term, oldest first (an OrderedDict is a bounded recency list).
        self.postings: dict[str, OrderedDict] = {}
        self.dense_index = _DenseIndex()
        self._expiry: list = []  # heap of (story's last time, tie breaker, story)
        self._pushes = 0
        self.now: float | None = None  # latest article time seen
        self.last_vectors: Vectors | None = None
        self.expired_ids: list[Hashable] = []  # stories shrunk since a caller last emptied it (pipeline.stream)

    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        state["_embedding"] = None  # a thread pool does not pickle; the next long article starts a new one
        return state

    # -- representation
    def weigh(self, counts: Counter, prefix: str = "") -> dict[str, float]:
        n = self.n_docs + 1
        vec = {}
        for t, c in counts.items():
            key = prefix + t
            vec[key] = (1 + math.log(c)) * (math.log((n + 1) / (self.df.get(key, 0) + 1)) + 1)
        length = _length(vec)
        return {t: v / length for t, v in vec.items()}

    def vectors(self, article: Article, raw: np.ndarray | None = None) -> Vectors:
        """`raw`: the article's embedding, when computed beforehand (a batch of articles at once)."""
        pending = None
        if self.embedder is not None and raw is None and len(article.text or "") > OVERLAP_CHARS:
            if self._embedding is None:
                self._embedding = ThreadPoolExecutor(max_workers=1, thread_name_prefix="newsdesk-embed")
            pending = self._embedding.submit(self.embedder, article)
        t = terms(article)
        vec = Vectors(self.weigh(t.title), self.weigh(t.lead), self.weigh(t.names, "@"), t.when, t.latest_year,
                      t.words, counts=t)
        if self.embedder is not None:
            if raw is None:
                raw = pending.result() if pending is not None else self.embedder(article)
            vec.raw = np.asarray(raw, dtype=np.float64)
            centred = vec.raw - self.dense_mean if self.dense_mean is not None else vec.raw
            length = float(np.linalg.norm(centred))
            vec.dense = (centred / length if length > 1e-9 else centred).astype(np.float32)
        return vec

    # -- decision
    def candidates(self, vec: Vectors) -> list[Hashable]:
        """Stories sharing the article's top terms, most shared first, then the DENSE_CANDIDATES nearest other
        stories by dense vector: reports of a long story drift in wording and can share no indexed term with it."""
        shared: Counter = Counter()
        for t in vec.query_terms():
            shared.update(self.postings.get(t, {}).keys())
        out = []
        for sid, _ in shared.most_common():
            if self._in_window(vec, self.stories[sid]):
                out.append(sid)
                if len(out) == MAX_CANDIDATES:
                    break
        if DENSE_CANDIDATES and vec.dense is not None:
            found = set(out)
            extra = 0
            # the nearest include the stories found already, and a few to spare for stories out of the window
            for sid in self.dense_index.nearest(vec.dense, len(out) + DENSE_CANDIDATES + 8):
                if sid not in found and self._in_window(vec, self.stories[sid]):
                    out.append(sid)
                    extra += 1
                    if extra == DENSE_CANDIDATES:
                        break
        return out

    def _in_window(self, vec: Vectors, story: _StoryState) -> bool:
        if story.expired:
            return False
        return vec.when is None or story.last is None or (
            story.last >= vec.when - self.window and story.first <= vec.when + self.window)

    def best_match(self, article: Article, raw: np.ndarray | None = None) -> tuple[Hashable | None, float, Vectors]:
        """The most probable candidate story and its join probability (0.0 when there is none)."""
        vec = self.vectors(article, raw)
        sids = self.candidates(vec)
        if not sids:
            return None, 0.0, vec
        p = self.model.probabilities(candidate_features(vec, [self.stories[s] for s in sids]))
        best = int(np.argmax(p))
        return sids[best], float(p[best]), vec

    def assign(self, article: Article, new_story: Callable[[], Hashable],
               raw: np.ndarray | None = None) -> tuple[Hashable, float]:
        """Join the most probable story when likely enough, else start one with `new_story()`; returns (story, p).
        `raw`: the article's embedding, when computed beforehand."""
        best, p, vec = self.best_match(article, raw)
        if best is None or p < self.join_probability:
            best = new_story()
        self.add(best, vec)
        return best, p

    def observe(self, article: Article, story: Hashable, raw: np.ndarray | None = None) -> None:
        """Record an assignment made elsewhere (replaying the store, a copy, a user's decision)."""
        self.add(story, self.vectors(article, raw))

    def add(self, story_id: Hashable, vec: Vectors) -> None:
        self.last_vectors = vec  # for a caller that keeps the window's articles (pipeline.stream.StoryAssigner)
        self.n_docs += 1
        self.df.update(vec.title.keys() | vec.lead.keys() | vec.names.keys())
        state = self.stories.get(story_id)
        if state is None:
            state = self.stories[story_id] = _StoryState()
        for centroid, part in ((state.title, vec.title), (state.lead, vec.lead), (state.names, vec.names)):
            centroid.add(part)
        state.titles.append(vec.title)
        state.name_counts.update(vec.names.keys())
        if len(state.name_counts) > 2 * STORY_NAMES:
            state.name_counts = Counter(dict(state.name_counts.most_common(STORY_NAMES)))
        state.core_names = state.name_counts.most_common(CORE_NAMES)
        if vec.latest_year is not None:
            state.latest_year = max(state.latest_year or vec.latest_year, vec.latest_year)
        if vec.dense is not None:
            if state.dense is None:
                state.dense, state.members = vec.dense.copy(), vec.dense[None, :]
            else:
                state.dense += vec.dense
                state.members = np.vstack((state.members[-(MEMBERS - 1):], vec.dense))
            state.dense_length = float(np.linalg.norm(state.dense)) or 1.0
            self.dense_index.put(story_id, state.dense / state.dense_length)
        if vec.raw is not None:  # running mean of the raw vectors: the direction they all share
            self.dense_seen += 1.0
            self.dense_mean = vec.raw.copy() if self.dense_mean is None else (
                self.dense_mean + (vec.raw - self.dense_mean) / self.dense_seen)
        state.words += vec.words
        state.expired = False  # a late article revives a story (with the small vectors it kept)
        state.size += 1
        if vec.when is not None:
            state.first = vec.when if state.first is None else min(state.first, vec.when)
            state.last = vec.when if state.last is None else max(state.last, vec.when)
            heapq.heappush(self._expiry, (state.last, self._pushes, story_id))
            self._pushes += 1
            self.now = vec.when if self.now is None else max(self.now, vec.when)
            self._expire()
        for t in vec.query_terms():
            posting = self.postings.get(t)
            if posting is None:
                posting = self.postings[t] = OrderedDict()
            posting[story_id] = None
            posting.move_to_end(story_id)
            if len(posting) > POSTING_STORIES:
                posting.popitem(last=False)

    def _expire(self) -> None:
        """Shrink stories that left the time window to what related-story links need."""
        while self._expiry and self._expiry[0][0] < self.now - self.window:
            last, _, sid = heapq.heappop(self._expiry)
            state = self.stories.get(sid)
            if state is None or state.last != last or state.expired:
                continue  # the story has had a newer article since (its later entry is in the heap) or is gone
            state.expired = True
            self.expired_ids.append(sid)
            kept = top_terms(self.story_vector(sid), RELATED_TERMS)
            state.lead = _Centroid(kept, _length(kept))
            state.title, state.names = _Centroid(), _Centroid()
            state.dense = state.members = None
            self.dense_index.drop(sid)
            state.titles.clear()
            state.name_counts, state.core_names = Counter(), []

    def story_vector(self, story_id: Hashable) -> dict[str, float]:
        """Title and lead terms of a story in one vector (for related stories)."""
        state = self.stories[story_id]
        combined = dict(state.lead.sums)
        for t, v in state.title.sums.items():
            combined[t] = combined.get(t, 0.0) + v
        return combined
