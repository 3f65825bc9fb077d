"""Numeric claims: the value, what it counts, its unit and hedge, and the source the sentence cites.

spaCy finds the number phrases (CARDINAL, MONEY, PERCENT, QUANTITY) and the dependency parse tells what they count:
"More than 600 people have been killed" -> 600 is a modifier of "people", the subject of "killed".
"""
from __future__ import annotations

import re

from spacy.tokens import Span, Token

from .numbers import HEDGES, parse_number, split_hedge

# What a figure counts, by the lemma of a nearby word in the parse; first match on the closest word wins.
CATEGORIES = {
    "killed": {"kill", "die", "dead", "death", "fatality", "perish", "murder", "life", "toll", "slay",
               "killing", "drown"},
    "injured": {"injure", "wound", "hurt", "injury", "injured", "wounded", "hospitalize", "hospitalise"},
    "missing": {"missing", "disappear", "unaccounted"},
    "arrested": {"arrest", "detain", "detention", "custody", "jail", "imprison"},
    "evacuated": {"evacuate", "evacuation", "flee"},
    "displaced": {"displace", "homeless", "refugee"},
    "rescued": {"rescue", "survivor", "survive"},
    "votes": {"vote", "ballot"},
    "protesters": {"protester", "demonstrator", "protestor"},
    "magnitude": {"magnitude"},
    "aftershocks": {"aftershock"},
}
_CATEGORY_OF = {lemma: cat for cat, lemmas in CATEGORIES.items() for lemma in lemmas}
# Counts of these are compared across outlets; generic counts ("14 houses") are kept but never compared, and so are
# magnitudes, which in a quake story mostly belong to different shocks.
COMPARED = frozenset(CATEGORIES) - {"aftershocks", "magnitude"}
# A toll counts people; "four Brazilian soldiers were killed" is a part of it, not a rival figure.
GENERIC_UNITS = {None, "people", "person", "death", "dead", "fatality", "casualty", "other", "resident", "civilian",
                 "victim", "life"}
_MEASURES = {"kilometre", "kilometer", "km", "metre", "meter", "mile", "foot", "feet", "inch", "yard", "hour", "kg",
             "kilogram", "ton", "tonne", "pound", "degree", "mph", "knot", "acre", "hectare", "litre", "liter",
             "gallon", "barrel", "square", "second", "minute", "times", "time"}
FIGURE_LABELS = {"CARDINAL", "MONEY", "PERCENT", "QUANTITY"}
SPEECH_VERBS = {"say", "tell", "report", "announce", "confirm", "estimate", "state", "add", "claim"}
_SOURCE_NOUNS = {"official", "spokesman", "spokeswoman", "spokesperson", "police", "source", "ministry", "minister",
                 "agency", "doctor", "witness", "activist", "tally", "report", "count", "figure", "authority",
                 "government", "survey", "military", "army", "hospital", "medic", "statement", "resident", "expert",
                 "organisation", "organization", "group", "office", "department", "service", "media", "newspaper"}
_CURRENCIES = {"$": "USD", "us$": "USD", "dollar": "USD", "£": "GBP", "pound": "GBP", "€": "EUR", "euro": "EUR",
               "¥": "JPY", "yen": "JPY", "yuan": "CNY", "rupee": "INR"}
_CONTEXT_DEPS = {"nsubj", "nsubjpass", "attr", "acomp", "oprd", "dobj", "compound", "amod", "appos", "pobj", "conj",
                 "npadvmod", "advcl", "xcomp"}
_CLOCK = {"utc", "gmt", "cet", "bst", "est", "edt", "pst", "am", "pm", "a.m.", "p.m.", "local", "hrs", "o'clock"}
_CLOCK_RE = re.compile(r"\d{1,2}[:.]\d{2}(?:[:.]\d{2})?")
_STOP_NOUNS = {"year", "time", "day", "week", "month", "hour", "minute", "percent", "%", "age", "one", "each"}


def _lemma(t: Token) -> str:
    return t.lemma_.lower() if t.lemma_ else t.lower_


def _category_near(tok: Token) -> str | None:
    """Category of the closest counted word: the number's own head chain first, then its siblings."""
    chain = [tok] + list(tok.ancestors)[:4]
    for a in chain:
        cat = _CATEGORY_OF.get(_lemma(a)) or _CATEGORY_OF.get(a.lower_)
        if cat:
            return cat
        for c in a.children:
            if c.dep_ in _CONTEXT_DEPS and c.i != tok.i and c not in chain:
                cat = _CATEGORY_OF.get(_lemma(c)) or _CATEGORY_OF.get(c.lower_)
                if cat:
                    return cat
                for cc in c.children:  # "death toll": the category word is a compound of the subject
                    if cc.dep_ in ("compound", "amod"):
                        cat = _CATEGORY_OF.get(_lemma(cc))
                        if cat:
                            return cat
        if a is not tok and _lemma(a) == "be" and a.dep_ in ("xcomp", "ccomp"):
            continue  # "the toll is estimated to be 110,000": look through the copula to the claim
        if a is not tok and (a.pos_ in ("VERB", "AUX") or a.dep_ in ("ROOT", "ccomp", "relcl")):
            break  # the first verb up the tree is the claim's own: "killed 200,000 and affected three million"
    return None


