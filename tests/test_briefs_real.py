"""The brief's readability rules, checked on real clusters: the 10 bundled Wikinews stories always, and the 30
DUC 2003 clusters (AP and NYT wire copy, datelines and all) when ../shared/data is there.

The checks are written independently of the summarizer's own filters (their own word lists and patterns), so a
rule the summarizer forgets to apply shows up here.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from newsdesk.sources.records import article_from_record
from newsdesk.sources.sample import parse_wikinews_text, sample_path
from newsdesk.stages.summarize import summarize
from newsdesk.text import split_sentences

DUC = Path(__file__).resolve().parents[1] / "../shared/data/summarization/duc2003_task2.jsonl"

# Openers that point back at something said before them.
BACKWARD = {"he", "she", "they", "it", "his", "her", "its", "their", "this", "these", "those", "however", "but",
            "also", "meanwhile", "still", "yet", "and", "so", "then", "instead", "nevertheless", "moreover",
            "furthermore", "later", "afterwards", "there", "such"}
SAID = re.compile(r"\b(said|says|say|told|added|according|asked|stated|wrote|announced|declared|insisted|"
                  r"explained|warned|noted|claimed|argued|reported|tweeted)\b", re.I)
DATELINE = re.compile(r"^[A-Z][A-Z.'\- ]{2,}(,\s*[A-Z][A-Za-z.]+)*\s*(\([A-Za-z ]+\))?\s*[_—–-]{1,2}\s")
JUNK = re.compile(r"^(by\s+[A-Z][a-z]+\s+[A-Z]|photo|image|credit|click|subscribe|sign up|read more|related|"
                  r"follow us|share this|copyright|\(c\))|getty images|associated press photo|all rights reserved",
                  re.I)
SITE_SUFFIX = re.compile(r"\s[|\-–—]\s*(wikinews|associated press|new york times|ap|reuters|bbc news)\s*$", re.I)
QUOTES = "\"“”'‘’`"


def _wikinews_clusters() -> list[list]:
    clusters = []
    with sample_path().open(encoding="utf-8") as f:
        for line in f:
            rec = json.loads(line)
            arts = []
            for doc in rec["docs"]:
                date, body = parse_wikinews_text(doc["text"])
                arts.append(article_from_record({"id": doc["doc_id"], "title": doc["title"], "text": body,
                                                 "date": date.isoformat() if date else None, "outlet": "Wikinews"}))
            clusters.append(arts)
    return clusters


def _duc_clusters() -> list[list]:
    if not DUC.exists():
        return []
    clusters = []
    for line in DUC.read_text(encoding="utf-8").splitlines():
        rec = json.loads(line)
        clusters.append([article_from_record(d) for d in rec["docs"]])
    return clusters


def _words(s: str) -> list[str]:
    return re.findall(r"[a-z]+", s.lower())


def check_brief(articles: list, words: int) -> None:
    brief = summarize(articles, words=words)
    by_key = {a.key: a for a in articles}
    assert 1 <= len(brief.sentences) <= 7
    # One headline, a real article title, without a site suffix.
    assert brief.headline and "\n" not in brief.headline and not SITE_SUFFIX.search(brief.headline)
    order = []
    for i, s in enumerate(brief.sentences):
        art = by_key[s.article_id]
        spans = split_sentences(art.text)
        start, end = spans[s.position]
        # Verbatim: the sentence is (a trimmed part of) its article's sentence at that position.
        assert s.text in art.text[start:end], s.text
        order.append((art.published.timestamp() if art.published else float("inf"), articles.index(art), s.position))
        stripped = s.text.lstrip(QUOTES + " ")
        first = _words(stripped)[:1]
        prev = brief.sentences[i - 1] if i else None
        follows_its_predecessor = prev is not None and prev.article_id == s.article_id and prev.position == s.position - 1
        # No unresolved pronoun or connective, unless the sentence it leans on comes right before it.
        # (existential "There was no tsunami warning." points back at nothing: "there" + a form of "be" is exempt)
        existential = re.match(r"there\s+(?:is|are|was|were|has been|have been|had been|will be)\b", stripped, re.I)
        if first and first[0] in BACKWARD and not follows_its_predecessor and not existential:
            pytest.fail(f"dangling opener without its predecessor: {s.text!r}")
        # No bare quote: a sentence that opens with a quotation names its speaker outside the quotation.
        if s.text.lstrip()[:1] in QUOTES and not follows_its_predecessor:
            outside = re.sub(r"[\"“”][^\"“”]*[\"“”]", " ", s.text)
            assert SAID.search(outside) or re.search(r"\b[A-Z][a-z]+\b", outside), f"bare quote: {s.text!r}"
        # A quotation the sentence opens and leaves open is closed by its own next sentence, right after it.
        unbalanced = s.text.count('"') % 2 == 1 or s.text.count("“") != s.text.count("”")
        if unbalanced and not follows_its_predecessor:
            nxt = brief.sentences[i + 1] if i + 1 < len(brief.sentences) else None
            assert nxt is not None and nxt.article_id == s.article_id and nxt.position == s.position + 1, \
                f"quotation left open: {s.text!r}"
        # No datelines, bylines, captions, credits or promotional lines.
        assert not DATELINE.match(s.text), f"dateline kept: {s.text!r}"
        assert not JUNK.search(s.text), f"junk line: {s.text!r}"
    # In the order of events: article time, then position (articles of the same time in the order given).
    assert order == sorted(order), [s.text[:40] for s in brief.sentences]
    # Wire copy once: no two sentences of the brief say the same words.
    bags = [set(_words(s.text)) for s in brief.sentences]
    for i in range(len(bags)):
        for j in range(i + 1, len(bags)):
            overlap = len(bags[i] & bags[j]) / max(1, min(len(bags[i]), len(bags[j])))
            assert overlap < 0.8, (brief.sentences[i].text, brief.sentences[j].text)


@pytest.mark.parametrize("index", range(10))
def test_rules_hold_on_the_bundled_wikinews_stories(index):
    check_brief(_wikinews_clusters()[index], words=120)


@pytest.mark.skipif(not DUC.exists(), reason="../shared/data is not there (CI)")
@pytest.mark.slow
def test_rules_hold_on_duc_2003_wire_clusters():
    clusters = _duc_clusters()
    assert len(clusters) == 30
    for arts in clusters:
        check_brief(arts, words=100)
