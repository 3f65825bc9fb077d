"""`newsdesk eval cluster`: BCubed and pairwise scores of story clustering, beside a plain TF-IDF single pass.

Articles go, in date order, through the same code path as `newsdesk cluster` (JSON record -> Article ->
StoryAssigner: dedup, then the streaming clusterer; at the end of the input the window is re-clustered,
stages/recluster.py); the row "newsdesk, stream only" leaves out the re-clustering. ECB+ has no dates: its
articles are ordered by the date in their URL or, failing that, the date printed atop the text (`text_date`) where
there is one, the undated ones first; undated articles and ties in date (every AllSides story shares one date) are
fed in a fixed shuffled order, so that no set is fed grouped by its gold stories.

Sets: ecbplus, allsides, duc2003 (the development targets, the default) and wikinews (the bundled demo sample:
ten topics that each run for months or years; not fitted on).

The baseline is the plain single-pass clusterer: TF-IDF (title + text, fitted on the whole set, which
only helps it) and cosine to story centroids, with one threshold for all sets, the best of a grid on these sets.

Two reference rows follow (`--no-ceilings` leaves them out): the stream's own candidate stories with every join
decided by the gold, which bounds what a better join decision alone could give the stream, and the gold itself
with each copy sent where its first copy went (DUC 2003 files 9 identical documents under two stories each). The
second is not a bound: a system may score more by putting two stories that share copies in one (DUC's d30025t and
d30048t share four). `--orders N` scores every system over N feed orders (ties and undated articles reshuffled):
the stream's figure moves by about 0.01-0.02 BCubed F1 with the order alone. `--one-day` re-dates every dated
article to one day first: a busy day's feed, on which the date tells no story from another.

`--fit` refits the join decision, boosted trees (scikit-learn's HistGradientBoostingClassifier, each feature
constrained to raise or lower the probability as MONOTONE says) over the features of every (article, candidate
story) pair met while streaming each set into its gold stories (each set weighing the same), with the join bar
chosen for the best mean BCubed F1 over the sets; `--write` stores it in newsdesk/data/cluster/join.json (one
setting for all kinds of news). It then checks that it generalises, beside the baseline (its threshold chosen on
the same fitting data): fitted on half of each set's stories and scored on the other half, both ways round (the
held-out check of sets of the same kinds; ECB+ is halved by topic, so that both events of a kind fall in one
half), and fitted on all sets but one, scored on the one left out (a new kind of news). `--ablate` adds a refit
on the first halves without each feature.

`--fit` first refits the pair classifier that re-clusters the window (`--pairs-only`: that alone, about 1.5
minutes): boosted trees over the pairs re-clustering scores (each article's nearest) in each set, as dated, as on
one day and in small random windows, and the cut and attach bar of its average link chosen on held-out halves
(printed for each); `--write` stores it in newsdesk/data/cluster/pairs.json.
"""
from __future__ import annotations

import itertools
import json
import random
import time
import zlib
from pathlib import Path
from typing import Callable, Hashable, Iterable, Sequence

import numpy as np

REPO = Path(__file__).resolve().parents[2]
DEFAULT_DATA = REPO.parent / "shared" / "data"
SETS = ("ecbplus", "allsides", "duc2003", "wikinews")
FILES = {
    "ecbplus": "clustering/ecbplus_docs.jsonl",
    "allsides": "clustering/allsides_dev_articles.jsonl",
    "duc2003": "summarization/duc2003_task2.jsonl",
    "wikinews": "summarization/multiling2011_en.jsonl",  # also bundled: the demo sample (10 long-running stories)
}
BASELINE_THRESHOLDS = tuple(round(x, 2) for x in np.arange(0.10, 0.61, 0.05))
SEED = 0


# -- data ------------------------------------------------------------------------------------------------------
Labelled = list[tuple[dict, Hashable]]  # (record as `newsdesk cluster` reads it, gold story)


def _read(path: Path) -> Iterable[dict]:
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                yield json.loads(line)


