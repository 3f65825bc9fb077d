"""Re-clustering the window (stages/recluster.py): the sparse average link, users' constraints, story ids kept,
the pairs scored, and the paths that run it (`newsdesk cluster`, build)."""
from __future__ import annotations

import json
import math
from datetime import timedelta

import numpy as np
import pytest

from newsdesk.models import Article
from newsdesk.stages.cluster import terms
from newsdesk.stages.recluster import (PAIR_FEATURES, PAIR_MODEL, PairModel, Window, _Similarities, average_link,
                                       average_link_grid, recluster,
                                       link_modularity, link_silhouette, scored_pairs, shipped_pair_model,
                                       story_ids)

from conftest import run_cli
from test_cluster import T0, quake, quake_later, rehab, rehab_later


def _same(labels) -> set:
    return {(a, b) for a in range(len(labels)) for b in range(a + 1, len(labels)) if labels[a] == labels[b]}


@pytest.mark.parametrize("seed", range(5))
def test_sparse_average_link_is_scipys_average_link(seed):
    from scipy.cluster.hierarchy import fcluster, linkage
    from scipy.spatial.distance import squareform

    rng = np.random.default_rng(seed)
    for _ in range(30):
        n = int(rng.integers(2, 40))
        p = np.triu(np.where(rng.random((n, n)) < 0.3, rng.random((n, n)) ** 2, 0.0), 1)
        p = p + p.T
        cut = float(rng.uniform(0.05, 0.6))
        d = 1.0 - p
        np.fill_diagonal(d, 0.0)
        expected = fcluster(linkage(squareform(d, checks=False), "average"), t=1.0 - cut, criterion="distance")
        i, j = np.nonzero(np.triu(p, 1))
        assert _same(average_link(n, i, j, p[i, j], cut)) == _same(expected)


def test_users_fixed_articles_start_together_and_apart_pairs_never_meet():
    # 0-1-2 strongly linked, 3-4 strongly linked; 5 linked to nothing
    i, j, p = [0, 1, 0, 3], [1, 2, 2, 4], [0.9, 0.9, 0.9, 0.9]
    free = average_link(6, i, j, p, 0.5)
    assert free[0] == free[1] == free[2] and free[3] == free[4] and free[5] not in (free[0], free[3])
    fixed = [None, "A", "B", None, None, "A"]  # a user put 1 and 5 in story A, 2 in story B
    out = average_link(6, i, j, p, 0.5, fixed=fixed, apart=[(3, 4)])
    assert out[1] == out[5] and out[1] != out[2]  # one label: one cluster, though no pair links them
    assert out[3] != out[4]


def test_story_ids_keep_the_most_overlapping_story_and_redirect_an_emptied_one():
    counter = iter(range(100, 200))
    current = [7, 7, 7, 8, 8, 9, 9]
    clusters = [0, 0, 0, 0, 0, 1, 2]  # story 8 absorbed into 7; story 9 split in two
    stories, retired = story_ids(clusters, current, [None] * 7, lambda: next(counter))
    assert stories[:5] == [7] * 5
    assert {stories[5], stories[6]} == {9, 100}  # one half keeps 9, the other is new
    assert retired == {8: 7}
    # a user's fixed article makes its cluster keep that story even against the overlap
    stories, _ = story_ids([0, 0, 0, 1], [7, 7, 7, 7], [None, None, None, 7], lambda: next(counter))
    assert stories[3] == 7 and len(set(stories[:3])) == 1 and stories[0] != 7


def _window(articles):
    from newsdesk.stages.embed import Embedder

    embed = Embedder()
    return Window([terms(a) for a in articles], np.stack([embed(a) for a in articles]))


