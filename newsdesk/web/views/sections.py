"""Sections: `/section/{name}` (a section's stories, newest first, paged as the front page), its Atom feed
`/section/{name}.atom`, and `/api/sections`, `/api/sections/{name}/stories`.

A story's section is read by the build (stages/topics.py); the list of sections is fixed by
`newsdesk/data/topics/iptc.json`. The page reuses the front page's template (index.html). Page contexts are shared
with the static export (`export.py`).
"""
from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from ...stages.topics import BY_KEY, SECTIONS
from ...store import Store
from ..api_models import ErrorOut, SectionOut, StoryList, story_summary
from ..atom import FEED_SIZE
from ..deps import get_store, not_found_page, render
from ..handlers import Missing
from .atom import ATOM_TYPE, _atom
from .stories import PAGE_SIZE

router = APIRouter()


def section_page_count(store: Store, key: str) -> int:
    return max(1, -(-store.section_count(key) // PAGE_SIZE))


def section_context(store: Store, key: str, page: int = 1) -> dict | None:
    """The section page's context (index.html's, plus `section`), or None for an unknown section or page."""
    section = BY_KEY.get(key)
    pages = section_page_count(store, key) if section else 0
    if section is None or page < 1 or page > pages:
        return None
    stories = store.section_stories(key, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE, with_details=True)
    return {"stories": stories, "images": store.story_images(s.id for s in stories), "page": page, "pages": pages,
            "total": store.section_count(key),
            "section": section, "section_key": key}


# Declared before the page: `/section/{name}` would otherwise take "sport.atom" for a name.
@router.get("/section/{name}.atom", tags=["feeds"], summary="Atom feed of a section's latest stories",
            response_class=Response, responses={200: ATOM_TYPE, 404: {"model": ErrorOut}})
def section_atom(request: Request, name: str, store: Store = Depends(get_store)):
    if name not in BY_KEY:
        raise Missing("section")
    return _atom(request, store.section_stories(name, limit=FEED_SIZE, with_details=True),
                 f"newsdesk: {BY_KEY[name].label}")


@router.get("/section/{name}", response_class=HTMLResponse, include_in_schema=False)
def section_page(request: Request, name: str, page_no: int = Query(1, alias="page"),
                 store: Store = Depends(get_store)):
    ctx = section_context(store, name, page_no)
    if ctx is None:
        return not_found_page(request, "section" if name not in BY_KEY else "page")
    return render(request, "section.html", ctx)


@router.get("/api/sections", response_model=list[SectionOut], tags=["stories"],
            summary="The sections, each with its IPTC Media Topics and how many stories it holds")
def api_sections(store: Store = Depends(get_store)):
    counts = store.section_counts()
    return [SectionOut(key=s.key, label=s.label, short=s.short, iptc=[{"code": c, "name": n} for c, n in s.topics],
                       stories=counts.get(s.key, 0)) for s in SECTIONS]


@router.get("/api/sections/{name}/stories", response_model=StoryList, tags=["stories"],
            responses={404: {"model": ErrorOut, "description": "No such section"}},
            summary="A section's stories, newest first")
def api_section_stories(name: str, limit: int = Query(PAGE_SIZE, ge=1, le=500), offset: int = Query(0, ge=0),
                        store: Store = Depends(get_store)):
    if name not in BY_KEY:
        raise Missing("section")
    stories = store.section_stories(name, limit=limit, offset=offset, with_details=True)
    return StoryList(total=store.section_count(name), limit=limit, offset=offset,
                     stories=[story_summary(s) for s in stories])
