"""HTTP fetching for feeds and article pages: httpx with the limits a long-running reader of the open web needs.

What httpx does not do by itself, and this module adds:
- one deadline per `Fetcher.get` (`FetchSettings.timeout`): DNS, connect, TLS, request, status line, headers and
  body of every redirect hop, retry and the robots.txt fetch share it (the network backend that holds every
  operation to it is in `network.py`);
- refusal of hosts that resolve to private, loopback, link-local or reserved addresses (SSRF), IPv4 addresses
  inside IPv6 (NAT64, 6to4, Teredo, IPv4-mapped) included, checked on every redirect hop and again on the address
  each connection actually reached, before the request is sent (a DNS answer that changes between the check and
  the connection, DNS rebinding, is caught there); `allow_private=True` for tests and intranets. Error messages
  never say which address a name resolved to (they are shown on the feeds page);
- a byte limit on the *decoded* body, inflated in bounded steps from the raw stream, so that neither an oversized
  page nor a gzip bomb (nor gzip inside gzip) is ever held in memory beyond the limit;
- per-host politeness: at most `per_host` requests at a time to one host, a delay between them, robots.txt
  (`urllib.robotparser`, fetched through this same fetcher) with its Crawl-delay honoured;
- retries with exponential backoff on connection errors, 429 and 5xx, honouring Retry-After;
- conditional GET (If-None-Match / If-Modified-Since).

Proxies from the environment (HTTP_PROXY, ...) are not used: the address checks must see the server itself.
"""
from __future__ import annotations

import ipaddress
import threading
import time
import zlib
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import Iterable, Iterator
from urllib.parse import urljoin, urlsplit
from urllib.robotparser import RobotFileParser

import httpx

from ..models import RawInput
from ..settings import FetchSettings  # lives with every other section; imported from here too
from ..settings import current as current_settings
from ..errors import NewsdeskError
from .network import (AddressRefused, DeadlineBackend, current_deadline, cut_to_deadline, deadline,
                      deadline_transport, is_public_address, resolve)

INFLATE_STEP = 64 * 1024  # the most one call to zlib may inflate: a compressed chunk never expands all at once


class FetchError(NewsdeskError):
    """A URL that gave no usable response; `body` holds whatever bytes did arrive (kept raw by callers); `final`
    means another attempt would fail the same way."""

    def __init__(self, url: str, message: str, status: int | None = None, body: bytes = b"", final: bool = False):
        super().__init__(message)
        self.url, self.message, self.status, self.body, self.final = url, message, status, body, final

    def __str__(self) -> str:
        return self.message


@dataclass
class FetchResult:
    url: str  # after redirects
    status: int
    body: bytes
    headers: dict[str, str]
    fetched_at: datetime
    not_modified: bool = False

    @property
    def etag(self) -> str | None:
        return self.headers.get("etag")

    @property
    def last_modified(self) -> str | None:
        return self.headers.get("last-modified")

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip().lower()


