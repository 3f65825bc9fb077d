"""The story clusterer and its benchmark helpers, on small synthetic streams (no development data needed)."""
from __future__ import annotations

import itertools
import json
from datetime import datetime, timedelta, timezone

import numpy as np
import pytest

from newsdesk.eval.cluster import (ONE_DAY, feed_order, one_day, run_baseline, run_copy_ceiling, run_gold_join,
                                   scores)
from newsdesk.models import Article
from newsdesk.stages.cluster import (FEATURES, JOIN_MODEL, LEAD_WORDS, MEMBERS, OVERLAP_CHARS, POSTING_STORIES,
                                     JoinModel, StoryClusterer, _names, candidate_features, features, load_join_model,
                                     text_date, url_date)

T0 = datetime(2021, 5, 3, 9, tzinfo=timezone.utc)


def quake(place: str, n: int, when: datetime) -> Article:
    return Article(
        title=f"Earthquake of magnitude {5 + n % 3}.{n} shakes {place}",
        text=(f"A strong earthquake struck near {place} on Monday, killing at least {10 + n} people and damaging "
              f"hundreds of homes, officials in {place} said. Rescue teams from the {place} Red Cross searched the "
              f"rubble through the night. Governor Maria {place}son said {200 + n} people were injured and that "
              f"schools in {place} would stay closed."),
        published=when)


def quake_later(place: str, n: int, when: datetime) -> Article:
    """Another earthquake, reported in other words, as a different event of the same kind is."""
    return Article(
        title=f"{place} tremor leaves {n} dead as aftershocks rattle the valley",
        text=(f"Aftershocks rattled the {place} valley after a tremor flattened the market town of Oltz late on "
              f"Thursday. President Ivo {place}ski declared three days of mourning and the army flew tents to "
              f"{n * 100} families sleeping outdoors in {place}."),
        published=when)


def rehab(star: str, clinic: str, when: datetime) -> Article:
    return Article(title=f"{star} checks into rehab at {clinic}",
                   text=(f"Actress {star} has checked into the {clinic} treatment center, her publicist told reporters. "
                         f"{star} entered {clinic} on Tuesday after a court hearing, and friends of {star} said they "
                         f"supported her decision to seek treatment at {clinic}."),
                   published=when)


def rehab_later(star: str, clinic: str, when: datetime) -> Article:
    return Article(title=f"{star} leaves court for {clinic}, lawyer says",
                   text=(f"A judge in Santa Monica ordered {star} into a 90-day program and her lawyer Shawn Holley "
                         f"said the star drove to {clinic} in Malibu after the hearing ended."),
                   published=when)


def run(articles):
    clusterer = StoryClusterer()
    counter = itertools.count()
    return clusterer, [clusterer.assign(a, lambda: next(counter))[0] for a in articles]


def test_same_event_joins_and_the_same_kind_of_event_stays_apart():
    stream = [quake("Bamland", 1, T0), rehab("Tara Reid", "Promises", T0 + timedelta(hours=1)),
              quake("Bamland", 2, T0 + timedelta(hours=3)), rehab("Tara Reid", "Promises", T0 + timedelta(hours=5)),
              quake_later("Kordavia", 3, T0 + timedelta(hours=6)), rehab_later("Lindsay Lohan", "Betty Ford", T0 + timedelta(hours=7)),
              quake_later("Kordavia", 4, T0 + timedelta(hours=9)), rehab_later("Lindsay Lohan", "Betty Ford", T0 + timedelta(hours=9))]
    _, pred = run(stream)
    assert pred[0] == pred[2] and pred[1] == pred[3] and pred[4] == pred[6] and pred[5] == pred[7]
    assert len({pred[0], pred[1], pred[4], pred[5]}) == 4


def test_time_lowers_the_join_probability_and_the_window_ends_a_story():
    clusterer, (story,) = run([quake("Bamland", 1, T0)])
    near, p_near, _ = clusterer.best_match(quake("Bamland", 2, T0 + timedelta(days=1)))
    mid, p_mid, _ = clusterer.best_match(quake("Bamland", 2, T0 + timedelta(days=20)))
    far, p_far, _ = clusterer.best_match(quake("Bamland", 2, T0 + timedelta(days=400)))
    assert near == mid == story and p_near > p_mid
    assert far is None and p_far == 0.0


