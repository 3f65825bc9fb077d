"""Thumbnails in a real browser (Debian's Chromium): the home page shows a story's lead image, loaded from the
desk itself, and no image element (so none broken) for a story without one; the story page shows the image with
its credit; on a 390-pixel phone the thumbnail causes no sideways scroll."""
from __future__ import annotations

import os

import pytest

from newsdesk.store import Store
from newsdesk.web import create_app

from _common import CHROMIUM, CHROMIUM_ARGS, Server  # noqa: E402
from newsserver import NewsServer
from test_images import make_stories

pytestmark = [pytest.mark.slow,  # a real browser
              pytest.mark.skipif(not os.path.exists(CHROMIUM), reason=f"Debian chromium not installed at {CHROMIUM}")]

# every <img> of the page: whether it has finished and decoded to real pixels, and where it came from
IMAGES = """() => [...document.images].map(i => ({src: i.getAttribute('src'), complete: i.complete,
    width: i.naturalWidth, story: i.closest('li') ? i.closest('li').dataset.storyId : null}))"""


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    path = str(tmp_path_factory.mktemp("images") / "news.db")
    with NewsServer() as server, Store(path) as store:
        ids = make_stories(store, server)
        origin = server.url("/")
    # the outlet's server is gone: whatever the pages show must come from the desk itself
    return {"path": path, "origin": origin, **ids}


def _loaded(page) -> list[dict]:
    page.wait_for_load_state("load")
    page.wait_for_function("[...document.images].every(i => i.complete)")
    return page.evaluate(IMAGES)


def test_thumbnails_present_on_the_home_page_and_none_broken(site, browser):
    with Server(create_app(site["path"])) as base:
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        page.goto(base + "/")
        images = _loaded(page)
        assert [i["story"] for i in images] == [str(site["pictured"])]  # the story without an image has none
        (thumb,) = images
        assert thumb["complete"] and thumb["width"] > 0 and thumb["src"].startswith("/images/")
        box = page.locator(f"li[data-story-id='{site['pictured']}'] .thumb img").bounding_box()
        assert 100 <= box["width"] <= 160 and box["height"] > 0  # a thumbnail, not the picture at full size
        page.goto(base + f"/stories/{site['pictured']}")
        (lead,) = _loaded(page)
        assert lead["complete"] and lead["width"] > 0 and not lead["src"].startswith(site["origin"])
        assert "Image: Ann Photographer/Gazette, from Gazette" in page.inner_text("figure.lead-image figcaption")
        page.goto(base + f"/stories/{site['plain']}")
        assert _loaded(page) == [] and page.locator("figure.lead-image").count() == 0
        page.close()


def test_thumbnails_fit_a_phone(site, browser):
    with Server(create_app(site["path"])) as base:
        page = browser.new_page(viewport={"width": 390, "height": 844})
        for path in ("/", f"/stories/{site['pictured']}"):
            page.goto(base + path)
            (image,) = _loaded(page)
            assert image["width"] > 0
            assert page.evaluate("document.documentElement.scrollWidth") <= 390, path
        page.close()
