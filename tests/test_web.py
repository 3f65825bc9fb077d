"""Web pages, JSON API, static export and a real server, over a real store: SQLite built in tmp_path, and the
same on PostgreSQL (the `any_db` fixture; skipped, saying why, where no PostgreSQL server can be started)."""
from __future__ import annotations

import html
import re
import socket
import subprocess
import sys
import time
from datetime import datetime
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import quote as quote_url
from urllib.parse import unquote, urlsplit

import httpx
import pytest
from fastapi.testclient import TestClient

from newsdesk.models import Article, Brief, BriefSentence, RawInput
from newsdesk.store import Store
from newsdesk.store.postgres import is_url
from newsdesk.text import split_sentences
from newsdesk.web import create_app, export_site

LOCAL = "http://127.0.0.1:8000"  # the public URL a bare create_app() assumes
EVIL_TITLE = "Bad <script>alert(1)</script> news"
EVIL_TEXT = (
    "Markets fell <script>alert(1)</script> sharply today. An image <img src=x onerror=alert(2)> appeared here. "
    "Stocks recovered later."
)
RAW_MARKUP = ("<script>alert", "<img src=x", "<b>Evil", 'href="javascript:')


def add(store: Store, title: str, text: str, outlet: str | None, published: datetime | None, **kw) -> Article:
    raw = RawInput(body=f"{title}\n{text}\n{outlet}".encode(), kind="text", origin=title)
    store.put_raw(raw)
    article = Article(title=title, text=text, outlet=outlet, published=published, raw_sha256=raw.sha256, **kw)
    store.add_article(article)
    return article


def quote(article: Article, position: int, **kw) -> BriefSentence:
    start, end = split_sentences(article.text)[position]
    return BriefSentence(text=article.text[start:end], article_id=article.id, position=position,
                         outlet=article.outlet, published=article.published, **kw)


@pytest.fixture
def db(any_db, tmp_path) -> dict:
    """The pages' store, on SQLite (tmp_path/news.db, with what SQLite keeps beside it) and on PostgreSQL in turn."""
    path = any_db if is_url(any_db) else str(tmp_path / "news.db")
    with Store(path) as store:
        s1, s2 = store.new_story(), store.new_story()
        a1 = add(store, "Quake hits coast", "A strong earthquake struck the coast on Monday. Officials said 12 people "
                 "died. Rescue teams arrived by evening.", "Alpha News", datetime(2007, 3, 12, 9, 30),
                 url="https://alpha.example/quake", authors=["Ann Writer"])
        a2 = add(store, "Rescuers search rubble", "Rescuers searched the rubble for survivors. The death toll rose to "
                 "20 on Tuesday.", "Beta Times", datetime(2007, 4, 2))
        a3 = add(store, "Rescuers search rubble (wire)", a2.text, "Gamma Wire", datetime(2007, 4, 2, 12))
        evil = add(store, EVIL_TITLE, EVIL_TEXT, "<b>Evil</b> Daily", datetime(2007, 5, 1), url="javascript:alert(3)")
        a5 = add(store, "Storm season ends", "The storm season ended quietly. Forecasters expect a calm winter.",
                 "Alpha News", datetime(2007, 6, 1))
        undated = add(store, "Undated note", "A note without any date.", None, None)
        for a in (a1, a2, a3):
            store.assign(a.id, s1)
        for a in (evil, a5, undated):
            store.assign(a.id, s2)
        store.set_duplicate(a3.id, a2.id)
        store.save_story(s1, Brief(headline="Quake hits coast", headline_article_id=a1.id, sentences=[
            quote(a1, 1), quote(a2, 1, also_in=[a3.id], also_outlets=["Gamma Wire"])]))
        store.save_story(s2, Brief(headline="Markets and storms", headline_article_id=a5.id, sentences=[
            quote(evil, 0), quote(evil, 2), quote(a5, 0)]))
        store.set_related(s1, [(s2, 0.31)])
    return {"path": path, "s1": s1, "s2": s2, "a1": a1, "a2": a2, "a3": a3, "evil": evil, "a5": a5,
            "undated": undated}


@pytest.fixture
def client(db) -> TestClient:
    return TestClient(create_app(db["path"]), base_url=LOCAL)