def test_undated_articles_take_the_date_in_their_url():
    assert url_date("https://x.example/2013/05/02/lohan-rehab/") == datetime(2013, 5, 2, tzinfo=timezone.utc)
    assert url_date("http://articles.latimes.com/2013/may/03/local/x") == datetime(2013, 5, 3, tzinfo=timezone.utc)
    assert url_date("https://x.example/news/414523/story") is None and url_date(None) is None
    clusterer = StoryClusterer()
    vec = clusterer.vectors(Article(title="t", text="x", url="https://x.example/2013/05/02/a"))
    assert vec.when == datetime(2013, 5, 2, tzinfo=timezone.utc).timestamp()


def test_undated_articles_without_a_url_date_take_the_one_atop_their_text():
    assert text_date("Woman Killed in Queens on September 14, 2013 11: 41am") == datetime(2013, 9, 14,
                                                                                        tzinfo=timezone.utc)
    assert text_date("Posted August 2nd, 2013 at 5: 19 pm") == datetime(2013, 8, 2, tzinfo=timezone.utc)
    assert text_date("Klitschko defeats Thompson 7 July 2012 Last updated") == datetime(2012, 7, 7, tzinfo=timezone.utc)
    assert text_date("Sales rose in 2012 and May 40, 2013 is no date") is None
    assert text_date("x " * 400 + "June 3, 2011") is None  # only the top of the text: a date further down is another
    clusterer = StoryClusterer(embedder=None)
    dated = clusterer.vectors(Article(title="Ellen returns", text="Posted August 2nd, 2013 at 5 pm. Ellen will host."))
    assert dated.when == datetime(2013, 8, 2, tzinfo=timezone.utc).timestamp()
    by_url = clusterer.vectors(Article(title="t", text="June 3, 2011. x", url="https://x.example/2013/05/02/a"))
    assert by_url.when == datetime(2013, 5, 2, tzinfo=timezone.utc).timestamp()  # the URL's date comes first


def test_two_reports_of_one_kind_of_event_years_apart_by_their_printed_dates_stay_apart():
    first = quake("Bamland", 1, None)
    first.text = "March 3, 2009. " + first.text
    again = quake("Bamland", 2, None)
    again.text = "October 12, 2013. " + again.text
    _, pred = run([first, again])
    assert pred[0] != pred[1]
    _, pred = run([first, quake("Bamland", 2, None)])  # undated: the text alone decides, and it is one event
    assert pred[0] == pred[1]


def test_an_undated_report_is_placed_in_time_by_the_latest_year_it_mentions():
    clusterer, _ = run([quake("Bamland", 1, datetime(2008, 3, 3, tzinfo=timezone.utc))])
    story = next(iter(clusterer.stories.values()))
    lag = FEATURES.index("year_lag")
    later = quake_later("Bamland", 3, None)
    later.text += " It was the worst quake since the floods of 2011, and rebuilding is planned by 2013."
    same_year = quake_later("Bamland", 3, None)
    same_year.text += " It was the worst quake since 2007."
    rows = [features(clusterer.vectors(a), story) for a in (later, same_year)]
    assert rows[0][lag] > rows[1][lag] > 0.0
    assert features(clusterer.vectors(quake_later("Bamland", 3, T0)), story)[lag] == 0.0  # both dated: the gap says it
    far_future = quake_later("Bamland", 3, None)
    far_future.text += " The valley hopes to be rebuilt by 2090."  # a plan, not a date
    assert clusterer.vectors(far_future).latest_year is None
    model, _, _ = load_join_model()
    assert "year_lag" in model.features
    low, high = list(rows[1]), list(rows[1])
    high[lag] = rows[0][lag]
    assert model.probabilities([high])[0] <= model.probabilities([low])[0]


