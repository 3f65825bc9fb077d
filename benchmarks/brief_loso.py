"""Leave-one-set-out for the brief: each rule and weight of the selection (stages.summarize.BriefRules) chosen
on the other development sets, the set left out scored with that choice.

    python benchmarks/brief_loso.py [--limit 100] [--tolerance 0.01] [--dims a,b,...] [--cache FILE]

Sets, each scored by its own protocol through newsdesk/eval (ROUGE-2 the measure chosen on, ROUGE-1 beside it):
- DUC 2003 task 2: 30 clusters, 100 words, ROUGE-1.5.5 recall (DUC settings);
- Multi-News: the first --limit clusters (as `newsdesk eval summarize`), 250 words, ROUGE-1.5.5 F1;
- AllSides: the outlets' leads against the editors' roundup, first --limit stories, 100 words, ROUGE-1.5.5 recall;
- MultiLing 2011: 250 words, English by ROUGE-1.5.5 F1 and all seven languages by the Unicode scorer of
  eval/multilingual.py. Its eight figures are the same ten topics, so they are one set: left out together, and
  one vote (the mean of their gains) when the others are left out.

Each dimension (a rule on or off, a weight at a few values) is varied alone from the shipped rules. Its gain on a
set is the mean over the set's figures of ROUGE-2 / ROUGE-2 at the dimension's plain value (the rule off, the
weight 0; the shipped value where there is no "off") - 1. Leaving set S out, each dimension takes the value with
the best mean gain over the other sets among the values no worse than -tolerance on every one of them (the plain
value always qualifies; a value must beat it on the mean to be taken): no rule or weight is kept unless it helps or
is neutral on all the other sets. The choices together make S's rules, and S is scored with them. The
readability constraints (`context_rules`) are measured, never chosen: they are what makes a brief readable, and
ROUGE does not see it. The last lines choose the same way over all the sets: what should ship.

Lead (the newest article's first words) and LexRank (sumy) are scored in the same run. Scores are cached by
rules, set and code (--cache) so that a rerun scores only what changed.
"""
from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT)]  # this checkout first

from newsdesk.eval import multilingual as ml  # noqa: E402
from newsdesk.eval.summarize import (_cut, load_clusters, rouge, sys_lead, sys_lexrank,  # noqa: E402
                                     sys_newsdesk)
from newsdesk.stages.summarize import RULES, BriefRules  # noqa: E402

DATA = Path("../shared/data")
# (member, group, file, words, scorer): "r"/"f" = ROUGE-1.5.5 recall/F1, "u" = eval/multilingual.py's F1
MEMBERS = [
    ("DUC 2003", "duc", "summarization/duc2003_task2.jsonl", 100, "r"),
    ("Multi-News", "multinews", "summarization/multinews200.jsonl", 250, "f"),
    ("AllSides", "allsides", "summarization/allsides_dev_roundups.jsonl", 100, "r"),
    ("MultiLing en", "multiling", "summarization/multiling2011_en.jsonl", 250, "f"),
] + [(f"MultiLing {c} (u)", "multiling", f"multilingual/multiling2011_{c}.jsonl", 250, "u") for c in ml.LANGUAGES]
GROUPS = ["duc", "multinews", "allsides", "multiling"]

# (field, values): the first value is the plain one (the rule off, the weight 0, or the shipped value where no
# value means "off"); the shipped value is among them.
DIMENSIONS = [
    ("exclusive", [False, True]),
    ("short_damping", [False, True]),
    ("w_first_report", [0.0, 0.3]),
    ("w_opening", [0.0, 0.3]),
    ("lead_bonus", [0.0, 1.0, 2.0]),
    ("w_prior", [0.0, 0.3, 1.0]),
    ("min_df", [3, 2, 4]),
    ("min_words", [8, 5, 12]),
    ("max_words", [60, 40]),
]
# Scored, never chosen: the readability constraints, and the caption test (a line of 20 words or fewer with no
# finite verb is a caption or a heading, not a sentence; like the byline and photo-credit patterns, not in the grid)
MEASURED = [("context_rules", [False, True]), ("caption_test", [False, True])]


def _code_hash() -> str:
    h = hashlib.sha256()
    for f in ("newsdesk/stages/summarize.py", "newsdesk/stages/concepts.py", "newsdesk/eval/summarize.py",
              "newsdesk/eval/multilingual.py", "newsdesk/lang.py", "newsdesk/text.py"):
        h.update((ROOT / f).read_bytes())
    return h.hexdigest()[:16]


