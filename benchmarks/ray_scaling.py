"""The same articles through the single-process build and through the Ray path, one run, side by side.

    .venv/bin/python benchmarks/ray_scaling.py [--articles 600] [--workers 1,2] [--stage-articles 300]
    .venv/bin/python benchmarks/ray_scaling.py --articles 10000 --workers 1,16     # on a 16-core machine
    .venv/bin/python benchmarks/ray_scaling.py --ray-address auto --workers 1,16   # on a running cluster

The articles are the first N of the replayed stream of the assignment-cost benchmark (benchmarks/cluster_cost.py:
the development sets of ../shared/data with shifted dates and renamed names), written as `--shards` JSON-lines
shards. Each mode runs in its own process (PYTHONHASHSEED=0), one after the other, on a fresh store:

- single: `newsdesk build SHARDS` as one process (`[facts] processes = 1`, so that it is one process through);
- ray W: `newsdesk build --ray --workers W SHARDS` (local mode: `ray.init(num_cpus=W)`; Ray's start-up is not
  timed, the reading of the shards is).

For each: seconds to ingest and build, articles/s of the two together; then, with the workers warm, the
per-article stages alone (fingerprint, embedding, the facts' per-article analysis: `RayRunner.article_stages`)
over the first `--stage-articles` stored articles, articles/s and the ratio to one worker: the part that scales.
Then each Ray store against the single-process store: BCubed of its stories (the single-process stories as gold),
ROUGE-1 and ROUGE-2 F1 of each story's brief against the same story's single-process brief (n-gram overlap, not
the official script; stories matched by their articles), and the share of stories whose facts (figures,
disagreements, quotes, entities) are equal. The 1-minute load average is printed with each mode: on a shared
host the ratios are what to read.
"""
from __future__ import annotations

import argparse
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent


