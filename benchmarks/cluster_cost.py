"""Cost of story assignment as the corpus grows to 1k, 10k and 100k articles, beside an exhaustive baseline.

    .venv/bin/python benchmarks/cluster_cost.py [--data ../shared/data] [--sizes 1000,10000,100000]

The stream replays real articles over and over: those of the development sets (ECB+, AllSides, DUC 2003) and the
bundled Wikinews sample, 2,236 in all. One replay is laid out in its own date order over 10 simulated days (about
224 articles a day); replay k is shifted by 10*k days, and every capitalised word in it gets a suffix naming k
("Lohan" -> "Lohanqb"), so that each replay reads as new events of the same kinds (new people and places, the
same vocabulary) instead of repeating the stories of the previous one.

For each size N, the times are those of the last 1,000 assignments before the store reaches N articles
(`StoryClusterer.assign`: vectors, candidates, decision, update; dedup is a separate stage and not timed). The
assignment time includes the article's dense embedding (static model, `newsdesk/stages/embed.py`); the `embed`
columns show that part alone, which does not depend on the corpus size. An article over `OVERLAP_CHARS` is embedded on
a second thread while its terms are counted (the machine has two cores), so for those the columns overlap.
Memory is the growth of the resident set of the process running the stream (Linux /proc), one process per run.

The baseline is the single pass without a window or posting caps: every story sharing any term with the article
is compared (exact cosine to each centroid). It runs up to --baseline-max articles (default 5,000) to keep the
run bounded; its cost grows with the number of stories, so a 100k run would take hours.
"""
from __future__ import annotations

import argparse
import math
import multiprocessing
import resource
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

from _common import REPLAY_DAYS, pool, stream

from newsdesk.eval.cluster import DEFAULT_DATA
from newsdesk.models import Article
from newsdesk.stages.cluster import StoryClusterer, terms

WINDOW = 1000


class ExhaustiveBaseline:
    """TF-IDF (online IDF) single pass; every story sharing a term is scored: no window, no caps."""

    def __init__(self, threshold: float = 0.2):
        self.threshold = threshold
        self.df: Counter = Counter()
        self.n = 0
        self.centroids: dict[int, dict[str, float]] = {}
        self.postings: dict[str, set[int]] = {}

    def assign(self, article: Article, new_story) -> int:
        t = terms(article)
        counts = t.title + t.lead
        vec = {w: (1 + math.log(c)) * math.log((self.n + 2) / (self.df[w] + 1)) for w, c in counts.items()}
        length = math.sqrt(sum(v * v for v in vec.values())) or 1.0
        vec = {w: v / length for w, v in vec.items()}
        candidates = set().union(*(self.postings.get(w, ()) for w in vec))
        best, best_sim = None, self.threshold
        for sid in candidates:
            c = self.centroids[sid]
            sim = sum(v * c.get(w, 0.0) for w, v in vec.items()) / (math.sqrt(sum(x * x for x in c.values())) or 1)
            if sim >= best_sim:
                best, best_sim = sid, sim
        if best is None:
            best = new_story()
            self.centroids[best] = {}
        c = self.centroids[best]
        for w, v in vec.items():
            c[w] = c.get(w, 0.0) + v
            self.postings.setdefault(w, set()).add(best)
        self.n += 1
        self.df.update(vec.keys())
        return best


def rss_mb() -> float:
    """Current resident set (not the peak: the two runs share one process)."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize() / 2**20


class TimedEmbedder:
    """Wraps the clusterer's embedder to time its share of each assignment."""

    def __init__(self, embedder):
        self.embedder, self.last = embedder, 0.0

    def __call__(self, article):
        t0 = time.perf_counter()
        vec = self.embedder(article)
        self.last = time.perf_counter() - t0
        return vec


def _p95(times: list[float]) -> float:
    recent = sorted(times[-WINDOW:])
    return recent[int(0.95 * (len(recent) - 1))]


def measure(name: str, make, base: list[Article], sizes: list[int]) -> None:
    clusterer = make()
    timed = None
    if getattr(clusterer, "embedder", None) is not None:
        timed = clusterer.embedder = TimedEmbedder(clusterer.embedder)
    counter = iter(range(1 << 62))
    times: list[float] = []
    embed_times: list[float] = []
    start_rss = rss_mb()
    started = time.perf_counter()
    for i, article in enumerate(stream(base, max(sizes)), start=1):
        t0 = time.perf_counter()
        clusterer.assign(article, lambda: next(counter))
        times.append(time.perf_counter() - t0)
        if timed is not None:
            embed_times.append(timed.last)
        if i in sizes:
            recent = sorted(times[-WINDOW:])
            embed = (f"  (embed median {statistics.median(embed_times[-WINDOW:]) * 1000:5.2f} ms"
                     f" p95 {_p95(embed_times) * 1000:5.2f} ms)") if embed_times else ""
            print(f"{name:<34} {i:>7}  median {statistics.median(recent) * 1000:6.2f} ms  p95 {_p95(times) * 1000:6.2f} ms"
                  f"{embed}  memory +{rss_mb() - start_rss:6.0f} MB  ({time.perf_counter() - started:5.0f} s so far)",
                  flush=True)
            times, embed_times = [], []


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", type=Path, default=DEFAULT_DATA)
    p.add_argument("--sizes", default="1000,10000,100000")
    p.add_argument("--baseline-max", type=int, default=5000, help="stop the baseline here (default 5,000)")
    args = p.parse_args(argv)
    sizes = sorted(int(s) for s in args.sizes.split(","))
    base = pool(args.data)
    print(f"replaying {len(base)} articles, {REPLAY_DAYS} simulated days per replay; "
          f"times over the last {WINDOW} assignments before each size")
    runs = [("newsdesk", StoryClusterer, sizes),
            ("baseline (exhaustive single pass)", ExhaustiveBaseline,
             sorted({s for s in sizes if s < args.baseline_max} | {args.baseline_max}))]
    for name, make, at in runs:
        # Each run in its own forked process, so that one's freed memory does not blur the other's figure.
        child = multiprocessing.get_context("fork").Process(target=measure, args=(name, make, base, at))
        child.start()
        child.join()
    return 0


if __name__ == "__main__":
    sys.exit(main())
