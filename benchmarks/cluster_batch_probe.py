"""Probe: story clustering as a batch over a window, beside the streaming clusterer, both refitted on held-out
halves in one run. What it found is now shipped (stages/recluster.py, which adds small windows to the fitting and
an attach step, and chooses its cut on held-out halves rather than on the fitting half as here); the probe stays for
its variants (--with-stream, --one-day, --knn, --window).

The question it answers: how much do the streaming clusterer's own limits (one pass, decisions never revisited,
an article compared with story summaries) cost, against clustering the same articles all at once? The batch
system here is the usual one for cross-document event clustering: a classifier of article *pairs* (boosted
trees over the cosines of title, lead, names and dense vectors, shared names, the day and year gaps and the text
lengths: the same signals the streaming clusterer reads) and average-link agglomerative clustering of its
probabilities, cut at one probability for all sets. Pairs further apart than `--window` days count as unrelated,
and with `--knn K` only pairs an index would propose (each article's K nearest by dense vector and by lead
cosine) are scored, the rest count as unrelated: what a periodic re-clustering of the window could afford.
With `--with-stream W` each pair's probability is averaged with the streaming clusterer's verdict on it (1 if it
put the two in one story), weighing W: the batch step as a repair of the stream rather than a replacement.

Both systems are fitted on one half of each set's stories (eval/cluster.py `split_half`, ECB+ by topic) and
scored on the other, both ways round (`--in-sample`: on the whole sets), the streaming one exactly as
benchmarks/fit_cluster.py fits it; the pair classifier, like the trees, also on the sets as if on one day.
About 3 minutes.

    .venv/bin/python benchmarks/cluster_batch_probe.py [--window 45] [--knn 10] [--with-stream W] [--one-day]
        [--in-sample]
"""
from __future__ import annotations

import argparse
import math
import time

import fit_cluster as fc
import numpy as np

from newsdesk.eval import cluster as ev
from newsdesk.stages import cluster as cl
from newsdesk.stages import recluster as rc
from newsdesk.stages.recluster import PAIR_FEATURES, PAIR_MONOTONE

SETS = ("ecbplus", "allsides", "duc2003")
CUTS = (0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.5, 0.6, 0.7)


def pair_features(items: ev.Labelled) -> np.ndarray:
    """(n, n, len(PAIR_FEATURES)) for the articles of `items`, as the product's re-clustering computes them."""
    i, j, x = rc.scored_pairs(fc.window(items), knn=0, window_days=math.inf)
    f = np.zeros((len(items), len(items), len(PAIR_FEATURES)))
    f[i, j] = x
    f[j, i] = x
    return f


def fit_pairs(batches: list[tuple[np.ndarray, list, float]]):
    """Pair classifier over every pair of each batch, each batch weighing its given share."""
    from sklearn.ensemble import HistGradientBoostingClassifier

    xs, ys, ws = [], [], []
    for f, gold, weight in batches:
        g = np.array([hash(x) for x in gold])
        upper = np.triu_indices(len(g), 1)
        xs.append(f[upper])
        ys.append((g[:, None] == g[None, :])[upper].astype(int))
        ws.append(np.full(len(ys[-1]), weight / len(ys[-1])))
    w = np.concatenate(ws)
    model = HistGradientBoostingClassifier(**fc.TREES, monotonic_cst=list(PAIR_MONOTONE))
    return model.fit(np.concatenate(xs), np.concatenate(ys), sample_weight=w * len(w) / w.sum())


def probabilities(model, f: np.ndarray, window: float, knn: int) -> np.ndarray:
    n = len(f)
    p = model.predict_proba(f.reshape(n * n, -1))[:, 1].reshape(n, n)
    p = (p + p.T) / 2
    if window:
        gap = np.expm1(f[:, :, PAIR_FEATURES.index("log_gap_days")])
        p = np.where(np.isnan(gap) | (gap <= window), p, 0.0)
    if knn:
        keep = np.zeros((n, n), bool)
        for column in (PAIR_FEATURES.index("dense"), PAIR_FEATURES.index("lead")):
            s = f[:, :, column].copy()
            np.fill_diagonal(s, -np.inf)
            nearest = np.argsort(-s, axis=1)[:, :knn]
            keep[np.repeat(np.arange(n), nearest.shape[1]), nearest.ravel()] = True
        p = np.where(keep | keep.T, p, 0.0)
    return p


def with_stream(p: np.ndarray, stories: list, weight: float) -> np.ndarray:
    same = np.array([hash(s) for s in stories])
    return (1 - weight) * p + weight * (same[:, None] == same[None, :])