class _ById(HTMLParser):
    """Collects the text inside the element with a given id, and every href/src in the page."""

    VOID = {"br", "img", "input", "meta", "link", "hr", "wbr"}

    def __init__(self, wanted: str | None = None):
        super().__init__()
        self.wanted, self.depth, self.text, self.links, self.ids, self.found = wanted, 0, [], [], set(), False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if a.get("id"):
            self.ids.add(a["id"])
        self.links += [a[k] for k in ("href", "src") if a.get(k)]
        if tag in self.VOID:
            return
        if self.depth:
            self.depth += 1
        elif self.wanted and a.get("id") == self.wanted:
            self.depth, self.found = 1, True

    def handle_endtag(self, tag):
        if self.depth and tag not in self.VOID:
            self.depth -= 1

    def handle_data(self, data):
        if self.depth:
            self.text.append(data)


def parse(page: str, wanted: str | None = None) -> _ById:
    p = _ById(wanted)
    p.feed(page)
    return p


def all_pages(client: TestClient, db: dict) -> dict[str, str]:
    urls = ["/", "/about", f"/stories/{db['s1']}", f"/stories/{db['s2']}", "/search?q=markets",
            "/search?q=" + EVIL_TITLE, "/stories/999"]
    urls += [f"/articles/{db[k].id}" for k in ("a1", "a2", "a3", "evil", "a5", "undated")]
    return {u: client.get(u).text for u in urls}


# -- pages ------------------------------------------------------------------------------------------------------
def test_index_lists_newest_first_with_counts_dates_and_teaser(client, db):
    r = client.get("/")
    assert r.status_code == 200
    page = r.text
    assert page.index("Markets and storms") < page.index("Quake hits coast")
    assert "12 Mar – 2 Apr 2007" in page
    assert "3 articles from 3 outlets: Alpha News, Beta Times, Gamma Wire" in page
    assert "Officials said 12 people died." in page  # teaser: the first brief sentence
    assert f'href="/stories/{db["s1"]}"' in page
    assert 'href="/about"' in page


def test_index_paginates_past_fifty(tmp_path):
    path = str(tmp_path / "many.db")
    with Store(path) as store:
        for i in range(53):
            sid = store.new_story()
            a = add(store, f"Story number {i}", f"Sentence {i} happened.", "Outlet", datetime(2007, 1, 1 + i % 28))
            store.assign(a.id, sid)
            store.save_story(sid, Brief(headline=f"Story number {i}", sentences=[quote(a, 0)]))
    c = TestClient(create_app(path), base_url=LOCAL)
    first, second = c.get("/"), c.get("/?page=2")
    assert len(re.findall(r'<h2><a href="/stories/\d+">', first.text)) == 50
    assert 'href="/?page=2"' in first.text and "Page 1 of 2" in first.text
    assert second.status_code == 200 and second.text.count('href="/stories/') == 3
    assert c.get("/?page=3").status_code == 404
    assert len(c.get("/api/stories?limit=10&offset=50").json()["stories"]) == 3


def test_story_page_has_one_headline_and_a_source_link_per_sentence(client, db):
    r = client.get(f"/stories/{db['s1']}")
    assert r.status_code == 200
    page = r.text
    assert page.count("<h1") == 1
    assert "12 Mar – 2 Apr 2007" in page and "3 articles from 3 outlets" in page
    links = re.findall(r'<a href="(/articles/(\d+)#s(\d+))">([^<]*)</a>', page)
    brief = Store(db["path"]).get_story(db["s1"]).brief
    assert len(links) == len(brief.sentences) == 2
    for (href, aid, pos, label), sentence in zip(links, brief.sentences):
        assert (int(aid), int(pos)) == (sentence.article_id, sentence.position)
        target = parse(client.get(href.split("#")[0]).text, f"s{pos}")
        assert target.found, href
        assert "".join(target.text) == sentence.text
    assert links[0][3] == "Alpha News, 12 Mar 2007"
    assert "also reported by Gamma Wire" in page
    # Timeline in time order, and the full list of articles.
    tl = page[page.index('id="timeline-h"'):]
    tl = tl[:tl.index("</section>")]
    assert tl.index("Quake hits coast") < tl.index("Rescuers search rubble") < tl.index("(wire)")
    assert "same text as Beta Times" in page


def test_related_shown_when_present_and_omitted_when_empty(client, db):
    with_related = client.get(f"/stories/{db['s1']}").text
    assert "Related stories" in with_related and f'href="/stories/{db["s2"]}">Markets and storms</a>' in with_related
    without = client.get(f"/stories/{db['s2']}").text
    assert "Related stories" not in without and 'class="related"' not in without


