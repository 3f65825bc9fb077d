"""Stories across languages (stages/crosslang.py), scored on MultiLing 2011 through the real pipeline, beside the
same pipeline with the cross-language stage off, in one run.

    python benchmarks/crosslingual.py [--data ../shared/data/multilingual] [--fit]

All 670 articles of the seven languages (10 topics, each article translated into each language; Hebrew has 7 of
the topics) are written as one JSON-lines stream (ids `<lang>-<doc id>`, the date from the title's prefix, which
is then dropped, as the bundled sample does), ingested with `newsdesk ingest` and built with `newsdesk build` into
a temporary SQLite store, once with the shipped settings and once with `NEWSDESK_CROSSLANG_ENABLED=0` (the
pipeline as it was before the stage). Scored against the 10 topics, BCubed P / R / F1 at the story (event) level
and at the thread level, and "translations together": for each article, the share of its translations in the
other languages that are in its story (thread), averaged. The gold is topics running over years, so the thread
level is the natural match; the story level can reach at best what the English alone reaches (events split by
time: the topics are not events).

`--fit`: the bar (`min_similarity`) over a grid, scored on the stories of the baseline build (the stage's own
`regroup` on them, as the build calls it), chosen on half of the topics and scored on the other half, both ways,
with and without `keep_languages`; and the percentiles of unrelated pairs (different languages and topics). The
shipped bar is not the grid's best: MultiLing holds no unrelated event for an article to be wrongly joined with,
so its F1 keeps rising as the bar falls; the shipped 0.15 is about the 99th percentile of unrelated pairs.

`--threads`: threads across languages, a study (not shipped; docs/design/languages.md, "Threads across
languages"): on the shipped build's stories, its stored thread links plus a link from the stories' multilingual
vectors (e5 over title and lead, the mean centred cosine over their pairs of articles in different languages)
for pairs of stories with no language in common, or for every pair spanning more than one language, at several
bars, centred on the shipped English mean (fixed, what an incremental relink needs) or on this corpus's mean or
each language's (not fixed); threads by the same average link. Also the ceiling (each story in the thread of its
main topic) and how the vector separates pure stories of one topic from those of others.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import sqlite3
import subprocess
import sys
import tempfile
import time
import zlib
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from newsdesk.eval.cluster import scores  # noqa: E402

LANGUAGES = ("en", "fr", "cs", "el", "he", "ar", "hi")
_PREFIX = re.compile(r"^\s*(\d{4})/(\d{2})/(\d{2})\s+|^\s*(\d{2})/(\d{2})/(\d{4})\s+")


def records(data: Path) -> list[dict]:
    out = []
    for lang in LANGUAGES:
        for line in open(data / f"multiling2011_{lang}.jsonl", encoding="utf-8"):
            c = json.loads(line)
            for d in c["docs"]:
                title, date = d["title"], None
                m = _PREFIX.match(title)
                if m:
                    y, mo, da = (m[1], m[2], m[3]) if m[1] else (m[6], m[5], m[4])
                    date, title = f"{y}-{mo}-{da}", title[m.end():]
                out.append({"id": f"{lang}-{d['doc_id']}", "title": title.strip(), "text": d["text"], "date": date,
                            "language": lang, "outlet": "Wikinews", "topic": c["cluster_id"]})
    return out


def run(items: list[dict], enabled: bool, folder: Path) -> tuple[dict, float]:
    """Article id -> (story, thread) after ingest and build in a fresh store; and the build's seconds."""
    db = folder / f"{'on' if enabled else 'off'}.db"
    feed = folder / "feed.jsonl"
    with open(feed, "w", encoding="utf-8") as f:
        for r in items:
            f.write(json.dumps({k: v for k, v in r.items() if k != "topic"}, ensure_ascii=False) + "\n")
    env = dict(os.environ, NEWSDESK_CROSSLANG_ENABLED="1" if enabled else "0", PYTHONPATH=str(REPO))
    cli = [sys.executable, "-c", "import sys; from newsdesk.cli import main; sys.exit(main())", "--db", str(db)]
    subprocess.run(cli + ["ingest", str(feed)], check=True, env=env, capture_output=True)
    start = time.perf_counter()
    subprocess.run(cli + ["build"], check=True, env=env, capture_output=True)
    seconds = time.perf_counter() - start
    with sqlite3.connect(db) as con:
        rows = con.execute("SELECT a.external_id, a.story_id, s.thread_id FROM articles a "
                           "JOIN stories s ON s.id = a.story_id").fetchall()
    return {r[0]: (r[1], r[2] if r[2] is not None else r[1]) for r in rows}, seconds