class Scorer:
    def __init__(self, limit: int, cache: Path):
        self.limit, self.cache_path = limit, cache
        self.code = _code_hash()
        self.cache = json.loads(cache.read_text()) if cache.exists() else {}
        self.clusters = {}
        for name, _, f, _, scorer in MEMBERS:
            # the Multi-News and AllSides protocols: the first --limit clusters, as `newsdesk eval summarize`
            self.clusters[name] = load_clusters(DATA / f, limit if scorer != "u" else 0)
        self.runs = 0

    def score(self, system: str, rules: BriefRules | None, name: str) -> tuple[float, float]:
        """(ROUGE-1, ROUGE-2) x 100 of `system` on member `name`."""
        key = json.dumps([self.code, self.limit, system, dataclasses.asdict(rules) if rules else None, name])
        if key in self.cache:
            return tuple(self.cache[key])
        _, _, _, words, scorer = next(m for m in MEMBERS if m[0] == name)
        clusters = self.clusters[name]
        if system == "newsdesk":
            outs = [_cut(sys_newsdesk(c["articles"], words, rules), words) for c in clusters]
        elif system == "lead":
            outs = [_cut(sys_lead(c["articles"], words), words) for c in clusters]
        else:
            fn = ml._lexrank if scorer == "u" else sys_lexrank
            outs = [_cut(fn(c["articles"], words), words) for c in clusters]
        if scorer == "u":
            r1 = np.mean([ml.rouge_f1(o, c["refs"], 1) for o, c in zip(outs, clusters)])
            r2 = np.mean([ml.rouge_f1(o, c["refs"], 2) for o, c in zip(outs, clusters)])
        else:
            r = rouge([o or "." for o in outs], [c["refs"] for c in clusters], words)
            r1, r2 = r["rouge-1"][scorer], r["rouge-2"][scorer]
        out = (round(100 * float(r1), 2), round(100 * float(r2), 2))
        self.cache[key] = out
        self.cache_path.write_text(json.dumps(self.cache))
        self.runs += 1
        return out

    def members(self, system: str, rules: BriefRules | None, group: str | None = None) -> dict[str, tuple]:
        return {m[0]: self.score(system, rules, m[0]) for m in MEMBERS if group is None or m[1] == group}


def _gain(a: dict[str, tuple], b: dict[str, tuple]) -> float:
    """Mean over the members of a's ROUGE-2 / b's - 1."""
    return float(np.mean([a[k][1] / b[k][1] - 1.0 for k in a]))


