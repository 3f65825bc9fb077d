"""The store's contract, on each backend: every test here runs on SQLite and on PostgreSQL (`any_db`)."""
import sqlite3
from datetime import datetime, timedelta, timezone

import pytest

from newsdesk.models import Article, Brief, BriefSentence, RawInput
from newsdesk.store import Store, migrations
from newsdesk.store.postgres import database_error


@pytest.fixture
def db_path(any_db) -> str:
    return any_db


def _article(raw: RawInput, title="A title", text="Some text about the flood in the valley.", **kw) -> Article:
    return Article(title=title, text=text, raw_sha256=raw.sha256, origin=raw.origin, **kw)


def test_schema_is_migrated_once_with_wal_and_foreign_keys(db_path):
    with Store(db_path) as store:
        assert store.applied_migrations() == [name for name, _ in migrations()] and migrations()
        if store.dialect == "sqlite":
            assert store.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
            assert store.db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    with Store(db_path) as store:  # reopening runs nothing twice
        rows = store.db.execute("SELECT COUNT(*) FROM schema_migrations").fetchone()[0]
        assert rows == len(migrations())
        assert store.migrate() == []


def test_raw_input_is_kept_and_same_bytes_add_nothing(db_path):
    raw = RawInput(body=b'{"title": "x"}', kind="json", origin="in.jsonl:1")
    with Store(db_path) as store:
        assert store.put_raw(raw) is True
        assert store.put_raw(raw) is False
        assert store.get_raw(raw.sha256).body == raw.body
        assert store.add_article(_article(raw)) is not None
        assert store.add_article(_article(raw)) is None
        assert store.article_count() == 1


def test_article_needs_its_raw_input(db_path):
    with Store(db_path) as store:
        orphan = Article(title="t", text="x", raw_sha256="0" * 64)
        try:
            store.add_article(orphan)
        except (sqlite3.IntegrityError, *database_error()):
            pass
        else:
            raise AssertionError("an article without its raw input was stored")


def test_timezones_are_kept_and_ordering_uses_utc(db_path):
    with Store(db_path) as store:
        # 10:00 in New York is later than 12:00 in London on the same day.
        ny = datetime(2020, 1, 24, 10, 0, tzinfo=timezone(timedelta(hours=-5)))
        london = datetime(2020, 1, 24, 12, 0, tzinfo=timezone.utc)
        ids = []
        for i, when in enumerate([ny, london]):
            raw = RawInput(body=f"r{i}".encode(), kind="json", origin=f"x:{i}")
            store.put_raw(raw)
            ids.append(store.add_article(_article(raw, published=when)))
        ordered = store.articles()
        assert [a.id for a in ordered] == [ids[1], ids[0]]
        assert ordered[1].published == ny and ordered[1].published.utcoffset() == timedelta(hours=-5)


def test_stories_briefs_related_and_search(db_path):
    with Store(db_path) as store:
        ids = []
        for i, text in enumerate(["Floods hit the northern valley after heavy rain.",
                                  "Parliament passed the budget after a long debate."]):
            raw = RawInput(body=text.encode(), kind="json", origin=f"x:{i}")
            store.put_raw(raw)
            ids.append(store.add_article(_article(raw, title=f"Story {i}", text=text, outlet=f"Outlet {i}",
                                                  published=datetime(2021, 5, i + 1))))
        s1, s2 = store.new_story(), store.new_story()
        store.assign(ids[0], s1)
        store.assign(ids[1], s2)
        brief = Brief(headline="Floods hit", headline_article_id=ids[0], sentences=[
            BriefSentence(text="Floods hit the northern valley after heavy rain.", article_id=ids[0], position=0,
                          outlet="Outlet 0", published=datetime(2021, 5, 1))])
        store.save_story(s1, brief)
        store.save_story(s2, Brief(headline="Budget", sentences=[]))
        store.set_related(s1, [(s2, 0.3)])
        story = store.get_story(s1)
        assert story.headline == "Floods hit" and story.brief.sentences[0].published == datetime(2021, 5, 1)
        assert story.related == [(s2, "Budget", 0.3)]
        assert store.get_story(s2).related == []
        assert [s.id for s in store.list_stories()] == [s2, s1]  # newest first
        hits = store.search("valley")
        assert [a.id for a, _ in hits] == [ids[0]] and "\x02valley\x03" in hits[0][1]


def test_search_treats_user_input_as_plain_words(db_path):
    with Store(db_path) as store:
        raw = RawInput(body=b"r", kind="json", origin="x:1")
        store.put_raw(raw)
        store.add_article(_article(raw, text="The river rose above the AND bridge."))
        for query in ['"', "AND OR NOT", "title:x*", "(", "", "NEAR(a b)"]:
            assert store.search(query) == []  # FTS5 syntax in user input must neither raise nor match
        assert len(store.search("bridge AND")) == 1  # "AND" is just a word here
