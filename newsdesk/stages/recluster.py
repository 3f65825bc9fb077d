"""Re-clustering the window: the newest articles' stories redone all at once, from article pairs.

In: a `Window` (the newest MAX_ARTICLES articles that are not copies: their vectors and days), a `PairModel`, the
users' pins (`fixed`) and moves (`apart`). Out: `recluster` a cluster number per article; `story_ids` the story of
each cluster and where the stories left without articles went.

How: each article is paired with its KNN nearest others by dense vector and by lead cosine, among those at most
PAIR_MAX_GAP_DAYS apart (`scored_pairs`). Boosted trees over PAIR_FEATURES (newsdesk/data/cluster/pairs.json,
fitted by `benchmarks/fit_cluster.py`) give each pair a probability that the two report one event. Average-link
clustering of those probabilities (`average_link`: a pair never scored counts as 0, and the mean is over the pairs
close enough in time to have been scored) is cut at one probability; then a cluster of at most SMALL articles left
alone joins the larger cluster it is closest to, on average, if that is at least `attach`. Over the sparse graph of
about 2*KNN pairs per article the average link is exact (tests/test_recluster.py checks it against scipy's
`linkage`) and needs memory linear in the pairs.

Guarantees: users' decisions bind it: articles a user placed in a story (pins; a merge pins both stories' articles)
start as one cluster that keeps that story, two such clusters of different stories never merge, and an article a
user moved out of a story never joins the articles it was moved away from. Clusters keep the existing story ids
where they can (each story goes to the cluster holding most of its window articles), so a story's URL stays while
it grows; a story left with no article redirects to where most of them went.

Settings: [recluster] in docs/settings.md. Why it is built so, with the measurements: docs/design/cluster.md.
"""
from __future__ import annotations

import bisect
import heapq
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Hashable, Sequence

import numpy as np

from ..settings import current
from . import cluster as cl

# Settings ([recluster] in newsdesk.toml, documented in docs/settings.md)
SETTINGS = current().recluster
KNN = SETTINGS.knn  # nearest by dense vector and by lead cosine, each
MAX_ARTICLES = SETTINGS.max_articles  # the window: the cost of one re-clustering grows with it
BLOCK = SETTINGS.block_rows  # rows of similarities computed at once: memory BLOCK x window
# Pairs at most this many days apart are scored, twice the stream's lookback (cluster.STORY_LOOKBACK_DAYS): a story
# runs longer than the stream needs to look back for its next article.
PAIR_MAX_GAP_DAYS = SETTINGS.pair_max_gap_days
# Constants: what the fitted pair trees (pairs.json) were fitted with.
SMALL = 2  # clusters of at most this many articles may join their closest cluster at the lower `attach` bar
RANK_DEPTH = 20  # ranks of a neighbour are counted up to this
PAIR_FEATURES = ("title", "lead", "names", "dense", "log_gap_days", "year_lag", "names_shared", "names_jaccard",
                 "min_words", "max_words",
                 # where each article ranks among the other's nearest (by dense vector, by lead cosine), the nearer
                 # and the farther of the two ranks: a cosine means more or less in different kinds of news (two-line
                 # leads share few words), a rank means the same in all
                 "dense_rank", "dense_rank_far", "lead_rank", "lead_rank_far",
                 # corpus-relative: each similarity as a z-score against the article's own similarities with every
                 # other article of the window close enough in time (the weaker of the two ends), and the shared
                 # names over the smaller name count: their scale does not depend on text length or on the corpus
                 "title_z", "lead_z", "names_z", "dense_z", "names_overlap")
# +1: more of it never lowers the probability of one event; -1: never raises it; 0: free.
PAIR_MONOTONE = (1, 1, 1, 1, -1, -1, 1, 1, 0, 0, -1, -1, -1, -1, 1, 1, 1, 1, 1)
SIMILARITY_KINDS = ("title", "lead", "names", "dense")  # those with a z-score
PAIR_MODEL = Path(__file__).resolve().parents[1] / "data" / "cluster" / "pairs.json"


