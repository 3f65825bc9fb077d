"""Tests for the extractive summarizer and the shared sentence splitter."""
from __future__ import annotations

import random
import re
import time
from datetime import datetime, timedelta, timezone

import pytest

from newsdesk.models import Article
from newsdesk.stages.summarize import clean_headline, summarize
from newsdesk.text import split_sentences, tokenize

T0 = datetime(2024, 3, 4, 9, 0, tzinfo=timezone.utc)

DANGLING = re.compile(
    r"^[\"“]?(?:He|She|They|It|This|That|These|Those|His|Her|Their|However|But|And|Also|Meanwhile|"
    r"Later|Then|Still|Instead|Moreover|In addition|As a result|Nevertheless|Yet|So)\b"
)


def _texts(spans, text):
    return [text[s:e] for s, e in spans]


# ------------------------------------------------------------------ splitter


@pytest.mark.parametrize(
    "text, expected",
    [
        (
            "Mr. Smith met Dr. Jones in Washington. They talked.",
            ["Mr. Smith met Dr. Jones in Washington.", "They talked."],
        ),
        (
            "The U.S. Senate passed the bill. It goes to the House.",
            ["The U.S. Senate passed the bill.", "It goes to the House."],
        ),
        (
            "Aid reached the U.S. The money arrived on Jan. 5 at 9 a.m. today.",
            ["Aid reached the U.S.", "The money arrived on Jan. 5 at 9 a.m. today."],
        ),
        (
            "President George W. Bush signed it. The quake measured 8.8 on the scale.",
            ["President George W. Bush signed it.", "The quake measured 8.8 on the scale."],
        ),
        (
            'He said, "We will rebuild." Officials agreed. "Why now?" she asked. Nobody knew.',
            ['He said, "We will rebuild."', "Officials agreed.", '"Why now?" she asked.', "Nobody knew."],
        ),
        (
            "He lives at No. 10 Downing St. in London. St. Louis is far away.",
            ["He lives at No. 10 Downing St. in London.", "St. Louis is far away."],
        ),
        (
            "Police arrived.\nA new heading\nThe second paragraph starts here.",
            ["Police arrived.", "A new heading", "The second paragraph starts here."],
        ),
        (
            "Saturday, January 8, 2005\n\nTexts flow on.\n\nAnother paragraph ends!",
            ["Saturday, January 8, 2005", "Texts flow on.", "Another paragraph ends!"],
        ),
    ],
)
def test_split_sentences_cases(text, expected):
    assert _texts(split_sentences(text), text) == expected


def test_split_sentences_offsets_are_verbatim_and_ordered():
    text = "  First one here.  Second one, with Mr. Brown!\n\nThird?  Fourth line without stop\n"
    spans = split_sentences(text)
    assert [text[s:e] for s, e in spans] == [
        "First one here.",
        "Second one, with Mr. Brown!",
        "Third?",
        "Fourth line without stop",
    ]
    assert all(a[1] <= b[0] for a, b in zip(spans, spans[1:]))
    assert split_sentences("") == [] and split_sentences("\n \n") == []


def test_split_sentences_hard_wrapped_paragraph_is_joined():
    text = (
        "The committee said on Tuesday that the new rules would take effect\n"
        "next month. Critics disagreed."
    )
    assert _texts(split_sentences(text), text) == [
        "The committee said on Tuesday that the new rules would take effect\nnext month.",
        "Critics disagreed.",
    ]


def test_tokenize():
    assert tokenize("The U.S. quake, 8.8, hit 1,000 homes in Japan's north.") == [
        "the", "u.s", "quake", "8.8", "hit", "1,000", "homes", "in", "japan", "north",
    ]


# ------------------------------------------------------------------ fixtures


