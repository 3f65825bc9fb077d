"""Lead images: found at extraction (og:image on real pages, JSON-LD with its credit), fetched once from a real
loopback server through the desk's fetcher, refused when oversized, a decompression bomb, not an image or on a
private address, kept as a WebP thumbnail, and served by the desk itself with caching headers."""
from __future__ import annotations

import gzip
import io
import struct
import zlib
from datetime import datetime, timezone
from pathlib import Path

import pytest
from PIL import Image

from newsdesk.models import Article, Brief, BriefSentence, RawInput
from newsdesk.pipeline.images import fetch_images
from newsdesk.settings import FetchSettings, ImageSettings
from newsdesk.stages.extract import extract_html
from newsdesk.store import Store

from newsserver import NewsServer, static

DATA = Path(__file__).parent / "data" / "trafilatura"
T0 = datetime(2024, 5, 1, 12, tzinfo=timezone.utc)
BODY = ("<p>The regional parliament doubled the budget for school repairs on Friday, after a winter in which "
        "hundreds of classrooms stood empty because their heating had failed and the roofs leaked again.</p>"
        "<p>Teachers' unions welcomed the decision but said that the money would cover barely a third of the "
        "repairs that the schools themselves had listed in the survey published last spring.</p>")


def local_fetch(**kw) -> FetchSettings:
    return FetchSettings(**{"allow_private": True, "host_delay": 0.0, "retries": 0, "timeout": 5.0, **kw})


def photo(width: int = 1200, height: int = 800, fmt: str = "JPEG") -> bytes:
    """A real photo-like image: noise does not compress, so the file has a photo's size."""
    im = Image.frombytes("RGB", (width, height), bytes((i * 7919) % 251 for i in range(width * height * 3)))
    out = io.BytesIO()
    im.save(out, fmt, quality=90) if fmt == "JPEG" else im.save(out, fmt)
    return out.getvalue()


