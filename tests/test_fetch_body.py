"""The body limit holds for memory, not only for what is returned: a compressed body is inflated in bounded steps,
one layer after another, so that neither one gzip layer (about 1000:1) nor gzip inside gzip (about 1,000,000:1)
is ever held inflated beyond the limit."""
from __future__ import annotations

import tracemalloc
import zlib
from pathlib import Path

import pytest

from newsdesk.sources.fetch import Fetcher, FetchError, FetchSettings

from newsserver import NewsServer

LIMIT = 200_000


def gzip_stream(chunks, wbits: int = 31) -> bytes:
    packer = zlib.compressobj(9, zlib.DEFLATED, wbits)
    return b"".join([packer.compress(c) for c in chunks] + [packer.flush()])


def settings(**kw) -> FetchSettings:
    return FetchSettings(**{**dict(allow_private=True, host_delay=0.0, retries=0, timeout=10.0, robots=False,
                                   max_bytes=LIMIT), **kw})


@pytest.mark.parametrize("layers", [1, 2])
def test_compression_bomb_never_held_inflated(layers):
    body = gzip_stream(bytes(1 << 20) for _ in range(100))  # 100 MiB of zeros: about 100 kB
    if layers == 2:
        body = gzip_stream([body])  # about 300 bytes
    with NewsServer() as s, Fetcher(settings()) as f:
        s.routes["/bomb.html"] = lambda req: (
            200, {"Content-Type": "text/html", "Content-Encoding": ", ".join(["gzip"] * layers)}, body)
        tracemalloc.start()
        try:
            with pytest.raises(FetchError, match=f"larger than the limit of {LIMIT} bytes") as e:
                f.get(s.url("/bomb.html"))
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    assert len(e.value.body) == LIMIT  # what was read is there for the caller to keep, and no more
    assert peak < 20 * LIMIT, f"{peak / 1e6:.1f} MB held for a {LIMIT / 1e6:.1f} MB limit"


@pytest.mark.parametrize("encoding,packed", [
    ("gzip", lambda d: gzip_stream([d])),
    ("x-gzip", lambda d: gzip_stream([d])),
    ("deflate", lambda d: gzip_stream([d], wbits=15)),           # zlib-wrapped, as RFC 9110 says
    ("deflate", lambda d: gzip_stream([d], wbits=-15)),          # raw deflate, as some servers send
    ("gzip", lambda d: gzip_stream([d[:5000]]) + gzip_stream([d[5000:]])),  # two gzip members
    ("gzip, deflate", lambda d: gzip_stream([gzip_stream([d])], wbits=15)),
    ("identity", lambda d: d),
    ("br", lambda d: d),  # not asked for and not decoded: passed on as it came, as httpx does without brotli
])
def test_content_encodings_are_decoded(encoding, packed):
    page = b"<html><body>" + b"<p>The tram line opens in May.</p>" * 2000 + b"</body></html>"
    with NewsServer() as s, Fetcher(settings()) as f:
        s.routes["/p.html"] = lambda req: (200, {"Content-Type": "text/html", "Content-Encoding": encoding},
                                           packed(page))
        assert f.get(s.url("/p.html")).body == page


def test_corrupt_gzip_is_a_clear_error():  # a deflate block of the reserved type 3
    with NewsServer() as s, Fetcher(settings()) as f:
        s.routes["/bad.html"] = lambda req: (200, {"Content-Type": "text/html", "Content-Encoding": "gzip"},
                                             b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff" + b"\xff" * 20)
        with pytest.raises(FetchError, match="undecodable content encoding"):
            f.get(s.url("/bad.html"))


def test_more_content_codings_than_allowed_are_refused():
    # every layer holds an inflater while it works: 1000 layers in a 23 kB response held 7.6 MB (tracemalloc)
    body = b"<p>hello</p>"
    for _ in range(1000):
        body = gzip_stream([body])
    with NewsServer() as s, Fetcher(settings(max_content_codings=2)) as f:
        s.routes["/deep.html"] = lambda req: (200, {"Content-Type": "text/html",
                                                    "Content-Encoding": ", ".join(["gzip"] * 1000)}, body)
        with pytest.raises(FetchError, match="1000 content codings .* at most 2"):
            f.get(s.url("/deep.html"))
        s.routes["/two.html"] = lambda req: (200, {"Content-Type": "text/html", "Content-Encoding": "gzip, gzip"},
                                             gzip_stream([gzip_stream([b"<p>hello</p>"])]))
        assert f.get(s.url("/two.html")).body == b"<p>hello</p>"


FEEDPARSER = Path(__file__).parent / "data" / "feedparser-compression"
ATOM = b'<feed xmlns="http://www.w3.org/2005/Atom"></feed>\n'


@pytest.mark.parametrize("name,encoding,expected", [
    ("gzip.gz", "gzip", ATOM),
    ("deflate.z", "deflate", ATOM),
    ("deflate-no-headers.z", "deflate", ATOM),
    ("gzip-not-compressed.gz", "gzip", b"<feed><title>gzip</title></feed>"),  # labelled gzip, sent plain
    ("deflate-not-compressed.z", "deflate", b"<feed><title>deflate</title></feed>\n"),
])
def test_feedparser_compression_material(name, encoding, expected):
    body = (FEEDPARSER / name).read_bytes()
    with NewsServer() as s, Fetcher(settings()) as f:
        s.routes["/feed"] = lambda req: (200, {"Content-Type": "application/atom+xml", "Content-Encoding": encoding},
                                         body)
        assert f.get(s.url("/feed")).body == expected


def test_feedparser_gzip_with_a_bad_checksum_is_an_error_that_keeps_the_raw_bytes():
    body = (FEEDPARSER / "gzip-struct-error.gz").read_bytes()
    with NewsServer() as s, Fetcher(settings()) as f:
        s.routes["/feed"] = lambda req: (200, {"Content-Type": "application/atom+xml", "Content-Encoding": "gzip"},
                                         body)
        with pytest.raises(FetchError, match="undecodable content encoding: gzip: .*incorrect data check") as e:
            f.get(s.url("/feed"))
    assert e.value.body == body
