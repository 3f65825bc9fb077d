"""Top stories: the ranking formula (newsdesk/ranking.py) and the store's list by it (store/ranking.py)."""
from __future__ import annotations

import math
from datetime import datetime, timedelta, timezone

from fastapi.testclient import TestClient

from newsdesk.models import Article, Brief, RawInput
from newsdesk.ranking import fingerprint, outlet_key, score, standing
from newsdesk.settings import RankSettings
from newsdesk.store import Store
from newsdesk.web import create_app

T0 = datetime(2024, 5, 1, 12, tzinfo=timezone.utc)
W = RankSettings()


def test_outlets_are_counted_once_each_by_name_or_host():
    assert outlet_key("  BBC  News ", None) == outlet_key("bbc news", "https://x.example/") == "bbc news"
    assert outlet_key(None, "https://www.reuters.com/a") == "reuters.com"
    assert outlet_key(None, None) is None and outlet_key("", "not a url") is None
    s = standing([("Alpha", None, T0), ("alpha", None, T0), (None, "https://beta.example/x", T0),
                  (None, None, T0)], W)
    assert s.outlets == 2 and s.recent == 4 and s.latest == T0


def test_growth_counts_only_the_window_before_the_latest_article():
    times = [T0 - timedelta(hours=h) for h in (0, 5, 23.5, 24, 30, 100)]
    s = standing([("A", None, t) for t in times], W)
    assert s.recent == 3  # 0, 5 and 23.5 hours before the latest; 24 h is outside the window (it is open)
    assert standing([("A", None, t) for t in times], RankSettings(growth_hours=200)).recent == 6


def test_score_is_the_formula_in_the_readme():
    s = score(4, 3, T0, W)
    expected = 1.0 * math.log2(4) + 0.5 * math.log2(4) + T0.timestamp() / 3600 / 24
    assert math.isclose(s, expected)
    # one half-life of age is worth a doubling of the outlets at weight 1 ...
    assert math.isclose(score(2, 1, T0, W), score(1, 1, T0 + timedelta(hours=24), W))
    # ... so a story twice as widely covered but a day and a half older ranks lower, and half a day older higher
    assert score(2, 1, T0 - timedelta(hours=36), W) < score(1, 1, T0, W) < score(2, 1, T0 - timedelta(hours=12), W)
    # naive times are UTC
    assert math.isclose(score(1, 1, T0.replace(tzinfo=None), W), score(1, 1, T0, W))


def test_weights_change_the_order_and_the_fingerprint():
    wide_old = standing([(f"O{i}", None, T0 - timedelta(hours=40)) for i in range(8)], W)
    narrow_new = standing([("Solo", None, T0)], W)
    assert wide_old.score > narrow_new.score  # 8 outlets (3 doublings + growth) beat 40 hours
    recency_first = RankSettings(half_life_hours=4)
    assert standing([(f"O{i}", None, T0 - timedelta(hours=40)) for i in range(8)], recency_first).score < \
        standing([("Solo", None, T0)], recency_first).score
    assert fingerprint(W) != fingerprint(recency_first)


def test_undated_story_has_no_score():
    s = standing([("A", None, None)], W)
    assert s.score is None and s.outlets == 1 and s.recent == 0


def _story(store: Store, outlets: list[str], at: datetime, title: str) -> int:
    sid = store.new_story()
    for i, outlet in enumerate(outlets):
        raw = RawInput(body=f"{title}{i}".encode(), kind="text", origin=f"{title}{i}")
        store.put_raw(raw)
        a = Article(title=f"{title} {i}", text=f"{title} text {i}.", outlet=outlet, published=at,
                    raw_sha256=raw.sha256)
        store.add_article(a)
        store.assign(a.id, sid)
    store.save_story(sid, Brief(headline=title, sentences=[]))
    return sid


def test_store_lists_top_stories_by_stored_score_and_reranks_when_weights_change(tmp_path):
    path = str(tmp_path / "rank.db")
    with Store(path) as store:
        wide = _story(store, ["A", "B", "C", "D", "E", "F", "G", "H"], T0 - timedelta(hours=40), "Wide")
        fresh = _story(store, ["Solo"], T0, "Fresh")
        unranked = _story(store, ["A"], T0 + timedelta(hours=1), "Unranked")
        assert [s.id for s in store.list_top_stories()] == [unranked, fresh, wide]  # no scores yet: by latest
        for sid in (wide, fresh):
            store.save_rank(sid, W)
        assert [s.id for s in store.list_top_stories()] == [wide, fresh, unranked]  # a scored story comes first
        assert store.story_outlet_counts([wide, fresh, unranked]) == {wide: 8, fresh: 1}
        assert store.rerank_all(W) == 3 and store.rerank_all(W) == 0  # once per set of weights
        assert [s.id for s in store.list_top_stories()] == [wide, unranked, fresh]
        assert store.rerank_all(RankSettings(half_life_hours=4)) == 3
        assert [s.id for s in store.list_top_stories()] == [unranked, fresh, wide]
        assert [s.id for s in store.list_stories()] == [unranked, fresh, wide]  # Latest: by time, unchanged
        plan = " ".join(r[-1] for r in store.db.execute(
            "EXPLAIN QUERY PLAN SELECT * FROM stories WHERE article_count > 0 "
            "ORDER BY rank DESC, latest_utc DESC, id DESC LIMIT 50"))
        assert "stories_rank" in plan and "TEMP B-TREE" not in plan  # an index walk, no sort


def test_home_page_is_top_stories_and_latest_is_beside_it(tmp_path):
    path = str(tmp_path / "web.db")
    with Store(path) as store:
        wide = _story(store, ["A", "B", "C", "D"], T0 - timedelta(hours=20), "Widely covered")
        solo = _story(store, ["Solo"], T0, "Only one outlet")
        store.rerank_all(W)
    c = TestClient(create_app(path), base_url="http://127.0.0.1:8000")
    home, latest = c.get("/").text, c.get("/latest").text
    assert home.index("Widely covered") < home.index("Only one outlet")
    assert latest.index("Only one outlet") < latest.index("Widely covered")
    assert 'aria-current="page">Top stories' in home and 'aria-current="page">Latest' in latest
    # the single-source mark only on the story one outlet carries
    item = home[home.index(f'data-story-id="{solo}"'):]
    assert "Single source" in item[:item.index("</li>")]
    item = home[home.index(f'data-story-id="{wide}"'):]
    assert "Single source" not in item[:item.index("</li>")]
    api = c.get("/api/stories?order=top").json()["stories"]
    assert [s["id"] for s in api] == [wide, solo]
    assert [s["id"] for s in c.get("/api/stories").json()["stories"]] == [solo, wide]
    assert c.get("/api/stories?order=sideways").status_code == 422