def load_set(name: str, path: Path | None) -> Labelled:
    items: Labelled = []
    if name == "ecbplus":
        for r in _read(path):
            items.append(({"id": r["doc_id"], "title": r.get("title_guess") or "", "text": r["text"],
                           "url": r.get("url_tokens")}, r["subtopic"]))
    elif name == "allsides":
        for i, r in enumerate(_read(path)):
            items.append(({"id": str(i), "title": r["title"], "text": r["text"], "date": r["story_date"],
                           "outlet": r["source"], "url": r["url"]}, r["story_id"]))
    elif name == "duc2003":
        for c in _read(path):
            for d in c["docs"]:
                date = d.get("date") or ""
                iso = f"{date[:4]}-{date[4:6]}-{date[6:8]}" if len(date) == 8 and date.isdigit() else date or None
                items.append(({"id": d["doc_id"], "title": d.get("title") or "", "text": d["text"], "date": iso,
                               "outlet": d.get("outlet")}, c["cluster_id"]))
    elif name == "wikinews":
        from newsdesk.sources.sample import sample_records

        # The bundled copy, already split into dateline and text; doc ids are M<story><doc>.
        for r in sample_records():
            items.append(({"id": r["id"], "title": r["title"], "text": r["text"], "date": r["date"]}, r["id"][:4]))
    else:
        raise ValueError(f"unknown set {name!r}")
    return feed_order(items)


def feed_order(items: Labelled, seed: int = SEED) -> Labelled:
    """Date order (where the record has none, the URL's date, else the one printed atop the text, as the clusterer
    reads them); undated articles first, and they and ties in date in a shuffled order fixed by `seed`: never the
    file's, which is grouped by story."""
    from newsdesk.store.codec import utc_text

    items = list(items)
    random.Random(seed).shuffle(items)
    return sorted(items, key=lambda it: utc_text(_record_date(it[0])) or "")


def _record_date(record: dict):
    """A record's date as the clusterer reads it: its own, else its URL's, else one printed atop its text."""
    from newsdesk.sources.records import parse_date
    from newsdesk.stages.cluster import article_date

    return article_date(parse_date(record.get("date")), record.get("url"),
                        f"{record.get('title') or ''}\n{record.get('text') or ''}")


ONE_DAY = "2020-06-01"


def one_day(items: Labelled) -> Labelled:
    """Every dated article (by its record, URL or printed date, as the clusterer reads them) re-dated to ONE_DAY.

    A stress test: in AllSides every article of a story carries the story's date and a day holds few stories, so
    "the same day" nearly means "the same story" there, which a real feed's busy day does not."""
    return feed_order([(dict(r, date=ONE_DAY) if _record_date(r) is not None else r, gold) for r, gold in items])


def split_half(items: Labelled, half: int) -> Labelled:
    """Half of the gold stories; ECB+ stories ("36_ecb", "36_ecbplus") by topic, so that the two events of one
    kind, which the set is about telling apart, stay in the same half."""
    def key(gold) -> str:
        return str(gold).split("_")[0] if isinstance(gold, str) and gold.endswith(("_ecb", "_ecbplus")) else str(gold)

    return [it for it in items if zlib.crc32(key(it[1]).encode()) % 2 == half]


# -- metrics ---------------------------------------------------------------------------------------------------
def scores(pred: Sequence[Hashable], gold: Sequence[Hashable]) -> dict[str, float]:
    """BCubed precision/recall/F1 and pairwise precision/recall/F1, from the contingency table."""
    from collections import Counter

    joint = Counter(zip(pred, gold))
    by_pred, by_gold = Counter(pred), Counter(gold)
    n = len(gold)
    bp = sum(c * c / by_pred[p] for (p, _), c in joint.items()) / n
    br = sum(c * c / by_gold[g] for (_, g), c in joint.items()) / n
    pairs = lambda counts: sum(c * (c - 1) / 2 for c in counts)  # noqa: E731
    same_both, same_pred, same_gold = pairs(joint.values()), pairs(by_pred.values()), pairs(by_gold.values())
    pp = same_both / same_pred if same_pred else 1.0
    pr = same_both / same_gold if same_gold else 1.0
    f = lambda p, r: 2 * p * r / (p + r) if p + r else 0.0  # noqa: E731
    return {"bcubed_p": bp, "bcubed_r": br, "bcubed_f1": f(bp, br), "pair_p": pp, "pair_r": pr,
            "pair_f1": f(pp, pr)}