def flood_story() -> list[Article]:
    wire = (
        "Floodwaters from the Elbe river forced 4,000 residents of Riverton to leave their homes on Monday, "
        "the regional fire service said."
    )
    a1 = Article(
        id=1,
        outlet="Daily Planet",
        title="Thousands flee as Elbe floods Riverton - Daily Planet",
        published=T0 + timedelta(hours=2),
        text=(
            "RIVERTON, Germany (Reuters) - " + wire + "\n\n"
            "By Anna Keller\n\n"
            "Mayor Ulrich Brandt said the flood barriers along the Elbe river had failed overnight after three days of rain. "
            "He said the town had never seen water levels this high.\n\n"
            "Photo: Floodwaters from the Elbe river fill the Riverton market square on Monday.\n\n"
            "Will the Elbe river flood barriers in Riverton hold another night?\n\n"
            "Subscribe to our newsletter for updates on the Elbe river floods in Riverton.\n"
        ),
    )
    a2 = Article(
        id=2,
        outlet="Morning Post",
        title="Riverton evacuated as Elbe river bursts its banks | Morning Post",
        published=T0 + timedelta(hours=1),
        text=(
            "Monday, March 4, 2024\n\n" + wire + "\n\n"
            "Emergency shelters were opened in three schools on the edge of Riverton for the evacuated residents.\n\n"
            "\"The water came in so fast, we only took the children and the dog.\"\n\n"
            "However, the army has sent 200 soldiers to reinforce the Elbe river barriers with sandbags.\n"
        ),
    )
    a3 = Article(
        id=3,
        outlet="Wire Weekly",
        title="2024/03/04 Elbe floods: Riverton residents leave homes",
        published=T0 + timedelta(hours=5),
        text=(
            "Floodwaters from the Elbe river forced 4,000 residents of Riverton to leave their homes on Monday, "
            "the regional fire service said on Monday.\n\n"
            "Rail services between Riverton and Dresden were suspended because the tracks were under water.\n\n"
            "Forecasters expect the Elbe river to peak on Wednesday before the water slowly recedes.\n"
        ),
    )
    a4 = Article(
        external_id="x-4",
        outlet=None,
        title="Farmers count losses after Elbe flood",
        published=None,
        text=(
            "Farmers near Riverton said the Elbe river flood destroyed most of the winter wheat in the valley.\n\n"
            "Insurance companies estimate the damage from the Elbe river flood at 50 million euros.\n"
        ),
    )
    return [a1, a2, a3, a4]


def key(a: Article):
    return a.id if a.id is not None else a.external_id


# ------------------------------------------------------------------ brief


def test_sentences_are_verbatim_spans_of_their_article():
    arts = flood_story()
    by_key = {key(a): a for a in arts}
    brief = summarize(arts)
    assert brief.sentences
    for s in brief.sentences:
        art = by_key[s.article_id]
        assert s.text in art.text
        start, end = split_sentences(art.text)[s.position]
        assert s.text in art.text[start:end]  # position refers to the splitter's sentence
        assert s.text == art.text[start:end] or art.text[start:end].endswith(s.text)  # only a dateline may go
        assert s.outlet == art.outlet and s.published == art.published


def test_dateline_is_trimmed_verbatim():
    arts = flood_story()
    brief = summarize(arts, words=400, max_sentences=7)
    texts = [s.text for s in brief.sentences]
    assert not any(t.startswith("RIVERTON") or t.startswith("Monday, March") for t in texts)
    wire = [s for s in brief.sentences if s.text.startswith("Floodwaters from the Elbe")]
    assert len(wire) == 1


@pytest.mark.parametrize(
    "lead, body",
    [
        ("LONDON (Reuters) - ", "Britain's central bank raised interest rates by half a point on Thursday to fight inflation."),
        ("TEXAS, US – ", "A United States Army court martial found Army Spc. Charles Graner guilty of abuse at the prison."),
        ("WASHINGTON, Jan. 5 (AP) _ ", "The Senate approved the disaster relief bill after a long debate on Monday night."),
        ("CAIRO—", "The European Union's top diplomat met the ousted president late on Monday night in the capital."),
        ("Tuesday, January 18, 2005", "Through a telethon, Romanians have raised 15 billion lei for the victims of the tsunami."),
    ],
)
def test_leading_dateline_is_trimmed(lead, body):
    text = lead + body + "\n\nOfficials expect the decision to affect millions of households across the country this year."
    brief = summarize([Article(id=1, title="t", text=text)])
    first = [s for s in brief.sentences if s.position == 0]
    assert [s.text for s in first] == [body]


