"""Top stories: a story's standing from how many outlets cover it, how fast it grows and how recent it is.

    score = outlet_weight * log2(outlets) + growth_weight * log2(1 + recent) + hours / half_life_hours

`outlets` is the number of distinct outlets among the story's articles, `recent` the number of its articles
published in the `growth_hours` up to its latest one, and `hours` the time of that latest article in hours since
1970 (UTC). The score is the base-2 logarithm of `outlets^a * (1 + recent)^b * 2^(age / half_life)` up to a term
that is the same for every story (the present time), so it never has to be recomputed as time passes: only when
the story's articles change (at build time, `Store.save_rank`) or the weights do (`Store.rerank_all`). A story
with no dated article has no score and is listed after those that have one.

The weights are settings (`[ranking]` in newsdesk/settings.py).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Iterable
from urllib.parse import urlsplit

from .settings import RankSettings


@dataclass(frozen=True)
class Standing:
    """What a story's score is made of, and the score (None without a dated article)."""

    outlets: int
    recent: int
    latest: datetime | None
    score: float | None


def outlet_key(outlet: str | None, url: str | None) -> str | None:
    """Who published an article, for counting distinct outlets: its outlet's name (case and spacing ignored),
    else its URL's host without `www.`; None when neither is known."""
    if outlet and outlet.strip():
        return " ".join(outlet.split()).casefold()
    try:
        host = (urlsplit(url).hostname or "") if url else ""
    except ValueError:
        host = ""
    host = host.removeprefix("www.")
    return host or None


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


def standing(articles: Iterable[tuple[str | None, str | None, datetime | None]], settings: RankSettings) -> Standing:
    """The standing of a story from its articles' (outlet, url, published) triples."""
    items = list(articles)
    outlets = len({k for o, u, _ in items if (k := outlet_key(o, u)) is not None})
    times = [_utc(p) for _, _, p in items if p is not None]
    if not times:
        return Standing(outlets, 0, None, None)
    latest = max(times)
    since = latest - timedelta(hours=settings.growth_hours)
    recent = sum(1 for t in times if t > since)
    return Standing(outlets, recent, latest, score(outlets, recent, latest, settings))


def score(outlets: int, recent: int, latest: datetime, settings: RankSettings) -> float:
    """The formula above; a story whose articles name no outlet counts as one outlet."""
    hours = _utc(latest).timestamp() / 3600
    return (settings.outlet_weight * math.log2(max(outlets, 1))
            + settings.growth_weight * math.log2(1 + recent)
            + hours / settings.half_life_hours)


def fingerprint(settings: RankSettings) -> str:
    """The weights as stored beside the scores: when they differ from the settings, every score is recomputed."""
    return (f"outlets={settings.outlet_weight!r};growth={settings.growth_weight!r};"
            f"window={settings.growth_hours!r};half_life={settings.half_life_hours!r}")
