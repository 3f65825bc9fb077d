"""A build goes on from the stream state the last build saved beside the database (pipeline.state.resume), instead
of replaying every stored article, and falls back to replaying whenever that state no longer stands for the store."""
from __future__ import annotations

import pytest

from newsdesk.edits import move_article
from newsdesk.eval.cluster import scores
from newsdesk.pipeline import STATE_SUFFIX, build, ingest_inputs
from newsdesk.sources import read_jsonl_bytes
from newsdesk.sources.sample import sample_articles_jsonl
from newsdesk.store import Store


def _ingest(store: Store, lines: list[bytes], name: str) -> None:
    ingest_inputs(store, read_jsonl_bytes(b"".join(lines), name))


def _f1(store: Store) -> float:
    articles = store.articles()
    return scores([a.story_id for a in articles], [a.external_id[:4] for a in articles])["bcubed_f1"]


def _halves() -> tuple[list[bytes], list[bytes]]:
    """Every other line of the sample, then the rest: each half holds part of every story."""
    lines = sample_articles_jsonl().splitlines(keepends=True)
    lines = [line if line.endswith(b"\n") else line + b"\n" for line in lines]
    return lines[0::2], lines[1::2]


def _two_builds(path, keep_state: bool) -> tuple[Store, list]:
    first, second = _halves()
    store = Store(str(path))
    _ingest(store, first, "first")
    reports = [build(store)]
    if not keep_state:
        (path.parent / (path.name + STATE_SUFFIX)).unlink()
    _ingest(store, second, "second")
    reports.append(build(store))
    return store, reports


@pytest.mark.slow
def test_a_build_resumes_the_saved_stream_and_clusters_as_well_as_a_replay(tmp_path):
    resumed, (first, second) = _two_builds(tmp_path / "a.db", keep_state=True)
    replayed, (_, second_replayed) = _two_builds(tmp_path / "b.db", keep_state=False)
    with resumed, replayed:
        assert not first.resumed and second.resumed and not second_replayed.resumed
        assert second.new_articles == second_replayed.new_articles == len(_halves()[1])
        assert all(a.story_id is not None for a in resumed.articles())
        # the resumed stream has not seen the window re-clustered, the replayed one has: the window's
        # re-clustering at the end of each build leaves them as good as each other
        assert _f1(resumed) >= _f1(replayed) - 0.02
        # nothing new: the state is read again, nothing moves
        before = {a.id: a.story_id for a in resumed.articles()}
        again = build(resumed)
        assert again.resumed and again.revised_articles == 0
        assert {a.id: a.story_id for a in resumed.articles()} == before


@pytest.mark.slow
def test_a_users_move_or_a_damaged_state_file_makes_the_next_build_replay(tmp_path, capsys):
    first, second = _halves()
    path = tmp_path / "news.db"
    with Store(str(path)) as store:
        _ingest(store, first, "first")
        build(store)
        article = store.articles()[0]
        move_article(store, article.id)  # to a story of its own
        _ingest(store, second[:10], "second")
        report = build(store)
        assert not report.resumed  # the store's assignments are no longer the ones the state saw
        assert store.get_article(article.id).story_id != article.story_id
        state = path.parent / (path.name + STATE_SUFFIX)
        state.write_bytes(state.read_bytes()[:1000])  # cut short, as by a full disk
        _ingest(store, second[10:20], "third")
        report = build(store)
        assert not report.resumed and report.new_articles == 10
        assert str(state) in capsys.readouterr().err
        assert build(store).resumed  # the replayed build saved a good state again


def test_the_assignment_digest_sees_two_articles_swap_stories_and_agrees_with_its_python_twin(tmp_path):
    first, _ = _halves()
    with Store(str(tmp_path / "news.db")) as store:
        _ingest(store, first[:4], "few")
        ids = [a.id for a in store.articles()]
        x, y = store.new_story(), store.new_story()
        store.assign_many([(ids[0], x), (ids[1], y), (ids[2], x)])
        digest = store.assignment_digest()
        assert digest == Store.digest_of([(ids[0], x), (ids[1], y), (ids[2], x)])
        store.assign_many([(ids[0], y), (ids[1], x)])  # a swap: the same stories, the same sizes
        assert store.assignment_digest() != digest
        assert store.assignment_digest() == Store.digest_of([(ids[0], y), (ids[1], x), (ids[2], x)])