def test_article_page_anchors_every_sentence_and_lists_copies(client, db):
    a2, a3 = db["a2"], db["a3"]
    page = client.get(f"/articles/{a2.id}").text
    p = parse(page)
    for n, (start, end) in enumerate(split_sentences(a2.text)):
        assert f"s{n}" in p.ids
        assert "".join(parse(page, f"s{n}").text) == a2.text[start:end]
    assert "Same text also published by" in page and f'href="/articles/{a3.id}"' in page
    assert f'href="/stories/{db["s1"]}"' in page  # back to its story
    copy = client.get(f"/articles/{a3.id}").text
    assert "first published by Beta Times" in copy
    a1 = client.get(f"/articles/{db['a1'].id}").text
    assert '<a href="https://alpha.example/quake" rel="nofollow noopener noreferrer">' in a1
    assert "Ann Writer" in a1 and "12 Mar 2007" in a1
    assert "undated" in client.get(f"/articles/{db['undated'].id}").text


def test_untrusted_markup_is_escaped_everywhere(client, db):
    for url, page in all_pages(client, db).items():
        for bad in RAW_MARKUP:
            assert bad not in page, (url, bad)
    evil = client.get(f"/articles/{db['evil'].id}").text
    assert html.escape(EVIL_TITLE, quote=False) in evil
    assert "&lt;img src=x onerror=alert(2)&gt;" in evil
    assert "javascript:" not in evil  # an unsafe URL is not linked at all


def test_search_marks_matches_after_escaping(client, db):
    page = client.get("/search", params={"q": "markets"}).text
    assert "<mark>Markets</mark>" in page
    assert "&lt;script&gt;" in page and "<script>" not in page
    assert f'href="/articles/{db["evil"].id}"' in page and f'href="/stories/{db["s2"]}"' in page
    assert "No articles match" in client.get("/search", params={"q": "zebra"}).text
    assert client.get("/search").status_code == 200


def test_about_has_attribution_and_every_page_links_to_it(client, db):
    about = client.get("/about").text
    text = re.sub(r"<[^>]+>", "", about)
    assert ("Sample corpus: Wikinews articles from the MultiLing 2011 Pilot Dataset by the MultiLing Community, "
            "CC BY 3.0 (https://creativecommons.org/licenses/by/3.0/)") in text
    for url, page in all_pages(client, db).items():
        assert '<footer class="site">' in page and 'href="/about"' in page.split('<footer class="site">')[1], url


def test_not_found_pages(client):
    for url in ("/stories/999", "/articles/999", "/stories/abc", "/nowhere", "/?page=0"):
        r = client.get(url)
        assert r.status_code == 404, url
        assert "text/html" in r.headers["content-type"] and "Not found" in r.text
    for url, detail in (("/api/stories/999", "story not found"), ("/api/articles/999", "article not found")):
        r = client.get(url)
        assert r.status_code == 404 and r.json() == {"detail": detail}


# -- API --------------------------------------------------------------------------------------------------------
def test_api_stories_and_story(client, db):
    listing = client.get("/api/stories").json()
    assert listing["total"] == 2 and [s["id"] for s in listing["stories"]] == [db["s2"], db["s1"]]
    assert listing["stories"][1]["teaser"] == "Officials said 12 people died."
    assert client.get("/api/stories?limit=1&offset=1").json()["stories"][0]["id"] == db["s1"]
    story = client.get(f"/api/stories/{db['s1']}").json()
    assert story["headline"] == "Quake hits coast"
    assert story["first_published"].startswith("2007-03-12") and story["last_published"].startswith("2007-04-02")
    assert story["outlets"] == ["Alpha News", "Beta Times", "Gamma Wire"] and story["article_count"] == 3
    second = story["brief"][1]
    assert second["article_id"] == db["a2"].id and second["outlet"] == "Beta Times"
    assert second["also_outlets"] == ["Gamma Wire"] and second["published"].startswith("2007-04-02")
    assert [a["id"] for a in story["articles"]] == [db["a1"].id, db["a2"].id, db["a3"].id]
    assert story["related"] == [{"id": db["s2"], "headline": "Markets and storms", "score": 0.31}]
    assert client.get(f"/api/stories/{db['s2']}").json()["related"] == []


