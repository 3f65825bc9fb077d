"""Web pages and API at a large store: p50/p99 and requests/s of the real `newsdesk serve` under concurrent clients.

    .venv/bin/python benchmarks/web_latency.py [--articles 100000] [--clients 10] [--requests 20] [--rounds 2]
        [--store PATH] [--code OLDER_CHECKOUT] [--data ../shared/data]

The store: N real articles (the clustering sets of ../shared/data, replayed with new ids and dates as
cluster_cost.py does, `_common.stream`), 24 outlets in turn, written through the store's public API in
story-sized groups of consecutive articles (sizes 1, 1, 2, 3, 1, 5, 8, 2, 1, 13 in turn, and every 400th story
100 articles), every 25th article a copy of the one before (the copy link). Each story gets a synthetic brief
made of its articles' own first sentences (up to 6 for the background, the newest article's for `latest`) and
3 related stories; no facts (the facts section is the one part of a story page it lacks). What the reader's
pages cost depends on the number of stories and articles, their sizes and the full-text index, not on which
articles a story groups, so a real clustering is not needed to measure them; search runs over the real texts.

With --code, the store is made by that checkout (the code before) and served by it, and a copy is served by this
checkout (which migrates its copy on opening, before the timing starts), both at once: each URL is asked of one
server then the other, the order swapped every round (--rounds), so that the other work of a shared host weighs
on both alike; the figures side by side, as ratios. --store reuses a store made before (made there when missing).

Each URL is measured twice: asked again and again, as readers ask for the front page (a server that keeps its
pages answers from them), and under a URL of its own for every request (an ignored `fresh=` parameter: "new
URL"), which is what a page costs the server to build, as after every write to the store.
"""
from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
from itertools import cycle
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SIZES = [1, 1, 2, 3, 1, 5, 8, 2, 1, 13]
BIG, BIG_EVERY, COPY_EVERY = 100, 400, 25
FIRST_SENTENCE = re.compile(r"(.+?[.!?])(\s|$)", re.S)