@dataclass
class Window:
    """What re-clustering needs of each article: its term counts (cluster.Terms) and its raw dense vector."""

    terms: list[cl.Terms]
    raw: np.ndarray  # (n, dim)

    def __len__(self) -> int:
        return len(self.terms)

    def days(self) -> np.ndarray:
        """Whole UTC days since the epoch; NaN where undated."""
        return np.array([math.floor(t.when / cl.DAY) if t.when is not None else np.nan for t in self.terms])


class PairModel:
    """The pair classifier, the probability at which average-link clustering stops merging (`cut`), and the lower
    one at which a cluster of one or two left alone still joins its closest (`attach`, None: never)."""

    def __init__(self, spec: dict):
        self.trees = cl.JoinModel(spec, known=PAIR_FEATURES)
        self.cut = float(spec["cut"])
        self.attach = float(spec["attach"]) if spec.get("attach") is not None else None
        # `choose`: the (cut, attach) is instead chosen on each window, among these, for the most link silhouette
        # of its clusters: the bar that suits one kind of news is far from another's (see docs/design/
        # clustering-generalisation.md), and the window itself says which suits it
        choose = spec.get("choose")
        self.grid = None if not choose else [
            (float(c), float(a) if a is not None else None) for c in choose["cuts"] for a in choose["attach"]]
        # `margin` (with `choose`): the fitted (cut, attach) is kept unless another's silhouette beats its own by
        # more than this: the most any set fitted on gains at its own best, so that news like the fitted sets keeps
        # the fitted bar and only news unlike them moves it
        self.margin = float(choose["margin"]) if choose and choose.get("margin") is not None else None
        if self.grid and self.margin is not None and (self.cut, self.attach) not in self.grid:
            self.grid.append((self.cut, self.attach))

    def probabilities(self, features: np.ndarray) -> np.ndarray:
        return self.trees.probabilities(features) if len(features) else np.zeros(0)


_SHIPPED: PairModel | None = None


def shipped_pair_model() -> PairModel:
    global _SHIPPED
    if _SHIPPED is None:
        _SHIPPED = PairModel(json.loads(PAIR_MODEL.read_text()))
    return _SHIPPED


