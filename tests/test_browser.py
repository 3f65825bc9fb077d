"""A real browser follows a brief sentence's source link and lands on that sentence in the article."""
from __future__ import annotations

import os
from datetime import datetime

import pytest

from newsdesk.models import Article, Brief, BriefSentence, RawInput
from newsdesk.store import Store
from newsdesk.text import split_sentences
from newsdesk.web import create_app

# One loopback uvicorn for the browser tests and the screenshot benchmarks (benchmarks/ is on pytest's path).
from _common import CHROMIUM, CHROMIUM_ARGS, Server as _Server  # noqa: E402
pytestmark = [pytest.mark.slow,  # a real browser
              pytest.mark.skipif(not os.path.exists(CHROMIUM), reason=f"Debian chromium not installed at {CHROMIUM}")]

# A long article so that the target sentence is off screen unless the anchor really scrolls to it.
TEXT = "\n\n".join(
    f"Paragraph {i} opens with a plain sentence. It goes on with a second one about item {i}." for i in range(40)
) + "\n\nThe minister resigned on Friday, officials said."


def build_store(path: str) -> tuple[int, BriefSentence]:
    with Store(path) as store:
        raw = RawInput(body=TEXT.encode(), kind="text", origin="test")
        store.put_raw(raw)
        article = Article(title="Minister resigns", text=TEXT, outlet="Alpha News", published=datetime(2007, 3, 23),
                          raw_sha256=raw.sha256)
        store.add_article(article)
        sid = store.new_story()
        store.assign(article.id, sid)
        spans = split_sentences(TEXT)
        position = len(spans) - 1
        start, end = spans[position]
        sentence = BriefSentence(text=TEXT[start:end], article_id=article.id, position=position,
                                 outlet="Alpha News", published=article.published)
        store.save_story(sid, Brief(headline="Minister resigns", sentences=[sentence]))
    return sid, sentence


def test_source_link_lands_on_the_quoted_sentence(tmp_path):
    from playwright.sync_api import sync_playwright

    path = str(tmp_path / "news.db")
    story_id, sentence = build_store(path)
    with _Server(create_app(path)) as base, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            page.goto(f"{base}/stories/{story_id}")
            assert page.locator("h1").count() == 1
            page.locator(".brief-sentences li .source a").first.click()
            page.wait_for_url(f"**/articles/{sentence.article_id}#s{sentence.position}")
            target = page.locator(f"#s{sentence.position}")
            assert sentence.text in target.inner_text()
            assert page.evaluate("document.querySelector(':target').id") == f"s{sentence.position}"
            assert target.is_visible() and target.evaluate(
                "e => { const r = e.getBoundingClientRect(); return r.top >= 0 && r.bottom <= innerHeight; }"
            ), "the targeted sentence is not scrolled into view"
            # The :target rule highlights it; other sentences keep a transparent background.
            bg = target.evaluate("e => getComputedStyle(e).backgroundColor")
            other = page.locator("#s0").evaluate("e => getComputedStyle(e).backgroundColor")
            assert bg != other
        finally:
            browser.close()