def png_bomb(width: int, height: int) -> bytes:
    """A valid PNG header declaring width x height RGB pixels, with a few bytes of data: what a decompression bomb
    looks like before it is decoded."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\x00" * 1024)) + chunk(b"IEND", b""))


# -- extraction ---------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name, expected", [
    ("radiomaryja.pl-lux-veritatis.html.gz",
     "https://www.radiomaryja.pl/wp-content/uploads/2021/04/lux-veritatis-logo.jpg"),
    ("tierschutzpartei.de-wildvogelauffang.html.gz",
     "https://www.tierschutzpartei.de/wp-content/uploads/2021/11/Wildvogelstation-Ferlemann-in-Dortmund.jpg"),
])
def test_extraction_finds_og_image_on_real_pages(name, expected):
    # the expected URLs are the pages' own <meta property="og:image"> tags, read by hand
    article = extract_html(RawInput(body=gzip.open(DATA / name).read(), kind="html", origin=name))
    assert article.image_url == expected
    assert article.image_credit is None  # neither page credits its image; nothing is made up


def _page(head: str) -> bytes:
    return f"<html><head><title>Schools</title>{head}</head><body><article>{BODY}</article></body></html>".encode()


def test_json_ld_image_with_credit_is_preferred_and_relative_urls_are_resolved():
    ld = ('<script type="application/ld+json">{"@type": "NewsArticle", "headline": "Schools", "image": '
          '{"@type": "ImageObject", "url": "/img/roof.jpg", "creditText": "Ann Photographer/Gazette"}}</script>')
    a = extract_html(RawInput(body=_page('<meta property="og:image" content="https://cdn.example.org/social.jpg">'
                                         + ld), kind="html", origin="x", url="https://gazette.example.org/a/1"))
    assert (a.image_url, a.image_credit) == ("https://gazette.example.org/img/roof.jpg", "Ann Photographer/Gazette")
    # og:image wins over a JSON-LD image that names no credit, and og:image:alt is never taken for a credit
    ld = '<script type="application/ld+json">{"@type": "NewsArticle", "image": ["https://x.example/ld.jpg"]}</script>'
    a = extract_html(RawInput(body=_page('<meta property="og:image" content="og.jpg">'
                                         '<meta property="og:image:alt" content="A leaking roof">' + ld),
                              kind="html", origin="y", url="https://gazette.example.org/a/2"))
    assert (a.image_url, a.image_credit) == ("https://gazette.example.org/a/og.jpg", None)


@pytest.mark.parametrize("head", ["", '<meta property="og:image" content="data:image/png;base64,AAAA">',
                                  '<meta name="twitter:image" content="javascript:alert(1)">'])
def test_no_image_or_a_non_http_one_gives_none(head):
    a = extract_html(RawInput(body=_page(head), kind="html", origin="z", url="https://gazette.example.org/a/3"))
    assert a.image_url is None


# -- fetching -----------------------------------------------------------------------------------------------------
def _article(store: Store, n: int, image_url: str | None, credit: str | None = None, story: int | None = None,
             outlet: str = "Gazette") -> Article:
    raw = RawInput(body=f"article {n}".encode(), kind="text", origin=f"t{n}")
    store.put_raw(raw)
    a = Article(title=f"Report {n}", text=f"Report number {n} on the schools. The roofs leaked.", outlet=outlet,
                url=f"https://gazette.example.org/{n}", published=T0, raw_sha256=raw.sha256, image_url=image_url,
                image_credit=credit)
    store.add_article(a)
    if story is not None:
        store.assign(a.id, story)
    return a


def test_a_good_image_is_fetched_once_and_kept_as_a_small_webp(tmp_path):
    original = photo(1200, 800)
    with NewsServer() as server, Store(str(tmp_path / "n.db")) as store:
        server.routes["/photo.jpg"] = static(original, "image/jpeg")
        url = server.url("/photo.jpg")
        for n in range(3):  # three articles share the image (a wire photo)
            _article(store, n, url)
        report = fetch_images(store, ImageSettings(), local_fetch())
        assert (report.stored, report.failed) == (1, 0)
        assert server.requests_to("/photo.jpg") == 1
        _article(store, 9, url)  # a later article with the same image, and a second build
        assert fetch_images(store, ImageSettings(), local_fetch()).stored == 0
        assert server.requests_to("/photo.jpg") == 1

        record = store.image_record(url)
        data = store.image_data(record["id"])
        thumb = Image.open(io.BytesIO(data))
        assert thumb.format == "WEBP" and thumb.size == (320, 213) == (record["width"], record["height"])
        assert len(data) < len(original) / 10


def test_refused_images_are_recorded_and_never_stop_the_batch(tmp_path):
    with NewsServer() as server, Store(str(tmp_path / "n.db")) as store:
        server.routes["/big.jpg"] = static(photo(1600, 1200), "image/jpeg")
        server.routes["/bomb.png"] = static(png_bomb(30_000, 30_000), "image/png")  # over Pillow's own ceiling
        server.routes["/bomb2.png"] = static(png_bomb(6_000, 6_000), "image/png")  # over ours alone
        server.routes["/page.jpg"] = static("<html><body>Not a picture</body></html>", "image/jpeg")
        server.routes["/pixel.gif"] = static(photo(1, 1, "GIF"), "image/gif")
        server.routes["/good.png"] = static(photo(400, 300, "PNG"), "image/png")
        names = ("big.jpg", "bomb.png", "bomb2.png", "page.jpg", "pixel.gif", "missing.jpg", "good.png")
        urls = {k: server.url(f"/{k}") for k in names}
        for n, url in enumerate(urls.values()):
            _article(store, n, url)
        settings = ImageSettings(max_bytes=300_000)
        assert len(photo(1600, 1200)) > settings.max_bytes > len(photo(400, 300, "PNG"))
        report = fetch_images(store, settings, local_fetch())
        assert (report.stored, report.failed) == (1, 6)
        errors = {k: store.image_record(u)["error"] for k, u in urls.items()}
        assert "larger than the limit" in errors["big.jpg"]
        for bomb in ("bomb.png", "bomb2.png"):
            assert "decompression bomb (not decoded)" in errors[bomb]
        assert "6000x6000 pixels is over the limit of 25000000" in errors["bomb2.png"]
        assert "not an image" in errors["page.jpg"]
        assert "too small" in errors["pixel.gif"]
        assert "HTTP 404" in errors["missing.jpg"]
        assert errors["good.png"] is None and store.image_record(urls["good.png"])["stored"]
        # recorded failures are not fetched again
        assert fetch_images(store, settings, local_fetch()) == type(report)(0, 0)


def test_an_image_on_a_private_address_is_refused_by_default(tmp_path):
    with NewsServer() as server, Store(str(tmp_path / "n.db")) as store:
        server.routes["/photo.jpg"] = static(photo(400, 300), "image/jpeg")
        _article(store, 1, server.url("/photo.jpg"))
        report = fetch_images(store, ImageSettings(), FetchSettings(host_delay=0.0, retries=0, timeout=5.0))
        assert report.failed == 1 and server.requests_to("/photo.jpg") == 0
        assert "non-public address" in store.image_record(server.url("/photo.jpg"))["error"]


def test_a_build_with_images_off_fetches_nothing(tmp_path):
    # conftest turns [images] fetch off for the whole suite, as a desk without network would
    from newsdesk.pipeline import build
    from newsdesk.settings import current

    assert current().images.fetch is False
    with NewsServer() as server, Store(str(tmp_path / "n.db")) as store:
        server.routes["/photo.jpg"] = static(photo(400, 300), "image/jpeg")
        _article(store, 1, server.url("/photo.jpg"))
        build(store)
        assert server.requests_to("/photo.jpg") == 0 and store.image_record(server.url("/photo.jpg")) is None


# -- the store and the pages ------------------------------------------------------------------------------------
def make_stories(store: Store, server: NewsServer) -> dict[str, int]:
    """Story "pictured": an image with a credit on its headline article, another on a newer article; story
    "plain": no image at all. Returns their ids."""
    server.routes["/head.jpg"] = static(photo(900, 600), "image/jpeg")
    server.routes["/newer.jpg"] = static(photo(600, 600), "image/jpeg")
    pictured, plain = store.new_story(), store.new_story()
    head = _article(store, 1, server.url("/head.jpg"), "Ann Photographer/Gazette", pictured)
    _article(store, 2, server.url("/newer.jpg"), None, pictured, outlet="Herald")
    other = _article(store, 3, None, None, plain, outlet="Herald")
    for sid, a in ((pictured, head), (plain, other)):
        store.save_story(sid, Brief(headline=a.title, headline_article_id=a.id, sentences=[BriefSentence(
            text="The roofs leaked.", article_id=a.id, position=1, outlet=a.outlet, published=a.published)]))
    fetch_images(store, ImageSettings(), local_fetch())
    return {"pictured": pictured, "plain": plain, "head_article": head.id}


def test_a_story_shows_its_headline_articles_image_and_none_when_it_has_none(any_db):
    with NewsServer() as server, Store(any_db) as store:
        ids = make_stories(store, server)
        images = store.story_images([ids["pictured"], ids["plain"]])
        assert set(images) == {ids["pictured"]}
        shown = images[ids["pictured"]]
        assert (shown.article_id, shown.credit, shown.outlet) == (ids["head_article"], "Ann Photographer/Gazette",
                                                                  "Gazette")
        assert Image.open(io.BytesIO(store.image_data(shown.id))).size == (shown.width, shown.height) == (320, 213)


def test_pages_show_the_thumbnail_with_its_credit_served_by_the_desk(tmp_path):
    from fastapi.testclient import TestClient

    from newsdesk.web import create_app

    path = str(tmp_path / "n.db")
    with NewsServer() as server, Store(path) as store:
        ids = make_stories(store, server)
        image_id = store.story_images([ids["pictured"]])[ids["pictured"]].id
        origin = server.url("/")
    client = TestClient(create_app(path), base_url="http://127.0.0.1:8000")
    home = client.get("/").text
    assert home.count('class="thumb"') == 1 and f'src="/images/{image_id}.webp"' in home
    assert origin not in home  # never a link to the outlet's image
    story = client.get(f"/stories/{ids['pictured']}").text
    assert f'src="/images/{image_id}.webp"' in story and "Image: Ann Photographer/Gazette, from" in story
    assert "<figure" not in client.get(f"/stories/{ids['plain']}").text
    r = client.get(f"/images/{image_id}.webp")
    assert r.status_code == 200 and r.headers["content-type"] == "image/webp"
    assert "immutable" in r.headers["cache-control"] and Image.open(io.BytesIO(r.content)).format == "WEBP"
    assert client.get(f"/images/{image_id + 100}.webp").status_code == 404


def test_the_static_export_carries_the_thumbnails(tmp_path):
    from newsdesk.web.export import export_site

    path = str(tmp_path / "n.db")
    with NewsServer() as server, Store(path) as store:
        ids = make_stories(store, server)
        image_id = store.story_images([ids["pictured"]])[ids["pictured"]].id
    export_site(path, tmp_path / "site")
    assert f'src="images/{image_id}.webp"' in (tmp_path / "site" / "index.html").read_text()
    assert f'src="../images/{image_id}.webp"' in (tmp_path / "site" / "stories" / f"{ids['pictured']}.html").read_text()
    assert Image.open(tmp_path / "site" / "images" / f"{image_id}.webp").format == "WEBP"


def test_a_page_ingested_brings_its_image_to_its_story(tmp_path):
    # the whole path: a page whose og:image is relative, ingested and built, its image fetched from the same host
    from newsdesk.pipeline import build
    from newsdesk.pipeline.ingest import ingest_raw

    with NewsServer() as server, Store(str(tmp_path / "n.db")) as store:
        server.routes["/media/roof.png"] = static(photo(800, 500, "PNG"), "image/png")
        page = _page('<meta property="og:image" content="../media/roof.png">'
                     '<script type="application/ld+json">{"@type": "NewsArticle", "image": {"@type": "ImageObject", '
                     '"url": "../media/roof.png", "copyrightHolder": {"@type": "Person", "name": "Ann Lens"}}}'
                     '</script>')
        article = ingest_raw(store, RawInput(body=page, kind="html", origin="p", url=server.url("/news/roof.html")))
        build(store)
        fetch_images(store, ImageSettings(), local_fetch())
        shown = store.story_images([store.get_article(article.id).story_id])
        (image,) = shown.values()
        assert (image.article_id, image.credit, image.width, image.height) == (article.id, "Ann Lens", 320, 200)
        assert server.requests_to("/media/roof.png") == 1


def test_a_json_record_may_name_its_image():
    from newsdesk.sources.records import article_from_record

    a = article_from_record({"text": "The roofs leaked.", "image": "https://a.example/roof.jpg", "image_credit": "AP"})
    assert (a.image_url, a.image_credit) == ("https://a.example/roof.jpg", "AP")
    assert article_from_record({"text": "The roofs leaked.", "image": "/roof.jpg"}).image_url is None  # no base


def test_a_credit_line_in_the_lead_figure_is_read_and_a_caption_is_not():
    def image_of(figure: str) -> tuple:
        body = (f"<html><head><title>Schools</title><meta property='og:image' content='https://g.example/r.jpg'>"
                f"</head><body><article>{figure}{BODY}</article></body></html>").encode()
        a = extract_html(RawInput(body=body, kind="html", origin="f", url="https://g.example/a/4"))
        return a.image_url, a.image_credit

    credited = ('<figure><img src="/r.jpg"><figcaption>A leaking roof in the old town. '
                '<span class="image-credit">Foto: &#169; Ann Lens/\u200bdpa</span></figcaption></figure>')
    assert image_of(credited) == ("https://g.example/r.jpg", "Ann Lens/dpa")
    captioned = '<figure><img src="/r.jpg"><figcaption>Photo: a leaking roof in the old town</figcaption></figure>'
    assert image_of(captioned) == ("https://g.example/r.jpg", None)
