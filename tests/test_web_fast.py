"""What makes the pages fast at a large store, and that none of it changes what they show: migrations once at the
server's start, the pages kept per database generation (never stale), search ranked among the newest matches."""
from __future__ import annotations

import dataclasses
import re
import sqlite3
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

import newsdesk.store.schema as schema
import newsdesk.store.search
from newsdesk.models import Brief
from newsdesk.settings import LIMITS
from newsdesk.store import Store, migrations
from newsdesk.web import create_app
from newsdesk.store import postgres
from test_web import LOCAL, add, db, quote  # noqa: F401  (db: the fixture of a small store of two stories)
from webauth import api_client, login, make_token

ROOT = Path(__file__).resolve().parent.parent


def counting_open_store(app) -> list[int]:
    """Counts the requests that reached a view needing the database (a kept page reaches none)."""
    desk, calls = app.state.desk, [0]
    real = desk.open_store

    def counted():
        calls[0] += 1
        yield from real()

    desk.open_store = counted
    return calls


# -- migrations: at the start, not per request ------------------------------------------------------------------
def test_the_server_start_migrates_and_requests_do_not(tmp_path, monkeypatch, db):  # noqa: F811
    every = migrations()
    path = str(tmp_path / "older.db")
    monkeypatch.setattr(schema, "migrations", lambda: every[:-1])  # a store made by the release before the last
    with Store(path) as store:
        add(store, "Flood in the valley", "The river rose overnight. Roads were closed.", "Alpha", datetime(2020, 1, 2))
        assert store.applied_migrations() == [n for n, _ in every[:-1]]
    monkeypatch.undo()

    ran = []
    real = schema.migrate
    monkeypatch.setattr(schema, "migrate", lambda con: ran.append(1) or real(con))
    client = TestClient(create_app(path), base_url=LOCAL)
    assert len(ran) == 1  # the start
    with Store(path, migrate=False) as store:
        assert store.applied_migrations() == [n for n, _ in every]  # the schema change is picked up at the start
    for url in ("/", "/api/stories", "/search?q=river", "/api/search?q=river", "/articles/1", "/feed.atom"):
        assert client.get(url).status_code == 200, url
    assert len(ran) == 1, "a request ran the migrations"


# -- the pages kept per generation --------------------------------------------------------------------------------
def test_a_page_is_built_once_per_state_of_the_database_and_never_shown_stale(db):  # noqa: F811
    sqlite_only(db)
    app = create_app(db["path"])
    calls = counting_open_store(app)
    client = TestClient(app, base_url=LOCAL)
    first = client.get("/")
    assert first.status_code == 200 and "Quake hits coast" in first.text
    assert client.get("/").text == first.text
    assert calls[0] == 1  # the second answer was the kept page
    client.get(f"/stories/{db['s1']}")
    client.get(f"/stories/{db['s1']}")
    assert calls[0] == 2

    # Another process writes (as a build does): the next answer shows it.
    script = (f"from newsdesk.store import Store\nfrom newsdesk.models import Brief\n"
              f"with Store({db['path']!r}) as s:\n"
              f"    b = s.get_story({db['s1']}).brief\n"
              f"    s.save_story({db['s1']}, Brief(headline='Aftershocks rattle the coast', sentences=b.sentences,"
              f" headline_article_id=b.headline_article_id))\n")
    subprocess.run([sys.executable, "-c", script], check=True, cwd=ROOT, env={"PYTHONPATH": str(ROOT)})
    for url in ("/", f"/stories/{db['s1']}", "/api/stories", "/feed.atom"):
        r = client.get(url)
        assert "Aftershocks rattle the coast" in r.text, url
    assert "Quake hits coast" not in client.get("/").text  # the old headline (still an article's title)
    calls_then = calls[0]

    # A write in this process, on a connection of its own.
    with Store(db["path"]) as store:
        a = add(store, "Aftershock felt inland", "A second tremor was felt inland on Friday.", "Beta Times",
                datetime(2007, 7, 1))
        store.assign(a.id, db["s1"])
    page = client.get(f"/stories/{db['s1']}").text
    assert "Aftershock felt inland" in page and calls[0] == calls_then + 1
    assert client.get("/search", params={"q": "tremor"}).text.count("Aftershock felt inland") == 1


