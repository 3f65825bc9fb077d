"""The section classifier (newsdesk/stages/topics.py) on held-back labelled news, against the majority class.

Nothing here was fitted on: the classifier's prototypes are hand-written seed phrases (one design choice among six
variants was made on these sets, docs/design/sections.md). Three kinds of labels, each mapped to newsdesk's sections
by a hand table written before any prediction was looked at (below):

- AllSides (../shared/data/clustering/allsides_dev_articles.jsonl): the editors' `story_topic` of each roundup
  ("Coronavirus", "US House", "Middle East"...). Topics that name a person, a place or a meta-subject ("Joe Biden"
  is mapped, "World", "Russia", "Media Bias" are not) and those with no clear IPTC top level are left out. Scored
  per article (title and lead) and per story (its articles together, as a build does).
- fundus (../shared/data/extraction/fundus): the English pages whose publisher's `topics` keywords say one section
  clearly, judged from the keywords alone; scored on the gold title and body.
- URL sections: articles of both sets whose address has a section folder (/sports/, /business/, /health/...):
  the outlet's own filing, a weak label (an opinion piece on health policy is filed under /politics/).

For each: n, accuracy and macro-F1 (over the sections present in the gold) of newsdesk and of the majority-class
baseline (the most frequent gold section of that very set, a baseline that knows the test distribution).

    .venv/bin/python benchmarks/topics.py [--confusion]
"""
from __future__ import annotations

import argparse
import json
import re
from collections import Counter, defaultdict
from pathlib import Path
from urllib.parse import urlparse

from _common import gold_body, pairs

from newsdesk.models import Article
from newsdesk.stages.topics import SECTION_KEYS, classify, classify_text

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
ALLSIDES = DATA / "clustering" / "allsides_dev_articles.jsonl"
GEO = DATA / "geo" / "geo_dev.jsonl"

# AllSides story_topic -> section; None: left out (a person, a place, a meta-subject, or no clear IPTC top level).
ALLSIDES_TOPIC = {
    "Coronavirus": "health", "Economy and Jobs": "business", "US House": "politics", "Immigration": "society",
    "Voting Rights and Voter Fraud": "politics", "Economic Policy": "business", "Middle East": "conflict",
    "US Senate": "politics", "Elections": "politics", "Donald Trump": "politics", "Violence in America": "crime",
    "World": None, "Technology": "science", "Free Speech": None, "Foreign Policy": "politics",
    "Criminal Justice": "crime", "Race and Racism": "society", "Disaster": "disaster", "Joe Biden": "politics",
    "Politics": "politics", "Holidays": "culture", "National Security": "conflict", "Cybersecurity": "science",
    "Supreme Court": "crime", "White House": "politics", "Sports": "sport", "LGBT Rights": "society",
    "Safety and Sanity During COVID-19": "health", "COVID-19 Misinformation": "health",
    "Climate Change": "environment", "Education": "society", "Republican Party": "politics", "Culture": "culture",
    "Gun Control and Gun Rights": None, "Media Industry": "culture", "Transportation": None, "FBI": "crime",
    "Abortion": None, "Public Health": "health", "FDA": "health", "Kamala Harris": "politics", "Israel": "conflict",
    "Justice": "crime", "Energy": "business", "Domestic Policy": "politics", "Media Bias": None,
    "Science": "science", "Marijuana Legalization": None, "Federal Budget": None, "Social Security": None,
    "US Military": "conflict", "Religion and Faith": "society", "Healthcare": "health", "Russia": None,
    "National Defense": "conflict", "Justice Department": "crime", "Food": "culture",
    "Banking and Finance": "business", "Treasury": "business", "Family and Marriage": "society",
    "Housing and Homelessness": "society", "Campaign Rhetoric": "politics", "Bridging Divides": None,
    "Sustainability": "environment", "Defense Department": "conflict", "George Floyd Protests": None,
}

# fundus (country/Publisher.json, gold key) -> section, from the page's `topics` keywords only.
FUNDUS_TOPIC = {
    ("au/NineNews", "V2"): "politics", ("au/WestAustralian", "V1"): "politics", ("ca/CBCNews", "V1"): "conflict",
    ("ca/FinancialPost", "V1"): "business", ("ca/GlobalNews", "V1"): "conflict", ("ca/NationalPost", "V1"): "politics",
    ("ca/NationalPost", "V1_1"): "conflict", ("ca/OttawaCitizen", "V1"): "business",
    ("ca/TheProvince", "V1"): "culture",
    ("uk/BBC", "V1"): "business", ("uk/BBC", "V2"): "conflict", ("uk/DailyMail", "V1"): "business",
    ("uk/EuronewsEN", "V1"): "crime", ("uk/EveningStandard", "V1"): "sport", ("uk/Metro", "V1"): "politics",
    ("uk/Metro", "V1_1"): "conflict", ("uk/Nature", "V1_1"): "science", ("uk/TechRadar", "V1"): "science",
    ("uk/TheMirror", "V1"): "culture", ("uk/TheMirror", "V1_1"): "crime", ("uk/TheMirror", "V1_2"): "crime",
    ("uk/TheTelegraph", "V1"): "culture", ("uk/TheTelegraph", "V1_1"): "politics", ("uk/iNews", "V1"): "sport",
    ("uk/iNews", "V1_1"): "environment", ("us/APNews", "V1_1"): "politics", ("us/BusinessInsider", "V1"): "culture",
    ("us/BusinessInsider", "V2"): "health", ("us/CNBC", "V1"): "business", ("us/FoxNews", "V1"): "politics",
    ("us/FreeBeacon", "V1"): "politics", ("us/RestOfWorld", "V1"): "science", ("us/Reuters", "V1"): "business",
    ("us/RollingStone", "V1"): "culture", ("us/RollingStone", "V1_1"): "culture", ("us/TechCrunch", "V1"): "science",
    ("us/TheIntercept", "V1"): "politics", ("us/TheIntercept", "V1_1"): "conflict", ("us/TheNation", "V1"): "business",
    ("us/TheNation", "V2"): "politics", ("us/TheNewYorker", "V1"): "environment", ("us/Wired", "V1"): "culture",
    ("za/DailyMaverick", "V1"): "conflict", ("za/DurbanLocal", "V1"): "culture", ("za/TimesLive", "V1"): "business",
    ("za/TimesLive", "V1_1"): "crime",
}

