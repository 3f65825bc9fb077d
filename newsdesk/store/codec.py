"""How Python values are written to SQLite text columns and read back: timestamps and briefs.

Two spellings of a time are stored: `iso_text` keeps the source's offset (what the reader is shown), and
`utc_text` is a UTC string of fixed width that sorts in time order whatever the source's offset (what queries
order and compare by).
"""
from __future__ import annotations

import json
from dataclasses import asdict
from datetime import datetime, timezone

from ..models import Brief, BriefSentence


def now_text() -> str:
    """The current time, ISO 8601 in UTC to the second: the stamp of every write."""
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def iso_text(value: datetime | None) -> str | None:
    """ISO 8601 with the value's own offset (none for a naive time)."""
    return value.isoformat() if value else None


def utc_text(value: datetime | None) -> str | None:
    """A sortable UTC string; naive times are taken as UTC so that they still sort with the rest."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")


def parse_time(value: str | None) -> datetime | None:
    """The datetime of an ISO 8601 string (either spelling above); None for None or ""."""
    return datetime.fromisoformat(value) if value else None


def _brief_data(brief: Brief) -> dict:
    data = asdict(brief)
    for part in [data] + list(data["by_language"].values()):
        for s in part["sentences"] + part["latest"]:
            if isinstance(s["published"], datetime):
                s["published"] = s["published"].isoformat()
    return data


def brief_to_json(brief: Brief) -> str:
    return json.dumps(_brief_data(brief))


def brief_from_json(text: str | None) -> Brief | None:
    if not text:
        return None
    return _brief_from_data(json.loads(text))


def _brief_from_data(data: dict) -> Brief:
    """A stored brief; briefs stored before `language` and `by_language` existed read with None and {}."""
    def decode(items):
        return [BriefSentence(**{**s, "published": parse_time(s.get("published"))}) for s in items]

    return Brief(headline=data["headline"], sentences=decode(data["sentences"]),
                 headline_article_id=data.get("headline_article_id"), latest=decode(data.get("latest", [])),
                 language=data.get("language"),
                 by_language={code: _brief_from_data(b) for code, b in (data.get("by_language") or {}).items()})
