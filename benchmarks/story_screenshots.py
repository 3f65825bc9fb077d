"""Screenshots of chosen story pages at a desktop and a phone width, as a reader sees them.

Starts `newsdesk serve` (read-only, no polling) on a database the way a user does, finds each story by its
articles' titles over the JSON API, and saves a full-page PNG per story and width with Debian's Chromium.

    .venv/bin/python benchmarks/story_screenshots.py --db data/newsdesk.db --out docs/shots \
        [--story bali=Bali --story haiti=Haiti --story sailors='sailors|Royal Navy'] [--widths 1280,390] \
        [--home] [--page section=/section/crime] [--page search='/search?q=haiti'] [--color-scheme dark]

A story is the one with the most article titles matching its regular expression. Each page gives NAME-WIDTH.png
(whole page), NAME-WIDTH-top.png (the first screen) and NAME-WIDTH-CLASS.png per `--sections`. It prints, per page,
the page's height and whether it scrolls sideways (its content wider than the window). With `--compare BEFORE_DIR`
it shoots nothing and puts each first screen and section beside its namesake from an earlier run instead.
"""
from __future__ import annotations

import argparse
import base64
import json
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
DEFAULT_STORIES = {"bali": "Bali", "haiti": "Haiti", "sailors": r"sailors|Royal Navy"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=30) as r:
        return json.load(r)


def _serve(db: str) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "newsdesk.cli", "--db", db, "serve", "--port", str(port),
                             "--no-watch", "--read-only"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    for _ in range(150):
        try:
            _get(f"{base}/api/stories?limit=1")
            return proc, base
        except OSError:
            if proc.poll() is not None:
                raise SystemExit(f"newsdesk serve exited: {proc.stderr.read().decode(errors='replace')}")
            time.sleep(0.2)
    proc.kill()
    raise SystemExit("newsdesk serve did not answer within 30 s")


def find_story(base: str, pattern: str) -> int | None:
    """The id of the story with the most article titles matching `pattern` (case-insensitive)."""
    regex = re.compile(pattern, re.I)
    best, best_hits = None, 0
    listing = _get(f"{base}/api/stories?limit=200")
    for story in listing["stories"]:
        detail = _get(f"{base}/api/stories/{story['id']}")
        hits = sum(bool(regex.search(a.get("title") or "")) for a in detail["articles"])
        if hits > best_hits:
            best, best_hits = story["id"], hits
    return best


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", required=True)
    ap.add_argument("--out", required=True, help="folder for the PNG files")
    ap.add_argument("--story", action="append", metavar="NAME=REGEX", help="a story to shoot (repeatable)")
    ap.add_argument("--widths", default="1280,390")
    ap.add_argument("--home", action="store_true", help="shoot the home page too")
    ap.add_argument("--page", action="append", default=[], metavar="NAME=PATH",
                    help="another page to shoot, e.g. search='/search?q=haiti' (repeatable)")
    ap.add_argument("--color-scheme", choices=("light", "dark"), default="light",
                    help="the system setting the pages see (prefers-color-scheme); dark adds -dark to the names")
    ap.add_argument("--sections", default="", metavar="CLASS,...",
                    help="also shoot each <section class=CLASS> of the page alone (e.g. brief,map,entities)")
    ap.add_argument("--compare", metavar="BEFORE_DIR",
                    help="instead of shooting: put each image of --out beside its namesake in BEFORE_DIR, "
                    "written to --out/compare/")
    args = ap.parse_args(argv)
    stories = dict(s.split("=", 1) for s in args.story) if args.story else DEFAULT_STORIES
    widths = [int(w) for w in args.widths.split(",")]
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    from playwright.sync_api import sync_playwright

    if args.compare:
        return compare(Path(args.compare), out, stories, widths, args.sections)
    proc, base = _serve(args.db)
    try:
        pages = {name: find_story(base, pattern) for name, pattern in stories.items()}
        urls = {name: f"{base}/stories/{sid}" for name, sid in pages.items() if sid is not None}
        for name in stories:
            if pages[name] is None:
                print(f"{name}: no story has an article title matching {stories[name]!r}", file=sys.stderr)
        if args.home:
            urls["home"] = f"{base}/"
        for extra in args.page:
            name, path = extra.split("=", 1)
            urls[name] = base + path
        suffix = "-dark" if args.color_scheme == "dark" else ""
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
            for name, url in urls.items():
                for width in widths:
                    page = browser.new_page(viewport={"width": width, "height": 900}, color_scheme=args.color_scheme)
                    page.goto(url)
                    path = out / f"{name}-{width}{suffix}.png"
                    page.screenshot(path=str(path), full_page=True)
                    page.screenshot(path=str(out / f"{name}-{width}{suffix}-top.png"))
                    for cls in filter(None, args.sections.split(",")):
                        section = page.locator(f"section.{cls}")
                        if section.count():
                            section.first.screenshot(path=str(out / f"{name}-{width}{suffix}-{cls}.png"))
                    height, scroll_width = page.evaluate(
                        "[document.documentElement.scrollHeight, document.documentElement.scrollWidth]")
                    sideways = "scrolls sideways" if scroll_width > width else "no sideways scroll"
                    print(f"{path}  {url.removeprefix(base)}  height {height}px, {sideways} ({scroll_width}px)")
                    page.close()
            browser.close()
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    return 0


def compare(before: Path, after: Path, stories: dict, widths: list[int], sections: str) -> int:
    """Side-by-side PNGs, before | after, drawn by Chromium from a page of the two images (no imaging library):
    NAME-WIDTH.png for each page's first screen and NAME-WIDTH-CLASS.png for each section."""
    from playwright.sync_api import sync_playwright

    out = after / "compare"
    out.mkdir(exist_ok=True)
    kinds = ["top"] + [c for c in sections.split(",") if c]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        for name in stories:
            for width in widths:
                for kind in kinds:
                    pair = [d / f"{name}-{width}-{kind}.png" for d in (before, after)]
                    if not all(f.exists() for f in pair):
                        continue
                    shown = min(width, 640)  # a desktop pair at half size, a phone pair as it is
                    # data: URIs, since a page set from a string may not load file: URLs
                    cells = "".join(f'<figure><figcaption>{label}</figcaption><img src="data:image/png;base64,'
                                    f'{base64.b64encode(f.read_bytes()).decode()}" style="width:{shown}px"></figure>'
                                    for label, f in zip(("before", "after"), pair))
                    page = browser.new_page(viewport={"width": 2 * shown + 60, "height": 400})
                    page.set_content(
                        "<style>body{margin:0;display:flex;gap:20px;padding:10px;background:#fff;font:16px sans-serif;"
                        "align-items:flex-start}figure{margin:0}figcaption{color:#555;margin-bottom:4px}"
                        f"img{{border:1px solid #ccc}}</style>{cells}")
                    page.wait_for_load_state("load")
                    target = out / f"{name}-{width}-{kind}.png"
                    page.screenshot(path=str(target), full_page=True)
                    page.close()
                    print(target)
        browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
