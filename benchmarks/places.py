"""Place names resolved to coordinates: newsdesk against a baseline, on the geoparsing development set.

Data: `../shared/data/geo/geo_dev.jsonl` (LGL: local US news, 588 articles; TR-News: international news, 118
articles; gold GeoNames coordinates for every toponym). Protocol (../shared/data/README.md, Gritta et al. 2019): a
predicted place overlapping a gold span detects it; it is right within 161 km of the gold point. Printed per corpus
and overall: detected share of gold toponyms, accuracy@161 among the detected, recall@161 over all gold toponyms.

Systems, in the same run, on the same spaCy parses:
  - newsdesk: what `newsdesk places` outputs (stages/facts/places.py: the story page's place typing, every name
    read in the context of the article's others, its title's and its outlet's country); and the same with only the
    sure readings, the ones the story map draws.
  - story-page: the places the story page puts on its entities (entities.merge) with each article as a story,
    mapped back to spaCy's spans; this path exists in the code before `newsdesk places`, so running this file with
    --code set to an older checkout measures that code ("before").
  - baseline: spaCy GPE/LOC entities looked up by name in the same gazetteer, the most populous place wins.

--tune: the resolver's weights (settings.PlaceResolution) chosen on one corpus by recall@161 and reported on the
other (leave one corpus out), both ways, beside the shipped defaults.

    .venv/bin/python benchmarks/places.py [--tune] [--limit N] [--code OLDER_CHECKOUT]
"""
from __future__ import annotations

import argparse
import dataclasses
import itertools
import json
import math
import sys
import time
from pathlib import Path

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "geo" / "geo_dev.jsonl"
KM = 161.0


def km(lat1, lon1, lat2, lon2) -> float:
    la1, lo1, la2, lo2 = map(math.radians, (lat1, lon1, lat2, lon2))
    h = math.sin((la2 - la1) / 2) ** 2 + math.cos(la1) * math.cos(la2) * math.sin((lo2 - lo1) / 2) ** 2
    return 12742 * math.asin(math.sqrt(min(1.0, h)))


def score(articles: list[dict], predictions: dict[str, list[dict]]) -> dict:
    gold = detected = right = 0
    for a in articles:
        preds = predictions.get(a["id"], [])
        for t in a["toponyms"]:
            gold += 1
            hit = next((p for p in preds if p["start"] < t["end"] and t["start"] < p["end"]), None)
            if hit is None:
                continue
            detected += 1
            right += km(hit["lat"], hit["lon"], t["lat"], t["lon"]) <= KM
    return {"gold": gold, "detected": detected / gold if gold else 0.0, "acc": right / detected if detected else 0.0,
            "recall": right / gold if gold else 0.0}


def baseline(text: str, doc) -> list[dict]:
    from newsdesk.stages.facts import geo
    from newsdesk.stages.facts.entities import clean_name

    def lookup(name: str) -> list[dict]:
        if hasattr(geo, "candidates"):
            return sorted(geo.candidates(name), key=lambda p: -p["population"])
        found = geo.locate(name)  # older code: a country of that name, else the most populous city
        return [found] if found else []

    out = []
    for e in doc.ents:
        if e.label_ not in ("GPE", "LOC"):
            continue
        found = lookup(clean_name(e.text))
        if found:
            out.append({"start": e.start_char, "end": e.end_char, "lat": found[0]["lat"], "lon": found[0]["lon"]})
    return out


def story_page(text: str, doc) -> list[dict]:
    from newsdesk.stages import facts
    from newsdesk.stages.facts.entities import clean_name, merge

    # `--code` may point at a checkout from before the function had its public name
    name_mentions = getattr(facts, "name_mentions", None) or getattr(facts, "_mentions")
    entities = merge([{**m, "doc_id": "a"} for m in name_mentions(doc, text)])
    by_variant = {}
    for e in entities:
        if e["kind"] == "place" and e["place"]:
            for v in e["variants"]:
                by_variant[v] = e["place"]
    out = []
    for e in doc.ents:
        place = by_variant.get(clean_name(e.text))
        if place:
            out.append({"start": e.start_char, "end": e.end_char, "lat": place["lat"], "lon": place["lon"]})
    return out


def table(rows: list[tuple[str, dict[str, dict]]]) -> str:
    lines = [f"{'system':<34} {'corpus':<8} {'toponyms':>8} {'detected':>9} {'acc@161':>8} {'recall@161':>10}"]
    for name, per in rows:
        for corpus, s in per.items():
            lines.append(f"{name:<34} {corpus:<8} {s['gold']:>8} {s['detected']:>9.3f} {s['acc']:>8.3f} "
                         f"{s['recall']:>10.3f}")
    return "\n".join(lines)


