"""Lead images on the fundus development pages: does extraction name the page's cover image, and its credit?

Reads ../shared/data/extraction/fundus (never shipped): each gold article lists its images, the cover one marked
`is_cover`, with every size the page offers (`versions`) and its credit (`authors`). An image found counts as the
cover when its URL has the same host and path as one of the cover's versions, or shares a distinctive token with
one (an id, a hash, a long word of the file name; not a size): CDNs serve crops and sizes of one picture under
different paths. Baseline, side by side: og:image alone, as most readers take it. A credit counts as right when
one of the gold's credit names is in it, or it is in one of them; it can be judged only where the gold names one.

    .venv/bin/python benchmarks/lead_images.py [--show-misses]
"""
from __future__ import annotations

import gzip
import re
import sys
import time
from collections import Counter
from urllib.parse import unquote, urlsplit

from _common import pairs

from newsdesk.stages.extract.fields import absolute_http
from newsdesk.stages.extract.decoding import decode_utf8, parse
from newsdesk.stages.extract.metadata import page_meta


_SIZE = re.compile(r"^(?:\d+x\d+|[whq]\d+|\d{1,5})$")


def _keys(url: str) -> set[str]:
    """Its host and path, and the distinctive tokens of its path and query: ids, hashes and long words of the
    file name (a token of 6+ characters holding a digit, or of 12+), not its sizes; a CDN's crops of one picture
    share them."""
    parts = urlsplit(unquote(unquote(url)))
    tokens = re.split(r"[^0-9A-Za-z]+", f"{parts.path} {parts.query}".lower())
    return {f"{parts.hostname}{parts.path}"} | {
        t for t in tokens if not _SIZE.match(t) and (len(t) >= 12 or (len(t) >= 6 and re.search(r"\d", t)))}


def _og(tree, url):
    for el in tree.iter("meta"):
        if (el.get("property") or el.get("name") or "").strip().lower() == "og:image" and el.get("content"):
            return absolute_http(el.get("content"), url), None
    return None, None


def _ours(tree, url):
    pm = page_meta(tree)
    return absolute_http(pm["image"], url), pm["image_credit"]


def main() -> None:
    show = "--show-misses" in sys.argv
    systems = {"og:image only": _og, "newsdesk": _ours}
    stats = {name: Counter() for name in systems}
    n = with_cover = with_credit = 0
    started = time.perf_counter()
    for page, url, gold in pairs():
        n += 1
        cover = next((im for im in gold.get("images") or [] if im.get("is_cover")), None)
        keys = set().union(*(_keys(v["url"]) for v in cover["versions"])) if cover else set()
        credits = [a.lower() for a in (cover or {}).get("authors") or [] if a]
        with_cover += bool(cover)
        with_credit += bool(credits)
        tree = parse(*decode_utf8(gzip.decompress(page.read_bytes())))
        for name, fn in systems.items():
            image, credit = fn(tree, url)
            s = stats[name]
            s["found"] += bool(image)
            if cover:
                s["cover_found"] += bool(image)
                s["cover_right"] += bool(image and _keys(image) & keys)
            if credit:
                right = any(c in credit.lower() or credit.lower() in c for c in credits)
                s["credit_given"] += 1
                s["credit_gold"] += bool(credits)  # the gold names one: the credit can be judged
                s["credit_right"] += right
                if show and credits and not right and name == "newsdesk":
                    print(f"CREDIT {page.name}: ours {credit!r}, gold {credits}")
    print(f"{n} fundus pages, {with_cover} with a cover image in the gold, {with_credit} of them with its credit "
          f"({time.perf_counter() - started:.1f}s)")
    print(f"{'':16}{'any image':>11}{'cover found':>13}{'cover right':>13}{'credits given':>15}{'gold has one':>14}"
          f"{'right':>7}")
    for name, s in stats.items():
        print(f"{name:16}{s['found'] / n:>11.1%}{s['cover_found'] / max(1, with_cover):>13.1%}"
              f"{s['cover_right'] / max(1, with_cover):>13.1%}{s['credit_given']:>15}{s['credit_gold']:>14}"
              f"{s['credit_right']:>7}")
    base, ours = stats["og:image only"], stats["newsdesk"]
    print(f"cover right, newsdesk / og:image only: {ours['cover_right'] / max(1, base['cover_right']):.2f}")


if __name__ == "__main__":
    main()
