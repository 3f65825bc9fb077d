"""Near-duplicate grouping benchmark: precision and recall of wire-copy grouping on real article bodies (issue 3).

How the set is built (seeded, rebuilt on every run, nothing shipped): the gold bodies of the 258 real fundus pages
(`../shared/data/extraction/fundus`, 181 publishers) are the originals. A seeded third of them (those of 150+
words) are "syndicated": each gets 1-3 copies, and each copy gets the light edits wire copy receives when an
outlet republishes it, each with a stated probability:
  - a dateline prepended ("LONDON (Reuters) -") or removed, 60%;
  - the last paragraph cut (outlets trim to length), 50%;
  - one paragraph dropped from the middle, 30%;
  - 2% of the words replaced by another word from the same text (copy-edits), always;
  - an outlet tag line appended ("This story was first published by ..."), 50%;
  - typographic quotes straightened, 50%.
The remaining pages have no copy; pages of the same publisher share boilerplate and topics, so they are the hard
negatives. Articles arrive in a seeded random order. Gold groups are {original + its copies}; scores are
pairwise precision and recall over article pairs placed in the same group, and the share of syndicated groups
recovered whole.

Baseline, in the same run: exact duplicates only (same words after case and punctuation folding).

    .venv/bin/python benchmarks/dedup_quality.py [--seed 7]
"""
from __future__ import annotations

import argparse
import hashlib
import random
import re
import time
from itertools import combinations

from _common import gold_body, pairs

from newsdesk.stages.dedup import DuplicateIndex

DATELINES = ["LONDON (Reuters) -", "WASHINGTON (AP) —", "PARIS (AFP) -", "BERLIN (dpa) -", "NEW YORK —"]
OUTLETS = ["The Daily Courier", "Metro Herald", "Evening Standard-Times", "Valley News", "The Morning Post"]


def syndicate(text: str, rng: random.Random) -> tuple[str, list[str]]:
    paras = [p for p in text.split("\n") if p.strip()]
    edits = []
    if rng.random() < 0.6:
        if re.match(r"^[A-Z .]+\(", paras[0]):
            paras[0] = re.sub(r"^[A-Z .]+\([^)]*\)\s*[-—]\s*", "", paras[0])
            edits.append("dateline-")
        else:
            paras[0] = f"{rng.choice(DATELINES)} {paras[0]}"
            edits.append("dateline+")
    if len(paras) > 3 and rng.random() < 0.5:
        paras = paras[:-1]
        edits.append("cut-end")
    if len(paras) > 4 and rng.random() < 0.3:
        del paras[rng.randrange(1, len(paras) - 1)]
        edits.append("drop-middle")
    words = "\n".join(paras).split(" ")
    for _ in range(max(1, len(words) // 50)):
        words[rng.randrange(len(words))] = rng.choice(words)
    edits.append("2%-words")
    out = " ".join(words)
    if rng.random() < 0.5:
        out += f"\nThis story was first published by {rng.choice(OUTLETS)}."
        edits.append("tag")
    if rng.random() < 0.5:
        out = out.translate(str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'"}))
        edits.append("quotes")
    return out, edits


def build_set(seed: int) -> tuple[list[tuple[str, str]], dict[str, str]]:
    rng = random.Random(seed)
    docs, gold = [], {}
    for i, (page, _url, g) in enumerate(pairs()):
        text = gold_body(g.get("body") or "")
        if len(text.split()) < 30:
            continue
        key = f"{page.name}"
        docs.append((key, text))
        gold[key] = key
        if len(text.split()) >= 150 and rng.random() < 1 / 3:
            for c in range(rng.randint(1, 3)):
                copy, _ = syndicate(text, rng)
                docs.append((f"{key}#copy{c}", copy))
                gold[f"{key}#copy{c}"] = key
    rng.shuffle(docs)
    return docs, gold


def exact_groups(docs):
    first: dict[str, str] = {}
    out = {}
    for key, text in docs:
        d = hashlib.sha1(" ".join(re.findall(r"\w+", text.lower())).encode()).hexdigest()
        out[key] = first.setdefault(d, key)
    return out


def minhash_groups(docs, threshold: float | None = None):
    index = DuplicateIndex() if threshold is None else DuplicateIndex(threshold=threshold)
    out = {}
    for key, text in docs:
        original = index.add(key, text)
        out[key] = original if original is not None else key
    return out


def score(pred: dict[str, str], gold: dict[str, str]) -> tuple[float, float, float, int]:
    def pair_set(groups):
        by: dict[str, list[str]] = {}
        for k, g in groups.items():
            by.setdefault(g, []).append(k)
        return {frozenset(p) for members in by.values() for p in combinations(sorted(members), 2)}, by

    pp, _ = pair_set(pred)
    gp, gold_by = pair_set(gold)
    tp = len(pp & gp)
    precision = tp / len(pp) if pp else 1.0
    recall = tp / len(gp) if gp else 1.0
    whole = sum(1 for members in gold_by.values() if len(members) > 1
                and len({pred[m] for m in members}) == 1
                and sum(1 for k, v in pred.items() if v == pred[members[0]]) == len(members))
    return precision, recall, 2 * precision * recall / (precision + recall or 1), whole


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    docs, gold = build_set(args.seed)
    groups = len({v for k, v in gold.items() if "#copy" in k})
    print(f"{len(docs)} articles: {len(set(gold.values()))} originals, {groups} syndicated with "
          f"{sum('#copy' in k for k in gold)} copies (seed {args.seed})")
    print(f"{'method':24} {'pair P':>7} {'pair R':>7} {'F1':>6} {'groups whole':>13} {'ms/article':>11}")
    # the last rows are what-ifs for tuning the dedup stage's threshold, not what newsdesk runs
    from newsdesk.stages.dedup import THRESHOLD
    for name, fn in (("exact (baseline)", exact_groups), (f"newsdesk MinHash-LSH {THRESHOLD}", minhash_groups),
                     ("  same, Jaccard >= 0.7", lambda d: minhash_groups(d, 0.7)),
                     ("  same, Jaccard >= 0.3", lambda d: minhash_groups(d, 0.3))):
        t0 = time.perf_counter()
        pred = fn(docs)
        ms = (time.perf_counter() - t0) * 1000 / len(docs)
        p, r, f, whole = score(pred, gold)
        print(f"{name:24} {p:7.3f} {r:7.3f} {f:6.3f} {whole:>8d}/{groups:<4d} {ms:11.2f}")


if __name__ == "__main__":
    main()