def test_each_article_is_paired_with_its_nearest_within_the_time_window():
    articles = ([quake("Bamland", k, T0 + timedelta(hours=k)) for k in range(6)]
                + [rehab("Tara Reid", "Promises", T0 + timedelta(hours=k)) for k in range(6)]
                + [quake("Bamland", 9, T0 + timedelta(days=200))])
    window = _window(articles)
    i, j, x = scored_pairs(window, knn=2)
    assert x.shape == (len(i), len(PAIR_FEATURES)) and np.all(i < j)
    assert len(set(zip(i.tolist(), j.tolist()))) == len(i)
    assert 12 not in i and 12 not in j  # 200 days later: no pair, however alike
    for k in range(12):
        assert 2 <= np.sum((i == k) | (j == k)) <= 2 * 2 + 11  # its own 2 + 2, and those that chose it
    # the nearest of a quake report are quake reports
    quake_pairs = [(a, b) for a, b in zip(i, j) if a < 6 or b < 6]
    assert all(a < 6 and b < 6 for a, b in quake_pairs)
    every_i, _, _ = scored_pairs(window, knn=0)
    assert len(every_i) == 12 * 11 // 2
    _, _, unbounded = scored_pairs(window, knn=0, window_days=math.inf)
    assert len(unbounded) == 13 * 12 // 2
    assert np.isfinite(x).all()  # every article is dated


