"""The server's views, one module per kind of record, each with its pages and its API routes on one `router`.

`ROUTERS` is the one list `create_app` includes; a new view module adds its router here.
"""
from __future__ import annotations

from . import (about, articles, atom, edits, entities, facts, feeds, following, images, login, search, sections,
               stories)

# following first: its /stories/{id}.atom and /entities/{id}.atom would otherwise match the pages' {id}
ROUTERS = [m.router for m in (following, stories, articles, search, about, atom, facts, entities, feeds, edits,
                              login, sections, images)]

__all__ = ["ROUTERS"]
