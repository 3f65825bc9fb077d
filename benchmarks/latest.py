"""How new and how recent the brief's "latest" sentences are, against the lead of the newest document.

On every cluster whose documents carry at least two different dates: DUC 2003 task 2 (30 clusters of AP/NYT wire,
dates from the files) and the bundled Wikinews sample (MultiLing 2011, 10 running stories, dates from each text's
dateline). For each "latest" sentence of newsdesk (`summarize(...).latest`) and of the baseline (the first sentences
of the newest document that a brief could quote, as many as newsdesk gave, at least one: datelines cut, sentences
opening with a pronoun skipped, as for newsdesk) it prints:

- newest: the share of sentences taken from a document of the newest date;
- bigram overlap: the largest share of the sentence's stemmed bigrams found in one sentence of the documents dated
  before its own (mean over sentences; lower is newer). newsdesk selects by this very measure (at most 0.5), so on
  it newsdesk wins by construction: it shows the criterion is met, not that it is a good one;
- new words: the share of the sentence's content words (lower-cased, stop words out, not stemmed) that no earlier
  document used: a measure the selection does not use;
- fresh: the share of sentences whose bigram overlap is at most 0.5.

What it cannot show: whether a sentence reports what *changed* (a novel but minor detail scores as well as the
event), and whether the right days were reached back to; there is no gold for "the latest development". Read the
sentences with `--show`.

    .venv/bin/python benchmarks/latest.py [--show]
"""
from __future__ import annotations

import argparse
import json
import statistics
from datetime import datetime
from pathlib import Path

from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

from newsdesk.models import Article
from newsdesk.sources.records import article_from_record
from newsdesk.sources.sample import parse_wikinews_text, sample_path
from newsdesk.stages.concepts import bigrams, stem_tokens
from newsdesk.stages.summarize import brief_candidates, summarize
from newsdesk.text import split_sentences, tokenize

DUC = Path(__file__).resolve().parents[1] / "../shared/data/summarization/duc2003_task2.jsonl"
FRESH = 0.5


def duc_clusters() -> list[list[Article]]:
    if not DUC.exists():
        return []
    return [[article_from_record(d) for d in json.loads(line)["docs"]] for line in DUC.open(encoding="utf-8")]


def wikinews_clusters() -> list[list[Article]]:
    clusters = []
    for line in sample_path().open(encoding="utf-8"):
        arts = []
        for doc in json.loads(line)["docs"]:
            date, body = parse_wikinews_text(doc["text"])
            arts.append(Article(title=doc.get("title") or "", text=body, published=date, outlet="Wikinews",
                                external_id=doc["doc_id"]))
        clusters.append(arts)
    return clusters


def _day(a: Article):
    return a.published.date() if a.published else None


def _content(text: str) -> set[str]:
    return {t for t in tokenize(text) if t not in ENGLISH_STOP_WORDS and t.isalpha() and len(t) > 2}


def measure(sentence: str, day, cluster: list[Article]) -> tuple[float, float]:
    """(bigram overlap with the most similar sentence of an earlier document, share of new content words)."""
    bg = bigrams(stem_tokens(sentence))
    earlier = [a for a in cluster if _day(a) is not None and _day(a) < day]
    best, words = 0.0, set()
    for a in earlier:
        words |= _content(a.text)
        for s, e in split_sentences(a.text):
            if bg:
                best = max(best, len(bg & bigrams(stem_tokens(a.text[s:e]))) / len(bg))
    content = _content(sentence)
    return (best if bg else 1.0), (len(content - words) / len(content) if content else 0.0)


def lead_baseline(cluster: list[Article], n: int) -> list[tuple[str, object]]:
    """The first `n` sentences of the newest document that a brief could quote (datelines cut, no pronoun openers,
    the brief's own filters), so that both systems quote the same kind of sentence."""
    newest = max(_day(a) for a in cluster if _day(a))
    doc = next(a for a in cluster if _day(a) == newest)
    usable = [c for c in brief_candidates(0, doc) if not (c.dangling or c.anaphor or c.open_end)]
    return [(c.text, newest) for c in usable[:n]]


def run(name: str, clusters: list[list[Article]], show: bool) -> None:
    multi = [c for c in clusters if len({_day(a) for a in c if _day(a)}) >= 2]
    rows = {"newsdesk": [], "  its newest day": [], "lead of newest": []}
    empty = 0
    for cluster in multi:
        newest = max(_day(a) for a in cluster if _day(a))
        brief = summarize(cluster)
        ours = [(s.text, s.published.date()) for s in brief.latest]
        empty += not ours
        base = lead_baseline(cluster, max(1, len(ours)))
        for system, sents in (("newsdesk", ours), ("lead of newest", base)):
            for text, day in sents:
                overlap, new_words = measure(text, day, cluster)
                rows[system].append((day == newest, overlap, new_words))
                if system == "newsdesk" and day == newest:  # like for like with the baseline
                    rows["  its newest day"].append((True, overlap, new_words))
                if show:
                    print(f"  [{system}] {day} overlap {overlap:.2f} new {new_words:.2f}: {text[:140]}")
    print(f"\n{name}: {len(multi)} clusters with two or more dates ({len(clusters)} in all); newsdesk gave no "
          f"latest for {empty}")
    print(f"  {'system':<16}{'sentences':>10}{'newest':>8}{'bigram overlap':>16}{'new words':>11}{'fresh':>7}")
    for system, r in rows.items():
        if not r:
            print(f"  {system:<16}{0:>10}")
            continue
        print(f"  {system:<16}{len(r):>10}{statistics.mean(x[0] for x in r):>8.2f}"
              f"{statistics.mean(x[1] for x in r):>16.2f}{statistics.mean(x[2] for x in r):>11.2f}"
              f"{statistics.mean(x[1] <= FRESH for x in r):>7.2f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--show", action="store_true", help="print every sentence with its scores")
    args = ap.parse_args()
    started = datetime.now()
    run("DUC 2003 task 2", duc_clusters(), args.show)
    run("Wikinews sample (MultiLing 2011)", wikinews_clusters(), args.show)
    print(f"\n{(datetime.now() - started).total_seconds():.0f} s")


if __name__ == "__main__":
    main()
