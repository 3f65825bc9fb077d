"""Leave-one-set-out for story clustering: how the re-clustering does on a kind of news it was never fitted on.

    python benchmarks/loso.py [--sets ecbplus,allsides,duc2003,multinews,wikinews]
                              [--fit-sets ecbplus,allsides,duc2003,multinews]
                              [--variants base,rel,relonly,reg,relreg,relonlyreg,short,relshort]
                              [--cuts 0.1,...] [--no-halves]
                              [--drop FEATURE,...] [--trees key=value,...] [--free] [--data DIR]

One table, one run: for each set, BCubed F1 of
- shipped: the shipped models (join.json, pairs.json) on the whole set, what `newsdesk eval cluster` prints
  (in-sample for ECB+, AllSides and DUC 2003, which they were fitted on; held out for the others);
- halves: the pair classifier refitted on half of each fitting set's stories (ECB+: of its topics), scored on the
  other half, both ways round, the cut and attach bar chosen on those held-out halves (as fit_cluster.py does);
- leave one set out: the pair classifier fitted on all the other fitting sets, its cut and attach bar chosen by
  leave-one-set-out among those others (fitted on all but one of them, scored on that one, for each), scored on
  the set left out: nothing of the set scored was seen by any choice;
- the TF-IDF single-pass baseline, its threshold chosen on the other sets (the best mean BCubed F1 over them);
and the means, over the three development sets and over all.

Sets: the clustering sets (ECB+, AllSides), DUC 2003's documents, and the summarization sets' clusters as
clustering data: Multi-News' 200 events (undated, untitled, from different outlets) and MultiLing 2011's ten
Wikinews topics (`wikinews`, the bundled sample: topics that run for years, not events; scored, not fitted on
unless --fit-sets names it: a set not fitted on is scored by the trees fitted on all the fitting sets). Only the re-clustering's
pair classifier is refitted: the re-clustering starts from single articles, so the stream's join model (the
shipped one streams every set, for the window and its copies) does not change what it finds.

The last lines print, for the pair classifier refitted on all the fitting sets, the cut and attach bar that
leave-one-set-out chooses over them (the setting `--write`-worthy models should ship with) and its in-sample
figures. Options try what might generalise better: `--drop` fits without some PAIR_FEATURES, `--trees` changes
the boosted trees' settings (fit_cluster.TREES), `--free` lifts the monotonic constraints; `--variants` fits and
scores several variants (VARIANTS: feature sets, tree settings, fits on leads) side by side in one run, each also
with the cut and attach bar chosen on the left-out set itself, without its gold, by the most link silhouette or
modularity of its clusters (recluster.link_silhouette, link_modularity: what the running system could compute on
its window), or by silhouette kept near the fitted setting: `margin` keeps the setting chosen in the fold unless the
left-out set's best silhouette beats its own by more than the most any fitting set gains with the fold's trees
(recluster.PairModel's choose margin, fit_cluster.choose_margin), `floor` takes the most silhouette among cuts at
or above the fold's; and the in-sample and held-out-halves figures with the silhouette's choice (in-sample also
with margin and floor).
"""
from __future__ import annotations

import argparse
import random
import sys
import time
import zlib
from pathlib import Path

import numpy as np

sys.path[:0] = [str(Path(__file__).resolve().parents[1]), str(Path(__file__).resolve().parent)]  # this checkout first

from fit_cluster import (ATTACH, CUTS, ONE_DAY_WEIGHT, SMALL_DRAWS, SMALL_WEIGHT, SMALL_WINDOWS, TREES,  # noqa: E402
                         export_trees, window)
from newsdesk.eval.cluster import (BASELINE_THRESHOLDS, DEFAULT_DATA, FILES, SEED, SETS, Labelled,  # noqa: E402
                                   load_set, make_clusterer, one_day, run_baseline, scores, split_half, stream)