def test_the_decision_knows_how_much_text_the_article_and_the_story_have():
    clusterer, _ = run([quake("Bamland", 1, T0), quake("Bamland", 2, T0 + timedelta(hours=1))])
    story = next(iter(clusterer.stories.values()))
    words, story_words = FEATURES.index("log_words"), FEATURES.index("story_words")
    short = Article(title="Bamland quake", text="Quake hits Bamland, dozens hurt.", published=T0)
    long = quake("Bamland", 3, T0)
    long.text = " ".join([long.text] * 200)  # far past the lead: only LEAD_WORDS are read
    rows = [features(clusterer.vectors(a), story) for a in (short, long)]
    assert rows[0][words] == pytest.approx(np.log1p(5))
    assert rows[1][words] == pytest.approx(np.log1p(LEAD_WORDS))
    mean_words = np.mean([len(quake("Bamland", n, T0).text.split()) for n in (1, 2)])
    assert rows[0][story_words] == rows[1][story_words] == pytest.approx(np.log1p(mean_words))
    model, _, _ = load_join_model()
    assert {"log_words", "story_words"} <= set(model.features)


def test_a_report_in_other_words_is_found_by_its_dense_vector_and_expired_stories_leave_that_index():
    rng = np.random.default_rng(0)
    topics = {"quake": rng.normal(size=256), "rehab": rng.normal(size=256)}

    def embed(article):
        title = article.title.lower()
        return topics["quake" if "quake" in title or "tremor" in title else "rehab"]

    clusterer = StoryClusterer(embedder=embed)
    counter = itertools.count()
    quake_story = clusterer.assign(quake("Bamland", 1, T0), lambda: next(counter))[0]
    clusterer.assign(rehab("Tara Reid", "Promises", T0), lambda: next(counter))
    other_words = Article(title="Tremor aftermath", text="Volunteers handed out blankets and bottled water.",
                          published=T0 + timedelta(hours=2))
    vec = clusterer.vectors(other_words)
    assert not set(vec.query_terms()) & set(clusterer.postings)  # no indexed term leads to any story
    assert clusterer.candidates(vec)[0] == quake_story
    lohan = clusterer.assign(rehab("Lindsay Lohan", "Betty Ford", T0 + timedelta(days=200)), lambda: next(counter))[0]
    assert quake_story not in clusterer.dense_index.row_of and quake_story not in clusterer.candidates(vec)
    later_quake = clusterer.assign(quake_later("Kordavia", 4, T0 + timedelta(days=201)), lambda: next(counter))[0]
    assert later_quake not in (quake_story, lohan)
    assert len(clusterer.dense_index.story_at) == 3  # the new story took an expired story's row, not a fourth one


def test_margins_compare_a_candidate_with_the_best_other_one():
    clusterer, _ = run([quake("Bamland", 1, T0), rehab("Tara Reid", "Promises", T0)])
    stories = list(clusterer.stories.values())
    vec = clusterer.vectors(quake("Bamland", 2, T0))
    rows = candidate_features(vec, stories)
    for margin, base in (("dense_margin", "dense"), ("lead_margin", "lead")):
        m, b = FEATURES.index(margin), FEATURES.index(base)
        assert rows[0][m] == pytest.approx(rows[0][b] - rows[1][b]) and rows[0][m] > 0
        assert rows[1][m] == pytest.approx(-rows[0][m])
        assert candidate_features(vec, stories[:1])[0][m] == pytest.approx(rows[0][b])  # alone: against nothing


def test_core_name_features_tell_the_same_event_from_another_of_its_kind():
    clusterer, _ = run([rehab("Tara Reid", "Promises", T0), rehab("Tara Reid", "Promises", T0 + timedelta(hours=2))])
    story = next(iter(clusterer.stories.values()))
    same = dict(zip(FEATURES, features(clusterer.vectors(rehab("Tara Reid", "Promises", T0)), story)))
    other = dict(zip(FEATURES, features(clusterer.vectors(rehab("Lindsay Lohan", "Betty Ford", T0)), story)))
    assert same["core_cover"] > other["core_cover"] and same["article_cover"] > other["article_cover"]
    assert same["core_miss"] == 0.0 < other["core_miss"]


