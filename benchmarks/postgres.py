"""The same demo on SQLite and on PostgreSQL, in one run: ingest and build times through the real `newsdesk`
command, whether the two stores hold the same stories, briefs and facts, and the reader's page latencies.

    .venv/bin/python benchmarks/postgres.py            # the bundled sample (100 articles, 10 stories), about 4 min
    .venv/bin/python benchmarks/postgres.py --articles 40 --requests 20

Starts a throwaway PostgreSQL server (tests/pgserver.py: Debian's binaries, run as `postgres` when root; fsync and
synchronous commit off, as a test server) on loopback; SQLite is the default store in a temporary folder. The
backends run one after the other, SQLite first, in alternation when --rounds > 1: the ratio is the figure, the
seconds depend on what else the machine runs.
"""
from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]  # this checkout's newsdesk, whichever one is installed

from fastapi.testclient import TestClient  # noqa: E402

from newsdesk.sources.sample import sample_articles_jsonl  # noqa: E402
from newsdesk.store import Store  # noqa: E402
from newsdesk.web import create_app  # noqa: E402
from pgserver import PgServer  # noqa: E402


def cli(db: str, *args: str) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "newsdesk.cli", "--db", db, "-q", *args], cwd=ROOT, check=True,
                   capture_output=True, text=True)
    return time.perf_counter() - started


def shape(db: str) -> dict:
    """Each story by the raw inputs of its articles: its headline, brief sentences and facts."""
    with Store(db) as store:
        groups: dict[int, set[str]] = {}
        for a in store.articles():
            groups.setdefault(a.story_id, set()).add(a.raw_sha256)
        out = {}
        for sid, members in groups.items():
            story = store.get_story(sid)
            out[frozenset(members)] = (story.headline, [s.text for s in story.brief.sentences],
                                       _without_ids(store.get_facts(sid)))
        return out


def _without_ids(value):
    """Facts without the entity index's ids: PostgreSQL's sequences skip the numbers an upsert did not use."""
    if isinstance(value, dict):
        return {k: _without_ids(v) for k, v in value.items() if k != "entity_id"}
    if isinstance(value, list):
        return [_without_ids(v) for v in value]
    return value


def latency(db: str, requests: int) -> dict[str, float]:
    """Median milliseconds of the home page, a story page and a search, through the app in-process."""
    client = TestClient(create_app(db), base_url="http://127.0.0.1:8000")
    with Store(db) as store:
        story = store.list_stories(limit=1)[0]
    paths = {"home": "/", "story": f"/stories/{story.id}", "search": "/api/search?q=" + story.headline.split()[0]}
    out = {}
    for name, path in paths.items():
        assert client.get(path).status_code == 200
        times = []
        for _ in range(requests):
            t = time.perf_counter()
            client.get(path)
            times.append((time.perf_counter() - t) * 1000)
        out[name] = statistics.median(times)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--articles", type=int, default=100, help="of the bundled sample (default all 100)")
    ap.add_argument("--requests", type=int, default=50, help="per page, for the latencies")
    ap.add_argument("--rounds", type=int, default=1)
    args = ap.parse_args()
    server, why = PgServer.find()
    if server is None:
        sys.exit(f"no PostgreSQL: {why}")
    tmp = Path(tempfile.mkdtemp(prefix="newsdesk-bench-pg-"))
    try:
        lines = [ln for ln in sample_articles_jsonl().splitlines() if ln.strip()][:args.articles]
        corpus = tmp / "sample.jsonl"
        corpus.write_bytes(b"\n".join(lines) + b"\n")
        times: dict[str, dict[str, list[float]]] = {"sqlite": {"ingest": [], "build": []},
                                                   "postgresql": {"ingest": [], "build": []}}
        dbs = {}
        for r in range(args.rounds):
            order = ["sqlite", "postgresql"] if r % 2 == 0 else ["postgresql", "sqlite"]
            for backend in order:
                db = str(tmp / f"r{r}.db") if backend == "sqlite" else server.create_database()
                times[backend]["ingest"].append(cli(db, "ingest", str(corpus)))
                times[backend]["build"].append(cli(db, "build"))
                with Store(db) as store:
                    assert store.article_count() == len(lines) and store.story_count(), (
                        backend, db, store.article_count(), store.story_count())
                dbs[backend] = db
        print(f"{args.articles} sample articles, {args.rounds} round(s); medians in seconds")
        print(f"{'':10} {'sqlite':>8} {'postgres':>9} {'pg/sqlite':>10}")
        for step in ("ingest", "build"):
            s, p = (statistics.median(times[b][step]) for b in ("sqlite", "postgresql"))
            print(f"{step:10} {s:8.1f} {p:9.1f} {p / s:10.2f}")
        a, b = shape(dbs["sqlite"]), shape(dbs["postgresql"])
        same = [sum(a[g][i] == b[g][i] for g in a if g in b) for i in range(3)]
        print(f"stories: sqlite {len(a)}, postgresql {len(b)}; same groups: {set(a) == set(b)}; same headline "
              f"{same[0]}, brief {same[1]}, facts {same[2]} of {len(a)}")
        la, lb = latency(dbs["sqlite"], args.requests), latency(dbs["postgresql"], args.requests)
        print(f"median ms over {args.requests} requests (in-process app, one connection per request):")
        for name in la:
            print(f"  {name:8} sqlite {la[name]:6.1f}  postgresql {lb[name]:6.1f}  ratio {lb[name] / la[name]:5.2f}")
    finally:
        server.stop()
        import shutil

        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
