"""Build throughput: a fresh `build` of N real articles beside spaCy's own full pass over the same texts, one run.

    .venv/bin/python benchmarks/throughput.py [--articles 1000] [--data ../shared/data] [--code /tmp/before]

The articles are those of the assignment-cost benchmark (benchmarks/cluster_cost.py: the development sets
replayed with shifted dates and renamed names), the first N of the stream. Each measurement runs in its own
process (PYTHONHASHSEED=0), one after the other:

- build: a fresh store of the N articles (added, not yet assigned), then `newsdesk.pipeline.build` on it, timed
  whole: clustering, briefs, facts, related stories;
- reference: spaCy's `nlp.pipe` over the same texts (each cut at `[facts] max_chars`, as the facts stage cuts them)
  with every component of the facts model (`newsdesk.stages.facts.load_nlp`), one process, default batch size;
- with `--code DIR`, the build again with the newsdesk package of another checkout (`git archive <rev> | tar -x -C
  DIR`), for a before/after in the same run.

Prints articles/s of each, the ratio build/reference (above 1: the whole build is faster than one spaCy pass), and
each process's peak resident memory (its own, and the largest of the processes it started, e.g. spaCy's workers).
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent


def _articles(data: Path, n: int):
    from _common import pool, stream

    return list(stream(pool(data), n))


def _peaks() -> dict:
    return {"rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "children_rss_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}


def child_build(data: Path, n: int) -> dict:
    from newsdesk.models import RawInput
    from newsdesk.pipeline import build
    from newsdesk.store import Store

    articles = _articles(data, n)
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(str(Path(tmp) / "news.db"))
        for i, article in enumerate(articles):
            raw = RawInput(body=f"{i} {article.title}".encode(), kind="text", origin="benchmark")
            store.put_raw(raw)
            article.raw_sha256, article.id = raw.sha256, None
            store.add_article(article)
        start = time.perf_counter()
        report = build(store)
        seconds = time.perf_counter() - start
        stories = store.story_count()
        store.close()
    return {"seconds": seconds, "articles": report.new_articles, "stories": stories, **_peaks()}


def child_reference(data: Path, n: int) -> dict:
    from newsdesk.stages.facts import MAX_CHARS, load_nlp

    texts = [a.text[:MAX_CHARS] for a in _articles(data, n)]
    nlp = load_nlp()
    start = time.perf_counter()
    with nlp.memory_zone():
        for _ in nlp.pipe(texts):
            pass
    return {"seconds": time.perf_counter() - start, "articles": len(texts), "components": nlp.pipe_names,
            **_peaks()}


def run(kind: str, code: Path, data: Path, n: int) -> dict:
    env = {**os.environ, "PYTHONHASHSEED": "0", "PYTHONPATH": os.pathsep.join([str(code), str(HERE)])}
    out = subprocess.run([sys.executable, __file__, "--child", kind, "--data", str(data), "--articles", str(n)],
                         env=env, cwd=code, check=True, stdout=subprocess.PIPE, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv=None) -> int:
    from newsdesk.eval.cluster import DEFAULT_DATA

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--articles", type=int, default=1000)
    p.add_argument("--data", type=Path, default=DEFAULT_DATA)
    p.add_argument("--code", type=Path, help="another checkout whose build runs beside this one")
    p.add_argument("--child", choices=("build", "reference"), help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.child:
        fn = child_build if args.child == "build" else child_reference
        print(json.dumps(fn(args.data.resolve(), args.articles)))
        return 0
    data = args.data.resolve()
    rows = [("reference: spaCy nlp.pipe, 1 process", run("reference", REPO, data, args.articles))]
    if args.code:
        rows.append((f"build ({args.code})", run("build", args.code.resolve(), data, args.articles)))
    rows.append((f"build ({REPO})", run("build", REPO, data, args.articles)))
    ref = rows[0][1]["seconds"]
    print(f"{args.articles} replayed articles; components: {', '.join(rows[0][1]['components'])}")
    print(f"{'':<48} {'seconds':>8} {'articles/s':>10} {'vs reference':>12} {'peak RSS MB':>11} {'children':>9}")
    for name, r in rows:
        print(f"{name[-48:]:<48} {r['seconds']:8.1f} {r['articles'] / r['seconds']:10.2f} "
              f"{ref / r['seconds']:11.2f}x {r['rss_mb']:11.0f} {r['children_rss_mb']:9.0f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