def check_address(url: str, allow_private: bool) -> None:
    """Raises FetchError unless `url` is http(s) and (unless allowed) every address of its host is public. The
    message names the host, never the addresses it resolved to."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise FetchError(url, f"not an http(s) URL: {url!r}", final=True)
    if allow_private:
        return
    host = parts.hostname
    allow = "(set allow_private / NEWSDESK_ALLOW_PRIVATE=1 to allow)"
    try:
        ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        pass
    else:  # the URL itself names the address: saying it reveals nothing
        if not is_public_address(host):
            raise FetchError(url, f"refused: non-public address {host} {allow}", final=True)
        return
    try:
        infos = resolve(host, parts.port or (443 if parts.scheme == "https" else 80))
    except TimeoutError as e:
        raise FetchError(url, f"timed out ({e})") from e
    except (OSError, UnicodeError) as e:
        raise FetchError(url, f"cannot resolve host {host!r}: {e}") from e
    if not all(is_public_address(info[4][0]) for info in infos):
        raise FetchError(url, f"refused: {host} resolves to a non-public address {allow}", final=True)


# -- decoding ----------------------------------------------------------------------------------------------------
class _Undecodable(Exception):
    pass


def _inflate(source: Iterator[bytes], coding: str) -> Iterator[bytes]:
    """Inflates a gzip or deflate stream in pieces of at most INFLATE_STEP bytes. Hand-written because httpx's
    decoders inflate each network chunk whole: 64 kB of gzip become 64 MB, and gzip inside gzip a thousand times
    that, before any limit can look. Concatenated gzip members are all read; bytes after the end of the stream are
    dropped and a stream cut short yields what it held, as httpx and browsers do. A body that does not start
    compressed (no gzip magic; neither zlib nor raw deflate) is passed on as it came: servers label plain feeds
    gzip, and feedparser's test material keeps such cases."""
    gzip = coding in ("gzip", "x-gzip")
    inflater = None  # None between members, and before the first
    started = finished = passing = False
    buffered = b""
    for chunk in source:
        if passing:
            yield chunk
            continue
        if finished:
            continue
        data, buffered = buffered + chunk, b""
        while data:
            first = not started
            if inflater is None:
                if len(data) < 2:
                    buffered = data
                    break
                if gzip and data[:2] != b"\x1f\x8b":
                    if first:
                        passing = True
                        yield data
                    else:
                        finished = True  # not another gzip member: trailing bytes
                    break
                # deflate is zlib-wrapped by the RFC, raw from some servers: a zlib header says which
                zlib_header = data[0] & 0x0F == 8 and int.from_bytes(data[:2], "big") % 31 == 0
                inflater, started = zlib.decompressobj(31 if gzip else 15 if zlib_header else -15), True
            while True:
                try:
                    out = inflater.decompress(data, INFLATE_STEP)
                except zlib.error as e:
                    if first and not gzip and not zlib_header:
                        passing, inflater = True, None
                        yield data
                        break
                    raise _Undecodable(f"{coding}: {e}") from e
                first = False
                if out:
                    yield out
                data = inflater.unconsumed_tail
                # with all input taken, output may still wait inside zlib while the last piece came out full
                if inflater.eof or (not data and len(out) < INFLATE_STEP):
                    break
            if passing:
                break
            if inflater.eof:
                data, inflater = inflater.unused_data, None
                if not gzip:
                    finished = True
                    break
    if buffered and not started:
        yield buffered  # a body of one byte: not compressed
    if inflater is not None:
        try:
            tail = inflater.flush()  # a stream cut short: all input is taken, so this is at most a match's length
        except zlib.error as e:
            raise _Undecodable(f"{coding}: {e}") from e
        if tail:
            yield tail


class _RawTap:
    """The raw bytes of a response as they pass, up to `limit`: what is kept when they cannot be decoded."""

    def __init__(self, source: Iterator[bytes], limit: int):
        self.source, self.limit, self.kept, self.size = source, limit, [], 0

    def __iter__(self) -> Iterator[bytes]:
        for chunk in self.source:
            if self.size < self.limit:
                self.kept.append(chunk[: self.limit - self.size])
                self.size += len(self.kept[-1])
            yield chunk


def _decoded(response: httpx.Response, raw: Iterable[bytes], max_codings: int) -> Iterator[bytes]:
    """The body of `response` from its `raw` stream, every content coding undone in bounded steps."""
    codings = [c.strip().lower() for c in response.headers.get_list("content-encoding", split_commas=True)]
    codings = [c for c in codings if c and c != "identity"]
    if len(codings) > max_codings:
        raise _Undecodable(f"{len(codings)} content codings ({', '.join(codings[:3])}{', ...' * (len(codings) > 3)})"
                           f", at most {max_codings}")
    stream: Iterator[bytes] = iter(raw)
    for coding in reversed(codings):  # the last one applied is the first undone
        if coding in ("gzip", "x-gzip", "deflate"):
            stream = _inflate(stream, coding)
        # other codings were not asked for (Accept-Encoding): passed on as they came, as httpx does
    return stream


class _Host:
    def __init__(self, slots: int):
        self.slots = threading.Semaphore(slots)
        self.lock = threading.Lock()
        self.next_start = 0.0
        self.robots: RobotFileParser | None = None
        self.robots_until = 0.0
        self.robots_error: str | None = None  # why robots.txt could not be read, while that keeps us away
        self.delay = 0.0


