"""The stories' kept article count and latest time (migration 0008) and the indexes that serve the reader's pages:
right after every way articles change stories, backfilled on a store made before, and used by the home page."""
from __future__ import annotations

import signal
import sqlite3
import time

import pytest

from newsdesk.pipeline import build, ingest_sample
from newsdesk.store import Store, migrations
from newsdesk.web.views.stories import index_context
from test_build_crash import _build_process, _count, ingested, ingested_once  # noqa: F401 (fixtures)
from test_cluster_edits import T0, add, built  # noqa: F401 (fixture)
from conftest import run_cli

# The list as it was queried before migration 0008, from the articles themselves: the reference.
OLD_LIST = """SELECT s.id FROM stories s WHERE EXISTS (SELECT 1 FROM articles a WHERE a.story_id = s.id)
              ORDER BY (SELECT MAX(published_utc) FROM articles a WHERE a.story_id = s.id) DESC, s.id DESC"""


def drift(db: sqlite3.Connection) -> list[tuple]:
    """Stories whose kept count or latest time differ from their articles': (id, kept, actual); and the kept
    number of stories with articles (migration 0010), when it differs from theirs: ("tally", kept, actual)."""
    rows = db.execute(
        """SELECT s.id, s.article_count, s.latest_utc, count(a.id), max(a.published_utc)
           FROM stories s LEFT JOIN articles a ON a.story_id = s.id GROUP BY s.id
           HAVING s.article_count != count(a.id) OR s.latest_utc IS NOT max(a.published_utc)""").fetchall()
    kept = db.execute("SELECT live FROM story_tally").fetchone()[0]
    actual = db.execute("SELECT count(DISTINCT story_id) FROM articles WHERE story_id IS NOT NULL").fetchone()[0]
    return rows + ([("tally", kept, actual)] if kept != actual else [])


def listed(store: Store) -> list[int]:
    return [s.id for s in store.list_stories(limit=10**6)]


def test_moves_merges_new_stories_and_later_builds_keep_the_columns_right(built):
    with Store(built["path"]) as store:
        assert drift(store.db) == []
        store.move_article(built["quakes"][0], built["vote_story"])
        assert drift(store.db) == []
        _, fresh = store.move_article(built["quakes"][1])  # to a new story
        assert drift(store.db) == [] and fresh in listed(store)
        store.merge_stories(built["quake_story"], built["vote_story"])
        assert drift(store.db) == []
        add(store, "Bamland aftershock", "A strong aftershock struck Bamland on Tuesday, officials said.",
            T0.replace(day=9))
        build(store)
        assert drift(store.db) == []
        # a re-dated article moves its story in the list
        store.db.execute("UPDATE articles SET published_utc = '2030-01-01T00:00:00' WHERE id = ?",
                         (built["votes"][0],))
        assert drift(store.db) == []
        assert listed(store) == [r[0] for r in store.db.execute(OLD_LIST)]
        assert listed(store)[0] == store.get_article(built["votes"][0]).story_id
        late = add(store, "Brandt names cabinet", "Brandt named his cabinet in Varna.", T0.replace(year=2031))
        store.assign(late.id, built["vote_story"])
        assert drift(store.db) == [] and listed(store)[0] == built["vote_story"]
        store.db.execute("DELETE FROM articles WHERE id = ?", (late.id,))
        assert drift(store.db) == []
        # a story emptied at once; a story row inserted and deleted with its count (no code path does either)
        emptied = store.get_article(built["votes"][1]).story_id
        store.db.execute("UPDATE articles SET story_id = NULL WHERE story_id = ?", (emptied,))
        assert drift(store.db) == [] and store.story_count() == len(listed(store)) > 0
        shown = store.story_count()
        store.db.execute("INSERT INTO stories (id, updated_at, article_count) VALUES (9999, '2020', 2)")
        assert store.story_count() == shown + 1
        store.db.execute("DELETE FROM stories WHERE id = 9999")
        assert store.story_count() == shown and drift(store.db) == []


@pytest.mark.slow  # builds the sample twice: about 14 s
def test_re_clustering_keeps_the_columns_and_the_list_as_before(tmp_path):
    with Store(str(tmp_path / "news.db")) as store:
        ingest_sample(store)
        assert build(store).revised_articles > 0  # the sample has stories the re-clustering splits
        assert drift(store.db) == []
        assert listed(store) == [r[0] for r in store.db.execute(OLD_LIST)]
        assert store.story_count() == len(listed(store))