def test_a_write_through_the_server_is_seen_by_the_next_page(db):  # noqa: F811
    token = make_token(db["path"])
    app = create_app(db["path"])
    reader = TestClient(app, base_url=LOCAL)
    writer = TestClient(app, base_url=LOCAL, headers={"Authorization": f"Bearer {token}"})
    assert "Markets and storms" in reader.get("/").text
    assert reader.get(f"/api/stories/{db['s2']}").status_code == 200
    r = writer.post(f"/api/stories/{db['s2']}/merge", json={"into": db["s1"]})
    assert r.status_code == 200, r.text
    assert "Markets and storms" not in reader.get("/").text
    assert reader.get(f"/api/stories/{db['s2']}", follow_redirects=False).status_code == 301
    assert len(reader.get("/api/stories").json()["stories"]) == 1


def test_a_logged_in_readers_pages_are_not_kept_nor_given_to_others(db):  # noqa: F811
    token = make_token(db["path"])
    app = create_app(db["path"])
    anonymous = TestClient(app, base_url=LOCAL)
    editor = TestClient(app, base_url=LOCAL)
    login(editor, token)
    url = f"/stories/{db['s1']}"
    assert 'name="csrf_token"' not in anonymous.get(url).text  # kept now
    first = re.search(r'name="csrf_token" value="([^"]+)"', editor.get(url).text)
    assert first, "the editor was given the anonymous page"
    assert 'name="csrf_token"' not in anonymous.get(url).text
    other = TestClient(app, base_url=LOCAL)
    login(other, token)
    second = re.search(r'name="csrf_token" value="([^"]+)"', other.get(url).text)
    assert second and second.group(1) != first.group(1)  # each session its own page


def test_only_whole_answers_200_of_the_readers_pages_are_kept(db):  # noqa: F811
    sqlite_only(db)
    app = create_app(db["path"])
    calls = counting_open_store(app)
    client = TestClient(app, base_url=LOCAL)
    for url in ("/stories/999", "/stories/999", "/feeds", "/feeds"):
        client.get(url)
    assert calls[0] == 4  # a 404 and a page off the list go through each time
    assert client.get("/").status_code == 200 and client.get("/").status_code == 200 and calls[0] == 5


def sqlite_only(db) -> None:
    if postgres.is_url(db["path"]):
        pytest.skip("the page cache keys on SQLite's data_version; on PostgreSQL nothing is kept "
                    "(test_postgresql_keeps_no_page)")


def test_postgresql_keeps_no_page(db):  # noqa: F811
    if not postgres.is_url(db["path"]):
        pytest.skip("PostgreSQL's side of the page cache")
    app = create_app(db["path"])
    calls = counting_open_store(app)
    client = TestClient(app, base_url=LOCAL)
    for _ in range(3):
        assert client.get("/").status_code == 200
    assert calls[0] == 3  # built each time: no generation to key a kept page on


# -- search: bounded, the same results ------------------------------------------------------------------------------
@pytest.fixture
def search_store(tmp_path) -> str:
    """60 articles, "harbour" in every one (once to five times, in the title of some), "lighthouse" in 8."""
    path = str(tmp_path / "search.db")
    with Store(path) as store:
        for k in range(60):
            title = f"Harbour report {k}" if k % 7 == 0 else f"Report {k}"
            words = " ".join(["harbour"] * (1 + k % 5) + ["boats"] * (k % 11) + ["tide"] * (k % 3))
            extra = " The lighthouse keeper spoke." if k % 8 == 3 else ""
            add(store, title, f"Ships came in. {words} and more words about the {k % 4} quay.{extra}", "Alpha",
                datetime(2021, 1, 1) + timedelta(hours=k))
    return path


