"""OPML import against files that other feed readers write and test with (Miniflux, NetNewsWire, CommaFeed), and
the cases that break naive importers: attribute case, non-http URLs, bare ampersands, whitespace before <?xml."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from newsdesk.sources.opml import OPMLError, parse_opml
from newsdesk.store import Store

from conftest import run_cli

DATA = Path(__file__).parent / "data"


def read(project: str, name: str):
    return parse_opml((DATA / project / name).read_bytes())


def test_miniflux_documents():
    """The subscriptions Miniflux's own parser_test.go expects from each document (feed URL, site URL, title)."""
    subs = read("miniflux", "without_categories.opml").subscriptions
    assert len(subs) == 13
    assert (subs[0].url, subs[0].site_url, subs[0].title) == (
        "http://news.com.com/2547-1_3-0-5.xml", "http://news.com.com/", "CNET News.com")
    for name, n in [("with_categories.opml", 3), ("version1.opml", 2), ("version1_without_outer_outline.opml", 2),
                    ("version1_with_several_nested_outlines.opml", 3)]:
        result = read("miniflux", name)
        assert [(s.url, s.site_url, s.title) for s in result.subscriptions] == [
            (f"http://example.org/feed{i}/", f"http://example.org/{i}", f"Feed {i}") for i in range(1, n + 1)], name
        assert result.skipped == []
    assert [(s.url, s.site_url) for s in read("miniflux", "with_empty_title_and_empty_site_url.opml").subscriptions] \
        == [("http://example.org/feed1/", "http://example.org/1"), ("http://example.org/feed2/", None)]
    settings = read("miniflux", "with_miniflux_settings.opml").subscriptions
    assert [(s.url, s.title) for s in settings] == [("http://example.org/feed1/", "Feed 1")]
    with pytest.raises(OPMLError):
        read("miniflux", "invalid_xml.opml")


def test_bare_ampersand_in_an_attribute_is_read():
    """Miniflux's TestParseOpmlWithInvalidCharacterEntity: `a&b` in xmlUrl (was: the whole file refused)."""
    subs = read("miniflux", "with_invalid_character_entity.opml").subscriptions
    assert [(s.url, s.site_url, s.title) for s in subs] == [
        ("http://example.org/feed1/a&b", "http://example.org/c&d", "Feed 1")]


def test_netnewswire_files():
    for name in ("Subs.opml", "SubsNoTitleAttributes.opml"):
        text = (DATA / "netnewswire" / name).read_text()
        result = read("netnewswire", name)
        # every distinct xmlUrl in the file, each with the title NetNewsWire's test requires every feed to have
        urls = list(dict.fromkeys(re.findall(r'xmlUrl="([^"]+)"', text)))
        assert [s.url for s in result.subscriptions] == urls and result.skipped == [], name
        assert all(s.title for s in result.subscriptions), name
        assert all(s.site_url is None or s.site_url.startswith("http") for s in result.subscriptions), name
    assert len(read("netnewswire", "DefaultFeeds.opml").subscriptions) == 10
    assert [s.url for s in read("netnewswire", "deeply-nested-folders.opml").subscriptions] == [
        "http://example.com/feed.xml"]
    assert [(s.url, s.title) for s in read("netnewswire", "non-feed-outlines-parse-as-folders.opml").subscriptions] \
        == [("http://example.com/feed.xml", "Real feed")]


def test_attribute_names_in_any_case():
    """NetNewsWire's xmlUrlAttributeIsCaseInsensitive: xmlUrl, xmlurl, XMLURL, XmlUrl (two were dropped)."""
    subs = read("netnewswire", "xml-url-attribute-is-case-insensitive.opml").subscriptions
    assert [(s.url, s.title) for s in subs] == [
        ("http://example.com/a.xml", "camelCase"), ("http://example.com/b.xml", "lowercase"),
        ("http://example.com/c.xml", "UPPERCASE"), ("http://example.com/d.xml", "MixedCase")]
    doc = b"""<opml version="2.0"><body><OUTLINE TEXT="Text only" HTMLURL="https://s.example/"
        XMLURL="https://s.example/feed"/><outline Title="T" tExT="x" XmlUrl="https://t.example/rss"/></body></opml>"""
    assert [(s.url, s.title, s.site_url) for s in parse_opml(doc).subscriptions] == [
        ("https://s.example/feed", "Text only", "https://s.example/"), ("https://t.example/rss", "T", None)]


@pytest.mark.parametrize("name", ["opml_noversion.xml", "opml_v1.0.xml", "opml_v1.1.xml", "opml_v2.0.xml"])
def test_commafeed_files(name):
    (s,) = read("commafeed", name).subscriptions
    assert (s.url, s.title, s.site_url) == ("https://hostname.local/commafeed/feed1.xml", "feed1",
                                            "https://hostname.local/commafeed")


MIXED = """<?xml version="1.0" encoding="UTF-8"?>
<opml version="2.0"><head><title>mixed</title></head><body>
  <outline text="good" xmlUrl="https://good.example/rss"/>
  <outline text="local file" xmlUrl="file:///etc/passwd"/>
  <outline text="script" xmlUrl="javascript:alert(1)"/>
  <outline text="data" xmlUrl="data:application/rss+xml,%3Crss%2F%3E"/>
  <outline text="relative" xmlUrl="/feeds/main.xml"/>
  <outline text="bare name" xmlUrl="feed.xml"/>
  <outline text="ftp" xmlUrl="ftp://files.example/feed.xml"/>
  <outline text="no host" xmlUrl="http:///feed.xml"/>
  <outline text="empty" xmlUrl="  "/>
  <outline text="also good" xmlUrl=" HTTP://Good.example/atom "/>
</body></opml>"""


