"""Top stories at a large store: the home page (by standing) against Latest (newest first, the old home page).

    .venv/bin/python benchmarks/top_stories.py [--articles 100000] [--repeat 100]

The store: N articles written by bulk SQL (short texts; what the lists cost depends on the number of stories and
articles and the indexes, not on the texts), in stories of 1, 1, 2, 3, 1, 5, 8, 2, 1, 13 articles in turn, from
24 outlets in turn, spread over 60 days. Prints the time of scoring every story once (`rerank_all`, what a change
of the [ranking] weights costs the next build), then the median and 95th-percentile time of the store's list
(50 stories with details, first and 20th page) and of the whole page over HTTP in-process (FastAPI's
TestClient), Top stories beside Latest, and the query plan of the top-stories list.
"""
from __future__ import annotations

import argparse
import hashlib
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from itertools import cycle
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

SIZES = [1, 1, 2, 3, 1, 5, 8, 2, 1, 13]


def make_store(path: str, n: int) -> int:
    from newsdesk.store import Store

    start = datetime(2024, 1, 1, tzinfo=timezone.utc)
    with Store(path) as store:
        db = store.db
        sizes, made, stories = cycle(SIZES), 0, 0
        with store.transaction():
            while made < n:
                size = min(next(sizes), n - made)
                sid = db.execute("INSERT INTO stories (headline, updated_at, brief) VALUES (?, ?, NULL)",
                                 (f"Story {stories}", start.isoformat())).lastrowid
                rows, raws = [], []
                for i in range(size):
                    k = made + i
                    when = start + timedelta(minutes=k * 60 * 24 * 60 / n)  # 60 days in all
                    sha = hashlib.sha256(f"a{k}".encode()).hexdigest()
                    raws.append((sha, "text", f"bench:{k}", None, when.isoformat(), b"x", None))
                    rows.append((sha, f"Outlet {k % 24}", f"Article {k}", f"Text of article {k}. It says {k}.",
                                 when.isoformat(), when.strftime("%Y-%m-%dT%H:%M:%S"), "bench", when.isoformat(), sid))
                db.executemany("INSERT INTO raw_inputs VALUES (?, ?, ?, ?, ?, ?, ?)", raws)
                db.executemany(
                    """INSERT INTO articles (raw_sha256, outlet, title, text, published, published_utc, origin,
                       ingested_at, story_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)""", rows)
                made += size
                stories += 1
    return stories


def timed(fn, repeat: int) -> tuple[float, float]:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    times.sort()
    return statistics.median(times) * 1000, times[int(0.95 * (len(times) - 1))] * 1000


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--articles", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=100)
    args = ap.parse_args()

    from fastapi.testclient import TestClient

    from newsdesk.store import Store
    from newsdesk.web import create_app

    with tempfile.TemporaryDirectory() as tmp:
        path = str(Path(tmp) / "top.db")
        t = time.perf_counter()
        stories = make_store(path, args.articles)
        print(f"store: {args.articles:,} articles in {stories:,} stories, made in {time.perf_counter() - t:.1f} s")
        with Store(path) as store:
            t = time.perf_counter()
            scored = store.rerank_all(force=True)
            print(f"rerank_all: {scored:,} stories scored in {time.perf_counter() - t:.2f} s")
            plan = " / ".join(r[-1] for r in store.db.execute(
                "EXPLAIN QUERY PLAN SELECT * FROM stories WHERE article_count > 0 "
                "ORDER BY rank DESC, latest_utc DESC, id DESC LIMIT 50"))
            print(f"plan of the top-stories list: {plan}")
            for offset in (0, 950):
                sizes = [sum(len(x.article_ids) for x in fn(50, offset)) for fn in (store.list_top_stories,
                                                                                   store.list_stories)]
                print(f"articles in the 50 stories listed from {offset}: top {sizes[0]}, latest {sizes[1]}")
            print(f"{'what':34} {'top p50':>9} {'top p95':>9} {'latest p50':>11} {'latest p95':>11} {'ratio':>6}")
            for label, offset in (("store list, page 1", 0), ("store list, page 20", 950)):
                top = timed(lambda: store.list_top_stories(50, offset, with_details=True), args.repeat)
                latest = timed(lambda: store.list_stories(50, offset, with_details=True), args.repeat)
                print(f"{label:34} {top[0]:8.2f}ms {top[1]:8.2f}ms {latest[0]:10.2f}ms {latest[1]:10.2f}ms "
                      f"{top[0] / latest[0]:6.2f}")
        client = TestClient(create_app(path), base_url="http://127.0.0.1:8000")
        for label, (a, b) in (("page over HTTP, page 1", ("/", "/latest")),
                              ("page over HTTP, page 20", ("/?page=20", "/latest?page=20"))):
            assert client.get(a).status_code == client.get(b).status_code == 200
            top = timed(lambda: client.get(a), max(10, args.repeat // 4))
            latest = timed(lambda: client.get(b), max(10, args.repeat // 4))
            print(f"{label:34} {top[0]:8.2f}ms {top[1]:8.2f}ms {latest[0]:10.2f}ms {latest[1]:10.2f}ms "
                  f"{top[0] / latest[0]:6.2f}")


if __name__ == "__main__":
    main()