def test_api_article_and_search(client, db):
    a = client.get(f"/api/articles/{db['a2'].id}").json()
    assert a["text"] == db["a2"].text and a["story_id"] == db["s1"]
    assert [d["id"] for d in a["duplicates"]] == [db["a3"].id]
    evil = client.get(f"/api/articles/{db['evil'].id}").json()
    assert evil["title"] == EVIL_TITLE  # JSON carries the data as is; escaping is the HTML layer's job
    hits = client.get("/api/search", params={"q": "markets"}).json()["results"]
    assert hits and hits[0]["article"]["id"] == db["evil"].id
    snippet, (start, end) = hits[0]["snippet"], hits[0]["highlights"][0]
    assert snippet[start:end] == "Markets" and "\x02" not in snippet


def test_openapi_documents_the_models(client):
    docs = client.get("/docs")
    assert docs.status_code == 200
    # The docs page must load its scripts from this server: newsdesk often runs without internet access.
    assert "cdn.jsdelivr" not in docs.text and "unpkg.com" not in docs.text
    asset = docs.text.split('src="', 1)[1].split('"', 1)[0]
    assert client.get(asset).status_code == 200
    spec = client.get("/openapi.json").json()
    assert {"/api/stories", "/api/stories/{story_id}", "/api/articles/{article_id}", "/api/search"} <= set(spec["paths"])
    assert {"StoryList", "StoryDetail", "ArticleDetail", "SearchResults", "BriefSentenceOut"} <= set(
        spec["components"]["schemas"])
    assert "404" in spec["paths"]["/api/stories/{story_id}"]["get"]["responses"]
    assert "/stories/{story_id}" not in spec["paths"]  # HTML pages stay out of the API docs


# -- static export ----------------------------------------------------------------------------------------------
def test_export_writes_a_site_whose_relative_links_resolve(tmp_path, db):
    out = tmp_path / "site"
    n = export_site(db["path"], out)
    files = sorted(p for p in out.rglob("*") if p.is_file())
    assert n == len(files)
    names = {p.relative_to(out).as_posix() for p in files}
    assert {"index.html", "about.html", "static/style.css", f"stories/{db['s1']}.html",
            f"articles/{db['evil'].id}.html"} <= names
    checked = 0
    for page in (p for p in files if p.suffix == ".html"):
        text = page.read_text(encoding="utf-8")
        for bad in RAW_MARKUP:
            assert bad not in text, (page, bad)
        for link in parse(text).links:
            parts = urlsplit(link)
            if parts.scheme in ("http", "https"):
                continue
            assert not link.startswith("/"), (page, link)  # absolute paths break when opened from disk
            target = (page.parent / unquote(parts.path)).resolve() if parts.path else page
            assert target.is_file(), (page, link)
            if parts.fragment:
                assert parts.fragment in parse(target.read_text(encoding="utf-8")).ids, (page, link)
            checked += 1
    assert checked > 20
    story = (out / "stories" / f"{db['s1']}.html").read_text()
    assert f'href="../articles/{db["a1"].id}.html#s1"' in story and 'href="../static/style.css"' in story
    assert 'action="/search"' not in (out / "index.html").read_text()


# -- the real server --------------------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_serve_runs_a_real_server(db):
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-c", "from newsdesk.web.serve import serve; from newsdesk.settings import ServerSettings; "
         f"serve({db['path']!r}, ServerSettings(port={port}))"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=Path(__file__).parent.parent,
    )
    try:
        assert proc.stdout.readline().strip() == f"newsdesk is serving 2 stories on http://127.0.0.1:{port}/"
        deadline = time.monotonic() + 20
        while True:
            try:
                r = httpx.get(f"http://127.0.0.1:{port}/", timeout=2)
                break
            except httpx.TransportError:
                assert proc.poll() is None and time.monotonic() < deadline, "server did not start"
                time.sleep(0.1)
        assert r.status_code == 200 and "Quake hits coast" in r.text
        assert httpx.get(f"http://127.0.0.1:{port}/static/style.css").status_code == 200
    finally:
        proc.terminate()
        proc.wait(timeout=10)


# -- Atom feeds -------------------------------------------------------------------------------------------------
ATOM = "{http://www.w3.org/2005/Atom}"


def _entries(body: bytes) -> list:
    import xml.etree.ElementTree as ET

    root = ET.fromstring(body)
    assert root.tag == ATOM + "feed" and root.find(ATOM + "id") is not None and root.find(ATOM + "updated") is not None
    return root.findall(ATOM + "entry")