def test_only_absolute_http_urls_are_imported_and_each_skip_is_said():
    result = parse_opml(MIXED.encode())
    assert [s.url for s in result.subscriptions] == ["https://good.example/rss", "HTTP://Good.example/atom"]
    assert [s.url for s in result.skipped] == ["file:///etc/passwd", "javascript:alert(1)",
                                               "data:application/rss+xml,%3Crss%2F%3E", "/feeds/main.xml",
                                               "feed.xml", "ftp://files.example/feed.xml", "http:///feed.xml", ""]
    reasons = [s.reason for s in result.skipped]
    assert "file:" in reasons[0] and "javascript:" in reasons[1] and "relative" in reasons[3]
    assert "no host" in reasons[6] and "empty" in reasons[7]


@pytest.mark.parametrize("prefix", [b"\n", b"\r\n  \t", b"\xef\xbb\xbf", b"\xef\xbb\xbf\n\n"])
def test_whitespace_or_bom_before_the_declaration(prefix):
    doc = prefix + b'<?xml version="1.0" encoding="UTF-8"?>\n<opml version="1.0"><body>' \
                   b'<outline text="A" xmlUrl="http://a.example/rss"/></body></opml>'
    assert [s.url for s in parse_opml(doc).subscriptions] == ["http://a.example/rss"]


@pytest.mark.parametrize("encoding, title", [
    ("utf-8", "Grüße & Поздравления"), ("utf-16", "Grüße & Поздравления"), ("utf-16-le", "Grüße & 世界"),
    ("utf-16-be", "Grüße & 世界"), ("iso-8859-5", "Поздравления & co"), ("windows-1251", "Поздравления & co"),
    ("iso-8859-1", "Grüße & co")])
def test_declared_and_detected_encodings(encoding, title):
    """Declared encodings, and UTF-16 told by its BOM or by its zero bytes (utf-16-le/be: no BOM)."""
    declared = encoding.removesuffix("-le").removesuffix("-be")
    doc = (f'<?xml version="1.0" encoding="{declared}"?>\n<opml version="1.0"><body>'
           f'<outline text="{title.replace("&", "&amp;")}" xmlUrl="http://a.example/rss"/></body></opml>')
    (s,) = parse_opml(doc.encode(encoding)).subscriptions
    assert (s.url, s.title) == ("http://a.example/rss", title)


def test_html_named_entities_read_as_their_characters():
    """Exporters write HTML entities that XML does not define (Miniflux and CommaFeed read them too)."""
    doc = b'<opml><body><outline text="Caf&eacute;&nbsp;News &amp; more &#38; &#x26; &unknown;" ' \
          b'xmlUrl="http://c.example/?a=1&amp;b=2&c=3"/></body></opml>'
    (s,) = parse_opml(doc).subscriptions
    assert (s.title, s.url) == ("Caf\u00e9\u00a0News & more & & &unknown;", "http://c.example/?a=1&b=2&c=3")


@pytest.mark.parametrize("doc", [
    b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><opml><body>&a;</body></opml>',
    b'\n\n<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "&b;&b;"><!ENTITY b "bbbb">]>'
    b'<opml><body><outline text="&a;" xmlUrl="http://x/?a=1&b=2"/></body></opml>',
    '<?xml version="1.0" encoding="utf-16"?><!DOCTYPE x [<!ENTITY a "aaaa">]><opml><body>&a;</body></opml>'
    .encode("utf-16"),
    b'<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><opml><body><outline text="&e;" xmlUrl="http://x/"/>'
    b"</body></opml>",
])
def test_entity_declarations_are_still_refused(doc):
    with pytest.raises(OPMLError, match="entities"):
        parse_opml(doc)


@pytest.mark.parametrize("doc", [b"", b"   ", b"<rss version='2.0'/>", b"\xff\xfe\x00", b"<opml><body><outline",
                                 b'<?xml version="1.0" encoding="no-such-codec"?><opml/>',
                                 b"<opml>" + b"<outline>" * 50_000 + b"</opml>"])
def test_what_is_no_opml_raises_opml_error_only(doc):
    with pytest.raises(OPMLError, match=r"\w"):
        parse_opml(doc)


def test_cli_import_reports_each_skipped_outline_and_imports_the_rest(tmp_path):
    db = str(tmp_path / "o.db")
    path = tmp_path / "mixed.opml"
    path.write_text(MIXED)
    r = run_cli("feeds", "import", str(path), db=db)
    assert r.returncode == 1
    skipped = [line for line in r.stderr.splitlines() if ": skipped " in line]
    assert len(skipped) == 8 and f"{path}: skipped javascript:alert(1): " in r.stderr
    assert f"{path}: skipped file:///etc/passwd: " in r.stderr
    assert "imported 2 new feeds" in r.stdout and "8 skipped" in r.stdout
    with Store(db) as store:
        assert [f["url"] for f in store.feeds()] == ["https://good.example/rss", "HTTP://Good.example/atom"]
    # a clean file still exits 0
    r = run_cli("feeds", "import", str(DATA / "netnewswire" / "DefaultFeeds.opml"), db=db)
    assert r.returncode == 0 and "imported 10 new feeds" in r.stdout and r.stderr == ""
