"""What a reader sees in a real browser (Debian's Chromium): top stories in ranking order with j/k between them,
no sideways scroll on a 390-pixel phone (logged in, so the correction forms are on the page), search grouped into
stories and re-sorted, dark mode from the system setting."""
from __future__ import annotations

import os
from datetime import datetime, timedelta, timezone

import pytest

from newsdesk.models import Article, Brief, BriefSentence, RawInput
from newsdesk.settings import RankSettings
from newsdesk.store import Store
from newsdesk.web import create_app

from _common import CHROMIUM, CHROMIUM_ARGS, Server  # noqa: E402
from webauth import make_token

pytestmark = [pytest.mark.slow,  # a real browser
              pytest.mark.skipif(not os.path.exists(CHROMIUM), reason=f"Debian chromium not installed at {CHROMIUM}")]

T0 = datetime(2024, 5, 1, 12, tzinfo=timezone.utc)
LONG = ("An exceptionally long headline about the reconstruction-funding conference and its "
        "Supercalifragilisticexpialidocious-sized pledges from donors")


def _story(store: Store, title: str, reports: list[tuple[str, float]]) -> int:
    """A story of one article per (outlet, hours after T0), its brief quoting the first."""
    sid = store.new_story()
    first = None
    for i, (outlet, hours) in enumerate(reports):
        raw = RawInput(body=f"{title}{i}".encode(), kind="text", origin=f"{title}{i}")
        store.put_raw(raw)
        text = f"{title} was reported by {outlet} as a flood story number {i}. Officials said more would follow."
        a = Article(title=f"{LONG} ({outlet}, {title})" if i == 0 else f"{title}: report {i}", text=text,
                    outlet=outlet, url=f"https://{outlet.lower().replace(' ', '')}.example.de/{sid}/{i}",
                    published=T0 + timedelta(hours=hours), raw_sha256=raw.sha256)
        store.add_article(a)
        store.assign(a.id, sid)
        first = first or a
    sentence = first.text.split(". ")[0] + "."
    store.save_story(sid, Brief(headline=title, headline_article_id=first.id, sentences=[BriefSentence(
        text=sentence, article_id=first.id, position=0, outlet=first.outlet, published=first.published)]))
    return sid


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    path = str(tmp_path_factory.mktemp("reader") / "news.db")
    with Store(path) as store:
        ids = {
            # widely covered and growing, a day older: first by the formula (5 outlets, 5 reports in 24 h)
            "wide": _story(store, "Wide flood", [(f"Outlet {c}", -30 + i) for i, c in enumerate("ABCDE")]),
            # the newest, one outlet: below it on Top stories, first on Latest
            "fresh": _story(store, "Fresh flood", [("Solo Times", 0)]),
            "old": _story(store, "Old flood", [("Outlet A", -200), ("Outlet B", -199)]),
        }
        store.rerank_all(RankSettings())
    return {"path": path, "token": make_token(path), **ids}


def _order(page) -> list[int]:
    return [int(x) for x in page.eval_on_selector_all("ol.story-list > li", "els => els.map(e => e.dataset.storyId)")]


def test_top_stories_in_ranking_order_and_j_k_move_between_them(site, browser):
    with Server(create_app(site["path"])) as base:
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        page.goto(base + "/")
        assert _order(page) == [site["wide"], site["fresh"], site["old"]]
        page.click("nav.tabs >> text=Latest")
        page.wait_for_url("**/latest")
        assert _order(page) == [site["fresh"], site["wide"], site["old"]]
        page.goto(base + "/")
        page.keyboard.press("j")
        page.keyboard.press("j")
        current = page.locator("ol.story-list > li.current")
        assert current.count() == 1 and int(current.get_attribute("data-story-id")) == site["fresh"]
        assert page.evaluate("document.activeElement.closest('li').dataset.storyId") == str(site["fresh"])
        page.keyboard.press("k")
        assert int(page.locator("li.current").get_attribute("data-story-id")) == site["wide"]
        page.keyboard.press("o")
        page.wait_for_url(f"**/stories/{site['wide']}")
        # the single-source mark on the story one outlet carries, only there
        page.goto(base + "/")
        marks = page.eval_on_selector_all(
            "ol.story-list > li", "els => els.map(e => !!e.querySelector('.single-source'))")
        assert marks == [False, True, False]
        assert page.evaluate("fetch('/favicon.ico').then(r => r.status)") == 200
        page.close()