@pytest.mark.slow
def test_a_killed_build_leaves_the_columns_right_and_the_next_build_too(ingested):  # noqa: F811
    db = ingested
    proc = _build_process(db)
    deadline = time.monotonic() + 120
    while _count(db, "SELECT count(*) FROM articles WHERE story_id IS NOT NULL") == 0:
        assert proc.poll() is None, f"the build ended before it could be killed: {proc.stderr.read()}"
        assert time.monotonic() < deadline
        time.sleep(0.01)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    with Store(db) as store:
        assert drift(store.db) == []
    again = run_cli("build", db=db)
    assert again.returncode == 0, again.stderr
    with Store(db) as store:
        assert drift(store.db) == []
        assert listed(store) == [r[0] for r in store.db.execute(OLD_LIST)]


@pytest.mark.slow  # builds the sample: about 13 s
def test_a_store_made_before_the_migration_is_backfilled_and_lists_the_same(tmp_path):
    built = str(tmp_path / "built.db")
    with Store(built) as store:
        ingest_sample(store)
        build(store)
        pages = index_context(store, 1, order="latest"), index_context(store, 2, order="latest")
    # The same rows in a store with the schema before 0008, as the code before left it: the migrations up to 0007
    # applied, every table's rows copied over in the columns that schema has.
    path = str(tmp_path / "old.db")
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE schema_migrations (name TEXT PRIMARY KEY, applied_at TEXT)")
        for name, sql in migrations():
            if name < "0008":
                db.executescript(f"BEGIN;\n{sql}\nINSERT INTO schema_migrations VALUES ('{name}', '');\nCOMMIT;")
        db.execute("ATTACH DATABASE ? AS built", (built,))
        tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND sql NOT LIKE "
                                           "'CREATE VIRTUAL%' AND name NOT LIKE 'articles_fts%' AND name NOT LIKE "
                                           "'sqlite_%' AND name != 'schema_migrations'")]
        for table in tables:
            columns = ", ".join(r[1] for r in db.execute(f"PRAGMA main.table_info({table})"))
            db.execute(f"INSERT INTO main.{table} ({columns}) SELECT {columns} FROM built.{table}")
        db.execute("INSERT INTO articles_fts(articles_fts) VALUES ('rebuild')")
        db.commit()
        db.execute("DETACH DATABASE built")
    with Store(path) as store:
        assert drift(store.db) == []
        assert listed(store) == [r[0] for r in store.db.execute(OLD_LIST)]
        again = index_context(store, 1, order="latest"), index_context(store, 2, order="latest")
    for before, after in zip(pages, again):
        assert (before is None) == (after is None)
        if before:
            assert [(s.id, s.headline, s.article_ids, s.outlets, s.brief, s.related) for s in before["stories"]] == \
                   [(s.id, s.headline, s.article_ids, s.outlets, s.brief, s.related) for s in after["stories"]]
            assert before["total"] == after["total"] and before["pages"] == after["pages"]


def test_the_home_page_query_walks_the_index_and_scans_no_table(tmp_path):
    with Store(str(tmp_path / "news.db")) as store:
        plan = " | ".join(r[3] for r in store.db.execute(
            "EXPLAIN QUERY PLAN SELECT * FROM stories WHERE article_count > 0 ORDER BY latest_utc DESC, id DESC "
            "LIMIT 50 OFFSET 0"))
        assert "USING INDEX stories_latest" in plan, plan
        assert "TEMP B-TREE" not in plan and "articles" not in plan, plan
        plan = " | ".join(r[3] for r in store.db.execute(
            "EXPLAIN QUERY PLAN SELECT * FROM articles WHERE duplicate_of = ?", (1,)))
        assert "articles_copies" in plan, plan
        plan = " | ".join(r[3] for r in store.db.execute(
            "EXPLAIN QUERY PLAN SELECT max(published_utc) FROM articles WHERE story_id = ?", (1,)))
        assert "articles_story_time" in plan, plan
        plan = " | ".join(r[3] for r in store.db.execute(
            "EXPLAIN QUERY PLAN SELECT 1 FROM articles WHERE origin GLOB 'sample:*' LIMIT 1"))
        assert "articles_origin" in plan, plan
