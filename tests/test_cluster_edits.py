"""Users' corrections of stories: store, later builds, JSON API, HTML forms and redirects, on a real SQLite store
and the same on PostgreSQL."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from newsdesk.errors import Conflict
from newsdesk.models import Article, RawInput
from newsdesk.pipeline import build
from newsdesk.store import Store
from newsdesk.web import export_site
from webauth import api_client, browser_client, csrf_token

T0 = datetime(2021, 5, 3, 9)
# Each report words the event its own way (distinct texts, not wire copies, which dedup would group instead).
QUAKE = ["A strong earthquake struck near Bamland on Monday, killing at least {n} people, officials said.",
         "Rescue teams from the Bamland Red Cross searched the rubble of the old town through the night.",
         "Governor Maria Olsen said {m} people were injured in Bamland.",
         "Schools across Bamland will stay closed all week after the earthquake, Olsen told reporters.",
         "The Bamland quake was felt in three neighbouring provinces and cut power to thousands of homes."]
VOTE = ["Voters in Kordavia re-elected President Ivo Brandt with {n} percent of the vote on Sunday.",
        "Brandt's Unity Party also kept its majority in the Kordavia parliament, the electoral commission said.",
        "Opposition leader Ana Petrova conceded defeat in a speech in the capital Varna at {m} o'clock.",
        "Turnout in the Kordavia election was the lowest since independence, observers from the union said.",
        "Brandt promised a new cabinet within a week and thanked voters in a speech in Varna."]


def report(sentences: list[str], i: int, n: int, m: int) -> str:
    picked = [sentences[(i + k) % len(sentences)] for k in range(3)]
    return " ".join(picked).format(n=n, m=m)


def add(store: Store, title: str, text: str, when: datetime, outlet: str = "Wire") -> Article:
    raw = RawInput(body=f"{title}\n{text}\n{outlet}\n{when}".encode(), kind="text", origin=title)
    store.put_raw(raw)
    article = Article(title=title, text=text, outlet=outlet, published=when, raw_sha256=raw.sha256)
    store.add_article(article)
    return article


@pytest.fixture
def built(any_db):
    """Two stories built from six reports, on SQLite and on PostgreSQL in turn."""
    path = any_db
    with Store(path) as store:
        quakes = [add(store, f"Bamland earthquake kills {10 + i}", report(QUAKE, i, 10 + i, 100 + i),
                      T0 + timedelta(hours=i), outlet=f"Outlet {i}") for i in range(3)]
        votes = [add(store, f"Brandt wins Kordavia election with {60 + i} percent", report(VOTE, i, 60 + i, 9 + i),
                     T0 + timedelta(hours=i, minutes=30), outlet=f"Paper {i}") for i in range(3)]
        build(store)
        quake_story = store.get_article(quakes[0].id).story_id
        vote_story = store.get_article(votes[0].id).story_id
        assert {store.get_article(a.id).story_id for a in quakes} == {quake_story}
        assert {store.get_article(a.id).story_id for a in votes} == {vote_story} != {quake_story}
        assert not any(store.get_article(a.id).duplicate_of for a in quakes + votes)
    return {"path": path, "quakes": [a.id for a in quakes], "votes": [a.id for a in votes],
            "quake_story": quake_story, "vote_story": vote_story}


def test_move_pins_the_article_and_a_later_build_keeps_it_there(built):
    from newsdesk.edits import move_article

    with Store(built["path"]) as store:
        moved = built["quakes"][2]
        new = move_article(store, moved, None)
        assert new not in (built["quake_story"], built["vote_story"])
        assert store.get_article(moved).story_id == new and store.get_story(new).headline
        # Something outside the edit functions puts it back; the next build restores the user's decision.
        store.assign(moved, built["quake_story"])
        later = add(store, "Bamland earthquake toll rises to 14", report(QUAKE, 3, 14, 120), T0 + timedelta(hours=5))
        build(store)
        assert store.get_article(moved).story_id == new
        assert store.get_article(built["quakes"][0]).story_id == built["quake_story"]
        assert store.get_article(later.id).story_id in (built["quake_story"], new)  # either quake story, not votes


def test_merge_redirects_ids_are_never_reused_and_builds_add_to_the_merged_story(built):
    from newsdesk.edits import merge_stories

    with Store(built["path"]) as store:
        target = merge_stories(store, built["vote_story"], built["quake_story"])
        assert target == built["quake_story"]
        assert store.story_redirect(built["vote_story"]) == target
        assert len(store.story_articles(target)) == 6 and not store.story_articles(built["vote_story"])
        assert store.new_story() > max(built["vote_story"], built["quake_story"])
        late = add(store, "Brandt names new cabinet after Kordavia election win",
                   report(VOTE, 3, 61, 10), T0 + timedelta(hours=8))
        build(store)
        assert store.get_article(late.id).story_id == target
        # re-clustering the window would part the two events again; the user's merge binds it
        assert {a.id for a in store.story_articles(target)} >= set(built["quakes"] + built["votes"])
        with pytest.raises(Conflict):
            merge_stories(store, target, built["vote_story"])  # the old id resolves to the same story


def test_api_move_and_merge_and_redirects(built):
    client = api_client(built["path"])  # with a bearer token, as a script calls the API
    qs, vs = built["quake_story"], built["vote_story"]
    r = client.post(f"/api/stories/{qs}/move", json={"article_id": built["quakes"][0], "to": vs})
    assert r.status_code == 200 and r.json() == {"story_id": vs, "from_story": qs, "redirected": False}
    assert client.get(f"/api/stories/{vs}").json()["article_count"] == 4
    assert client.post(f"/api/stories/{qs}/move", json={"article_id": built["quakes"][0]}).status_code == 409
    assert client.post(f"/api/stories/{qs}/move", json={"article_id": 999999}).status_code == 404

    r = client.post(f"/api/stories/{qs}/merge", json={"into": vs})
    assert r.status_code == 200 and r.json()["story_id"] == vs and r.json()["redirected"]
    page = client.get(f"/stories/{qs}", follow_redirects=False)
    assert page.status_code == 301 and page.headers["location"] == f"/stories/{vs}"
    api = client.get(f"/api/stories/{qs}", follow_redirects=False)
    assert api.status_code == 301 and api.headers["location"] == f"/api/stories/{vs}"
    assert client.get(f"/api/stories/{qs}").json()["id"] == vs
    assert client.post(f"/api/stories/{vs}/merge", json={"into": vs}).status_code == 409
    assert client.post(f"/api/stories/{vs}/merge", json={"into": 999999}).status_code == 404


def test_story_page_forms_move_and_merge(built, tmp_path):
    client = browser_client(built["path"])  # logged in through /login; each form posts its CSRF field
    qs, vs = built["quake_story"], built["vote_story"]
    html = client.get(f"/stories/{qs}").text
    assert f'action="/stories/{qs}/move"' in html and f'action="/stories/{qs}/merge"' in html
    assert f'<option value="{built["quakes"][1]}">' in html
    csrf = csrf_token(client, f"/stories/{qs}")

    r = client.post(f"/stories/{qs}/move", data={"article_id": str(built["quakes"][1]), "to": "", "csrf_token": csrf},
                    follow_redirects=False)
    assert r.status_code == 303
    new = int(r.headers["location"].rsplit("/", 1)[1])
    assert new not in (qs, vs) and client.get(r.headers["location"]).status_code == 200

    r = client.post(f"/stories/{new}/merge", data={"into": str(vs), "csrf_token": csrf}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"/stories/{vs}"
    assert client.get(f"/stories/{new}", follow_redirects=False).headers["location"] == f"/stories/{vs}"
    assert client.post(f"/stories/{vs}/merge", data={"into": "x", "csrf_token": csrf}).status_code == 400

    out = tmp_path / "site"
    export_site(built["path"], str(out))
    assert "/merge" not in (out / "stories" / f"{vs}.html").read_text()  # a static site cannot take a POST