# -- systems ---------------------------------------------------------------------------------------------------
def run_newsdesk(items: Labelled, make_clusterer: Callable | None = None, recluster: bool = True,
                 pair_model=None) -> list[Hashable]:
    """Exactly what `newsdesk cluster` does: each article streamed, then (`recluster`) the window redone with
    `pair_model` (default: the shipped pairs.json)."""
    assigner, keys = _stream(items, make_clusterer)
    if recluster:
        assigner.recluster(_counter(assigner), model=pair_model)
    return [assigner.story_of[k] for k in keys]


def _counter(assigner) -> Callable[[], int]:
    counter = iter(range(1 + max((s for s in assigner.story_of.values() if isinstance(s, int)), default=0), 1 << 62))
    return lambda: next(counter)


def _stream(items: Labelled, make_clusterer: Callable | None = None):
    """The assigner after streaming `items`, and the key of each article."""
    from newsdesk.pipeline import StoryAssigner
    from newsdesk.sources.records import article_from_record

    assigner = StoryAssigner()
    if make_clusterer is not None:
        assigner.clusterer = make_clusterer()
    counter = iter(range(1, 1 << 62))
    keys = []
    for record, _ in items:
        article = article_from_record(record)
        assigner.assign(article, lambda: next(counter))
        keys.append(article.key)
    return assigner, keys  # an id given twice (9 DUC documents sit in two stories) is one article: a copy


def run_copy_ceiling(items: Labelled) -> list[Hashable]:
    """The gold stories, except that a copy (as dedup finds it) goes where its original went. DUC 2003 puts 9
    identical documents in two stories each. Not an upper bound for systems that keep copies together: merging two
    stories that share several copies can score more (see the module's docstring)."""
    from newsdesk.sources.records import article_from_record
    from newsdesk.stages.dedup import DuplicateIndex

    copies, story_of, out = DuplicateIndex(), {}, []
    for record, gold in items:
        article = article_from_record(record)
        original = copies.add(article.key, article.text)
        story_of[article.key] = story_of[original] if original is not None else gold
        out.append(story_of[article.key])
    return out


def run_gold_join(items: Labelled) -> list[Hashable]:
    """newsdesk with its join decision replaced by the gold: an article joins the candidate story most of whose
    articles share its gold story, else starts one. What a better join decision alone could reach; the rest is
    lost to candidates never found (stories out of the time window, no shared terms) and to copies."""
    from collections import Counter

    from newsdesk.pipeline import StoryAssigner
    from newsdesk.sources.records import article_from_record
    from newsdesk.stages.cluster import StoryClusterer

    assigner = StoryAssigner()
    assigner.clusterer = clusterer = StoryClusterer(embedder=cached_embedder())
    golds: dict[Hashable, Counter] = {}
    counter = iter(range(1, 1 << 62))
    gold = None  # the current article's, set by the loop below and read by gold_decision

    def gold_decision(article, new_story):
        vec = clusterer.vectors(article)
        story = next((s for s in clusterer.candidates(vec) if golds[s].most_common(1)[0][0] == gold), None)
        story = new_story() if story is None else story
        clusterer.add(story, vec)
        return story, 1.0

    clusterer.assign = gold_decision
    out = []
    for record, gold in items:
        story, _ = assigner.assign(article_from_record(record), lambda: next(counter))
        golds.setdefault(story, Counter())[gold] += 1
        out.append(story)
    return out


