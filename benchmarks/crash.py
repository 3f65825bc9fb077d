"""Crash benchmark: `newsdesk ingest` and `newsdesk build` killed with SIGKILL at random moments, then run to the end.

    .venv/bin/python benchmarks/crash.py [--kills 20] [--seed 1]

Inputs: the bundled Wikinews sample (100 articles) as four JSON-lines files, and each article as three HTML pages
(so that extraction runs too). First one undisturbed run, ingest then build, into a scratch store: it gives each
verb's duration and the reference counts. Then, on a fresh store, `--kills` times: one verb (ingest of a random
subset of the inputs, or build) is started and killed with SIGKILL at a moment drawn uniformly within its
reference duration; after each kill the store must pass `PRAGMA integrity_check` and hold no input twice. At the
end ingest and build run to completion, and the store is checked against the reference: every input stored once,
every article in a story, every story with its brief and facts and nothing owed (`newsdesk check`).
It prints one line per kill and the checks; exit status 1 when a check fails.
"""
from __future__ import annotations

import argparse
import json
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from html import escape
from pathlib import Path

from newsdesk.sources.sample import sample_articles_jsonl
from newsdesk.store import Store

ROOT = Path(__file__).resolve().parents[1]
COPIES = 3  # HTML pages per sample article


def make_inputs(folder: Path) -> list[Path]:
    lines = [line for line in sample_articles_jsonl().splitlines() if line.strip()]
    paths = []
    for n in range(4):
        p = folder / f"batch{n}.jsonl"
        p.write_bytes(b"\n".join(lines[n::4]) + b"\n")
        paths.append(p)
    pages = folder / "pages"
    pages.mkdir()
    for i, line in enumerate(lines):
        r = json.loads(line)
        paras = "".join(f"<p>{escape(p)}</p>" for p in r["text"].split("\n") if p.strip())
        for copy in range(COPIES):  # as outlets reprint wire copy: the same report, each page its own bytes
            (pages / f"page{i:02d}-{copy}.html").write_text(
                f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{escape(r.get('title', ''))}"
                f"</title><meta property='article:published_time' content='{r.get('date', '')}'>"
                f"<meta property='og:site_name' content='Outlet {copy}'></head><body><article>"
                f"<h1>{escape(r.get('title', ''))}</h1>{paras}<p>Reprinted by outlet {copy}.</p></article>"
                "</body></html>", encoding="utf-8")
    return paths + [pages]


def command(db: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "newsdesk.cli", "--db", str(db), "-q", *args]


def run(db: Path, *args: str) -> tuple[float, subprocess.CompletedProcess]:
    started = time.perf_counter()
    done = subprocess.run(command(db, *args), cwd=ROOT, capture_output=True, text=True)
    return time.perf_counter() - started, done


def counts(db: Path) -> dict:
    with sqlite3.connect(db) as con:
        q = lambda sql: con.execute(sql).fetchone()[0]  # noqa: E731
        return {"raw inputs": q("SELECT count(*) FROM raw_inputs"), "articles": q("SELECT count(*) FROM articles"),
                "twice": q("SELECT count(*) - count(DISTINCT coalesce(external_id, origin)) FROM articles"),
                "integrity": q("PRAGMA integrity_check")}


def unbuilt(db: Path) -> int:
    """Articles waiting for a story plus stories owed a rewrite: the work a build would find."""
    if not db.exists():
        return 0
    with Store(str(db)) as store:
        return (store.db.execute("SELECT count(*) FROM articles WHERE story_id IS NULL").fetchone()[0]
                + len(store.stale_story_ids()))


def problems(db: Path) -> list[str]:
    """What `newsdesk check` finds wrong (integrity, articles without a story, stories owed a brief or facts)."""
    _, done = run(db, "check")
    return [] if done.returncode == 0 else done.stderr.strip().splitlines()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--kills", type=int, default=20)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    failed = False
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        inputs = make_inputs(tmp)
        ref = tmp / "reference.db"
        t_ingest, done = run(ref, "ingest", *map(str, inputs))
        assert done.returncode == 0, done.stderr
        t_build, done = run(ref, "build")
        assert done.returncode == 0, done.stderr
        reference = counts(ref)
        print(f"reference run: ingest {t_ingest:.1f} s, build {t_build:.1f} s; {reference['raw inputs']} raw inputs, "
              f"{reference['articles']} articles, {len(Store(str(ref)).live_story_ids())} stories")

        # What each verb costs before it touches the store (imports, opening it): kills are drawn after half of it.
        empty = tmp / "empty.jsonl"
        empty.write_bytes(b"")
        boot_ingest, _ = run(ref, "ingest", str(empty))
        boot_build, _ = run(ref, "build")
        print(f"start-up with nothing to do: ingest {boot_ingest:.1f} s, build {boot_build:.1f} s")

        db = tmp / "crashed.db"
        landed = {"ingest": 0, "build": 0}
        print(f"{'#':>3}  {'verb':<7} {'killed at':>9}  {'raw':>4} {'articles':>8} {'unbuilt':>7}  integrity")
        for n in range(1, args.kills + 1):
            waiting = unbuilt(db)
            # a build with nothing to do ends at once: build only when there is work, and expect it to take its
            # share of the reference build
            verb = "build" if waiting and rng.random() < 0.5 else "ingest"
            if verb == "ingest":
                chosen = rng.sample(inputs, rng.randint(1, len(inputs)))
                argv = ["ingest", *map(str, chosen)]
                start, span = boot_ingest / 2, boot_ingest + (t_ingest - boot_ingest) * len(chosen) / len(inputs)
            else:
                argv = ["build"]
                share = max(0.25, waiting / reference["articles"])
                start, span = boot_build / 2, boot_build + (t_build - boot_build) * share
            at = rng.uniform(start, span)
            proc = subprocess.Popen(command(db, *argv), cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            time.sleep(at)
            if proc.poll() is None:
                proc.send_signal(signal.SIGKILL)
                landed[verb] += 1
                note = ""
            else:
                note = "  (it had finished)"
            proc.wait()
            if not db.exists():
                print(f"{n:>3}  {verb:<7} {at:>8.2f}s  (killed before it made the database)")
                continue
            c = counts(db)
            ok = c["integrity"] == "ok" and c["twice"] == 0
            failed |= not ok
            twice = f"  {c['twice']} stored twice" if c["twice"] else ""
            print(f"{n:>3}  {verb:<7} {at:>8.2f}s  {c['raw inputs']:>4} {c['articles']:>8} {unbuilt(db):>7}  "
                  f"{c['integrity']}{twice}{note}")

        _, done = run(db, "ingest", *map(str, inputs))
        _, built = run(db, "build")
        final = counts(db)
        found = problems(db)
        print(f"kills that landed: ingest {landed['ingest']}, build {landed['build']}")
        print(f"after the next run: ingest exit {done.returncode}, build exit {built.returncode}; "
              f"{final['raw inputs']} raw inputs (reference {reference['raw inputs']}), {final['articles']} articles "
              f"(reference {reference['articles']}), {final['twice']} stored twice, integrity {final['integrity']}, "
              f"{len(Store(str(db)).live_story_ids())} stories")
        for p in found:
            print(f"  problem: {p}")
        checks = [done.returncode == 0, built.returncode == 0, final["raw inputs"] == reference["raw inputs"],
                  final["articles"] == reference["articles"], final["twice"] == 0, final["integrity"] == "ok",
                  not found]
        failed |= not all(checks)
        print("every input stored once, integrity ok, every story with its brief and facts: "
              + ("yes" if not failed else "NO"))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
