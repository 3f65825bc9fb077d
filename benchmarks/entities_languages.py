"""French entities against their English originals: the bundled Wikinews sample's 100 translated pairs.

No gold exists for French names. The MultiLing French files translate the English ones article by article (same
ids, same order), and most names of people, organisations and places survive translation unchanged or nearly, so
the English article's entities (found by the English model, as every English figure of README) stand in for gold:
for each pair, the French article's entities (`story_facts` over that one article) are matched to the English
one's after normalising (accents, case, punctuation and spacing folded: "Nasiriyah"/"nasiriyah"), or, for places,
to the same gazetteer point ("États-Unis" and "United States" both resolved to one GeoNames id). Precision: share
of the French names that match an English one; recall: share of the English names matched; micro-averaged over
the pairs, all kinds and per kind (a match must also agree on the kind: person, organisation, place). A name that
a translator rewrote ("Nations unies" / "United Nations") counts against both, so these are floors.

Baseline, same run: the English model reading the French text (what newsdesk did before facts VERSION 9 would
have done had it not refused), and newsdesk now (the French model, fr_core_news_sm 3.8.0).

    python benchmarks/entities_languages.py [--limit N] [--show]
"""
from __future__ import annotations

import argparse
import re
import time
from collections import Counter

from newsdesk.models import Article
from newsdesk.sources.sample import sample_records
from newsdesk.stages.facts import extract_articles, load_nlp, story_facts
from newsdesk.stages.facts.geo import fold

KINDS = ("person", "organisation", "place")


def norm(name: str) -> str:
    return re.sub(r"[^\w]+", "", fold(name))


def entities(article: Article, extracted: dict) -> list[tuple[str, str, int | None]]:
    """(kind, normalised name, GeoNames id or None) of each of the article's people, organisations and places."""
    return [(e["kind"], norm(e["name"]), e["place"]["geonameid"] if e["place"] else None)
            for e in story_facts([article], extracted={article.key: extracted})["entities"] if e["kind"] in KINDS]


def _matches(a: tuple, others: list[tuple]) -> bool:
    return any(a[0] == b[0] and (a[1] == b[1] or (a[2] is not None and a[2] == b[2])) for b in others)


def score(pairs: list[tuple[list, list]], kind: str | None = None) -> tuple[float, float, float, int, int]:
    """(precision, recall, F1, French entities, English entities), micro-averaged over the pairs: a French entity
    is right when its English article has one of the same kind and the same normalised name or gazetteer point."""
    tp_p = n_fr = tp_r = n_en = 0
    for fr, en in pairs:
        fr = [e for e in fr if kind in (None, e[0])]
        en = [e for e in en if kind in (None, e[0])]
        tp_p += sum(_matches(e, en) for e in fr)
        tp_r += sum(_matches(e, fr) for e in en)
        n_fr, n_en = n_fr + len(fr), n_en + len(en)
    p = tp_p / n_fr if n_fr else 0.0
    r = tp_r / n_en if n_en else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0), n_fr, n_en


def kept_recall(pairs: list[tuple[list, list, str]], kind: str | None = None) -> tuple[float, int]:
    """(recall, count) over the English entities whose name the translation kept: their normalised name (4 letters
    or more) occurs in the French text's normalised letters. Translated names ("Indonesia" / "Indonésie") are out."""
    hit = n = 0
    for fr, en, fr_text in pairs:
        letters = norm(fr_text)
        kept = [e for e in en if kind in (None, e[0]) and len(e[1]) >= 4 and e[1] in letters]
        hit += sum(_matches(e, fr) for e in kept)
        n += len(kept)
    return (hit / n if n else 0.0), n


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--limit", type=int, default=100, help="pairs to read (default all 100)")
    ap.add_argument("--show", action="store_true", help="print each pair's unmatched names")
    args = ap.parse_args()

    en_records = sample_records(("en",))[: args.limit]
    fr_records = sample_records(("fr",))[: args.limit]
    assert [r["id"] for r in en_records] == [r["id"].removeprefix("fr-") for r in fr_records], "pairs out of order"

    def article(r: dict, language: str) -> Article:
        return Article(title=r["title"], text=r["text"], outlet=r["outlet"], language=language, external_id=r["id"])

    en = [article(r, "en") for r in en_records]
    fr = [article(r, "fr") for r in fr_records]
    fr_as_en = [article({**r, "id": "as-en-" + r["id"]}, "en") for r in fr_records]
    load_nlp("en"), load_nlp("fr")  # loading is not measured
    t = time.perf_counter()
    found_en = extract_articles(en, processes=1)
    t_en = time.perf_counter() - t
    t = time.perf_counter()
    found_fr = extract_articles(fr, processes=1)
    t_fr = time.perf_counter() - t
    found_base = extract_articles(fr_as_en, processes=1)

    gold = [entities(a, found_en[a.key]) for a in en]
    ours = [entities(a, found_fr[a.key]) for a in fr]
    base = [entities(a, found_base[a.key]) for a in fr_as_en]
    chars = sum(len(a.text) for a in fr)
    print(f"{len(en)} translated pairs (MultiLing 2011 Wikinews sample); English entities: {sum(map(len, gold))}")
    print(f"parse: English {len(en) / t_en:.1f} articles/s, French {len(fr) / t_fr:.1f} articles/s "
          f"({chars / t_fr / 1000:.0f}k chars/s)")
    print(f"{'':36}{'P':>7}{'R':>7}{'F1':>7}{'fr n':>7}{'en n':>7}{'R kept':>8}{'kept n':>7}")
    for kind in (None,) + KINDS:
        for label, system in (("English model (baseline)", base), ("fr_core_news_sm (newsdesk)", ours)):
            p, r, f, n_fr, n_en = score(list(zip(system, gold)), kind)
            rk, nk = kept_recall(list(zip(system, gold, (a.text for a in fr))), kind)
            print(f"{(kind or 'all') + ': ' + label:36.36}{p:7.3f}{r:7.3f}{f:7.3f}{n_fr:7d}{n_en:7d}{rk:8.3f}{nk:7d}")
    if args.show:
        for a, o, g in zip(fr, ours, gold):
            print(a.key, "only fr:", [e[:2] for e in o if not _matches(e, g)][:8],
                  "only en:", [e[:2] for e in g if not _matches(e, o)][:8])
    kinds = Counter(e[0] for o in ours for e in o)
    print("French entities by kind:", dict(kinds))


if __name__ == "__main__":
    main()