# A folder of an article's address -> section (the outlet's own filing).
URL_SECTION = {
    "politics": "politics", "elections": "politics", "congress": "politics", "white-house": "politics",
    "business": "business", "economy": "business", "markets": "business", "money": "business", "finance": "business",
    "sport": "sport", "sports": "sport", "football": "sport", "soccer": "sport",
    "health": "health", "healthcare": "health", "coronavirus": "health",
    "science": "science", "technology": "science", "tech": "science",
    "entertainment": "culture", "arts": "culture", "culture": "culture", "music": "culture", "movies": "culture",
    "books": "culture", "style": "culture", "lifestyle": "culture", "travel": "culture", "food": "culture",
    "crime": "crime", "environment": "environment", "climate": "environment", "weather": "environment",
    "education": "society", "religion": "society", "national-security": "conflict", "military": "conflict",
}


def url_section(url: str | None) -> str | None:
    folders = [f for f in urlparse(url or "").path.lower().split("/") if f][:-1]  # the last part names the page
    found = {URL_SECTION[f] for f in folders if f in URL_SECTION}
    return found.pop() if len(found) == 1 else None


def scores(gold: list[str], pred: list[str]) -> tuple[float, float]:
    """Accuracy and macro-F1 over the sections present in the gold."""
    acc = sum(g == p for g, p in zip(gold, pred)) / len(gold)
    f1s = []
    for c in sorted(set(gold)):
        tp = sum(g == p == c for g, p in zip(gold, pred))
        fp = sum(p == c != g for g, p in zip(gold, pred))
        fn = sum(g == c != p for g, p in zip(gold, pred))
        f1s.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
    return acc, sum(f1s) / len(f1s)


def allsides() -> tuple[list[tuple[str, str]], list[tuple[str, str]], list[tuple[str, str]]]:
    """(gold, text) per article, (gold, story id) per story, and (URL gold, text) per article."""
    rows = [json.loads(line) for line in ALLSIDES.open()]
    articles, urls, stories = [], [], defaultdict(list)
    for r in rows:
        text = f"{r.get('title') or ''}\n{r.get('text') or ''}"
        gold = ALLSIDES_TOPIC.get(r["story_topic"])
        if gold:
            articles.append((gold, text))
            stories[(gold, r["story_id"])].append(Article(title=r.get("title") or "", text=r.get("text") or ""))
        if g := url_section(r.get("url")):
            urls.append((g, text))
    return articles, [(gold, arts) for (gold, _), arts in stories.items()], urls


def fundus() -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(gold, text) of the hand-mapped English pages, and (URL gold, text) of every page with a section folder."""
    labelled, urls = [], []
    for page, url, gold in pairs():
        entries = json.loads((page.parent / f"{re.sub(r'_[0-9_]+.html.gz$', '', page.name)}.json").read_text())
        key = next(k for k, v in entries.items() if v == gold)
        text = f"{gold.get('title') or ''}\n{gold_body(gold.get('body') or '')}"
        if section := FUNDUS_TOPIC.get((f"{page.parent.name}/{page.name.split('_')[0]}", key)):
            labelled.append((section, text))
        if page.parent.name in {"us", "uk", "au", "ca", "za"} and (g := url_section(url)):
            urls.append((g, text))
    return labelled, urls


def geo_urls() -> list[tuple[str, str]]:
    out = []
    for line in GEO.open():
        r = json.loads(line)
        if g := url_section(r.get("url")):
            out.append((g, f"{r.get('title') or ''}\n{r.get('text') or ''}"))
    return out


def report(name: str, gold: list[str], pred: list[str], confusion: bool) -> None:
    majority = Counter(gold).most_common(1)[0][0]
    acc, f1 = scores(gold, pred)
    bacc, bf1 = scores(gold, [majority] * len(gold))
    print(f"| {name} | {len(gold)} | {acc:.3f} | {f1:.3f} | {bacc:.3f} ({majority}) | {bf1:.3f} | "
          f"{acc / bacc:.2f}x |")
    if confusion:
        for g in sorted(set(gold)):
            got = Counter(p for gg, p in zip(gold, pred) if gg == g)
            print(f"    {g:12s} {sum(got.values()):4d}  " + ", ".join(f"{p} {n}" for p, n in got.most_common()))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--confusion", action="store_true", help="print each gold section's predictions")
    args = ap.parse_args()
    as_articles, as_stories, as_urls = allsides()
    fd_labelled, fd_urls = fundus()
    urls = as_urls + fd_urls + geo_urls()
    print(f"sections: {', '.join(SECTION_KEYS)}")
    print("| set | n | accuracy | macro-F1 | majority accuracy | majority macro-F1 | accuracy ratio |")
    print("|---|---|---|---|---|---|---|")
    for name, items in (("AllSides topics, per article", as_articles), ("fundus topics, per page", fd_labelled),
                        ("URL section folders (weak), per article", urls)):
        report(name, [g for g, _ in items], [classify_text(t) for _, t in items], args.confusion)
    report("AllSides topics, per story", [g for g, _ in as_stories], [classify(a) for _, a in as_stories],
           args.confusion)


if __name__ == "__main__":
    main()
