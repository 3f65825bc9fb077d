"""Coverage of a story (newsdesk/outlets.py): outlets, their first reports, their countries, the first outlet."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from fastapi.testclient import TestClient

from newsdesk.models import Article, Brief, RawInput
from newsdesk.outlets import country_of, coverage, domain_of
from newsdesk.store import Store
from newsdesk.web import create_app


def test_country_from_cctld_or_the_shipped_list_and_never_guessed():
    assert country_of(None, "https://www.bbc.co.uk/news/1").code == "GB"
    assert country_of(None, "https://www.bbc.co.uk/news/1").source == "domain"
    assert country_of(None, "https://www.spiegel.de/x").code == "DE"
    assert country_of(None, "http://news.example.fr/a").code == "FR"
    # a generic TLD: the shipped list, by domain, a parent domain, or the outlet's name
    assert country_of(None, "https://edition.cnn.com/2024/x").code == "US"
    assert country_of(None, "https://edition.cnn.com/2024/x").source == "list"
    assert country_of("Al  Jazeera", None).code == "QA"
    assert country_of("reuters", "https://example.com/x").code == "GB"
    # unknown stays unknown: generic TLDs, ccTLDs sold as generic names, no URL, other schemes
    for outlet, url in [(None, "https://example.com/a"), ("Tiny Blog", "https://tiny.tv/x"), ("Wikinews", None),
                        (None, "https://startup.io/"), (None, "javascript:alert(1)"), (None, "not a url")]:
        assert country_of(outlet, url) is None, (outlet, url)
    assert domain_of("HTTPS://WWW.Example.ORG/x") == "example.org" and domain_of("ftp://x.org/") is None


def _a(i, outlet, hours, url=None, dup=None):
    when = None if hours is None else datetime(2024, 5, 1, tzinfo=timezone.utc) + timedelta(hours=hours)
    return Article(id=i, title=f"t{i}", text="x", outlet=outlet, url=url, published=when, duplicate_of=dup)


def test_coverage_orders_outlets_by_first_report_and_counts_copies():
    got = coverage([
        _a(1, "Beta", 5, "https://beta.de/1"), _a(2, "Alpha", 3), _a(3, "beta", 1, dup=2),
        _a(4, None, 2, "https://www.gamma.co.uk/x"), _a(5, "Undated", None), _a(6, "Alpha", 9),
    ])
    assert [o.name for o in got] == ["Beta", "gamma.co.uk", "Alpha", "Undated"]  # as first spelled
    beta, gamma, alpha, undated = got
    assert beta.first_article_id == 3 and beta.articles == 2 and beta.copies == 1
    assert beta.domain == "beta.de" and beta.country.code == "DE"  # the URL of its other article tells
    assert gamma.country.name == "United Kingdom" and alpha.country is None
    assert alpha.first_article_id == 2 and alpha.articles == 2 and alpha.article_ids == [2, 6]
    assert undated.first_published is None and undated.first_article_id == 5
    # times in other offsets are compared in UTC
    east = datetime(2024, 5, 1, 8, tzinfo=timezone(timedelta(hours=10)))  # 22:00 the day before, UTC
    west = datetime(2024, 4, 30, 23, tzinfo=timezone.utc)
    first = coverage([Article(id=1, title="", text="", outlet="West", published=west),
                      Article(id=2, title="", text="", outlet="East", published=east)])[0]
    assert first.name == "East"


def test_story_page_shows_coverage_with_the_first_outlet(tmp_path):
    path = str(tmp_path / "c.db")
    with Store(path) as store:
        sid = store.new_story()
        for i, (outlet, url, hours) in enumerate([("Le Monde", "https://www.lemonde.fr/a", 4),
                                                  ("Nippon Daily", "https://daily.example.jp/b", 1),
                                                  ("Somewhere", None, 7)]):
            raw = RawInput(body=f"r{i}".encode(), kind="text", origin=f"r{i}")
            store.put_raw(raw)
            a = Article(title=f"Report {i}", text="A report.", outlet=outlet, url=url, raw_sha256=raw.sha256,
                        published=datetime(2024, 5, 1, tzinfo=timezone.utc) + timedelta(hours=hours))
            store.add_article(a)
            store.assign(a.id, sid)
        store.save_story(sid, Brief(headline="A story", sentences=[]))
    page = TestClient(create_app(path), base_url="http://127.0.0.1:8000").get(f"/stories/{sid}").text
    section = page[page.index('id="coverage-h"'):]
    section = section[:section.index("</section>")]
    assert '<strong class="first-outlet">Nippon Daily</strong> first' in section
    assert section.index("Nippon Daily") < section.index("Le Monde") < section.index("Somewhere")
    assert "Japan" in section and "France" in section and "unknown" in section


def test_one_timeline_merges_dated_events_and_reports_in_time_order():
    from newsdesk.web.views.stories import merged_timeline

    day = lambda d: datetime(2010, 1, d)  # noqa: E731
    articles = [Article(id=1, title="First report", text="", published=day(12)),
                Article(id=2, title="Later report", text="", published=day(20)),
                Article(id=3, title="Undated report", text="", published=None)]
    events = [{"day": day(15), "granularity": "day", "text": "Aid arrived."},
              {"day": day(12), "granularity": "day", "text": "The quake struck."},
              {"day": day(1), "granularity": "month", "text": "A month of aftershocks."},
              {"day": datetime(2010, 1, 1), "granularity": "year", "text": "The year of the quake."},
              {"day": None, "granularity": "day", "text": "no date"}]
    got = merged_timeline(articles, events)
    assert [(g["granularity"], g["day"]) for g in got] == [
        ("year", datetime(2010, 1, 1)), ("month", day(1)), ("day", day(12)), ("day", day(15)), ("day", day(20)),
        (None, None)]
    twelfth = got[2]
    assert [e["text"] for e in twelfth["events"]] == ["The quake struck."]
    assert [a.id for a in twelfth["articles"]] == [1]
    assert [a.id for a in got[-1]["articles"]] == [3] and not got[-1]["events"]
