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
