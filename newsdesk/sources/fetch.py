"""HTTP fetching for feeds and article pages: httpx with the limits a long-running reader of the open web needs.

What httpx does not do by itself, and this module adds:
- one deadline per `Fetcher.get` (`FetchSettings.timeout`): DNS, connect, TLS, request, status line, headers and
  body of every redirect hop, retry and the robots.txt fetch share it. httpx's timeouts are per operation, so a
  server dripping one byte a second never trips them; here httpcore is given a network backend whose every
  lookup, connect, read and write is cut to what is left of the deadline;
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
import socket
import threading
import time
import zlib
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import Callable, Iterable, Iterator
from urllib.parse import urljoin, urlsplit
from urllib.robotparser import RobotFileParser

import httpcore
import httpx

from .. import __version__
from ..models import RawInput
from ..settings import LIMITS, env_flag, env_float

USER_AGENT = f"newsdesk/{__version__} (+https://github.com/newsdesk; self-hosted news reader)"
ROBOTS_TTL = 3600.0
ROBOTS_RETRY = 300.0
MAX_CRAWL_DELAY = 30.0
INFLATE_STEP = 64 * 1024  # the most one call to zlib may inflate: a compressed chunk never expands all at once


@dataclass
class FetchSettings:
    # One deadline per get(): DNS, connect, TLS, request, status line, headers and body of every redirect hop, every
    # retry attempt and the robots.txt fetch share these seconds, so a polling loop knows what one URL can cost.
    # Besides them a get() only sleeps: for politeness (host_delay, or the host's Crawl-delay up to MAX_CRAWL_DELAY,
    # before each request to a host) and for retry backoff (max_backoff seconds in all). $NEWSDESK_FETCH_SECONDS.
    timeout: float = field(default_factory=lambda: env_float("NEWSDESK_FETCH_SECONDS", 20.0))
    connect_timeout: float = 10.0  # one connection attempt, within the deadline
    max_bytes: int = field(default_factory=lambda: LIMITS.input_bytes)  # decoded body; a gzip bomb stops here
    max_content_codings: int = 2  # layers of Content-Encoding; each one holds a zlib window while it inflates
    max_redirects: int = 5
    retries: int = 2  # extra attempts after the first, on transient failures only, while the deadline lasts
    backoff: float = 1.0  # seconds before the first retry, doubled each time
    max_backoff: float = 60.0  # seconds of backoff one get() may sleep in all; a longer Retry-After gives up at once
    per_host: int = 1  # requests in flight to one host
    host_delay: float = 1.0  # seconds between the starts of two requests to one host
    robots: bool = True
    allow_private: bool = field(default_factory=lambda: env_flag("NEWSDESK_ALLOW_PRIVATE"))
    user_agent: str = USER_AGENT


class FetchError(Exception):
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


# -- the deadline ------------------------------------------------------------------------------------------------
class Deadline:
    """The time one get() may still spend on the network, and the backoff it may still sleep."""

    def __init__(self, seconds: float, backoff: float = 0.0):
        self.seconds, self.at, self.backoff_left = seconds, time.monotonic() + seconds, backoff

    def left(self) -> float:
        return self.at - time.monotonic()

    def excuse(self, since: float) -> None:
        """Gives back the time since `since` (time.monotonic()): it went on waits of ours (politeness, backoff),
        not on the server."""
        self.at += time.monotonic() - since


# The request in progress on this thread (or task): httpcore calls the network backend with per-operation timeouts
# only, so the backend finds the request's deadline here.
_current: ContextVar[Deadline | None] = ContextVar("newsdesk_fetch_deadline", default=None)


@contextmanager
def deadline(seconds: float, backoff: float = 0.0) -> Iterator[Deadline]:
    """Every lookup, connect, read and write made through a Fetcher inside this block shares one deadline; a block
    inside another keeps the outer one."""
    outer = _current.get()
    if outer is not None:
        yield outer
        return
    token = _current.set(Deadline(seconds, backoff))
    try:
        yield _current.get()  # type: ignore[misc]
    finally:
        _current.reset(token)


def _cut(timeout: float | None, expired: type[Exception]) -> float | None:
    """`timeout` cut to what is left of the current deadline; raises `expired` when nothing is left."""
    current = _current.get()
    if current is None:
        return timeout
    left = current.left()
    if left <= 0:
        raise expired(f"the {current.seconds:g}s deadline has passed")
    return left if timeout is None else min(timeout, left)


# -- addresses ---------------------------------------------------------------------------------------------------
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")  # RFC 6052 well-known prefix: the IPv4 address is the last 32 bits
_NAT64_LOCAL = ipaddress.IPv6Network("64:ff9b:1::/48")  # RFC 8215 local use: never global, whatever it embeds
_IPV4_TRANSLATED = ipaddress.IPv6Network("::ffff:0:0:0/96")  # RFC 2765 (SIIT)
_IPV4_COMPATIBLE = ipaddress.IPv6Network("::/96")  # RFC 4291, deprecated


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """The IPv4 addresses an IPv6 address leads to through a translator or tunnel."""
    found = [a for a in (ip.ipv4_mapped, ip.sixtofour) if a is not None]
    if ip.teredo:
        found += ip.teredo  # (server, client); `ipaddress` has already undone the client's bit inversion
    if ip in _NAT64 or ip in _IPV4_TRANSLATED or ip in _IPV4_COMPATIBLE:
        found.append(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
    return found


def is_public_address(address: str) -> bool:
    """Whether `address` (IPv4 or IPv6, with or without a %scope) is one the open web may be fetched from: globally
    reachable, not multicast, and, for IPv6, no private or loopback IPv4 address embedded in it."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address):
        if ip in _NAT64_LOCAL or not all(is_public_address(str(v4)) for v4 in _embedded_ipv4(ip)):
            return False
    return ip.is_global and not ip.is_multicast


