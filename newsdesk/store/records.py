"""Typed records the store returns beyond the stages' own (newsdesk/models.py): what the web layer reads.

Jinja templates read `record.field` the same on these as on dicts; JSON goes through `dataclasses.asdict`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass
class Entity:
    """A person, organisation or place named in the stories; `key` is its identity across stories."""

    id: int
    kind: str  # "person", "organisation" or "place"
    key: str
    name: str
    place: dict[str, Any] | None = None  # places only: its GeoNames entry (the page shows type, lat, lon)


@dataclass
class EntityStory:
    """One story an entity appears in, with how often and under which spellings."""

    story_id: int
    headline: str | None
    first_published: datetime | None
    last_published: datetime | None
    mentions: int
    variants: list[str] = field(default_factory=list)
