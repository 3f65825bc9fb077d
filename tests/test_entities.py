"""Entities that mean one thing each: acronyms, spellings and surnames merge; one type per entity, from all its
mentions; low-confidence entities are folded away from the story page's lists.

The story-level checks run the real facts stage (spaCy's small model) on the bundled Wikinews stories the demo shows:
the Haiti earthquake (M006), the Bali climate conference (M004) and the British sailors held by Iran (M002)."""
from __future__ import annotations

import json
from datetime import datetime

import pytest

from newsdesk.models import Article
from newsdesk.sources.sample import parse_wikinews_text, sample_path
from newsdesk.stages.facts import load_nlp, story_facts
from newsdesk.stages.facts.entities import clean_name, merge


@pytest.fixture(scope="module")
def nlp():
    return load_nlp()


@pytest.fixture(scope="module")
def sample_facts(nlp):
    """story_facts of three bundled Wikinews stories, by cluster id."""
    out = {}
    with sample_path().open(encoding="utf-8") as f:
        for line in f:
            cluster = json.loads(line)
            if cluster["cluster_id"] not in ("M002", "M004", "M006"):
                continue
            arts = []
            for d in cluster["docs"]:
                day, text = parse_wikinews_text(d["text"])
                arts.append(Article(title=d["title"], text=text, outlet="Wikinews", published=day,
                                    external_id=d["doc_id"]))
            out[cluster["cluster_id"]] = story_facts(arts, nlp=nlp)["entities"]
    return out


def holder(entities, variant):
    """The entities that list `variant` among their spellings."""
    return [e for e in entities if variant in e["variants"]]


def same_entity(entities, *variants):
    found = [holder(entities, v) for v in variants]
    assert all(len(h) == 1 for h in found), [(v, [e["name"] for e in h]) for v, h in zip(variants, found)]
    return len({id(h[0]) for h in found}) == 1


def test_acronyms_and_their_expansions_are_one_entity(sample_facts):
    haiti, bali, sailors = sample_facts["M006"], sample_facts["M004"], sample_facts["M002"]
    assert same_entity(haiti, "USGS", "US Geological Survey")
    assert same_entity(haiti, "AFP", "Agence France-Presse")
    assert same_entity(haiti, "WFP", "World Food Program", "World Food Programme")
    assert same_entity(bali, "UN", "U.N", "United Nations")
    assert same_entity(bali, "UNFCCC", "United Nations Framework Convention on Climate Change")
    assert same_entity(sailors, "UK", "United Kingdom", "U.K")
    assert same_entity(sailors, "MOD", "Ministry of Defence")  # initials with "of"


def test_truncated_names_and_spelling_variants_join_the_full_name(sample_facts):
    haiti, bali = sample_facts["M006"], sample_facts["M004"]
    assert same_entity(haiti, "Alain Le", "Alain LeRoy")
    assert same_entity(bali, "Hans Verlome", "Hans Verolme", "Verolme")
    assert same_entity(bali, "Yvo de Boer", "De Boer")
    assert same_entity(haiti, "Edmond Mulet", "Mulet")


def test_a_person_is_named_by_the_fullest_way_of_writing_them(sample_facts):
    """"Al" of "Al Gore" is a first name, not the Arabic article: the list must not call him "Gore"."""
    bali = sample_facts["M004"]
    (gore,) = holder(bali, "Gore")
    assert "Al Gore" in gore["variants"]
    assert gore["name"] == max(gore["variants"], key=lambda v: len(v.split()))


def test_each_entity_has_one_type_chosen_from_all_its_mentions(sample_facts):
    haiti, bali, sailors = sample_facts["M006"], sample_facts["M004"], sample_facts["M002"]
    kind = {e["name"]: e["kind"] for e in bali + haiti + sailors}
    assert kind["Yvo de Boer"] == "person" and kind["Edmond Mulet"] == "person"
    assert all(e["kind"] == "place" for e in holder(bali, "Borneo"))
    assert not [e for e in bali if e["kind"] == "person" and "Roadmap" in e["name"]]
    assert not [e for e in sailors if e["kind"] == "place" and "Passover" in e["name"]]
    for story in (haiti, bali, sailors):  # no spelling is listed under two entities
        seen = [v for e in story for v in e["variants"]]
        assert len(seen) == len(set(seen)), sorted(v for v in seen if seen.count(v) > 1)