DEVELOPMENT = ("ecbplus", "allsides", "duc2003")
NAMES = {"ecbplus": "ECB+", "allsides": "AllSides", "duc2003": "DUC 2003", "multinews": "Multi-News",
         "wikinews": "MultiLing"}
GRID = [(c, a) for c in CUTS for a in ATTACH]
CRITERIA: dict = {}  # filled by main: the unsupervised criteria of a window's clusters
# Variants fitted and scored side by side in one run (--variants): features dropped from or added to the default
# PAIR_FEATURES of the shipped pairs.json, and tree settings over fit_cluster.TREES.
RAW = ("title", "lead", "names", "dense", "names_shared")
RELATIVE = ("title_z", "lead_z", "names_z", "dense_z", "names_overlap")
VARIANTS = {
    "base": dict(drop=RELATIVE),  # what pairs.json is fitted on
    "rel": dict(drop=()),  # plus the corpus-relative features
    "relonly": dict(drop=RAW),  # the raw similarities replaced by the corpus-relative ones
    "reg": dict(drop=RELATIVE, trees=dict(min_samples_leaf=200, l2_regularization=10.0)),
    "relreg": dict(drop=(), trees=dict(min_samples_leaf=200, l2_regularization=10.0)),
    "relonlyreg": dict(drop=RAW, trees=dict(min_samples_leaf=200, l2_regularization=10.0)),
    "short": dict(drop=RELATIVE, short=1.0),  # also fitted on every set cut to leads
    "relshort": dict(drop=(), short=1.0),
}
SHORT_WORDS = 90  # AllSides' leads: 89-95 words (10th-90th percentile)


def _criteria():
    from newsdesk.stages.recluster import link_modularity, link_silhouette

    return {"silhouette": link_silhouette, "modularity": link_modularity}


class Part:
    """One set or half of one: its articles, the pairs the trees are fitted on, and the streamed window scored."""

    def __init__(self, name: str, items: Labelled):
        self.name, self.items = name, items
        self._train = self._scoring = self._short = None

    def train(self) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
        """(features, same story, weight) of the pairs re-clustering scores, as fit_cluster.fit_pair_trees takes
        them: as dated, as on one day and in small random windows (drawn with a seed of this set's own, so that a
        set's pairs do not depend on the sets fitted beside it); the set's weights sum to 1 + the variants'."""
        if self._train is None:
            from newsdesk.stages.recluster import scored_pairs

            rng = random.Random(SEED * 1000 + zlib.crc32(self.name.encode()))
            items = self.items
            variants = [(items, 1.0), (one_day(items), ONE_DAY_WEIGHT)]
            for size in SMALL_WINDOWS:
                for _ in range(SMALL_DRAWS):
                    picked = sorted(rng.sample(range(len(items)), min(size, len(items))))
                    variants.append(([items[k] for k in picked], SMALL_WEIGHT / (len(SMALL_WINDOWS) * SMALL_DRAWS)))
            self._train = []
            for variant, weight in variants:
                gold = np.array([zlib.crc32(str(g).encode()) for _, g in variant])
                i, j, x = scored_pairs(window(variant))
                self._train.append((x, (gold[i] == gold[j]).astype(int), np.full(len(i), weight / max(1, len(i)))))
        return self._train

    def train_short(self) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
        """The pairs of the set with every text cut to its first SHORT_WORDS words (a lead, as AllSides gives
        them), weighing 1: trees fitted on long reports alone do not know what a cosine of two leads means."""
        if self._short is None:
            from newsdesk.stages.recluster import scored_pairs

            variant = [(dict(r, text=" ".join(r.get("text", "").split()[:SHORT_WORDS]) + " ..."), g)
                       for r, g in self.items]
            gold = np.array([zlib.crc32(str(g).encode()) for _, g in variant])
            i, j, x = scored_pairs(window(variant))
            self._short = [(x, (gold[i] == gold[j]).astype(int), np.full(len(i), 1.0 / max(1, len(i))))]
        return self._short

    def scoring(self):
        """The set streamed as `newsdesk cluster` streams it (shipped join model), its window's scored pairs."""
        if self._scoring is None:
            from newsdesk.stages.cluster import load_join_model
            from newsdesk.stages.recluster import scored_pairs

            model, bar, _ = load_join_model()
            assigner, keys = stream(self.items, make_clusterer(model, bar))
            self._scoring = (assigner, keys, scored_pairs(assigner.window()[1]), dict(assigner.story_of))
        return self._scoring

    def score(self, spec: dict, settings=GRID, quality: dict | None = None) -> dict[tuple, float]:
        """BCubed F1 of re-clustering with the trees `spec` at each (cut, attach) of `settings` (the window's
        average link at every setting in one pass; each copy where its original went, as Assigner.recluster puts
        it); `quality`, when given, gets each setting's unsupervised criteria of the window's clusters (CRITERIA:
        no gold)."""
        from newsdesk.stages.recluster import PairModel, average_link_grid

        assigner, keys, scored, streamed = self.scoring()
        window_keys, window = assigner.window()
        where = {k: n for n, k in enumerate(window_keys)}
        gold = [g for _, g in self.items]
        probabilities = PairModel(dict(spec, cut=0, attach=None)).probabilities(scored[2])
        tables = average_link_grid(len(window_keys), scored[0], scored[1], probabilities, list(settings),
                                   days=window.days())
        out = {}
        for setting in settings:
            clusters = tables[setting]
            out[setting] = scores([clusters[where[k] if k in where else where[assigner.copy_of[k]]] for k in keys],
                                  gold)["bcubed_f1"]
            if quality is not None:
                quality[setting] = {name: f(len(window_keys), scored[0], scored[1], probabilities, clusters)
                                    for name, f in CRITERIA.items()}
        return out


