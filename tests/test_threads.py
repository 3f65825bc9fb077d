"""Threads (stages/threads.py): events months apart joined by shared names and subject, same-kind events elsewhere
kept apart, thread ids stable across builds."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest

from newsdesk.models import Article
from newsdesk.pipeline import StoryAssigner
from newsdesk.pipeline.threads import stream_profiles
from newsdesk.stages.cluster import StoryClusterer
from newsdesk.stages.threads import StoryProfile, profile_names, threads

T0 = datetime(2010, 1, 10, tzinfo=timezone.utc)


def flood(country: str, city: str, river: str, leader: str, agency: str, day: int, angle: str) -> Article:
    """A report of a river flood; two with the same names are one place's floods, whatever the angle."""
    text = (f"The {river} River burst its banks in {city} on Tuesday, and {agency} said thousands of families had "
            f"left their homes. Prime Minister {leader} visited {city} and promised help for the flood victims. "
            f"{angle} Officials in {country} said the water in {city} was still rising along the {river}. "
            f"{agency} sent boats and food to the villages around {city}, and {leader} said {country} would rebuild "
            f"the embankments of the {river} before the next monsoon.")
    return Article(title=f"{river} River floods {city}", text=text, published=T0 + timedelta(days=day),
                   outlet="Wire")


def rebuilding(country: str, city: str, river: str, leader: str, agency: str, day: int, angle: str) -> Article:
    """Months later, in other words: the rebuilding after that flood."""
    text = (f"Five months after the flood, {leader} opened the first new embankment on the {river} in {city}. "
            f"{angle} Engineers said the wall would hold back a flood twice as high as the one that drove families "
            f"from their homes. {agency} said many of them were still living in camps outside {city}, and asked "
            f"{country} to pay for new houses before the rains. {leader} promised that every embankment along the "
            f"{river} would be finished within two years.")
    return Article(title=f"{leader} opens {river} flood wall in {city}", text=text,
                   published=T0 + timedelta(days=day), outlet="Wire")


def _assign(articles: list[Article]) -> StoryAssigner:
    assigner = StoryAssigner()
    assigner.clusterer = StoryClusterer(embedder=None)  # TF-IDF only: no model to load
    counter = iter(range(1, 10**6))
    for n, a in enumerate(articles):
        a.external_id = str(n)
        assigner.assign(a, lambda: next(counter))
    return assigner


def test_two_events_months_apart_that_share_people_and_places_join_one_thread_and_another_place_does_not():
    dhaka = ("Bangladesh", "Dhaka", "Buriganga", "Sheikh Hasina", "the Bangladesh Red Crescent")
    lahore = ("Pakistan", "Lahore", "Ravi", "Yousaf Raza Gilani", "the Edhi Foundation")
    articles = [
        flood(*dhaka, 0, "Schools were closed."), flood(*dhaka, 1, "Trains stopped running."),
        # five months later, the same river, city and people: the story goes on
        rebuilding(*dhaka, 150, "The government asked for foreign aid."),
        rebuilding(*dhaka, 151, "Donors pledged money for the embankments."),
        # the same kind of event somewhere else, later
        flood(*lahore, 300, "Schools were closed."), flood(*lahore, 301, "Trains stopped running."),
    ]
    assigner = _assign(articles)
    story = [assigner.story_of[a.key] for a in articles]
    assert story[0] == story[1] and story[2] == story[3] and story[4] == story[5]
    assert len({story[0], story[2], story[4]}) == 3  # three events: the stream never joins over 90 days
    of = threads(stream_profiles(assigner, {a.key: a for a in articles}))
    assert of[story[0]] == of[story[2]] == min(story[0], story[2])  # one thread, named by its oldest story
    assert of[story[4]] == story[4]  # the flood in Lahore is a thread of its own


def test_names_alone_or_subject_alone_do_not_link():
    a = StoryProfile(1, {"dhaka": 1.0, "sheikh_hasina": 1.0}, {"flood": 1.0, "river": 0.5})
    same_names_other_subject = StoryProfile(2, {"dhaka": 1.0, "sheikh_hasina": 1.0}, {"cricket": 1.0, "match": 1.0})
    same_subject_other_names = StoryProfile(3, {"lahore": 1.0, "gilani": 1.0}, {"flood": 1.0, "river": 0.5})
    filler = [StoryProfile(10 + i, {f"name{i}": 1.0}, {f"term{i}": 1.0}) for i in range(20)]
    of = threads([a, same_names_other_subject, same_subject_other_names] + filler)
    assert len({of[1], of[2], of[3]}) == 3
    # and both together do
    again = StoryProfile(4, {"dhaka": 1.0, "sheikh_hasina": 0.5}, {"flood": 1.0, "embankment": 0.5})
    assert threads([a, again] + filler)[4] == 1


