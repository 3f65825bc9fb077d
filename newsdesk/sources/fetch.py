"""HTTP fetching for feeds and article pages: httpx with the limits a long-running reader of the open web needs.

What httpx does not do by itself, and this module adds:
- refusal of URLs whose host resolves to a private, loopback, link-local or reserved address (SSRF), checked on
  every redirect hop; `allow_private=True` for tests and intranets;
- a byte limit on the *decoded* body, read as a stream, so that neither an oversized page nor a gzip bomb is ever
  held in memory beyond the limit;
- a total deadline per request (httpx's timeouts are per operation: a server dripping one byte a second never trips
  them);
- per-host politeness: at most `per_host` requests at a time to one host, a delay between them, robots.txt
  (`urllib.robotparser`, fetched through this same fetcher) with its Crawl-delay honoured;
- retries with exponential backoff on timeouts, connection errors, 429 and 5xx, honouring Retry-After;
- conditional GET (If-None-Match / If-Modified-Since).

Known gap: the address check resolves the name before httpx connects, so a DNS answer that changes between the two
(DNS rebinding) is not caught.
"""
from __future__ import annotations

import ipaddress
import os
import socket
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import Iterator
from urllib.parse import urljoin, urlsplit
from urllib.robotparser import RobotFileParser

import httpx

from .. import __version__
from ..models import RawInput

USER_AGENT = f"newsdesk/{__version__} (+https://github.com/newsdesk; self-hosted news reader)"
ROBOTS_TTL = 3600.0
ROBOTS_RETRY = 300.0
MAX_CRAWL_DELAY = 30.0


def _env_flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in ("1", "true", "yes", "on")


@dataclass
class FetchSettings:
    timeout: float = 20.0  # whole request, headers and body
    connect_timeout: float = 10.0
    max_bytes: int = 8 * 1024 * 1024  # decoded body; a gzip bomb stops here
    max_redirects: int = 5
    retries: int = 2  # extra attempts after the first, on transient failures only
    backoff: float = 1.0  # seconds before the first retry, doubled each time
    max_backoff: float = 60.0
    per_host: int = 1  # requests in flight to one host
    host_delay: float = 1.0  # seconds between the starts of two requests to one host
    robots: bool = True
    allow_private: bool = field(default_factory=lambda: _env_flag("NEWSDESK_ALLOW_PRIVATE"))
    user_agent: str = USER_AGENT


