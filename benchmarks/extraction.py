"""Extraction benchmark, newsdesk vs plain trafilatura side by side on the fundus development pages (issue 3).

Prints, for both systems in the same run: title exact, date same day, authors exact set, body token P/R/F1,
failures, and throughput in pages/s on one core (pages are decompressed before timing; both systems are warmed up
on the first page, which is then scored but left out of the timing, and the per-process tables that both load on
first use are loaded then too; the two are interleaved page by page so that load from other processes hits both
alike); then newsdesk's throughput as a ratio to trafilatura's, and newsdesk-only checks: outlet present (and not
a bare domain), language present, time zone kept where the gold date has one.

Throughput is CPU time of this process pinned to one core (time.process_time): on a shared machine wall-clock time
also counts other people's jobs. Wall-clock rates are printed on the line below the table for comparison.

    .venv/bin/python benchmarks/extraction.py [--show-misses] [--limit N]
"""
from __future__ import annotations

import argparse
import gc
import gzip
import os
import re
import time
from collections import Counter

from _common import gold_body, norm_title, ours, pairs, plain, prf, same_day, to_dt

DOMAIN = re.compile(r"^[\w-]+(\.[\w-]+)+$")


def warm_shared_tables() -> None:
    """Load the tables that trafilatura's jusText fallback and htmldate build on first use.

    Both systems share these modules, so whichever first meets a page that needs one would pay for loading it
    (about a quarter of a second each) inside its timing: plain trafilatura runs jusText in its default cascade,
    newsdesk only in its occasional fallback. A long-running desk loads them once per process.
    """
    from htmldate.extractors import month_words
    from trafilatura import external

    month_words()
    if external.JT_STOPLIST is None:
        external.jt_stoplist_init()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--show-misses", action="store_true")
    ap.add_argument("--limit", type=int, default=0)
    args = ap.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})  # one core, as the target says
    data = [(gzip.decompress(p.read_bytes()), u, g, p.name) for p, u, g in pairs()]
    if args.limit:
        data = data[: args.limit]
    systems = {"trafilatura": plain, "newsdesk": ours}
    for fn in systems.values():  # imports and caches load once, outside the timing
        fn(data[0][0], data[0][1])
    warm_shared_tables()
    stats = {name: Counter() for name in systems}
    sums = {name: [0.0, 0.0, 0.0] for name in systems}
    secs = Counter()
    wall = Counter()
    extra = Counter()
    gc.disable()
    for i, (html, url, gold, name) in enumerate(data):
        order = list(systems.items()) if i % 2 == 0 else list(systems.items())[::-1]
        results = {}
        for sysname, fn in order:
            t0, w0 = time.process_time(), time.perf_counter()
            results[sysname] = fn(html, url)
            if i > 0:  # the warm-up page is scored but not timed
                secs[sysname] += time.process_time() - t0
                wall[sysname] += time.perf_counter() - w0
        gc.collect()
        for sysname, r in results.items():
            s = stats[sysname]
            show = args.show_misses and sysname == "newsdesk"
            if r.get("error") or not r:
                s["errors"] += 1
            if gold.get("title"):
                s["title_n"] += 1
                ok = norm_title(r.get("title")) == norm_title(gold["title"])
                s["title_ok"] += ok
                if show and not ok:
                    print(f"TITLE {name}\n  gold {gold['title']!r}\n  ours {r.get('title')!r}")
            if gold.get("publishing_date"):
                s["date_n"] += 1
                ok = same_day(r.get("date"), gold["publishing_date"])
                s["date_ok"] += ok
                if show and not ok:
                    print(f"DATE {name} gold {gold['publishing_date']} ours {r.get('date')}")
            if isinstance(gold.get("authors"), list):
                s["auth_n"] += 1
                ok = set(r.get("authors") or []) == set(gold["authors"])
                s["auth_ok"] += ok
                if show and not ok:
                    print(f"AUTH {name} gold {gold['authors']} ours {r.get('authors')}")
            for k, v in enumerate(prf(r.get("text", ""), gold_body(gold.get("body") or ""))):
                sums[sysname][k] += v
        r = results["newsdesk"]
        outlet = r.get("outlet") or ""
        extra["outlet"] += bool(outlet)
        extra["outlet_not_domain"] += bool(outlet) and not DOMAIN.match(outlet)
        extra["language"] += bool(r.get("language"))
        g = to_dt(gold.get("publishing_date"))
        if g is not None and g.tzinfo is not None:
            extra["tz_n"] += 1
            d = r.get("date")
            extra["tz_ok"] += bool(d is not None and d.tzinfo is not None)
    gc.enable()
    n = len(data)
    timed = max(n - 1, 1)
    print(f"{n} pages, one core ({timed} timed)")
    print(f"{'system':12} {'title':>7} {'date':>7} {'authors':>8} {'body P':>7} {'body R':>7} {'body F1':>7} "
          f"{'fail':>5} {'pages/s':>8}")  # pages/s: CPU time, one core
    rate = {}
    for sysname, s in stats.items():
        p, rc, f = (x / n for x in sums[sysname])
        rate[sysname] = timed / secs[sysname]
        print(f"{sysname:12} {s['title_ok'] / s['title_n']:7.3f} {s['date_ok'] / s['date_n']:7.3f} "
              f"{s['auth_ok'] / s['auth_n']:8.3f} {p:7.3f} {rc:7.3f} {f:7.4f} {s['errors']:5d} {rate[sysname]:8.1f}")
    print(f"throughput ratio newsdesk / trafilatura: {rate['newsdesk'] / rate['trafilatura']:.2f} (CPU time); wall clock: "
          + ", ".join(f"{name} {timed / wall[name]:.1f} pages/s" for name in systems)
          + f", ratio {wall['trafilatura'] / wall['newsdesk']:.2f}")
    print(f"newsdesk: outlet on {extra['outlet']}/{n} pages ({extra['outlet_not_domain']} not a bare domain), "
          f"language on {extra['language']}/{n}, time zone kept on {extra['tz_ok']}/{extra['tz_n']} pages whose "
          "gold date has one")
    st = stats["newsdesk"]
    print(f"(title over {st['title_n']}, date over {st['date_n']}, authors over {st['auth_n']} pages with gold; "
          "body macro-averaged, failures count as 0)")


if __name__ == "__main__":
    main()