class _Refused(Exception):
    """Raised inside httpcore, which passes it through untouched, when a connection reached a non-public address."""

    def __init__(self, host: str):
        super().__init__(f"refused: {host} resolved to a non-public address when connecting "
                         "(set allow_private / NEWSDESK_ALLOW_PRIVATE=1 to allow)")


def _resolve(host: str, port: int) -> list[tuple]:
    """getaddrinfo within the current deadline (raises TimeoutError when it passes, socket.gaierror when the name
    does not resolve). The system resolver has no timeout of its own, so a lookup runs in a daemon thread that is
    left behind when the deadline passes; it ends when the resolver gives up (tens of seconds at most)."""
    try:
        ip = ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        pass
    else:  # a literal: no lookup, nothing to wait for
        family = socket.AF_INET6 if ip.version == 6 else socket.AF_INET
        return [(family, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (host, port))]
    current = _current.get()
    if current is None:
        return socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    answer: dict[str, object] = {}
    done = threading.Event()

    def lookup() -> None:
        try:
            answer["infos"] = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except Exception as e:  # noqa: BLE001 - handed to the waiting thread as it is
            answer["error"] = e
        finally:
            done.set()

    threading.Thread(target=lookup, name=f"newsdesk-resolve-{host}", daemon=True).start()
    if not done.wait(max(0.0, current.left())):
        raise TimeoutError(f"looking up {host} took longer than the {current.seconds:g}s deadline")
    if "error" in answer:
        raise answer["error"]  # type: ignore[misc]
    return answer["infos"]  # type: ignore[return-value]


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
        infos = _resolve(host, parts.port or (443 if parts.scheme == "https" else 80))
    except TimeoutError as e:
        raise FetchError(url, f"timed out ({e})") from e
    except (OSError, UnicodeError) as e:
        raise FetchError(url, f"cannot resolve host {host!r}: {e}") from e
    if not all(is_public_address(info[4][0]) for info in infos):
        raise FetchError(url, f"refused: {host} resolves to a non-public address {allow}", final=True)


