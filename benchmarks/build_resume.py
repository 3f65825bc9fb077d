"""What a build costs before it reaches its first new article, as the store grows: replaying every stored article
into a fresh stream (what every build did) beside reading the state the last build saved
(newsdesk.pipeline.state.resume).

    .venv/bin/python benchmarks/build_resume.py [--data ../shared/data] [--sizes 1000,10000]

The store is filled with the articles of the assignment-cost benchmark (benchmarks/cluster_cost.py: the
development sets replayed with shifted dates and renamed names), each assigned by the stream as it is added; at
each size the script times a replay of the store, the saving of the stream's state and its reading back, and
prints the state file's size. Both paths end with the same assignments; the state is read back only if it still
matches the store (tests/test_build_resume.py).
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from _common import pool, stream

from newsdesk.eval.cluster import DEFAULT_DATA  # noqa: E402

from newsdesk.models import RawInput  # noqa: E402
from newsdesk.pipeline import StoryAssigner  # noqa: E402
from newsdesk.pipeline import state  # noqa: E402
from newsdesk.store import Store  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--sizes", default="1000,10000")
    args = ap.parse_args()
    sizes = sorted(int(s) for s in args.sizes.split(","))
    base = pool(args.data)
    print(f"{'articles':>9}  {'replay s':>9}  {'resume s':>9}  {'ratio':>6}  {'save s':>7}  {'state MB':>8}")
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(str(Path(tmp) / "news.db"))
        assigner = StoryAssigner()
        added = 0
        for n in sizes:
            for article in stream(base, n - added):
                raw = RawInput(body=f"{added} {article.title}".encode(), kind="text", origin="benchmark")
                store.put_raw(raw)
                article.raw_sha256, article.id = raw.sha256, None
                store.add_article(article)
                story, original = assigner.assign(article, store.new_story)
                if original is not None:
                    store.set_duplicate(article.id, original)
                store.assign(article.id, story)
                added += 1
            start = time.perf_counter()
            state.replay(store)
            replay = time.perf_counter() - start
            start = time.perf_counter()
            state.save(store, assigner)
            save = time.perf_counter() - start
            start = time.perf_counter()
            _, resumed = state.resume(store)
            resume = time.perf_counter() - start
            assert resumed, "the saved state did not match the store"
            size = state.state_path(store).stat().st_size / 2**20
            print(f"{n:>9}  {replay:>9.2f}  {resume:>9.2f}  {replay / resume:>5.0f}x  {save:>7.2f}  {size:>8.1f}",
                  flush=True)
        store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