def test_names_are_capitalised_words_inside_sentences_and_their_runs():
    names = _names("Police said Tara Reid entered the Betty Ford Center. Officials confirmed it.")
    assert {"tara", "reid", "tara_reid", "betty_ford_center"} <= set(names)
    assert "officials" not in names and "police" not in names  # sentence openers are not names


def test_features_and_probability_are_bounded_and_monotone_in_similarity():
    clusterer, _ = run([quake("Bamland", 1, T0)])
    story = clusterer.stories[next(iter(clusterer.stories))]
    same = features(clusterer.vectors(quake("Bamland", 2, T0)), story)
    other = features(clusterer.vectors(rehab("Tara Reid", "Promises", T0)), story)
    sims = [FEATURES.index(f) for f in ("title", "lead", "names", "title_max")]
    assert all(0.0 <= same[i] <= 1.0 + 1e-6 for i in sims) and same[1] > other[1]
    dense, dense_max = FEATURES.index("dense"), FEATURES.index("dense_max")
    assert -1.0 - 1e-6 <= other[dense] <= same[dense] <= 1.0 + 1e-6 and same[dense_max] > other[dense_max]
    model, _, _ = load_join_model()
    p_same, p_other, p_zero = model.probabilities([same, other, [0.0] * len(same)])
    assert p_same > p_other and 0.0 < p_zero < 1.0


def test_shipped_embedding_model_gives_unit_vectors_that_place_reports_of_one_event_together():
    from newsdesk.stages.embed import Embedder

    embed = Embedder()
    a, b = embed(quake("Bamland", 1, T0)), embed(quake_later("Bamland", 2, T0))
    c = embed(rehab("Tara Reid", "Promises", T0))
    assert a.shape == (embed.dim,) and abs(float(a @ a) - 1.0) < 1e-3
    assert float(a @ b) > float(a @ c)
    assert np.array_equal(a, embed(quake("Bamland", 1, T0)))  # deterministic


def test_join_model_file_names_its_features_and_one_this_version_lacks_is_refused(tmp_path):
    model, bar, mean = load_join_model()
    spec = json.loads(JOIN_MODEL.read_text())
    assert set(spec["features"]) <= set(FEATURES) and 0.0 < bar < 1.0 and mean.shape == (256,)
    spec["features"] = spec["features"][:-1] + ["hours_apart"]
    newer = tmp_path / "join.json"
    newer.write_text(json.dumps(spec))
    with pytest.raises(ValueError, match="hours_apart"):
        load_join_model(newer)


@pytest.mark.slow
def test_trees_read_from_the_file_give_the_probabilities_scikit_learn_gives():
    from sklearn.ensemble import HistGradientBoostingClassifier

    from fit_cluster import export_trees

    rng = np.random.default_rng(0)
    x = rng.normal(size=(2000, 4))
    y = (x[:, 0] + x[:, 1] * x[:, 2] + rng.normal(scale=0.5, size=2000) > 0).astype(int)
    fitted = HistGradientBoostingClassifier(max_iter=30, max_leaf_nodes=7, early_stopping=False).fit(x, y)
    names = ["lead", "dense", "names", "log_gap_days"]  # any four of FEATURES, in another order
    spec = json.loads(json.dumps(export_trees(fitted, names)))
    rows = np.zeros((50, len(FEATURES)))
    probe = rng.normal(size=(50, 4))
    rows[:, [FEATURES.index(n) for n in names]] = probe
    assert np.allclose(JoinModel(spec).probabilities(rows), fitted.predict_proba(probe)[:, 1], atol=1e-9)


def test_stories_keep_a_bounded_number_of_member_vectors_and_work_without_embeddings():
    clusterer, pred = run([quake("Bamland", i, T0 + timedelta(minutes=i)) for i in range(MEMBERS + 5)])
    story = clusterer.stories[pred[0]]
    assert len(set(pred)) == 1 and story.members.shape[0] == MEMBERS and len(story.titles) == MEMBERS
    plain = StoryClusterer(embedder=None)
    counter = itertools.count()
    got = [plain.assign(a, lambda: next(counter))[0] for a in
           [quake("Bamland", 1, T0), rehab("Tara Reid", "Promises", T0), quake("Bamland", 2, T0)]]
    assert got[0] == got[2] != got[1]