# -- pairs and their features ------------------------------------------------------------------------------------
class _Similarities:
    """TF-IDF vectors over the window itself (its own IDF: no corpus needed) and centred unit dense vectors."""

    def __init__(self, window: Window):
        from scipy.sparse import csr_matrix
        from sklearn.feature_extraction.text import TfidfVectorizer

        def tfidf(counts: list):
            if not any(counts):  # no term at all (short items, no names): nothing in common
                return csr_matrix((len(counts), 1))
            # an analyzer that hands back the counted terms: the counting is cluster.terms'
            vectorizer = TfidfVectorizer(analyzer=lambda c: [w for w, k in c.items() for _ in range(k)],
                                         sublinear_tf=True, lowercase=False)
            return vectorizer.fit_transform(counts).tocsr()

        t = window.terms
        self.title = tfidf([x.title for x in t])
        self.lead = tfidf([x.lead for x in t])
        self.names = tfidf([x.names for x in t])
        self.has_name = (self.names > 0).astype(np.float64).tocsr()
        self.name_count = np.asarray(self.has_name.sum(axis=1)).ravel()
        _, _, mean = cl._shipped()  # the shipped centring: raw vectors share one direction (see cluster.py)
        dense = window.raw.astype(np.float64)
        dense = dense - mean if mean is not None else dense
        self.dense = dense / np.maximum(np.linalg.norm(dense, axis=1, keepdims=True), 1e-9)
        self.day = window.days()
        self.year = np.array([cl._year(x.when) if x.when is not None else (x.latest_year or np.nan) for x in t],
                             dtype=np.float64)
        self.words = np.log1p(np.array([x.words for x in t], dtype=np.float64))

    def rows(self, start: int, stop: int, kinds: Sequence[str]) -> dict[str, np.ndarray]:
        """Similarities of articles start..stop with every article of the window, (stop - start, n) each."""
        part = slice(start, stop)
        sparse = {"title": self.title, "lead": self.lead, "names": self.names, "names_shared": self.has_name}
        return {kind: self.dense[part] @ self.dense.T if kind == "dense" else
                (sparse[kind][part] @ sparse[kind].T).toarray() for kind in kinds}

    def allowed(self, start: int, stop: int, window_days: float) -> np.ndarray:
        """Which pairs of rows start..stop with the window are close enough in time; never an article with itself."""
        rows = np.arange(start, stop)
        allowed = ~(np.abs(self.day[rows, None] - self.day[None, :]) > window_days)  # NaN (undated): allowed
        allowed[rows - start, rows] = False
        return allowed

    def features(self, i: np.ndarray, j: np.ndarray, values: dict[str, np.ndarray],
                 tops: dict[str, np.ndarray], background: dict[str, tuple[np.ndarray, np.ndarray]]) -> np.ndarray:
        """PAIR_FEATURES of pairs (i, j), given their similarities (`values`, one array per kind of `rows`),
        each article's RANK_DEPTH highest dense and lead similarities (`tops`) and the mean and standard deviation
        of each article's similarities of each kind with the window (`background`, from `row_moments`)."""
        ranks = {}
        for kind in ("dense", "lead"):
            value = values[kind][:, None]
            seen_from_i = (tops[kind][i] > value).sum(axis=1)
            seen_from_j = (tops[kind][j] > value).sum(axis=1)
            ranks[kind] = (np.log1p(np.minimum(seen_from_i, seen_from_j)),
                           np.log1p(np.maximum(seen_from_i, seen_from_j)))
        shared = values["names_shared"]
        union = self.name_count[i] + self.name_count[j] - shared
        columns = {
            "title": values["title"], "lead": values["lead"], "names": values["names"], "dense": values["dense"],
            "log_gap_days": np.log1p(np.abs(self.day[i] - self.day[j])),
            "year_lag": np.log1p(np.abs(self.year[i] - self.year[j])),
            "names_shared": np.log1p(shared),
            "names_jaccard": np.divide(shared, union, out=np.zeros_like(shared), where=union > 0),
            "min_words": np.minimum(self.words[i], self.words[j]),
            "max_words": np.maximum(self.words[i], self.words[j]),
            "dense_rank": ranks["dense"][0], "dense_rank_far": ranks["dense"][1],
            "lead_rank": ranks["lead"][0], "lead_rank_far": ranks["lead"][1],
            "names_overlap": np.divide(shared, np.minimum(self.name_count[i], self.name_count[j]),
                                       out=np.zeros_like(shared), where=np.minimum(self.name_count[i],
                                                                                   self.name_count[j]) > 0),
        }
        for kind in SIMILARITY_KINDS:
            mean, sd = background[kind]
            columns[kind + "_z"] = np.minimum(_z(values[kind], mean[i], sd[i]), _z(values[kind], mean[j], sd[j]))
        return np.stack([columns[f] for f in PAIR_FEATURES], axis=-1)


def _z(value: np.ndarray, mean: np.ndarray, sd: np.ndarray) -> np.ndarray:
    """(value - mean) / sd, 0 where sd is 0 (an article with one other in reach, or none sharing anything)."""
    return np.divide(value - mean, sd, out=np.zeros_like(value), where=sd > 1e-9)


