"""parse_feed against other projects' test material: feedparser's whole test corpus (2,107 feeds, served with the
HTTP headers its own harness serves them with), gofeed's universal-parser and JSON Feed documents, and hostile
JSON Feeds. parse_feed must give well-typed records or raise FeedError, whatever the bytes."""
from __future__ import annotations

import json
import re
import tarfile
from datetime import datetime, timezone
from pathlib import Path

import pytest

from newsdesk.sources.feeds import Feed, FeedError, FeedItem, parse_feed
from newsdesk.store import Store

DATA = Path(__file__).parent / "data"
CORPUS = DATA / "feedparser" / "feedparser-tests.tar.gz"
# feedparser's tests/helpers.py reads the HTTP headers to serve a file with from these lines of its leading comment,
# and what the parse must give from its Expect: line
HEADER_LINE = re.compile(r"^Header:\s+([^:]+):(.*)$", re.MULTILINE)
EXPECT_LINE = re.compile(r"Description:\s*(.*?)\s*Expect:\s*(.*)\s*-->")


def corpus() -> list[tuple[str, bytes]]:
    with tarfile.open(CORPUS) as tar:
        return [(m.name, tar.extractfile(m).read()) for m in tar.getmembers() if m.isfile()]


def served_as_feedparser_serves(path: str, data: bytes) -> tuple[str | None, dict | None]:
    """(url, response headers with lower-case names) as feedparser's harness serves the file: files with "http"
    in their path come from http://127.0.0.1:8097/<path> with their Header: lines and text/xml by default; the
    others are parsed with no URL and no headers."""
    if "http" not in path:
        return None, None
    text = data.decode("utf-8", "ignore")
    headers = {name.strip().lower(): value.strip() for name, value in HEADER_LINE.findall(text)}
    headers.setdefault("content-type", "text/xml")
    return f"http://127.0.0.1:8097/{path}", headers


def type_problems(feed) -> list[str]:
    """What in a parse result is not the type the store and the pages rely on (str that SQLite can store)."""
    def text_ok(value, optional=True) -> bool:
        if value is None:
            return optional
        if not isinstance(value, str):
            return False
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate: sqlite3 refuses to bind it
            return False
        return True

    if not isinstance(feed, Feed):
        return [f"not a Feed: {type(feed).__name__}"]
    out = [f"Feed.{n} is {getattr(feed, n)!r}" for n in ("title", "site_url", "warning")
           if not text_ok(getattr(feed, n))]
    if not isinstance(feed.items, list):
        return out + [f"Feed.items is {type(feed.items).__name__}"]
    for i, item in enumerate(feed.items):
        if not isinstance(item, FeedItem):
            out.append(f"item {i} is {type(item).__name__}")
            continue
        if not text_ok(item.key, optional=False) or not item.key:
            out.append(f"item {i} key {item.key!r}")
        out += [f"item {i} {n} {getattr(item, n)!r}" for n in ("url", "title", "summary")
                if not text_ok(getattr(item, n))]
        p = item.published
        if p is not None and not (isinstance(p, datetime) and p.tzinfo is not None):
            out.append(f"item {i} published {p!r}")
    return out


def check_corpus(parse) -> tuple[list[str], int]:
    failures, refused = [], 0
    for path, data in corpus():
        try:
            feed = parse(path, data)
        except FeedError as e:
            assert str(e), path
            refused += 1
            continue
        except Exception as e:  # noqa: BLE001 - the point: name every file that raises anything else
            failures.append(f"{path}: raised {type(e).__name__}: {e}")
            continue
        failures += [f"{path}: {p}" for p in type_problems(feed)]
    return failures, refused


def test_feedparser_corpus_gives_typed_records_or_feed_error():
    """Every file of feedparser's corpus, served as its harness serves it: a typed Feed or a FeedError."""
    failures, refused = check_corpus(lambda path, data: parse_feed(data, *served_as_feedparser_serves(path, data)))
    assert not failures, "\n".join(failures[:20])
    assert len(corpus()) > 2000 and refused < 100  # most of the corpus is feeds, and they are read


