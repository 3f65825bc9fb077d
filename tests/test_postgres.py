"""PostgreSQL as a store: the migrations twinned by name, SQLite's SQL read by PostgreSQL, and many writers on one
database (two builds at once, ingests at once, the build lock freed by a holder that dies, writes serialised).

The tests that need a server start a throwaway one (tests/pgserver.py) and are skipped, saying why, without one;
the store's own contract runs on both backends in test_store.py and test_web.py.
"""
from __future__ import annotations

import os
import subprocess
import sys
import threading
import time

import httpx
import pytest

from newsdesk.models import Article, RawInput
from newsdesk.sources.sample import sample_articles_jsonl
from newsdesk.store import Store, migrations
from newsdesk.store.postgres import translate

from conftest import ROOT, run_cli
from test_web import free_port

CATALOG = {"story_pins": ["article_id", "story_id", "created_at"], "stories": ["id", "headline", "updated_at"],
           "feeds": ["id", "url", "title", "site_url", "added_at"]}
KEYS = {"story_pins": ["article_id"], "stories": ["id"], "feeds": ["id"]}


def pg(sql: str, returning: bool = True) -> str:
    return " ".join(translate(sql, CATALOG.__getitem__, KEYS.__getitem__, returning).split())


def test_every_migration_has_a_postgresql_twin_of_the_same_name():
    sqlite_names = [name for name, _ in migrations()]
    assert [name for name, _ in migrations("postgresql")] == sqlite_names and sqlite_names


def test_sqlite_spellings_are_translated():
    assert pg("SELECT * FROM t WHERE a = ? AND b = :now AND c LIKE '%?%' AND d::text = 'x'") == (
        "SELECT * FROM t WHERE a = %s AND b = %(now)s AND c LIKE '%%?%%' AND d::text = 'x'")
    assert pg("SELECT (a * 3) % 7 FROM t WHERE a IS NOT b AND c IS NOT NULL AND d IS ?") == (
        "SELECT (a * 3) %% 7 FROM t WHERE a IS DISTINCT FROM b AND c IS NOT NULL AND d IS NOT DISTINCT FROM %s")
    assert pg("INSERT OR IGNORE INTO feeds (url, title, site_url, added_at) VALUES (?,?,?,?)") == (
        "INSERT INTO feeds (url, title, site_url, added_at) VALUES (%s,%s,%s,%s) ON CONFLICT DO NOTHING RETURNING id")
    assert pg("INSERT OR REPLACE INTO story_pins VALUES (?, ?, ?)", returning=False) == (
        "INSERT INTO story_pins (article_id, story_id, created_at) VALUES (%s, %s, %s) ON CONFLICT (article_id) "
        "DO UPDATE SET story_id = EXCLUDED.story_id, created_at = EXCLUDED.created_at")
    assert pg("INSERT INTO stories (updated_at) VALUES (?)") == (
        "INSERT INTO stories (updated_at) VALUES (%s) RETURNING id")
    assert pg("INSERT INTO story_pins VALUES (?, ?, ?)") == "INSERT INTO story_pins VALUES (%s, %s, %s)"  # no id


def _add(store: Store, n: int) -> int:
    raw = RawInput(body=f"article {n}".encode(), kind="json", origin=f"x:{n}")
    store.put_raw(raw)
    return store.add_article(Article(title=f"Title {n}", text=f"Text number {n}.", raw_sha256=raw.sha256))


def test_the_build_lock_waits_says_who_holds_it_and_is_freed_when_its_holder_goes(pg_url):
    holder, waiter = Store(pg_url), Store(pg_url)
    heard, got = [], threading.Event()

    def wait_for_lock():
        with waiter.build_lock(on_wait=heard.append):
            got.set()

    with holder.build_lock():
        thread = threading.Thread(target=wait_for_lock, daemon=True)
        thread.start()
        time.sleep(1.0)
        assert not got.is_set(), "a second build ran while the first held the lock"
        holder.db.conn.close()  # the holder's session ends without unlocking, as when its process is killed
    thread.join(timeout=20)
    assert got.is_set(), "the lock was not freed when its holder's session ended"
    assert len(heard) == 1 and "another build is running on" in heard[0] and f"pid {os.getpid()}" in heard[0]
    assert "newsdesk@127.0.0.1" in heard[0] or pg_url.split("@")[-1] in heard[0]
    waiter.close()