def test_profile_names_weigh_what_most_reports_name():
    reports = [Article(title="Floods", text="Officials met Sheikh Hasina in Dhaka. Later Sheikh Hasina left."),
               Article(title="Floods", text="Rain fell on Dhaka again and Sheikh Hasina spoke."),
               Article(title="Floods", text="Rain fell again, said a man from Sylhet.")]
    names = profile_names(reports)
    assert names["sheikh_hasina"] > names["sylhet"] and names["dhaka"] > names["sylhet"]


@pytest.mark.slow
def test_thread_ids_are_stable_across_an_incremental_build(tmp_path):
    from newsdesk.pipeline import build, ingest_inputs
    from newsdesk.sources import read_jsonl_bytes
    from newsdesk.sources.sample import sample_records
    from newsdesk.store import Store

    records = sorted(sample_records(), key=lambda r: r["date"] or "")
    first, second = records[:60], records[60:]

    def ingest(store, part, name):
        ingest_inputs(store, read_jsonl_bytes("".join(json.dumps(r) + "\n" for r in part).encode(), name))

    with Store(str(tmp_path / "news.db")) as store:
        ingest(store, first, "first")
        build(store)
        before = {s.id: s.thread_id for s in store.iter_all_stories()}
        assert all(t is not None for t in before.values())
        assert any(sid != t for sid, t in before.items())  # some thread holds more than one story
        ingest(store, second, "second")
        build(store)
        after = {s.id: s.thread_id for s in store.iter_all_stories()}
        # a thread found again keeps its id: every new thread whose old stories all come from one old thread, and
        # are all that is left of it, goes by that thread's id, whatever joined it
        kept = [sid for sid in before if sid in after]
        assert kept
        for thread in set(after.values()):
            old = [sid for sid in kept if after[sid] == thread]
            origins = {before[sid] for sid in old}
            if len(origins) == 1 and set(old) == {sid for sid in kept if before[sid] in origins}:
                assert thread == origins.pop()
        assert sum(after[sid] == before[sid] for sid in kept) >= 0.9 * len(kept)
        # a new thread goes by the id of its oldest story, and new stories joined old threads
        for thread in set(after.values()) - set(before.values()):
            assert thread == min(sid for sid, t in after.items() if t == thread)
        assert any(t in before.values() for sid, t in after.items() if sid not in before)
        # the page and the API show it
        story = next(sid for sid, t in after.items() if sid != t)
        events = store.thread_stories(after[story])
        assert story in [e.id for e in events] and len(events) > 1
        starts = [e.first_published for e in events]
        assert starts == sorted(starts)


def test_a_thread_found_again_keeps_its_id_and_the_part_that_splits_off_takes_its_oldest_story():
    from newsdesk.stages.threads import keep_ids

    previous = {3: 3, 5: 3, 8: 3, 9: 9}
    # 3 and 8 stay together with a new story 12; 5 split off with 9's thread; 20 is new
    out = keep_ids([[3, 8, 12], [5, 9], [20]], previous)
    assert out[3] == out[8] == out[12] == 3
    assert out[5] == out[9] == 9  # a thread's id is one of its stories': 3 stays with story 3
    assert out[20] == 20
    split = keep_ids([[5, 8], [3]], previous)
    assert split == {3: 3, 5: 5, 8: 5}
    gone = keep_ids([[5, 8], [12]], previous)  # story 3 is gone (merged away): its id goes where its thread went
    assert gone == {5: 3, 8: 3, 12: 12}


# -- the pages and the API ---------------------------------------------------------------------------------------
@pytest.fixture
def threaded(tmp_path) -> dict:
    """Three stories: the quake (2007) and its reconstruction (2008) in one thread, a storm in its own."""
    from test_web import add

    from newsdesk.models import Brief
    from newsdesk.store import Store

    path = str(tmp_path / "news.db")
    with Store(path) as store:
        quake, storm, rebuild = store.new_story(), store.new_story(), store.new_story()
        for sid, title, when in ((quake, "Quake hits Pisco", datetime(2007, 8, 16)),
                                 (storm, "Storm season ends", datetime(2007, 11, 30)),
                                 (rebuild, "Pisco rebuilds a year on", datetime(2008, 8, 15))):
            a = add(store, title, f"{title}. Officials in Peru spoke.", "Wire", when)
            store.assign(a.id, sid)
            store.save_story(sid, Brief(headline=title, sentences=[]))
        store.set_threads({quake: quake, storm: storm, rebuild: quake})
    return {"path": path, "quake": quake, "storm": storm, "rebuild": rebuild}