# -- the network backend -----------------------------------------------------------------------------------------
class _DeadlineStream(httpcore.NetworkStream):
    """A connection whose every read, write and TLS handshake is cut to the current deadline."""

    def __init__(self, inner: httpcore.NetworkStream):
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, _cut(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, _cut(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(self, ssl_context, server_hostname: str | None = None,
                  timeout: float | None = None) -> httpcore.NetworkStream:
        # CPython's handshake keeps its own deadline over all its reads: one cut timeout bounds all of it
        return _DeadlineStream(self._inner.start_tls(ssl_context, server_hostname,
                                                     _cut(timeout, httpcore.ConnectTimeout)))

    def get_extra_info(self, info: str):
        return self._inner.get_extra_info(info)


class DeadlineBackend(httpcore.NetworkBackend):
    """httpcore's socket backend, with the name lookup, each connect, read and write held to the current deadline,
    and the address each connection reached checked before httpcore sends anything on it."""

    def __init__(self, allow_private: Callable[[], bool]):
        self._sockets = httpcore.SyncBackend()
        self._allow_private = allow_private

    def connect_tcp(self, host: str, port: int, timeout: float | None = None, local_address: str | None = None,
                    socket_options: Iterable | None = None) -> httpcore.NetworkStream:
        try:
            infos = _resolve(host, port)
        except TimeoutError as e:
            raise httpcore.ConnectTimeout(str(e)) from e
        except (OSError, UnicodeError) as e:
            raise httpcore.ConnectError(f"cannot resolve host {host!r}: {e}") from e
        failure: Exception = httpcore.ConnectError(f"no address for {host!r}")
        for info in infos:  # as socket.create_connection does, each address in turn
            try:
                stream = self._sockets.connect_tcp(info[4][0], port, _cut(timeout, httpcore.ConnectTimeout),
                                                   local_address, socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as e:
                failure = e
                continue
            if not self._allow_private() and not is_public_address(stream.get_extra_info("server_addr")[0]):
                stream.close()
                raise _Refused(host)
            return _DeadlineStream(stream)
        raise failure

    def connect_unix_socket(self, path: str, timeout: float | None = None,
                            socket_options: Iterable | None = None) -> httpcore.NetworkStream:
        return _DeadlineStream(self._sockets.connect_unix_socket(path, _cut(timeout, httpcore.ConnectTimeout),
                                                                 socket_options))

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


def _transport(backend: httpcore.NetworkBackend) -> httpx.HTTPTransport:
    """httpx's transport, sending through `backend`. httpx (0.28, 0.29) takes no network backend, so the
    connection pool it built is replaced by an httpcore.ConnectionPool (public API) with httpx's defaults and
    ours; this relies on HTTPTransport keeping that pool in `_pool` and sending every request through it, which
    tests/test_fetch_deadline.py pins (test_requests_go_through_the_deadline_backend)."""
    transport = httpx.HTTPTransport()
    limits = httpx.Limits()
    transport._pool = httpcore.ConnectionPool(
        ssl_context=httpx.create_ssl_context(), max_connections=limits.max_connections,
        max_keepalive_connections=limits.max_keepalive_connections, keepalive_expiry=limits.keepalive_expiry,
        network_backend=backend)
    return transport


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
        self.settings = settings or FetchSettings()
        s = self.settings
        self.client = httpx.Client(
            follow_redirects=False,  # followed by hand so that every hop is checked
            timeout=httpx.Timeout(s.timeout, connect=s.connect_timeout),
            headers={"User-Agent": s.user_agent, "Accept-Encoding": "gzip, deflate"},
            transport=transport or _transport(DeadlineBackend(lambda: self.settings.allow_private)),
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
            host.robots_error, ttl = None, ROBOTS_TTL
            try:
                with self._deadline():
                    r = self._get_with_retries(robots_url, {}, retries=0)
                if r.status >= 500:
                    parser.disallow_all = True
                    host.robots_error, ttl = f"HTTP {r.status}", ROBOTS_RETRY
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
                    host.robots_error, ttl = e.message, ROBOTS_RETRY
            host.robots, host.robots_until = parser, now + ttl
            rules = not (parser.allow_all or parser.disallow_all)
            delay = parser.crawl_delay(self.settings.user_agent) if rules else None
            host.delay = min(float(delay or 0), MAX_CRAWL_DELAY)
        return host.robots.can_fetch(self.settings.user_agent, url)

    # -- internals ---------------------------------------------------------------------------------------------
    def _get_with_retries(self, url: str, headers: dict, retries: int | None = None) -> FetchResult:
        """Retries transient failures while the deadline lasts, sleeping the backoff outside it; a wait longer
        than the backoff left to this get() gives up at once (the failure as it stands is the answer)."""
        s = self.settings
        current = _current.get()
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
        current = _current.get()
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
            timeout = httpx.Timeout(s.timeout, connect=s.connect_timeout, pool=_cut(s.timeout, httpx.PoolTimeout))
            with self.client.stream("GET", url, headers=headers, timeout=timeout) as response:
                answered = True
                size = 0
                raw = _RawTap(response.iter_raw(), s.max_bytes)
                for chunk in _decoded(response, raw, s.max_content_codings):  # the limit applies once decoded
                    _cut(None, httpx.ReadTimeout)  # already so through our backend; also for another transport
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
        except _Refused as e:
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