def test_concurrent_writers_make_one_credential_and_distinct_ids(pg_url):
    Store(pg_url).close()  # migrated once, before the race
    results: list = []
    stores = [Store(pg_url) for _ in range(6)]
    barrier = threading.Barrier(len(stores))

    def write(store: Store, i: int):
        barrier.wait()
        results.append(store.add_credential_if_none(f"hash{i}"))
        for n in range(20):
            _add(store, i * 100 + n)
            _add(store, n)  # the same inputs from every writer: stored once

    threads = [threading.Thread(target=write, args=(s, i)) for i, s in enumerate(stores)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(results) == [False] * 5 + [True]
    with Store(pg_url) as store:
        assert len(store.credential_hashes()) == 1
        ids = [a.id for a in store.articles()]
        assert len(ids) == len(set(ids))
        assert store.article_count() == len({(i * 100 + n) for i in range(6) for n in range(20)} | set(range(20)))
    for s in stores:
        s.close()


def test_new_databases_opened_at_once_are_migrated_once(pg_url):
    errors: list = []

    def open_store():
        try:
            with Store(pg_url) as store:
                assert store.applied_migrations() == [name for name, _ in migrations()]
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=open_store) for _ in range(5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []


def test_an_unreachable_server_is_one_line_naming_it_without_its_password():
    port = free_port()  # nothing listens there
    result = run_cli("check", db=f"postgresql://someone:secret@127.0.0.1:{port}/news")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert f"postgresql://someone:***@127.0.0.1:{port}/news: cannot connect to PostgreSQL" in result.stderr
    assert "secret" not in result.stderr


@pytest.mark.slow
def test_two_ingests_and_two_builds_at_once_duplicate_nothing_and_serve_reads_the_result(pg_url, tmp_path):
    lines = [line for line in sample_articles_jsonl().splitlines() if line.strip()][:40]
    corpus = tmp_path / "sample40.jsonl"
    corpus.write_bytes(b"\n".join(lines) + b"\n")
    env = {**os.environ, "NEWSDESK_DB": pg_url}  # the environment variable names the store, as --db would

    def cli(*args):
        return subprocess.Popen([sys.executable, "-m", "newsdesk.cli", "-q", *args], cwd=ROOT, env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    ingests = [cli("ingest", str(corpus)) for _ in range(2)]
    outputs = [p.communicate(timeout=300) for p in ingests]
    assert [p.returncode for p in ingests] == [0, 0], outputs
    builds = [cli("build") for _ in range(2)]
    outputs = [p.communicate(timeout=600) for p in builds]
    assert [p.returncode for p in builds] == [0, 0], outputs
    assert any("another build is running on" in err for _, err in outputs), outputs

    with Store(pg_url) as store:
        assert store.article_count() == 40
        assert store.db.execute("SELECT count(*) FROM raw_inputs").fetchone()[0] == 40
        assert store.check() == []
        live = store.live_story_ids()
        made = store.db.execute("SELECT count(*) FROM stories").fetchone()[0]
        assert made == len(live) + len(store.redirected_stories()), "stories made and left empty"
        for sid in live:
            story = store.get_story(sid)
            assert story.brief and story.brief.sentences and store.get_facts(sid) is not None
        # each article in exactly one shown story, and the kept counts agree with the articles
        shown = store.list_stories(limit=1000)
        members = [aid for s in shown for aid in s.article_ids]
        assert sorted(members) == sorted(a.id for a in store.articles())
        first = shown[0]

    port = free_port()
    server = cli("serve", "--port", str(port), "--no-watch", "--read-only")
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                page = httpx.get(f"http://127.0.0.1:{port}/stories/{first.id}", timeout=5)
                break
            except httpx.TransportError:
                assert server.poll() is None and time.monotonic() < deadline, server.stderr.read()
                time.sleep(0.2)
        assert page.status_code == 200 and first.headline.split()[0] in page.text
        word = first.headline.split()[0]
        found = httpx.get(f"http://127.0.0.1:{port}/api/search", params={"q": word}, timeout=10).json()
        assert found, f"no search result for {word!r}"
    finally:
        server.terminate()
        server.wait(timeout=20)


def test_without_binaries_the_postgresql_tests_are_skipped_saying_what_is_missing(monkeypatch):
    import pgserver

    monkeypatch.delenv("NEWSDESK_TEST_POSTGRES", raising=False)
    monkeypatch.setattr(pgserver, "_binaries", lambda: None)
    server, why = pgserver.PgServer.find()
    assert server is None and "initdb" in why and "apt-get install postgresql" in why
