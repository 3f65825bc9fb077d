"""People, organisations and places of a story: every way of writing one of them merged into one entity, with one type.

Merging, in order: the same name up to spelling ("Nasiriyah" / "Nassiriya"), punctuation, possessive and dots
("U.N" / "UN", "King's Cross" / "Kings Cross"), whatever spaCy called each mention; the same gazetteer place ("US" /
"United States"); an acronym and its expansion, by initials (with or without "of", "the", "for": "MOD" / "Ministry of
Defence") or because an article wrote it in parentheses after the name ("the National Emergencies Office (ONEMI)");
spelling variants of one person's name ("Hans Verlome" / "Hans Verolme"); a surname or first name alone, or a name cut
short ("Alain Le"), joins the one full name of the story it belongs to.

Typing: each mention votes for spaCy's label, corrected by the gazetteer (a PERSON or ORG that is a country, a world
region or a name ending in a geographic word is a place; so is a city of over 100,000 people in place position), and
weighted by what the sentence says: a role ("UN climate chief Yvo de Boer", "Mulet, who ...") is a person, "in
Borneo" is a place. The entity takes the type with the most weight. A name that is no person, organisation or place
(an agreement: "Bali Roadmap", "Kyoto Protocol"; holidays: "Easter and Passover") is dropped. An entity whose type
the votes leave in doubt, or a one-word name mentioned once with nothing but spaCy's label behind it, is
`uncertain`: the story page folds it away from the lists.

Only names spaCy tags GPE/LOC (and those the gazetteer retyped, provinces and states included: "Texas") are looked up
for the map, all of the story's together, each read in the context of the others (geo.resolve_names); a reading the
resolver is unsure of is not given.
"""
from __future__ import annotations

import re
from collections import Counter
from difflib import SequenceMatcher

from .geo import BIG_CITY, FEATURE_WORDS, fold, is_region, locate, resolve_names, skeleton

KINDS = {"PERSON": "person", "ORG": "organisation", "GPE": "place", "LOC": "place", "FAC": "place"}
_TITLES = re.compile(
    r"^(?:(?:mr|mrs|ms|miss|dr|prof|sir|dame|lord|lady|rev|gen|general|col|colonel|capt|captain|lt|sgt|spc|pvt|"
    r"president|prime minister|minister|senator|sen|rep|gov|governor|judge|justice|king|queen|prince|princess|"
    r"pope|cardinal|sheikh|ayatollah|cleric|chancellor|secretary|mayor|chief)\.?\s+)+",
    re.I,
)
_PARTICLES = {"al", "el", "bin", "ibn", "de", "da", "di", "du", "van", "von", "der", "le", "la", "abu", "abd"}
# Words left out of an acronym's initials ("International Committee of the Red Cross" = ICRC); each is tried both
# ways, since some acronyms keep them ("Ministry of Defence" = MOD).
_ACRONYM_SKIPPED = {"of", "the", "for", "and", "on", "in", "to", "at", "de", "la", "del", "des", "du", "&"}
# A name ending in one of these words is a document or an event, not a person, organisation or place.
NOT_ENTITY_ENDINGS = {"roadmap", "road map", "protocol", "accord", "accords", "treaty", "agreement", "declaration",
                      "charter", "doctrine", "plan", "act", "resolution"}
HOLIDAYS = {"easter", "passover", "christmas", "ramadan", "eid", "hanukkah", "diwali", "thanksgiving", "new year",
            "nowruz", "yom kippur", "rosh hashanah", "lent", "advent", "mawlid", "sizdah bedar"}
# "X Region" is the area X names ("Maule"); a city, county, state, bay or square is a place of its own beside X
# ("Mexico City", "Hilo Bay", "City Hall Plaza").
SAME_PLACE_WORDS = {"province", "region", "regions", "ocean", "sea", "island"}
# "Department of State", "Office of the Province": a body named after a place is not the place.
ORG_HEADS = {"department", "ministry", "office", "bureau", "university", "council", "commission", "committee", "bank",
             "agency", "institute", "secretary", "government", "court", "police", "board", "authority", "service"}
# Vote weights: a spaCy label is one vote; a cue in the sentence outweighs a label on its own.
PERSON_CUE_WEIGHT = 2.0  # a role or "who" next to the name
PLACE_CUE_WEIGHT = 1.5  # "in <name>", against a PERSON label; against ORG ("in Congress") it is a weak hint
PLACE_CUE_WEIGHT_ORG = 0.5
UNCERTAIN_SHARE = 0.6  # the winning type's share of the votes below which the type is in doubt
PERSON_SPELLING = 0.85  # SequenceMatcher ratio of two full names of one person written two ways
SURNAME_SPELLING = 0.9  # the same for a one-word name, of at least SURNAME_SPELLING_CHARS letters
SURNAME_SPELLING_CHARS = 7


