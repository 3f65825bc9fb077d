"""A real browser renders a story's disagreement card, quotes, entities and map, and follows a claim to its sentence."""
from __future__ import annotations

import os

import pytest
from test_browser import CHROMIUM, CHROMIUM_ARGS, _Server
from test_facts import _story

from newsdesk.web import create_app

pytestmark = [pytest.mark.slow,  # a real browser
              pytest.mark.skipif(not os.path.exists(CHROMIUM), reason=f"Debian chromium not installed at {CHROMIUM}")]


def test_disagreement_card_renders_and_links_to_the_sentence(tmp_path):
    from playwright.sync_api import sync_playwright

    path = str(tmp_path / "news.db")
    sid = _story(path)
    with _Server(create_app(path)) as base, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.goto(f"{base}/stories/{sid}")
            card = page.locator(".card.contradiction")
            assert card.count() == 1 and card.is_visible()
            claims = card.locator(".claim")
            assert claims.count() == 2
            values = sorted(claims.locator(".value").all_inner_texts())
            assert values == ["more than 470", "more than 600"]
            assert "AFP" in card.inner_text() and "IHCHR and Amnesty International" in card.inner_text()
            # The bars are drawn to scale: 470 is shorter than 600.
            widths = {v: claims.nth(i).locator(".bar").bounding_box()["width"]
                      for i, v in enumerate(claims.locator(".value").all_inner_texts())}
            assert widths["more than 470"] < widths["more than 600"]
            assert page.locator("svg.place-map circle").count() >= 1
            assert page.locator("svg.place-map").is_visible()
            page.screenshot(path=str(tmp_path / "facts.png"), full_page=True)
            link = claims.filter(has_text="600").locator(".source a").first
            link.click()
            page.wait_for_load_state()
            assert "More than 600 people" in page.locator(":target").inner_text()
        finally:
            browser.close()