class Fetcher:
    """One per process (or per polling loop): it holds the connection pool and the per-host state. `transport`
    replaces the network (tests); the deadline and the connected-address check then apply only as far as it
    honours them."""

    def __init__(self, settings: FetchSettings | None = None, transport: httpx.BaseTransport | None = None):
        self.settings = settings or current_settings().fetch
        s = self.settings
        self.client = httpx.Client(
            follow_redirects=False,  # followed by hand so that every hop is checked
            timeout=httpx.Timeout(s.timeout, connect=s.connect_timeout),
            headers={"User-Agent": s.user_agent, "Accept-Encoding": "gzip, deflate"},
            transport=transport or deadline_transport(DeadlineBackend(lambda: self.settings.allow_private)),
        )
        self._hosts: dict[str, _Host] = {}
        self._hosts_lock = threading.Lock()
        self.sleep = time.sleep  # replaced in tests

    def close(self) -> None:
        self.client.close()

    def __enter__(self) -> "Fetcher":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _host(self, url: str) -> _Host:
        key = urlsplit(url).netloc.lower()
        with self._hosts_lock:
            if key not in self._hosts:
                self._hosts[key] = _Host(self.settings.per_host)
            return self._hosts[key]

    def _deadline(self):
        return deadline(self.settings.timeout, backoff=self.settings.max_backoff)

    # -- public -----------------------------------------------------------------------------------------------
    def get(self, url: str, etag: str | None = None, last_modified: str | None = None) -> FetchResult:
        """GET with redirects, limits, politeness and retries, all within one deadline (see FetchSettings);
        raises FetchError naming what went wrong."""
        headers = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        seen: list[str] = []
        current = url
        with self._deadline():
            while True:
                check_address(current, self.settings.allow_private)
                if self.settings.robots and not self.allowed(current):
                    why = self._host(current).robots_error
                    raise FetchError(current, f"robots.txt gave no answer ({why}); not fetching from this host for "
                                     "now" if why else "disallowed by robots.txt")
                result = self._get_with_retries(current, headers)
                if result.status in (301, 302, 303, 307, 308) and "location" in result.headers:
                    seen.append(current)
                    current = urljoin(current, result.headers["location"])
                    if current in seen:
                        raise FetchError(url, f"redirect loop ({len(seen)} hops, back to {current})")
                    if len(seen) > self.settings.max_redirects:
                        raise FetchError(url, f"too many redirects (more than {self.settings.max_redirects})")
                    continue
                if result.status == 304:
                    result.not_modified = True
                    return result
                if result.status >= 400:
                    raise FetchError(current, f"HTTP {result.status}", status=result.status, body=result.body)
                return result

    def allowed(self, url: str) -> bool:
        """robots.txt for our user agent; cached per host. RFC 9309: 4xx means no rules, 5xx or no answer means
        stay away for now. Inside get() its fetch shares get()'s deadline."""
        host = self._host(url)
        now = time.monotonic()
        if host.robots is None or now >= host.robots_until:
            parts = urlsplit(url)
            robots_url = f"{parts.scheme}://{parts.netloc}/robots.txt"
            parser = RobotFileParser(robots_url)
            host.robots_error, ttl = None, self.settings.robots_seconds
            try:
                with self._deadline():
                    r = self._get_with_retries(robots_url, {}, retries=0)
                if r.status >= 500:
                    parser.disallow_all = True
                    host.robots_error, ttl = f"HTTP {r.status}", self.settings.robots_retry_seconds
                elif r.status >= 400 or r.status in (301, 302, 303, 307, 308):
                    parser.allow_all = True
                else:
                    parser.parse(r.body.decode("utf-8", "replace").splitlines())
            except FetchError as e:
                if e.status is not None and 400 <= e.status < 500:
                    parser.allow_all = True
                else:
                    # A host that does not answer now may answer soon: ask again after a short while, not an hour.
                    parser.disallow_all = True
                    host.robots_error, ttl = e.message, self.settings.robots_retry_seconds
            host.robots, host.robots_until = parser, now + ttl
            rules = not (parser.allow_all or parser.disallow_all)
            delay = parser.crawl_delay(self.settings.user_agent) if rules else None
            host.delay = min(float(delay or 0), self.settings.max_crawl_delay)
        return host.robots.can_fetch(self.settings.user_agent, url)

    # -- internals ---------------------------------------------------------------------------------------------
    def _get_with_retries(self, url: str, headers: dict, retries: int | None = None) -> FetchResult:
        """Retries transient failures while the deadline lasts, sleeping the backoff outside it; a wait longer
        than the backoff left to this get() gives up at once (the failure as it stands is the answer)."""
        s = self.settings
        current = current_deadline()
        assert current is not None, "called within a deadline"
        retries = s.retries if retries is None else retries
        wait = s.backoff
        for attempt in range(retries + 1):
            try:
                result = self._get_once(url, headers)
            except FetchError as e:
                if e.status is not None or e.final or attempt == retries or current.left() <= 0:
                    raise
                if wait > current.backoff_left:
                    raise
            else:
                if result.status != 429 and result.status < 500 or attempt == retries or current.left() <= 0:
                    return result
                retry_after = _retry_after(result.headers.get("retry-after"))
                if retry_after is not None:
                    wait = max(wait, retry_after)
                if wait > current.backoff_left:
                    return result
            current.backoff_left -= wait
            slept_from = time.monotonic()
            self.sleep(wait)
            current.excuse(slept_from)
            wait *= 2
        raise AssertionError("unreachable")

    def _polite(self, url: str) -> _Host:
        """Takes a slot of the URL's host and waits for its turn; the wait is not charged to the deadline."""
        host = self._host(url)
        current = current_deadline()
        started = time.monotonic()
        host.slots.acquire()
        with host.lock:
            now = time.monotonic()
            start = max(now, host.next_start)
            host.next_start = start + max(self.settings.host_delay, host.delay)
        if start > now:
            self.sleep(start - now)
        if current is not None:
            current.excuse(started)
        return host

    def _get_once(self, url: str, headers: dict) -> FetchResult:
        s = self.settings
        host = self._polite(url)
        chunks: list[bytes] = []
        answered, raw = False, None
        try:
            # the pool wait is the one wait httpcore makes outside the network backend: cut it to the deadline too
            timeout = httpx.Timeout(s.timeout, connect=s.connect_timeout, pool=cut_to_deadline(s.timeout, httpx.PoolTimeout))
            with self.client.stream("GET", url, headers=headers, timeout=timeout) as response:
                answered = True
                size = 0
                raw = _RawTap(response.iter_raw(), s.max_bytes)
                for chunk in _decoded(response, raw, s.max_content_codings):  # the limit applies once decoded
                    cut_to_deadline(None, httpx.ReadTimeout)  # already so through our backend; also for another transport
                    size += len(chunk)
                    if size > s.max_bytes:
                        chunks.append(chunk[: max(0, s.max_bytes - (size - len(chunk)))])
                        raise FetchError(url, f"response larger than the limit of {s.max_bytes} bytes "
                                              "(after decompression)", body=b"".join(chunks), final=True)
                    chunks.append(chunk)
                return FetchResult(
                    url=url, status=response.status_code, body=b"".join(chunks),
                    headers={k.lower(): v for k, v in response.headers.items()},
                    fetched_at=datetime.now(timezone.utc),
                )
        except _Undecodable as e:  # the bytes as they came are what is worth keeping
            raise FetchError(url, f"undecodable content encoding: {e}", body=b"".join(raw.kept if raw else ()),
                             final=True) from e
        except AddressRefused as e:
            raise FetchError(url, str(e), final=True) from e
        except httpx.TimeoutException as e:
            raise FetchError(url, f"timed out after {s.timeout:g}s ({_while(e, answered)})",
                             body=b"".join(chunks)) from e
        except httpx.TooManyRedirects as e:  # not raised with follow_redirects=False, kept for safety
            raise FetchError(url, "too many redirects") from e
        except httpx.HTTPError as e:
            raise FetchError(url, f"{type(e).__name__}: {e}", body=b"".join(chunks)) from e
        finally:
            host.slots.release()


