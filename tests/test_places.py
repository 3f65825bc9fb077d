"""Places read in their story's context, on the bundled Wikinews stories and on texts written here; the map's
country outlines; and the `newsdesk places` batch verb run as a user runs it."""
from __future__ import annotations

import json

import pytest

from newsdesk.sources.records import article_from_record
from newsdesk.sources.sample import sample_records
from newsdesk.stages.facts import load_nlp, story_facts

from conftest import run_cli


@pytest.fixture(scope="module")
def nlp():
    return load_nlp()


def _story(prefix: str) -> list:
    """The articles of one bundled Wikinews story (M004 = the Bali climate conference, M006 = the Haiti earthquake)."""
    return [article_from_record(r) for r in sample_records() if r["id"].startswith(prefix)]


@pytest.fixture(scope="module")
def bali(nlp):
    return story_facts(_story("M004"), nlp=nlp)


@pytest.fixture(scope="module")
def haiti(nlp):
    return story_facts(_story("M006"), nlp=nlp)


def _place(facts: dict, name: str) -> dict:
    return next(e for e in facts["entities"] if e["kind"] == "place" and e["name"] == name)["place"]


def test_bali_is_the_indonesian_island_province_not_a_town_in_india(bali):
    place = _place(bali, "Bali")
    assert place["country"] == "ID" and place["type"] == "admin1"
    assert -9.0 < place["lat"] < -8.0 and 114.4 < place["lon"] < 115.8  # on the island
    drawn = {p["name"]: p for p in bali["map"]["points"]}
    assert drawn["Bali"]["country"] == "ID"


def test_geneva_in_the_haiti_story_is_the_swiss_city(haiti):
    assert _place(haiti, "Geneva")["country"] == "CH"


def test_the_map_draws_the_outlines_of_the_countries_in_view(bali, haiti):
    for facts, country in ((bali, "ID"), (haiti, "HT")):
        m = facts["map"]
        outlines = {o["country"]: o for o in m["outlines"]}
        assert country in outlines
        # a closed SVG path in the map's own pixel space
        path = outlines[country]["d"]
        assert path.startswith("M") and path.rstrip().endswith("Z")
        numbers = [float(v) for v in path.replace("M", " ").replace("L", " ").replace("Z", " ").split()]
        assert numbers and all(-m["width"] <= v <= 2 * m["width"] for v in numbers)


def test_unsure_places_are_listed_but_not_drawn(nlp):
    from newsdesk.models import Article

    text = ("An earthquake struck near Talca in Chile on Saturday. In Talca, Concepcion and Santiago people slept "
            "outside. Residents of Springfield said they felt nothing.")
    facts = story_facts([Article(title="Quake in Chile", text=text, outlet="A", external_id="a")], nlp=nlp)
    drawn = {p["name"] for p in facts["map"]["points"]}
    assert "Talca" in drawn and "Chile" in drawn
    # Springfield names dozens of towns in the US and none in the story's country: not drawn
    assert "Springfield" not in drawn
    assert any(e["name"] == "Springfield" for e in facts["entities"])


def test_context_picks_the_namesake_in_the_named_state():
    from newsdesk.stages.facts.geo import resolve_names

    found = resolve_names({"Alexandria": 2, "Louisiana": 1, "Rapides Parish": 1})
    assert found["Alexandria"]["country"] == "US" and found["Alexandria"]["admin1"] == "Louisiana"
    assert found["Rapides Parish"]["type"] == "admin2"
    found = resolve_names({"Alexandria": 2, "Cairo": 1, "Egypt": 1})
    assert found["Alexandria"]["country"] == "EG"
    # as US news writes a state after a town: "Alexandria, La.", "Columbia, S.C." (not the Seychelles' ISO code)
    found = resolve_names({"Alexandria": 1, "Columbia": 1}, within={"Alexandria": "La.", "Columbia": "S.C."})
    assert found["Alexandria"]["admin1"] == "Louisiana" and found["Columbia"]["admin1"] == "South Carolina"


@pytest.mark.slow
def test_places_batch_verb_gives_offsets_and_names_bad_lines():
    good = {"id": "x1", "title": "Quake", "text": "Buildings collapsed in Port-au-Prince, Haiti, on Tuesday. "
            "Aid flew in from Geneva and Miami.", "date": "2010-01-13", "outlet": "Wikinews"}
    lines = [json.dumps(good), "{not json", json.dumps({"id": "x2"}), json.dumps({"id": "x3", "text": "Nothing."})]
    r = run_cli("places", stdin="\n".join(lines) + "\n")
    assert r.returncode == 1
    assert "stdin:2:" in r.stderr and "stdin:3:" in r.stderr and "stdin:4" not in r.stderr
    out = [json.loads(line) for line in r.stdout.splitlines()]
    assert [o["id"] for o in out] == ["x1", "x3"]
    places = out[0]["places"]
    for p in places:
        assert good["text"][p["start"]:p["end"]] == p["text"]
        assert set(p) == {"start", "end", "text", "name", "country", "lat", "lon"}
    by_text = {p["text"]: p for p in places}
    assert by_text["Haiti"]["country"] == "HT" and by_text["Port-au-Prince"]["country"] == "HT"
    assert by_text["Geneva"]["country"] == "CH"
    assert out[1]["places"] == []


def test_the_outlet_country_from_its_address_or_name():
    from newsdesk.stages.facts.geo import outlet_country

    assert outlet_country("https://www.abc.net.au/news/2017") == "AU"
    assert outlet_country("www.irishtimes.ie") == "IE"
    assert outlet_country("The Times of India") == "IN"
    assert outlet_country("www.thetowntalk.com") is None and outlet_country("Wikinews") is None
