"""Sections: the classifier's contract (stages/topics.py), the section a build stores, and the section pages, feeds
and API served by the real server."""
from __future__ import annotations

import json
import re
import urllib.request
from datetime import datetime, timedelta

import feedparser
import pytest

from newsdesk.models import Article, Brief, BriefSentence, RawInput
from newsdesk.stages.topics import BY_KEY, SECTION_KEYS, SECTIONS, classify, classify_text
from newsdesk.store import Store
from newsdesk.web import create_app

# Leads written for these tests, each plainly of one section; none is a seed phrase of the classifier.
CLEAR = {
    "sport": "Manchester United came from two goals down to beat Liverpool 3-2 at Old Trafford on Sunday, with the "
             "striker scoring twice in the last ten minutes to lift his side to third in the Premier League table.",
    "disaster": "A magnitude 7.1 earthquake struck the coast before dawn, toppling apartment blocks; rescuers pulled "
                "survivors from the rubble as the death toll climbed past 300 and aftershocks shook the region.",
    "business": "Shares in the carmaker fell 8% after it cut its profit forecast for the year, blaming weak demand "
                "in China and higher costs; quarterly revenue came in below analysts' expectations.",
    "health": "Doctors at the hospital say the new vaccine cut infections by 90% in a trial of 40,000 patients, and "
              "health officials hope to offer it to older people before the flu season.",
    "crime": "The jury found him guilty of murder after a three-week trial; the judge will pass sentence next month, "
             "and police said the victim's family had been told of the verdict.",
    "politics": "The prime minister's party lost its majority in parliament in Sunday's general election, and "
                "opposition leaders began talks on forming a coalition government.",
    "conflict": "Troops backed by tanks and air strikes pushed into the rebel-held city on Tuesday, and the army said "
                "dozens of militants were killed in the heaviest fighting since the ceasefire collapsed.",
    "environment": "Global carbon emissions rose again last year, scientists warned, putting the Paris climate "
                   "target out of reach as melting ice sheets and warming oceans speed sea level rise.",
    "science": "Researchers released a new artificial intelligence model that writes software code, and the chip "
               "maker said its processors for data centres would double the speed of training such models.",
    "culture": "The director's new film premiered at the Cannes festival to a standing ovation, and its lead actress "
               "is already tipped for an Oscar; the soundtrack album tops the charts.",
}


def test_sections_cover_the_iptc_top_level_once():
    codes = [code for s in SECTIONS for code, _ in s.topics]
    assert len(codes) == len(set(codes)) == 17  # the IPTC Media Topics top level has 17 topics
    assert all(re.fullmatch(r"\d{2}000000", c) for c in codes)
    assert len(SECTION_KEYS) == len(set(SECTION_KEYS))
    assert all(re.fullmatch(r"[a-z]+", k) for k in SECTION_KEYS)  # used as they are in URLs


@pytest.mark.parametrize("text", ["", " ", "1234 5678", "é ü ß 東京 مرحبا", "the", "x" * 5000,
                                  "Breaking: " + "word " * 2000])
def test_any_text_gets_one_section_the_same_every_time(text):
    first = classify_text(text)
    assert first in SECTION_KEYS
    assert classify_text(text) == first


def test_a_story_with_no_english_article_is_left_unsorted_and_its_english_articles_decide():
    from newsdesk.stages.topics import UNSORTED

    assert classify([]) == UNSORTED
    quake = ("A magnitude 7.0 earthquake struck Haiti on Tuesday, collapsing buildings in Port-au-Prince; rescuers "
             "searched the rubble for survivors as the death toll rose.")
    french = Article(title="Dix missionnaires accusés", language="fr",
                     text="Dix missionnaires américains ont été accusés d'enlèvement d'enfants en Haïti.")
    assert classify([french]) == UNSORTED
    english = Article(title="Earthquake in Haiti", text=quake, language="en")
    assert classify([english, french]) == classify([english]) == classify_text(f"Earthquake in Haiti\n{quake}")


@pytest.mark.parametrize("section", sorted(CLEAR))
def test_clear_texts_go_to_their_section(section):
    assert classify_text(CLEAR[section]) == section


def test_a_story_is_read_from_all_its_articles():
    # One off-topic article among three sport reports does not move the story out of sport.
    articles = [Article(title="Late winner", text=CLEAR["sport"]),
                Article(title="Cup run goes on", text=CLEAR["sport"].replace("Sunday", "Wednesday")),
                Article(title="Club results", text=CLEAR["business"])]
    assert classify(articles) == "sport"
    assert classify(list(reversed(articles))) == "sport"  # order does not matter


# -- stored by a build ------------------------------------------------------------------------------------------
@pytest.mark.slow  # a whole build: briefs and spaCy facts
def test_build_stores_a_section_and_fills_in_stories_that_lack_one(tmp_path):
    from newsdesk.pipeline.build import build

    path = str(tmp_path / "news.db")
    day = datetime(2024, 5, 1)
    with Store(path) as store:
        for i, (section, title) in enumerate([("sport", "United beat Liverpool"), ("sport", "United win again"),
                                              ("disaster", "Quake kills 300"), ("disaster", "Quake toll rises")]):
            text = CLEAR[section] + (" It was the second report." if i % 2 else "")
            raw = RawInput(body=text.encode(), kind="text", origin="test")
            store.put_raw(raw)
            store.add_article(Article(title=title, text=text, outlet=f"Outlet {i}", published=day + timedelta(hours=i),
                                      raw_sha256=raw.sha256))
        build(store, log=lambda m: None)
        stories = store.list_stories(limit=10)
        assert {s.section for s in stories} == {"sport", "disaster"}
        for s in stories:
            titles = [store.get_article(a).title for a in s.article_ids]
            assert s.section == ("sport" if "United" in titles[0] else "disaster")
        # A store built before sections existed: the next build gives each story its section, briefs untouched.
        store.db.execute("UPDATE stories SET section = NULL")
        store.db.commit()
        briefs = {s.id: store.get_story(s.id).brief for s in stories}
        assert store.stories_without_section() == sorted(briefs)
        assert any("no section" in problem for problem in store.check())  # `newsdesk check` says so
        build(store, log=lambda m: None)
        assert store.stories_without_section() == []
        assert {s.id: s.section for s in store.list_stories(limit=10)} == {s.id: s.section for s in stories}
        assert {sid: store.get_story(sid).brief for sid in briefs} == briefs


