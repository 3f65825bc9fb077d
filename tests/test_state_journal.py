"""The stream's saved state grows by a journal entry per build instead of being rewritten whole, reads back to the
state a whole save would give, and a torn or stale journal never resumes a state that does not stand for the store.

The stream runs as a build runs it (assign each new article, re-cluster the window, store both), without briefs."""
from __future__ import annotations

import pickle

import numpy as np

from newsdesk.models import Article
from newsdesk.pipeline import ingest_inputs, state
from newsdesk.pipeline.stream import StoryAssigner
from newsdesk.sources import read_jsonl_bytes
from newsdesk.sources.sample import sample_articles_jsonl
from newsdesk.store import Store


def _parts() -> list[bytes]:
    """Every other line of the sample, then the rest in three: the journal stays under the base."""
    lines = [line if line.endswith(b"\n") else line + b"\n"
             for line in sample_articles_jsonl().splitlines(keepends=True)]
    rest = lines[1::2]
    return [b"".join(lines[0::2])] + [b"".join(rest[k::3]) for k in range(3)]


def _build(store: Store, part: bytes, name: str) -> tuple[StoryAssigner, bool]:
    """What a build does to the stream's state: resume, assign the new articles, re-cluster, store, save."""
    ingest_inputs(store, read_jsonl_bytes(part, name))
    assigner, resumed = state.resume(store)
    for article in store.unassigned_articles():
        story, original = assigner.assign(article, store.new_story)
        with store.transaction():
            if original is not None:
                store.set_duplicate(article.id, original)
            store.assign(article.id, story)
    moved, _ = assigner.recluster(store.new_story)
    store.assign_many(moved.items())
    assigner.related_dirty.clear()  # as build.relate leaves it
    state.save(store, assigner)
    return assigner, resumed


def _same(a: StoryAssigner, b: StoryAssigner) -> None:
    assert a.story_of == b.story_of and a.copy_of == b.copy_of and list(a.recent) == list(b.recent)
    assert a.related_dirty == b.related_dirty
    ca, cb = a.clusterer, b.clusterer
    assert (ca.n_docs, ca.df, set(ca.stories), ca.now) == (cb.n_docs, cb.df, set(cb.stories), cb.now)
    assert np.allclose(ca.dense_mean, cb.dense_mean)
    assert a.related_vectors(set(a.story_of.values())) == b.related_vectors(set(b.story_of.values()))
    # the next decision is the same: the story a probe article would join, and how likely
    probe = Article(id=10**6, title="Storm floods the coast again", text="The storm flooded the coast. " * 20)
    (sa, pa, _), (sb, pb, _) = ca.best_match(probe), cb.best_match(probe)
    assert sa == sb and abs(pa - pb) < 1e-9

def test_builds_append_to_the_journal_and_resume_to_what_a_whole_save_gives(tmp_path):
    with Store(str(tmp_path / "news.db")) as store:
        base, journal = state.state_path(store), state.journal_path(store)
        first, resumed = _build(store, _parts()[0], "p0")
        assert not resumed and base.exists() and not journal.exists()
        written = base.read_bytes()
        for n, part in enumerate(_parts()[1:], start=1):
            live, resumed = _build(store, part, f"p{n}")
            assert resumed
            assert base.read_bytes() == written  # not rewritten: the build's changes went to the journal
            assert journal.exists()
            whole = pickle.loads(pickle.dumps(live))  # what a whole save would read back
            again, resumed = state.resume(store)
            assert resumed
            _same(again, whole)
        assert len(store.articles("story_id IS NULL")) == 0


def test_a_torn_journal_entry_is_replayed_and_then_compacted(tmp_path):
    with Store(str(tmp_path / "news.db")) as store:
        journal = state.journal_path(store)
        parts = _parts()
        _build(store, parts[0], "p0")
        _build(store, parts[1], "p1")
        size = journal.stat().st_size
        with open(journal, "r+b") as f:  # a build killed while appending its entry
            f.truncate(size - 7)
        assigner, resumed = state.resume(store)
        assert not resumed  # the state it could read does not stand for the store: replayed
        assert state.Store.digest_of(
            (k, s) for k, s in assigner.story_of.items() if isinstance(k, int)) == store.assignment_digest()
        _, resumed = _build(store, parts[2], "p2")
        assert not resumed and not journal.exists()  # a replay writes a new base
        again, resumed = state.resume(store)
        assert resumed


def test_entries_left_from_before_the_base_are_skipped(tmp_path, monkeypatch):
    with Store(str(tmp_path / "news.db")) as store:
        journal = state.journal_path(store)
        parts = _parts()
        _build(store, parts[0], "p0")
        _build(store, parts[1], "p1")
        stale = journal.read_bytes()
        monkeypatch.setattr(state, "JOURNAL_MAX_ARTICLES", 0)  # the next save compacts
        live, _ = _build(store, parts[2], "p2")
        assert not journal.exists()
        journal.write_bytes(stale)  # killed between writing the base and removing the journal
        monkeypatch.undo()
        again, resumed = state.resume(store)
        assert resumed
        _same(again, pickle.loads(pickle.dumps(live)))
