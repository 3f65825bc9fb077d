"""`newsdesk eval cluster`: BCubed and pairwise scores of story clustering, beside a plain TF-IDF single pass.

Articles go, in date order, through the same code path as `newsdesk cluster` (JSON record -> Article ->
StoryAssigner: dedup, then the streaming clusterer; at the end of the input the window is re-clustered,
stages/recluster.py); the row "newsdesk, stream only" leaves out the re-clustering. ECB+ has no dates: its
articles are ordered by the date in their URL or, failing that, the date printed atop the text (`text_date`) where
there is one, the undated ones first; undated articles and ties in date (every AllSides story shares one date) are
fed in a fixed shuffled order, so that no set is fed grouped by its gold stories.

Sets: ecbplus, allsides, duc2003 (the development targets, the default), wikinews (the bundled demo sample:
ten topics that each run for months or years; not fitted on) and multinews (Multi-News' 200 summarization
clusters as clustering data: 200 events, 570 undated, untitled articles from different outlets).

The baseline is the plain single-pass clusterer: TF-IDF (title + text, fitted on the whole set, which
only helps it) and cosine to story centroids, with one threshold for all sets, the best of a grid on these sets.

Two reference rows follow (`--no-ceilings` leaves them out): the stream's own candidate stories with every join
decided by the gold, which bounds what a better join decision alone could give the stream, and the gold itself
with each copy sent where its first copy went (DUC 2003 files 9 identical documents under two stories each). The
second is not a bound: a system may score more by putting two stories that share copies in one (DUC's d30025t and
d30048t share four). `--orders N` scores every system over N feed orders (ties and undated articles reshuffled):
the stream's figure moves by about 0.01-0.02 BCubed F1 with the order alone. `--one-day` re-dates every dated
article to one day first: a busy day's feed, on which the date tells no story from another.

The join decision (newsdesk/data/cluster/join.json) and the pair classifier that re-clusters the window
(pairs.json) are fitted by benchmarks/fit_cluster.py, outside the installed package, on these same sets and
through the functions below.
"""
from __future__ import annotations

import json
import random
import time
import zlib
from pathlib import Path
from typing import Callable, Hashable, Iterable, Sequence

import numpy as np

REPO = Path(__file__).resolve().parents[2]
DEFAULT_DATA = REPO.parent / "shared" / "data"
SETS = ("ecbplus", "allsides", "duc2003", "wikinews", "multinews")
FILES = {
    "ecbplus": "clustering/ecbplus_docs.jsonl",
    "allsides": "clustering/allsides_dev_articles.jsonl",
    "duc2003": "summarization/duc2003_task2.jsonl",
    "wikinews": "summarization/multiling2011_en.jsonl",  # also bundled: the demo sample (10 long-running stories)
    "multinews": "summarization/multinews200.jsonl",  # 200 events, 2-9 articles each from different outlets
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
    elif name == "multinews":
        # undated and untitled; the texts mark their paragraph breaks with the token NEWLINE_CHAR
        for c in _read(path):
            for k, d in enumerate(c["docs"]):
                text = "\n".join(p.strip() for p in d["text"].split("NEWLINE_CHAR") if p.strip())
                items.append(({"id": f"{c['cluster_id'][:12]}-{k}", "title": d.get("title") or "", "text": text},
                              c["cluster_id"]))
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
    assigner, keys = stream(items, make_clusterer)
    if recluster:
        assigner.recluster(story_counter(assigner), model=pair_model)
    return [assigner.story_of[k] for k in keys]


def story_counter(assigner) -> Callable[[], int]:
    counter = iter(range(1 + max((s for s in assigner.story_of.values() if isinstance(s, int)), default=0), 1 << 62))
    return lambda: next(counter)


def stream(items: Labelled, make_clusterer: Callable | None = None):
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


# -- the shipped embedder, memoised -------------------------------------------------------------------------------
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


# -- report ----------------------------------------------------------------------------------------------------
def row(name: str, system: str, n: int, s: dict, seconds: float) -> str:
    return (f"{name:<10} {n:>5}  {system:<34} {s['bcubed_p']:.3f}  {s['bcubed_r']:.3f}  {s['bcubed_f1']:.3f}  "
            f"{s['pair_f1']:.3f}  {seconds:6.1f}s")


HEADER = f"{'set':<10} {'docs':>5}  {'system':<34} {'B3-P':<5}  {'B3-R':<5}  {'B3-F1':<5}  {'pairF1':<6}  time"


def evaluate(sets: dict[str, Labelled], systems: dict[str, Callable[[Labelled], list]], orders: int = 1) -> dict:
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
            print(row(name, system, len(gold), s, (time.perf_counter() - started) / orders) + extra, flush=True)
    means = {system: np.mean([results[(n, system)]["bcubed_f1"] for n in sets]) for system in systems}
    print("mean BCubed F1: " + ", ".join(f"{k} {v:.3f}" for k, v in means.items()))
    return results


def load_sets(args, command: str = "newsdesk eval cluster") -> dict[str, Labelled] | None:
    """The sets `args` names (`data`, `ecbplus`, `allsides`, `duc2003`, `sets`, `one_day`), in feed order (re-dated with --one-day); None, with the reason
    printed, when a set is unknown or its file missing."""
    names = [s.strip() for s in args.sets.split(",") if s.strip()]
    sets: dict[str, Labelled] = {}
    for name in names:
        if name not in SETS:
            print(f"{command}: unknown set {name!r} (choose from {', '.join(SETS)})")
            return None
        path = getattr(args, name, None) or args.data / FILES[name]
        if name != "wikinews" and not path.exists():
            print(f"{command}: {path} not found (give --data or --{name})")
            return None
        sets[name] = load_set(name, path)
    if args.one_day:
        print(f"every dated article re-dated to {ONE_DAY}")
        sets = {name: one_day(items) for name, items in sets.items()}
    return sets


def run(args) -> int:
    sets = load_sets(args)
    if sets is None:
        return 2
    threshold = baseline_threshold(sets)
    systems = {
        "newsdesk": lambda items: run_newsdesk(items),
        "newsdesk, stream only": lambda items: run_newsdesk(items, recluster=False),
        f"baseline tf-idf single pass t={threshold:.2f}": lambda items: run_baseline(items, threshold),
    }
    if not args.no_ceilings:
        systems["reference: stream, gold joins"] = run_gold_join
        systems["gold, copies with their first"] = run_copy_ceiling
    evaluate(sets, systems, orders=max(1, args.orders))
    return 0
