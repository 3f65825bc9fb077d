"""A story's facts: the cards of the story page (`facts_context`) and `/api/stories/{id}/facts`.

Presentation only: the facts are computed by newsdesk/stages/facts at build time and read from the store here.
"""
from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Depends

from ...errors import NotFound
from ...store import Store
from ..api_models import StoryFacts
from ..deps import get_store

MAX_TIMELINE = 40
MAX_QUOTES = 30
MAX_ENTITIES = 40

router = APIRouter()


def _parse(value: str | None) -> datetime | None:
    try:
        return datetime.fromisoformat(value) if value else None
    except ValueError:
        return None


def facts_context(store: Store, story_id: int) -> dict | None:
    """What _facts.html shows: every disagreement card, then the capped lists of quotes, entities and events."""
    facts = store.get_facts(story_id)
    if not facts:
        return None
    cards = []
    for d in facts["disagreements"]:
        claims = [{**c, "published": _parse(c.get("date"))} for c in d["claims"]]
        # A bar only for a number: an order of magnitude ("thousands") has no length to draw.
        top = max((c["value"] or 0 for c in claims), default=0) or 1
        cards.append({**d, "claims": claims, "bars": [round(100 * (c["value"] or 0) / top, 1) for c in claims]})
    timeline = [{**e, "day": _parse(e["date"])} for e in facts["timeline"]][:MAX_TIMELINE]
    quotes = [{**q, "published": _parse(q.get("date"))} for q in facts["quotes"]][:MAX_QUOTES]
    by_kind: dict[str, list[dict]] = {}
    # An entity whose type or name is in doubt is not listed with the others, but folded under "less certain".
    for e in [e for e in facts["entities"] if not e.get("uncertain")][:MAX_ENTITIES]:
        by_kind.setdefault(e["kind"], []).append(e)
    less_certain = [e for e in facts["entities"] if e.get("uncertain")][:MAX_ENTITIES]
    return {"cards": cards, "quotes": quotes, "entities": by_kind, "less_certain": less_certain, "timeline": timeline,
            "map": facts.get("map"), "figure_count": len(facts["figures"])}


@router.get("/api/stories/{story_id}/facts", response_model=StoryFacts, responses={404: {"description": "No such id"}},
            tags=["facts"], summary="Figures, disagreements, quotes, entities and timeline of a story")
def api_story_facts(story_id: int, store: Store = Depends(get_store)):
    facts = store.get_facts(story_id)
    if facts is None:
        raise NotFound("no facts for this story")
    return StoryFacts(story_id=story_id, **{k: facts[k] for k in
                                            ("disagreements", "figures", "quotes", "entities", "timeline")})