def translations_together(items: list[dict], label: dict) -> float:
    """Mean over articles of the share of their translations (same doc id, other language) with the same label."""
    by_doc = defaultdict(list)
    for r in items:
        by_doc[r["id"].split("-", 1)[1]].append(r["id"])
    shares = []
    for ids in by_doc.values():
        for a in ids:
            others = [b for b in ids if b != a]
            if others:
                shares.append(sum(label[b] == label[a] for b in others) / len(others))
    return sum(shares) / len(shares)


def report(name: str, items: list[dict], placed: dict, seconds: float | None = None) -> None:
    gold = [r["topic"] for r in items]
    for level, pick in (("stories", 0), ("threads", 1)):
        label = {r["id"]: placed[r["id"]][pick] for r in items}
        pred = [label[r["id"]] for r in items]
        s = scores(pred, gold)
        mixed = sum(len({r["language"] for r in items if label[r["id"]] == c}) > 1 for c in set(pred))
        print(f"  {name:<10} {level:<8} BCubed P/R/F1 {s['bcubed_p']:.3f} / {s['bcubed_r']:.3f} / "
              f"{s['bcubed_f1']:.3f}   {len(set(pred)):>3} groups ({mixed} in several languages)   "
              f"translations together {translations_together(items, label):.3f}"
              + (f"   build {seconds:.0f} s" if seconds is not None and pick == 0 else ""))


def fit(items: list[dict], placed: dict) -> None:
    """The bar chosen on one half of the topics, scored on the other, from the baseline's stories."""
    import numpy as np

    from newsdesk.models import Article
    from newsdesk.stages import crosslang
    from newsdesk.sources.records import parse_date

    vectors = crosslang.CrossEmbedder()([Article(title=r["title"], text=r["text"]) for r in items])

    days = crosslang.whole_days([parse_date(r["date"]).timestamp() if r["date"] else None for r in items])
    x = crosslang.centred(vectors)
    lang = np.array([r["language"] for r in items])
    topic = np.array([r["topic"] for r in items])
    unrelated = (x @ x.T)[(lang[:, None] != lang[None, :]) & (topic[:, None] != topic[None, :])]
    print("  centred cosine of pairs of articles in different languages and topics (unrelated), percentiles "
          "50/90/99/99.9: " + " / ".join(f"{v:.3f}" for v in np.percentile(unrelated, [50, 90, 99, 99.9])))
    bars = [round(x, 2) for x in np.arange(-0.05, 0.31, 0.05)]
    half = [zlib.crc32(r["topic"].encode()) % 2 for r in items]

    def score(bar: float, part: int, keep: bool = True) -> tuple[float, float]:
        idx = [k for k, h in enumerate(half) if h == part]
        sub = [items[k] for k in idx]
        stories = [placed[r["id"]][0] for r in sub]
        groups = crosslang.regroup(stories, [r["language"] for r in sub], vectors[idx], days[idx], bar,
                                   keep_languages=keep)
        label = {r["id"]: g for r, g in zip(sub, groups)}
        s = scores([label[r["id"]] for r in sub], [r["topic"] for r in sub])
        return s["bcubed_f1"], translations_together(sub, label)

    for keep in (True, False):
        print(f"  {'one language keeps its grouping' if keep else 'parts of one language may join too'}:")
        print("  bar     half 0 F1 / together   half 1 F1 / together")
        table = {bar: (score(bar, 0, keep), score(bar, 1, keep)) for bar in bars}
        for bar, (a, b) in table.items():
            print(f"  {bar:5.2f}   {a[0]:.3f} / {a[1]:.3f}          {b[0]:.3f} / {b[1]:.3f}")
        for chosen_on in (0, 1):
            best = max(bars, key=lambda b: (table[b][chosen_on][0], b))
            other = table[best][1 - chosen_on]
            print(f"  chosen on half {chosen_on}: {best:.2f}; on half {1 - chosen_on}: story F1 {other[0]:.3f}, "
                  f"translations together {other[1]:.3f}")


