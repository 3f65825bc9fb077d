"""People, organisations and places of a story, with spelling variants merged into one entity.

Typing: spaCy's label, corrected by the gazetteer. A PERSON or ORG that is a country, a world region or a name ending
in a geographic word ("Juan Fernandez Islands") is a place; so is a city of over 100,000 people when the sentence puts
it in place position ("in Concepcion") or the story also tags it GPE/LOC; and so is a province or state ("Texas").
Only GPE/LOC names (and those corrected ones) are looked up for the map, all of the story's together, each read in
the context of the others (geo.resolve_names); a reading the resolver is unsure of is not given.

Merging, in order: the same skeleton (spelling-insensitive key: "Nasiriyah" / "Nassiriya"); the same gazetteer
place ("US" / "United States"); a surname alone joins the one full name of the story ending in it ("Mr al-Sadr",
"Sadr" -> "Muqtada al-Sadr"); an acronym joins the one organisation whose initials it spells.
"""
from __future__ import annotations

import re
from collections import Counter

from .geo import BIG_CITY, FEATURE_WORDS, fold, is_region, locate, resolve_names, skeleton

KINDS = {"PERSON": "person", "ORG": "organisation", "GPE": "place", "LOC": "place", "FAC": "place"}
_TITLES = re.compile(
    r"^(?:(?:mr|mrs|ms|miss|dr|prof|sir|dame|lord|lady|rev|gen|general|col|colonel|capt|captain|lt|sgt|spc|pvt|"
    r"president|prime minister|minister|senator|sen|rep|gov|governor|judge|justice|king|queen|prince|princess|"
    r"pope|cardinal|sheikh|ayatollah|cleric|chancellor|secretary|mayor|chief)\.?\s+)+",
    re.I,
)
_PARTICLES = {"al", "el", "bin", "ibn", "de", "da", "di", "du", "van", "von", "der", "le", "la", "abu", "abd"}


def clean_name(text: str) -> str:
    name = re.sub(r"[’']s$", "", text.strip(" \n\t,.;:\"“”()"))
    name = re.sub(r"^the\s+", "", name, flags=re.I)
    return _TITLES.sub("", name).strip()


def _name_words(name: str) -> list[str]:
    return [w for w in skeleton(name).split() if w not in _PARTICLES]


def _acronym(name: str) -> str:
    return "".join(w[0] for w in re.findall(r"[A-Z][\w-]*", name)).upper()