def test_no_sideways_scroll_on_a_phone_even_with_the_correction_forms(site, browser):
    with Server(create_app(site["path"])) as base:
        page = browser.new_page(viewport={"width": 390, "height": 844})
        page.goto(base + "/login")
        page.fill("input[name=token]", site["token"])
        page.click("form.login button")
        page.wait_for_url(base + "/")
        for path in ("/", "/latest", f"/stories/{site['wide']}", "/search?q=flood", "/about", "/following"):
            page.goto(base + path)
            if path.startswith("/stories/"):
                assert page.locator("form.edit select[name=article_id]").count() == 1  # the Move drop-down is there
                assert page.locator("section.coverage table.outlets tbody tr").count() == 5
            wide = page.evaluate("""() => [document.documentElement.scrollWidth,
                [...document.querySelectorAll('body *')].filter(e => !e.closest('svg'))
                  .filter(e => e.getBoundingClientRect().right > innerWidth + 0.5)
                  .map(e => e.tagName + '.' + e.className).slice(0, 5)]""")
            assert wide[0] <= 390 and not wide[1], (path, wide)
        page.close()


def test_search_grouped_into_stories_and_sorted_by_date(site, browser):
    with Server(create_app(site["path"])) as base:
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        page.goto(base + "/")
        page.fill("form.search input[name=q]", "flood")
        page.press("form.search input[name=q]", "Enter")
        page.wait_for_url("**/search?q=flood")
        groups = page.locator("ol.story-results > li")
        assert groups.count() == 3
        sizes = {int(g.get_attribute("data-story-id")): g.locator("ul.hits > li").count()
                 for g in groups.all()}
        assert sizes == {site["wide"]: 5, site["fresh"]: 1, site["old"]: 2}
        page.click("nav.sort >> text=Newest")
        page.wait_for_url("**sort=date")
        by_date = [int(x) for x in page.eval_on_selector_all(
            "ol.story-results > li", "els => els.map(e => e.dataset.storyId)")]
        assert by_date == [site["fresh"], site["wide"], site["old"]]
        page.close()


def test_dark_mode_follows_the_system_setting(site, browser):
    with Server(create_app(site["path"])) as base:
        colours = {}
        for scheme in ("light", "dark"):
            context = browser.new_context(color_scheme=scheme)
            page = context.new_page()
            page.goto(base + f"/stories/{site['wide']}")
            colours[scheme] = page.evaluate(
                "[getComputedStyle(document.body).backgroundColor, getComputedStyle(document.body).color]")
            context.close()
        light_bg, dark_bg = (sum(map(int, c[0][4:-1].split(",")[:3])) for c in (colours["light"], colours["dark"]))
        assert dark_bg < 150 < light_bg, colours


def test_follow_a_story_and_a_search_then_find_them_on_the_following_page(site, browser):
    with Server(create_app(site["path"])) as base:
        context = browser.new_context(viewport={"width": 1280, "height": 800})
        page = context.new_page()
        page.goto(base + f"/stories/{site['old']}")
        button = page.locator("button.follow")
        assert button.is_visible() and button.inner_text() == "Follow"
        button.click()
        assert button.get_attribute("aria-pressed") == "true"
        page.goto(base + "/search?q=flood%20story")
        page.locator("button.follow").click()
        page.click("a.nav-following")
        page.wait_for_url("**/following")
        items = page.eval_on_selector_all("li[data-follow-item]", "els => els.map(e => e.dataset.followItem)")
        assert items == [f"story:{site['old']}", "search:flood story"]
        assert "Old flood" in page.locator("li.story h2").inner_text()
        feed = page.locator("li.story a.feed-link").first.get_attribute("href")
        assert page.evaluate(f"fetch('{feed}').then(r => r.text())").count("<entry>") == 1
        assert page.locator("li.search .latest-stories li").count() == 3  # its matching stories
        page.locator("li.story button.unfollow").click()
        page.reload()
        assert page.eval_on_selector_all("li[data-follow-item]", "els => els.map(e => e.dataset.followItem)") == [
            "search:flood story"]
        context.close()
