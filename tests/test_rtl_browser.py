"""A real browser lays an Arabic article out right to left, on its own page and quoted in a story beside an English
one, while the page's English interface stays left to right."""
from __future__ import annotations

import os
from datetime import datetime

import pytest
from _common import CHROMIUM, Server

from newsdesk.models import Brief, BriefSentence, RawInput
from newsdesk.sources.records import article_from_record
from newsdesk.store import Store
from newsdesk.text import split_sentences
from newsdesk.web import create_app

pytestmark = [pytest.mark.slow,  # a real browser
              pytest.mark.skipif(not os.path.exists(CHROMIUM), reason=f"Debian chromium not installed at {CHROMIUM}")]

ARABIC = ("أعلنت الحكومة يوم الثلاثاء عن خطة جديدة لإعادة بناء المدارس التي دمرها الزلزال في شمال البلاد. "
          "وقال وزير التعليم إن العمل سيبدأ الشهر المقبل وسيستمر عامين على الأقل.\n\n"
          "وأضاف الوزير أن الخطة تشمل مئة وعشرين مدرسة في ثلاث محافظات.")
ENGLISH = ("The government announced on Tuesday a new plan to rebuild the schools the earthquake destroyed in the "
           "north of the country. The education minister said work would begin next month.")


def _store(path: str) -> tuple[int, int]:
    with Store(path) as store:
        sid = store.new_story()
        ids = []
        for n, (text, title) in enumerate(((ARABIC, "خطة لإعادة بناء المدارس"), (ENGLISH, "Schools to be rebuilt"))):
            raw = RawInput(body=text.encode(), kind="text", origin=f"test-{n}")
            store.put_raw(raw)
            # no language given: found from the text
            article = article_from_record({"title": title, "text": text, "outlet": "Wire", "date": "2010-03-02"},
                                          raw)
            store.add_article(article)
            store.assign(article.id, sid)
            ids.append(article.id)
        start, end = split_sentences(ARABIC)[0]
        store.save_story(sid, Brief(headline="Schools to be rebuilt", sentences=[BriefSentence(
            text=ARABIC[start:end], article_id=ids[0], position=0, outlet="Wire", published=datetime(2010, 3, 2))]))
    return sid, ids[0]


def test_arabic_laid_out_right_to_left(tmp_path, browser):
    path = str(tmp_path / "news.db")
    sid, aid = _store(path)
    with Store(path) as store:
        assert store.get_article(aid).language == "ar"
    with Server(create_app(path)) as base:
        page = browser.new_page(viewport={"width": 1000, "height": 900})
        try:
            page.goto(f"{base}/articles/{aid}")
            style = "(el) => getComputedStyle(el).direction"
            assert page.locator("div.text").evaluate(style) == "rtl"
            assert page.locator("h1").evaluate(style) == "rtl"
            assert page.locator("p.meta").evaluate(style) == "ltr"  # the interface stays English
            # laid out from the right: the first sentence's first line ends at the text block's right edge
            block = page.locator("div.text").bounding_box()
            first = page.locator("div.text span.s").first.evaluate(
                "(el) => { const r = el.getClientRects()[0]; return {left: r.left, right: r.right}; }")
            assert abs(block["x"] + block["width"] - first["right"]) < 2
            assert "Arabic" in page.locator("p.meta").inner_text()

            page.goto(f"{base}/stories/{sid}")
            assert page.locator("p.languages").inner_text() == "Languages: Arabic, English"
            quote = page.locator("section.brief span.quote").first
            assert quote.evaluate(style) == "rtl"
            titles = {t: page.locator("section.coverage a", has_text=t).first.evaluate(style)
                      for t in ("خطة لإعادة بناء المدارس", "Schools to be rebuilt")}
            assert titles == {"خطة لإعادة بناء المدارس": "rtl", "Schools to be rebuilt": "ltr"}
        finally:
            page.close()


ARABIC_2 = ("قالت الحكومة يوم الأربعاء إن خطة إعادة بناء المدارس ستكلف مئتي مليون دولار. "
            "وأكد وزير التعليم أن المدارس الأولى ستفتح أبوابها في الخريف.\n\n"
            "وقال مسؤولون إن المانحين الدوليين وعدوا بتمويل نصف التكاليف.")
ENGLISH_2 = ("Officials said on Wednesday the plan to rebuild the schools would cost two hundred million dollars. "
             "The education minister said the first schools would open in the autumn. International donors have "
             "promised half of the cost, officials said.")


def test_a_story_in_english_and_arabic_offers_its_brief_in_arabic_right_to_left(tmp_path, browser):
    """Through the real build: a story of two English and two Arabic articles (put together by a reader's move,
    so as not to depend on the clustering) has a brief in each language; ?lang=ar shows the Arabic one, laid out
    right to left, and the switch names each language in itself."""
    from newsdesk.pipeline import build

    path = str(tmp_path / "news.db")
    with Store(path) as store:
        ids = []
        for n, (text, title) in enumerate(((ENGLISH, "Schools to be rebuilt"), (ENGLISH_2, "School plan costed"),
                                           (ARABIC, "خطة لإعادة بناء المدارس"), (ARABIC_2, "تكلفة خطة المدارس"))):
            raw = RawInput(body=text.encode(), kind="text", origin=f"test-{n}")
            store.put_raw(raw)
            article = article_from_record({"title": title, "text": text, "outlet": f"Wire {n}",
                                           "date": f"2010-03-0{2 + n % 2}"}, raw)
            store.add_article(article)
            ids.append(article.id)
        build(store)
        sid = store.get_article(ids[0]).story_id
        for aid in ids[1:]:
            if store.get_article(aid).story_id != sid:
                store.move_article(aid, sid)
        build(store)
        brief = store.get_story(sid).brief
    assert brief.languages() == ["en", "ar"] or brief.languages() == ["ar", "en"]
    with Server(create_app(path)) as base:
        page = browser.new_page(viewport={"width": 1000, "height": 900})
        try:
            page.goto(f"{base}/stories/{sid}?lang=ar")
            style = "(el) => getComputedStyle(el).direction"
            assert page.locator("h1").evaluate(style) == "rtl"
            quotes = page.locator("section.brief span.quote, section.latest span.quote")
            assert quotes.count() >= 1
            assert all(quotes.nth(i).evaluate(style) == "rtl" for i in range(quotes.count()))
            # the list itself runs right to left: numbered and aligned from the right
            assert page.locator("ol.brief-sentences").first.evaluate(style) == "rtl"
            # ... but a day written in the interface's English reads left to right ("30 Jul 2009", not "Jul 2009 30")
            days = page.locator("section.latest time.day")
            assert days.count() >= 1
            assert all(days.nth(i).evaluate(style) == "ltr" for i in range(days.count()))
            switch = page.locator("p.brief-languages")
            assert switch.evaluate(style) == "ltr"  # the interface stays English
            assert switch.locator("[aria-current]").inner_text() == "العربية"
            switch.locator("a", has_text="English").click()
            page.wait_for_load_state()
            assert page.url.endswith("?lang=en")
            assert page.locator("h1").evaluate(style) == "ltr"
            quote = page.locator("section.brief span.quote, section.latest span.quote").first
            assert quote.evaluate(style) == "ltr"
            assert page.locator("ol.brief-sentences").first.evaluate(style) == "ltr"
        finally:
            page.close()
