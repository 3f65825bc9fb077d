"""Search by story: hits grouped into their stories, sorted by relevance or by date (views/search.py)."""
from __future__ import annotations

from datetime import datetime

from fastapi.testclient import TestClient

from newsdesk.models import Article, Brief, RawInput, Story
from newsdesk.store import Store
from newsdesk.web import create_app
from newsdesk.web.views.search import group_by_story


def test_groups_keep_best_hit_order_or_latest_story_first():
    old = Story(id=1, headline="Old", article_ids=[1, 2], last_published=datetime(2020, 1, 1))
    new = Story(id=2, headline="New", article_ids=[3], last_published=datetime(2024, 1, 1))
    hits = [(Article(id=1, title="a", text="", story_id=1), "s1"),
            (Article(id=3, title="c", text="", story_id=2), "s3"),
            (Article(id=9, title="loose", text="", published=datetime(2022, 1, 1)), "s9"),
            (Article(id=2, title="b", text="", story_id=1), "s2")]
    stories = {1: old, 2: new}
    by_rank = group_by_story(hits, stories)
    assert [(g["story"].id if g["story"] else None, [a.id for a, _ in g["hits"]]) for g in by_rank] == [
        (1, [1, 2]), (2, [3]), (None, [9])]
    by_date = group_by_story(hits, stories, "date")
    assert [g["story"].id if g["story"] else g["hits"][0][0].id for g in by_date] == [2, 9, 1]


def _store(path: str) -> dict:
    with Store(path) as store:
        ids = {}
        for name, titles, day in [("flood", ["River flood", "Flood waters rise", "Flood victims"], 1),
                                  ("vote", ["Vote on flood defences"], 20)]:
            sid = ids[name] = store.new_story()
            for i, title in enumerate(titles):
                raw = RawInput(body=f"{title}{i}".encode(), kind="text", origin=title)
                store.put_raw(raw)
                a = Article(title=title, text=f"{title}. The flood was reported by outlet {i}.", outlet=f"Outlet {i}",
                            published=datetime(2024, 3, day + i), raw_sha256=raw.sha256)
                store.add_article(a)
                store.assign(a.id, sid)
            store.save_story(sid, Brief(headline=titles[0], sentences=[]))
    return ids


def test_search_page_lists_stories_with_their_matching_articles(tmp_path):
    path = str(tmp_path / "s.db")
    ids = _store(path)
    c = TestClient(create_app(path), base_url="http://127.0.0.1:8000")
    page = c.get("/search?q=flood").text
    assert "4 articles in 2 stories match" in page
    groups = page.split("data-story-id=")[1:]
    assert len(groups) == 2
    flood = next(g for g in groups if g.startswith(f'"{ids["flood"]}"'))
    assert "3 of its 3 articles match" in flood and flood.count('class="hit-title"') == 3
    newest = c.get("/search?q=flood&sort=date").text.split("data-story-id=")[1:]
    assert newest[0].startswith(f'"{ids["vote"]}"')  # the latest story first
    assert 'aria-current="page">Newest' in c.get("/search?q=flood&sort=date").text
    assert c.get("/search?q=flood&sort=nonsense").status_code == 200  # an unknown order is relevance


def test_api_groups_search_hits_by_story(tmp_path):
    path = str(tmp_path / "s.db")
    ids = _store(path)
    c = TestClient(create_app(path), base_url="http://127.0.0.1:8000")
    got = c.get("/api/search/stories?q=flood&sort=date").json()
    assert [g["story"]["id"] for g in got["results"]] == [ids["vote"], ids["flood"]]
    assert len(got["results"][1]["hits"]) == 3
    assert c.get("/api/search/stories?q=flood&sort=sideways").status_code == 422