def clean_name(text: str) -> str:
    """The name as written, without titles, a leading "the"/"this" (or a lower-case French or Spanish article),
    quotes, a possessive ending or an acronym in
    parentheses that spaCy took into the name ("World Health Organization (WHO" -> "World Health Organization")."""
    name = text.strip(" \n\t,.;:\"“”()")
    name = re.sub(r"\s*\((?:[A-Z][A-Z.&-]*)?\)?$", "", name)
    name = re.sub(r"[’']s?$", "", name) if re.search(r"(?:[’']s|s[’'])$", name) else name
    name = re.sub(r"^(?:the|this|these|that)\s+", "", name, flags=re.I).strip(" \"“”")
    # French and Spanish models take the article into the name ("la Chine", "l'Asie", "les Nations unies"); written
    # in lower case it is not part of it, while "La Paz" and "Los Angeles" keep theirs
    name = re.sub(r"^(?:(?:le|la|les|el|los|las)\s+|l['’])(?=[A-ZÀ-Ý])", "", name)
    return _TITLES.sub("", name).strip()


def defined_acronym(text: str) -> str | None:
    """The acronym spaCy took into a name written "National Emergencies Office (ONEMI": "ONEMI"."""
    m = re.search(r"\(([A-Z][A-Z.&-]{1,9})\)?$", text.strip())
    return m.group(1) if m else None


def merge_key(name: str) -> str:
    """Spelling, punctuation and spacing-insensitive: "U.N" / "UN", "King's Cross" / "Kings Cross",
    "Alain Le Roy" / "Alain LeRoy"."""
    words = skeleton(re.sub(r"[.'’]", "", name)).split()
    if len(words) >= 2 and len(words[-1]) > 3 and words[-1].endswith("s") and not words[-1].endswith("ss"):
        words[-1] = words[-1][:-1]  # "Royal Marines" / "Royal Marine", "Revolutionary Guards" / "... Guard"
    return "".join(words)


def _name_words(name: str) -> list[str]:
    return [w for w in skeleton(name).split() if w not in _PARTICLES]


def _as_acronym(name: str) -> str | None:
    """"UN" for "UN" or "U.N"; None for a name that is not written as an acronym."""
    compact = name.replace(".", "").replace(" ", "")
    return compact if compact.isalpha() and compact.isupper() and 2 <= len(compact) <= 7 else None


def _initials(name: str) -> set[str]:
    """The acronyms a name can stand for: initials of its words, with and without the small words; a word in
    capitals gives all its letters ("US Geological Survey" = USGS); hyphens split words ("Agence France-Presse")."""
    words = [w.replace(".", "") for w in re.split(r"[\s-]+", name.replace("’", "'")) if w and w[0].isalnum()]
    if len(words) < 2:
        return set()

    def letters(ws):
        return "".join(w if w.isupper() and w.isalpha() and len(w) <= 4 else w[0] for w in ws).upper()

    out = {letters(words)}
    kept = [w for w in words if w.lower() not in _ACRONYM_SKIPPED]
    if len(kept) >= 2:
        out.add(letters(kept))
    return out


def _is_not_entity(name: str, label: str) -> bool:
    folded = fold(name)
    if folded in HOLIDAYS or any(folded.endswith(" " + e) or folded == e for e in NOT_ENTITY_ENDINGS):
        return True
    # "Easter and Passover", "Coelemu and Cauquenes": two things, not one place
    parts = [p.strip() for p in re.split(r",|\band\b", name) if p.strip()]
    return label in ("GPE", "LOC", "FAC") and len(parts) >= 2 and locate(name) is None and (
        any(fold(p) in HOLIDAYS for p in parts) or all(p[:1].isupper() for p in parts))


def _kind(m: dict, name: str, geo_names: set[str]) -> tuple[str | None, bool]:
    """(kind, from_gazetteer) of one mention; from_gazetteer is True when a PERSON/ORG was retyped by the gazetteer."""
    kind = KINDS.get(m["label"])
    if kind in (None, "place"):
        return kind, False
    words = fold(name).split()
    if is_region(name) or (len(words) >= 2 and words[-1] in FEATURE_WORDS and words[0] not in ORG_HEADS) or m.get(
            "feature"):
        return "place", False
    if _TITLES.match(m["text"].strip()):
        return kind, False  # "President Lincoln"
    place = locate(name)
    if place and place["type"] in ("country", "admin1"):  # "Texas" said like an organisation is still the state
        return "place", True
    if place and (m.get("place_context") or skeleton(name) in geo_names) and locate(name, min_population=BIG_CITY):
        return "place", True
    return kind, False