class Fitter:
    def __init__(self, columns: list[int], trees: dict, monotone: bool, short: float = 0.0):
        from newsdesk.stages.recluster import PAIR_FEATURES, PAIR_MONOTONE

        self.columns, self.trees, self.short = columns, trees, short
        self.names = [PAIR_FEATURES[c] for c in columns]
        self.monotone = [PAIR_MONOTONE[c] if monotone else 0 for c in columns]
        self.fits = 0

    def __call__(self, parts: list[Part]) -> dict:
        """The pair trees fitted on `parts`, each weighing the same."""
        from sklearn.ensemble import HistGradientBoostingClassifier

        xs, ys, ws = [], [], []
        for part in parts:
            for x, y, w in part.train() + [(x, y, w * self.short) for x, y, w in
                                           (part.train_short() if self.short else [])]:
                xs.append(x[:, self.columns])
                ys.append(y)
                ws.append(w)
        w = np.concatenate(ws)
        model = HistGradientBoostingClassifier(monotonic_cst=self.monotone, random_state=0, **self.trees)
        model.fit(np.concatenate(xs), np.concatenate(ys), sample_weight=w * len(w) / w.sum())
        self.fits += 1
        return export_trees(model, self.names)


def best(tables: list[dict[tuple, float]]) -> tuple:
    """The setting with the best mean over `tables` (ties: the first in GRID)."""
    return max(GRID, key=lambda s: np.mean([t[s] for t in tables]))