def test_shipped_pair_model_reads_its_features_and_cut_and_puts_one_event_together():
    spec = json.loads(PAIR_MODEL.read_text())
    assert set(spec["features"]) <= set(PAIR_FEATURES) and 0.0 < spec["cut"] < 1.0
    assert spec["attach"] is None or 0.0 < spec["attach"] < spec["cut"]
    model = shipped_pair_model()
    articles = ([quake("Bamland", k, T0 + timedelta(hours=k)) for k in range(3)]
                + [quake_later("Kordavia", k, T0 + timedelta(hours=3 + k)) for k in range(3)]
                + [rehab("Tara Reid", "Promises", T0 + timedelta(hours=k)) for k in range(3)]
                + [rehab_later("Lindsay Lohan", "Betty Ford", T0 + timedelta(hours=k)) for k in range(3)])
    i, j, x = scored_pairs(_window(articles), knn=3)
    p = model.probabilities(x)
    same = np.array([a // 3 == b // 3 for a, b in zip(i, j)])
    assert same.any() and (~same).any()
    assert p[same].min() > p[~same].max()
    clusters = average_link(len(articles), i, j, p, model.cut)
    assert _same(clusters) == _same([k // 3 for k in range(12)])


def test_a_pair_model_with_a_feature_this_version_lacks_is_refused():
    spec = json.loads(PAIR_MODEL.read_text())
    with pytest.raises(ValueError, match="does not compute"):
        PairModel(dict(spec, features=list(spec["features"][:-1]) + ["shoe_size"]))


@pytest.mark.slow
def test_newsdesk_cluster_revises_at_the_end_of_input_and_the_last_line_for_an_id_holds():
    from newsdesk.eval.cluster import load_set, run_newsdesk, scores

    items = load_set("wikinews", None)[:120]
    stdin = "".join(json.dumps(record) + "\n" for record, _ in items)
    result = run_cli("cluster", stdin=stdin)
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    streamed, ending = lines[:len(items)], lines[len(items):]
    assert [x["id"] for x in streamed] == [r["id"] for r, _ in items]
    assert not any("revised" in x or "thread_id" in x for x in streamed)
    # at the end, one line per article with its final story and its thread; those whose story moved say so
    assert [x["id"] for x in ending] == [r["id"] for r, _ in items]
    assert all("thread_id" in x for x in ending)
    first = {x["id"]: x["story_id"] for x in streamed}
    revised = [x for x in ending if x.get("revised")]
    assert revised and all(first[x["id"]] != x["story_id"] for x in revised)
    assert all(first[x["id"]] == x["story_id"] for x in ending if not x.get("revised"))
    final = {x["id"]: x["story_id"] for x in ending}
    assert [final[r["id"]] for r, _ in items] == run_newsdesk(items)  # the eval scores exactly this path
    gold = [g for _, g in items]
    assert scores([final[r["id"]] for r, _ in items], gold)["bcubed_f1"] > 0.5
    # a thread holds whole stories and goes by one of its stories' ids, its oldest
    thread_of_story = {}
    for x in ending:
        assert thread_of_story.setdefault(x["story_id"], x["thread_id"]) == x["thread_id"]
    for thread in set(thread_of_story.values()):
        assert thread == min(s for s, t in thread_of_story.items() if t == thread)
    threads = [next(x["thread_id"] for x in ending if x["id"] == r["id"]) for r, _ in items]
    assert scores(threads, gold)["bcubed_f1"] > scores([final[r["id"]] for r, _ in items], gold)["bcubed_f1"]


def test_articles_without_words_or_names_are_paired_without_error():
    bare = [Article(title="", text="12 34", published=T0), Article(title="", text="", published=T0),
            quake("Bamland", 1, T0)]
    i, j, x = scored_pairs(_window(bare), knn=1)
    assert len(i) >= 1 and np.isfinite(x).all()


@pytest.mark.slow
def test_build_re_clusters_as_newsdesk_cluster_does_and_emptied_stories_redirect(tmp_path):
    from newsdesk.pipeline import StoryAssigner, build, ingest_inputs
    from newsdesk.sources import read_jsonl_bytes
    from newsdesk.sources.sample import sample_articles_jsonl
    from newsdesk.store import Store

    with Store(str(tmp_path / "news.db")) as store:
        # the English sample: its topics are the ids' first four characters, and related links join stories by
        # shared words, which a story and its French translation seldom have
        ingest_inputs(store, read_jsonl_bytes(sample_articles_jsonl(), "sample:wikinews"))
        report = build(store)
        articles = store.articles()
        assert report.revised_articles > 0  # the sample has stories the stream splits
        # the same articles through the assigner in the same (arrival) order: the same partition
        assigner = StoryAssigner()
        counter = iter(range(1, 10**6))
        for a in articles:
            assigner.assign(a, lambda: next(counter))
        assigner.recluster(lambda: next(counter))
        assert _same([a.story_id for a in articles]) == _same([assigner.story_of[a.id] for a in articles])
        redirects = store.redirected_stories()
        for sid in store.story_ids():
            members = store.story_articles(sid)
            assert bool(members) != (sid in redirects)  # a story is either shown or redirected
            if not members:
                assert store.story_articles(store.story_redirect(sid))
            else:  # related links lead to stories that are shown
                assert all(other not in redirects for other, _, _ in store.get_story(sid).related)
        # related links follow the stories as re-clustered: a shown story whose sample topic (the id's first four
        # characters) is split over other shown stories links to at least one of them
        topics: dict = {}
        for a in store.articles():
            topics.setdefault(a.story_id, set()).add(a.external_id[:4])
        shown = [sid for sid in store.story_ids() if sid not in redirects]
        for sid in shown:
            split_from = {other for other in shown if other != sid and topics[other] & topics[sid]}
            if split_from:
                assert split_from & {other for other, _, _ in store.get_story(sid).related}, sid
        # nothing new: nothing moves
        before = {a.id: a.story_id for a in store.articles()}
        assert build(store).revised_articles == 0
        assert {a.id: a.story_id for a in store.articles()} == before


def test_a_small_cluster_left_alone_joins_its_closest_larger_one_at_the_attach_bar():
    # 0-1-2 one cluster; 3 linked weakly to 0 and 1 (average 0.2 over the three), 4 weakly to 3 only
    i, j, p = [0, 1, 0, 3, 3], [1, 2, 2, 0, 1], [0.9, 0.9, 0.9, 0.3, 0.3]
    assert len(set(average_link(5, i, j, p, 0.5))) == 3  # 3 and 4 alone
    out = average_link(5, i, j, p, 0.5, attach=0.15)
    assert out[3] == out[0] and out[4] not in (out[0],)  # 4 has no link at all
    assert average_link(5, i, j, p, 0.5, attach=0.25)[3] != out[0]  # below the bar: stays alone
    fixed = [None, None, "A", "B", None]  # a user's decision outranks the attach step
    assert average_link(5, i, j, p, 0.5, fixed=fixed, attach=0.15)[3] != average_link(5, i, j, p, 0.5,
                                                                                       fixed=fixed)[0]


def test_with_days_the_mean_is_over_the_pairs_close_enough_in_time_to_be_scored():
    # a story running for five months: each report linked to the next, a month apart; pairs further apart than
    # the window were never scored, and should not count as evidence against
    days = [0, 30, 60, 90, 120, 150]
    i, j, p = [0, 1, 2, 3, 4], [1, 2, 3, 4, 5], [0.9] * 5
    assert len(set(average_link(6, i, j, p, 0.3))) > 1
    assert len(set(average_link(6, i, j, p, 0.3, days=days, window_days=45))) == 1
    # undated reports count against everything, as without days
    undated = [math.nan] * 6
    assert _same(average_link(6, i, j, p, 0.3, days=undated)) == _same(average_link(6, i, j, p, 0.3))


def test_corpus_relative_features_are_z_scores_against_each_article_s_window():
    articles = ([quake("Bamland", k, T0 + timedelta(hours=k)) for k in range(4)]
                + [rehab("Tara Reid", "Promises", T0 + timedelta(hours=k)) for k in range(4)]
                + [quake_later("Kordavia", k, T0 + timedelta(hours=k)) for k in range(3)])
    window = _window(articles)
    i, j, x = scored_pairs(window, knn=0)
    column = {f: x[:, PAIR_FEATURES.index(f)] for f in PAIR_FEATURES}
    sim = _Similarities(window)
    n = len(articles)
    for kind in ("dense", "lead", "title", "names"):
        full = sim.rows(0, n, [kind])[kind]
        others = ~np.eye(n, dtype=bool)  # every article is within reach of every other here
        mean = np.array([full[k][others[k]].mean() for k in range(n)])
        sd = np.array([full[k][others[k]].std() for k in range(n)])
        with np.errstate(divide="ignore", invalid="ignore"):
            z = np.minimum(np.where(sd[i] > 0, (full[i, j] - mean[i]) / sd[i], 0),
                           np.where(sd[j] > 0, (full[i, j] - mean[j]) / sd[j], 0))
        assert np.allclose(column[kind + "_z"], z)
    same = np.array([min(a // 4, 2) == min(b // 4, 2) for a, b in zip(i, j)])
    assert column["dense_z"][same].mean() > column["dense_z"][~same].mean()
    names = [set(t.names) for t in window.terms]
    overlap = [len(names[a] & names[b]) / min(len(names[a]), len(names[b])) if names[a] and names[b] else 0.0
               for a, b in zip(i, j)]
    assert np.allclose(column["names_overlap"], overlap)


@pytest.mark.parametrize("seed", range(3))
def test_link_silhouette_and_modularity_match_their_dense_definitions(seed):
    from sklearn.metrics import silhouette_samples

    rng = np.random.default_rng(seed)
    n = 30
    i, j = np.nonzero(np.triu(rng.random((n, n)) < 0.3, 1))
    p = rng.random(len(i))
    clusters = rng.integers(0, 6, n)
    clusters[0] = 99  # one article alone: counts 0
    weight = np.zeros((n, n))
    weight[i, j] = weight[j, i] = p
    distance = 1 - weight
    np.fill_diagonal(distance, 0)
    assert link_silhouette(n, i, j, p, clusters) == pytest.approx(
        silhouette_samples(distance, clusters, metric="precomputed").mean())
    degree = weight.sum(axis=1)
    same = clusters[:, None] == clusters[None, :]
    expected = ((weight - np.outer(degree, degree) / weight.sum()) * same).sum() / weight.sum()
    assert link_modularity(n, i, j, p, clusters) == pytest.approx(expected)


@pytest.mark.parametrize("seed", range(3))
def test_average_link_at_a_grid_of_settings_in_one_pass_is_average_link_at_each(seed):
    rng = np.random.default_rng(seed)
    n = 40
    i, j = np.nonzero(np.triu(rng.random((n, n)) < 0.15, 1))
    p = rng.random(len(i)) ** 2
    days = rng.integers(0, 200, n).astype(float)
    days[:5] = math.nan
    fixed = [None] * n
    fixed[3] = fixed[7] = "A"
    apart = [(1, 2), (7, 9)]
    settings = [(c, a) for c in (0.6, 0.3, 0.1) for a in (None, 0.05)]
    grid = average_link_grid(n, i, j, p, settings, fixed, apart, days=days, window_days=45)
    for cut, attach in settings:
        assert grid[(cut, attach)] == average_link(n, i, j, p, cut, fixed, apart, attach, days=days, window_days=45)
    assert len(set(grid[(0.1, None)])) < len(set(grid[(0.6, None)]))


def test_a_model_with_a_grid_takes_the_setting_of_most_link_silhouette_on_each_window():
    articles = ([quake("Bamland", k, T0 + timedelta(hours=k)) for k in range(3)]
                + [quake_later("Kordavia", k, T0 + timedelta(hours=3 + k)) for k in range(3)]
                + [rehab("Tara Reid", "Promises", T0 + timedelta(hours=k)) for k in range(3)])
    window = _window(articles)
    spec = json.loads(PAIR_MODEL.read_text())
    settings = [(c, a) for c in (0.9, 0.5, 0.01) for a in (None,)]
    model = PairModel(dict(spec, choose={"cuts": [c for c, _ in settings], "attach": [None]}))
    assert model.grid == settings
    i, j, x = scored_pairs(window)
    p = model.probabilities(x)
    each = {s: average_link(len(articles), i, j, p, s[0], attach=s[1], days=window.days()) for s in settings}
    quality = {s: link_silhouette(len(articles), i, j, p, each[s]) for s in settings}
    assert len({tuple(c) for c in each.values()}) > 1 and len(set(quality.values())) > 1
    chosen = recluster(window, model)
    assert chosen == each[max(settings, key=quality.get)]
    assert _same(chosen) == _same([k // 3 for k in range(9)])


def test_a_model_with_a_margin_keeps_its_fitted_setting_unless_the_window_gains_more_silhouette_than_it():
    articles = ([quake("Bamland", k, T0 + timedelta(hours=k)) for k in range(3)]
                + [quake_later("Kordavia", k, T0 + timedelta(hours=3 + k)) for k in range(3)]
                + [rehab("Tara Reid", "Promises", T0 + timedelta(hours=k)) for k in range(3)])
    window = _window(articles)
    spec = json.loads(PAIR_MODEL.read_text())
    settings = [(c, None) for c in (0.9, 0.5, 0.01)]
    i, j, x = scored_pairs(window)
    p = PairModel(dict(spec, cut=0, attach=None)).probabilities(x)
    each = {s: average_link(len(articles), i, j, p, s[0], attach=s[1], days=window.days()) for s in settings}
    quality = {s: link_silhouette(len(articles), i, j, p, each[s]) for s in settings}
    top, fitted = max(settings, key=quality.get), min(settings, key=quality.get)
    gain = quality[top] - quality[fitted]
    assert gain > 0 and each[top] != each[fitted]
    for margin, expected in ((2 * gain, fitted), (gain / 2, top), (None, top)):
        choose = {"cuts": [c for c, _ in settings], "attach": [None], "margin": margin}
        model = PairModel(dict(spec, cut=fitted[0], attach=fitted[1], choose=choose))
        assert recluster(window, model) == each[expected], margin
    # a fitted setting outside the grid is scored beside it
    model = PairModel(dict(spec, cut=0.3, attach=0.05, choose={"cuts": [0.9], "attach": [None], "margin": 1.0}))
    assert model.grid == [(0.9, None), (0.3, 0.05)]
    assert recluster(window, model) == average_link(len(articles), i, j, p, 0.3, attach=0.05, days=window.days())
