"""A build relinks only the stories its changes can affect, each with the links relating every story would give."""
from __future__ import annotations

from importlib import import_module

import pytest

from newsdesk.pipeline import build, ingest_inputs
from newsdesk.pipeline.stages import Relate, StoryRecord
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
def test_incremental_links_equal_a_full_recompute_for_every_story_relinked(tmp_path, monkeypatch):
    seen: list[tuple] = []
    relate = build_module._relate

    def spy(store, assigner, live, touched=None):
        done = relate(store, assigner, live, touched)
        seen.append((assigner, live, touched, done))
        return done

    monkeypatch.setattr(build_module, "_relate", spy)
    with Store(str(tmp_path / "news.db")) as store:
        for n, part in enumerate(_parts()):
            ingest_inputs(store, read_jsonl_bytes(b"".join(part), f"part{n}"))
            build(store)
        assigner, live, touched, done = seen[-1]
        assert len(seen) == 3 and touched and done
        assert done < live  # the last build relinked some stories, not all (else this test shows nothing)
        records = [StoryRecord(sid, vector=v) for sid, v in assigner.related_vectors(live).items()]
        full = {r.id: sorted(r.related) for r in Relate().process_batch(records)}
        assert {sid: _stored_links(store, sid) for sid in done} == {sid: full[sid] for sid in done}
        # a story that names a relinked story among its links was relinked too, so no link is out of date there
        for sid in live - done:
            assert not {rid for rid, _ in _stored_links(store, sid)} & touched