def test_wire_copy_appears_once_and_credits_the_others():
    arts = flood_story()
    brief = summarize(arts)
    hits = [s for s in brief.sentences if "forced 4,000 residents" in s.text]
    assert len(hits) == 1, [s.text for s in brief.sentences]
    s = hits[0]
    # Shown from the earliest publisher (Morning Post, 1 h), credited to the two others.
    assert s.article_id == 2
    assert sorted(s.also_in) == [1, 3]
    assert sorted(s.also_outlets) == ["Daily Planet", "Wire Weekly"]
    # No two brief sentences are the same sentence.
    norm = [" ".join(tokenize(x.text)) for x in brief.sentences]
    assert len(set(norm)) == len(norm)


def test_ordering_by_published_then_position():
    arts = flood_story()
    brief = summarize(arts, words=400)
    order = {key(a): i for i, a in enumerate(arts)}

    def k(s):
        p = s.published
        return (p is None, p or T0, order[s.article_id], s.position)

    keys = [k(s) for s in brief.sentences]
    assert keys == sorted(keys)
    assert len({s.article_id for s in brief.sentences}) >= 3  # content came from several articles


def test_junk_lines_never_selected():
    arts = flood_story()
    brief = summarize(arts, words=1000, max_sentences=7)
    for s in brief.sentences:
        assert not s.text.startswith(("By ", "Photo:", "Subscribe", '"', "Monday, March"))
        assert not s.text.rstrip('"”').endswith("?")
        assert re.search(r"[.!][\"”')]*$", s.text)
        assert 8 <= len(s.text.split()) <= 60


GOOD = (
    "The harbor bridge in Portsmouth was closed on Monday after engineers found cracks in its supports.\n\n"
    "Ferry operators added extra harbor crossings while the Portsmouth bridge remains closed to traffic.\n\n"
    "The city council approved two million pounds for emergency repairs to the harbor bridge supports.\n\n"
)


@pytest.mark.parametrize(
    "junk",
    [
        # Each line carries new content (not redundant with GOOD), so only the filter keeps it out.
        '"Nobody expected the old harbor bridge to fail before the summer tourist season began."',
        "Will the harbor bridge reopen in time for the summer tourist season and the sailing regatta?",
        "By John Smith and Mary Jones, harbor bridge correspondents",
        "Photo: Tourists watch sailing boats pass under the harbor bridge before the summer regatta.",
        "Tourists watch sailing boats pass under the harbor bridge (AP Photo/Jane Doe).",
        "Subscribe for daily news about the harbor bridge, the summer regatta and tourist season.",
        "Click here for live updates on the harbor bridge, the regatta and the summer tourist season.",
        "Harbor bridge closure threatens summer tourist season and the annual sailing regatta",
        "    Harbor bridge closure threatens the summer tourist season and the annual sailing regatta.",
    ],
)
def test_junk_line_is_skipped_even_when_central(junk):
    art = Article(id=1, title="Bridge closed", text=GOOD + junk + "\n")
    brief = summarize([art, Article(id=2, title="Bridge", text=GOOD)], words=1000)
    assert brief.sentences
    assert all(s.text not in junk for s in brief.sentences)


def test_attributed_quote_is_allowed():
    quote = '"The harbor bridge will stay closed until the cracks are repaired," Portsmouth mayor Ann Lee said on Monday.'
    brief = summarize([Article(id=1, title="Bridge closed", text=quote + "\n\n" + GOOD)], words=1000)
    assert quote in [s.text for s in brief.sentences]