def run_baseline(items: Labelled, threshold: float) -> list[int]:
    """Single pass over TF-IDF vectors: join the closest centroid when its cosine reaches `threshold`."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    texts = [f"{r.get('title') or ''}\n{r['text']}" for r, _ in items]
    x = TfidfVectorizer(stop_words="english", sublinear_tf=True).fit_transform(texts)
    gram = (x @ x.T).toarray()  # doc . centroid-sum is a sum of these, so no centroid is ever materialised
    labels = np.zeros(len(items), dtype=int)
    norm2: list[float] = []
    for i in range(len(items)):
        if i:
            dots = np.bincount(labels[:i], weights=gram[i, :i], minlength=len(norm2))
            sims = dots / np.sqrt(np.maximum(norm2, 1e-12))
            best = int(np.argmax(sims))
            if sims[best] >= threshold:
                labels[i] = best
                members = labels[:i] == best
                norm2[best] += 2 * gram[i, :i][members].sum() + gram[i, i]
                continue
        labels[i] = len(norm2)
        norm2.append(gram[i, i])
    return labels.tolist()


def baseline_threshold(sets: dict[str, Labelled]) -> float:
    """One threshold for every set: the grid value with the best mean BCubed F1 over them."""
    def mean_f1(t):
        return np.mean([scores(run_baseline(items, t), [g for _, g in items])["bcubed_f1"] for items in sets.values()])

    return max(BASELINE_THRESHOLDS, key=mean_f1)


# -- fitting the join decision ---------------------------------------------------------------------------------
class CachedEmbedder:
    """The shipped embedder, memoised on the article's text: fitting streams each set many times."""

    def __init__(self):
        from newsdesk.stages.embed import Embedder

        self.embedder, self.cache = Embedder(), {}

    def __call__(self, article):
        key = (article.title, article.text)
        if key not in self.cache:
            self.cache[key] = self.embedder(article)
        return self.cache[key]


_EMBEDDER: CachedEmbedder | None = None


def cached_embedder() -> CachedEmbedder:
    global _EMBEDDER
    if _EMBEDDER is None:
        _EMBEDDER = CachedEmbedder()
    return _EMBEDDER


def make_clusterer(model, bar):
    from newsdesk.stages.cluster import StoryClusterer

    return lambda: StoryClusterer(model, bar, embedder=cached_embedder())


def candidate_pairs(items: Labelled) -> tuple[list[list[float]], list[int]]:
    """Features of every (article, candidate story) pair met while streaming `items` into their gold stories."""
    from newsdesk.sources.records import article_from_record
    from newsdesk.stages.cluster import StoryClusterer, candidate_features

    clusterer = StoryClusterer(embedder=cached_embedder())
    xs, ys = [], []
    for record, gold in items:
        vec = clusterer.vectors(article_from_record(record))
        sids = clusterer.candidates(vec)
        xs += candidate_features(vec, [clusterer.stories[sid] for sid in sids])
        ys += [int(sid == gold) for sid in sids]
        clusterer.add(gold, vec)
    return xs, ys


JOIN_GRID = tuple(round(x, 2) for x in np.arange(0.2, 0.81, 0.1))
# Trees and their sizes were chosen on held-out halves; what else was tried: docs/design/cluster.md.
TREES = dict(max_iter=100, learning_rate=0.1, max_leaf_nodes=15, min_samples_leaf=40, l2_regularization=1.0,
             early_stopping=False)
# +1: more of it never lowers the probability of joining; -1: never raises it; 0: free.
MONOTONE = {"title": 1, "lead": 1, "names": 1, "dense": 1, "dense_max": 1, "title_max": 1, "log_gap_days": -1,
            "dense_margin": 1, "lead_margin": 1, "dense_cohesion": 1, "names_shared": 1, "names_jaccard": 1,
            "gap_capped": -1, "core_cover": 1, "core_miss": -1, "article_cover": 1, "year_lag": -1}
_PAIRS: dict = {}


# The trees are also fitted on each set streamed as if on one day (`one_day`), these pairs weighing ONE_DAY_WEIGHT
# each: in AllSides every article of a story carries the story's date and a day holds few stories, so fitted on the
# dates alone the trees learned that the same day nearly means the same story, and a busy day's feed fell apart
# (`--one-day`: AllSides 0.552, baseline 0.740). On held-out halves, dated over three feed orders / one day:
# without them .911 / .763, weight 1 .880 / .860, 0.3 .889 / .854, 0.1 .895 / .829.
ONE_DAY_WEIGHT = 0.3


