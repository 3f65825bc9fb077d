"""Following (views/following.py): the cookie read defensively, the Following page, and an Atom feed per item."""
from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import datetime

import pytest
from fastapi.testclient import TestClient

from newsdesk.models import Article, Brief, RawInput
from newsdesk.store import Store
from newsdesk.web import create_app
from newsdesk.web.views.following import MAX_FOLLOWS, Follow, parse_follows

ATOM = "{http://www.w3.org/2005/Atom}"


def test_cookie_items_are_parsed_and_bad_ones_dropped():
    got = parse_follows("story:3,entity:7,search:flood%20defences,story:3,bogus:1,story:x,entity:,search:,"
                        "story:%31%32,search:" + "w" * 500)
    assert got == [Follow("story", "3"), Follow("entity", "7"), Follow("search", "flood defences"),
                   Follow("story", "12")]
    assert parse_follows(None) == [] and parse_follows("") == []
    assert len(parse_follows(",".join(f"story:{i}" for i in range(500)))) == MAX_FOLLOWS


@pytest.fixture
def site(tmp_path):
    path = str(tmp_path / "f.db")
    with Store(path) as store:
        ids = {}
        for name, title, day in [("flood", "River flood reaches the town", 1), ("vote", "Council votes", 5)]:
            sid = ids[name] = store.new_story()
            raw = RawInput(body=title.encode(), kind="text", origin=title)
            store.put_raw(raw)
            a = Article(title=title, text=f"{title}. Residents were told to leave.", outlet="Town Crier",
                        published=datetime(2024, 3, day), raw_sha256=raw.sha256)
            store.add_article(a)
            store.assign(a.id, sid)
            store.save_story(sid, Brief(headline=title, sentences=[]))
        store.db.execute("INSERT INTO entities (id, kind, key, name) VALUES (1, 'place', 'town', 'Townsville')")
        store.db.execute("INSERT INTO entity_stories (entity_id, story_id, mentions, variants) VALUES (1, ?, 2, '[]')",
                         (ids["flood"],))
        store.db.commit()
    return {"path": path, **ids}


def test_following_page_lists_what_the_cookie_names(site):
    c = TestClient(create_app(site["path"]), base_url="http://127.0.0.1:8000")
    assert "Nothing followed yet" in c.get("/following").text
    c.cookies.set("newsdesk_follow", f"story:{site['vote']},entity:1,search:flood,story:999")
    page = c.get("/following").text
    assert page.index("Council votes") < page.index("Townsville") < page.index("“flood”") < page.index("Story 999")
    assert f'href="/stories/{site["vote"]}.atom"' in page and 'href="/entities/1.atom"' in page
    assert 'href="/search.atom?q=flood"' in page
    search = page[page.index("“flood”"):]
    assert "River flood reaches the town" in search[:search.index("</li>")]  # the search's matching stories
    entity = page[page.index("Townsville"):]
    assert "River flood reaches the town" in entity[:entity.index("</li>")]  # the entity's stories


def test_a_feed_for_each_followed_kind(site):
    c = TestClient(create_app(site["path"]), base_url="http://127.0.0.1:8000")
    story = ET.fromstring(c.get(f"/stories/{site['flood']}.atom").content)
    entries = story.findall(f"{ATOM}entry")
    assert len(entries) == 1 and entries[0].find(f"{ATOM}title").text == "River flood reaches the town"
    assert entries[0].find(f"{ATOM}id").text.endswith(f"/stories/{site['flood']}")
    entity = ET.fromstring(c.get("/entities/1.atom").content)
    assert [e.find(f"{ATOM}title").text for e in entity.findall(f"{ATOM}entry")] == ["River flood reaches the town"]
    assert c.get("/stories/999.atom").status_code == 404 and c.get("/entities/5.atom").status_code == 404
    # the pages behind the feeds still answer as before
    assert c.get(f"/stories/{site['flood']}").status_code == 200 and c.get("/entities/1").status_code == 200
    page = c.get(f"/stories/{site['flood']}").text
    assert f'data-follow="story:{site["flood"]}"' in page and f'href="/stories/{site["flood"]}.atom"' in page


def test_json_feeds_mirror_the_atom_ones(site):
    c = TestClient(create_app(site["path"]), base_url="http://127.0.0.1:8000")
    for url in (f"/stories/{site['flood']}.json", "/entities/1.json", "/search.json?q=flood", "/feed.json"):
        r = c.get(url)
        assert r.status_code == 200 and r.headers["content-type"].startswith("application/feed+json"), url
        feed = r.json()
        assert feed["version"] == "https://jsonfeed.org/version/1.1" and feed["feed_url"].endswith(url)
        titles = [i["title"] for i in feed["items"]]
        assert "River flood reaches the town" in titles, url
        assert all(i["id"].startswith("http://127.0.0.1:8000/stories/") for i in feed["items"])
    assert [i["title"] for i in c.get("/feed.json").json()["items"]] == ["Council votes", "River flood reaches the town"]
    assert c.get("/stories/999.json").status_code == 404


def test_following_marks_stories_rewritten_since_the_last_visit(site):
    c = TestClient(create_app(site["path"]), base_url="http://127.0.0.1:8000")
    c.cookies.set("newsdesk_follow", f"story:{site['flood']},story:{site['vote']}")
    first = c.get("/following")
    assert 'class="changed"' not in first.text  # a first visit has nothing to compare with
    seen = first.cookies.get("newsdesk_seen") or c.cookies.get("newsdesk_seen")
    assert seen
    with Store(site["path"]) as store:  # the flood story is rewritten after the visit
        store.db.execute("UPDATE stories SET updated_at = '2999-01-01T00:00:00+00:00' WHERE id = ?", (site["flood"],))
        store.db.commit()
    page = c.get("/following").text
    flood = page[page.index("River flood reaches the town"):]
    vote = page[page.index("Council votes"):]
    assert 'class="changed"' in flood[:flood.index("</h2>")]
    assert 'class="changed"' not in vote[:vote.index("</h2>")]
    c.cookies.set("newsdesk_seen", "not a time")
    assert c.get("/following").status_code == 200
