"""The address check: IPv4 addresses hidden in IPv6 forms (NAT64, 6to4, Teredo, IPv4-mapped, -compatible and
-translated) are judged as the IPv4 address they reach; the address a connection actually reached is checked
before the request goes out (DNS rebinding); and no error message tells how an internal name resolves."""
from __future__ import annotations

import socket

import pytest

from newsdesk.sources.fetch import Fetcher, FetchError, FetchSettings, check_address

from newsserver import RawServer, http_response

LOOPBACK_OR_PRIVATE_IN_IPV6 = [
    "64:ff9b::7f00:1",      # NAT64 well-known prefix, 127.0.0.1
    "64:ff9b::a00:1",       # NAT64, 10.0.0.1
    "64:ff9b::a9fe:a9fe",   # NAT64, 169.254.169.254 (cloud metadata)
    "64:ff9b:1::7f00:1",    # NAT64 local-use prefix, 127.0.0.1
    "64:ff9b:1:ab::808:808",  # local-use prefix: not globally reachable, whatever it embeds
    "2002:7f00:1::",        # 6to4, 127.0.0.1
    "2002:a00:1::",         # 6to4, 10.0.0.1
    "2002:c0a8:101::1",     # 6to4, 192.168.1.1
    "2001:0:4136:e378:8000:63bf:80ff:fffe",  # Teredo, client 127.0.0.1 (bit-inverted)
    "::ffff:127.0.0.1",     # IPv4-mapped
    "::ffff:0:7f00:1",      # IPv4-translated (SIIT)
    "::7f00:1",             # IPv4-compatible (deprecated)
    "::a00:1",
]


def settings(**kw) -> FetchSettings:
    return FetchSettings(**{**dict(allow_private=False, host_delay=0.0, retries=0, timeout=3.0, robots=False), **kw})


def fake_dns(monkeypatch, answers: dict[str, list[str]]) -> list[str]:
    """getaddrinfo answers the test chooses for its own names (a list per name: one answer per call, the last one
    repeated); other names are resolved as usual. Returns the names looked up, in order."""
    real, asked = socket.getaddrinfo, []

    def getaddrinfo(host, port, *a, **kw):
        if host not in answers:
            return real(host, port, *a, **kw)
        asked.append(host)
        seen = asked.count(host)
        address = answers[host][min(seen, len(answers[host])) - 1]
        family = socket.AF_INET6 if ":" in address else socket.AF_INET
        sockaddr = (address, port or 80, 0, 0) if family == socket.AF_INET6 else (address, port or 80)
        return [(family, socket.SOCK_STREAM, 6, "", sockaddr)]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return asked


@pytest.mark.parametrize("address", LOOPBACK_OR_PRIVATE_IN_IPV6)
def test_ipv4_inside_ipv6_literals_is_checked(address):
    with pytest.raises(FetchError, match="non-public address"):
        check_address(f"http://[{address}]/feed.xml", allow_private=False)
    check_address(f"http://[{address}]/feed.xml", allow_private=True)


@pytest.mark.parametrize("address", ["64:ff9b::808:808", "2002:808:808::1", "2606:4700:4700::1111"])
def test_public_ipv4_inside_ipv6_is_allowed(address):
    check_address(f"http://[{address}]/", allow_private=False)  # DNS64 answers for public IPv4-only sites


@pytest.mark.parametrize("address", ["64:ff9b::a01:203", "2002:a01:203::", "::ffff:10.1.2.3", "10.1.2.3"])
def test_a_name_that_resolves_inside_says_so_without_the_address(monkeypatch, address):
    fake_dns(monkeypatch, {"intranet.example": [address]})
    with pytest.raises(FetchError) as e:
        check_address("http://intranet.example/feed.xml", allow_private=False)
    assert "intranet.example" in e.value.message and "non-public address" in e.value.message
    for leak in ("10.1.2.3", "10.1", "a01:203", "64:ff9b", "2002:", "::ffff"):
        assert leak not in e.value.message, e.value.message


def test_fetcher_refuses_nat64_loopback_before_connecting():
    with Fetcher(settings()) as f, pytest.raises(FetchError, match="non-public address"):
        f.get("http://[64:ff9b::7f00:1]:9/feed.xml")


def test_dns_rebinding_is_caught_at_the_connected_address(monkeypatch):
    head, body = http_response(b"<p>internal admin page</p>")

    def answer(conn):
        if conn.read_request():
            conn.sock.sendall(head + body)

    with RawServer(answer) as s:
        # public when checked, loopback (the server above) when httpx connects
        asked = fake_dns(monkeypatch, {"rebind.test": ["93.184.215.14", "127.0.0.1"]})
        with Fetcher(settings()) as f, pytest.raises(FetchError) as e:
            f.get(f"http://rebind.test:{s.port}/admin")
    assert "non-public address" in e.value.message and "rebind.test" in e.value.message
    assert "127.0.0.1" not in e.value.message and "93.184" not in e.value.message
    assert len(asked) >= 2  # the check and the connection each asked
    assert all(c.received == b"" for c in s.connections)  # not one byte of the request reached it