def _pairs(items: Labelled) -> tuple[list[list[float]], list[int], list[float]]:
    """Candidate pairs of `items` as dated and as on one day, with the weight of each pair."""
    key = id(items)
    if key not in _PAIRS:
        x, y = candidate_pairs(items)
        x_day, y_day = candidate_pairs(one_day(items))
        pairs = (x + x_day, y + y_day, [1.0] * len(y) + [ONE_DAY_WEIGHT] * len(y_day))
        _PAIRS[key] = (items, pairs)  # the list is kept so that its id is not reused
    return _PAIRS[key][1]


def export_trees(model, features: Sequence[str]) -> dict:
    """A fitted HistGradientBoostingClassifier as the plain arrays JoinModel reads."""
    trees, depth = [], 0
    for (predictor,) in model._predictors:
        nodes = predictor.nodes
        leaf = nodes["is_leaf"].astype(bool)
        trees.append({
            "feature": [int(f) for f in nodes["feature_idx"]],
            "threshold": [float(t) for t in nodes["num_threshold"]],
            "left": [-1 if is_leaf else int(i) for is_leaf, i in zip(leaf, nodes["left"])],
            "right": [-1 if is_leaf else int(i) for is_leaf, i in zip(leaf, nodes["right"])],
            "value": [float(v) if is_leaf else 0.0 for is_leaf, v in zip(leaf, nodes["value"])],
            # where a missing value (NaN: an undated pair's gap) goes, as scikit-learn learned it
            "missing_left": [int(m) for m in nodes["missing_go_to_left"]],
        })
        depth = max(depth, int(nodes["depth"].max()))
    return {"features": list(features), "baseline": float(np.ravel(model._baseline_prediction)[0]),
            "depth": depth, "trees": trees}


def fit(sets: dict[str, Labelled], columns: Sequence[int]) -> tuple[dict, float]:
    """The join model (as join.json stores it) and the join probability with the best mean BCubed F1 over `sets`.

    Candidate pairs are mostly negatives, so the fitted probability of the best candidate is low even when it is
    the right story: the bar to join is chosen on the same sets rather than assumed to be 0.5.
    """
    from sklearn.ensemble import HistGradientBoostingClassifier

    from newsdesk.stages.cluster import FEATURES, JoinModel

    xs, ys, ws = [], [], []
    for items in sets.values():
        x, y, w = _pairs(items)
        xs += x
        ys += y
        total = sum(w) or 1.0
        ws += [v / total for v in w]  # each set weighs the same, however many candidate pairs it has
    names = [FEATURES[c] for c in columns]
    x = np.asarray(xs)[:, list(columns)]
    ws = np.asarray(ws) * len(ws) / sum(ws)
    model = HistGradientBoostingClassifier(monotonic_cst=[MONOTONE.get(n, 0) for n in names], **TREES)
    spec = export_trees(model.fit(x, ys, sample_weight=ws), names)
    join = JoinModel(spec)

    def mean_f1(bar):  # the stream's own output: re-clustering hardly depends on it
        return np.mean([scores(run_newsdesk(items, make_clusterer(join, bar), recluster=False),
                               [g for _, g in items])["bcubed_f1"] for items in sets.values()])

    return spec, max(JOIN_GRID, key=mean_f1)


def write_join_model(spec: dict, bar: float, fitted_on: str) -> Path:
    """The shipped decision, with the mean raw vector of the bundled Wikinews sample (the centring's prior)."""
    from newsdesk.sources.records import article_from_record
    from newsdesk.stages.cluster import JOIN_MODEL

    mean = np.mean([cached_embedder()(article_from_record(r)) for r, _ in load_set("wikinews", None)], axis=0)
    head = {k: v for k, v in spec.items() if k != "trees"}
    head.update(join_probability=bar, fitted_on=fitted_on, dense_mean=[round(float(v), 5) for v in mean])
    return _write_trees(JOIN_MODEL, head, spec["trees"])


def _write_trees(path: Path, head: dict, trees: list[dict]) -> Path:
    # One line per tree: the file stays readable and diffs stay small.
    body = ",\n".join("  " + json.dumps({k: [round(v, 6) if isinstance(v, float) else v for v in t[k]] for k in t})
                      for t in trees)
    text = json.dumps(head, indent=1)[:-2] + ',\n "trees": [\n' + body + "\n ]\n}\n"
    json.loads(text)
    path.write_text(text)
    return path