def make_store(path: str, n: int, data: Path) -> None:
    """Writes the synthetic store (module docstring) through the public API of whichever newsdesk is imported."""
    sys.path.insert(0, str(HERE))
    from _common import pool, stream
    from newsdesk.models import Brief, BriefSentence, RawInput
    from newsdesk.store import Store

    outlets = [f"Outlet {i}" for i in range(24)]
    arts = stream(pool(data), n)
    t0 = time.monotonic()
    with Store(path) as store:
        made, story_no, prev_ids, sizes = 0, 0, [], cycle(SIZES)
        while made < n:
            size = min(n - made, BIG if story_no % BIG_EVERY == BIG_EVERY - 1 else next(sizes))
            with store.transaction():
                sid = store.new_story()
                group = []
                for k in range(size):
                    a = next(arts)
                    a.outlet = outlets[(made + k) % len(outlets)]
                    raw = RawInput(body=f"{made + k}\n{a.title}\n{a.text}".encode(), kind="text", origin=f"bench:{made + k}")
                    store.put_raw(raw)
                    a.raw_sha256, a.id, a.story_id, a.duplicate_of = raw.sha256, None, None, None
                    store.add_article(a)
                    if (made + k) % COPY_EVERY == COPY_EVERY - 1 and group:
                        store.set_duplicate(a.id, group[-1].id)
                    group.append(a)
                store.assign_many([(a.id, sid) for a in group])

                def sentence(a):
                    m = FIRST_SENTENCE.match(a.text.strip())
                    return BriefSentence(text=(m.group(1) if m else a.text[:200]), article_id=a.id, position=0,
                                         outlet=a.outlet, published=a.published)
                latest = [sentence(group[-1])] if len(group) > 1 else []
                store.save_story(sid, Brief(headline=group[0].title, sentences=[sentence(a) for a in group[:6]],
                                            headline_article_id=group[0].id, latest=latest))
                store.set_related(sid, [(p, 0.5 - 0.1 * i) for i, p in enumerate(prev_ids[-3:])])
            prev_ids.append(sid)
            made += size
            story_no += 1
            if story_no % 2000 == 0:
                print(f"  {made:,} articles, {story_no:,} stories, {time.monotonic() - t0:.0f} s", flush=True)
    print(f"store made: {n:,} articles, {story_no:,} stories in {time.monotonic() - t0:.0f} s", flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(code: Path, db: str):
    """The real `newsdesk serve`, read-only, no feed polling, on a free loopback port; returns (process, base)."""
    import httpx

    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(code)}
    proc = subprocess.Popen([sys.executable, "-m", "newsdesk.cli", "--db", db, "-q", "serve", "--read-only",
                             "--no-watch", "--port", str(port)], cwd=code, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 600  # opening migrates a store made before: a backfill at 100,000 articles
    while True:
        assert proc.poll() is None, proc.stderr.read().decode()[-2000:]
        assert time.monotonic() < deadline, "the server did not start"
        try:
            if httpx.get(base + "/api/stories?limit=1", timeout=5).status_code == 200:
                return proc, base
        except httpx.HTTPError:
            pass
        time.sleep(0.2)


def targets(db: str) -> dict[str, str]:
    import sqlite3

    con = sqlite3.connect(db)
    big = con.execute("SELECT story_id FROM articles WHERE story_id IS NOT NULL GROUP BY story_id "
                      "HAVING count(*) = ? ORDER BY story_id LIMIT 1", (BIG,)).fetchone()[0]
    copied = con.execute("SELECT duplicate_of FROM articles WHERE duplicate_of IS NOT NULL "
                         "ORDER BY id DESC LIMIT 1").fetchone()[0]
    con.close()
    return {"home": "/", "api stories": "/api/stories", "feed.atom": "/feed.atom",
            f"story of {BIG}": f"/stories/{big}", "article": f"/articles/{copied}",
            "search common": "/search?q=government", "search rare": "/search?q=earthquake"}


def fresh_url(url: str, key: str) -> str:
    """The same page under a URL not asked for before: an extra query parameter that every view ignores."""
    return f"{url}{'&' if '?' in url else '?'}fresh={key}"


def drive(base: str, url: str, clients: int, requests: int, fresh: bool = False) -> tuple[list[float], float]:
    """One URL: `clients` threads, each `requests` requests one after another; (the seconds of each, wall seconds).
    `fresh`: every request under a URL of its own (fresh_url), so that no page kept by the server answers it."""
    import httpx

    times: list[float] = []
    lock = threading.Lock()
    ready = threading.Barrier(clients + 1)

    def client(no: int):
        with httpx.Client(base_url=base, timeout=60) as c:
            c.get(fresh_url(url, f"warm{no}") if fresh else url).raise_for_status()  # warm: connection, caches
            ready.wait()
            for i in range(requests):
                t = time.perf_counter()
                r = c.get(fresh_url(url, f"{no}-{i}") if fresh else url)
                dt = time.perf_counter() - t
                r.raise_for_status()
                with lock:
                    times.append(dt)
    threads = [threading.Thread(target=client, args=(no,)) for no in range(clients)]
    for th in threads:
        th.start()
    ready.wait()
    t0 = time.perf_counter()
    for th in threads:
        th.join()
    return times, time.perf_counter() - t0


def measure(servers: dict[str, str], urls: dict[str, str], clients: int, requests: int,
            rounds: int) -> dict[str, dict[str, tuple[float, float, float]]]:
    """Every URL as readers ask for it (the same URL again and again), then under URLs never asked for before
    ("new URL": what a page costs when the server has to build it, after every write for instance). Each URL on
    each server in turn, the order of the servers swapped every round, so that the other work of a shared host
    falls on both alike; (p50 ms, p99 ms, req/s) over all rounds, per server and URL."""
    samples = {label: {} for label in servers}
    for r in range(rounds):
        for fresh in (False, True):
            for name, url in urls.items():
                key = f"{name}, new URL" if fresh else name
                for label in (list(servers) if r % 2 == 0 else list(reversed(servers))):
                    times, wall = drive(servers[label], url, clients, requests, fresh)
                    got = samples[label].setdefault(key, ([], [0.0]))
                    got[0].extend(times)
                    got[1][0] += wall
    out = {}
    for label, by_url in samples.items():
        out[label] = {}
        for key, (times, wall) in by_url.items():
            times.sort()
            out[label][key] = (statistics.median(times) * 1000,
                               times[min(len(times) - 1, int(0.99 * len(times)))] * 1000, len(times) / wall[0])
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--articles", type=int, default=100_000)
    ap.add_argument("--clients", type=int, default=10)
    ap.add_argument("--requests", type=int, default=20, help="per client, URL and round")
    ap.add_argument("--rounds", type=int, default=2, help="each URL on each server, the order swapped each round")
    ap.add_argument("--store", help="a store to reuse (made there when missing)")
    ap.add_argument("--code", help="an older checkout to measure first, on a store it made itself")
    ap.add_argument("--data", default=str(ROOT.parent / "shared" / "data"))
    ap.add_argument("--make-only", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.make_only:
        make_store(args.store, args.articles, Path(args.data))
        return
    work = Path(args.store).parent if args.store else Path(f"/tmp/web_latency_{os.getpid()}")
    work.mkdir(parents=True, exist_ok=True)
    made_by = Path(args.code).resolve() if args.code else ROOT
    db = args.store or str(work / f"store{args.articles}.db")
    if not Path(db).exists():
        subprocess.run([sys.executable, __file__, "--make-only", "--store", db, "--articles", str(args.articles),
                        "--data", args.data], env={**os.environ, "PYTHONPATH": str(made_by)}, check=True)
    dbs = {"after": db}
    if args.code:  # the code before serves the store as it made it, this checkout a copy that it migrates
        dbs = {"before": db, "after": db + ".after.db"}
        for suffix in ("", "-wal", "-shm"):
            if Path(db + suffix).exists():
                shutil.copy2(db + suffix, dbs["after"] + suffix)
    procs, servers = [], {}
    try:
        for label, path in dbs.items():
            proc, servers[label] = serve(made_by if label == "before" else ROOT, path)
            procs.append(proc)
        runs = measure(servers, targets(db), args.clients, args.requests, args.rounds)
    finally:
        for proc in procs:
            proc.terminate()
            proc.wait(timeout=30)
    print(f"\n{args.articles:,} articles, {args.clients} clients, {args.requests} requests each per URL and round, "
          f"{args.rounds} rounds")
    print(f"{'URL':<26}" + "".join(f"{k + ' p50':>13}{k + ' p99':>13}{k + ' req/s':>14}" for k in runs)
          + ("    p99 ratio" if len(runs) == 2 else ""))
    for name in runs["after"]:
        row = f"{name:<26}" + "".join(f"{r[name][0]:>10.1f} ms{r[name][1]:>10.1f} ms{r[name][2]:>14.1f}"
                                      for r in runs.values())
        if len(runs) == 2:
            row += f"{runs['before'][name][1] / runs['after'][name][1]:>12.1f}x"
        print(row)


if __name__ == "__main__":
    main()
