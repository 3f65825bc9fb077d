"""Settings in one typed place: the limits every input, decompression and query is held to.

Each limit exists because something outside the desk chose the size: a feed, a page, a file, a searcher. Values
come from the defaults below; the environment variable named beside a field overrides it for the whole process.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    try:
        return int(value) if value else default
    except ValueError:
        raise SystemExit(f"newsdesk: ${name} must be a whole number, got {value!r}") from None


def _env_float(name: str, default: float) -> float:
    value = os.environ.get(name, "").strip()
    try:
        return float(value) if value else default
    except ValueError:
        raise SystemExit(f"newsdesk: ${name} must be a number, got {value!r}") from None


@dataclass(frozen=True)
class Limits:
    # One page, feed, WARC record or JSON line, after any decompression (Miniflux caps bodies at 15 MiB; a news
    # page is rarely over 2). A gzip bomb stops here.
    input_bytes: int = field(default_factory=lambda: _env_int("NEWSDESK_MAX_INPUT_BYTES", 8 * 1024 * 1024))
    # The text of one article once extracted: the longest real reports are under 100,000 characters, and every
    # later stage (sentence splitting, briefs, the facts' parse) grows with it.
    article_chars: int = field(default_factory=lambda: _env_int("NEWSDESK_MAX_ARTICLE_CHARS", 300_000))
    # Search: what a reader can type, and how long the database may work on it (Datasette stops a query at 1 s).
    search_chars: int = field(default_factory=lambda: _env_int("NEWSDESK_MAX_SEARCH_CHARS", 200))
    search_terms: int = field(default_factory=lambda: _env_int("NEWSDESK_MAX_SEARCH_TERMS", 16))
    search_seconds: float = field(default_factory=lambda: _env_float("NEWSDESK_SEARCH_SECONDS", 1.0))


LIMITS = Limits()