def thread_study(items: list[dict], db: Path) -> None:
    """Threads with a cross-language link added to the stored links (see the module's docstring, `--threads`)."""
    from collections import Counter

    import numpy as np

    from newsdesk.models import Article
    from newsdesk.stages import crosslang
    from newsdesk.stages.threads import average_link

    gold = [r["topic"] for r in items]
    with sqlite3.connect(db) as con:
        story = dict(con.execute("SELECT external_id, story_id FROM articles"))
        links = {(a, b): v for a, b, v in con.execute("SELECT a, b, score FROM thread_links")}
    sids = sorted(set(story.values()))
    topic: dict = defaultdict(Counter)
    for r in items:
        topic[story[r["id"]]][r["topic"]] += 1

    def f1(of: dict) -> str:
        s = scores([of[story[r["id"]]] for r in items], gold)
        return f"{s['bcubed_p']:.3f} / {s['bcubed_r']:.3f} / {s['bcubed_f1']:.3f} ({len(set(of.values()))})"

    def grouped(table: dict) -> dict:
        return {s: g[0] for g in average_link(sids, table, 0.15) for s in g}

    print(f"  threads from the stored links alone: {f1(grouped(links))}; ceiling (each story in the thread of its "
          f"main topic): {f1({s: topic[s].most_common(1)[0][0] for s in sids})}")
    raw = crosslang.CrossEmbedder()([Article(title=r["title"], text=r["text"]) for r in items])
    raw = np.asarray(raw, dtype=np.float64)
    lang = np.array([r["language"] for r in items])
    st = np.array([story[r["id"]] for r in items])
    members = {s: np.nonzero(st == s)[0] for s in sids}
    pure = [s for s in sids if len(members[s]) >= 5 and topic[s].most_common(1)[0][1] > 0.9 * len(members[s])]
    for centre in ("shipped", "corpus", "per language"):
        x = raw - (crosslang.shipped_mean() if centre == "shipped" else raw.mean(axis=0))
        if centre == "per language":
            for code in set(lang):
                x[lang == code] = raw[lang == code] - raw[lang == code].mean(axis=0)
        x /= np.linalg.norm(x, axis=1, keepdims=True)
        sims = x @ x.T
        cross, disjoint = {}, {}
        for i, a in enumerate(sids):
            for b in sids[i + 1:]:
                ia, ib = members[a], members[b]
                usable = lang[ia][:, None] != lang[ib][None, :]
                if usable.any():
                    cross[(a, b)] = float(sims[np.ix_(ia, ib)][usable].mean())
                    disjoint[(a, b)] = not set(lang[ia]) & set(lang[ib])
        same = sorted(v for (a, b), v in cross.items() if a in pure and b in pure
                      and topic[a].most_common(1)[0][0] == topic[b].most_common(1)[0][0])
        other = sorted(v for (a, b), v in cross.items() if a in pure and b in pure
                       and topic[a].most_common(1)[0][0] != topic[b].most_common(1)[0][0])
        print(f"  centred on the {centre} mean: pure stories (>= 5 articles, > 90% one topic), pairs of one topic "
              f"{len(same)}: min / median / max {same[0]:.3f} / {same[len(same) // 2]:.3f} / {same[-1]:.3f}; "
              f"of different topics {len(other)}: median / max {other[len(other) // 2]:.3f} / {other[-1]:.3f}")
        for rule in ("no language in common", "spanning languages"):
            row = []
            for bar in (0.05, 0.10, 0.15, 0.20, 0.25):
                table = dict(links)
                for pair, v in cross.items():
                    if v >= bar and (disjoint[pair] or rule == "spanning languages"):
                        table[pair] = max(table.get(pair, 0.0), v)
                row.append(f"{bar:.2f}: {f1(grouped(table))}")
            print(f"    {rule:<22} " + "   ".join(row))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data" / "multilingual")
    ap.add_argument("--fit", action="store_true", help="the bar on half the topics, scored on the other half")
    ap.add_argument("--threads", action="store_true", help="study: threads with a cross-language vector link")
    args = ap.parse_args()
    items = records(args.data)
    print(f"MultiLing 2011: {len(items)} articles, {len({r['topic'] for r in items})} topics, "
          f"{len(LANGUAGES)} languages, one stream through ingest and build (SQLite)")
    with tempfile.TemporaryDirectory() as tmp:
        off, off_s = run(items, False, Path(tmp))
        on, on_s = run(items, True, Path(tmp))
        if args.threads:
            print("threads across languages (study, not shipped): BCubed P / R / F1 (threads) against the topics")
            thread_study(items, Path(tmp) / "on.db")
    report("stage off", items, off, off_s)
    report("crosslang", items, on, on_s)
    en = [r for r in items if r["language"] == "en"]
    same = scores([on[r["id"]][0] for r in en], [off[r["id"]][0] for r in en])
    print(f"  English articles' stories, stage on against off: BCubed F1 {same['bcubed_f1']:.3f} (1 = unchanged)")
    print(f"  build time, stage on / off: {on_s / off_s:.2f}")
    if args.fit:
        fit(items, off)
    return 0


if __name__ == "__main__":
    sys.exit(main())
