"""Screenshots of a running newsdesk server, for the README and for looking at pages as a reader does.

Usage: python scripts/screenshots.py http://127.0.0.1:8000 OUT_DIR
"""
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]


def main(base: str, out: str) -> None:
    out_dir = Path(out)
    out_dir.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        page = browser.new_page(viewport={"width": 1100, "height": 900})
        page.goto(base + "/")
        page.screenshot(path=str(out_dir / "index.png"), full_page=True)
        # The story with the most articles shows the most of a story page.
        page.locator("main a[href^='/stories/']").first.click()
        page.screenshot(path=str(out_dir / "story.png"), full_page=True)
        page.locator("a[href*='/articles/'][href*='#s']").first.click()
        page.screenshot(path=str(out_dir / "article.png"), full_page=False)
        page.goto(base + "/search?q=earthquake")
        page.screenshot(path=str(out_dir / "search.png"), full_page=False)
        browser.close()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
