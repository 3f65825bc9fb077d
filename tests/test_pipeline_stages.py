"""The declared pipeline: the stages are listed in one place, and the per-article stages are pure batch functions
(picklable, no store) whose results the stream takes instead of computing them itself, deciding the same."""
from __future__ import annotations

import pickle

from newsdesk.models import RawInput
from newsdesk.pipeline import PIPELINE, ArticleRecord, StoryAssigner, StoryRecord
from newsdesk.sources.records import article_from_record
from newsdesk.sources.sample import sample_records


def test_the_stages_a_build_runs_are_declared_in_order():
    assert PIPELINE.names() == {
        "ingest": ["parse"], "article": ["fingerprint", "embed"], "stream": ["assign"], "window": ["recluster", "crosslang"],
        "story": ["brief", "section", "article_facts", "facts"], "stories": ["relate", "threads"],
    }


def test_per_article_stages_pickle_and_the_stream_decides_alike_with_their_results():
    articles = [article_from_record(r) for r in sample_records()[:30]]
    records = [ArticleRecord(a) for a in articles]
    for stage in pickle.loads(pickle.dumps(PIPELINE.article)):  # as a Ray worker would receive them
        records = stage.process_batch(records)
    assert all(r.fingerprint is not None and r.vector is not None for r in records)

    given, computed = StoryAssigner(), StoryAssigner()
    ids_given, ids_computed = iter(range(1, 1000)), iter(range(1, 1000))
    for r in records:
        assert given.assign(r.article, lambda: next(ids_given), r.fingerprint, r.vector) == \
            computed.assign(r.article, lambda: next(ids_computed))
    assert given.story_of == computed.story_of
    assert given.recluster(lambda: next(ids_given)) == computed.recluster(lambda: next(ids_computed))


def test_the_parse_stage_gives_each_input_its_article_or_its_error():
    good = RawInput(b'{"id": "a", "title": "T", "text": "Some text here."}', "json", "x:1")
    bad = RawInput(b"not json", "json", "x:2")
    article, error = PIPELINE.ingest.process_batch([good, bad])
    assert article.title == "T" and isinstance(error, ValueError)


def test_relate_links_stories_that_share_terms_and_leaves_the_others_alone():
    records = [StoryRecord(1, vector={"quake": 0.9, "chile": 0.4}), StoryRecord(2, vector={"quake": 0.8, "peru": 0.5}),
               StoryRecord(3, vector={"budget": 1.0}), StoryRecord(4)]
    relate = PIPELINE.stories[0]
    out = {r.id: r.related for r in relate.process_batch(records)}
    assert [sid for sid, _ in out[1]] == [2] and [sid for sid, _ in out[2]] == [1] and out[3] == []
    assert 4 not in out  # no vector: nothing to compare
