"""A story told in two languages has a brief in each: stored by the real build in SQLite, chosen on the story page
by `?lang=` or the Accept-Language header (the majority language by default), and by `?lang=` in the API."""
from __future__ import annotations

import re
from datetime import datetime

import pytest
from fastapi.testclient import TestClient
from markupsafe import escape

from newsdesk.pipeline import build
from newsdesk.store import Store
from newsdesk.text import split_sentences
from newsdesk.web.app import create_app
from newsdesk.web.views.stories import accepted_languages
from test_web import LOCAL, add

EN_1 = ("A powerful earthquake struck the coast of the island on Monday morning. Officials said the tremor damaged "
        "hundreds of homes in the capital. Rescue teams from the army searched the rubble for survivors through the "
        "night. The government opened schools as shelters for families who lost their homes.")
EN_2 = ("Rescue teams searched collapsed buildings on Tuesday after the earthquake that struck the island coast. The "
        "army sent helicopters with food and water to the villages cut off by landslides. Officials said schools "
        "would stay open as shelters for the families whose homes were destroyed.")
FR_1 = ("Un puissant séisme a frappé la côte de l'île lundi matin. Selon les autorités, la secousse a endommagé des "
        "centaines de maisons dans la capitale. Les équipes de secours de l'armée ont fouillé les décombres toute la "
        "nuit. Le gouvernement a ouvert les écoles pour accueillir les familles sinistrées.")


@pytest.fixture
def two_languages(tmp_path) -> dict:
    """A story of two English articles and one French one, put together by a reader's move (so that the test does
    not depend on the clustering joining languages), then rebuilt."""
    path = str(tmp_path / "news.db")
    with Store(path) as store:
        en1 = add(store, "Earthquake strikes island coast", EN_1, "Alpha News", datetime(2010, 3, 1, 9), language="en")
        en2 = add(store, "Rescuers search rubble after quake", EN_2, "Beta Times", datetime(2010, 3, 2, 9),
                  language="en")
        fr = add(store, "Un séisme frappe la côte de l'île", FR_1, "Le Quotidien", datetime(2010, 3, 1, 12),
                 language="fr")
        build(store)
        target = store.get_article(en1.id).story_id
        for a in (en2, fr):
            if store.get_article(a.id).story_id != target:
                store.move_article(a.id, target)
        build(store)
        story = store.get_story(target)
        articles = {a.id: a for a in store.story_articles(target)}
    assert set(articles) == {en1.id, en2.id, fr.id}
    return {"path": path, "story": story, "articles": articles, "fr": fr.id}


def _on(s, page: str) -> bool:
    """Whether the page shows the sentence: its opening, escaped (the page adds dates after words like "Monday")."""
    return str(escape(s.text[:24])) in page


def _verbatim(sentences, articles, language):
    for s in sentences:
        a = articles[s.article_id]
        assert a.language == language
        start, end = split_sentences(a.text)[s.position]
        assert a.text[start:end] == s.text  # a verbatim span, at the position its link points to


def test_the_build_stores_a_brief_per_language(two_languages):
    brief, articles = two_languages["story"].brief, two_languages["articles"]
    assert brief.language == "en" and brief.languages() == ["en", "fr"]
    _verbatim(brief.sentences + brief.latest, articles, "en")
    french = brief.by_language["fr"]
    assert french.language == "fr" and french.sentences
    _verbatim(french.sentences + french.latest, articles, "fr")
    assert french.headline == "Un séisme frappe la côte de l'île"


def test_the_page_offers_the_brief_in_the_readers_language(two_languages):
    client = TestClient(create_app(two_languages["path"]), base_url=LOCAL)
    url = f"/stories/{two_languages['story'].id}"
    french = two_languages["story"].brief.by_language["fr"]
    english = two_languages["story"].brief

    default = client.get(url).text
    assert _on(english.sentences[0], default) and not _on(french.sentences[0], default)
    assert re.search(r'Brief in: <strong lang="en"[^>]*>English</strong> · <a href="\?lang=fr"[^>]*>Français</a>',
                     default)

    asked = client.get(url + "?lang=fr").text
    assert _on(french.sentences[0], asked) and not _on(english.sentences[0], asked)
    assert f'#s{french.sentences[0].position}"' in asked  # linked to its place in the French article
    assert '<h1 dir="auto" lang="fr">Un séisme frappe la côte de l&#39;île</h1>' in asked

    # the header chooses where the query does not; the page cache keeps one page per header
    by_header = client.get(url, headers={"Accept-Language": "fr-CA,fr;q=0.9,en;q=0.5"})
    assert _on(french.sentences[0], by_header.text) and by_header.headers["vary"] == "Accept-Language"
    assert _on(english.sentences[0], client.get(url, headers={"Accept-Language": "en-GB"}).text)
    # a language the story has no articles in falls back to the majority language
    assert _on(english.sentences[0], client.get(url + "?lang=de", headers={"Accept-Language": "de"}).text)


def test_the_api_gives_the_brief_in_the_language_asked(two_languages):
    client = TestClient(create_app(two_languages["path"]), base_url=LOCAL)
    url = f"/api/stories/{two_languages['story'].id}"
    default = client.get(url).json()
    assert default["brief_language"] == "en" and default["brief_languages"] == ["en", "fr"]
    french = client.get(url + "?lang=fr").json()
    assert french["brief_language"] == "fr" and french["headline"] == "Un séisme frappe la côte de l'île"
    assert {s["article_id"] for s in french["brief"]} == {two_languages["fr"]}


def test_accept_language_ranked_by_quality():
    assert accepted_languages("fr-CH, fr;q=0.9, en;q=0.8, de;q=0.7, *;q=0.5") == ["fr", "en", "de"]
    assert accepted_languages("en;q=0.2, es") == ["es", "en"]
    assert accepted_languages("he;q=0, ar") == ["ar"]
    assert accepted_languages(None) == [] and accepted_languages("") == []


def test_a_strangers_language_choice_is_never_echoed_and_never_fails(two_languages):
    """Markup, a huge value, junk weights and a header of many ranges: the page answers with the default brief, and
    nothing the stranger sent appears in it; the API refuses nothing either."""
    client = TestClient(create_app(two_languages["path"]), base_url=LOCAL)
    sid = two_languages["story"].id
    english = two_languages["story"].brief
    evil = '"><script>alert(1)</script>'
    for query, header in ((evil, evil), ("x" * 20_000, "fr;q=abc, *;q=1, ;;;=,"),
                          ("FR", ",".join(f"l{i};q=0.{i % 10}" for i in range(2_000)))):
        page = client.get(f"/stories/{sid}", params={"lang": query}, headers={"Accept-Language": header})
        assert page.status_code == 200
        assert "<script>alert" not in page.text and "x" * 100 not in page.text
        if query != "FR":
            assert _on(english.sentences[0], page.text)
        api = client.get(f"/api/stories/{sid}", params={"lang": query})
        assert api.status_code == 200 and api.json()["brief_language"] in ("en", "fr")
    # the case of a code does not matter: FR is French
    assert _on(two_languages["story"].brief.by_language["fr"].sentences[0],
               client.get(f"/stories/{sid}?lang=FR").text)