def test_an_acronym_defined_in_parentheses_joins_its_name(nlp):
    text = ("The National Emergencies Office (ONEMI) put the toll at 300. Officials at ONEMI said 1.5 million homes "
            "were damaged. Chile's National Emergencies Office (ONEMI) asked for tents.")
    ents = story_facts([Article(title="Chile quake", text=text, outlet="Wire", published=datetime(2010, 2, 28),
                                external_id="a")], nlp=nlp)["entities"]
    onemi = holder(ents, "ONEMI")
    assert len(onemi) == 1 and "National Emergencies Office" in onemi[0]["variants"]
    assert not [e for e in ents if "(" in e["name"]]


def test_possessive_quote_and_determiner_variants_are_one_name():
    assert clean_name("United Nations'") == "United Nations"
    assert clean_name('the "United Nations Climate Change Conference') == "United Nations Climate Change Conference"
    assert clean_name("This Intergovernmental Panel on Climate Change") == "Intergovernmental Panel on Climate Change"
    assert clean_name("World Health Organization (WHO") == "World Health Organization"
    mentions = [{"label": "FAC", "text": "King's Cross", "doc_id": "a"}, {"label": "ORG", "text": "Kings Cross",
                                                                          "doc_id": "b"}]
    assert len(merge(mentions)) == 1


def test_a_lone_uncertain_mention_is_folded_not_listed(sample_facts):
    bali = sample_facts["M004"]
    emitting = holder(bali, "Emitting")  # "the Major Emitting nations": not a person
    assert not emitting or emitting[0].get("uncertain")
    ban = next(e for e in bali if e["name"].startswith("Ban Ki"))
    assert not ban.get("uncertain")  # many mentions, one type


def test_story_page_folds_less_certain_entities_away_from_the_lists(tmp_path, nlp):
    from fastapi.testclient import TestClient

    from newsdesk.models import Brief, RawInput
    from newsdesk.pipeline import build_facts
    from newsdesk.store import Store
    from newsdesk.web import create_app

    text = ("Anna Berg, the harbour master of Visby, said the pier would reopen in May. Berg said the storm had "
            "torn away forty metres of the old wall. Volunteers from Greenpeace helped to clear the beach.")
    path = str(tmp_path / "e.db")
    with Store(path) as store:
        sid = store.new_story()
        raw = RawInput(body=text.encode(), kind="text", origin="e")
        store.put_raw(raw)
        a = Article(title="Pier to reopen", text=text, outlet="Coast News", published=datetime(2024, 3, 4),
                    raw_sha256=raw.sha256)
        store.add_article(a)
        store.assign(a.id, sid)
        store.save_story(sid, Brief(headline="Pier to reopen", sentences=[]))
        build_facts(store, [sid])
        entities = store.get_facts(sid)["entities"]
    unsure = [e["name"] for e in entities if e.get("uncertain")]
    assert unsure and "Anna Berg" not in unsure
    page = TestClient(create_app(path), base_url="http://127.0.0.1:8000").get(f"/stories/{sid}").text
    section = page[page.index('id="entities-h"'):]
    section = section[:section.index("</section>")]
    listed, folded = section.split('<details class="less-certain">', 1)
    assert "Anna Berg" in listed
    assert all(n in folded and n not in listed for n in unsure)


def test_a_body_named_after_a_state_or_province_is_no_place():
    mentions = [{"label": "ORG", "text": "Department of State", "doc_id": "a"},
                {"label": "ORG", "text": "Government of Cardenal Caro Province", "doc_id": "a"},
                {"label": "GPE", "text": "Maule Region", "doc_id": "a"}]
    kinds = {e["name"]: e["kind"] for e in merge(mentions)}
    assert kinds["Department of State"] == "organisation"
    assert kinds["Government of Cardenal Caro Province"] == "organisation"
    assert kinds["Maule Region"] == "place"
