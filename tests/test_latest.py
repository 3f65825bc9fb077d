"""The latest development first: headlines from the newest reports, a "latest" section of what they add, relative
time words shown with a date, teasers that stand alone. Checked on the real demo build of the bundled sample."""
from __future__ import annotations

import json
import re
from datetime import date

import pytest
from fastapi.testclient import TestClient

from newsdesk.sources.sample import sample_records
from newsdesk.store import Store
from newsdesk.web import create_app

from conftest import run_cli

LOCAL = "http://127.0.0.1:8000"
# Words that, opening a sentence, refer back to something said before it.
BACKWARD = {"he", "she", "they", "it", "his", "her", "its", "their", "them", "this", "these", "those", "however",
            "but", "also", "meanwhile", "still", "yet", "and", "so", "then", "instead", "such", "there", "both"}
RELATIVE = re.compile(r"\b(?:earlier|later) today\b|\btoday\b|\btonight\b|\bthis (?:morning|afternoon|evening)\b|"
                      r"\byesterday\b|\blast week\b|\bon (?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day\b"
                      r"(?!,? (?:\d|[A-Z][a-z]+\.? \d))", re.I)  # "on Sunday, January 23" carries its date


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> str:
    path = str(tmp_path_factory.mktemp("demo") / "demo.db")
    result = run_cli("demo", "--no-serve", db=path)
    assert result.returncode == 0, result.stderr
    return path


@pytest.fixture(scope="module")
def client(demo) -> TestClient:
    return TestClient(create_app(demo), base_url=LOCAL)


def _story_with(store: Store, title_words: str):
    for story in store.iter_all_stories():
        titles = [store.get_article(i).title for i in story.article_ids]
        if any(title_words.lower() in t.lower() for t in titles):
            return story, {a.id: a for a in store.story_articles(story.id)}
    raise AssertionError(f"no story has an article titled {title_words!r}")


@pytest.mark.slow
def test_bali_story_opens_with_the_roadmap_agreement(demo, client):
    with Store(demo) as store:
        story, articles = _story_with(store, '"Bali Roadmap" agreed')
        first_day = min(a.published for a in articles.values())
        latest = story.brief.latest
    # the headline is not the first report's
    headline_article = next(a for a in articles.values() if a.title == story.headline)
    assert headline_article.published > first_day, story.headline
    roadmap = [s for s in latest if re.search(r"roadmap", s.text, re.I) and re.search(r"\bagree", s.text, re.I)]
    assert roadmap, [s.text for s in latest]
    for s in latest:  # verbatim and credited
        assert s.text in articles[s.article_id].text and s.published == articles[s.article_id].published
    page = client.get(f"/stories/{story.id}").text
    assert page.index('id="latest-h"') < page.index('id="brief-h"')
    assert f'/articles/{roadmap[0].article_id}#s{roadmap[0].position}' in page
    api = client.get(f"/api/stories/{story.id}").json()
    assert [s["text"] for s in api["latest"]] == [s.text for s in latest]
    feed = client.get("/feed.atom").text
    assert "Latest" in feed and re.search(r"roadmap", feed, re.I)


@pytest.mark.slow
def test_sailors_story_reports_their_release(demo):
    with Store(demo) as store:
        story, articles = _story_with(store, "Ahmadinejad to free")
        freed_on = next(a.published for a in articles.values() if "Ahmadinejad to free" in a.title)
        english = story.brief.in_language("en")  # the story is told in English, French and Arabic
        shown = english.latest + english.sentences
    release = [s for s in shown if s.published >= freed_on
               and re.search(r"releas|\bfree|landed|back home|returned", s.text, re.I)]
    assert release, [(s.published, s.text) for s in shown]


@pytest.mark.slow
def test_relative_time_words_are_shown_with_their_date(demo, client):
    from newsdesk.stages.facts.timeline import relative_times

    text = "A quake struck earlier today at 21:53 UTC."
    at = text.index("earlier today")
    assert relative_times(text, date(2010, 1, 12)) == [(at, at + len("earlier today"), "12 Jan 2010")]
    seen = 0
    with Store(demo) as store:
        ids = [s.id for s in store.iter_all_stories()]
    pages = [client.get("/").text] + [client.get(f"/stories/{i}").text for i in ids]
    for page in pages:
        # the brief, the latest and the teasers (the facts' sections are not quoted sentences of the brief)
        page = "".join(re.findall(r'<section class="(?:latest|brief)".*?</section>', page, re.S)) + "".join(
            re.findall(r'<p class="teaser">.*?</p>', page, re.S))
        for quote in re.findall(r'<span class="quote">(.*?)</span>\s*<span class="source"', page, re.S) + \
                re.findall(r'<p class="teaser">(.*?)</p>', page, re.S):
            for m in RELATIVE.finditer(quote):
                seen += 1
                note = (r"(?:&#39;s|’s)?(?: (?:morning|afternoon|evening|night))?"
                        r'<span class="when"[^>]*>\s*\[(?:week of )?\d{1,2} [A-Z][a-z]{2} \d{4}')
                assert re.match(note, quote[m.end():]), quote
    assert seen  # the sample's briefs do carry such words ("earlier today" in the Haiti story)
    haiti = client.get(f"/stories/{next(i for i in ids if 'earlier today' in client.get(f'/api/stories/{i}').text)}")
    assert re.search(r'earlier today<span class="when"[^>]*> \[12 Jan 2010\]</span>', haiti.text)