def test_candidates_stay_bounded_as_stories_pile_up():
    clusterer = StoryClusterer()
    counter = itertools.count()
    for i in range(3 * POSTING_STORIES):  # many stories sharing the word "earthquake", on the same day
        clusterer.assign(quake(f"Town{chr(65 + i % 26)}{chr(65 + i // 26)}x", i, T0), lambda: next(counter))
    assert max(len(p) for p in clusterer.postings.values()) <= POSTING_STORIES


def test_stories_out_of_the_window_are_shrunk_not_searched():
    clusterer, (old,) = run([quake("Bamland", 1, T0)])
    clusterer.assign(rehab("Tara Reid", "Promises", T0 + timedelta(days=100)), lambda: "new")
    assert clusterer.stories[old].expired and not clusterer.stories[old].names.sums
    assert clusterer.story_vector(old)  # still there for related-story links


@pytest.mark.parametrize("pred,gold,expected", [
    ([1, 1, 2, 2], ["a", "a", "b", "b"], 1.0),
    ([1, 2, 3, 4], ["a", "a", "a", "a"], 0.4),  # P 1, R 1/4
])
def test_bcubed(pred, gold, expected):
    assert scores(pred, gold)["bcubed_f1"] == pytest.approx(expected)


def test_pairwise_and_bcubed_on_a_merge():
    s = scores([1, 1, 1], ["a", "a", "b"])
    assert s["pair_p"] == pytest.approx(1 / 3) and s["pair_r"] == 1.0
    assert s["bcubed_p"] == pytest.approx((2 / 3 * 2 + 1 / 3) / 3) and s["bcubed_r"] == 1.0


def test_baseline_single_pass_groups_identical_texts():
    items = [({"id": str(i), "title": t, "text": t}, t) for i, t in
             enumerate(["storm hits coast town", "election results counted", "storm hits coast town"])]
    assert run_baseline(items, 0.5) == [0, 1, 0]


def _record(i: int, article: Article) -> dict:
    return {"id": str(i), "title": article.title, "text": article.text, "date": article.published.isoformat()}


def test_copy_ceiling_sends_a_text_filed_under_two_stories_where_its_first_copy_went():
    a, b = quake("Bamland", 1, T0), rehab("Tara Reid", "Promises", T0)
    items = [(_record(0, a), "quake"), (_record(1, b), "rehab"), (_record(2, a), "rehab")]
    assert run_copy_ceiling(items) == ["quake", "rehab", "quake"]
    assert scores(run_copy_ceiling(items), [g for _, g in items])["bcubed_f1"] < 1.0


def test_gold_join_never_mixes_stories_and_cannot_join_a_story_it_does_not_find():
    items = [(_record(i, quake("Bamland", i, T0 + timedelta(hours=i))), "quake") for i in range(3)]
    items += [(_record(3 + i, rehab("Tara Reid", "Promises", T0 + timedelta(hours=i))), "rehab") for i in range(3)]
    items = feed_order(items)
    pred, gold = run_gold_join(items), [g for _, g in items]
    assert scores(pred, gold)["bcubed_f1"] == 1.0
    # a report on the quake 100 days on (not a copy): its story is out of the window, so even the gold cannot join it
    items.append((_record(9, quake_later("Bamland", 9, T0 + timedelta(days=100))), "quake"))
    pred = run_gold_join(items)
    assert pred[-1] not in pred[:-1]


def test_feed_orders_differ_only_in_ties():
    items = [({"id": str(i), "title": "", "text": "x", "date": f"2020-01-0{1 + i // 3}"}, i) for i in range(9)]
    one, two = feed_order(items, 1), feed_order(items, 2)
    assert one != two
    assert [r["date"] for r, _ in one] == [r["date"] for r, _ in two] == sorted(r["date"] for r, _ in items)


