"""Screenshot of a story page with a disagreement card, for the README: docs/facts.png.

The story is two articles carrying the two death tolls of ../shared/examples/content-farm-page.txt (470 by an AFP
tally, 600 according to the IHCHR and Amnesty International), as two outlets would print them on one day.
Usage: .venv/bin/python benchmarks/facts_screenshot.py [OUT.png]
"""
from __future__ import annotations

import json
import sys
import tempfile
from datetime import datetime
from pathlib import Path

from _common import CHROMIUM, Server

from newsdesk.models import Article, Brief, BriefSentence, RawInput
from newsdesk.pipeline import build_facts
from newsdesk.store import Store
from newsdesk.text import split_sentences
from newsdesk.web import create_app

# The texts tests/test_facts.py checks the card on.
TEXTS = json.loads((Path(__file__).resolve().parents[1] / "tests" / "data" / "facts_iraq_protests.json")
                   .read_text(encoding="utf-8"))
AFP_TEXT, RIGHTS_TEXT, SADR_TEXT = TEXTS["afp"], TEXTS["rights"], TEXTS["sadr"]


def main(out: str = "docs/facts.png") -> None:
    from playwright.sync_api import sync_playwright

    path = str(Path(tempfile.mkdtemp()) / "news.db")
    with Store(path) as store:
        sid = store.new_story()
        sentences = []
        for text, outlet, day in ((AFP_TEXT, "Wire One", 25), (RIGHTS_TEXT, "Rights Daily", 25), (SADR_TEXT, "Wire One", 27)):
            raw = RawInput(body=text.encode(), kind="text", origin=outlet + str(day))
            store.put_raw(raw)
            a = Article(title="Iraq protests", text=text, outlet=outlet, published=datetime(2020, 1, day),
                        raw_sha256=raw.sha256)
            store.add_article(a)
            store.assign(a.id, sid)
            s, e = split_sentences(text)[1]
            sentences.append(BriefSentence(text=text[s:e], article_id=a.id, position=1, outlet=outlet,
                                           published=a.published))
        store.save_story(sid, Brief(headline="Iraq protest death toll: two counts", sentences=sentences[:2]))
        build_facts(store, [sid])
    with Server(create_app(path)) as base, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page(viewport={"width": 1100, "height": 1500})
        page.goto(f"{base}/stories/{sid}")
        page.screenshot(path=out, full_page=False)
        browser.close()
    print(f"wrote {out}")


if __name__ == "__main__":
    main(*sys.argv[1:])
