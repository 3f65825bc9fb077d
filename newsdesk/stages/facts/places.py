"""`newsdesk places`: articles as JSON lines on stdin, their place names resolved to coordinates as JSON lines out.

A place name is what the story pages put on their map: a spaCy GPE/LOC entity, or a PERSON/ORG the gazetteer
retypes (entities._kind), read in the context of the article's other places, its title's and its outlet's country
(geo.resolve_names). Every name gets its likeliest reading; the map draws only the sure ones.
"""
from __future__ import annotations

import json
import sys
from collections import Counter
from typing import TextIO

from .entities import _kind, clean_name
from .geo import outlet_country, resolve_names, skeleton

BATCH = 32  # articles parsed together: spaCy's pipe is several times faster than one call per article


def place_mentions(mentions: list[dict]) -> list[tuple[dict, str]]:
    """(mention, name) of the mentions the story map would place: the kind the entities stage gives them, and
    only names spaCy calls GPE/LOC or that the gazetteer retyped (not buildings, not "the Nazca plate")."""
    geo_names = {skeleton(clean_name(m["text"])) for m in mentions if m["label"] in ("GPE", "LOC")}
    out = []
    for m in mentions:
        name = clean_name(m["text"])
        if len(name) < 2 or name.islower():
            continue
        kind, retyped = _kind(m, name, geo_names)
        if kind == "place" and (retyped or (m["label"] in ("GPE", "LOC") and not m.get("feature"))):
            out.append((m, name))
    return out


def places_in(text: str, doc, title_doc=None, outlet: str | None = None, confident_only: bool = False) -> list[dict]:
    """[{"start", "end", "text", "name", "country", "lat", "lon"}] for the place names of one article; offsets are
    into `text`, the text `doc` parsed. Every name the gazetteer knows gets its likeliest reading; with
    `confident_only`, only the readings the story map would draw."""
    return resolve_mentions(text, *names_in(text, doc, title_doc), outlet, confident_only)


def names_in(text: str, doc, title_doc=None) -> tuple[list[tuple[dict, str]], Counter]:
    """The place mentions of one article, and how often each name is written there and in its title."""
    from . import name_mentions

    chosen = place_mentions(name_mentions(doc, text))
    context = Counter(name for _, name in chosen)
    if title_doc is not None:  # the headline's places count as context; their offsets are not in `text`
        context.update(name for _, name in place_mentions(name_mentions(title_doc, title_doc.text)))
    return chosen, context


def resolve_mentions(text: str, chosen: list[tuple[dict, str]], context: Counter, outlet: str | None = None,
                     confident_only: bool = False) -> list[dict]:
    country = outlet_country(outlet)
    within = {name: m["within"] for m, name in chosen if m.get("within")}
    resolved = resolve_names(dict(context), [country] if country else [], within)
    out = []
    for m, name in chosen:
        place = resolved.get(name)
        if place and (place["confident"] or not confident_only):
            out.append({"start": m["start"], "end": m["end"], "text": text[m["start"]:m["end"]],
                        "name": place["name"], "country": place["country"], "lat": place["lat"], "lon": place["lon"]})
    return out


def run(stdin: TextIO = sys.stdin, stdout: TextIO = sys.stdout, stderr: TextIO = sys.stderr) -> int:
    from . import MAX_CHARS, load_nlp

    nlp = load_nlp()
    failed = False

    def flush(batch: list[dict]) -> None:
        texts = [r["text"][:MAX_CHARS] for r in batch]
        titles = [r.get("title") or "" for r in batch]
        with nlp.memory_zone():
            docs = list(nlp.pipe(texts, batch_size=BATCH))
            title_docs = list(nlp.pipe(titles, batch_size=BATCH))
            for record, text, doc, title_doc in zip(batch, texts, docs, title_docs):
                places = places_in(text, doc, title_doc, record.get("outlet"))
                print(json.dumps({"id": record["id"], "places": places}, ensure_ascii=False), file=stdout,
                      flush=True)

    batch: list[dict] = []
    for number, line in enumerate(stdin, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as e:
            print(f"newsdesk: stdin:{number}: malformed JSON ({e.msg} at column {e.colno}); line skipped",
                  file=stderr, flush=True)
            failed = True
            continue
        problem = None
        if not isinstance(record, dict):
            problem = f"expected a JSON object, got {type(record).__name__}"
        elif "id" not in record:
            problem = 'missing "id"'
        elif not isinstance(record.get("text"), str):
            problem = 'no article text (the "text" field is missing or not a string)'
        elif not isinstance(record.get("title") or "", str) or not isinstance(record.get("outlet") or "", str):
            problem = '"title" and "outlet" must be strings'
        if problem:
            print(f"newsdesk: stdin:{number}: {problem}; article skipped", file=stderr, flush=True)
            failed = True
            continue
        batch.append(record)
        if len(batch) >= BATCH:
            flush(batch)
            batch = []
    if batch:
        flush(batch)
    return 1 if failed else 0
