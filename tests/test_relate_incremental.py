"""A build relinks only the stories its changes can affect, each with the links relating every story would give."""
from __future__ import annotations

from importlib import import_module

import pytest

from newsdesk.pipeline import build, ingest_inputs
from newsdesk.pipeline.stages import Relate, StoryRecord
from newsdesk.stages.cluster import POSTING_STORIES
from newsdesk.pipeline.stream import StoryAssigner
from newsdesk.sources import read_jsonl_bytes
from newsdesk.sources.sample import sample_articles_jsonl
from newsdesk.store import Store

build_module = import_module("newsdesk.pipeline.build")  # the package exports the function under the same name


def _parts() -> list[list[bytes]]:
    """Every other line of the sample, the rest but the last three lines, those three (one topic, as the sample is
    in topic order): the last build changes a few stories only."""
    lines = [line if line.endswith(b"\n") else line + b"\n"
             for line in sample_articles_jsonl().splitlines(keepends=True)]
    head, tail = lines[:-3], lines[-3:]
    return [head[0::2], head[1::2], tail]


def _stored_links(store: Store, story_id: int) -> list[tuple[int, float]]:
    return sorted((r[0], r[1]) for r in store.db.execute(
        "SELECT related_id, score FROM story_related WHERE story_id = ?", (story_id,)))


@pytest.mark.slow
def test_incremental_links_equal_a_full_recompute_for_every_story(tmp_path, monkeypatch):
    seen: list[tuple] = []
    relate = build_module.relate

    def spy(store, assigner, live, touched=None):
        done = relate(store, assigner, live, touched)
        seen.append((assigner, live, touched, done))
        return done

    asked: list[set] = []  # the stories whose vectors each build's relating computed
    vectors = StoryAssigner.related_vectors
    threading = [False]  # threads read every story's vector after the links (docs/design/threads.md): not counted
    find_threads = build_module.find_threads

    def vectors_spy(self, stories):
        found = vectors(self, stories)
        if not threading[0]:
            asked[-1] |= set(found)
        return found

    def threads_spy(*args, **kw):
        threading[0] = True
        try:
            return find_threads(*args, **kw)
        finally:
            threading[0] = False

    monkeypatch.setattr(build_module, "relate", spy)
    monkeypatch.setattr(build_module, "find_threads", threads_spy)
    monkeypatch.setattr(StoryAssigner, "related_vectors", vectors_spy)
    with Store(str(tmp_path / "news.db")) as store:
        for n, part in enumerate(_parts()):
            ingest_inputs(store, read_jsonl_bytes(b"".join(part), f"part{n}"))
            asked.append(set())
            build(store)
            assigner, live, touched, done = seen[-1]
            if n == 2:  # a build of three articles reads the changed stories, their neighbours in the index and
                # the candidates of those only: a story sharing no index term with a changed one is not read
                changed = set(touched)
                terms = store.story_terms(changed)
                near = {sid for sid, ts in store.story_terms(live).items()
                        if set(ts) & set().union(*terms.values())}
                candidates = {c for t in set().union(*store.story_terms(near).values())
                              for c in store.term_postings({t: POSTING_STORIES})[t]}
                assert asked[-1] <= changed | near | candidates
                assert len(asked[-1]) < len(live) / 2, (len(asked[-1]), len(live))
            records = [StoryRecord(sid, vector=v) for sid, v in assigner.related_vectors(live).items()]
            full = {r.id: sorted(r.related) for r in Relate().process_batch(records)}
            # every story, relinked or not, holds the links relating every story gives it now
            assert {sid: _stored_links(store, sid) for sid in live} == {sid: full.get(sid, []) for sid in live}
        assert len(seen) == 3 and touched and done
        assert live - done  # the last build relinked some stories, not all (else this test shows nothing)
