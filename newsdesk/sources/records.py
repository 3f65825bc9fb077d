"""JSON records (one per line) to Article: the format of `newsdesk ingest FILE.jsonl` and `newsdesk cluster`."""
from __future__ import annotations

import json
from datetime import datetime
from email.utils import parsedate_to_datetime

from dateutil import parser as dateutil_parser

from ..lang import article_language
from ..models import Article, RawInput
from ..stages.extract.fields import absolute_http, language_code
from ..settings import LIMITS
from ..text import strip_controls
from ..errors import InputError


class RecordError(InputError):
    """A JSON record that cannot become an article; the message says which field is wrong."""


def parse_date(value) -> datetime | None:
    """ISO 8601 first (keeps the offset), then RFC 822 as feeds write it, then anything dateutil reads."""
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise RecordError(f"date must be a string, got {type(value).__name__}")
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        pass
    try:
        return parsedate_to_datetime(value)
    except (TypeError, ValueError):
        pass
    try:
        return dateutil_parser.parse(value)
    except (ValueError, OverflowError) as e:
        raise RecordError(f"unreadable date {value!r}") from e


def _text_field(record: dict, name: str) -> str | None:
    value = record.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise RecordError(f'"{name}" must be a string, got {type(value).__name__}')
    return strip_controls(value)


def article_from_record(record: dict, raw: RawInput | None = None) -> Article:
    """The article a JSON record describes; RecordError names the field that is wrong, or the size over its limit.
    Text fields lose control characters (see text.strip_controls)."""
    if not isinstance(record, dict):
        raise RecordError(f"expected a JSON object, got {type(record).__name__}")
    text = (_text_field(record, "text") or "").strip()
    if not text:
        raise RecordError('no article text (the "text" field is missing or empty)')
    if len(text) > LIMITS.article_chars:
        raise RecordError(f"article text of {len(text)} characters is over the limit of {LIMITS.article_chars} "
                          "characters")
    title = (_text_field(record, "title") or "").strip()
    if not title:
        # A headline is needed for lists and for the story's title; the lead sentence is the honest fallback.
        title = text.split("\n", 1)[0][:120]
    authors = record.get("authors") or []
    if isinstance(authors, str):
        authors = [authors]
    ext_id = record.get("id", record.get("doc_id"))
    return Article(
        title=title,
        text=text,
        url=_text_field(record, "url"),
        outlet=_text_field(record, "outlet"),
        published=parse_date(record.get("date", record.get("published"))),
        authors=[strip_controls(str(a)) for a in authors],
        language=article_language(text, language_code(_text_field(record, "language"))),
        raw_sha256=raw.sha256 if raw else None,
        origin=raw.origin if raw else None,
        external_id=strip_controls(str(ext_id)) if ext_id is not None else None,
        image_url=absolute_http(_text_field(record, "image"), None),  # an absolute http(s) URL, else none
        image_credit=_text_field(record, "image_credit"),
    )


def article_from_json_bytes(raw: RawInput) -> Article:
    if len(raw.body) > LIMITS.input_bytes:
        raise RecordError(f"record of {len(raw.body)} bytes is over the limit of {LIMITS.input_bytes} bytes")
    try:
        record = json.loads(raw.body)
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise RecordError(f"malformed JSON: {e}") from e
    return article_from_record(record, raw)