def merge(mentions: list[dict], outlet_countries: tuple[str, ...] = ()) -> list[dict]:
    """mentions: [{"label", "text", "doc_id", "place_context"?, "feature"?, "person_cue"?, "place_cue"?,
    "acronym"?}] -> entities [{"kind", "name", "key", "variants", "mentions", "doc_ids", "place", "uncertain"}],
    most mentioned first. A spelling belongs to one entity only."""
    place_tags = Counter(merge_key(clean_name(m["text"])) for m in mentions if m["label"] in ("GPE", "LOC"))
    geo_names = {skeleton(clean_name(m["text"])) for m in mentions if m["label"] in ("GPE", "LOC")}
    label_tags = Counter((m["label"], merge_key(clean_name(m["text"]))) for m in mentions)
    surnames = {words[-1] for m in mentions if m["label"] == "PERSON"
                for words in [_name_words(clean_name(m["text"]))] if len(words) >= 2}
    groups: dict[str, dict] = {}
    defined: list[tuple[str, str]] = []  # (name's key, acronym's key) from "Name (ACRONYM)"
    for m in mentions:
        name = clean_name(m["text"])
        if len(name) < 2 or not re.search(r"[A-Za-z]", name) or name.islower() or _is_not_entity(name, m["label"]):
            continue
        kind, retyped = _kind(m, name, geo_names)
        if kind is None:
            continue
        key = merge_key(name)
        if not key:
            continue
        if kind != "place" and key in place_tags and len(_name_words(name)) == 1 and (
                (kind == "person" and _name_words(name)[0] not in surnames)
                or (kind == "organisation" and place_tags[key] >= label_tags[("ORG", key)])):
            # A town the gazetteer does not list, that spaCy calls a person or an organisation in some sentences
            # and a place in others ("Pichilemu"): one word that is no one's surname in the story is the place.
            kind = "place"
        g = groups.setdefault(key, {"votes": Counter(), "variants": Counter(), "doc_ids": set(), "place": None,
                                    "mappable": False, "cues": 0})
        g["votes"][kind] += 1.0
        if m.get("person_cue") and not retyped:
            g["votes"]["person"] += PERSON_CUE_WEIGHT
            g["cues"] += 1
        if m.get("place_cue") and m["label"] in ("PERSON", "ORG") and not retyped:
            g["votes"]["place"] += PLACE_CUE_WEIGHT if m["label"] == "PERSON" else PLACE_CUE_WEIGHT_ORG
            g["cues"] += 1
        g["variants"][name] += 1
        g["doc_ids"].add(m["doc_id"])
        # Only names spaCy calls GPE/LOC, or that the gazetteer retyped, go on the map: "Wembley Stadium" (FAC) or
        # "Pacific Rim" (a region) have no point in a city gazetteer.
        g["mappable"] = g["mappable"] or retyped or (m["label"] in ("GPE", "LOC") and not m.get("feature"))
        short = m.get("acronym") or defined_acronym(m["text"])
        # "Los Angeles (Reuters)" and "in China (CIPFG)" define nothing: only an organisation's full name does
        if short and m["label"] == "ORG" and len(name.split()) >= 2:
            defined.append((key, merge_key(short)))

    parent = {k: k for k in groups}

    def find(k):
        while parent[k] != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k

    def union(a, b):  # b joins a
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[rb] = ra

    def adopt(k: str, kind: str) -> None:
        # A short form that joins a name takes its type: spaCy's label of a bare surname or an acronym is a guess
        # from one word ("Contador" as an organisation), the full name's is not.
        g = groups[k]
        g["votes"] = Counter({kind: sum(g["votes"].values())})

    def top(votes: Counter) -> str:
        return max(votes, key=lambda k: (votes[k], k == "person", k == "organisation"))

    # Acronyms: defined in parentheses by an article, or spelling the initials of exactly one name of the story.
    for name_key, short_key in defined:
        if short_key in groups and short_key != name_key:
            union(name_key, short_key)
    spelled_out = {short_key for _, short_key in defined}
    by_initials: dict[str, set[str]] = {}
    for k, g in groups.items():
        for v in g["variants"]:
            if not _as_acronym(v):
                for initials in _initials(v):
                    by_initials.setdefault(initials, set()).add(k)
    for k, g in groups.items():
        short = next((a for a in map(_as_acronym, g["variants"]) if a), None)
        if short and k not in spelled_out:
            # "AP" is not "Aceh province": an expansion of another type must be an organisation ("RM" / "Royal
            # Marines", which spaCy may call a place when it stands alone)
            owners = {find(o) for o in by_initials.get(short, ())
                      if top(groups[o]["votes"]) in (top(g["votes"]), "organisation")} - {find(k)}
            tails = {tuple(fold(k_name(groups, o)).split()[-2:]) for o in owners}
            if len(owners) > 1 and len(tails) == 1 and len(next(iter(tails))) == 2:
                # "United States Geological Survey" and "US Geological Survey" both spell USGS: one name
                for o in owners:
                    union(next(iter(owners)), o)
                owners = {find(next(iter(owners)))}
            if len(owners) == 1:
                owner = owners.pop()
                adopt(k, top(groups[owner]["votes"]))
                union(owner, k)

    by_words: dict[tuple[str, ...], set[str]] = {}
    for k, g in groups.items():
        for v in g["variants"]:
            by_words.setdefault(tuple(fold(v).split()), set()).add(k)
    for k, g in groups.items():
        words = k_name(groups, k).split()
        head = _as_acronym(words[0]) if len(words) >= 2 else None
        if not head:
            continue
        rest = tuple(fold(" ".join(words[1:])).split())
        owners = {find(o) for ws, keys in by_words.items() if ws[-len(rest):] == rest and len(ws) > len(rest)
                  and head in _initials(" ".join(ws[:-len(rest)]) + " x") and ws[0] != head.lower()
                  for o in keys if not _as_acronym(k_name(groups, o).split()[0])} - {find(k)}
        if len(owners) == 1:
            union(owners.pop(), k)

    # People: one full name written two ways, then a surname, first name or cut name alone joins its full name.
    people = [k for k, g in groups.items() if top(g["votes"]) == "person"
              and not any(_as_acronym(v) for v in g["variants"])]
    full = [k for k in people if len(_name_words(k_name(groups, k))) >= 2]
    def given_and_family(key: str) -> list[str]:  # "Geoffrey D. Miller" is "Geoffrey Miller"
        words = fold(k_name(groups, key)).split()
        return [w for w in words if len(w) > 1] if sum(len(w) > 1 for w in words) >= 2 else words

    for i, a in enumerate(full):
        wa = given_and_family(a)
        for b in full[i + 1:]:
            wb = given_and_family(b)
            if len(wa) == len(wb) and all(x[0] == y[0] for x, y in zip(wa, wb)) and SequenceMatcher(
                    None, " ".join(wa), " ".join(wb)).ratio() >= PERSON_SPELLING:
                union(a, b)
    named = [k for k, g in groups.items() if top(g["votes"]) == "organisation" and len(k_name(groups, k).split()) == 2
             and not _as_acronym(k_name(groups, k).split()[0])]

    def same_surname(a: str, b: str) -> bool:
        return a == b or (min(len(a), len(b)) >= SURNAME_SPELLING_CHARS and a[0] == b[0]
                          and SequenceMatcher(None, a, b).ratio() >= SURNAME_SPELLING)

    singles = [k for k in people if len(_name_words(k_name(groups, k))) == 1]
    for i, a in enumerate(singles):
        for b in singles[i + 1:]:
            if min(len(a), len(b)) >= SURNAME_SPELLING_CHARS and a[0] == b[0] and SequenceMatcher(
                    None, a, b).ratio() >= SURNAME_SPELLING:
                union(a, b)
    for k, g in groups.items():
        name = k_name(groups, k)
        words = _name_words(name)
        # A name spaCy calls a place joins a person only when the gazetteer knows no big place of that name
        # ("General Fulton" is Rob Fulton; "Jordan" stays the country)
        if len(words) != 1 or _as_acronym(name) or (top(g["votes"]) == "place" and (
                locate(name, min_population=BIG_CITY) or is_region(name))):
            continue
        last = {find(f) for f in full if same_surname(_name_words(k_name(groups, f))[-1], words[0])} - {find(k)}
        if not last and top(g["votes"]) == "person":
            # "Valverde and Mayo": spaCy knew Mayo for a person, not "Iban Mayo"
            last = {find(f) for f in named if _name_words(k_name(groups, f))[-1] == words[0]} - {find(k)}
        first = {find(f) for f in full if _name_words(k_name(groups, f))[0] == words[0]} - {find(k)}
        if len(last) == 1:
            adopt(k, "person")
            union(last.pop(), k)
        elif not last and len(first) == 1 and top(g["votes"]) != "place":
            adopt(k, "person")
            union(first.pop(), k)
    for a in full:
        wa = fold(k_name(groups, a)).split()
        owners = set()
        for b in full:
            wb = fold(k_name(groups, b)).split()
            if (len(wa) <= len(wb) and wa[:-1] == wb[:len(wa) - 1] and wb[len(wa) - 1] != wa[-1]
                    and wb[len(wa) - 1].startswith(wa[-1])):
                owners.add(find(b))  # "Alain Le" is "Alain LeRoy" cut short
        owners.discard(find(a))
        if len(owners) == 1:
            adopt(a, "person")
            union(owners.pop(), a)

    for k, g in groups.items():
        words = k_name(groups, k).split()
        if len(words) >= 2 and words[-1].lower() in SAME_PLACE_WORDS and top(g["votes"]) == "place":
            bare = merge_key(" ".join(words[:-1]))
            if bare in groups and not (top(groups[bare]["votes"]) == "person" and groups[bare]["cues"]):
                adopt(bare, "place")
                union(k, bare)

    roots: dict[str, dict] = {}
    for k, g in groups.items():
        r = roots.setdefault(find(k), {"votes": Counter(), "variants": Counter(), "doc_ids": set(), "place": None,
                                       "mappable": False, "cues": 0})
        r["votes"].update(g["votes"])
        r["variants"].update(g["variants"])
        r["doc_ids"] |= g["doc_ids"]
        r["mappable"] = r["mappable"] or g["mappable"]
        r["cues"] += g["cues"]
    for r in roots.values():
        r["kind"] = top(r["votes"])

    # Every place name of the story is read together, each in the context of the others (geo.resolve_names).
    places = [(k, r) for k, r in roots.items() if r["kind"] == "place" and r["mappable"]]
    written: Counter = Counter()
    for _, r in places:
        written.update(r["variants"])
    within = {clean_name(m["text"]): m["within"] for m in mentions if m.get("within")}
    resolved = resolve_names(dict(written), outlet_countries, within)
    for key, r in places:
        place = next((resolved[v] for v, _ in r["variants"].most_common() if resolved.get(v)), None)
        r["place"] = place if place and place["confident"] else None  # an unsure reading is not asserted
    by_place: dict[int, dict] = {}
    for key, r in places:
        if r["place"]:
            first_root = by_place.setdefault(r["place"]["geonameid"], r)
            if first_root is not r:
                first_root["votes"].update(r["votes"])
                first_root["variants"].update(r["variants"])
                first_root["doc_ids"] |= r["doc_ids"]
                first_root["cues"] += r["cues"]
                r["merged"] = True

    out = []
    for r in roots.values():
        if r.get("merged"):
            continue
        variants, votes = r["variants"], r["votes"]
        if r["kind"] == "person":
            # The fullest form names the person; "Sadr" is a way of writing "Muqtada al-Sadr", not the reverse.
            # Particles do not count as names, but break a tie: "Al Gore" over "Gore", whatever "al" means.
            name = max(variants, key=lambda v: (len(_name_words(v)), len(v.split()), variants[v], len(v)))
        else:
            # "U.N" and "UN" are one spelling, named without the dots
            same = Counter()
            for v, n in variants.items():
                same[merge_key(v)] += n
            name = max(variants, key=lambda v: (same[merge_key(v)], "." not in v, variants[v], len(v)))
        place = r["place"]
        if place and any(fold(v) == fold(place["name"]) for v in variants):
            name = next(v for v in variants if fold(v) == fold(place["name"]))  # the gazetteer's spelling
        key = f"geo:{place['geonameid']}" if place else skeleton(name)
        mentions_n = sum(variants.values())
        share = votes[r["kind"]] / sum(votes.values())
        lone = (mentions_n == 1 and len(name.split()) == 1 and not _as_acronym(name) and not r["cues"]
                and not place)
        out.append({
            "kind": r["kind"], "name": name, "key": f"{r['kind']}:{key}",
            "variants": [v for v, _ in variants.most_common()], "mentions": mentions_n,
            "doc_ids": sorted(r["doc_ids"], key=str), "place": place, "uncertain": share < UNCERTAIN_SHARE or lone,
        })
    out.sort(key=lambda e: (-e["mentions"], e["name"]))
    return out


def k_name(groups: dict, key: str) -> str:
    """A group's most written spelling."""
    return groups[key]["variants"].most_common(1)[0][0]


def canonical_names(entities: list[dict]) -> dict[str, str]:
    """Every written variant (and its fold) -> the entity's name, to resolve quote speakers and sources."""
    names: dict[str, str] = {}
    for e in entities:
        for v in e["variants"]:
            names[fold(v)] = e["name"]
            names[fold(clean_name(v))] = e["name"]
    return names