def test_story_page_home_page_and_api_show_the_thread(threaded):
    from fastapi.testclient import TestClient

    from newsdesk.web import create_app

    client = TestClient(create_app(threaded["path"]), base_url="http://127.0.0.1:8000")
    quake, storm, rebuild = threaded["quake"], threaded["storm"], threaded["rebuild"]
    page = client.get(f"/stories/{rebuild}").text
    assert "Part of a longer story" in page
    section = page[page.index('class="thread"'):page.index("</section>", page.index('class="thread"'))]
    # the thread's stories oldest first, the others linked, this one not
    assert section.index("Quake hits Pisco") < section.index("Pisco rebuilds a year on")
    assert f'href="/stories/{quake}"' in section and f'href="/stories/{rebuild}"' not in section
    assert "Storm season ends" not in section
    assert "Part of a longer story" not in client.get(f"/stories/{storm}").text
    # home: a note under each story of a longer thread; by thread, each thread once, by its first story shown
    home = client.get("/").text
    assert home.count("One of 2 stories in a longer story") == 2
    grouped = client.get("/?by=thread").text
    assert "Pisco rebuilds a year on" in grouped and "Quake hits Pisco" not in grouped
    assert "Storm season ends" in grouped and "2 stories in a longer story, shown once" in grouped
    # API: thread_id beside id, and the thread in a story's own object
    listing = {s["id"]: s["thread_id"] for s in client.get("/api/stories").json()["stories"]}
    assert listing == {quake: quake, storm: storm, rebuild: quake}
    detail = client.get(f"/api/stories/{rebuild}").json()
    assert detail["thread_id"] == quake and [e["id"] for e in detail["thread"]] == [quake, rebuild]
    assert client.get(f"/api/stories/{storm}").json()["thread"] == []


def _sample_profiles() -> list[StoryProfile]:
    """The bundled sample's stories as threads read them (names and subject), oldest first."""
    from newsdesk.sources.records import article_from_record
    from newsdesk.sources.sample import sample_records

    records = sorted(sample_records(), key=lambda r: r["date"] or "")
    articles = [article_from_record(r) for r in records]
    assigner = _assign(articles)
    return stream_profiles(assigner, {a.external_id: a for a in articles})


def _partition(thread_of: dict) -> set[frozenset]:
    groups: dict = {}
    for sid, t in thread_of.items():
        groups.setdefault(t, set()).add(sid)
    return {frozenset(g) for g in groups.values()}


def test_relinking_in_increments_equals_threads_over_every_story_and_redoes_only_what_changed():
    from newsdesk.stages.threads import relink

    profiles = _sample_profiles()
    assert len(profiles) > 20
    vectors = {p.id: p.vector for p in profiles}
    names_of = {p.id: dict(p.names) for p in profiles}

    def vec(ids):
        return {sid: vectors[sid] for sid in ids}

    # the stored state as the builds keep it (links, counts, threads), fed back at each step
    links: dict = {}
    counts: dict = {}
    stored: dict = {}
    relinked = []

    def step(live: list, changed):
        names = {sid: names_of[sid] for sid in live}
        found = relink(names, vec, changed, links, counts, {s: stored[s] for s in live if s in stored})
        for pair in [p for p in links if p[0] in found.dropped or p[1] in found.dropped]:
            del links[pair]
        links.update(found.links)
        counts.clear()
        counts.update(found.state)
        for sid in [s for s in stored if s not in names]:
            del stored[sid]
        stored.update(found.thread_of)
        relinked.append(found.relinked)
        # the same as threads over every live story, with the ids they had
        full = threads([StoryProfile(sid, names[sid], vectors[sid]) for sid in live],
                       previous={s: stored_before[s] for s in live if s in stored_before})
        assert stored == full

    ids = [p.id for p in profiles]
    cut = len(ids) // 2
    stored_before: dict = {}
    step(ids[:cut], None)
    for end in (cut + 3, cut + 6, len(ids) - 2, len(ids)):
        stored_before = dict(stored)
        start = len(stored)
        step(ids[:end], set(ids[start:end]))
    # one story's names change (a name dropped) and an old story goes: both relinked, their threads redone
    stored_before = dict(stored)
    names_of[ids[1]] = dict(list(names_of[ids[1]].items())[1:])
    step([s for s in ids if s != ids[0]], {ids[1]})
    assert len(set(stored.values())) < len(stored)  # some threads join several stories
    # a build adding 3 stories to 16 redid fewer stories than it holds (the names' counts moved for some)
    assert relinked[1] < cut + 3 and relinked[0] == cut
