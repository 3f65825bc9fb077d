"""Quick extraction check on the fundus development pages: newsdesk's extract stage vs plain trafilatura.

Reads ../shared/data/extraction/fundus (never shipped). Pairing rule (data README): in `<Publisher>.json`
the i-th key pairs with the i-th page of that publisher sorted by name.
Metrics: title exact match, date same day, authors exact set, body token precision/recall/F1.

    .venv/bin/python benchmarks/extraction_quick.py [--show-misses]
"""
from __future__ import annotations

import gzip
import json
import re
import sys
import time
from collections import Counter
from datetime import datetime
from pathlib import Path

from trafilatura import bare_extraction

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout without installing

from newsdesk.models import RawInput
from newsdesk.stages.extract import ExtractionError, extract_html

ROOT = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "extraction" / "fundus"
DATE_SUFFIX = re.compile(r"_\d{4}_\d{2}_\d{2}\.html\.gz$")


def pairs():
    for country in sorted(p for p in ROOT.iterdir() if p.is_dir()):
        info_path = country / "meta.info"
        info = json.loads(info_path.read_text()) if info_path.exists() else {}
        pages: dict[str, list[Path]] = {}
        for page in country.glob("*.html.gz"):
            pages.setdefault(DATE_SUFFIX.sub("", page.name), []).append(page)
        for pub, files in sorted(pages.items()):
            gold = json.loads((country / f"{pub}.json").read_text())
            for key, page in zip(gold, sorted(files, key=lambda p: p.name)):
                yield page, info.get(page.name, {}).get("url"), gold[key]


def gold_body(body) -> str:
    if isinstance(body, str):
        return body
    parts = list(body.get("summary") or [])
    for sec in body.get("sections") or []:
        parts += list(sec.get("headline") or []) + list(sec.get("paragraphs") or [])
    return "\n".join(parts)


def tokens(s: str) -> Counter:
    return Counter(re.findall(r"\w+", (s or "").lower()))


def prf(pred: str, gold: str) -> tuple[float, float, float]:
    p, g = tokens(pred), tokens(gold)
    common = sum((p & g).values())
    prec = common / sum(p.values()) if p else 0.0
    rec = common / sum(g.values()) if g else 0.0
    return prec, rec, (2 * prec * rec / (prec + rec) if prec + rec else 0.0)


def norm_title(s) -> str:
    # soft hyphens and zero-width spaces are invisible; neither side should win or lose on them
    return re.sub(r"\s+", " ", re.sub(r"[\u00ad\u200b]", "", s or "")).strip()


def to_dt(v) -> datetime | None:
    if isinstance(v, datetime):
        return v
    if not v:
        return None
    try:
        return datetime.fromisoformat(str(v))
    except ValueError:
        return None


def same_day(pred, gold) -> bool:
    p, g = to_dt(pred), to_dt(gold)
    if p is None or g is None:
        return False
    if p.tzinfo and g.tzinfo:
        p = p.astimezone(g.tzinfo)  # the gold's own zone decides which calendar day it is
    return p.date() == g.date()


def plain(html: bytes, url: str | None) -> dict:
    doc = bare_extraction(html, url=url, with_metadata=True, include_comments=False)
    if doc is None:
        return {}
    authors = [a.strip() for a in (doc.author or "").split(";") if a.strip()]
    return {"title": doc.title, "text": doc.text or "", "date": doc.date, "authors": authors}


def ours(html: bytes, url: str | None) -> dict:
    try:
        a = extract_html(RawInput(body=html, kind="html", origin="bench", url=url))
    except ExtractionError as err:
        return {"error": str(err)}
    return {"title": a.title, "text": a.text, "date": a.published, "authors": a.authors,
            "outlet": a.outlet, "language": a.language}


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
