"""Numeric claims: the value, what it counts, its unit and hedge, and the source the sentence cites.

spaCy finds the number phrases (CARDINAL, MONEY, PERCENT, QUANTITY) and the dependency parse tells what they count:
"More than 600 people have been killed" -> 600 is a modifier of "people", the subject of "killed".
"""
from __future__ import annotations

import re

from spacy.tokens import Span, Token

from .numbers import HEDGES, parse_number, split_hedge

# What a figure counts. Casualty categories (killed ... rescued) need two things: the number counts people (a person
# noun, a casualty noun such as "deaths", or the bare number standing for people: "killing 20", "the fifteen"), and
# the casualty word governs that number in the parse or sits right next to it ("24 error messages ... disappeared" and
# "one seat ... found floating" are not casualties). The other categories come from the number's own neighbourhood.
CASUALTIES = {
    "killed": {"kill", "die", "dead", "death", "fatality", "perish", "murder", "slay", "killing", "drown",
               "casualty"},
    "injured": {"injure", "wound", "hurt", "injury", "injured", "wounded", "hospitalize", "hospitalise",
                "hospitalised", "hospitalized"},
    "missing": {"missing", "disappear", "unaccounted"},
    "arrested": {"arrest", "detain", "detention", "custody", "jail", "imprison", "capture"},
    "evacuated": {"evacuate", "evacuation", "flee"},
    "displaced": {"displace", "displaced", "homeless", "refugee"},
    "rescued": {"rescue", "alive"},
}
# Counts inside a category that are not the same count: 1.5 million homeless, 1.3 million refugees and 766,000
# displaced people are three figures, never rivals; a figure's "counts" keeps which one it is ("what" keeps the
# category).
SUB_COUNTS = {
    "homeless": {"homeless"},
    "refugees": {"refugee"},
    "hospitalised": {"hospitalize", "hospitalise", "hospitalised", "hospitalized"},
}
CATEGORY_OF_COUNT = {count: next(cat for cat, lemmas in CASUALTIES.items() if lemmas >= words)
                     for count, words in SUB_COUNTS.items()}
OTHER_CATEGORIES = {
    "votes": {"vote", "ballot"},
    "protesters": {"protester", "demonstrator", "protestor"},
    "magnitude": {"magnitude"},
    "aftershocks": {"aftershock"},
}
CATEGORIES = {**CASUALTIES, **OTHER_CATEGORIES}
# lemma -> what it counts: a category, or the sub-count the lemma names
_CASUALTY_OF = {lemma: cat for cat, lemmas in CASUALTIES.items() for lemma in lemmas} | {
    lemma: count for count, lemmas in SUB_COUNTS.items() for lemma in lemmas}
_OTHER_OF = {lemma: cat for cat, lemmas in OTHER_CATEGORIES.items() for lemma in lemmas}
_CATEGORY_OF = {**_CASUALTY_OF, **_OTHER_OF}
# Nouns that count people: only these (or no noun at all) can carry a casualty category.
PERSON_NOUNS = {
    "people", "person", "passenger", "civilian", "protester", "protestor", "demonstrator", "soldier", "troop", "child",
    "kid", "crew", "crewman", "crewmember", "member", "man", "woman", "men", "women", "boy", "girl", "baby", "infant",
    "resident", "villager", "inhabitant", "citizen", "national", "foreigner", "tourist", "visitor", "victim", "worker",
    "employee", "staff", "student", "pupil", "teacher", "sailor", "marine", "personnel", "officer", "policeman",
    "police", "guard", "fighter", "militant", "insurgent", "rebel", "gunman", "bomber", "suspect", "prisoner",
    "detainee", "inmate", "hostage", "miner", "pilgrim", "refugee", "migrant", "patient", "journalist", "reporter",
    "activist", "supporter", "fan", "spectator", "survivor", "other", "adult", "elderly", "family", "individual",
    "american", "briton", "iraqi", "afghan", "israeli", "palestinian", "haitian", "chilean", "pilot", "firefighter",
    "doctor", "nurse", "volunteer", "farmer", "fisherman", "climber", "driver", "occupant", "pedestrian", "mourner",
    "one", "life", "body",
}
# Casualty nouns count people by themselves: "222,570 deaths", "25 arrests", "52 lives".
_CASUALTY_NOUNS = {"death": "killed", "fatality": "killed", "casualty": "killed", "dead": "killed",
                   "arrest": "arrested", "injury": "injured", "injured": "injured", "wounded": "injured",
                   "refugee": "refugees", "evacuee": "evacuated", "missing": "missing"}
_TOLL_NOUNS = {"toll", "count", "tally"}
_BE = {"be", "remain", "stay", "presume", "feared", "fear", "believe", "report", "confirm", "declare", "list",
       "find", "leave", "make", "render"}