def ranked_by_bm25(path: str, word: str) -> list[tuple[int, float]]:
    """Every match of a word with its bm25 score, best first (FTS5 ranks smaller scores first), straight from
    SQLite: the reference the bounded search is held to."""
    con = sqlite3.connect(path)
    rows = con.execute("SELECT rowid, bm25(articles_fts) FROM articles_fts WHERE articles_fts MATCH ?",
                       (f'"{word}"',)).fetchall()
    con.close()
    return sorted(rows, key=lambda r: (r[1], r[0]))


def test_search_gives_the_results_of_ranking_every_match_when_fewer_match_than_it_ranks(search_store):
    with Store(search_store) as store:
        for word, limit in (("harbour", 50), ("harbour", 10), ("lighthouse", 50), ("boats", 20)):
            expected = [i for i, _ in ranked_by_bm25(search_store, word)][:limit]
            got = [a.id for a, _ in store.search(word, limit=limit)]
            assert got == expected, word


def test_search_ranks_among_the_newest_matches_only(search_store, monkeypatch):
    monkeypatch.setattr(newsdesk.store.search, "LIMITS", dataclasses.replace(LIMITS, search_ranked=20))
    every = ranked_by_bm25(search_store, "harbour")
    newest = set(sorted(i for i, _ in every)[-20:])
    with Store(search_store) as store:
        got = [a.id for a, _ in store.search("harbour", limit=5)]
        assert got == [i for i, _ in every if i in newest][:5]
        assert got != [i for i, _ in every][:5]  # the bound changed something here, so the test can fail
        # A limit above the bound ranks as many matches as it asks for.
        assert [a.id for a, _ in store.search("harbour", limit=30)] == [
            i for i, _ in every if i in set(sorted(i for i, _ in every)[-30:])][:30]


def test_story_headlines_are_get_storys(db):  # noqa: F811
    with Store(db["path"]) as store:
        owed = store.new_story()  # its brief not written yet: it goes by its latest article's title
        later = add(store, "Later wire copy", "Words.", "Wire", datetime(2008, 1, 2))
        earlier = add(store, "Earlier wire copy", "Words.", "Wire", datetime(2008, 1, 1))
        store.assign_many([(later.id, owed), (earlier.id, owed)])
        empty = store.new_story()
        ids = [db["s1"], db["s2"], owed, empty, 999]
        heads = store.story_headlines(ids)
        assert heads == {i: store.get_story(i).headline for i in (db["s1"], db["s2"], owed)}
        assert heads[owed] == "Later wire copy"
        store.save_story(owed, Brief(headline="", sentences=[quote(later, 0)]))
        assert store.story_headlines([owed]) == {owed: store.get_story(owed).headline}


def test_a_search_deadline_that_lands_between_statements_still_stops_the_next_one():
    """The watchdog's interrupt is a no-op on a connection running nothing (a search runs two statements): it is
    repeated until the search releases its connection, and never comes after."""
    import threading
    import time

    from newsdesk.store.search import _WATCHDOG

    endless = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c LIMIT ?) SELECT count(*) FROM c"
    con = sqlite3.connect(":memory:", check_same_thread=False)
    failsafe = threading.Timer(10, con.interrupt)  # were the watchdog broken: the test fails rather than hangs
    failsafe.start()
    try:
        token = _WATCHDOG.watch(con, time.monotonic())  # due at once, while no statement runs
        time.sleep(0.2)
        started = time.monotonic()
        with pytest.raises(sqlite3.OperationalError, match="interrupt"):
            con.execute(endless, (10**10,)).fetchone()
        assert time.monotonic() - started < 2
        _WATCHDOG.release(token)
        time.sleep(0.2)
        assert con.execute(endless, (3 * 10**5,)).fetchone() == (3 * 10**5,)  # released: left alone
    finally:
        failsafe.cancel()
