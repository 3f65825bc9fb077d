"""The network under the fetcher: one deadline per request, and the addresses a request may reach.

httpx's timeouts are per operation, so a server dripping one byte a second never trips them. Here httpcore is given
a network backend (`DeadlineBackend`) whose every name lookup, connect, TLS handshake, read and write is cut to what
is left of the deadline of the request in progress (`deadline()`), and which checks the address each connection
actually reached before anything is sent on it (a DNS answer that changes between a check and the connection, DNS
rebinding, is caught there). `is_public_address` judges IPv6 forms that lead to IPv4 (NAT64, 6to4, Teredo,
IPv4-mapped) by the IPv4 address they lead to. Messages never say which address a name resolved to.
"""
from __future__ import annotations

import ipaddress
import socket
import threading
import time
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Callable, Iterable, Iterator

import httpcore
import httpx

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
_CURRENT: ContextVar[Deadline | None] = ContextVar("newsdesk_fetch_deadline", default=None)


def current_deadline() -> Deadline | None:
    """The deadline of the request in progress on this thread, if any."""
    return _CURRENT.get()


@contextmanager
def deadline(seconds: float, backoff: float = 0.0) -> Iterator[Deadline]:
    """Every lookup, connect, read and write made through a Fetcher inside this block shares one deadline; a block
    inside another keeps the outer one."""
    outer = _CURRENT.get()
    if outer is not None:
        yield outer
        return
    token = _CURRENT.set(Deadline(seconds, backoff))
    try:
        yield _CURRENT.get()  # type: ignore[misc]
    finally:
        _CURRENT.reset(token)


def cut_to_deadline(timeout: float | None, expired: type[Exception]) -> float | None:
    """`timeout` cut to what is left of the current deadline; raises `expired` when nothing is left."""
    current = _CURRENT.get()
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


class AddressRefused(Exception):
    """Raised inside httpcore, which passes it through untouched, when a connection reached a non-public address."""

    def __init__(self, host: str):
        super().__init__(f"refused: {host} resolved to a non-public address when connecting "
                         "(set allow_private / NEWSDESK_ALLOW_PRIVATE=1 to allow)")


def resolve(host: str, port: int) -> list[tuple]:
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
    current = _CURRENT.get()
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


# -- the network backend -----------------------------------------------------------------------------------------
class _DeadlineStream(httpcore.NetworkStream):
    """A connection whose every read, write and TLS handshake is cut to the current deadline."""

    def __init__(self, inner: httpcore.NetworkStream):
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, cut_to_deadline(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, cut_to_deadline(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(self, ssl_context, server_hostname: str | None = None,
                  timeout: float | None = None) -> httpcore.NetworkStream:
        # CPython's handshake keeps its own deadline over all its reads: one cut timeout bounds all of it
        return _DeadlineStream(self._inner.start_tls(ssl_context, server_hostname,
                                                     cut_to_deadline(timeout, httpcore.ConnectTimeout)))

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
            infos = resolve(host, port)
        except TimeoutError as e:
            raise httpcore.ConnectTimeout(str(e)) from e
        except (OSError, UnicodeError) as e:
            raise httpcore.ConnectError(f"cannot resolve host {host!r}: {e}") from e
        failure: Exception = httpcore.ConnectError(f"no address for {host!r}")
        for info in infos:  # as socket.create_connection does, each address in turn
            try:
                stream = self._sockets.connect_tcp(info[4][0], port, cut_to_deadline(timeout, httpcore.ConnectTimeout),
                                                   local_address, socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as e:
                failure = e
                continue
            if not self._allow_private() and not is_public_address(stream.get_extra_info("server_addr")[0]):
                stream.close()
                raise AddressRefused(host)
            return _DeadlineStream(stream)
        raise failure

    def connect_unix_socket(self, path: str, timeout: float | None = None,
                            socket_options: Iterable | None = None) -> httpcore.NetworkStream:
        return _DeadlineStream(self._sockets.connect_unix_socket(path, cut_to_deadline(timeout, httpcore.ConnectTimeout),
                                                                 socket_options))

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


def deadline_transport(backend: httpcore.NetworkBackend) -> httpx.HTTPTransport:
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
