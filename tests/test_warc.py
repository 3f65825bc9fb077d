"""WARC and WARC.gz input in the CC-NEWS layout, written here with warcio: response records of news pages among
requests, redirects, non-HTML responses and a gzip-encoded page."""
from __future__ import annotations

import gzip
import io
import tracemalloc

import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from newsdesk.models import RawInput
from newsdesk.sources import SourceError, read_path
from newsdesk.sources.warc import read_warc
from newsdesk.store import Store

from conftest import run_cli
from newsserver import article_html


def write_warc(path, gz: bool = True, padding: int = 0) -> None:
    with open(path, "wb") as out:
        w = WARCWriter(out, gzip=gz)

        def response(uri, body: bytes, status="200 OK", ctype="text/html; charset=utf-8", extra=()):
            headers = StatusAndHeaders(status, [("Content-Type", ctype), *extra], protocol="HTTP/1.1")
            w.write_record(w.create_warc_record(uri, "response", payload=io.BytesIO(body), http_headers=headers))

        w.write_record(w.create_warc_record("https://a.example/tram", "request", payload=io.BytesIO(b"GET / HTTP/1.1\r\n\r\n")))
        response("https://a.example/tram", article_html("Council approves new tram line", "tram").encode())
        response("https://a.example/old", b"", status="301 Moved Permanently", extra=[("Location", "/tram")])
        response("https://a.example/logo.png", b"\x89PNG....", ctype="image/png")
        response("https://b.example/harbour", gzip.compress(article_html("Harbour cleanup begins", "harbour").encode()),
                 extra=[("Content-Encoding", "gzip")])
        for i in range(padding):  # many pages, to check that memory does not follow the file size
            response(f"https://c.example/{i}", article_html(f"School budget doubled {i}", "school").encode()
                     + b"<!--" + bytes(range(256)) * 400 + b"-->")


@pytest.mark.parametrize("gz", [True, False])
def test_reads_html_responses_only(tmp_path, gz):
    path = tmp_path / ("c.warc.gz" if gz else "c.warc")
    write_warc(path, gz)
    items = list(read_path(path))
    assert [type(i).__name__ for i in items] == ["RawInput", "RawInput"]
    assert [i.url for i in items] == ["https://a.example/tram", "https://b.example/harbour"]
    assert items[1].body.startswith(b"<!doctype html>")  # the gzip content encoding was undone
    assert items[0].fetched_at is not None and items[0].origin == f"{path}#https://a.example/tram"


def test_record_limit_and_broken_file(tmp_path):
    path = tmp_path / "c.warc.gz"
    write_warc(path)
    items = list(read_warc(path, max_bytes=500))
    assert all(isinstance(i, SourceError) and "larger than the limit" in i.message for i in items) and len(items) == 2
    broken = tmp_path / "broken.warc.gz"
    data = path.read_bytes()
    broken.write_bytes(data[: len(data) // 2] + b"garbage" * 10 + data[len(data) // 2:])
    items = list(read_path(broken))
    assert isinstance(items[0], RawInput)  # what came before the damage is still read
    assert isinstance(items[-1], SourceError) and "not a readable WARC file after 1 responses" in items[-1].message
    (tmp_path / "junk.warc").write_bytes(b"this is not a warc file at all\r\n\r\n")
    (err,) = list(read_path(tmp_path / "junk.warc"))
    assert isinstance(err, SourceError) and "WARC" in err.message


def test_streams_without_holding_the_file(tmp_path):
    path = tmp_path / "big.warc.gz"
    write_warc(path, padding=300)  # ~30 MB of pages once decompressed
    tracemalloc.start()
    n = 0
    for item in read_path(path):
        n += 1
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert n == 302
    assert peak < 8_000_000, f"peak {peak} bytes: the reader held more than a few records"


def test_cli_ingests_a_warc(tmp_path):
    path = tmp_path / "news.warc.gz"
    write_warc(path)
    db = str(tmp_path / "w.db")
    r = run_cli("ingest", str(path), db=db)
    assert r.returncode == 0, r.stderr
    assert "2 new articles" in r.stdout
    with Store(db) as store:
        titles = sorted(a.title for a in store.articles())
        assert titles == ["Council approves new tram line", "Harbour cleanup begins"]
        assert {a.url for a in store.articles()} == {"https://a.example/tram", "https://b.example/harbour"}
    r = run_cli("ingest", str(path), db=db)
    assert "0 new articles (2 already stored" in r.stdout