def _noun_of(tok: Token) -> Token | None:
    head = tok.head
    if tok.dep_ in ("nummod", "quantmod", "compound", "amod", "nmod") and head.pos_ in ("NOUN", "PROPN") and head is not tok:
        return head
    # "14 of the protesters", "three of them"
    for c in tok.children:
        if c.dep_ == "prep" and c.lower_ == "of":
            for p in c.children:
                if p.dep_ == "pobj" and p.pos_ in ("NOUN", "PROPN"):
                    return p
    return None


def cited_source(sent: Span) -> str | None:
    """Who the sentence attributes itself to: "according to X", or the subject of "said"/"told"/"reported"."""
    for t in sent:
        if t.lower_ == "according":
            for to in t.children:
                if to.lower_ == "to":
                    for obj in to.children:
                        if obj.dep_ == "pobj":
                            return _phrase(obj)
    for t in sent:
        if t.pos_ == "VERB" and _lemma(t) in SPEECH_VERBS:
            for c in t.children:
                if c.dep_ != "nsubj" or c.pos_ == "PRON":
                    continue
                sub = list(c.subtree)
                # A source is a name or a word like "officials": not a clause, not the counted thing itself.
                if len(sub) <= 10 and not any(x.like_num for x in sub) and (
                        any(x.pos_ == "PROPN" for x in sub) or _lemma(c) in _SOURCE_NOUNS):
                    return _phrase(c)
    return None


def _phrase(tok: Token) -> str:
    toks = [t for t in tok.subtree if not t.is_punct or t.text in "-'’&."]
    while toks and (toks[0].dep_ == "det" or toks[0].is_punct):
        toks = toks[1:]
    if not toks:
        return tok.text
    doc = tok.doc
    return doc[toks[0].i: toks[-1].i + 1].text.strip(" ,")


def _unit(ent: Span, noun: Token | None) -> str | None:
    if ent.label_ == "PERCENT":
        return "%"
    if ent.label_ == "MONEY":
        low = ent.text.lower()
        for sym, code in _CURRENCIES.items():
            if sym in low:
                return code
        return "money"
    if noun is not None:
        return _lemma(noun)
    return None


def figures_in(sent: Span) -> list[dict]:
    """Every figure of one spaCy sentence as a dict (value, unit, what, hedge, span, cited_source, lower_bound)."""
    out = []
    source = None
    looked_for_source = False
    for ent in sent.ents:
        if ent.label_ not in FIGURE_LABELS:
            continue
        hedge, rest = split_hedge(ent.text)
        if hedge is None:  # "at least" is often left outside the entity
            before = sent.doc[max(ent.start - 3, sent.start): ent.start].text.lower().strip()
            hedge = next((h for h in sorted(HEDGES, key=len, reverse=True) if before.endswith(h)), None)
        value, lower = parse_number(rest)
        if value is None:
            continue
        nums = [t for t in ent if t.like_num]
        tok = nums[-1] if nums else ent.root
        noun = _noun_of(tok)
        if noun is not None and _lemma(noun) in _STOP_NOUNS:
            continue  # "two years", "five days": durations and ages, not counts
        if tok.dep_ == "npadvmod" or (tok.head.lower_ in ("aged", "age")):
            continue
        prev = sent.doc[ent.start - 1] if ent.start > sent.start else None
        if prev is not None and prev.is_title and prev.pos_ in ("PROPN", "NOUN") and not prev.is_sent_start:
            continue  # "Flight 447", "Article 9": a name, not a count
        if tok.head.i == tok.i - 1 and tok.head.pos_ in ("NOUN", "PROPN") and _lemma(tok.head) != "magnitude":
            continue  # "flight 447", "route 66": the number follows the noun it names
        after = sent.doc[ent.end].text.lower() if ent.end < sent.end else ""
        if after in _CLOCK or _CLOCK_RE.fullmatch(ent.text):
            continue  # "16.50 UTC", "8:00 AM": a time of day
        what = _category_near(tok)
        if noun is not None and _lemma(noun) in _MEASURES:
            what = None  # "840 kilometres per hour ... when it disappeared" measures, it does not count the missing
        if ent.label_ == "MONEY":
            what = what if what == "votes" else "money"
        elif ent.label_ == "PERCENT":
            what = "percent"
        unit = _unit(ent, noun)
        if what is None and unit is None:
            continue  # a bare number with nothing it counts ("one of", "No. 10") is not a claim
        if what is None and value == 1 and not hedge:
            continue  # "one rocket": an article, not a figure
        if not looked_for_source:
            source, looked_for_source = cited_source(sent), True
        out.append({"value": value, "unit": unit, "what": what or unit, "hedge": hedge, "span": ent.text,
                    "cited_source": source, "lower_bound": lower, "start": ent.start_char})
    return out
