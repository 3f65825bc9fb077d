"""The issue's "done means", as a user does it: `newsdesk serve` started from the command line, the user logged in
with the token it prints on its first start, a feed of a local news site subscribed on the /feeds page in Chromium,
and new stories appearing on the front page as the site publishes new items."""
from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time

import httpx
import pytest

from newsserver import NewsServer
from test_feeds import TOPICS, publish

from _common import CHROMIUM, CHROMIUM_ARGS  # noqa: E402
pytestmark = [pytest.mark.slow,  # a real browser
              pytest.mark.skipif(not os.path.exists(CHROMIUM), reason=f"Debian chromium not installed at {CHROMIUM}")]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_user_subscribes_in_the_browser_and_sees_stories_arrive(tmp_path):
    from playwright.sync_api import sync_playwright

    db, port = str(tmp_path / "news.db"), _free_port()
    base = f"http://127.0.0.1:{port}"
    # the server's output goes to a file: an unread pipe fills up and blocks the server mid-poll
    log = open(tmp_path / "serve.log", "wb")
    proc = subprocess.Popen([sys.executable, "-m", "newsdesk.cli", "--db", db, "serve", "--port", str(port),
                             "--allow-private", "--tick", "0.5"], stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(base + "/", timeout=1)
                break
            except httpx.HTTPError:
                assert time.monotonic() < deadline and proc.poll() is None, "server did not start"
                time.sleep(0.2)
        with NewsServer() as site, sync_playwright() as p:
            publish(site, 1)
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page()
            page.goto(base + "/feeds")
            assert page.locator("form.add-feed").count() == 0  # no form before logging in
            token = re.search(r"^    (\S+)$", (tmp_path / "serve.log").read_text(), re.M).group(1)
            page.click("text=Log in to add feeds")
            page.fill("input[name=token]", token)
            page.click("form.login button")
            page.wait_for_url(base + "/feeds")
            page.fill("input[name=url]", "not a url")
            page.evaluate("document.querySelector('form.add-feed').noValidate = true")
            page.click("form.add-feed button")
            assert "Not an http(s) URL" in page.inner_text("form.add-feed")
            page.fill("input[name=url]", site.url("/feed.xml"))
            page.click("form.add-feed button")
            assert site.url("/feed.xml") in page.inner_text("table.feeds")
            # the subscription's poll interval, as a user would set it with `feeds add --every 1`
            r = httpx.post(base + "/api/feeds", json={"url": site.url("/feed.xml"), "every": 1},
                           headers={"Authorization": f"Bearer {token}"})
            assert r.status_code == 201 and r.json()["poll_seconds"] == 1

            def front_page_shows(headline: str) -> bool:
                deadline = time.monotonic() + 45
                while time.monotonic() < deadline:
                    page.goto(base + "/")
                    if headline in page.inner_text("main"):
                        return True
                    time.sleep(0.5)
                return False

            assert front_page_shows(TOPICS[0][0])
            publish(site, 2)  # the site publishes a new item; nobody touches newsdesk
            assert front_page_shows(TOPICS[1][0])
            page.goto(base + "/feeds")
            cells = page.locator("table.feeds tbody tr").first.locator("td")
            assert cells.nth(1).inner_text().strip() == "2" and cells.nth(2).inner_text().strip() == "2"
            page.screenshot(path=str(tmp_path / "feeds.png"), full_page=True)
            browser.close()
    except AssertionError:
        print((tmp_path / "serve.log").read_text(errors="replace")[-4000:])  # shown by pytest on failure
        raise
    finally:
        proc.terminate()
        proc.wait(10)
        log.close()