def test_one_day_redates_every_dated_article_and_leaves_the_undated_alone():
    items = [({"id": "a", "title": "", "text": "x", "date": "2019-03-01"}, 1),
             ({"id": "b", "title": "", "text": "x", "url": "https://x.example/2012/05/02/story"}, 2),
             ({"id": "c", "title": "", "text": "Posted August 2nd, 2013. x"}, 3),
             ({"id": "d", "title": "", "text": "no date anywhere"}, 4)]
    out = {r["id"]: r for r, _ in one_day(items)}
    assert [out[k].get("date") for k in "abcd"] == [ONE_DAY, ONE_DAY, ONE_DAY, None]
    assert [r["id"] for r, _ in one_day(items)][0] == "d"  # undated first, as in any feed order


def test_the_join_decision_is_also_fitted_on_the_stream_as_if_on_one_day():
    from fit_cluster import ONE_DAY_WEIGHT, pairs

    items = feed_order([(_record(k, quake("Bamland", k, T0 + timedelta(days=3 * (k % 3)))), k % 3) for k in range(6)])
    x, y, w = pairs(items)
    dated = w.count(1.0)
    assert 0 < dated < len(w) and set(w[dated:]) == {ONE_DAY_WEIGHT} and len(x) == len(y) == len(w)
    gap = FEATURES.index("log_gap_days")
    assert any(row[gap] > 0 for row in x[:dated]) and all(row[gap] == 0 for row in x[dated:])


@pytest.mark.parametrize("words", [40, 90, 400])
def test_a_faint_likeness_to_a_small_story_of_the_same_day_is_no_reason_to_join(words):
    # Fitted on the dates alone, the trees joined such a pair (p 0.96 for a 90-word lead): in AllSides every
    # article of a story carries the story's date, so the same day nearly meant the same story.
    model, bar, _ = load_join_model()
    row = dict.fromkeys(FEATURES, 0.0)  # dated, same day, a story of one article, nothing else shared
    row.update(lead=0.1, lead_margin=0.1, log_words=np.log1p(words), story_words=np.log1p(words))
    assert model.probabilities([[row[f] for f in FEATURES]])[0] < bar


def test_a_long_article_is_embedded_on_a_second_thread_and_gets_the_same_vector():
    import threading

    threads = []

    def embed(article):
        threads.append(threading.current_thread().name)
        return np.linspace(-1.0, 1.0, 256) * len(article.text)

    clusterer = StoryClusterer(embedder=embed)
    long, short = quake("Bamland", 1, T0), quake("Bamland", 2, T0)
    long.text = " ".join([long.text] * 20)
    assert len(short.text) <= OVERLAP_CHARS < len(long.text)
    got = [clusterer.vectors(a).raw for a in (long, short)]
    assert threads[0].startswith("newsdesk-embed") and threads[1] == threading.main_thread().name
    np.testing.assert_array_equal(got[0], embed(long))
    np.testing.assert_array_equal(got[1], embed(short))


def test_trees_send_a_missing_value_where_scikit_learn_learned_to():
    from sklearn.ensemble import HistGradientBoostingClassifier

    from fit_cluster import export_trees

    rng = np.random.default_rng(1)
    x = rng.normal(size=(3000, 2))
    x[rng.random(3000) < 0.3, 1] = np.nan  # missing values that behave like low ones: they must go left
    y = ((np.nan_to_num(x[:, 1], nan=-2.0) + x[:, 0]) > 0).astype(int)
    fitted = HistGradientBoostingClassifier(max_iter=30, max_leaf_nodes=7, early_stopping=False).fit(x, y)
    names = ["lead", "log_gap_days"]
    spec = json.loads(json.dumps(export_trees(fitted, names)))
    rows = np.zeros((300, len(FEATURES)))
    rows[:, [FEATURES.index(n) for n in names]] = x[:300]
    assert np.isnan(rows).any()
    assert np.allclose(JoinModel(spec).probabilities(rows), fitted.predict_proba(x[:300])[:, 1], atol=1e-9)
