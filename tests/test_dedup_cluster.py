import random
from datetime import datetime, timedelta

from newsdesk.models import Article
from newsdesk.sources.sample import parse_wikinews_text, sample_records
from newsdesk.stages.cluster import StoryClusterer
from newsdesk.stages.dedup import DuplicateIndex

WIRE = ("The central bank raised its main interest rate by half a percentage point on Thursday, the largest "
        "increase in two decades, as officials tried to slow inflation that has reached its highest level since "
        "1982. The governor told reporters that further increases were likely in the coming months if prices "
        "kept rising at the current pace. Markets fell sharply after the announcement, with the main index "
        "losing three percent by the close of trading, while the currency strengthened against the dollar.")


def _edit(text: str, seed: int) -> str:
    """A light outlet edit of wire copy: a local dateline and one sentence dropped or reworded."""
    rng = random.Random(seed)
    sentences = text.split(". ")
    if rng.random() < 0.5:
        sentences[-1] = sentences[-1].replace("sharply", "steeply")
    return f"{rng.choice(['LONDON', 'PARIS', 'TOKYO'])} - " + ". ".join(sentences)


def test_exact_and_near_copies_point_at_the_first_seen_article():
    index = DuplicateIndex()
    assert index.add("a", WIRE) is None
    assert index.add("b", WIRE) == "a"
    for i in range(5):
        assert index.add(f"edit{i}", _edit(WIRE, i)) == "a"
    other = "Heavy snow closed schools across the region for a third day, and officials warned of floods."
    assert index.add("c", other) is None


def test_different_texts_on_the_same_topic_are_not_duplicates():
    index = DuplicateIndex()
    index.add("a", WIRE)
    rewritten = ("Officials at the central bank lifted borrowing costs again, saying inflation was still far too "
                 "high. Analysts had expected a smaller move. Shares dropped and the currency gained after the "
                 "decision, which follows three earlier rises this year.")
    assert index.add("b", rewritten) is None


def test_wikinews_dateline_is_parsed_and_removed():
    date, body = parse_wikinews_text("Saturday, January 8, 2005\n\nU.S. citizens donating in 2005 may write off.")
    assert date == datetime(2005, 1, 8) and body.startswith("U.S. citizens")
    date, body = parse_wikinews_text("Countries affected by the tsunami\nText")
    assert date is None and body.startswith("Countries")


def test_sample_is_100_separate_articles_without_cluster_ids():
    records = sample_records()
    assert len(records) == 100
    assert all("cluster_id" not in r and r["text"] and r["title"] for r in records)
    assert not any(r["title"][:4].isdigit() and r["title"][4] == "/" for r in records)


def _bcubed_f1(pred: dict, gold: dict) -> float:
    p = r = 0.0
    for i in gold:
        same_pred = {j for j in gold if pred[j] == pred[i]}
        same_gold = {j for j in gold if gold[j] == gold[i]}
        inter = len(same_pred & same_gold)
        p += inter / len(same_pred)
        r += inter / len(same_gold)
    p, r = p / len(gold), r / len(gold)
    return 2 * p * r / (p + r)


def test_online_clustering_finds_the_sample_stories():
    """The sample has 10 running stories; clustering sees shuffled-free date order and no cluster ids."""
    records = sorted(sample_records(), key=lambda r: (r["date"] is None, r["date"] or ""))
    clusterer = StoryClusterer()
    counter = iter(range(1000))
    pred = {}
    for r in records:
        a = Article(title=r["title"], text=r["text"],
                    published=datetime.fromisoformat(r["date"]) if r["date"] else None)
        pred[r["id"]] = clusterer.assign(a, lambda: next(counter))[0]
    gold = {r["id"]: r["id"][:4] for r in records}  # doc ids are M<cluster><doc>
    # Precision matters most (never mix stories); a first version may still split a long-running story.
    purity = sum(max(sum(1 for k in pred if pred[k] == s and gold[k] == g) for g in set(gold.values()))
                 for s in set(pred.values())) / len(pred)
    assert purity >= 0.95
    # These gold "stories" are topics running for up to five years; the clusterer (issue 4) splits a topic when
    # weeks pass between its articles, by design, so recall is asked of each burst: same topic, within 3 days.
    dates = {r["id"]: datetime.fromisoformat(r["date"]) for r in records if r["date"]}
    bursts = [(a, b) for a in dates for b in dates
              if a < b and gold[a] == gold[b] and abs(dates[a] - dates[b]) <= timedelta(days=3)]
    assert sum(pred[a] == pred[b] for a, b in bursts) / len(bursts) >= 0.75


def test_a_story_goes_quiet_over_time():
    clusterer = StoryClusterer()
    counter = iter(range(100))
    base = Article(title="Storm floods coastal town of Exmouth", text="Storm Brendan flooded Exmouth harbour.",
                   published=datetime(2020, 1, 1))
    story, _ = clusterer.assign(base, lambda: next(counter))
    same_day = Article(title="Exmouth harbour flooded by storm", text="Storm Brendan flooded Exmouth harbour again.",
                       published=datetime(2020, 1, 2))
    near, near_score, _ = clusterer.best_match(same_day)
    years_later = Article(title=same_day.title, text=same_day.text, published=datetime(2020, 1, 2) + timedelta(days=3000))
    far, far_score, _ = clusterer.best_match(years_later)
    assert near == story and far_score < near_score
    assert far is None  # issue 4: past the time window a story is no longer a candidate at all
