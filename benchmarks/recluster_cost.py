"""Cost of re-clustering the window (stages/recluster.py) as the window grows, beside scoring every pair.

    .venv/bin/python benchmarks/recluster_cost.py [--data ../shared/data] [--sizes 1000,2500,5000]
        [--baseline-max 2500]

The window is the newest N articles of the replayed stream of benchmarks/cluster_cost.py (real articles of the
development sets and the Wikinews sample, replayed with shifted dates and renamed people and places). Timed: one
`recluster` of the window (pairs found and their features, the pair classifier, the average link), from the term
counts and raw dense vectors the stream already computed, as `build` and `newsdesk cluster` call it; per article
is that time over N, the cost a build adds for each article of its window. The baseline scores every pair of the
window within the time window and clusters them with scipy's average link, which needs the dense matrix of all
pairs; it runs up to --baseline-max articles. Memory: the peak resident set of a fresh process for each run.
"""
from __future__ import annotations

import argparse
import multiprocessing
import resource
import time
from pathlib import Path

import numpy as np

from _common import pool, stream

from newsdesk.eval.cluster import DEFAULT_DATA
from newsdesk.stages.cluster import terms
from newsdesk.stages.embed import Embedder
from newsdesk.stages.recluster import Window, recluster, scored_pairs, shipped_pair_model


def _window(data: Path, n: int) -> Window:
    articles = list(stream(pool(data), n))
    embed = Embedder()
    return Window([terms(a) for a in articles], np.stack([embed(a) for a in articles]))


def _every_pair(window: Window) -> list[int]:
    from scipy.cluster.hierarchy import fcluster, linkage

    model = shipped_pair_model()
    i, j, x = scored_pairs(window, knn=0)
    n = len(window)
    # condensed distance vector, in scipy's order: pair (i, j), i < j, at n*i - i*(i+1)/2 + j - i - 1
    d = np.ones(n * (n - 1) // 2)
    d[n * i - i * (i + 1) // 2 + j - i - 1] = 1.0 - model.probabilities(x)
    return list(fcluster(linkage(d, method="average"), t=1.0 - model.cut, criterion="distance"))


def _run(args: tuple) -> tuple[float, float, int]:
    data, n, system = args
    window = _window(data, n)
    started = time.perf_counter()
    clusters = recluster(window) if system == "newsdesk" else _every_pair(window)
    seconds = time.perf_counter() - started
    return seconds, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, len(set(clusters))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--sizes", default="1000,2500,5000")
    ap.add_argument("--baseline-max", type=int, default=2500)
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    print(f"{'window':>7}  {'system':<28} {'seconds':>8} {'ms/article':>10} {'peak MB':>8} {'stories':>8}")
    ctx = multiprocessing.get_context("spawn")
    for n in sizes:
        systems = ["newsdesk"] + (["every pair + scipy"] if n <= args.baseline_max else [])
        for system in systems:
            with ctx.Pool(1) as p:  # a fresh process: its peak memory is this run's alone
                seconds, peak, stories = p.apply(_run, ((args.data, n, system),))
            print(f"{n:>7}  {system:<28} {seconds:8.2f} {1000 * seconds / n:10.2f} {peak:8.0f} {stories:8d}",
                  flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