# -- fitting the pair classifier that re-clusters the window (stages/recluster.py) ----------------------------
CUTS = (0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.5, 0.6)
# A small window (a first build, a quiet feed) is also fitted on: random articles of each set, so that the trees
# learn what being each other's nearest means among twenty articles (little) and among a thousand (much).
SMALL_WINDOWS = (20, 50, 100, 200)
SMALL_DRAWS = 3
SMALL_WEIGHT = 0.3
ATTACH = (None, 0.05, 0.1, 0.15)  # the bar at which a cluster of one or two joins its closest (None: never)


def _window(items: Labelled):
    from newsdesk.sources.records import article_from_record
    from newsdesk.stages.cluster import terms
    from newsdesk.stages.recluster import Window

    articles = [article_from_record(r) for r, _ in items]
    return Window([terms(a) for a in articles], np.stack([cached_embedder()(a) for a in articles]))


def fit_pair_trees(sets: dict[str, Labelled]) -> dict:
    """Boosted trees over the pairs that re-clustering scores (each article's nearest: scored_pairs) in each set
    (each set weighing the same), as dated, as on one day (weighing ONE_DAY_WEIGHT, as for the stream's trees) and
    in small random windows (weighing SMALL_WEIGHT). Fitted on every pair instead, the trees spend themselves on
    pairs that are never scored: held-out halves the same (.953), in-sample DUC 2003 .919 against .962."""
    from sklearn.ensemble import HistGradientBoostingClassifier

    from newsdesk.stages.recluster import PAIR_FEATURES, PAIR_MONOTONE, scored_pairs

    xs, ys, ws = [], [], []
    rng = random.Random(SEED)
    for items in sets.values():
        variants = [(items, 1.0), (one_day(items), ONE_DAY_WEIGHT)]  # one_day re-sorts: gold comes with it
        for size in SMALL_WINDOWS:
            for _ in range(SMALL_DRAWS):
                picked = sorted(rng.sample(range(len(items)), min(size, len(items))))
                variants.append(([items[k] for k in picked], SMALL_WEIGHT / (len(SMALL_WINDOWS) * SMALL_DRAWS)))
        for variant, weight in variants:
            gold = np.array([zlib.crc32(str(g).encode()) for _, g in variant])
            i, j, x = scored_pairs(_window(variant))
            xs.append(x)
            ys.append((gold[i] == gold[j]).astype(int))
            ws.append(np.full(len(i), weight / max(1, len(i))))
    w = np.concatenate(ws)
    # a fixed seed: past 200,000 pairs the trees bin features from a random sample, and a refit should not move
    model = HistGradientBoostingClassifier(monotonic_cst=list(PAIR_MONOTONE), random_state=0, **TREES)
    model.fit(np.concatenate(xs), np.concatenate(ys), sample_weight=w * len(w) / w.sum())
    return export_trees(model, PAIR_FEATURES)


def fit_pairs(sets: dict[str, Labelled]) -> tuple[dict, dict[tuple, dict[str, float]]]:
    """The pair model fitted on all of `sets`, with the cut and attach bar that scored best on held-out halves
    (fitted on half of each set's stories, scored on the other, both ways round, through the product's own path:
    streamed, then the window re-clustered); and each setting's held-out BCubed F1 per set. They are chosen on
    held-out data because trees fitted on a set are surer of its pairs than of new ones, which moves the best cut."""
    from newsdesk.stages.cluster import _shipped
    from newsdesk.stages.recluster import PairModel, scored_pairs

    stream_model, bar, _ = _shipped()
    held_out: dict[tuple, dict[str, list[float]]] = {}
    for half in (0, 1):
        spec = fit_pair_trees({n: split_half(it, half) for n, it in sets.items()})
        for name, items in sets.items():
            test = split_half(items, 1 - half)
            assigner, keys = _stream(test, make_clusterer(stream_model, bar))
            scored = scored_pairs(assigner.window()[1])
            streamed = dict(assigner.story_of)
            for setting in itertools.product(CUTS, ATTACH):
                cut, attach = setting
                model = PairModel(dict(spec, cut=cut, attach=attach))
                assigner.recluster(_counter(assigner), model=model, scored=scored)
                s = scores([assigner.story_of[k] for k in keys], [g for _, g in test])["bcubed_f1"]
                held_out.setdefault(setting, {}).setdefault(name, []).append(s)
                assigner.story_of = dict(streamed)
    table = {c: {n: float(np.mean(v)) for n, v in by_set.items()} for c, by_set in held_out.items()}
    cut, attach = max(table, key=lambda c: np.mean(list(table[c].values())))
    return dict(fit_pair_trees(sets), cut=cut, attach=attach), table