def choose(tables: dict[str, dict], groups: list[str], tolerance: float) -> dict:
    """For each dimension, its value chosen on `groups`; `tables[field][value][group]` = gain over plain."""
    out = {}
    for field, values in DIMENSIONS:
        best, best_mean = values[0], 0.0
        for v in values[1:]:
            gains = [tables[field][v][g] for g in groups]
            if min(gains) >= -tolerance and np.mean(gains) > best_mean:
                best, best_mean = v, float(np.mean(gains))
        out[field] = best
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="benchmarks/brief_loso.py", description=__doc__.splitlines()[0])
    p.add_argument("--limit", type=int, default=100, help="Multi-News and AllSides clusters (default 100; 0 = all)")
    p.add_argument("--tolerance", type=float, default=0.01,
                   help="a value is neutral on a set when its ROUGE-2 gain is at least -this (default 0.01: 1%%)")
    p.add_argument("--dims", default="", help="only these dimensions (comma-separated fields of BriefRules)")
    p.add_argument("--try", dest="tries", action="append", default=[],
                   help="also score these rules on every set, e.g. --try w_opening=0,min_words=5 (repeatable)")
    p.add_argument("--cache", type=Path, default=Path("/tmp/newsdesk-brief-loso.json"))
    args = p.parse_args(argv)
    started = time.perf_counter()
    global DIMENSIONS
    if args.dims:
        wanted = [d.strip() for d in args.dims.split(",")]
        DIMENSIONS = [d for d in DIMENSIONS if d[0] in wanted]
    sc = Scorer(args.limit, args.cache)

    def tick(what: str):
        print(f"  {what} ({time.perf_counter() - started:.0f}s, {sc.runs} scored)", flush=True)

    shipped = sc.members("newsdesk", RULES)
    tick("shipped")
    base = {s: sc.members(s, None) for s in ("lead", "lexrank")}
    tick("baselines")

    # gains of each value over the dimension's plain value, per group
    tables: dict[str, dict] = {}
    for field, values in DIMENSIONS + MEASURED:
        figures = {v: sc.members("newsdesk", dataclasses.replace(RULES, **{field: v})) for v in values}
        tables[field] = {v: {g: _gain({k: figures[v][k] for k in figures[v] if _group(k) == g},
                                      {k: figures[values[0]][k] for k in figures[v] if _group(k) == g})
                             for g in GROUPS} for v in values}
        tick(field)

    print("\nROUGE-2 gain of each value over the plain one (first), per set (MultiLing: mean of its 8 figures); "
          "shipped value *")
    print(f"  {'rule or weight':<16} {'value':>6}  " + "  ".join(f"{g:>10}" for g in GROUPS))
    for field, values in DIMENSIONS + MEASURED:
        for v in values[1:]:
            mark = "*" if getattr(RULES, field) == v else " "
            print(f"  {field:<16} {str(v):>5}{mark}  "
                  + "  ".join(f"{100 * tables[field][v][g]:+9.1f}%" for g in GROUPS))
        if getattr(RULES, field) == values[0]:
            print(f"  {field:<16} {str(values[0]):>5}*  (plain value shipped)")

    # leave one set out
    fold_rules = {}
    print(f"\nchoices (tolerance {args.tolerance:.0%}), left out -> values that differ from shipped")
    for out in GROUPS:
        choice = choose(tables, [g for g in GROUPS if g != out], args.tolerance)
        fold_rules[out] = dataclasses.replace(RULES, **choice)
        diff = {k: v for k, v in choice.items() if getattr(RULES, k) != v}
        print(f"  {out:<10} {diff or 'as shipped'}")
    # What ships: only the changes every choice agrees on. Its own leave-one-set-out figure: for the set left out,
    # the changes that all the choices made without it (each leaving out one more of the others) agree on.
    unanimous_rules = {}
    for out in GROUPS:
        others = [g for g in GROUPS if g != out]
        inner = [choose(tables, [g for g in others if g != t], args.tolerance) for t in others]
        agreed = {k: inner[0][k] for k in inner[0] if all(c[k] == inner[0][k] for c in inner)}
        unanimous_rules[out] = dataclasses.replace(RULES, **agreed)
        diff = {k: v for k, v in agreed.items() if getattr(RULES, k) != v}
        print(f"  {out:<10} unanimous among the choices without it: {diff or 'as shipped'}")
    every = choose(tables, GROUPS, args.tolerance)
    chosen = dataclasses.replace(RULES, **every)
    diff = {k: v for k, v in every.items() if getattr(RULES, k) != v}
    print(f"  all sets   {diff or 'as shipped'}")
    agreed = {k: v for k, v in every.items() if all(getattr(fold_rules[g], k) == v for g in GROUPS)}
    ship = dataclasses.replace(RULES, **agreed)
    print(f"  what every leave-one-set-out choice agrees on (what should ship): "
          f"{ {k: v for k, v in agreed.items() if getattr(RULES, k) != v} or 'as shipped'}")
    loso, loso_ship = {}, {}
    for out in GROUPS:
        loso.update(sc.members("newsdesk", fold_rules[out], out))
        loso_ship.update(sc.members("newsdesk", unanimous_rules[out], out))
    tick("left-out sets scored")
    insample = sc.members("newsdesk", chosen)
    agreed_insample = sc.members("newsdesk", ship)
    tick("the all-sets choices scored")

    print("\nbriefs, ROUGE-2 (ROUGE-1) x 100: recall for DUC and AllSides, F1 elsewhere; (u) = Unicode tokens, "
          "no stemming")
    print("  columns: leave one set out, unanimous (the changes all choices without the set agree on), and each "
          "choice's in-sample figures")
    print(f"  {'set':<17} {'loso: agreed':>15} {'loso: choice':>15} {'shipped':>15} {'agreed, in':>15} "
          f"{'choice, in':>15} {'lead':>15} {'LexRank':>15}")
    for name, *_ in MEMBERS:
        cells = [loso_ship[name], loso[name], shipped[name], agreed_insample[name], insample[name],
                 base["lead"][name], base["lexrank"][name]]
        print(f"  {name:<17} " + " ".join(f"{f'{c[1]:6.2f} ({c[0]:5.2f})':>15}" for c in cells))
    for label, group in (("mean of the 4 sets", GROUPS),):
        def mean(t):
            return np.mean([np.mean([t[m[0]][1] for m in MEMBERS if m[1] == g]) for g in group])
        print(f"  {label}: leave one set out {mean(loso_ship):.2f} agreed, {mean(loso):.2f} choice; shipped "
              f"{mean(shipped):.2f}; in-sample {mean(agreed_insample):.2f} agreed, {mean(insample):.2f} choice; "
              f"lead {mean(base['lead']):.2f}, LexRank {mean(base['lexrank']):.2f} "
              f"(MultiLing: the mean of its 8)")
    for spec in args.tries:
        changes = {}
        for kv in filter(None, spec.split(",")):
            k, v = kv.split("=")
            kind = type(getattr(RULES, k))
            changes[k] = (v.lower() in ("1", "true")) if kind is bool else kind(v)
        tried = sc.members("newsdesk", dataclasses.replace(RULES, **changes))
        print(f"\n  tried {changes}: ROUGE-2 (ROUGE-1), ratio to shipped")
        for name, *_ in MEMBERS:
            print(f"  {name:<17} {f'{tried[name][1]:6.2f} ({tried[name][0]:5.2f})':>15}  "
                  f"{tried[name][1] / shipped[name][1]:.3f}")
        print("  gain over shipped per set: " + ", ".join(
            f"{g} {100 * _gain({k: v for k, v in tried.items() if _group(k) == g}, shipped):+.1f}%" for g in GROUPS))
    print(f"({time.perf_counter() - started:.0f}s in all, {sc.runs} scored, the rest from {args.cache})")
    return 0


def _group(member: str) -> str:
    return next(m[1] for m in MEMBERS if m[0] == member)


if __name__ == "__main__":
    sys.exit(main())