def test_no_leading_pronoun_or_connective_without_its_predecessor():
    # The most central sentences open with a pronoun or connective; their predecessors differ per article
    # and share little with the story, so a selector ignoring the rule would take the "They"/"However"
    # sentences alone.
    firms = ["Arup", "Atkins", "Mott", "Jacobs", "Fugro"]
    days = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"]
    arts = []
    for i in range(5):
        arts.append(
            Article(
                id=i + 1,
                outlet=f"Outlet {i}",
                title=f"Harbor bridge closed {i}",
                published=T0 + timedelta(hours=i),
                text=(
                    f"Staff from the consultancy {firms[i]} finished their yearly survey work on {days[i]} evening.\n\n"
                    "They closed the harbor bridge after finding deep cracks in the steel harbor bridge supports.\n\n"
                    "However, the harbor bridge closure will last for months, bridge officials warned on Friday.\n\n"
                    f"Local bakery number {i} sold a record number of cinnamon buns to weekend tourists.\n"
                ),
            )
        )
    brief = summarize(arts, words=120)
    seen_dangling = False
    for prev, s in zip([None] + brief.sentences[:-1], brief.sentences):
        if DANGLING.match(s.text):
            seen_dangling = True
            assert prev is not None
            assert prev.article_id == s.article_id and prev.position == s.position - 1
    # The central "They closed ..." sentence is worth taking, so it must come with its predecessor.
    assert seen_dangling


def test_dangling_sentence_dropped_when_predecessor_unusable():
    text = (
        "Harbor update\n"
        "They closed the harbor bridge after finding deep cracks in the steel harbor bridge supports.\n"
        "Engineers said the harbor bridge in Portsmouth will need new steel supports before reopening.\n"
        "The city council approved emergency funding of two million pounds for the harbor bridge repairs.\n"
        "Ferry operators added extra crossings across the harbor while the bridge remains closed.\n"
        "Why did nobody check the harbor bridge?\n"
        "Nobody expected the harbor bridge steel supports to crack, he said on Monday in Portsmouth.\n"
    )
    brief = summarize([Article(id=7, title="Harbor bridge", text=text)], words=1000)
    assert len(brief.sentences) == 3
    assert not any(s.text.startswith("They") or "he said" in s.text for s in brief.sentences)


def test_headline_suffix_and_date_prefix_stripped():
    assert clean_headline("Thousands flee as Elbe floods Riverton - Daily Planet", "Daily Planet") == (
        "Thousands flee as Elbe floods Riverton"
    )
    assert clean_headline("Riverton evacuated as Elbe bursts its banks | Morning Post") == (
        "Riverton evacuated as Elbe bursts its banks"
    )
    assert clean_headline("Quake rattles coastal towns — BBC News") == "Quake rattles coastal towns"
    assert clean_headline("2005/01/08 Tsunami aid donations deductible") == "Tsunami aid donations deductible"
    # A dash inside the headline itself stays.
    assert clean_headline("Leeds - a city in mourning after the attacks") == "Leeds - a city in mourning after the attacks"

    arts = flood_story()
    brief = summarize(arts)
    by_key = {key(a): a for a in arts}
    assert brief.headline_article_id in by_key
    assert brief.headline == clean_headline(by_key[brief.headline_article_id].title, by_key[brief.headline_article_id].outlet)
    assert not re.search(r"(Daily Planet|Morning Post|\||^\d{4}/)", brief.headline)
    assert "Elbe" in brief.headline


def _synthetic_story(n: int, seed: int = 0) -> list[Article]:
    rng = random.Random(seed)
    topic = "storm coast ferry harbor wind damage power outage evacuation shelter rescue".split()
    filler = [f"word{i}" for i in range(400)]
    arts = []
    for a in range(n):
        sents = []
        for _ in range(25):
            ws = rng.sample(topic, 3) + rng.sample(filler, rng.randint(9, 20))
            rng.shuffle(ws)
            sents.append("The " + " ".join(ws) + ".")
        arts.append(
            Article(
                id=a, title=f"Storm hits coast {a} - Site", text=" ".join(sents), outlet=f"o{a % 7}",
                published=T0 + timedelta(minutes=rng.randint(0, 5000)) if a % 5 else None,
            )
        )
    return arts


def test_sentence_count_limits_and_word_budget():
    arts = _synthetic_story(12)
    for words in (10, 60, 120, 250, 5000):
        brief = summarize(arts, words=words)
        n = len(brief.sentences)
        assert 3 <= n <= 7
        total = sum(len(s.text.split()) for s in brief.sentences)
        if n > 3:  # beyond the minimum, the budget governs
            assert total <= words * 1.2
    assert len(summarize(arts, words=5000).sentences) == 7
    assert len(summarize(arts, words=10).sentences) == 3
    assert len(summarize(arts, words=5000, min_sentences=1, max_sentences=2).sentences) == 2


