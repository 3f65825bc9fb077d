"""Inputs that would swamp the desk: gzip bombs (with or without a .gz name), oversized files, lines and articles,
and cut-off .gz files. Each is refused or cut with an error that names it, and the rest of the batch goes on."""
from __future__ import annotations

import gzip
import io
import json
import os
import subprocess
import sys
import zlib

import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from newsdesk.models import RawInput
from newsdesk.settings import LIMITS
from newsdesk.sources import SourceError, read_path
from newsdesk.store import Store

from conftest import ROOT, run_cli
from newsserver import article_html

# the whole member compresses 10 MB of one byte to about 10 KB: 50 members make a ~500 KB file that inflates to 500 MB
BOMB_MEMBER = gzip.compress(b"\0" * 10_000_000, compresslevel=9)


def bomb(members: int = 50) -> bytes:
    return BOMB_MEMBER * members


def single_member_bomb(size: int) -> bytes:
    """One deflate stream of `size` zero bytes, made in 1 MB steps so that the test never holds `size` bytes."""
    c = zlib.compressobj(9, zlib.DEFLATED, 31)
    step = b"\0" * 1_000_000
    return b"".join([*(c.compress(step) for _ in range(size // len(step))), c.flush()])


def page(title: str, word: str) -> bytes:
    return article_html(title, word).encode()


# -- the bounded inflate ------------------------------------------------------------------------------------------
def test_inflate_reads_every_member_and_stops_at_the_limit():
    from newsdesk.decompress import DecompressionError, inflate

    data = gzip.compress(b"first member\n") + gzip.compress(b"second member\n")
    assert inflate(data, 1000) == gzip.decompress(data)
    assert inflate(data, len(gzip.decompress(data))) == gzip.decompress(data)  # exactly at the limit is fine
    with pytest.raises(DecompressionError, match="inflates past the limit of 20 bytes"):
        inflate(data, 20)
    with pytest.raises(DecompressionError, match="inflates past the limit of 8388608 bytes"):
        inflate(single_member_bomb(20_000_000), 8 * 1024 * 1024)
    with pytest.raises(DecompressionError, match="cut off"):
        inflate(data[:-10], 1000)
    with pytest.raises(DecompressionError, match="not gzip|damaged"):
        inflate(b"\x1f\x8b but not gzip at all", 1000)


# -- memory: a ~500 KB bomb must not take the process anywhere near its inflated size ------------------------------
MAXRSS = ("import resource, sys\nfrom newsdesk.cli import main\nrc = main(sys.argv[1:])\n"
          "print('MAXRSS', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)\nsys.exit(rc)\n")


def peak_kb(*args: str) -> tuple[int, subprocess.CompletedProcess]:
    """The real `newsdesk` verb in a fresh process; returns its peak resident memory in KiB and the result."""
    r = subprocess.run([sys.executable, "-c", MAXRSS, *args], capture_output=True, text=True, cwd=ROOT, timeout=120)
    line = [x for x in r.stderr.splitlines() if x.startswith("MAXRSS ")]
    assert line, r.stderr[-2000:]
    return int(line[-1].split()[1]), r


def warc_with(path, body: bytes) -> None:
    with open(path, "wb") as out:
        w = WARCWriter(out, gzip=True)
        headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html")], protocol="HTTP/1.1")
        w.write_record(w.create_warc_record("https://a.example/page", "response", payload=io.BytesIO(body),
                                           http_headers=headers))


@pytest.fixture(scope="module")
def bombs(tmp_path_factory):
    d = tmp_path_factory.mktemp("bombs")
    good = page("Council approves new tram line", "tram")
    (d / "good.html").write_bytes(good)
    (d / "good.html.gz").write_bytes(gzip.compress(good))
    (d / "good.jsonl.gz").write_bytes(gzip.compress(b'{"title": "Tram", "text": "The tram line opens."}\n'))
    warc_with(d / "good.warc.gz", page("Harbour cleanup begins", "harbour"))
    (d / "bomb.html").write_bytes(bomb())  # a gzipped page kept without its .gz name: sniffed by its magic bytes
    (d / "bomb.html.gz").write_bytes(bomb())
    (d / "bomb.jsonl.gz").write_bytes(bomb())
    warc_with(d / "bomb.warc.gz", bomb())  # a record whose page is gzip without Content-Encoding
    assert 400_000 < len(bomb()) < 600_000
    return d


@pytest.mark.parametrize("name", ["bomb.html", "bomb.jsonl.gz", "bomb.warc.gz"])
@pytest.mark.slow
def test_ingest_of_a_gzip_bomb_stays_small(bombs, tmp_path, name):
    goods = [str(bombs / g) for g in ("good.html", "good.jsonl.gz", "good.warc.gz")]
    base, r = peak_kb("--db", str(tmp_path / "base.db"), "ingest", *goods)
    assert r.returncode == 0, r.stderr
    peak, r = peak_kb("--db", str(tmp_path / "bomb.db"), "ingest", str(bombs / name), *goods)
    assert peak - base < 100_000, f"peak {peak} KiB against {base} KiB without the bomb"
    assert r.returncode == 1 and name in r.stderr and "limit" in r.stderr, r.stderr
    assert "3 new articles" in r.stdout  # the good inputs after the bomb were still read


def test_extract_verb_on_a_gzip_bomb_stays_small(bombs):
    base, r = peak_kb("extract", str(bombs / "good.html.gz"))
    assert r.returncode == 0, r.stderr
    peak, r = peak_kb("extract", str(bombs / "bomb.html.gz"), str(bombs / "good.html.gz"))
    assert peak - base < 100_000, f"peak {peak} KiB against {base} KiB without the bomb"
    assert r.returncode == 1 and "bomb.html.gz" in r.stderr and "inflates past the limit" in r.stderr, r.stderr
    assert json.loads(r.stdout)["title"] == "Council approves new tram line"


# -- .gz JSON lines: streamed, every suffix README names, cut-off files -------------------------------------------
def lines(*records: dict) -> bytes:
    return b"".join(json.dumps(r).encode() + b"\n" for r in records)


RECORDS = [{"id": f"r{i}", "title": f"Story {i}", "text": f"The council met for the {i}th time on Tuesday."}
           for i in range(40)]


@pytest.mark.parametrize("suffix", [".jsonl.gz", ".ndjson.gz", ".json.gz", ".ndjson", ".json"])
def test_every_json_lines_suffix_is_read(tmp_path, suffix):
    path = tmp_path / f"batch{suffix}"
    data = lines(*RECORDS[:3])
    path.write_bytes(gzip.compress(data) if suffix.endswith(".gz") else data)
    items = list(read_path(path))
    assert [i.origin for i in items] == [f"{path}:1", f"{path}:2", f"{path}:3"]
    assert [json.loads(i.body)["id"] for i in items] == ["r0", "r1", "r2"]


def test_a_cut_off_jsonl_gz_keeps_the_lines_before_the_cut(tmp_path):
    data = gzip.compress(lines(*RECORDS))
    path = tmp_path / "cut.jsonl.gz"
    path.write_bytes(data[: len(data) * 2 // 3])
    items = list(read_path(path))
    *good, err = items
    assert good and all(isinstance(i, RawInput) for i in good)
    assert [json.loads(i.body)["id"] for i in good] == [r["id"] for r in RECORDS[: len(good)]]
    assert isinstance(err, SourceError) and str(path) in err.origin and "cut off" in err.message
    assert err.origin == f"{path}:{len(good) + 1}"
    # the piece of the cut line that did inflate is kept raw with the error
    assert err.raw is not None and err.raw.kind == "partial"
    assert lines(RECORDS[len(good)]).startswith(err.raw.body)


def test_cli_ingest_of_a_cut_off_jsonl_gz(tmp_path):
    data = gzip.compress(lines(*RECORDS))
    path = tmp_path / "cut.jsonl.gz"
    path.write_bytes(data[: len(data) // 2])
    db = str(tmp_path / "c.db")
    r = run_cli("ingest", str(path), db=db)
    assert r.returncode == 1 and f"{path}:" in r.stderr and "cut off" in r.stderr, r.stderr
    with Store(db) as store:
        ids = [a.external_id for a in store.articles()]
        assert ids and ids == [r["id"] for r in RECORDS[: len(ids)]]
        assert any("cut off" in e for _, e in store.raw_errors())


def test_an_over_long_line_is_refused_and_the_next_lines_read(tmp_path):
    path = tmp_path / "big.jsonl.gz"
    # a bomb line between two good ones, each in its own gzip member
    path.write_bytes(gzip.compress(lines(RECORDS[0])) + bomb(3) + gzip.compress(b"\n" + lines(RECORDS[1])))
    items = list(read_path(path))
    assert [type(i).__name__ for i in items] == ["RawInput", "SourceError", "RawInput"]
    assert items[1].origin == f"{path}:2" and f"limit of {LIMITS.input_bytes} bytes" in items[1].message
    assert json.loads(items[2].body)["id"] == "r1" and items[2].origin == f"{path}:3"


def test_oversized_html_file_is_refused_by_its_size(tmp_path):
    path = tmp_path / "huge.html"
    with open(path, "wb") as f:  # sparse: the test never writes the bytes
        f.truncate(LIMITS.input_bytes + 1)
    (err,) = list(read_path(path))
    assert isinstance(err, SourceError) and err.origin == str(path)
    assert f"{LIMITS.input_bytes + 1} bytes" in err.message and f"limit of {LIMITS.input_bytes} bytes" in err.message


@pytest.mark.slow
def test_a_50_mb_article_is_refused_and_the_rest_built(tmp_path):
    """A 50 MB line is refused by its length; a line under that limit whose text is over the article limit is
    refused by its text; the good line between them becomes a story, and `build` finishes."""
    path = tmp_path / "big.jsonl"
    para = "The council met on Tuesday. Mr. Smith said the plan was fine. " * 40 + "\n\n"
    with open(path, "w") as f:
        f.write(json.dumps({"id": "huge", "title": "Huge", "text": para * (50_000_000 // len(para))}) + "\n")
        f.write(json.dumps(RECORDS[0]) + "\n")
        f.write(json.dumps({"id": "long", "title": "Long", "text": para * (LIMITS.article_chars // len(para) + 1)})
                + "\n")
    db = str(tmp_path / "b.db")
    r = run_cli("ingest", str(path), db=db)
    assert r.returncode == 1, r.stderr
    assert f"{path}:1: line of 5" in r.stderr and f"limit of {LIMITS.input_bytes} bytes" in r.stderr, r.stderr
    assert f"{path}:3: " in r.stderr and f"limit of {LIMITS.article_chars} characters" in r.stderr, r.stderr
    assert "1 new articles" in r.stdout
    r = run_cli("build", db=db)
    assert r.returncode == 0 and "1 new and 0 updated stories" in r.stdout, r.stderr


def test_control_characters_and_lone_surrogates_leave_json_records(tmp_path):
    path = tmp_path / "ctl.jsonl"
    text = "The council met on\x0bTuesday.\x01 It voted\x0cfor the plan \ud800 at noon.\tThen it rose."
    path.write_text(json.dumps({"id": "c", "title": "Council\x00 votes\x1b", "text": text}) + "\n")
    db = str(tmp_path / "c.db")
    r = run_cli("ingest", str(path), db=db)
    assert r.returncode == 0, r.stderr
    with Store(db) as store:
        (a,) = store.articles()
    assert a.title == "Council votes"
    assert a.text == "The council met on Tuesday. It voted for the plan \ufffd at noon.\tThen it rose."