def per_corpus(articles: list[dict], predictions: dict) -> dict[str, dict]:
    out = {}
    for corpus in ("lgl", "trnews"):
        out[corpus] = score([a for a in articles if a["corpus"] == corpus], predictions)
    out["all"] = score(articles, predictions)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=str(DATA))
    ap.add_argument("--limit", type=int, default=0, help="first N articles only (a quick look)")
    ap.add_argument("--tune", action="store_true", help="also choose the weights leaving one corpus out")
    ap.add_argument("--code", help="import newsdesk from this checkout instead (an older one measures the code before)")
    args = ap.parse_args()
    if args.code:
        sys.path.insert(0, str(Path(args.code).resolve()))

    from newsdesk.stages.facts import MAX_CHARS, load_nlp

    articles = [json.loads(line) for line in open(args.data, encoding="utf-8")]
    if args.limit:
        articles = articles[:args.limit]
    nlp = load_nlp()
    t0 = time.time()
    texts = [a["text"][:MAX_CHARS] for a in articles]
    docs = list(nlp.pipe(texts, batch_size=32))
    title_docs = list(nlp.pipe([a.get("title") or "" for a in articles], batch_size=64))
    print(f"{len(articles)} articles parsed in {time.time() - t0:.1f} s", file=sys.stderr)

    try:
        from newsdesk.stages.facts import places as places_stage
    except ImportError:  # code from before `newsdesk places`: only the story-page path exists
        places_stage = None

    if places_stage is not None:
        names = [places_stage.names_in(text, doc, title_doc) for text, doc, title_doc in zip(texts, docs, title_docs)]

    def run_newsdesk(confident_only: bool = False) -> dict[str, list[dict]]:
        return {a["id"]: places_stage.resolve_mentions(text, chosen, context, a.get("url"), confident_only)
                for a, text, (chosen, context) in zip(articles, texts, names)}

    t0 = time.time()
    rows = []
    if places_stage is not None:
        rows.append(("newsdesk places", per_corpus(articles, run_newsdesk())))
        rows.append(("newsdesk, sure readings (the map)", per_corpus(articles, run_newsdesk(confident_only=True))))
    rows.append(("story-page path", per_corpus(articles, {a["id"]: story_page(t, d)
                                                          for a, t, d in zip(articles, texts, docs)})))
    rows.append(("baseline (spaCy + most populous)", per_corpus(articles, {a["id"]: baseline(t, d)
                                                                           for a, t, d in zip(articles, texts, docs)})))
    print(f"resolved in {time.time() - t0:.1f} s", file=sys.stderr)
    print(table(rows))

    if args.tune and places_stage is not None:
        from newsdesk.stages.facts import geo

        shipped = geo.PLACES
        grid = {"country_weight": [0.0, 2.0, 4.0, 8.0], "admin1_weight": [2.0, 4.0, 8.0],
                "admin1_bonus": [-1.0, 0.0], "within_weight": [3.0, 6.0]}
        results = []
        for values in itertools.product(*grid.values()):
            chosen = dict(zip(grid, values))
            bonus = {**shipped.type_bonus, "admin1": chosen["admin1_bonus"]}
            geo.PLACES = dataclasses.replace(shipped, country_weight=chosen["country_weight"],
                                             admin1_weight=chosen["admin1_weight"], type_bonus=bonus,
                                             within_weight=chosen["within_weight"])
            results.append((chosen, per_corpus(articles, run_newsdesk())))
        geo.PLACES = shipped
        print("\nsure readings (what the map draws) by margin: detected / acc@161 / recall@161, lgl | trnews")
        for margin in (0.0, 0.25, 0.5, 1.0, 1.5):
            geo.PLACES = dataclasses.replace(shipped, margin=margin)
            per = per_corpus(articles, run_newsdesk(confident_only=True))
            print(f"  margin {margin}: " + " | ".join(
                f"{per[c]['detected']:.3f} / {per[c]['acc']:.3f} / {per[c]['recall']:.3f}" for c in ("lgl", "trnews")))
        geo.PLACES = shipped
        print("\nrecall@161 by weights (lgl / trnews)")
        for values, per in results:
            print(f"  {values}: {per['lgl']['recall']:.3f} / {per['trnews']['recall']:.3f}")
        print("\nleave one corpus out: weights chosen by recall@161 on one corpus, reported on the other")
        for train, test in (("lgl", "trnews"), ("trnews", "lgl")):
            best_values, best = max(results, key=lambda r: r[1][train]["recall"])
            s = best[test]
            print(f"  tuned on {train:<6} {best_values} -> {test}: detected {s['detected']:.3f} acc@161 "
                  f"{s['acc']:.3f} recall@161 {s['recall']:.3f} (on {train} itself: recall@161 "
                  f"{best[train]['recall']:.3f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