@pytest.mark.slow
def test_home_page_teasers_never_open_with_a_dangling_reference(demo, client):
    with Store(demo) as store:
        texts = {a.id: a.text for a in store.articles()}
    page = client.get("/").text
    teasers = [re.sub(r"<[^>]+>", "", t) for t in re.findall(r'<p class="teaser">(.*?)</p>', page, re.S)]
    assert len(teasers) >= 20
    stories = client.get("/api/stories?limit=100").json()["stories"]
    for story in stories:
        teaser = story["teaser"]
        source = next(t for t in texts.values() if teaser in t)
        before = source[: source.index(teaser)].lower()
        first = re.match(r"[\"“]?(\w+)(?:\s+(\S+))?", teaser)
        assert first.group(1).lower() not in BACKWARD, teaser
        # "The Conference is ...": a definite head noun the article named before the teaser, not a proper name
        head = first.group(2) if first.group(1).lower() in ("the", "this", "that", "these", "those") else None
        if head and re.fullmatch(r"[A-Za-z-]+", head) and not re.match(r"\S+\s+[A-Z]", teaser[len(first.group(0)):]
                                                                           .lstrip() + " x"):
            assert not re.search(rf"\b{re.escape(head.lower())}\b", before), teaser


def _cluster(records):
    return {"cluster_id": "c", "docs": [{"doc_id": r["id"], "title": r["title"], "text": r["text"],
                                         "date": r["date"], "outlet": r["outlet"]} for r in records]}


def test_summarize_gives_latest_from_the_newest_documents_and_none_for_one_date():
    records = sorted([r for r in sample_records() if "Haiti" in r["title"]], key=lambda r: r["date"])
    assert len({r["date"] for r in records}) >= 3
    one_day = [dict(r, date=records[0]["date"]) for r in records[:4]]
    undated = [dict(r, date=None) for r in records[:4]]
    stdin = "\n".join(json.dumps(_cluster(c)) for c in (records, one_day, undated))
    result = run_cli("summarize", stdin=stdin)
    assert result.returncode == 0, result.stderr
    several, same, none = [json.loads(line) for line in result.stdout.splitlines()]
    newest = max(r["date"] for r in records)
    dates = {r["id"]: r["date"] for r in records}
    assert several["latest"] and dates[several["latest"][0]["doc_id"]] == newest
    for s in several["latest"]:
        assert set(s) >= {"text", "doc_id"} and s["text"] in next(r["text"] for r in records if r["id"] == s["doc_id"])
        assert dates[s["doc_id"]] > records[0]["date"]
    assert same["latest"] == [] and none["latest"] == []


def test_relative_times_leave_dated_weekdays_and_unknown_bases_alone():
    from newsdesk.stages.facts.timeline import relative_times

    base = date(2007, 12, 17)
    text = "The talks ended on Saturday."
    at = text.index("on Saturday")
    assert relative_times(text, base) == [(at, at + len("on Saturday"), "15 Dec 2007")]
    assert relative_times("It began on Monday, December 3, 2007.", base) == []
    assert relative_times("It ended earlier today.", None) == []
    assert relative_times("on today's early morning", base) == [(3, 10, "17 Dec 2007")]  # the date after "'s"
    assert [t for *_, t in relative_times("Talks went on last week and this evening.", base)] == \
        ["week of 10 Dec 2007", "17 Dec 2007"]


@pytest.mark.slow
def test_a_users_move_rebuilds_the_headline_and_latest(demo, tmp_path):
    import sqlite3

    from newsdesk.edits import move_article

    path = str(tmp_path / "copy.db")
    with sqlite3.connect(demo) as src, sqlite3.connect(path) as dst:
        src.backup(dst)  # the module's demo stays as built for the other tests
    with Store(path) as store:
        story, articles = _story_with(store, '"Bali Roadmap" agreed')
        newest = max(articles.values(), key=lambda a: a.published)
        assert any(s.article_id == newest.id for s in story.brief.latest)
        move_article(store, newest.id)  # a user takes the newest report out of the story
        after = store.get_story(story.id)
    assert newest.id not in {s.article_id for s in after.brief.latest}
    assert after.headline != newest.title and after.brief.latest
    rest = [a for a in articles.values() if a.id != newest.id]
    assert max(a.published for a in rest) == max(s.published for s in after.brief.latest)