def main(argv: list[str] | None = None) -> int:
    from newsdesk.stages.recluster import PAIR_FEATURES, shipped_pair_model

    global CRITERIA
    CRITERIA = _criteria()
    p = argparse.ArgumentParser(prog="benchmarks/loso.py", description=__doc__.splitlines()[0])
    p.add_argument("--data", type=Path, default=DEFAULT_DATA, help=f"data folder (default {DEFAULT_DATA})")
    p.add_argument("--sets", default="ecbplus,allsides,duc2003,multinews,wikinews",
                   help="the sets scored, comma-separated from " + ", ".join(SETS))
    p.add_argument("--fit-sets", default="ecbplus,allsides,duc2003,multinews",
                   help="the sets fitted on, those of --sets among them left out in turn (default: the four whose "
                   "gold stories are events; MultiLing's are topics running for years, and fitted on them too the "
                   "mean left out fell from .785 to .745)")
    p.add_argument("--variants", default="base",
                   help="variants fitted and scored side by side, comma-separated from " + ", ".join(VARIANTS)
                   + " (default base: the features of the shipped pairs.json)")
    p.add_argument("--drop", default="", help="PAIR_FEATURES left out of every variant's fits, comma-separated")
    p.add_argument("--trees", default="", help="tree settings over fit_cluster.TREES, e.g. max_leaf_nodes=7")
    p.add_argument("--free", action="store_true", help="no monotonic constraints")
    p.add_argument("--no-halves", action="store_true", help="skip the held-out halves (faster)")
    p.add_argument("--cuts", default=",".join(map(str, CUTS)),
                   help=f"the grid of cuts every choice is made among (default fit_cluster.CUTS, {CUTS})")
    args = p.parse_args(argv)
    GRID[:] = [(float(c), a) for c in args.cuts.split(",") for a in ATTACH]  # in place: score's default
    started = time.perf_counter()

    names = [s.strip() for s in args.sets.split(",") if s.strip()]
    fit_names = [s.strip() for s in args.fit_sets.split(",") if s.strip()]
    for n in set(names) | set(fit_names):
        if n not in SETS:
            print(f"loso: unknown set {n!r}")
            return 2
    variants = [v.strip() for v in args.variants.split(",") if v.strip()]
    if set(variants) - set(VARIANTS):
        print(f"loso: unknown variants {sorted(set(variants) - set(VARIANTS))}")
        return 2
    items = {n: load_set(n, args.data / FILES[n]) for n in dict.fromkeys(names + fit_names)}
    whole = {n: Part(n, it) for n, it in items.items()}
    halves = {n: [Part(n, split_half(it, h)) for h in (0, 1)] for n, it in items.items()}
    dropped = [d.strip() for d in args.drop.split(",") if d.strip()]
    if set(dropped) - set(PAIR_FEATURES):
        print(f"loso: unknown features {sorted(set(dropped) - set(PAIR_FEATURES))}")
        return 2

    def tree_settings(extra: dict) -> dict:
        trees = dict(TREES, **extra)
        for kv in filter(None, args.trees.split(",")):
            k, v = kv.split("=")
            trees[k] = type(TREES[k])(float(v)) if not isinstance(TREES[k], bool) else v == "True"
        return trees

    # shipped models, whole sets
    shipped = shipped_pair_model()
    shipped_setting = (shipped.cut, shipped.attach)
    shipped_f1 = {n: whole[n].score(_spec_of_shipped(), [shipped_setting])[shipped_setting] for n in names}
    print(f"shipped done ({time.perf_counter() - started:.0f}s)", flush=True)
    base = {n: {t: scores(run_baseline(items[n], t), [g for _, g in items[n]])["bcubed_f1"]
                for t in BASELINE_THRESHOLDS} for n in dict.fromkeys(names + fit_names)}
    base_t = {n: max(BASELINE_THRESHOLDS, key=lambda t: np.mean([base[o][t] for o in fit_names if o != n]))
              for n in names}
    results = {}
    for variant in variants:
        spec = VARIANTS[variant]
        fit = Fitter([c for c, f in enumerate(PAIR_FEATURES) if f not in dropped and f not in spec["drop"]],
                     tree_settings(spec.get("trees", {})), not args.free, spec.get("short", 0.0))
        print(f"\n[{variant}] fitting on {', '.join(NAMES[n] for n in fit_names)}; features: {', '.join(fit.names)}; "
              f"trees {fit.trees}{'; no monotonic constraints' if args.free else ''}", flush=True)
        results[variant] = run_variant(variant, fit, names, fit_names, whole, halves, args.no_halves, started)

    print(f"\nstory clustering, BCubed F1 ({time.perf_counter() - started:.0f}s)")
    print(f"{'set':<11} {'docs':>5}  {'shipped':>7}  {'baseline, t from the others':>27}")
    for n in names:
        print(f"{NAMES[n]:<11} {len(items[n]):>5}  {shipped_f1[n]:>7.3f}  {base[n][base_t[n]]:>21.3f} t={base_t[n]:.2f}")
    groups = (("the three", [n for n in DEVELOPMENT if n in names]), ("all", names))
    for label, group in groups:
        if group:
            print(f"mean, {label}: shipped {np.mean([shipped_f1[n] for n in group]):.3f}, baseline "
                  f"{np.mean([base[n][base_t[n]] for n in group]):.3f}")
    columns = ("halves", "loso", "silhouette", "margin", "floor", "modularity", "hindsight")
    print("\nper variant: halves; leave one set out with the cut and attach bar chosen in the fold (loso), or chosen "
          "on the left-out set itself without gold by the most silhouette / modularity of its link graph; hindsight "
          "(the set's own best setting: not a figure)")
    print(f"{'variant':<11} {'set':<11} " + " ".join(f"{c:>16}" for c in columns))
    for variant, r in results.items():
        for n in names:
            print(f"{variant:<11} {NAMES[n]:<11} " + " ".join(
                f"{r[c][n][0]:>6.3f} {_setting(r[c][n][1]):>9}" for c in columns))
        for label, group in groups:
            if group:
                print(f"{variant:<11} {'mean ' + label:<11} " + " ".join(
                    f"{np.mean([r[c][n][0] for n in group]):>6.3f} {'':>9}" for c in columns))
        print(f"{variant:<11} fitted on all: leave-one-set-out chooses {r['chosen']}; in-sample "
              + " / ".join(f"{NAMES[n]} {v:.3f}" for n, v in r["insample"].items())
              + "; the setting chosen on each set by silhouette, in-sample "
              + " / ".join(f"{NAMES[n]} {v:.3f}" for n, v in r["insample, silhouette"].items())
              + ", held-out halves " + " / ".join(f"{NAMES[n]} {v[0]:.3f}" for n, v in r["halves, silhouette"].items()))
        print(f"{variant:<11} fitted on all, margin {r['margin, fitted on all']:.4f}: in-sample with the margin "
              + " / ".join(f"{NAMES[n]} {v:.3f} {_setting(c)}" for n, (v, c) in r["insample, margin"].items())
              + "; with the floor " + " / ".join(f"{NAMES[n]} {v:.3f} {_setting(c)}"
                                                  for n, (v, c) in r["insample, floor"].items()))
    print(f"({time.perf_counter() - started:.0f}s in all)")
    return 0