def _while(error: httpx.TimeoutException, answered: bool) -> str:
    if isinstance(error, httpx.ConnectTimeout):
        return "looking up or connecting to the host"
    if isinstance(error, httpx.WriteTimeout):
        return "sending the request"
    if isinstance(error, httpx.PoolTimeout):
        return "waiting for a connection"
    return "body still arriving" if answered else "waiting for the response"


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, (parsedate_to_datetime(value) - datetime.now(timezone.utc)).total_seconds())
    except (TypeError, ValueError):
        return None


def is_url(s: str) -> bool:
    return s.lower().startswith(("http://", "https://"))


def read_url(url: str, fetcher: Fetcher | None = None) -> Iterator[RawInput | "SourceError"]:  # noqa: F821
    """One page as a RawInput (kind html), or a SourceError that carries the bytes received before the failure
    (kind 'partial') so that callers keep them raw."""
    from . import SourceError

    own = fetcher is None
    fetcher = fetcher or Fetcher()
    try:
        r = fetcher.get(url)
    except FetchError as e:
        partial = RawInput(body=e.body, kind="partial", origin=url, url=url, fetched_at=datetime.now(timezone.utc))
        yield SourceError(url, e.message, raw=partial if e.body else None)
        return
    finally:
        if own:
            fetcher.close()
    yield RawInput(body=r.body, kind="html", origin=url, url=r.url, fetched_at=r.fetched_at)