def average_link(p: np.ndarray, cut: float) -> list[int]:
    from scipy.cluster.hierarchy import fcluster, linkage
    from scipy.spatial.distance import squareform

    d = 1.0 - p
    np.fill_diagonal(d, 0.0)
    return list(fcluster(linkage(squareform(d, checks=False), method="average"), t=1.0 - cut, criterion="distance"))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--window", type=float, default=45.0, help="days; pairs further apart count as unrelated")
    ap.add_argument("--knn", type=int, default=10, help="score only each article's K nearest (0: every pair)")
    ap.add_argument("--one-day", action="store_true", help="score on the sets re-dated to one day (a busy day)")
    ap.add_argument("--one-day-weight", type=float, default=fc.ONE_DAY_WEIGHT,
                    help="weight of the one-day pairs in fitting the pair classifier (the trees use "
                         f"{fc.ONE_DAY_WEIGHT})")
    ap.add_argument("--with-stream", type=float, default=0.0, metavar="W",
                    help="average each pair's probability with the streaming clusterer's verdict (1 same story, 0 "
                         "not), the latter weighing W: the batch step as a repair of the stream")
    ap.add_argument("--in-sample", action="store_true",
                    help="fit on the whole of each set and score on it (as `newsdesk eval cluster` scores)")
    args = ap.parse_args()
    sets = {n: ev.load_set(n, ev.DEFAULT_DATA / ev.FILES[n]) for n in SETS}
    start = time.time()
    scores: dict[tuple[str, str], list[float]] = {}
    cuts: list[float] = []
    for half in ((None,) if args.in_sample else (0, 1)):
        fit_on = {n: items if half is None else ev.split_half(items, half) for n, items in sets.items()}
        test = {n: items if half is None else ev.split_half(items, 1 - half) for n, items in sets.items()}
        if args.one_day:
            test = {n: ev.one_day(items) for n, items in test.items()}
        # the shipped streaming clusterer, refitted as benchmarks/fit_cluster.py fits it
        spec, bar = fc.fit(fit_on, list(range(len(cl.FEATURES))))
        streamed = {}
        for n, items in test.items():
            pred = streamed[n] = ev.run_newsdesk(items, ev.make_clusterer(cl.JoinModel(spec), bar), recluster=False)
            scores.setdefault((n, "streaming (refitted)"), []).append(
                ev.scores(pred, [g for _, g in items])["bcubed_f1"])
        # batch: the pair classifier fitted, like the trees, on the sets as dated and as on one day
        train = {n: pair_features(items) for n, items in fit_on.items()}
        batches = [(train[n], [g for _, g in fit_on[n]], 1.0) for n in SETS]
        if args.one_day_weight:
            for n in SETS:
                day = ev.one_day(fit_on[n])  # re-sorted: its gold comes with it
                batches.append((pair_features(day), [g for _, g in day], args.one_day_weight))
        model = fit_pairs(batches)
        fitted = fitted_p = {n: probabilities(model, train[n], args.window, args.knn) for n in SETS}
        w = args.with_stream
        if w:
            fit_stream = {n: streamed[n] if test[n] is fit_on[n] else  # in-sample: streamed already
                          ev.run_newsdesk(fit_on[n], ev.make_clusterer(cl.JoinModel(spec), bar), recluster=False)
                          for n in SETS}
            fitted = {n: with_stream(fitted[n], fit_stream[n], w) for n in SETS}

        def mean_f1(cut: float) -> float:
            return float(np.mean([ev.scores(average_link(fitted[n], cut), [g for _, g in fit_on[n]])["bcubed_f1"]
                                  for n in SETS]))

        cut = max(CUTS, key=mean_f1)
        cuts.append(cut)
        for n, items in test.items():
            p = fitted_p[n] if items is fit_on[n] else probabilities(model, pair_features(items), args.window, args.knn)
            pred = average_link(with_stream(p, streamed[n], w) if w else p, cut)
            scores.setdefault((n, "batch average-link"), []).append(ev.scores(pred, [g for _, g in items])["bcubed_f1"])
    how = ("in-sample (fitted on each whole set, scored on it)" if args.in_sample else
           "held-out halves (fitted on one half of each set's stories, scored on the other, both ways)")
    print(f"{how}, BCubed F1{', on one day' if args.one_day else ''}; window {args.window:g} days, knn {args.knn}")
    print(f"{'system':32} " + " ".join(f"{n:>9}" for n in SETS) + "      mean")
    for system in dict.fromkeys(s for _, s in scores):
        row = [float(np.mean(scores[(n, system)])) for n in SETS]
        label = system + (f" (cut {'/'.join(str(c) for c in cuts)})" if system.startswith("batch") else "")
        print(f"{label:32} " + " ".join(f"{v:9.3f}" for v in row) + f" {np.mean(row):9.3f}")
    print(f"{time.time() - start:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