def _setting(setting) -> str:
    return "-" if setting is None else f"{setting[0]}/{setting[1]}"


def run_variant(variant, fit, names, fit_names, whole, halves, no_halves, started) -> dict:
    """One variant's figures: {column: {set: (BCubed F1, setting)}}, the setting leave-one-set-out chooses when
    fitted on all, and the in-sample figures at it."""
    columns = ("halves", "loso", "silhouette", "margin", "floor", "modularity", "hindsight")
    out = {c: {} for c in columns}
    if no_halves:
        out["halves"] = out["halves, silhouette"] = {n: (float("nan"), None) for n in names}
    else:
        half_tables: dict[str, list[dict]] = {n: [] for n in names}
        half_silhouette: dict[str, list[float]] = {n: [] for n in names}
        for h in (0, 1):
            spec = fit([halves[n][h] for n in fit_names])
            for n in names:
                quality: dict = {}
                half_tables[n].append(halves[n][1 - h].score(spec, quality=quality))
                chosen = max(GRID, key=lambda s: quality[s]["silhouette"])
                half_silhouette[n].append(half_tables[n][-1][chosen])
        half_setting = best([t for n in names if n in fit_names for t in half_tables[n]])
        out["halves"] = {n: (float(np.mean([t[half_setting] for t in half_tables[n]])), half_setting) for n in names}
        out["halves, silhouette"] = {n: (float(np.mean(half_silhouette[n])), None) for n in names}
        print(f"  halves done ({time.perf_counter() - started:.0f}s)", flush=True)
    outer = {}
    for left in names:
        others = [n for n in fit_names if n != left]
        inner = [whole[t].score(fit([whole[n] for n in others if n != t])) for t in others] if len(others) > 1 \
            else []
        setting = best(inner) if inner else GRID[0]
        quality: dict = {}
        spec = fit([whole[n] for n in others])
        outer[left] = whole[left].score(spec, quality=quality)
        out["loso"][left] = (outer[left][setting], setting)
        for criterion in CRITERIA:
            chosen = max(GRID, key=lambda s: quality[s][criterion])
            out[criterion][left] = (outer[left][chosen], chosen)
        margin = _margin(spec, [whole[n] for n in others], setting)
        chosen = _kept_or_moved(quality, setting, margin)
        out["margin"][left] = (outer[left][chosen], chosen)
        floor = [s for s in GRID if s[0] >= setting[0]]
        chosen = max(floor, key=lambda s: quality[s]["silhouette"])
        out["floor"][left] = (outer[left][chosen], chosen)
        hind = max(outer[left], key=outer[left].get)
        out["hindsight"][left] = (outer[left][hind], hind)
        print(f"  left out {NAMES[left]}: " + ", ".join(f"{c} {v[left][0]:.3f} {_setting(v[left][1])}"
                                                      for c, v in out.items() if left in v and c in columns)
              + f" ({time.perf_counter() - started:.0f}s)", flush=True)
    chosen = best([outer[n] for n in names if n in fit_names])
    spec = fit([whole[n] for n in fit_names])
    out["chosen"] = chosen
    out["insample"], out["insample, silhouette"], out["insample, margin"], out["insample, floor"] = {}, {}, {}, {}
    margin = _margin(spec, [whole[n] for n in fit_names], chosen)
    out["margin, fitted on all"] = margin
    for n in names:
        quality = {}
        table = whole[n].score(spec, quality=quality)
        out["insample"][n] = table[chosen]
        out["insample, silhouette"][n] = table[max(GRID, key=lambda s: quality[s]["silhouette"])]
        moved = _kept_or_moved(quality, chosen, margin)
        out["insample, margin"][n] = (table[moved], moved)
        moved = max([s for s in GRID if s[0] >= chosen[0]], key=lambda s: quality[s]["silhouette"])
        out["insample, floor"][n] = (table[moved], moved)
    return out


def _margin(spec: dict, parts: list[Part], fitted: tuple) -> float:
    """The most link silhouette any of `parts` (the sets `spec` was fitted on) gains at its best setting over
    `fitted`: the margin by which a window must beat the fitted setting before the `margin` criterion moves it.
    Computed on the fitting sets alone, with the trees fitted on them, as fit_cluster.py would compute it."""
    gains = []
    for part in parts:
        quality: dict = {}
        part.score(spec, quality=quality)
        gains.append(max(q["silhouette"] for q in quality.values()) - quality[fitted]["silhouette"])
    return max(gains)


def _kept_or_moved(quality: dict, fitted: tuple, margin: float) -> tuple:
    from newsdesk.stages.recluster import chosen_setting

    return chosen_setting(GRID, {s: q["silhouette"] for s, q in quality.items()}, fitted, margin)


def _spec_of_shipped() -> dict:
    import json

    from newsdesk.stages.recluster import PAIR_MODEL

    spec = json.loads(PAIR_MODEL.read_text())
    return {k: v for k, v in spec.items() if k not in ("cut", "attach")}


if __name__ == "__main__":
    sys.exit(main())