def write_pair_model(spec: dict, fitted_on: str) -> Path:
    from newsdesk.stages.recluster import PAIR_MODEL

    head = {k: v for k, v in spec.items() if k != "trees"}
    head["fitted_on"] = fitted_on
    return _write_trees(PAIR_MODEL, head, spec["trees"])


def run_fit_pairs(args, sets: dict[str, Labelled]) -> None:
    spec, table = fit_pairs(sets)
    print(f"re-clustering: pair classifier fitted on all of {', '.join(sets)}: {len(spec['trees'])} trees; "
          f"cut {spec['cut']} and attach {spec['attach']}, chosen on held-out halves (BCubed F1 by cut and attach, "
          f"{' / '.join(sets)}):")
    for (cut, attach), by_set in table.items():
        print(f"  cut {cut:<5} attach {str(attach):<5} " + " / ".join(f"{v:.3f}" for v in by_set.values())
              + f"  mean {np.mean(list(by_set.values())):.3f}")
    if args.write:
        print(f"  written to {write_pair_model(spec, ', '.join(sets))}")


def run_fit(args, sets: dict[str, Labelled]) -> int:
    from newsdesk.stages.cluster import FEATURES, JoinModel, load_join_model

    run_fit_pairs(args, sets)
    if args.pairs_only:
        return 0
    all_columns = list(range(len(FEATURES)))
    spec, bar = fit(sets, all_columns)
    print(f"fitted on all of {', '.join(sets)} ({sum(map(len, sets.values()))} articles): {len(spec['trees'])} "
          f"trees, depth <= {spec['depth']}, join probability {bar:.2f}")
    if args.write:
        print(f"  written to {write_join_model(spec, bar, ', '.join(sets))}")

    def check(title: str, folds: list[tuple[dict[str, Labelled], dict[str, Labelled]]]) -> None:
        """Fit on each fold's first sets, score its second ones, beside the baseline chosen on the same data."""
        print(f"\n{title}")
        print(HEADER)
        mean: dict[str, dict[str, list[float]]] = {"stream": {}, "baseline": {}}
        for fit_on, score_on in folds:
            fold_spec, fold_bar = fit(fit_on, all_columns)
            t = baseline_threshold(fit_on)
            for name, items in score_on.items():
                gold = [g for _, g in items]
                for system, key, pred in (
                        (f"stream p>={fold_bar:.2f}", "stream",
                         run_newsdesk(items, make_clusterer(JoinModel(fold_spec), fold_bar), recluster=False)),
                        (f"baseline t={t:.2f}", "baseline", run_baseline(items, t))):
                    s = scores(pred, gold)
                    mean[key].setdefault(name, []).append(s["bcubed_f1"])
                    print(_row(name, system, len(items), s, 0.0), flush=True)
        for key, by_set in mean.items():
            per_set = {name: np.mean(v) for name, v in by_set.items()}
            print(f"BCubed F1 {key}: " + " / ".join(f"{n} {v:.3f}" for n, v in per_set.items())
                  + f" (mean {np.mean(list(per_set.values())):.3f})")

    halves = [({n: split_half(it, h) for n, it in sets.items()}, {n: split_half(it, 1 - h) for n, it in sets.items()})
              for h in (0, 1)]
    check("held-out halves: fitted on half of each set's stories (ECB+: of its topics), scored on the other half, "
          "both ways round:", halves)
    if len(sets) > 1:
        check("leave one set out: fitted on the other sets, scored on it:",
              [({n: it for n, it in sets.items() if n != out}, {out: sets[out]}) for out in sets])

    if args.ablate:
        fit_half, check_half = halves[0]
        model, b = fit(fit_half, all_columns)
        print("\nablation: fitted on the first halves, scored on the second:")
        current, current_bar, _ = load_join_model()
        systems = {
            "stream, all features": lambda items: run_newsdesk(items, make_clusterer(JoinModel(model), b), False),
            "stream, shipped join.json": lambda items: run_newsdesk(items, make_clusterer(current, current_bar),
                                                                    False),
        }
        for left_out, feature in enumerate(FEATURES):
            if feature == "no_date":
                continue  # only meaningful together with the gap: "without log_gap_days" drops both
            columns = [k for k in all_columns
                       if k != left_out and not (feature == "log_gap_days" and FEATURES[k] == "no_date")]
            m2, b2 = fit(fit_half, columns)
            systems[f"without {feature}"] = (
                lambda items, m2=m2, b2=b2: run_newsdesk(items, make_clusterer(JoinModel(m2), b2), False))
        _evaluate(check_half, systems)
    return 0


