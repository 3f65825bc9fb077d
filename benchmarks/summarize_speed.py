"""Time to brief a 10-article and a 100-article story on one core (targets: < 0.2 s and < 2 s).

Stories are built from real clusters when ../shared/data is there (DUC 2003 articles, repeated with their
sentences shuffled to reach 100 distinct articles), else synthetic ones. Prints newsdesk beside the greedy
MMR selector it replaced (the fallback inside summarize), same stories, same run.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/summarize_speed.py
"""
from __future__ import annotations

import json
import os
import random
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from newsdesk.models import Article  # noqa: E402
from newsdesk.stages import summarize as S  # noqa: E402
from newsdesk.text import clear_token_cache, split_sentences  # noqa: E402

DUC = Path(__file__).resolve().parents[1] / "../shared/data/summarization/duc2003_task2.jsonl"


def stories() -> tuple[list[Article], list[Article], str]:
    if DUC.exists():
        docs = [d for line in DUC.open() for d in json.loads(line)["docs"]][:300]
        source = f"DUC 2003 articles ({DUC.resolve()})"
    else:
        docs = [{"text": " ".join(f"Storm {i} hit coast town {j} and cut power to {i * j} homes on Monday."
                                  for j in range(25))} for i in range(100)]
        source = "synthetic"
    rng = random.Random(0)
    cluster = json.loads(DUC.open().readline())["docs"] if DUC.exists() else docs[:10]
    small = [Article(id=i, title=f"t{i}", text=d["text"]) for i, d in enumerate(cluster[:10])]
    big = []
    for i in range(100):
        d = cluster[i % len(cluster)]
        sents = [d["text"][s:e] for s, e in split_sentences(d["text"])]
        if i >= len(cluster):
            rng.shuffle(sents)
        big.append(Article(id=i, title=f"t{i}", text="\n\n".join(sents)))
    return small, big, source


def timed(fn, arts, runs: int) -> float:
    fn(arts)  # warm-up: imports, caches
    times = []
    for _ in range(runs):
        clear_token_cache()  # each run tokenizes its sentences afresh, as a story's first brief does
        t = time.perf_counter()
        fn(arts)
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def greedy(arts):
    return S.summarize(arts, solver="greedy")


def main() -> int:
    small, big, source = stories()
    print(f"stories from {source}; median of 5 runs, one thread")
    print(f"{'story':<12} {'newsdesk (ILP)':>15} {'greedy MMR':>11} {'target':>7}")
    for name, arts, target in (("10 articles", small, 0.2), ("100 articles", big, 2.0)):
        a, b = timed(S.summarize, arts, 5), timed(greedy, arts, 5)
        print(f"{name:<12} {a:14.3f}s {b:10.3f}s {target:6.1f}s" + ("" if a < target else "  OVER TARGET"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