def test_feedparser_corpus_from_a_server_that_names_no_type_and_cut_short():
    """The same files from a server that sends no Content-Type, and every file cut in half."""
    failures, _ = check_corpus(lambda path, data: parse_feed(data, "http://127.0.0.1:8097/" + path, {}))
    assert not failures, "\n".join(failures[:20])
    failures, _ = check_corpus(lambda path, data: parse_feed(data[: len(data) // 2], "http://x.example/" + path))
    assert not failures, "\n".join(failures[:20])


def test_unknown_declared_encoding_is_read_not_raised():
    (data,) = [d for p, d in corpus() if p == "tests/encoding/bozo_bogus_encoding.xml"]
    feed = parse_feed(data)  # was LookupError: unknown encoding: bogus
    assert feed.items == [] and "bogus" in feed.warning


class _Record(dict):
    """A dict that also answers attribute access, as feedparser's FeedParserDict does (feed.link)."""

    def __getattr__(self, name):
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


def _expect_env(feed: Feed | None) -> dict:
    """feedparser's result names that a Feed answers: bozo (a warning or a refusal), the feed's title and link, each
    entry's title, link, id and summary/description. Any other name is not checkable here."""
    if feed is None:
        return {"bozo": True}
    return {
        "bozo": feed.warning is not None,
        "feed": _Record(title=feed.title, link=feed.site_url),
        "entries": [_Record(title=i.title, link=i.url, id=i.key, summary=i.summary, description=i.summary)
                    for i in feed.items],
    }


# files whose value clauses (not only "bozo") must have been checked, or the comparison below proves little
MUST_CHECK_VALUES = ["tests/encoding/http_text_xml_charset_2.xml",
                     "tests/encoding/http_text_xml_charset_overrides_encoding_2.xml",
                     "tests/wellformed/http/headers_content_location-relative.xml",
                     "tests/wellformed/http/headers_content_location-unsafe.xml",
                     "tests/wellformed/base/http_item_link_base_content_location.xml",
                     "tests/wellformed/base/http_channel_link_base_content_location.xml",
                     "tests/wellformed/base/http_feed_title_base_content_location.xml"]


def test_feedparser_http_cases_meet_their_expect_lines():
    """feedparser's files with HTTP headers in their comment (encoding/, illformed/, wellformed/http|base|lang),
    given to parse_feed with those headers: each clause of their Expect: line that a Feed can answer holds."""
    failures, value_checked = [], set()
    cases = [(p, d) for p, d in corpus() if "http" in p]
    assert len(cases) > 100
    for path, data in cases:
        url, headers = served_as_feedparser_serves(path, data)
        try:
            feed = parse_feed(data, url, headers)
        except FeedError as e:
            feed, refusal = None, str(e)
        else:
            refusal = None
        env = _expect_env(feed)
        _, expect = EXPECT_LINE.search(data.decode("utf-8", "ignore")).groups()
        for clause in expect.strip().split(" and "):
            try:
                ok = eval(clause, {"datetime": datetime}, env)  # noqa: S307 - feedparser's own test expressions
            except (NameError, KeyError, AttributeError, IndexError, TypeError):
                continue  # a name a Feed does not carry (encoding, headers, ...)
            if not ok:
                failures.append(f"{path}: {clause!r} is false (refused: {refusal}; warning: "
                                f"{feed and feed.warning}; title {feed and feed.title!r}; "
                                f"items {[(i.url, i.title, i.summary) for i in feed.items] if feed else None})")
            elif "bozo" not in clause:
                value_checked.add(path)
    assert not failures, "\n".join(failures)
    assert not set(MUST_CHECK_VALUES) - value_checked


KOI8R_RSS = ("<rss version=\"2.0\"><channel><title>Новости дня</title><link>http://ru.example/</link>"
             "<item><title>Выборы в городе</title><link>http://ru.example/1</link></item></channel></rss>")


def test_charset_from_content_type_decodes_a_feed_without_declaration():
    feed = parse_feed(KOI8R_RSS.encode("koi8-r"), "http://ru.example/rss",
                      {"content-type": "application/rss+xml; charset=koi8-r"})
    assert feed.title == "Новости дня" and [i.title for i in feed.items] == ["Выборы в городе"]
    assert feed.warning is None


def test_content_location_is_the_base_of_relative_links():
    atom = (b'<feed xmlns="http://www.w3.org/2005/Atom"><title>A</title><link href="./"/>'
            b"<entry><id>tag:a,1</id><title>One</title><link href='2024/one.html'/></entry></feed>")
    feed = parse_feed(atom, "http://a.example/feeds/main.xml", {"content-type": "application/atom+xml",
                                                                "content-location": "/news/atom.xml"})
    assert feed.site_url == "http://a.example/news/" and feed.items[0].url == "http://a.example/news/2024/one.html"
    # without Content-Location (or with one that is no http(s) URL) the feed's own URL is the base
    for headers in ({"content-type": "application/atom+xml"}, {"content-location": "javascript:alert(1)"}):
        feed = parse_feed(atom, "http://a.example/feeds/main.xml", headers)
        assert feed.items[0].url == "http://a.example/feeds/2024/one.html"


GOFEED = DATA / "gofeed"


@pytest.mark.parametrize("name", ["rss_feed.xml", "atom10_feed.xml", "atom03_feed.xml", "rdf_feed.xml",
                                  "rss_feed_bom.xml", "rss_feed_leading_spaces.xml"])
def test_well_formed_feeds_without_items_are_feeds(name):
    """gofeed's universal-parser feeds have a title and no item: read, also when no Content-Type came with them."""
    for headers in (None, {}, {"content-type": "application/xml"}, {"content-type": "text/html; charset=utf-8"}):
        feed = parse_feed((GOFEED / name).read_bytes(), "http://g.example/feed", headers)
        assert feed.title == "Feed Title" and feed.items == [], (name, headers)


@pytest.mark.parametrize("name", ["empty_feed.xml", "unknown_feed.xml", "invalid.json"])
def test_what_is_no_feed_is_refused_with_a_reason(name):
    with pytest.raises(FeedError, match=r"\w+"):
        parse_feed((GOFEED / name).read_bytes(), "http://g.example/feed", {"content-type": "application/xml"})


def test_gofeed_json_feed_documents():
    numeric = parse_feed((GOFEED / "coerce_numeric_id.json").read_bytes())
    assert [(i.key, i.summary) for i in numeric.items] == [("123", "x")]
    assert [i.key for i in parse_feed((GOFEED / "coerce_string_id.json").read_bytes()).items] == ["https://x/1"]
    for path in GOFEED.glob("coerce_*.json"):
        assert not type_problems(parse_feed(path.read_bytes())), path


def json_feed(*items, **feed) -> bytes:
    return json.dumps({"version": "https://jsonfeed.org/version/1.1", **feed, "items": list(items)}).encode()


def test_json_feed_fields_of_the_wrong_type_are_ignored(tmp_path):
    body = json_feed(
        {"id": "1", "url": "http://j.example/1", "title": {"text": "object"}, "summary": ["a", "list"],
         "date_published": 1714982400},
        {"id": "2", "url": ["http://j.example/2"], "external_url": "http://j.example/ext2", "title": ["a", "list"],
         "content_text": "text two", "date_published": "not a date"},
        {"id": "3", "url": {"href": "x"}, "title": 42, "summary": None, "date_modified": "2024-05-06"},
        {"id": {"nested": 1}, "url": "http://j.example/4", "title": "no usable id"},
        title={"en": "J"}, home_page_url=["http://j.example/"])
    feed = parse_feed(body, "http://j.example/feed.json")
    assert (feed.title, feed.site_url) == (None, None)
    assert [(i.key, i.url, i.title, i.summary) for i in feed.items] == [
        ("1", "http://j.example/1", None, None), ("2", "http://j.example/ext2", None, "text two"),
        ("3", None, None, None)]
    assert feed.items[2].published == datetime(2024, 5, 6, tzinfo=timezone.utc)
    assert not type_problems(feed) and "1 item without an id skipped" in feed.warning
    with Store(str(tmp_path / "j.db")) as store:  # what the poller does with them: was sqlite3.ProgrammingError
        fid, _ = store.add_feed("http://j.example/feed.json")
        for item in feed.items:
            assert store.add_feed_item(fid, item.key, item.url, item.title, item.published)


def test_json_feed_item_urls_are_resolved_against_the_feed():
    body = json_feed({"id": "a", "url": "/posts/1"}, {"id": "b", "external_url": "2"},
                     {"id": "c", "url": "https://other.example/3"}, home_page_url="/")
    feed = parse_feed(body, "https://j.example/blog/feed.json")
    assert [i.url for i in feed.items] == ["https://j.example/posts/1", "https://j.example/blog/2",
                                           "https://other.example/3"]
    assert feed.site_url == "https://j.example/"
    moved = parse_feed(body, "https://j.example/blog/feed.json", {"content-location": "https://cdn.example/f/"})
    assert moved.items[1].url == "https://cdn.example/f/2"


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le",
                                      "utf-32-be"])
def test_json_feed_in_any_unicode_encoding(encoding):
    """RFC 8259 JSON is UTF-8, but RFC 4627 readers detect UTF-16 and UTF-32 (with or without a BOM)."""
    text = json_feed({"id": "ü1", "url": "http://j.example/1", "title": "Grüße, 世界"}, title="Ünïcode").decode()
    feed = parse_feed(text.encode(encoding), "http://j.example/feed.json")
    assert feed.title == "Ünïcode" and [(i.key, i.title) for i in feed.items] == [("ü1", "Grüße, 世界")]


def test_json_feed_items_without_id_are_skipped_and_said():
    body = json_feed({"id": 42, "url": "http://j.example/42"}, {"url": "http://j.example/no-id"},
                     {"id": "", "url": "http://j.example/empty-id"}, {"id": "  ", "url": "http://j.example/blank"},
                     {"id": 1.5, "title": "float id"})
    feed = parse_feed(body)
    assert [i.key for i in feed.items] == ["42", "1.5"]
    assert feed.warning == "3 items without an id skipped"
    assert parse_feed(json_feed({"id": "x"})).warning is None


@pytest.mark.parametrize("body", [
    b'{"version": "https://jsonfeed.org/version/1", "items": 5}',
    b'{"version": "https://jsonfeed.org/version/1", "items": "abc"}',
    b'{"version": "https://jsonfeed.org/version/1", "items": [' + b"[" * 100_000 + b"]" * 100_000 + b"]}",
    b"{" * 200_000,
    b'{"version": 1.1}',
    b'{"version": "https://jsonfeed.org/version/1", "title": "\xff\xfe bad utf-8"',
    b"\xff\xfe{\x00",
    b"",
    b"\x00" * 64,
])
def test_hostile_json_and_odd_bytes_raise_feed_error_only(body):
    try:
        feed = parse_feed(body, "http://j.example/feed.json", {"content-type": "application/feed+json"})
    except FeedError as e:
        assert str(e)
    else:
        assert not type_problems(feed)


def test_lone_surrogates_do_not_reach_the_store(tmp_path):
    body = b'{"version": "https://jsonfeed.org/version/1", "title": "a\\ud800b", ' \
           b'"items": [{"id": "k\\udfff", "url": "http://j.example/1", "title": "t\\ud83d"}]}'
    feed = parse_feed(body)
    assert not type_problems(feed) and feed.title == "a\ufffdb"
    with Store(str(tmp_path / "s.db")) as store:
        fid, _ = store.add_feed("http://j.example/feed.json")
        item = feed.items[0]
        assert store.add_feed_item(fid, item.key, item.url, item.title, item.published)


LAUGHS = b'<!DOCTYPE rss [<!ENTITY a "aaaaaaaaaa">' + b"".join(
    b'<!ENTITY %c "%s">' % (98 + i, b"&%c;" % (97 + i) * 10) for i in range(9)) + b"]>"


@pytest.mark.parametrize("head", [b'<?xml version="1.0"?>', b'\n\n  <?xml version="1.0"?>',
                                  b'<?xml version="1.0" encoding="bogus"?>', b'\xef\xbb\xbf<?xml version="1.0"?>\n'])
def test_entity_declarations_are_refused_however_the_document_starts(head):
    """A "billion laughs" feed is refused before feedparser reads it, also behind leading whitespace or an
    encoding Python does not know (both made the strict check give up and hand the bomb on)."""
    body = head + LAUGHS + b'<rss version="2.0"><channel><title>&j;</title></channel></rss>'
    with pytest.raises(FeedError, match="entities"):
        parse_feed(body, "http://x.example/feed", {"content-type": "application/rss+xml"})
    utf16 = (head.decode() + LAUGHS.decode() + "<rss version='2.0'><channel><title>&j;</title></channel></rss>")
    with pytest.raises(FeedError, match="entities"):
        parse_feed(utf16.replace("bogus", "utf-16").encode("utf-16"), "http://x.example/feed")


@pytest.mark.parametrize("encoding", ["bogus", "punycode", "idna", "base64", "rot13", "utf-7", "x-no-such"])
@pytest.mark.parametrize("content_type", [None, "text/xml; charset=punycode", "application/rss+xml; charset=bogus"])
def test_declared_encodings_python_cannot_use(encoding, content_type):
    """Encodings that are unknown, not text codecs, or codecs that fail on any error (feedparser itself raises
    UnicodeError on punycode): a Feed or FeedError, never another exception."""
    body = (f'<?xml version="1.0" encoding="{encoding}"?><rss version="2.0"><channel><title>T</title>'
            "<item><title>I</title><link>http://x.example/1</link></item></channel></rss>").encode()
    try:
        feed = parse_feed(body, "http://x.example/feed", {"content-type": content_type} if content_type else None)
    except FeedError as e:
        assert str(e)
    else:
        assert not type_problems(feed) and feed.title == "T" and [i.url for i in feed.items] == ["http://x.example/1"]