def test_atom_feed_has_one_entry_per_story_newest_first_with_credited_brief(client, db):
    r = client.get("/feed.atom")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/atom+xml")
    entries = _entries(r.content)
    ids = [e.find(ATOM + "id").text for e in entries]
    assert ids == [f"{LOCAL}/stories/{db['s2']}", f"{LOCAL}/stories/{db['s1']}"]  # built on the public URL
    quake = entries[1]
    assert quake.find(ATOM + "title").text == "Quake hits coast"
    assert quake.find(ATOM + "link").get("href") == f"{LOCAL}/stories/{db['s1']}"
    content = quake.find(ATOM + "content")
    assert content.get("type") == "html"
    html_text = content.text
    # every brief sentence verbatim, linked to its sentence in its article, the wire copy credited
    assert quote(db["a1"], 1).text in html_text and f"/articles/{db['a1'].id}#s1" in html_text
    assert "Gamma Wire" in html_text
    assert {a.find(ATOM + "name").text for a in quake.findall(ATOM + "author")} == {"Alpha News", "Beta Times",
                                                                                  "Gamma Wire"}
    # untrusted text is escaped inside the entry's HTML, never live markup
    evil = entries[0].find(ATOM + "content").text
    assert "<script>" not in evil and "&lt;script&gt;" in evil


def test_search_feed_follows_a_query_and_pages_link_to_it(client, db):
    entries = _entries(client.get("/search.atom", params={"q": "rubble"}).content)
    assert [e.find(ATOM + "id").text for e in entries] == [f"{LOCAL}/stories/{db['s1']}"]
    assert _entries(client.get("/search.atom", params={"q": "zzzqqq"}).content) == []
    assert client.get("/search.atom").status_code == 422
    page = client.get("/search", params={"q": "rubble"}).text
    assert 'href="/search.atom?q=rubble"' in page
    assert 'type="application/atom+xml"' in client.get("/").text


def test_sample_attribution_only_when_sample_articles_are_stored(tmp_path, client, db):
    assert "Wikinews" not in client.get("/").text.split('<footer class="site">')[1]
    from newsdesk.pipeline import ingest_sample

    path = str(tmp_path / "sample.db")
    with Store(path) as store:
        ingest_sample(store)
    footer = TestClient(create_app(path), base_url=LOCAL).get("/").text.split('<footer class="site">')[1]
    assert "Wikinews" in footer and "CC BY 3.0" in footer


# -- text XML 1.0 forbids, from an article or a query -----------------------------------------------------------
# Every C0 control but tab, LF and CR, and the two non-characters: valid in a Python string and in SQLite,
# forbidden in XML 1.0 (lxml, which feedgen writes with, refuses them outright).
XML_FORBIDDEN = "".join(chr(c) for c in range(0x20) if c not in (0x09, 0x0A, 0x0D)) + "\ufffe\uffff"


@pytest.fixture
def control_db(tmp_path) -> dict:
    path = str(tmp_path / "control.db")
    with Store(path) as store:
        sid = store.new_story()
        a = add(store, f"Harbour{XML_FORBIDDEN} fire", f"A fire broke out{XML_FORBIDDEN} in the harbour on Monday. "
                "Crews came from three towns.", f"Port{XML_FORBIDDEN} Gazette", datetime(2020, 1, 6),
                url="https://port.example/fire")
        store.assign(a.id, sid)
        store.save_story(sid, Brief(headline=f"Harbour{XML_FORBIDDEN} fire", headline_article_id=a.id,
                                    sentences=[quote(a, 0)]))
    return {"path": path, "sid": sid, "article": a}


def test_control_characters_never_break_a_feed_a_page_or_the_api(control_db):
    import xml.etree.ElementTree as ET

    import feedparser
    from lxml import etree

    client = TestClient(create_app(control_db["path"]), base_url=LOCAL)
    for url in ("/feed.atom", "/search.atom?q=harbour", "/search.atom?q=%00",
                "/search.atom?q=" + quote_url(f"fire{XML_FORBIDDEN}")):
        r = client.get(url)
        assert r.status_code == 200, (url, r.text[:200])
        etree.fromstring(r.content)  # libxml2, strict
        entries = _entries(r.content)  # expat
        assert not feedparser.parse(r.content).bozo, url  # what feed readers use, strict about well-formedness
        if "%00" not in url:
            (entry,) = entries
            assert entry.find(ATOM + "title").text == "Harbour fire"
            assert "A fire broke out" in entry.find(ATOM + "content").text
    assert ET.fromstring(client.get("/search.atom?q=%00").content).find(ATOM + "title").text == \
        "newsdesk: stories matching “”"
    a = control_db["article"]
    for url in ("/", f"/stories/{control_db['sid']}", f"/articles/{a.id}", "/search?q=harbour", "/search?q=%00",
                "/api/stories", f"/api/stories/{control_db['sid']}", f"/api/articles/{a.id}",
                "/api/search?q=harbour", "/api/search?q=%00"):
        assert client.get(url).status_code == 200, url
    assert client.get(f"/api/articles/{a.id}").json()["title"] == f"Harbour{XML_FORBIDDEN} fire"  # data kept as is


