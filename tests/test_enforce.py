"""`edits.enforce` puts back what breaks a user's decision, reading only the articles those decisions name."""
from __future__ import annotations

from datetime import timedelta

from newsdesk.edits import enforce
from newsdesk.store import Store
from test_cluster_edits import QUAKE, T0, VOTE, add, report


def _full_scan(store: Store) -> dict[int, int]:
    """What enforce must do, the obvious way: every assigned article against the pins and redirects."""
    pins, redirects, want = store.pinned_stories(), store.redirected_stories(), {}
    for article in store.articles("story_id IS NOT NULL"):
        story = pins.get(article.id, article.story_id)
        if story in redirects:
            story = store.story_redirect(story) or story
        want[article.id] = story
    return want


def test_enforce_restores_pins_and_merges_and_reads_only_the_decisions(tmp_path, monkeypatch):
    with Store(str(tmp_path / "news.db")) as store:
        quake = [add(store, f"Quake {i}", report(QUAKE, i, 10 + i, 5), T0 + timedelta(hours=i)) for i in range(6)]
        vote = [add(store, f"Vote {i}", report(VOTE, i, 50 + i, 7), T0 + timedelta(hours=i)) for i in range(6)]
        a, b, c = store.new_story(), store.new_story(), store.new_story()
        store.assign_many([(x.id, a) for x in quake] + [(x.id, b) for x in vote])
        store.move_article(quake[0].id, c)  # pinned to c
        store.merge_stories(b, a)  # b redirects to a; every vote article pinned to a
        # assignments made behind the decisions' back, as an old build or another tool might
        store.assign_many([(quake[0].id, a), (vote[1].id, b), (quake[2].id, b)])
        want = _full_scan(store)
        read: list[int] = []
        articles = store.articles
        monkeypatch.setattr(store, "articles", lambda *args: read.extend(x.id for x in articles(*args)) or
                            [x for x in articles(*args)])
        changed = enforce(store)
        assert sorted(read) == sorted([quake[0].id, vote[1].id, quake[2].id])  # not the other nine articles
        assert {x.id: x.story_id for x in articles("story_id IS NOT NULL")} == want
        assert want[quake[0].id] == c and want[vote[1].id] == a and want[quake[2].id] == a
        assert changed == {a, b, c}
        monkeypatch.undo()
        assert enforce(store) == set()  # nothing left to put back
