"""Entity merging and typing against hand gold, for newsdesk and a baseline, on two development sets.

Gold: benchmarks/gold/entities.jsonl, one cluster per line ({"set", "cluster_id", "entities": [{"name", "type",
"forms"}]}), annotated by hand on the 10 bundled Wikinews stories (newsdesk/data/wikinews) and on the first 10
clusters of ../shared/data/summarization/multinews200.jsonl. The gold holds names only; the texts are read from
those files.

Scores, per set:
- merge precision/recall/F1, pairwise over the surface forms of one cluster (a form is a name as written, after
  `clean_name`): a predicted pair is two forms in one system entity, a gold pair two forms of one gold entity; only
  forms that both the gold and the system have count.
- type accuracy: of the gold entities the system found (any of its forms), the share whose system entity (the one
  with the most mentions among those holding its forms) has the gold type. "listed" counts only the entities the
  story page lists as certain, and "folded" says how many found gold entities the system folded away.
Baseline: spaCy's labels, one entity per exact form after `clean_name`, typed by its most frequent label.

    python benchmarks/entities.py [--show]
"""
from __future__ import annotations

import argparse
import json
import time
from collections import Counter, defaultdict
from pathlib import Path

from newsdesk.models import Article
from newsdesk.sources.sample import parse_wikinews_text, sample_path
from newsdesk.stages.facts import MAX_CHARS, load_nlp, story_facts
from newsdesk.stages.facts.entities import KINDS, clean_name

ROOT = Path(__file__).resolve().parents[1]

GOLD = ROOT / "benchmarks" / "gold" / "entities.jsonl"
DATA = ROOT.parent / "shared" / "data" / "summarization"
SOURCES = {"wikinews": None, "multinews": DATA / "multinews200.jsonl"}


def load_clusters(set_name: str) -> dict[str, list[Article]]:
    path = SOURCES[set_name] or sample_path()
    out = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            c = json.loads(line)
            arts = []
            for i, d in enumerate(c["docs"]):
                if set_name == "wikinews":
                    date, text = parse_wikinews_text(d["text"])
                    arts.append(Article(title=d["title"], text=text, outlet=d.get("outlet") or "Wikinews",
                                        published=date, external_id=d["doc_id"]))
                else:
                    text = d["text"].replace("NEWLINE_CHAR", "\n")
                    arts.append(Article(title="", text=text, external_id=f"{c['cluster_id'][:8]}-{i}"))
            out[c["cluster_id"]] = arts
    return out


def system_entities(arts: list[Article], nlp) -> list[dict]:
    """[{"kind", "forms": set, "mentions", "folded"}] from newsdesk's story facts."""
    facts = story_facts(arts, nlp=nlp)
    return [{"kind": e["kind"], "forms": set(e["variants"]), "mentions": e["mentions"],
             "folded": bool(e.get("uncertain"))} for e in facts["entities"]]


def baseline_entities(arts: list[Article], nlp) -> list[dict]:
    labels: dict[str, Counter] = defaultdict(Counter)
    for a in arts:
        for ent in nlp(a.text[:MAX_CHARS]).ents:
            if ent.label_ in KINDS:
                labels[clean_name(ent.text)][KINDS[ent.label_]] += 1
    return [{"kind": c.most_common(1)[0][0], "forms": {name}, "mentions": sum(c.values()), "folded": False}
            for name, c in labels.items() if name]


def score(gold_clusters: list[dict], predicted: dict[str, list[dict]], show: bool = False) -> dict:
    tp = pred_pairs = gold_pairs = 0
    found = typed = listed = listed_ok = folded = 0
    for c in gold_clusters:
        ents = predicted[c["cluster_id"]]
        system_forms = {f for e in ents for f in e["forms"]}
        gold_of = {f: i for i, g in enumerate(c["entities"]) for f in g["forms"]}
        both = sorted(f for f in gold_of if f in system_forms)
        for i, a in enumerate(both):
            for b in both[i + 1:]:
                together = any(a in e["forms"] and b in e["forms"] for e in ents)
                same = gold_of[a] == gold_of[b]
                pred_pairs += together
                gold_pairs += same
                tp += together and same
                if show and together != same:
                    print(f"  {'split' if same else 'wrong merge'}: {a!r} / {b!r}")
        for g in c["entities"]:
            holders = [e for e in ents if e["forms"] & set(g["forms"])]
            if not holders:
                continue
            e = max(holders, key=lambda e: e["mentions"])
            found += 1
            typed += e["kind"] == g["type"]
            folded += e["folded"]
            if not e["folded"]:
                listed += 1
                listed_ok += e["kind"] == g["type"]
            if show and e["kind"] != g["type"]:
                print(f"  type: {g['name']!r} is {g['type']}, got {e['kind']}{' (folded)' if e['folded'] else ''}")
    p = tp / pred_pairs if pred_pairs else None
    r = tp / gold_pairs if gold_pairs else 0.0
    f1 = 2 * p * r / (p + r) if p and r else 0.0
    return {"P": p, "R": r, "F1": f1, "pairs": (tp, pred_pairs, gold_pairs), "type_acc": typed / found if found else 0,
            "found": found, "listed_acc": listed_ok / listed if listed else 0, "folded": folded}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--gold", type=Path, default=GOLD)
    ap.add_argument("--show", action="store_true", help="print each wrong merge, split and wrong type (newsdesk)")
    args = ap.parse_args()
    gold = [json.loads(line) for line in args.gold.read_text(encoding="utf-8").splitlines() if line.strip()]
    nlp = load_nlp()
    t0 = time.time()
    print(f"{'set':10} {'system':9} {'merge P':>8} {'R':>6} {'F1':>6} {'pairs tp/pred/gold':>19} "
          f"{'type acc':>9} {'listed':>7} {'found':>6} {'folded':>6}")
    for set_name in SOURCES:
        clusters = [c for c in gold if c["set"] == set_name]
        if not clusters:
            continue
        articles = load_clusters(set_name)
        n_forms = sum(len(e["forms"]) for c in clusters for e in c["entities"])
        for system, fn in (("newsdesk", system_entities), ("baseline", baseline_entities)):
            if args.show and system == "newsdesk":
                print(f"-- {set_name}")
            predicted = {c["cluster_id"]: fn(articles[c["cluster_id"]], nlp) for c in clusters}
            s = score(clusters, predicted, show=args.show and system == "newsdesk")
            p = "   —" if s["P"] is None else f"{s['P']:.3f}"
            print(f"{set_name:10} {system:9} {p:>8} {s['R']:6.3f} {s['F1']:6.3f} {'%d/%d/%d' % s['pairs']:>19} "
                  f"{s['type_acc']:9.3f} {s['listed_acc']:7.3f} {s['found']:6d} {s['folded']:6d}")
        print(f"{'':10} gold: {len(clusters)} clusters, {sum(len(c['entities']) for c in clusters)} entities, "
              f"{n_forms} surface forms")
    print(f"({time.time() - t0:.0f} s)")


if __name__ == "__main__":
    main()
