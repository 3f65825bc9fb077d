"""Builds that lose nothing: killed at any moment, run twice at once, or followed by a user's edit, the store ends
with every story holding its brief, facts and links, and no story without articles is shown.

The builds run as the real `newsdesk` command in subprocesses on a real SQLite file, killed with SIGKILL.
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from newsdesk.sources.sample import sample_articles_jsonl
from newsdesk.store import Store
from newsdesk.web import create_app

from conftest import ROOT, run_cli

ARTICLES = 40  # of the bundled sample: enough for a dozen stories, few enough for a quick build


@pytest.fixture(scope="module")
def ingested_once(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("ingested")
    lines = [line for line in sample_articles_jsonl().splitlines() if line.strip()][:ARTICLES]
    corpus = folder / "sample40.jsonl"
    corpus.write_bytes(b"\n".join(lines) + b"\n")
    result = run_cli("ingest", str(corpus), db=str(folder / "desk.db"))
    assert result.returncode == 0, result.stderr
    return folder


@pytest.fixture
def ingested(ingested_once, tmp_path) -> str:
    """A fresh copy for each test of one real `ingest` run (the database and whatever it keeps beside it)."""
    for f in ingested_once.iterdir():
        (shutil.copytree if f.is_dir() else shutil.copy2)(f, tmp_path / f.name)
    return str(tmp_path / "desk.db")


def _build_process(db: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "newsdesk.cli", "--db", db, "-q", "build"], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _count(db: str, sql: str) -> int:
    with sqlite3.connect(db, timeout=30) as con:
        try:
            return con.execute(sql).fetchone()[0]
        except sqlite3.OperationalError:  # the build has not created the table yet
            return 0


def _unfinished(db: str) -> list[str]:
    """What is wrong with the store as a reader would meet it."""
    problems = []
    with Store(db) as store:
        live = store.live_story_ids()
        for sid in sorted(live):
            story = store.get_story(sid)
            if story is None or not story.brief or not story.brief.sentences:
                problems.append(f"story {sid} has no brief")
            if store.get_facts(sid) is None:
                problems.append(f"story {sid} has no facts")
        orphans = [sid for sid in store.story_ids()
                   if sid not in live and store.story_redirect(sid) is None and store.get_story(sid) is not None]
        problems += [f"story {sid} is shown without articles" for sid in orphans]
        unassigned = store.db.execute("SELECT count(*) FROM articles WHERE story_id IS NULL").fetchone()[0]
        if unassigned:
            problems.append(f"{unassigned} articles in no story")
        if store.db.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
            problems.append("integrity_check failed")
    return problems


@pytest.mark.slow
def test_a_build_killed_after_its_first_brief_is_finished_by_the_next(ingested):
    db = ingested
    build = _build_process(db)
    deadline = time.monotonic() + 120
    # Killed once the first brief is written: every other story is then assigned but owed its brief or its facts.
    while _count(db, "SELECT count(*) FROM stories WHERE brief IS NOT NULL") == 0:
        assert build.poll() is None, f"the build ended before it could be killed: {build.stderr.read()}"
        assert time.monotonic() < deadline, "no brief written in 120 s"
        time.sleep(0.02)
    build.send_signal(signal.SIGKILL)
    build.wait()
    assert _unfinished(db), "the kill came too late to leave anything unfinished; the test proves nothing"

    again = run_cli("build", db=db)
    assert again.returncode == 0, again.stderr
    assert _unfinished(db) == []
    with Store(db) as store:
        assert store.stale_story_ids() == set()
        shown = [s.id for s in store.list_stories(limit=500)]
        assert any(store.get_story(s).related for s in shown), "links were written after the repair"


@pytest.mark.slow
def test_two_builds_at_once_claim_each_article_once(ingested):
    db = ingested
    first, second = _build_process(db), _build_process(db)
    outputs = [p.communicate(timeout=300) for p in (first, second)]
    assert first.returncode == 0 and second.returncode == 0, outputs
    assert _unfinished(db) == []
    with Store(db) as store:
        made = store.db.execute("SELECT count(*) FROM stories").fetchone()[0]
        kept = len(store.live_story_ids()) + len(store.redirected_stories())
        assert made == kept, f"{made - kept} stories were made and left without articles or a redirect"
    # whichever build waited said so, naming the database
    assert any("another build is running on" in err and db in err for _, err in outputs), outputs


@pytest.mark.slow
def test_a_story_without_articles_is_not_found(ingested):
    assert run_cli("build", db=ingested).returncode == 0
    with Store(ingested) as store:
        empty = store.new_story()  # what a build killed between making a story and filling it leaves
    client = TestClient(create_app(ingested), base_url="http://127.0.0.1:8000")
    assert client.get(f"/stories/{empty}").status_code == 404
    assert client.get(f"/api/stories/{empty}").status_code == 404
    assert client.get("/feed.atom").status_code == 200


@pytest.mark.slow
def test_a_users_move_rewrites_brief_and_facts_at_once_and_links_at_the_next_build(ingested):
    from newsdesk.edits import merge_stories, move_article

    assert run_cli("build", db=ingested).returncode == 0
    with Store(ingested) as store:
        big = max(store.live_story_ids(), key=lambda s: len(store.story_articles(s)))
        articles = store.story_articles(big)
        moved = articles[-1]
        moved_names = {m["text"] for m in store.article_facts([moved.id])[moved.id]["mentions"]}
        assert moved_names, "the moved article names someone or somewhere"
        target = move_article(store, moved.id)

        def names(sid: int) -> set[str]:
            return {v for e in store.get_facts(sid)["entities"] for v in [e["name"], *e["variants"]]}

        assert names(target) & moved_names, "the new story's facts are the moved article's"
        assert {s.article_id for s in store.get_story(target).brief.sentences} == {moved.id}
        assert moved.id not in {s.article_id for s in store.get_story(big).brief.sentences}
        facts_of_source = store.get_facts(big)
        assert all(c["doc_id"] != moved.id for d in facts_of_source["disagreements"] for c in d["claims"])
        assert all(q["doc_id"] != moved.id for q in facts_of_source["quotes"])
        assert store.stale_story_ids(written=True) == {big, target}, "their links are owed to the next build"

        assert merge_stories(store, target, big) == big
        assert moved.id in {a.id for a in store.story_articles(big)}
        assert store.get_facts(big) != facts_of_source, "the merged story's facts were rewritten"
    again = run_cli("build", db=ingested)
    assert again.returncode == 0, again.stderr
    with Store(ingested) as store:
        assert store.stale_story_ids() == set()
        assert _unfinished(ingested) == []


@pytest.mark.slow
def test_a_damaged_database_is_named_not_a_traceback(tmp_path):
    garbage = tmp_path / "desk.db"
    garbage.write_bytes(os.urandom(8192))
    for verb in (["build"], ["ingest", "--sample"], ["feeds", "list"]):
        result = run_cli(*verb, db=str(garbage))
        assert result.returncode == 1, (verb, result.stderr)
        assert str(garbage) in result.stderr and "Traceback" not in result.stderr, (verb, result.stderr)


def test_a_truncated_database_is_named_not_a_traceback(ingested, tmp_path):
    cut = tmp_path / "cut.db"
    with sqlite3.connect(ingested) as con:  # fold the WAL in, so that the file alone holds the data
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    data = Path(ingested).read_bytes()
    cut.write_bytes(data[: len(data) // 3])
    result = run_cli("build", db=str(cut))
    assert result.returncode == 1, result.stderr
    assert str(cut) in result.stderr and "Traceback" not in result.stderr, result.stderr



@pytest.mark.slow
def test_check_names_what_a_killed_build_left_and_is_quiet_after_the_next(ingested):
    build = _build_process(ingested)
    while _count(ingested, "SELECT count(*) FROM stories WHERE brief IS NOT NULL") == 0:
        assert build.poll() is None, build.stderr.read()
        time.sleep(0.02)
    build.send_signal(signal.SIGKILL)
    build.wait()
    found = run_cli("check", db=ingested)
    assert found.returncode == 1 and "owed their brief, facts or links" in found.stderr, found.stderr
    assert run_cli("build", db=ingested).returncode == 0
    clean = run_cli("check", db=ingested)
    assert clean.returncode == 0 and "integrity ok" in clean.stdout, clean.stderr
