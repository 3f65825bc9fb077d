"""What adding 100 new articles costs as the store grows, per phase of the build, for this code and an older one.

    .venv/bin/python benchmarks/incremental.py [--data ../shared/data] [--sizes 1000,10000] [--new 100]
        [--before GIT_REV]

For each code (this checkout, and `--before`, a revision of this repository unpacked with `git archive` into a
temporary folder and imported through PYTHONPATH, as benchmarks/places.py `--code` does) and each size, a child
process fills a store with that many articles of the replayed stream (benchmarks/_common.py `stream`), each
assigned by the stream as it comes, re-clusters the window once, relates every story and saves the stream's state, with no briefs or facts (the
facts' spaCy pass over thousands of articles would take most of an hour and is not what is measured), then ingests
the next `--new` articles and times one real `build`, split into its phases: enforce (users' decisions), resume
(reading the stream's state), assign, recluster, summarize+facts (briefs and facts of the stories touched, the
per-article facts read from titles only, in the story stages and in the build's own spaCy stream alike, so that a
touched story does not parse its old articles, which a real store holds parsed; the models are loaded beforehand), relate, save (the stream's state). It prints seconds per
phase and, per code, the ratio of the largest size to the smallest (issue 20's target: at most 1.5 for 10,000
against 1,000).
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PHASES = ("enforce", "resume", "assign", "recluster", "summarize+facts", "relate", "save")


def child(size: int, new: int, data: Path) -> dict:
    """One store of `size` articles, then one build of `new` more; seconds per phase (run in its own process, with
    the code to measure first on sys.path)."""
    from _common import pool, stream

    import newsdesk.edits as edits
    from newsdesk.models import RawInput
    from newsdesk.pipeline import state
    from newsdesk.pipeline.stages import ArticleFacts, Facts, StoryArticleFacts, Summarize
    from newsdesk.pipeline.stream import StoryAssigner
    import newsdesk.stages.facts as facts_module
    from newsdesk.stages.facts import extract_article, load_nlp
    from newsdesk.store import Store

    build_module = sys.modules["newsdesk.pipeline.build"]
    times = dict.fromkeys(PHASES, 0.0)

    def timed(owner, name: str, phase: str) -> None:
        inner = getattr(owner, name)

        def wrapper(*args, **kwargs):
            start = time.perf_counter()
            try:
                return inner(*args, **kwargs)
            finally:
                times[phase] += time.perf_counter() - start
        setattr(owner, name, wrapper)

    articles = list(stream(pool(data), size + new))
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(str(Path(tmp) / "news.db"))

        def add(n: int, article) -> None:
            raw = RawInput(body=f"{n} {article.title}".encode(), kind="text", origin="benchmark")
            store.put_raw(raw)
            article.raw_sha256, article.id, article.story_id = raw.sha256, None, None
            store.add_article(article)

        assigner = StoryAssigner()
        for n, article in enumerate(articles[:size]):
            add(n, article)
            story, original = assigner.assign(article, store.new_story)
            if original is not None:
                store.set_duplicate(article.id, original)
            store.assign(article.id, story)
        # the window re-clustered once, as the builds before would have left it: else the measured build's
        # re-clustering would be the window's first and move articles in hundreds of stories
        moved, retired = assigner.recluster(store.new_story)
        store.assign_many(moved.items())
        for old, into in retired.items():
            if not store.story_articles(old):
                store.retire_story(old, into)
        live = store.live_story_ids()
        # the public `relate` (and its related index) where the code has it, else the private one before it
        relate_name = "relate" if hasattr(build_module, "relate") else "_relate"
        getattr(build_module, relate_name)(store, assigner, live)  # every story's links, as builds before left
        store.drop_stale(store.stale_story_ids())
        state.save(store, assigner)
        for n, article in enumerate(articles[size:], start=size):
            add(n, article)
        nlp = load_nlp()  # the models' loading is the same at any size: not measured

        def title_facts(self, records):
            # per-article facts from the title alone: the stores hold no facts, so a touched story would otherwise
            # parse every old article of its own here (the spaCy pass is the ANALYSIS part of issue 20, measured
            # by benchmarks/throughput.py); the story's facts and brief are still made from them
            for r in records:
                if r.facts is None:
                    r.facts = extract_article(r.article, doc=nlp(r.article.title or ""))
            return records
        ArticleFacts.process_batch = title_facts

        def title_articles(articles, nlp=None, processes=None, model=nlp):
            return {a.key: extract_article(a, doc=model(a.title or "")) for a in articles}
        # the build's own spaCy stream over the touched stories' articles (build._analyse), where the code has one
        facts_module.extract_articles = title_articles
        timed(edits, "enforce", "enforce")
        timed(state, "resume", "resume")
        timed(state, "save", "save")
        timed(build_module, "_assign", "assign")
        timed(build_module, "_recluster", "recluster")
        timed(build_module, relate_name, "relate")
        if hasattr(build_module, "_analyse"):
            timed(build_module, "_analyse", "summarize+facts")
        for stage in (Summarize, StoryArticleFacts, Facts):
            timed(stage, "process_batch", "summarize+facts")
        start = time.perf_counter()
        report = build_module.build(store)
        total = time.perf_counter() - start
        assert report.new_articles == new, report
        assert not store.stale_story_ids(), "stories left stale: a brief or facts failed (see above)"
        store.close()
    return {"total": total, **times, "stories": len(live), "moved": report.revised_articles,
            "refreshed": report.new_stories + report.updated_stories}


def run_code(code: Path, size: int, new: int, data: Path) -> dict:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(code), str(ROOT / "benchmarks")]), PYTHONHASHSEED="0")
    out = subprocess.run([sys.executable, __file__, "--child", str(size), "--new", str(new), "--data", str(data)],
                         env=env, capture_output=True, text=True, cwd=code)
    if out.returncode:
        sys.exit(f"child failed ({code}, {size}):\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> int:
    from newsdesk.eval.cluster import DEFAULT_DATA

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--sizes", default="1000,10000")
    ap.add_argument("--new", type=int, default=100)
    ap.add_argument("--before", help="git revision of the code before (default: none, this code only)")
    ap.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.new, args.data.resolve())))
        return 0
    sizes = sorted(int(s) for s in args.sizes.split(","))
    with tempfile.TemporaryDirectory() as tmp:
        codes = {"after": ROOT}
        if args.before:
            before = Path(tmp) / "before"
            before.mkdir()
            archive = subprocess.run(["git", "-C", str(ROOT), "archive", args.before], check=True,
                                     capture_output=True).stdout
            subprocess.run(["tar", "-x", "-C", str(before)], input=archive, check=True)
            codes = {"before": before, **codes}
        results = {(name, size): run_code(code, size, args.new, args.data.resolve())
                   for name in codes for size in sizes for code in [codes[name]]}
    print(f"{args.new} new articles into a store of N articles, seconds per phase (one run)")
    print("(stories: in the store before; moved: articles the re-clustering moved; refreshed: stories whose brief "
          "and facts the build rewrote)")
    print(f"{'code':<7} {'N':>6} {'stories':>7} {'moved':>5} {'refreshed':>9} {'total':>7} "
          + " ".join(f"{p:>15}" for p in PHASES))
    for (name, size), r in results.items():
        print(f"{name:<7} {size:>6} {r['stories']:>7} {r['moved']:>5} {r['refreshed']:>9} {r['total']:>7.2f} "
              + " ".join(f"{r[p]:>15.2f}" for p in PHASES))
    small, large = sizes[0], sizes[-1]
    for name in codes:
        a, b = results[(name, small)], results[(name, large)]
        print(f"{name}: total {large}/{small} = {b['total'] / a['total']:.2f}; per phase "
              + ", ".join(f"{p} {b[p] / a[p]:.2f}" if a[p] > 0.005 else f"{p} -" for p in PHASES))
    if "before" in codes:
        for size in sizes:
            print(f"N={size}: after/before total = "
                  f"{results[('after', size)]['total'] / results[('before', size)]['total']:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