class FetchError(Exception):
    """A URL that gave no usable response; `body` holds whatever bytes did arrive (kept raw by callers)."""

    def __init__(self, url: str, message: str, status: int | None = None, body: bytes = b""):
        super().__init__(message)
        self.url, self.message, self.status, self.body = url, message, status, body

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
    """Raises FetchError unless `url` is http(s) and (unless allowed) every address of its host is public."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise FetchError(url, f"not an http(s) URL: {url!r}")
    if allow_private:
        return
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or (443 if parts.scheme == "https" else 80),
                                   type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as e:
        raise FetchError(url, f"cannot resolve host {parts.hostname!r}: {e}") from e
    for info in infos:
        ip = ipaddress.ip_address(info[4][0].split("%", 1)[0])
        if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
            ip = ip.ipv4_mapped
        if not ip.is_global or ip.is_multicast:
            raise FetchError(url, f"refused: {parts.hostname} resolves to the non-public address {ip} "
                                  "(set allow_private / NEWSDESK_ALLOW_PRIVATE=1 to allow)")


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
    """One per process (or per polling loop): it holds the connection pool and the per-host state."""

    def __init__(self, settings: FetchSettings | None = None, transport: httpx.BaseTransport | None = None):
        self.settings = settings or FetchSettings()
        s = self.settings
        self.client = httpx.Client(
            follow_redirects=False,  # followed by hand so that every hop is checked
            timeout=httpx.Timeout(s.timeout, connect=s.connect_timeout),
            headers={"User-Agent": s.user_agent, "Accept-Encoding": "gzip, deflate"},
            transport=transport,
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

    # -- public -----------------------------------------------------------------------------------------------
    def get(self, url: str, etag: str | None = None, last_modified: str | None = None) -> FetchResult:
        """GET with redirects, limits, politeness and retries; raises FetchError naming what went wrong."""
        headers = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        seen: list[str] = []
        current = url
        while True:
            check_address(current, self.settings.allow_private)
            if self.settings.robots and not self.allowed(current):
                why = self._host(current).robots_error
                raise FetchError(current, f"robots.txt gave no answer ({why}); not fetching from this host for now"
                                 if why else "disallowed by robots.txt")
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
        stay away for now."""
        host = self._host(url)
        now = time.monotonic()
        if host.robots is None or now >= host.robots_until:
            parts = urlsplit(url)
            robots_url = f"{parts.scheme}://{parts.netloc}/robots.txt"
            parser = RobotFileParser(robots_url)
            host.robots_error, ttl = None, ROBOTS_TTL
            try:
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
            delay = parser.crawl_delay(self.settings.user_agent) if not (parser.allow_all or parser.disallow_all) else None
            host.delay = min(float(delay or 0), MAX_CRAWL_DELAY)
        return host.robots.can_fetch(self.settings.user_agent, url)

    # -- internals ---------------------------------------------------------------------------------------------
    def _get_with_retries(self, url: str, headers: dict, retries: int | None = None) -> FetchResult:
        s = self.settings
        retries = s.retries if retries is None else retries
        wait = s.backoff
        for attempt in range(retries + 1):
            try:
                result = self._get_once(url, headers)
            except FetchError as e:
                transient = e.status is None and not getattr(e, "final", False)
                if not transient or attempt == retries:
                    raise
            else:
                if result.status != 429 and result.status < 500 or attempt == retries:
                    return result
                retry_after = _retry_after(result.headers.get("retry-after"))
                if retry_after is not None:
                    wait = max(wait, retry_after)
            self.sleep(min(wait, s.max_backoff))
            wait *= 2
        raise AssertionError("unreachable")

    def _polite(self, url: str) -> _Host:
        host = self._host(url)
        host.slots.acquire()
        with host.lock:
            now = time.monotonic()
            start = max(now, host.next_start)
            host.next_start = start + max(self.settings.host_delay, host.delay)
        if start > now:
            self.sleep(start - now)
        return host

    def _get_once(self, url: str, headers: dict) -> FetchResult:
        s = self.settings
        host = self._polite(url)
        deadline = time.monotonic() + s.timeout
        try:
            with self.client.stream("GET", url, headers=headers) as response:
                chunks: list[bytes] = []
                size = 0
                try:
                    for chunk in response.iter_bytes():  # decoded: the limit applies after decompression
                        size += len(chunk)
                        if size > s.max_bytes:
                            chunks.append(chunk[: max(0, s.max_bytes - (size - len(chunk)))])
                            err = FetchError(url, f"response larger than the limit of {s.max_bytes} bytes "
                                                  "(after decompression)", body=b"".join(chunks))
                            err.final = True  # type: ignore[attr-defined]
                            raise err
                        chunks.append(chunk)
                        if time.monotonic() > deadline:
                            raise FetchError(url, f"timed out after {s.timeout:g}s (body still arriving)",
                                             body=b"".join(chunks))
                except httpx.DecodingError as e:
                    err = FetchError(url, f"undecodable content encoding: {e}", body=b"".join(chunks))
                    err.final = True  # type: ignore[attr-defined]
                    raise err from e
                return FetchResult(
                    url=url, status=response.status_code, body=b"".join(chunks),
                    headers={k.lower(): v for k, v in response.headers.items()},
                    fetched_at=datetime.now(timezone.utc),
                )
        except httpx.TimeoutException as e:
            raise FetchError(url, f"timed out ({type(e).__name__})") from e
        except httpx.TooManyRedirects as e:  # not raised with follow_redirects=False, kept for safety
            raise FetchError(url, "too many redirects") from e
        except httpx.HTTPError as e:
            raise FetchError(url, f"{type(e).__name__}: {e}") from e
        finally:
            host.slots.release()


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