def test_fewer_sentences_only_when_fewer_usable():
    art = Article(
        external_id="only",
        title="Short note",
        text="Residents of the valley were told to boil their drinking water until Friday.\n\nRead more here.",
    )
    brief = summarize([art])
    assert [s.text for s in brief.sentences] == [
        "Residents of the valley were told to boil their drinking water until Friday."
    ]
    assert brief.sentences[0].article_id == "only" and brief.sentences[0].position == 0
    assert summarize([]).sentences == []


def test_mixed_naive_and_aware_times_sort():
    arts = flood_story()
    arts[2].published = datetime(2024, 3, 4, 8, 30)  # naive: taken as UTC, earliest
    brief = summarize(arts, words=400)
    assert brief.sentences[0].article_id in (3, 2)


def test_large_story_keeps_the_limits():
    # Timing lives in benchmarks/summarize_speed.py; here only that a 100-article story is briefed properly.
    brief = summarize(_synthetic_story(100, seed=1))
    assert 3 <= len(brief.sentences) <= 7
    assert brief.headline and "Site" not in brief.headline


def test_the_program_is_bounded_by_nodes_not_by_time(monkeypatch):
    # A time limit makes a brief depend on the machine's load; a node count does not.
    from newsdesk.stages import concepts, summarize as S

    seen = []
    real = concepts.milp

    def spy(*args, **kwargs):
        seen.append(dict(kwargs["options"]))  # scipy consumes the dict
        return real(*args, **kwargs)

    monkeypatch.setattr(concepts, "milp", spy)
    brief = summarize(flood_story())
    assert seen and brief.sentences
    assert all("time_limit" not in o and o["node_limit"] == S.NODE_LIMIT for o in seen)


def test_greedy_solver_option_skips_the_program(monkeypatch):
    from newsdesk.stages import concepts

    monkeypatch.setattr(concepts, "milp", lambda *a, **k: pytest.fail("the program ran"))
    brief = summarize(flood_story(), solver="greedy")
    assert 3 <= len(brief.sentences) <= 7
    with pytest.raises(ValueError):
        summarize(flood_story(), solver="fast")


def test_brief_rules_reach_the_selection():
    """summarize(rules=...) is what benchmarks/brief_loso.py varies: the length bounds it passes must bind."""
    from newsdesk.lang import lexicon
    from newsdesk.stages.summarize import RULES, BriefRules

    count = lexicon("en").tokens
    shipped = summarize(flood_story(), words=100)
    assert shipped == summarize(flood_story(), words=100, rules=BriefRules()) and RULES == BriefRules()
    lengths = [len(count(s.text)) for s in shipped.sentences]
    assert min(lengths) < 18 < max(lengths)  # both bounds below would change this brief
    long_only = summarize(flood_story(), words=100, rules=BriefRules(min_words=18))
    assert long_only.sentences and all(len(count(s.text)) >= 18 for s in long_only.sentences)
    short_only = summarize(flood_story(), words=100, rules=BriefRules(max_words=17))
    assert short_only.sentences and all(len(count(s.text)) <= 17 for s in short_only.sentences)


def test_a_short_sentence_every_outlet_carries_can_lead_the_brief():
    """Sentences of five to seven words are candidates since leave-one-set-out chose min_words 5 over 8
    (docs/design/briefs-generalisation.md): a short statement of the event itself is not dropped for its length."""
    fillers = [
        "Local shops on the high street stayed open later than usual to sell sandbags and bottled water.",
        "A school choir postponed its spring concert at the town hall until the end of the month.",
        "Traffic on the ring road moved slowly in the evening as commuters avoided the flooded river bank.",
    ]
    arts = [
        Article(id=i + 1, outlet=f"Outlet {i}", title=f"Riverton dam report {i}", published=T0 + timedelta(hours=i),
                text=f"The Riverton dam collapsed on Monday.\n\n{fillers[i]}\n\n{fillers[(i + 1) % 3]}\n")
        for i in range(3)
    ]
    brief = summarize(arts, words=40, min_sentences=1, max_sentences=3)
    assert any(s.text == "The Riverton dam collapsed on Monday." for s in brief.sentences)
