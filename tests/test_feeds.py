"""Feeds end to end against a local news site on 127.0.0.1: subscribe, poll, see new stories, conditional GET,
feed formats, OPML, the feeds page and API, and the CLI verbs."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest
from fastapi.testclient import TestClient

from newsdesk.sources.feeds import FeedError, parse_feed
from newsdesk.sources.fetch import Fetcher, FetchSettings
from newsdesk.sources.opml import OPMLError, Subscription, parse_opml, to_opml
from newsdesk.store import Store
from newsdesk.watch import poll_once
from newsdesk.web import create_app

from conftest import run_cli
from newsserver import NewsServer, article_html, rss, static
from webauth import LOCAL, api_client

TOPICS = [("Council approves new tram line", "the tram line"), ("Harbour cleanup begins", "the harbour cleanup"),
          ("School budget doubled", "the school budget")]


def local_settings() -> FetchSettings:
    return FetchSettings(allow_private=True, host_delay=0.0, retries=0, timeout=5.0)


def publish(server: NewsServer, n: int) -> None:
    """The feed lists the first n topics, newest first, and every listed page is served."""
    items = []
    for i, (title, topic) in enumerate(TOPICS[:n]):
        path = f"/news/{i}.html"
        server.routes[path] = static(article_html(title, topic, day=["Monday", "Tuesday", "Friday"][i]))
        items.append({"title": title, "link": server.url(path)})
    server.routes["/feed.xml"] = static(rss(items[::-1]), "application/rss+xml", etag=True)


def later(hours: float = 1) -> datetime:
    return datetime.now(timezone.utc) + timedelta(hours=hours)


def test_new_items_become_new_stories_after_a_poll(tmp_path):
    db = str(tmp_path / "n.db")
    with NewsServer() as server, Store(db) as store, Fetcher(local_settings()) as fetcher:
        publish(server, 2)
        fid, new = store.add_feed(server.url("/feed.xml"))
        assert new and store.add_feed(server.url("/feed.xml")) == (fid, False)
        report = poll_once(store, fetcher)
        assert (report.new_items, report.articles, report.failures) == (2, 2, [])
        client = TestClient(create_app(db), base_url=LOCAL)
        headlines = {s["headline"] for s in client.get("/api/stories").json()["stories"]}
        assert headlines == {TOPICS[0][0], TOPICS[1][0]}

        # not due yet: nothing is fetched
        before = server.requests_to("/feed.xml")
        assert poll_once(store, fetcher).feeds == 0 and server.requests_to("/feed.xml") == before

        publish(server, 3)
        report = poll_once(store, fetcher, now=later())
        assert (report.new_items, report.articles) == (1, 1)
        stories = client.get("/api/stories").json()["stories"]
        assert TOPICS[2][0] in {s["headline"] for s in stories} and len(stories) == 3
        page = client.get("/").text
        assert TOPICS[2][0] in page

        # the article keeps the outlet, date with its zone, and author from the page
        a = store.articles()[0]
        assert a.outlet == "Local Gazette" and a.authors == ["Ann Writer"]
        assert a.published.utcoffset() == timedelta(hours=2)

        feed = store.get_feed(fid)
        assert feed["items_seen"] == 3 and feed["articles"] == 3 and feed["title"] == "Local Gazette"
        assert feed["last_success_at"] and feed["last_error"] is None


def test_conditional_get_sends_validators_and_handles_304(tmp_path):
    with NewsServer() as server, Store(str(tmp_path / "c.db")) as store, Fetcher(local_settings()) as fetcher:
        publish(server, 1)
        store.add_feed(server.url("/feed.xml"))
        poll_once(store, fetcher)
        report = poll_once(store, fetcher, now=later())
        feed_requests = [h for _, p, h in server.log if p == "/feed.xml"]
        assert "if-none-match" not in feed_requests[0]
        assert feed_requests[1]["if-none-match"].startswith('"')
        assert feed_requests[1]["if-modified-since"] == "Mon, 06 May 2024 07:00:00 GMT"
        assert ("/feed.xml", 304) in server.status_log
        assert report.new_items == 0 and report.failures == []
        assert store.feeds()[0]["last_error"] is None


def test_atom_and_json_feed_and_rss1():
    atom = b"""<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>A</title>
      <link href="http://a.example/"/><entry><id>tag:a,1</id><title>One</title>
      <link href="http://a.example/1"/><updated>2024-05-06T10:00:00+02:00</updated></entry></feed>"""
    f = parse_feed(atom)
    assert f.title == "A" and [(i.key, i.url) for i in f.items] == [("tag:a,1", "http://a.example/1")]
    assert f.items[0].published == datetime(2024, 5, 6, 8, 0, tzinfo=timezone.utc)

    rdf = b"""<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
      xmlns="http://purl.org/rss/1.0/"><channel rdf:about="http://r.example/"><title>R</title>
      <link>http://r.example/</link></channel><item rdf:about="http://r.example/1"><title>X</title>
      <link>http://r.example/1</link></item></rdf:RDF>"""
    assert [i.url for i in parse_feed(rdf).items] == ["http://r.example/1"]

    jf = json.dumps({"version": "https://jsonfeed.org/version/1.1", "title": "J", "items": [
        {"id": "1", "url": "http://j.example/1", "title": "T", "date_published": "2024-05-06T10:00:00+02:00"},
        {"id": "2", "external_url": "http://j.example/2"}, "junk"]}).encode()
    f = parse_feed(jf)
    assert [i.url for i in f.items] == ["http://j.example/1", "http://j.example/2"]
    assert f.items[0].published.utcoffset() == timedelta(hours=2)

    with pytest.raises(FeedError):
        parse_feed(b'{"version": "1"}')
    with pytest.raises(FeedError):
        parse_feed(b"<html><body>not a feed</body></html>")


