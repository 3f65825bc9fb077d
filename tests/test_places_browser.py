"""A real browser draws the Bali climate story's map: country outlines, the island where it is, labels a phone can
read, and no sideways scroll on a 390-pixel screen."""
from __future__ import annotations

import os

import pytest
from test_browser import CHROMIUM, CHROMIUM_ARGS, _Server

from newsdesk.models import Brief, RawInput
from newsdesk.sources.records import article_from_record
from newsdesk.sources.sample import sample_records
from newsdesk.store import Store
from newsdesk.web import create_app

pytestmark = [pytest.mark.slow,  # a real browser
              pytest.mark.skipif(not os.path.exists(CHROMIUM), reason=f"Debian chromium not installed at {CHROMIUM}")]


def _bali_story(path: str) -> int:
    from newsdesk.pipeline import build_facts

    with Store(path) as store:
        sid = store.new_story()
        for record in sample_records():
            if not record["id"].startswith("M004"):  # the bundled Bali climate conference story
                continue
            raw = RawInput(body=record["text"].encode(), kind="text", origin=record["id"])
            store.put_raw(raw)
            article = article_from_record(record, raw)
            store.add_article(article)
            store.assign(article.id, sid)
        store.save_story(sid, Brief(headline="Climate conference in Bali", sentences=[]))
        build_facts(store, [sid])
    return sid


def test_story_map_shows_outlines_and_fits_a_phone(tmp_path):
    from playwright.sync_api import sync_playwright

    path = str(tmp_path / "news.db")
    sid = _bali_story(path)
    with _Server(create_app(path)) as base, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            for width in (1280, 390):
                page = browser.new_page(viewport={"width": width, "height": 900})
                page.goto(f"{base}/stories/{sid}")
                svg = page.locator("svg.place-map")
                assert svg.is_visible()
                assert page.locator("svg.place-map path.land").count() >= 2  # Indonesia and its neighbours
                assert page.locator("svg.place-map path.land.named title", has_text="ID").count() == 1
                labels = page.locator("svg.place-map g.place text")
                assert "Bali" in labels.all_text_contents()
                # the rendered size of the smallest label, in CSS pixels
                smallest = page.evaluate("""() => Math.min(
                    ...[...document.querySelectorAll('svg.place-map g.place text')]
                    .map(t => parseFloat(getComputedStyle(t).fontSize) * t.ownerSVGElement.getScreenCTM().a))""")
                assert smallest >= 11, f"labels {smallest:.1f} px at {width} px"
                box = svg.bounding_box()
                assert box["x"] >= 0 and box["x"] + box["width"] <= width
                overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
                assert overflow <= 0, f"{overflow} px of sideways scroll at {width} px"
                page.close()
        finally:
            browser.close()