# -- report ----------------------------------------------------------------------------------------------------
def _row(name: str, system: str, n: int, s: dict, seconds: float) -> str:
    return (f"{name:<10} {n:>5}  {system:<34} {s['bcubed_p']:.3f}  {s['bcubed_r']:.3f}  {s['bcubed_f1']:.3f}  "
            f"{s['pair_f1']:.3f}  {seconds:6.1f}s")


HEADER = f"{'set':<10} {'docs':>5}  {'system':<34} {'B3-P':<5}  {'B3-R':<5}  {'B3-F1':<5}  {'pairF1':<6}  time"


def _evaluate(sets: dict[str, Labelled], systems: dict[str, Callable[[Labelled], list]], orders: int = 1) -> dict:
    """Scores of each system on each set; over several feed orders, the mean (and BCubed F1's range)."""
    print(HEADER + ("  B3-F1 range over orders" if orders > 1 else ""))
    results: dict = {}
    for name, items in sets.items():
        gold = [g for _, g in items]
        # order 0 is the one every other figure uses; the others reshuffle ties and undated articles
        feeds = [items] + [feed_order(items, seed) for seed in range(1, orders)]
        for system, runner in systems.items():
            started = time.perf_counter()
            runs = [scores(runner(feed), [g for _, g in feed]) for feed in feeds]
            s = {k: float(np.mean([r[k] for r in runs])) for k in runs[0]}
            results[(name, system)] = s
            spread = [r["bcubed_f1"] for r in runs]
            extra = f"  {min(spread):.3f}-{max(spread):.3f}" if orders > 1 else ""
            print(_row(name, system, len(gold), s, (time.perf_counter() - started) / orders) + extra, flush=True)
    means = {system: np.mean([results[(n, system)]["bcubed_f1"] for n in sets]) for system in systems}
    print("mean BCubed F1: " + ", ".join(f"{k} {v:.3f}" for k, v in means.items()))
    return results


def run(args) -> int:
    names = [s.strip() for s in args.sets.split(",") if s.strip()]
    sets: dict[str, Labelled] = {}
    for name in names:
        if name not in SETS:
            print(f"newsdesk eval cluster: unknown set {name!r} (choose from {', '.join(SETS)})")
            return 2
        path = getattr(args, name, None) or args.data / FILES[name]
        if name != "wikinews" and not path.exists():
            print(f"newsdesk eval cluster: {path} not found (give --data or --{name})")
            return 2
        sets[name] = load_set(name, path)
    if args.one_day:
        print(f"every dated article re-dated to {ONE_DAY}")
        sets = {name: one_day(items) for name, items in sets.items()}

    if not args.fit:
        threshold = baseline_threshold(sets)
        systems = {
            "newsdesk": lambda items: run_newsdesk(items),
            "newsdesk, stream only": lambda items: run_newsdesk(items, recluster=False),
            f"baseline tf-idf single pass t={threshold:.2f}": lambda items: run_baseline(items, threshold),
        }
        if not args.no_ceilings:
            systems["reference: stream, gold joins"] = run_gold_join
            systems["gold, copies with their first"] = run_copy_ceiling
        _evaluate(sets, systems, orders=max(1, args.orders))
        return 0

    return run_fit(args, sets)