def test_opml_round_trip_and_nested_folders():
    data = b"""<?xml version="1.0"?><opml version="1.0"><head/><body>
      <outline text="News"><outline text="One" title="One" xmlUrl="http://a.example/rss" htmlUrl="http://a.example/"/>
      <outline text="Two" xmlUrl="http://b.example/atom"/></outline>
      <outline text="dup" xmlUrl="http://a.example/rss"/><outline text="folder only"/></body></opml>"""
    subs = parse_opml(data).subscriptions
    assert [(s.url, s.title) for s in subs] == [("http://a.example/rss", "One"), ("http://b.example/atom", "Two")]
    again = parse_opml(to_opml(subs + [Subscription("http://c.example/?a=1&b=<2>", "C & D")]).encode()).subscriptions
    assert [s.url for s in again] == [s.url for s in subs] + ["http://c.example/?a=1&b=<2>"]
    assert again[-1].title == "C & D" and again[0].site_url == "http://a.example/"
    with pytest.raises(OPMLError):
        parse_opml(b"<opml><body><outline")
    with pytest.raises(OPMLError):
        parse_opml(b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><opml><body>&a;</body></opml>')


def test_feeds_page_and_api(any_db):  # on SQLite and PostgreSQL
    db = any_db
    with NewsServer() as server, Store(db) as store, Fetcher(local_settings()) as fetcher:
        publish(server, 1)
        store.add_feed(server.url("/feed.xml"))
        store.add_feed(server.url("/missing.xml"))
        poll_once(store, fetcher)
    client = api_client(db)  # reads need nothing; the subscription below needs the token
    feeds = client.get("/api/feeds").json()["feeds"]
    ok, bad = feeds
    assert ok["items_seen"] == 1 and ok["articles"] == 1 and ok["last_success_at"] and not ok["failing"]
    assert bad["failing"] and bad["last_error"] == "HTTP 404" and bad["last_success_at"] is None
    page = client.get("/feeds").text
    assert "Local Gazette" in page and "HTTP 404" in page
    assert 'href="/feeds"' in client.get("/").text

    r = client.post("/api/feeds", json={"url": "https://news.example/rss"})
    assert r.status_code == 201 and r.json()["items_seen"] == 0
    assert client.post("/api/feeds", json={"url": "javascript:alert(1)"}).status_code == 422
    assert len(client.get("/api/feeds").json()["feeds"]) == 3


@pytest.mark.slow
def test_cli_feeds_and_watch_once(tmp_path):
    db = str(tmp_path / "cli.db")
    with NewsServer() as server:
        publish(server, 2)
        r = run_cli("feeds", "add", server.url("/feed.xml"), db=db)
        assert r.returncode == 0 and "added feed 1" in r.stdout
        assert run_cli("feeds", "add", "ftp://x", db=db).returncode == 2

        # private addresses are refused unless allowed
        r = run_cli("watch", "--once", db=db)
        assert r.returncode == 1 and "non-public address 127.0.0.1" in r.stderr

        with Store(db) as store:  # make it due again
            store.db.execute("UPDATE feeds SET next_poll_at = NULL")
            store.db.commit()
        r = run_cli("watch", "--once", "--allow-private", "--host-delay", "0", db=db)
        assert r.returncode == 0, r.stderr
        assert "2 new articles" in r.stdout and "2 new stories" in r.stdout

        listed = run_cli("feeds", "list", "--json", db=db)
        row = json.loads(listed.stdout.splitlines()[0])
        assert row["items_seen"] == 2 and row["last_success_at"] and "non-public" in row["last_error"]

        exported = run_cli("feeds", "export", db=db).stdout
        opml = tmp_path / "subs.opml"
        opml.write_text(exported)
        db2 = str(tmp_path / "cli2.db")
        r = run_cli("feeds", "import", str(opml), db=db2)
        assert r.returncode == 0 and "imported 1 new feeds" in r.stdout
        assert server.url("/feed.xml") in run_cli("feeds", "list", db=db2).stdout


def test_background_polling_shows_new_items_in_the_ui(tmp_path):
    """What `serve` runs: the polling thread picks up items as the site publishes them, the UI shows them."""
    import time

    from newsdesk.watch import watch_in_background

    db = str(tmp_path / "bg.db")
    with NewsServer() as server:
        publish(server, 1)
        with Store(db) as store:
            fid, _ = store.add_feed(server.url("/feed.xml"))
            store.db.execute("UPDATE feeds SET poll_seconds = 1 WHERE id = ?", (fid,))
            store.db.commit()
        thread, stop = watch_in_background(db, local_settings(), tick=0.2, log=lambda m: None)
        client = TestClient(create_app(db), base_url=LOCAL)
        try:
            def wait_for(headline: str) -> bool:
                deadline = time.monotonic() + 30
                while time.monotonic() < deadline:
                    if headline in client.get("/").text:
                        return True
                    time.sleep(0.2)
                return False

            assert wait_for(TOPICS[0][0])
            publish(server, 2)
            assert wait_for(TOPICS[1][0])
            assert client.get("/api/feeds").json()["feeds"][0]["items_seen"] == 2
        finally:
            stop.set()
            thread.join(10)
        assert not thread.is_alive()


def test_shorter_poll_interval_takes_effect_before_the_next_scheduled_poll(any_db):  # SQLite and PostgreSQL
    with Store(any_db) as store:
        fid, _ = store.add_feed("https://example.org/feed.xml")
        polled = datetime.now(timezone.utc)
        store.feed_polled(fid, error=None, next_poll_at=polled + timedelta(hours=1))
        assert store.due_feeds(polled + timedelta(seconds=30)) == []
        store.add_feed("https://example.org/feed.xml", poll_seconds=10)  # as `feeds add --every 10` does
        assert [f["id"] for f in store.due_feeds(polled + timedelta(seconds=30))] == [fid]
        # a longer interval leaves the poll already scheduled alone
        store.feed_polled(fid, error=None, next_poll_at=polled + timedelta(seconds=10))
        store.add_feed("https://example.org/feed.xml", poll_seconds=7200)
        assert [f["id"] for f in store.due_feeds(polled + timedelta(seconds=30))] == [fid]


def test_interval_shortened_while_a_poll_runs_takes_effect(any_db):  # on SQLite and PostgreSQL
    from newsdesk.watch import PollReport, poll_feed

    with NewsServer() as server, Store(any_db) as store, Fetcher(local_settings()) as fetcher:
        publish(server, 1)
        fid, _ = store.add_feed(server.url("/feed.xml"))
        (feed,) = store.due_feeds()  # the poller read the subscription: 900 s
        store.add_feed(server.url("/feed.xml"), poll_seconds=2)  # the user shortens it meanwhile
        start = datetime.now(timezone.utc)
        poll_feed(store, fetcher, feed, PollReport(), now=start)
        assert store.due_feeds(start + timedelta(seconds=1)) == []
        assert [f["id"] for f in store.due_feeds(start + timedelta(seconds=3))] == [fid]


def test_charset_only_in_the_content_type_reaches_the_stored_titles(tmp_path):
    """A KOI8-R feed with no XML declaration, its charset named only by the HTTP Content-Type, polled for real."""
    titles = ["Новая трамвайная линия", "Уборка в гавани"]
    with NewsServer() as server, Store(str(tmp_path / "k.db")) as store, Fetcher(local_settings()) as fetcher:
        items = "".join(f"<item><title>{t}</title><link>{server.url(f'/ru/{i}.html')}</link></item>"
                        for i, t in enumerate(titles))
        body = f"<rss version='2.0'><channel><title>Городские новости</title>{items}</channel></rss>".encode("koi8-r")
        server.routes["/ru.xml"] = static(body, "application/rss+xml; charset=koi8-r")
        fid, _ = store.add_feed(server.url("/ru.xml"))
        poll_once(store, fetcher)  # the item pages are not served: no article, so no build; titles come first
        feed = store.get_feed(fid)
        assert feed["last_error"] is None and feed["title"] == "Городские новости"
        assert sorted(i["title"] for i in store.feed_items(fid)) == sorted(titles)


def test_well_formed_feed_without_items_or_title_is_a_success(tmp_path):
    with NewsServer() as server, Store(str(tmp_path / "e.db")) as store, Fetcher(local_settings()) as fetcher:
        server.routes["/quiet.xml"] = static('<?xml version="1.0"?><rss version="2.0"><channel>'
                                             "<link>http://q.example/</link></channel></rss>", "application/rss+xml")
        server.routes["/quiet.atom"] = static('<feed xmlns="http://www.w3.org/2005/Atom"/>', "application/atom+xml")
        ids = [store.add_feed(server.url(p))[0] for p in ("/quiet.xml", "/quiet.atom")]
        report = poll_once(store, fetcher)
        assert report.failures == [] and report.feeds == 2
        for fid in ids:
            feed = store.get_feed(fid)
            assert feed["last_error"] is None and feed["last_success_at"], feed


def test_content_location_is_the_base_of_relative_item_links(tmp_path):
    with NewsServer() as server, Store(str(tmp_path / "l.db")) as store, Fetcher(local_settings()) as fetcher:
        server.routes["/feeds/main.xml"] = static(
            "<rss version='2.0'><channel><title>L</title><item><title>One</title><link>1.html</link></item>"
            "</channel></rss>", "application/rss+xml", headers={"Content-Location": "/news/feed.xml"})
        fid, _ = store.add_feed(server.url("/feeds/main.xml"))
        poll_once(store, fetcher)
        assert [i["url"] for i in store.feed_items(fid)] == [server.url("/news/1.html")]
        assert server.requests_to("/news/1.html") == 1