def write_shards(data: Path, n: int, shards: int, folder: Path) -> list[str]:
    sys.path.insert(0, str(HERE))
    from _common import pool, stream

    files = [open(folder / f"part-{k:03d}.jsonl", "w") for k in range(shards)]
    articles = list(stream(pool(data), n))
    per = -(-len(articles) // shards)  # consecutive runs of the stream per shard: the store's order is theirs
    for i, a in enumerate(articles):
        record = {"id": f"r{i}", "title": a.title, "text": a.text, "outlet": a.outlet,
                  "date": a.published.isoformat() if a.published else None}
        files[i // per].write(json.dumps(record) + "\n")
    for f in files:
        f.close()
    return [str(folder / "part-*.jsonl")]


# -- one mode, in its own process -------------------------------------------------------------------------------
def child(mode: str, db: str, shards: list[str], stage_articles: int, address: str | None) -> dict:
    from newsdesk.pipeline import build, ingest_paths
    from newsdesk.pipeline.build import LocalRunner
    from newsdesk.store import Store

    store = Store(db)
    out: dict = {"load_before": os.getloadavg()[0]}
    if mode == "single":
        from newsdesk.pipeline.ray_build import RayRunner  # only its list of stages: ray is not imported

        start = time.perf_counter()
        ingest_paths(store, shards)
        out["ingest_s"] = time.perf_counter() - start
        start = time.perf_counter()
        report = build(store)
        out["build_s"] = time.perf_counter() - start
        runner, stages = LocalRunner(), RayRunner.article_stages
    else:
        from newsdesk.pipeline import ray_build

        workers = int(mode.split()[1])
        start = time.perf_counter()
        out["cpus"] = ray_build.connect(address, workers)
        out["ray_init_s"] = time.perf_counter() - start
        runner = ray_build.RayRunner(workers)
        start = time.perf_counter()
        ray_build.ingest_shards(store, shards, workers)
        out["ingest_s"] = time.perf_counter() - start
        start = time.perf_counter()
        report = build(store, runner=runner)
        out["build_s"] = time.perf_counter() - start
        stages = runner.article_stages
    out["articles"] = report.new_articles
    articles = store.articles()[:stage_articles]
    for a in articles:  # the per-article stages as a build gives them their articles: without stored facts
        a.story_id = a.duplicate_of = None
    start = time.perf_counter()
    done = sum(len(batch) for batch in runner.articles(articles, stages, 64))
    out["stages_s"], out["stages_n"] = time.perf_counter() - start, done
    out["load_after"] = os.getloadavg()[0]
    store.close()
    return out


# -- comparing the stores --------------------------------------------------------------------------------------
def read_store(db: str) -> dict:
    con = sqlite3.connect(db)
    key = dict(con.execute("SELECT id, raw_sha256 FROM articles"))
    story_of = {key[a]: s for a, s in con.execute("SELECT id, story_id FROM articles")}
    members: dict[int, frozenset] = {}
    for k, s in story_of.items():
        members[s] = members.get(s, frozenset()) | {k}
    briefs = {members[s]: " ".join(x["text"] for x in json.loads(b)["sentences"])
              for s, b in con.execute("SELECT id, brief FROM stories WHERE brief IS NOT NULL") if s in members}
    facts = {}
    for s, f in con.execute("SELECT story_id, facts FROM story_facts"):
        if s in members:
            data = json.loads(f)
            facts[members[s]] = _without_ids(data, key)
    con.close()
    return {"story_of": story_of, "briefs": briefs, "facts": facts}


def _without_ids(value, key):
    """Facts with article and entity ids replaced by what they stand for (ids differ between stores)."""
    if isinstance(value, dict):
        return {k: (key.get(v, v) if k in ("article_id", "doc_id") else None if k == "entity_id"
                    else _without_ids(v, key)) for k, v in value.items()}
    if isinstance(value, list):
        return [_without_ids(v, key) for v in value]
    return value


def rouge_f1(candidate: str, reference: str, n: int) -> float:
    def grams(text):
        words = text.lower().split()
        return Counter(tuple(words[i:i + n]) for i in range(len(words) - n + 1))

    c, r = grams(candidate), grams(reference)
    overlap = sum((c & r).values())
    if not overlap:
        return 0.0 if c or r else 1.0
    p, rec = overlap / sum(c.values()), overlap / sum(r.values())
    return 2 * p * rec / (p + rec)


def compare(single: dict, other: dict) -> dict:
    from newsdesk.eval.cluster import scores

    keys = sorted(single["story_of"])
    s = scores([other["story_of"].get(k) for k in keys], [single["story_of"][k] for k in keys])
    r1, r2 = [], []
    for members, brief in single["briefs"].items():  # each single-process story's brief against the Ray story
        best = max(other["briefs"], key=lambda m: len(m & members), default=None)  # holding most of its articles
        theirs = other["briefs"].get(best, "")
        r1.append(rouge_f1(theirs, brief, 1))
        r2.append(rouge_f1(theirs, brief, 2))
    same_facts = sum(other["facts"].get(m) == f for m, f in single["facts"].items())
    return {"bcubed_f1": s["bcubed_f1"], "rouge1": sum(r1) / max(1, len(r1)), "rouge2": sum(r2) / max(1, len(r2)),
            "facts_equal": same_facts / max(1, len(single["facts"])), "stories": len(other["briefs"]),
            "single_stories": len(single["briefs"])}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--articles", type=int, default=600)
    ap.add_argument("--stage-articles", type=int, default=300, help="articles of the per-article stages alone")
    ap.add_argument("--workers", default="1,2", help="Ray worker counts, comma-separated (e.g. 1,16)")
    ap.add_argument("--shards", type=int, default=8)
    ap.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    ap.add_argument("--ray-address", default=None, help="a running Ray cluster (default: local mode)")
    ap.add_argument("--child", nargs=4, metavar=("MODE", "DB", "SHARDS", "STAGE_ARTICLES"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        mode, db, shards, stage_articles = args.child
        print(json.dumps(child(mode, db, json.loads(shards), int(stage_articles), args.ray_address)))
        return 0

    modes = ["single"] + [f"ray {w}" for w in args.workers.split(",")]
    with tempfile.TemporaryDirectory() as tmp:
        shards = write_shards(args.data, args.articles, args.shards, Path(tmp))
        results = {}
        for mode in modes:
            db = str(Path(tmp) / f"{mode.replace(' ', '')}.db")
            env = {**os.environ, "PYTHONHASHSEED": "0", "PYTHONPATH": str(REPO)}
            if mode == "single":
                env["NEWSDESK_FACTS_PROCESSES"] = "1"
            cmd = [sys.executable, __file__, "--child", mode, db, json.dumps(shards), str(args.stage_articles)]
            cmd += ["--ray-address", args.ray_address] if args.ray_address else []
            proc = subprocess.run(cmd, env=env, capture_output=True, text=True, cwd=REPO)
            if proc.returncode:
                sys.stderr.write(proc.stderr)
                return 1
            results[mode] = json.loads(proc.stdout.strip().splitlines()[-1])
            results[mode]["db"] = db
            r = results[mode]
            print(f"{mode:>8}: ingest {r['ingest_s']:6.1f} s, build {r['build_s']:6.1f} s, "
                  f"{r['articles'] / (r['ingest_s'] + r['build_s']):5.1f} articles/s; per-article stages "
                  f"{r['stages_n'] / r['stages_s']:5.1f} articles/s; load {r['load_before']:.1f} -> "
                  f"{r['load_after']:.1f}" + (f"; ray.init {r['ray_init_s']:.1f} s" if "ray_init_s" in r else ""),
                  flush=True)
        single = read_store(results["single"]["db"])
        base = results["single"]
        one = next((results[m] for m in modes if m == "ray 1"), None)
        print(f"\n{args.articles} articles in {args.shards} shards; {os.cpu_count()} CPUs here")
        print("mode      articles/s  x single  stages/s  x single  x ray 1   BCubed F1  ROUGE-1  ROUGE-2  facts equal")
        for mode in modes:
            r = results[mode]
            rate = r["articles"] / (r["ingest_s"] + r["build_s"])
            stages = r["stages_n"] / r["stages_s"]
            base_rate = base["articles"] / (base["ingest_s"] + base["build_s"])
            base_stages = base["stages_n"] / base["stages_s"]
            vs_one = f"{stages / (one['stages_n'] / one['stages_s']):7.2f}x" if one else "      -"
            cmp = compare(single, read_store(r["db"])) if mode != "single" else None
            quality = (f"{cmp['bcubed_f1']:9.4f}  {cmp['rouge1']:7.4f}  {cmp['rouge2']:7.4f}  "
                       f"{cmp['facts_equal']:10.3f}" if cmp else "        -        -        -           -")
            print(f"{mode:8}  {rate:10.1f}  {rate / base_rate:7.2f}x  {stages:8.1f}  {stages / base_stages:7.2f}x  "
                  f"{vs_one}  {quality}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
