"""Quick extraction check on the fundus development pages: newsdesk's extract stage vs plain trafilatura.

Reads ../shared/data/extraction/fundus (never shipped). Pairing rule (data README): in `<Publisher>.json`
the i-th key pairs with the i-th page of that publisher sorted by name.
Metrics: title exact match, date same day, authors exact set, body token precision/recall/F1.

    .venv/bin/python benchmarks/extraction_quick.py [--show-misses]
"""
from __future__ import annotations

import gzip
import sys
import time
from collections import Counter

from _common import gold_body, norm_title, ours, pairs, plain, prf, same_day

def main() -> None:
    show = "--show-misses" in sys.argv
    systems = {"trafilatura": plain, "newsdesk": ours}
    stats = {name: Counter() for name in systems}
    sums = {name: [0.0, 0.0, 0.0] for name in systems}
    secs = Counter()
    n = 0
    for page, url, gold in pairs():
        html = gzip.decompress(page.read_bytes())
        n += 1
        for name, fn in systems.items():
            t0 = time.perf_counter()
            r = fn(html, url)
            secs[name] += time.perf_counter() - t0
            s = stats[name]
            if r.get("error") or not r:
                s["errors"] += 1
            if gold.get("title"):
                s["title_n"] += 1
                ok = norm_title(r.get("title")) == norm_title(gold["title"])
                s["title_ok"] += ok
                if show and not ok and name == "newsdesk":
                    print(f"TITLE {page.name}\n  gold {gold['title']!r}\n  ours {r.get('title')!r}")
            if gold.get("publishing_date"):
                s["date_n"] += 1
                ok = same_day(r.get("date"), gold["publishing_date"])
                s["date_ok"] += ok
                if show and not ok and name == "newsdesk":
                    print(f"DATE {page.name} gold {gold['publishing_date']} ours {r.get('date')}")
            gauth = gold.get("authors")
            if isinstance(gauth, list):
                s["auth_n"] += 1
                ok = set(r.get("authors") or []) == set(gauth)
                s["auth_ok"] += ok
                if show and not ok and name == "newsdesk":
                    print(f"AUTH {page.name} gold {gauth} ours {r.get('authors')}")
            p, rc, f = prf(r.get("text", ""), gold_body(gold.get("body") or ""))
            for i, v in enumerate((p, rc, f)):
                sums[name][i] += v
    print(f"{n} pages")
    print(f"{'system':12} {'title':>7} {'date':>7} {'authors':>8} {'body P':>7} {'body R':>7} {'body F1':>7} {'fail':>5} {'s/page':>7}")
    for name, s in stats.items():
        p, r, f = (x / n for x in sums[name])
        print(f"{name:12} {s['title_ok'] / s['title_n']:7.3f} {s['date_ok'] / s['date_n']:7.3f} "
              f"{s['auth_ok'] / s['auth_n']:8.3f} {p:7.3f} {r:7.3f} {f:7.3f} {s['errors']:5d} {secs[name] / n:7.3f}")
    print(f"(title over {stats['newsdesk']['title_n']}, date over {stats['newsdesk']['date_n']}, "
          f"authors over {stats['newsdesk']['auth_n']} pages with gold; body macro-averaged, failures count as 0)")


if __name__ == "__main__":
    main()