def row_moments(similarities: np.ndarray, allowed: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean and standard deviation of each row's similarities over its allowed entries."""
    count = np.maximum(allowed.sum(axis=1), 1)
    s = np.where(allowed, similarities, 0.0)
    mean = s.sum(axis=1) / count
    var = (s * s).sum(axis=1) / count - mean * mean
    return mean, np.sqrt(np.maximum(var, 0.0))


def scored_pairs(window: Window, knn: int = KNN, window_days: float = PAIR_MAX_GAP_DAYS
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(i, j, features) with i < j: each article's `knn` nearest by dense vector and by lead cosine (0: every
    pair), among the articles at most `window_days` away (undated ones are never too far)."""
    n = len(window)
    if n < 2:
        return np.zeros(0, int), np.zeros(0, int), np.zeros((0, len(PAIR_FEATURES)))
    sim = _Similarities(window)
    nearest_kinds, other_kinds = ("dense", "lead"), ("title", "names", "names_shared")
    # first pass, dense and lead rows: each article's highest similarities (for the ranks) and its nearest
    depth = min(RANK_DEPTH, n)
    tops = {kind: np.full((n, RANK_DEPTH), -np.inf) for kind in nearest_kinds}
    found_i, found_j, found = [], [], {kind: [] for kind in nearest_kinds}
    background = {kind: (np.zeros(n), np.zeros(n)) for kind in SIMILARITY_KINDS}
    for start in range(0, n, BLOCK):
        stop = min(n, start + BLOCK)
        rows = np.arange(start, stop)
        allowed = sim.allowed(start, stop, window_days)
        raw = sim.rows(start, stop, nearest_kinds)
        for kind, s in raw.items():
            background[kind][0][start:stop], background[kind][1][start:stop] = row_moments(s, allowed)
        near = {kind: np.where(allowed, s, -np.inf) for kind, s in raw.items()}
        chosen = np.zeros_like(allowed) if knn and n - 1 > knn else allowed
        for kind, s in near.items():
            tops[kind][start:stop, :depth] = np.partition(s, n - depth, axis=1)[:, n - depth:]
            if chosen is not allowed:
                nearest = np.argpartition(-s, knn, axis=1)[:, :knn]
                keep = np.take_along_axis(allowed, nearest, axis=1)  # fewer than knn allowed: -inf ones are not
                chosen[np.repeat(rows - start, knn)[keep.ravel()], nearest.ravel()[keep.ravel()]] = True
        r, j = np.nonzero(chosen)
        found_i.append(r + start)
        found_j.append(j)
        for kind, s in near.items():
            found[kind].append(s[r, j])
    i, j = np.concatenate(found_i), np.concatenate(found_j)  # i ascending: rows were visited in order
    values = {kind: np.concatenate(v) for kind, v in found.items()}
    # second pass, only the rows that hold a chosen pair, for the other similarities
    for kind in other_kinds:
        values[kind] = np.empty(len(i))
    bounds = np.searchsorted(i, np.arange(0, n + BLOCK, BLOCK))
    for block, start in enumerate(range(0, n, BLOCK)):
        lo, hi = bounds[block], bounds[block + 1]
        if lo == hi:
            continue  # no pair starts here, and none ends here either: nearness is symmetric in reach
        stop = min(n, start + BLOCK)
        allowed = sim.allowed(start, stop, window_days)
        for kind, s in sim.rows(start, stop, other_kinds).items():
            values[kind][lo:hi] = s[i[lo:hi] - start, j[lo:hi]]
            if kind in background:
                background[kind][0][start:stop], background[kind][1][start:stop] = row_moments(s, allowed)
    x = sim.features(i, j, values, tops, background)
    # a pair chosen from both ends is kept once; the features are symmetric, so either end's row will do
    lo, hi = np.minimum(i, j), np.maximum(i, j)
    _, first = np.unique(lo * n + hi, return_index=True)
    return lo[first], hi[first], x[first]


# -- average link over a sparse graph ------------------------------------------------------------------------------
def average_link(n: int, i: Sequence[int], j: Sequence[int], p: Sequence[float], cut: float,
                 fixed: Sequence[Hashable | None] | None = None,
                 apart: Sequence[tuple[int, int]] = (), attach: float | None = None,
                 days: Sequence[float] | None = None, window_days: float = PAIR_MAX_GAP_DAYS) -> list[int]:
    """Cluster numbers of n items: average-link (UPGMA) merges, best first, while the mean probability over all
    pairs of the two clusters (an absent pair counting 0) is at least `cut`; that is scipy's
    `fcluster(linkage(1 - p, "average"), 1 - cut, "distance")`, without the dense matrix.

    `fixed[k]`: items with one label start in one cluster, and clusters with different labels never merge.
    `apart`: pairs of items never put in one cluster.
    `attach`: then a cluster of at most SMALL items joins the larger cluster it is closest to, on average, if that
    is at least `attach` (None: never).
    `days[k]` (NaN: undated): the mean is then over the pairs at most `window_days` apart, those that could be
    scored, so that a story running for months is not split for its pairs that are months apart.
    """
    return average_link_grid(n, i, j, p, [(cut, attach)], fixed, apart, days, window_days)[(cut, attach)]


def average_link_grid(n: int, i: Sequence[int], j: Sequence[int], p: Sequence[float],
                      settings: Sequence[tuple[float, float | None]],
                      fixed: Sequence[Hashable | None] | None = None, apart: Sequence[tuple[int, int]] = (),
                      days: Sequence[float] | None = None, window_days: float = PAIR_MAX_GAP_DAYS
                      ) -> dict[tuple[float, float | None], list[int]]:
    """`average_link` at each (cut, attach) of `settings`, in one pass: the merges down to a lower cut continue
    those down to a higher one (an average of averages never rises above them), so the linkage is run once, down
    to the lowest cut, and the attach step is run on a copy at each cut."""
    linkage = _Linkage(n, i, j, p, fixed, apart, days, window_days)
    out = {}
    for cut in sorted({c for c, _ in settings}, reverse=True):
        linkage.merge_down_to(cut)
        for attach in dict.fromkeys(a for c, a in settings if c == cut):
            if attach is None:
                out[(cut, attach)] = linkage.labels()
            else:
                copy = linkage.copy()
                copy.attach(attach)
                out[(cut, attach)] = copy.labels()
    return out


class _Linkage:
    """The state of an average-link clustering over a sparse graph: clusters, their summed links, and the heap of
    candidate merges."""

    def __init__(self, n, i, j, p, fixed, apart, days, window_days):
        parent = list(range(n))
        if fixed is not None:
            first: dict = {}
            for k, label in enumerate(fixed):
                if label is not None:
                    parent[k] = first.setdefault(label, k)
        self.n, self.window_days = n, window_days
        self.members: dict[int, set[int]] = {}
        for k in range(n):
            self.members.setdefault(parent[k], set()).add(k)
        self.label = {c: (fixed[c] if fixed is not None else None) for c in self.members}
        self.avoid: dict[int, set[int]] = {c: set() for c in self.members}
        for a, b in apart:
            self.avoid[parent[a]].add(b)
            self.avoid[parent[b]].add(a)
        self.links: dict[int, dict[int, float]] = {c: {} for c in self.members}  # summed probability
        for a, b, q in zip(i, j, p):
            ca, cb = parent[a], parent[b]
            if ca != cb and q > 0:
                self.links[ca][cb] = self.links[ca].get(cb, 0.0) + float(q)
                self.links[cb][ca] = self.links[cb].get(ca, 0.0) + float(q)
        self.days = days
        if days is not None:
            self.dated = {c: sorted(days[k] for k in m if not math.isnan(days[k])) for c, m in self.members.items()}
        self.version = dict.fromkeys(self.members, 0)
        self.heap = [(-s / self.pairs(a, b), a, b, 0, 0) for a, near in self.links.items() for b, s in near.items()
                     if a < b]
        heapq.heapify(self.heap)

    def copy(self) -> "_Linkage":
        other = object.__new__(_Linkage)
        other.n, other.window_days, other.days = self.n, self.window_days, self.days
        other.members = {c: set(m) for c, m in self.members.items()}
        other.label = dict(self.label)
        other.avoid = {c: set(m) for c, m in self.avoid.items()}
        other.links = {c: dict(near) for c, near in self.links.items()}
        if self.days is not None:
            other.dated = {c: list(d) for c, d in self.dated.items()}
        other.version = dict(self.version)
        other.heap = []  # the copy only attaches
        return other

    def pairs(self, a: int, b: int) -> int:
        """How many pairs of the two clusters the mean is over."""
        members = self.members
        if self.days is None:
            return len(members[a]) * len(members[b])
        dated, window_days = self.dated, self.window_days
        if len(dated[a]) > len(dated[b]):
            a, b = b, a
        near = sum(bisect.bisect_right(dated[b], d + window_days) - bisect.bisect_left(dated[b], d - window_days)
                   for d in dated[a])
        undated_a, undated_b = len(members[a]) - len(dated[a]), len(members[b]) - len(dated[b])
        return max(1, near + undated_a * len(members[b]) + undated_b * len(dated[a]))

    def allowed(self, a: int, b: int) -> bool:
        label, avoid, members = self.label, self.avoid, self.members
        return not ((label[a] is not None and label[b] is not None and label[a] != label[b])
                    or avoid[a] & members[b] or avoid[b] & members[a])

    def merge(self, a: int, b: int) -> int:
        members, links = self.members, self.links
        if len(members[a]) < len(members[b]):
            a, b = b, a
        # b into a
        members[a] |= members.pop(b)
        self.avoid[a] |= self.avoid.pop(b)
        self.label[a] = self.label[a] if self.label[a] is not None else self.label[b]
        if self.days is not None:
            self.dated[a] = sorted(self.dated[a] + self.dated.pop(b))
        for k, s in links.pop(b).items():
            if k == a:
                continue
            links[a][k] = links[a].get(k, 0.0) + s
            del links[k][b]
            links[k][a] = links[a][k]
        links[a].pop(b, None)
        del self.version[b], self.label[b]
        self.version[a] += 1
        return a

    def merge_down_to(self, cut: float) -> None:
        """Merges, best first, while the best mean is at least `cut`."""
        heap, version = self.heap, self.version
        while heap:
            if -heap[0][0] < cut:
                break
            _, a, b, va, vb = heapq.heappop(heap)
            if version.get(a) != va or version.get(b) != vb:
                continue  # one of them has merged since: its current pairs are in the heap
            if not self.allowed(a, b):
                continue
            a = self.merge(a, b)
            for k, s in self.links[a].items():
                lo, hi = min(a, k), max(a, k)
                heapq.heappush(heap, (-s / self.pairs(a, k), lo, hi, version[lo], version[hi]))

    def attach(self, bar: float) -> None:
        """A small cluster left alone joins the larger cluster it is closest to, if close enough."""
        members, links = self.members, self.links
        small = [c for c in members if len(members[c]) <= SMALL]
        for c in sorted(small, key=lambda c: -max(links[c].values(), default=0)):
            if c not in members or len(members[c]) > SMALL:
                continue
            near = [(s / self.pairs(c, k), k) for k, s in links[c].items()
                    if len(members[k]) > len(members[c]) and self.allowed(c, k)]
            if near and max(near)[0] >= bar:
                self.merge(c, max(near)[1])

    def labels(self) -> list[int]:
        out = [0] * self.n
        for number, c in enumerate(sorted(self.members)):
            for k in self.members[c]:
                out[k] = number
        return out


def recluster(window: Window, model: PairModel | None = None, fixed: Sequence[Hashable | None] | None = None,
              apart: Sequence[tuple[int, int]] = (), scored: tuple | None = None) -> list[int]:
    """A cluster number per article of the window (`scored`: its scored_pairs, when already computed)."""
    model = model or shipped_pair_model()
    i, j, x = scored if scored is not None else scored_pairs(window)
    p = model.probabilities(x)
    if not model.grid:
        return average_link(len(window), i, j, p, model.cut, fixed, apart, model.attach, days=window.days())
    tables = average_link_grid(len(window), i, j, p, model.grid, fixed, apart, days=window.days())
    quality = {s: link_silhouette(len(window), i, j, p, tables[s]) for s in model.grid}
    return tables[chosen_setting(model.grid, quality, (model.cut, model.attach), model.margin)]


def chosen_setting(grid: Sequence[tuple], silhouette: dict, fitted: tuple | None = None,
                   margin: float | None = None) -> tuple:
    """The setting of `grid` of most `silhouette` (ties: the first in the grid); with a `margin`, `fitted` unless
    that best beats `fitted`'s own silhouette by more than the margin."""
    top = max(grid, key=silhouette.get)
    if margin is None or fitted is None:
        return top
    return top if silhouette[top] - silhouette[fitted] > margin else fitted


# -- how well a cut fits the window: for a cut chosen on the window itself ----------------------------------------
def link_silhouette(n: int, i: Sequence[int], j: Sequence[int], p: Sequence[float], clusters: Sequence[int]) -> float:
    """Mean silhouette of `clusters` over the graph of pair probabilities, distance 1 - p (a pair never scored at
    distance 1): for an article in a cluster of two or more, a = its mean distance to its own cluster's others,
    b = its least mean distance to another cluster, (b - a) / max(a, b); an article alone counts 0. Needs no gold:
    computed on the window's own pairs, for the cut that suits the window's kind of news."""
    from scipy.sparse import coo_matrix

    if n < 2:
        return 0.0
    i, j, p = np.asarray(i, int), np.asarray(j, int), np.asarray(p, float)
    labels = np.unique(np.asarray(clusters), return_inverse=True)[1]
    k = labels.max() + 1
    graph = coo_matrix((np.r_[p, p], (np.r_[i, j], np.r_[j, i])), shape=(n, n)).tocsr()
    member = coo_matrix((np.ones(n), (np.arange(n), labels)), shape=(n, k)).tocsr()
    near = (graph @ member).tocsr()  # summed probability of each article to each cluster
    size = np.bincount(labels, minlength=k).astype(float)
    rows = np.arange(n)
    own = np.asarray(near[rows, labels]).ravel()
    alone = size[labels] < 2
    a = 1 - own / np.maximum(size[labels] - 1, 1)
    near = near.tocoo()
    other = near.row, near.col, near.data / size[near.col]
    best = np.zeros(n)
    keep = other[1] != labels[other[0]]
    np.maximum.at(best, other[0][keep], other[2][keep])
    b = 1 - best
    s = np.divide(b - a, np.maximum(a, b), out=np.zeros(n), where=np.maximum(a, b) > 0)
    return float(np.where(alone, 0.0, s).mean())


def link_modularity(n: int, i: Sequence[int], j: Sequence[int], p: Sequence[float], clusters: Sequence[int]) -> float:
    """Newman's modularity of `clusters` over the graph weighted by pair probabilities."""
    i, j, p = np.asarray(i, int), np.asarray(j, int), np.asarray(p, float)
    total = p.sum()
    if total <= 0:
        return 0.0
    labels = np.asarray(clusters)
    inside = p[labels[i] == labels[j]].sum() / total
    degree = np.bincount(i, p, minlength=n) + np.bincount(j, p, minlength=n)
    per_cluster = np.bincount(np.unique(labels, return_inverse=True)[1], degree)
    return float(inside - ((per_cluster / (2 * total)) ** 2).sum())


# -- clusters back to story ids ------------------------------------------------------------------------------------
def story_ids(clusters: Sequence[int], current: Sequence[Hashable], fixed: Sequence[Hashable | None],
              new_story: Callable[[], Hashable]) -> tuple[list[Hashable], dict[Hashable, Hashable]]:
    """The story of each article, and the stories left without any (old id -> where most of its articles went).

    A cluster holding a user's fixed articles keeps their story; the others take, largest overlap first, the
    current story most of whose window articles they hold, each story going to one cluster at most; the rest get
    new stories.
    """
    chosen: dict[int, Hashable] = {}
    for c, label in zip(clusters, fixed):
        if label is not None:
            chosen[c] = label
    overlap: dict[tuple[int, Hashable], int] = {}
    for c, s in zip(clusters, current):
        overlap[(c, s)] = overlap.get((c, s), 0) + 1
    taken = set(chosen.values())
    # ties: the older story (smaller id where ids compare), so that the result does not depend on input order
    for (c, s), _ in sorted(overlap.items(), key=lambda kv: (-kv[1], _order(kv[0][1]), kv[0][0])):
        if c not in chosen and s not in taken:
            chosen[c] = s
            taken.add(s)
    for c in sorted(set(clusters)):
        if c not in chosen:
            chosen[c] = new_story()
    result = [chosen[c] for c in clusters]
    retired: dict[Hashable, Hashable] = {}
    went: dict[Hashable, dict[Hashable, int]] = {}
    for old, new in zip(current, result):
        went.setdefault(old, {})
        went[old][new] = went[old].get(new, 0) + 1
    for old, where in went.items():
        if old not in taken:
            retired[old] = max(where, key=lambda s: (where[s], s == old))
    return result, retired


def _order(story: Hashable) -> tuple:
    return (0, story) if isinstance(story, (int, float)) else (1, str(story))
