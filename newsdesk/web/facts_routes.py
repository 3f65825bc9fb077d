"""Facts on the web: the story page's cards (through `facts_context`), entity pages, and their JSON API.

Presentation only: the facts are computed by newsdesk/stages/facts at build time and read from the store here.
"""
from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Any, Callable, Iterator

from fastapi import APIRouter, Depends, HTTPException
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, Field

from ..store import Store

MAX_TIMELINE = 40
MAX_QUOTES = 30
MAX_ENTITIES = 40


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


# -- API models -------------------------------------------------------------------------------------------------
class Claim(BaseModel):
    value: float
    unit: str | None = None
    hedge: str | None = Field(None, description='"more than", "at least", ... as written')
    text: str = Field(description="The verbatim sentence of the article.")
    doc_id: int | str
    outlet: str | None = None
    date: str | None = None
    cited_source: str | None = Field(None, description='Who the sentence cites: "AFP tally", "the IHCHR".')
    position: int | None = Field(None, description="Index of the sentence in its article (anchor #s{position}).")
    as_written: str | None = Field(None, description='The figure as the article writes it: "as many as 200,000".')


class Disagreement(BaseModel):
    what: str = Field(description='What the figures count: "killed", "injured", "homeless", "displaced", ...')
    category: str | None = Field(None, description='The category of that count: "displaced" for "homeless"')
    kind: str = Field(description='"update" (dated reports moving one way, latest first) or "contradiction" (the '
                      'same day, a figure that falls and rises again, or a later lower one from another source)')
    reason: str | None = Field(None, description="Why the card is an update or a contradiction, in words.")
    claims: list[Claim]


class StoryFacts(BaseModel):
    story_id: int
    disagreements: list[Disagreement]
    figures: list[dict[str, Any]]
    quotes: list[dict[str, Any]]
    entities: list[dict[str, Any]]
    timeline: list[dict[str, Any]]


class EntityStory(BaseModel):
    story_id: int
    headline: str
    first_published: datetime | None = None
    last_published: datetime | None = None
    mentions: int
    variants: list[str]


class EntityOut(BaseModel):
    id: int
    kind: str
    name: str
    place: dict[str, Any] | None = None
    stories: list[EntityStory]


def make_router(get_store: Callable[[], Iterator[Store]], render: Callable[..., HTMLResponse]) -> APIRouter:
    """`render(template, context, status_code=200)` is the app's page renderer, so pages share its environment."""
    router = APIRouter()
    missing = {404: {"description": "No such id"}}

    @router.get("/entities/{entity_id}", response_class=HTMLResponse, include_in_schema=False)
    def entity_page(entity_id: int, store: Store = Depends(get_store)):
        entity = store.get_entity(entity_id)
        if entity is None:
            return render("404.html", {"what": "entity"}, status_code=404)
        return render("entity.html", {"entity": entity, "stories": store.entity_stories(entity_id)})

    @router.get("/api/stories/{story_id}/facts", response_model=StoryFacts, responses=missing, tags=["facts"],
                summary="Figures, disagreements, quotes, entities and timeline of a story")
    def api_story_facts(story_id: int, store: Store = Depends(get_store)):
        facts = store.get_facts(story_id)
        if facts is None:
            raise HTTPException(404, "no facts for this story")
        return StoryFacts(story_id=story_id, **{k: facts[k] for k in
                                                ("disagreements", "figures", "quotes", "entities", "timeline")})

    @router.get("/api/entities/{entity_id}", response_model=EntityOut, responses=missing, tags=["facts"],
                summary="A person, organisation or place, with the stories it appears in")
    def api_entity(entity_id: int, store: Store = Depends(get_store)):
        entity = store.get_entity(entity_id)
        if entity is None:
            raise HTTPException(404, "entity not found")
        return EntityOut(id=entity.id, kind=entity.kind, name=entity.name, place=entity.place,
                         stories=[EntityStory(**asdict(s)) for s in store.entity_stories(entity_id)])

    return router