# -- served ------------------------------------------------------------------------------------------------------
def _store_with_sections(path: str) -> dict[str, list[int]]:
    """Three sport stories and one politics story, sections set as a build sets them."""
    made: dict[str, list[int]] = {}
    with Store(path) as store:
        for i, (section, headline) in enumerate([("sport", "Cup final goes to extra time"),
                                                 ("politics", "Coalition talks begin"),
                                                 ("sport", "Champions crowned on last day"),
                                                 ("sport", "Marathon record falls")]):
            text = f"{headline}. More about it follows here."
            raw = RawInput(body=text.encode(), kind="text", origin="test")
            store.put_raw(raw)
            article = Article(title=headline, text=text, outlet="Alpha News",
                              published=datetime(2024, 5, 1 + i), raw_sha256=raw.sha256)
            store.add_article(article)
            sid = store.new_story()
            store.assign(article.id, sid)
            store.save_story(sid, Brief(headline=headline, sentences=[BriefSentence(
                text=f"{headline}.", article_id=article.id, position=0, outlet="Alpha News",
                published=article.published)]))
            store.set_sections([(sid, section)])
            made.setdefault(section, []).append(sid)
    return made


def _get(url: str) -> tuple[int, str, str]:
    try:
        with urllib.request.urlopen(url, timeout=20) as r:
            return r.status, r.headers.get("content-type", ""), r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("content-type", ""), e.read().decode()


@pytest.mark.slow  # a real server on loopback
def test_section_page_feed_and_api_served(tmp_path):
    from _common import Server

    path = str(tmp_path / "news.db")
    made = _store_with_sections(path)
    with Server(create_app(path)) as base:
        status, _, html = _get(f"{base}/section/sport")
        assert status == 200
        assert f"<h1 class=\"page-title\">{BY_KEY['sport'].label}</h1>" in html
        for headline in ("Cup final goes to extra time", "Champions crowned on last day", "Marathon record falls"):
            assert headline in html
        assert "Coalition talks begin" not in html
        # newest activity first, as on the front page
        assert html.index("Marathon record falls") < html.index("Champions crowned") < html.index("Cup final")
        assert 'href="/section/sport.atom"' in html
        for s in SECTIONS:  # the bar of sections links every one
            assert f'href="/section/{s.key}"' in html

        status, ctype, xml = _get(f"{base}/section/sport.atom")
        assert status == 200 and ctype.startswith("application/atom+xml")
        feed = feedparser.parse(xml)
        assert not feed.bozo
        assert [e.link for e in feed.entries] == [f"http://127.0.0.1:8000/stories/{sid}"
                                                  for sid in sorted(made["sport"], reverse=True)]
        assert BY_KEY["sport"].label in feed.feed.title
        assert all([t.term for t in e.tags] == ["sport"] for e in feed.entries)  # each entry's category

        status, _, home = _get(f"{base}/")  # the front page labels each story with its section
        assert f'<a class="section-tag" href="/section/politics">{BY_KEY["politics"].short}</a>' in home

        assert _get(f"{base}/section/nothing")[0] == 404
        assert _get(f"{base}/section/nothing.atom")[0] == 404
        assert _get(f"{base}/section/sport?page=2")[0] == 404
        status, _, empty = _get(f"{base}/section/health")
        assert status == 200 and "No stories in Health yet" in empty

        listed = json.loads(_get(f"{base}/api/stories")[2])["stories"]
        assert {s["id"]: s["section"] for s in listed} == {sid: k for k, ids in made.items() for sid in ids}
        one = json.loads(_get(f"{base}/api/stories/{made['politics'][0]}")[2])
        assert one["section"] == "politics"
        sections = {s["key"]: s for s in json.loads(_get(f"{base}/api/sections")[2])}
        assert list(sections) == list(SECTION_KEYS)
        assert sections["sport"]["stories"] == 3 and sections["health"]["stories"] == 0
        assert {"code": "15000000", "name": "sport"} in sections["sport"]["iptc"]
        in_sport = json.loads(_get(f"{base}/api/sections/sport/stories?limit=2")[2])
        assert in_sport["total"] == 3 and [s["id"] for s in in_sport["stories"]] == sorted(made["sport"])[::-1][:2]


def test_static_export_writes_section_pages(tmp_path):
    from newsdesk.web.export import export_site

    path = str(tmp_path / "news.db")
    made = _store_with_sections(path)
    export_site(path, tmp_path / "site")
    sport = (tmp_path / "site" / "section" / "sport.html").read_text()
    assert "Marathon record falls" in sport and "Coalition talks begin" not in sport
    assert f'href="../stories/{made["sport"][0]}.html"' in sport
    for s in SECTIONS:  # every section the bar links to has its page
        assert (tmp_path / "site" / "section" / f"{s.key}.html").exists()
    assert 'href="section/politics.html"' in (tmp_path / "site" / "index.html").read_text()
