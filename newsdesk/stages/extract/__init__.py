"""Extract stage: raw HTML bytes -> one clean Article.

trafilatura finds the main text; this package adds what it does not do well for a news desk: honouring the
page's declared charset, structured metadata (JSON-LD, Open Graph) with time zones, titles without the site-name
suffix, the outlet's readable name, the language, and a conservative line filter for boilerplate that slips
through. The page is parsed once and that tree serves every field; trafilatura's slower full cascade and its
metadata heuristics run only when the fast path leaves something open.

Public API: `extract_html(raw) -> Article`, which raises `ExtractionError` when the input holds no article.

Modules, in the order `core.extract_html` uses them:
- `decoding`: bytes -> text (charset, gzip, control characters) -> one lxml tree
- `metadata`: <meta>, JSON-LD and trafilatura's metadata heuristics, read from the whole page
- `titles`, `sites`, `fields`: the headline; the outlet and host; dates, languages and author names
- `main_text`: trafilatura's text, fast mode first, with the test for falling back to its full cascade
- `body`: the boilerplate line filter
- `normalize`: text primitives they share; `errors`: `ExtractionError`

Design notes and the measurements behind them: docs/design/extraction.md; figures: benchmarks/extraction.py.
"""
from __future__ import annotations

from .core import extract_html
from .errors import ExtractionError

__all__ = ["ExtractionError", "extract_html"]