def test_atom_drops_lone_surrogates_and_forbidden_characters_from_any_string():
    import xml.etree.ElementTree as ET

    from newsdesk.models import Story
    from newsdesk.web.atom import stories_feed

    story = Story(id=7, headline="Half\ud800 a pair\x1b", article_ids=[1], outlets=["Out\udfff\x00let"],
                  brief=Brief(headline="x", sentences=[BriefSentence(text="Said\x0c so.", article_id=1, position=0,
                                                                     outlet="Out\x00let")]))
    body = stories_feed([story], LOCAL, "q \ud800\x00", LOCAL + "/feed.atom")
    (entry,) = _entries(body)
    assert entry.find(ATOM + "title").text == "Half a pair"
    assert entry.find(ATOM + "author").find(ATOM + "name").text == "Outlet"
    assert "Said so." in entry.find(ATOM + "content").text
    assert ET.fromstring(body).find(ATOM + "title").text == "q "


# -- search: bounded query and time ---------------------------------------------------------------------------
def test_a_long_or_wordy_search_is_refused_with_a_clear_message(client, db):
    from newsdesk.settings import LIMITS

    flood = " ".join(["rubble"] * 4000)  # 28,000 characters: 10 s of SQLite time when it was run as given
    for url in ("/search", "/api/search", "/search.atom"):
        r = client.get(url, params={"q": flood})
        assert r.status_code == 400, url
        assert f"at most {LIMITS.search_chars} characters" in html.unescape(r.text), url
    many = " ".join(f"w{i}" for i in range(LIMITS.search_terms + 1))
    r = client.get("/api/search", params={"q": many})
    assert r.status_code == 400 and f"at most {LIMITS.search_terms} different words" in r.json()["detail"]
    # a word repeated within the limits is one term: the same hits as the word once
    once = client.get("/api/search", params={"q": "rubble"}).json()["results"]
    again = client.get("/api/search", params={"q": " ".join(["rubble"] * 20)}).json()["results"]
    assert once and [h["article"]["id"] for h in again] == [h["article"]["id"] for h in once]
    # exactly at the limits is allowed
    assert client.get("/api/search", params={"q": "x" * LIMITS.search_chars}).status_code == 200


def test_a_search_past_its_time_limit_is_stopped_and_answered(any_db, monkeypatch):
    """A query that SQLite works on for seconds (thousands of terms, every article matching all of them) is
    stopped at the time limit (an interrupt from a timer; PostgreSQL: statement_timeout), and /search,
    /api/search and /search.atom say so."""
    import dataclasses

    import newsdesk.store
    import newsdesk.store.search
    from newsdesk.settings import LIMITS

    words = [f"w{i}x" for i in range(3000)]
    path = any_db
    with Store(path) as store:
        for k in range(40):
            add(store, f"List {k}", " ".join(words) + ".", "Lists", datetime(2020, 1, 1))
    monkeypatch.setattr(newsdesk.store.search, "LIMITS", dataclasses.replace(
        LIMITS, search_chars=10**6, search_terms=10**6, search_seconds=0.3))
    client = TestClient(create_app(path), base_url=LOCAL)
    q = " ".join(words)
    for url in ("/search", "/api/search", "/search.atom"):
        started = time.monotonic()
        r = client.get(url, params={"q": q})
        assert time.monotonic() - started < 3, url  # unbounded, SQLite works on this query for 5 to 10 s
        assert r.status_code == 503 and "took longer than 0.3 s" in html.unescape(r.text), (url, r.text[:300])
    with Store(path) as store:  # the connection is usable again after the interrupt
        with pytest.raises(newsdesk.store.SearchTimedOut):
            store.search(q)
        assert len(store.articles()) == 40 and len(store.search("w7x")) == 40