def _kind(m: dict, name: str, geo_names: set[str]) -> tuple[str | None, bool]:
    """(kind, from_gazetteer) of one mention; from_gazetteer is True when a PERSON/ORG was retyped by the gazetteer."""
    kind = KINDS.get(m["label"])
    if kind in (None, "place"):
        return kind, False
    words = fold(name).split()
    if is_region(name) or (len(words) >= 2 and words[-1] in FEATURE_WORDS) or m.get("feature"):
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
    """mentions: [{"label", "text", "doc_id", "place_context"?, "feature"?}] -> entities [{"kind", "name", "key",
    "variants", "mentions", "doc_ids", "place"}], most mentioned first."""
    place_tags = Counter(skeleton(clean_name(m["text"])) for m in mentions if m["label"] in ("GPE", "LOC"))
    geo_names = set(place_tags)
    label_tags = Counter((m["label"], skeleton(clean_name(m["text"]))) for m in mentions)
    surnames = {words[-1] for m in mentions if m["label"] == "PERSON"
                for words in [_name_words(clean_name(m["text"]))] if len(words) >= 2}
    groups: dict[tuple[str, str], dict] = {}
    for m in mentions:
        name = clean_name(m["text"])
        if len(name) < 2 or not re.search(r"[A-Za-z]", name) or name.islower():
            continue
        kind, retyped = _kind(m, name, geo_names)
        if kind is None:
            continue
        sk = skeleton(name)
        if kind != "place" and sk in place_tags and len(_name_words(name)) == 1 and (
                (kind == "person" and sk not in surnames)
                or (kind == "organisation" and place_tags[sk] >= label_tags[("ORG", sk)])):
            # A town the gazetteer does not list, that spaCy calls a person or an organisation in some sentences
            # and a place in others ("Pichilemu"): one word that is no one's surname in the story is the place.
            kind = "place"
        key = (kind, sk)
        g = groups.setdefault(key, {"kind": kind, "variants": Counter(), "doc_ids": set(), "place": None,
                                    "mappable": False})
        g["variants"][name] += 1
        g["doc_ids"].add(m["doc_id"])
        # Only names spaCy calls GPE/LOC, or that the gazetteer retyped, go on the map: "Wembley Stadium" (FAC) or
        # "Pacific Rim" (a region) have no point in a city gazetteer.
        g["mappable"] = g["mappable"] or retyped or (m["label"] in ("GPE", "LOC") and not m.get("feature"))

    parent: dict[tuple[str, str], tuple[str, str]] = {k: k for k in groups}

    def find(k):
        while parent[k] != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k

    def union(a, b):  # b joins a
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[rb] = ra

    # Every place name of the story is read together, each in the context of the others (geo.resolve_names).
    places = [(k, g) for k, g in groups.items() if g["kind"] == "place" and g["mappable"]]
    written: Counter = Counter()
    for _, g in places:
        written.update(g["variants"])
    within = {clean_name(m["text"]): m["within"] for m in mentions if m.get("within")}
    resolved = resolve_names(dict(written), outlet_countries, within)
    for key, g in places:
        place = next((resolved[v] for v, _ in g["variants"].most_common() if resolved.get(v)), None)
        g["place"] = place if place and place["confident"] else None  # an unsure reading is not asserted
    by_place: dict[int, tuple[str, str]] = {}
    for key, g in places:
        if g["place"]:
            gid = g["place"]["geonameid"]
            if gid in by_place:
                union(by_place[gid], key)
            else:
                by_place[gid] = key

    persons = [k for k, g in groups.items() if g["kind"] == "person"]
    full = [k for k in persons if len(_name_words(k[1])) >= 2]
    for k in persons:
        words = _name_words(k[1])
        if len(words) != 1:
            continue
        owners = {find(f) for f in full if _name_words(f[1])[-1] == words[0]}
        if len(owners) == 1:
            union(owners.pop(), k)

    orgs = [k for k, g in groups.items() if g["kind"] == "organisation"]
    for k in orgs:
        variant = groups[k]["variants"].most_common(1)[0][0]
        if not (variant.isupper() and 2 <= len(variant) <= 6):
            continue
        owners = {find(o) for o in orgs if o != k and _acronym(groups[o]["variants"].most_common(1)[0][0]) == variant
                  and len(groups[o]["variants"].most_common(1)[0][0].split()) >= 2}
        if len(owners) == 1:
            union(owners.pop(), k)

    merged: dict[tuple[str, str], dict] = {}
    for key, g in groups.items():
        root = find(key)
        m = merged.setdefault(root, {"kind": groups[root]["kind"], "variants": Counter(), "doc_ids": set(),
                                     "place": None})
        m["variants"].update(g["variants"])
        m["doc_ids"] |= g["doc_ids"]
        m["place"] = m["place"] or g["place"]

    out = []
    for root, m in merged.items():
        variants = m["variants"]
        if m["kind"] == "person":
            # The fullest form names the person; "Sadr" is a way of writing "Muqtada al-Sadr", not the reverse.
            name = max(variants, key=lambda v: (len(_name_words(v)), variants[v], len(v)))
        else:
            name = max(variants, key=lambda v: (variants[v], len(v)))
        place = m["place"]
        if place and any(fold(v) == fold(place["name"]) for v in variants):
            name = next(v for v in variants if fold(v) == fold(place["name"]))  # the gazetteer's spelling
        key = f"geo:{place['geonameid']}" if place else skeleton(name)
        out.append({
            "kind": m["kind"], "name": name, "key": f"{m['kind']}:{key}",
            "variants": [v for v, _ in variants.most_common()], "mentions": sum(variants.values()),
            "doc_ids": sorted(m["doc_ids"], key=str), "place": place,
        })
    out.sort(key=lambda e: (-e["mentions"], e["name"]))
    return out


def canonical_names(entities: list[dict]) -> dict[str, str]:
    """Every written variant (and its fold) -> the entity's name, to resolve quote speakers and sources."""
    names: dict[str, str] = {}
    for e in entities:
        for v in e["variants"]:
            names[fold(v)] = e["name"]
            names[fold(clean_name(v))] = e["name"]
    return names