_TIGHT_AUX = {"were", "was", "are", "is", "have", "has", "had", "been", "being", "be", "reportedly", "also", "still",
              "all", "now", "later", "feared", "presumed", "believed", "confirmed", "reported", "more"}
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


def _cat(t: Token, table: dict) -> str | None:
    return table.get(_lemma(t)) or table.get(t.lower_)


def _casualty(tok: Token, noun: Token | None) -> str | None:
    """What the number `tok` counting `noun` (None when the number stands alone) counts among the casualties: a
    category or a sub-count ("homeless"), or None."""
    x = noun if noun is not None else tok
    if noun is not None:
        lemma = _lemma(noun)
        if lemma in _CASUALTY_NOUNS:
            if lemma == "life" and _lemma(noun.head) not in ("claim", "lose", "take"):
                return None
            return _CASUALTY_NOUNS[lemma]
        if lemma not in PERSON_NOUNS and noun.lower_ not in PERSON_NOUNS:
            return None  # "24 error messages", "one seat", "three vessels": not people
        if lemma == "life":
            return "killed" if _lemma(noun.head) in ("claim", "lose", "take") else None
    # A casualty word that modifies the counted phrase: "766,000 displaced people", "310,000 injured".
    # A relative clause counts only with "who": in "a plane carrying 12 crew members that disappeared" it is the plane.
    for c in x.children:
        if c.dep_ in ("amod", "acl", "relcl", "appos") and c.i != tok.i and not _hypothetical(c):
            if c.dep_ == "relcl" and not any(w.lower_ in ("who", "whom") for w in c.children):
                continue
            cat = _cat(c, _CASUALTY_OF)
            if cat:
                return cat
    # "thousands of injured", "the arrest of 15 citizens", "deaths of 20 people"
    for c in tok.children:
        if c.dep_ == "prep" and c.lower_ == "of":
            for p in c.children:
                if p.dep_ in ("pobj", "pcomp") and _cat(p, _CASUALTY_OF) and noun is None:
                    return _cat(p, _CASUALTY_OF)
    if x.dep_ == "pobj" and x.head.lower_ == "of" and _cat(x.head.head, _CASUALTY_OF) and x.head.head.pos_ == "NOUN":
        return _cat(x.head.head, _CASUALTY_OF)
    head = x.head
    if x.dep_ in ("nsubj", "nsubjpass", "dobj", "obj", "attr", "conj") and head is not x:
        # "20 died", "600 people were evacuated", "killing 214 people", "detaining the fifteen"; a list member
        # ("..., 869 disappeared") takes no category from a verb it does not head.
        cat = _cat(head, _CASUALTY_OF) if x.dep_ != "conj" and not _hypothetical(head) else None
        if cat and head.pos_ in ("VERB", "AUX", "ADJ"):
            return cat
        if x.dep_ in ("nsubj", "nsubjpass", "dobj") and (_lemma(head) in _BE or head.pos_ in ("AUX", "VERB")):
            # "are missing", "are presumed dead", "made 1.5 million people homeless", "were found alive"
            for c in head.children:
                if c.dep_ in ("acomp", "oprd", "xcomp", "ccomp", "attr") and c.i != x.i:
                    cat = _cat(c, _CASUALTY_OF)
                    if cat and c.pos_ in ("ADJ", "VERB", "AUX"):
                        return cat
    # A toll: "the death toll passed 121,000", "the toll could increase to over 100,000", "is estimated to be 110,000"
    if noun is None or _lemma(noun) in GENERIC_UNITS:
        steps = 0
        for a in x.ancestors:
            if a.pos_ in ("VERB", "AUX"):
                steps += 1
                for c in a.children:
                    if c.dep_ in ("nsubj", "nsubjpass") and _lemma(c) in _TOLL_NOUNS:
                        kinds = [_cat(cc, _CASUALTY_OF) for cc in c.children if cc.dep_ in ("compound", "amod")]
                        return next((k for k in kinds if k), "killed")
                if steps >= 3:
                    break
            elif a.pos_ == "NOUN" and _lemma(a) in _TOLL_NOUNS:
                kinds = [_cat(cc, _CASUALTY_OF) for cc in a.children if cc.dep_ in ("compound", "amod")]
                return next((k for k in kinds if k), "killed")
    return _tight(tok, noun)


def _forecast(tok: Token, noun: Token | None) -> bool:
    """ "the toll could increase to over 100,000": the number's nearest verb is a modal one, so the figure is a
    forecast or a guess, not a count any outlet reported."""
    for a in (noun if noun is not None else tok).ancestors:
        if a.pos_ in ("VERB", "AUX"):
            return _hypothetical(a)
    return False


