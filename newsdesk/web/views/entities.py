"""Entities: a person's, organisation's or place's page, with the stories it appears in, and `/api/entities/{id}`."""
from __future__ import annotations

from dataclasses import asdict

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from ...store import Store
from ..api_models import EntityOut, EntityStory
from ..deps import get_store, render
from ..handlers import Missing

router = APIRouter()


@router.get("/entities/{entity_id}", response_class=HTMLResponse, include_in_schema=False)
def entity_page(request: Request, entity_id: int, store: Store = Depends(get_store)):
    entity = store.get_entity(entity_id)
    if entity is None:
        raise Missing("entity")
    return render(request, "entity.html", {"entity": entity, "stories": store.entity_stories(entity_id)})


@router.get("/api/entities/{entity_id}", response_model=EntityOut, responses={404: {"description": "No such id"}},
            tags=["facts"], summary="A person, organisation or place, with the stories it appears in")
def api_entity(entity_id: int, store: Store = Depends(get_store)):
    entity = store.get_entity(entity_id)
    if entity is None:
        raise Missing("entity")
    return EntityOut(id=entity.id, kind=entity.kind, name=entity.name, place=entity.place,
                     stories=[EntityStory(**asdict(s)) for s in store.entity_stories(entity_id)])
