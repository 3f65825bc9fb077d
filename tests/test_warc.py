"""WARC and WARC.gz input in the CC-NEWS layout, written here with warcio: response records of news pages among
requests, redirects, non-HTML responses and a gzip-encoded page."""
from __future__ import annotations

import gzip
import io
import tracemalloc

import pytest
from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from newsdesk.models import RawInput
from newsdesk.sources import SourceError, read_path
from newsdesk.sources.warc import read_warc
from newsdesk.store import Store

from conftest import ROOT, run_cli
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


@pytest.mark.slow
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


# -- warcio's own sample WARCs, whole and cut off --------------------------------------------------------------------
WARCIO = ROOT / "tests" / "data" / "warcio"


def record_spans(data: bytes) -> list[tuple[int, int, str | None, str]]:
    """(start, end, target URI, type) of each record of a WARC held in `data`, as warcio reads the whole file: for a .gz
    file the span is the record's gzip member; for a plain one, the record without the blank lines after it."""
    it = ArchiveIterator(io.BytesIO(data))
    spans = []
    for record in it:
        uri = record.rec_headers.get_header("WARC-Target-URI")
        spans.append((it.get_record_offset(), it.get_record_offset() + it.get_record_length(), uri, record.rec_type))
    return spans


def gzip_per_record(data: bytes) -> bytes:
    """A plain WARC made a .warc.gz as crawlers write them: one gzip member per record."""
    starts = [s for s, *_ in record_spans(data)] + [len(data)]
    return b"".join(gzip.compress(data[a:b]) for a, b in zip(starts, starts[1:]))


def samples() -> dict[str, bytes]:
    # two of warcio's files one after the other: two HTML responses (example.com, then iana.org, chunked) among
    # warcinfo, request and revisit records
    plain = (WARCIO / "example.warc").read_bytes() + (WARCIO / "example-iana.org-chunked.warc").read_bytes()
    gz = (WARCIO / "example.warc.gz").read_bytes() + gzip_per_record(
        (WARCIO / "example-iana.org-chunked.warc").read_bytes())
    return {"warcio.warc": plain, "warcio.warc.gz": gz}


@pytest.mark.parametrize("name", ["warcio.warc", "warcio.warc.gz"])
def test_warcio_samples_cut_at_every_97th_byte(tmp_path, name):
    data = samples()[name]
    whole = tmp_path / name
    whole.write_bytes(data)
    full = list(read_path(whole))
    assert [(type(i).__name__, i.url) for i in full] == [("RawInput", "http://example.com/"),
                                                         ("RawInput", "http://www.iana.org/")]
    spans = record_spans(data)
    end_of = {uri: end for _, end, uri, kind in spans if kind == "response"}
    kept_partial = set()
    cuts = sorted(set(range(97, len(data), 97)) | {len(data) - k for k in (1, 2, 4, 8, 9)})
    for cut in cuts:
        path = tmp_path / "cut" / name
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(data[:cut])
        items = list(read_path(path))
        where = f"cut at byte {cut} of {len(data)}"
        raws = [i for i in items if isinstance(i, RawInput)]
        errors = [i for i in items if isinstance(i, SourceError)]
        # every record that ended before the cut, once, as read from the whole file; none after it
        expected = [(f.origin.replace(str(whole), str(path)), f.body) for f in full if end_of[f.url] <= cut]
        assert [(r.origin, r.body) for r in raws] == expected, where
        inside = [span for span in spans if span[0] < cut < span[1]]
        if not inside:  # a cut between records leaves a shorter, whole file
            assert errors == [], where
            continue
        (err,) = errors
        (cut_span,) = inside
        number = spans.index(cut_span) + 1
        responses = sum(kind == "response" for *_, kind in spans[: number - 1])
        uri = cut_span[2]
        assert str(path) in err.origin and "cut off" in err.message, (where, err)
        assert f"in record {number}" in err.message and f"after {responses} responses" in err.message, (where, err)
        if err.raw is not None:  # what was read of the cut record is kept, not made an article
            assert err.raw.kind == "partial", where
            whole_body = next(f.body for f in full if f.url == uri)
            assert whole_body.startswith(err.raw.body) and len(err.raw.body) < len(whole_body), where
            kept_partial.add(uri)
    assert kept_partial == {"http://example.com/", "http://www.iana.org/"}


def test_warcio_truncated_sample_is_reported(tmp_path):
    """warcio's example-trunc.warc: its response's Content-Length is 2 bytes short of the record."""
    path = WARCIO / "example-trunc.warc"
    items = list(read_path(path))
    (err,) = items  # the only HTML response is the damaged one
    assert isinstance(err, SourceError) and err.origin == f"{path}#http://example.com/"
    assert "cut off" in err.message or "Content-Length" in err.message
    assert err.raw is not None and err.raw.kind == "partial"
    db = str(tmp_path / "t.db")
    r = run_cli("ingest", str(path), db=db)
    assert r.returncode == 1 and "example-trunc.warc#http://example.com/" in r.stderr, r.stderr
    with Store(db) as store:
        assert store.articles() == []
        assert [e for _, e in store.raw_errors()] == [err.message]


def test_cli_ingest_of_a_cut_warc_gz(tmp_path):
    data = samples()["warcio.warc.gz"]
    (iana,) = [(s, e) for s, e, uri, kind in record_spans(data) if uri == "http://www.iana.org/" and kind == "response"]
    path = tmp_path / "cut.warc.gz"
    path.write_bytes(data[: (iana[0] + iana[1]) // 2])  # in the middle of the iana.org response
    db = str(tmp_path / "c.db")
    r = run_cli("ingest", str(path), db=db)
    assert r.returncode == 1, r.stdout + r.stderr
    assert f"{path}#http://www.iana.org/" in r.stderr and "cut off" in r.stderr, r.stderr
    assert "1 new articles" in r.stdout
    with Store(db) as store:
        assert [a.url for a in store.articles()] == ["http://example.com/"]
        (kind, origin, message), = store.db.execute(
            "SELECT kind, origin, error FROM raw_inputs WHERE error IS NOT NULL")
        assert kind == "partial" and origin == f"{path}#http://www.iana.org/" and "cut off" in message