def _hypothetical(verb: Token) -> bool:
    """ "patients who will die", "could be killed": a risk, not a count."""
    return any(c.dep_ == "aux" and c.lower_ in ("will", "would", "could", "may", "might", "should", "'ll")
               for c in verb.children)


def _tight(tok: Token, noun: Token | None) -> str | None:
    """The casualty word right after the counted phrase: "869 disappeared", "14 people were injured"."""
    doc = tok.doc
    i = (noun.i if noun is not None and noun.i > tok.i else tok.i) + 1
    for j in range(i, min(i + 4, len(doc))):
        t = doc[j]
        cat = _cat(t, _CASUALTY_OF)
        if cat and t.pos_ in ("VERB", "ADJ", "AUX"):
            return cat
        if t.lower_ not in _TIGHT_AUX:
            break
    return None


def _category_near(tok: Token) -> str | None:
    """A non-casualty category (votes, protesters, magnitude, aftershocks) of the closest word: the number's own head
    chain first, then its siblings."""
    chain = [tok] + list(tok.ancestors)[:4]
    for a in chain:
        cat = _cat(a, _OTHER_OF)
        if cat:
            return cat
        for c in a.children:
            if c.dep_ in _CONTEXT_DEPS and c.i != tok.i and c not in chain:
                cat = _cat(c, _OTHER_OF)
                if cat:
                    return cat
        if a is not tok and _lemma(a) == "be" and a.dep_ in ("xcomp", "ccomp"):
            continue
        if a is not tok and (a.pos_ in ("VERB", "AUX") or a.dep_ in ("ROOT", "ccomp", "relcl")):
            break
    return None


def _partitive(tok: Token) -> bool:
    """ "six of them", "14 of the protesters": a part of a group, never a rival to the group's count."""
    if tok.lower_ in ("dozens", "tens", "hundreds", "thousands", "millions", "billions", "scores"):
        return False  # "thousands of injured" is a count, not a part
    for c in tok.children:
        if c.dep_ == "prep" and c.lower_ == "of":
            for p in c.children:
                if p.pos_ == "PRON" or any(d.dep_ in ("det", "poss") for d in p.children):
                    return True
    return False


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
    """Every figure of one spaCy sentence as a dict: value (None for an order of magnitude, `vague`), unit, what (the
    category), counts (what exactly: "homeless" within "displaced"), hedge, span as written, cited_source,
    lower_bound, partitive, forecast and places."""
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
        values = _range(rest)
        value, lower = values[0] if values else parse_number(rest)
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
        counts = _casualty(tok, noun) or _category_near(tok)
        what = CATEGORY_OF_COUNT.get(counts, counts)
        if noun is not None and _lemma(noun) in _MEASURES:
            what = counts = None  # "840 kilometres per hour ... when it disappeared" measures, not the missing
        if ent.label_ == "MONEY":
            what = counts = what if what == "votes" else "money"
        elif ent.label_ == "PERCENT":
            what = counts = "percent"
        unit = _unit(ent, noun)
        if what is None and unit is None:
            continue  # a bare number with nothing it counts ("one of", "No. 10") is not a claim
        if what is None and value == 1 and not hedge:
            continue  # "one rocket": an article, not a figure
        if not looked_for_source:
            source, looked_for_source = cited_source(sent), True
        # An order of magnitude ("thousands", "tens of thousands") is kept as written, with no value: it is no
        # count, and setting it against one would be a made-up comparison.
        vague = bool(lower)
        figure = {"value": None if vague else value, "unit": unit, "what": what or unit,
                  "counts": counts or what or unit, "hedge": hedge, "span": ent.text, "vague": vague,
                  "cited_source": source, "lower_bound": lower, "start": ent.start_char,
                  "partitive": _partitive(tok), "forecast": _forecast(tok, noun), "places": places(sent)}
        out.append(figure)
        for other, other_lower in values[1:]:  # "20 - 25 arrests": both ends of the range are figures
            out.append({**figure, "value": other, "lower_bound": other_lower})
    return out


_RANGE = re.compile(r"^\s*(\d[\d,]*(?:\.\d+)?)\s*(?:-|–|—|to)\s*(\d[\d,]*(?:\.\d+)?)\b(.*)$")


def _range(text: str) -> list[tuple[float, bool]]:
    """[(20, False), (25, False)] for "20 - 25" or "20 to 25 arrests"; [] when the text is not a range."""
    m = _RANGE.match(text)
    if not m:
        return []
    return [parse_number(m.group(1) + m.group(3)), parse_number(m.group(2) + m.group(3))]


def places(sent: Span) -> list[str]:
    """The places a sentence names (GPE and LOC), to tell figures about different places apart."""
    return sorted({e.text for e in sent.ents if e.label_ in ("GPE", "LOC")})
