"""Numbers as news writes them: "1,200", "8.8", "3.5 million", "three", "tens of thousands", "$50m".

Hand-written because the PyPI number parsers (word2number, number-parser) read only spelled-out words and fail on the
mixed forms ("3.5 million", "a dozen") that carry most tolls; the vocabulary here is small and closed.
"""
from __future__ import annotations

import re

_UNITS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
    "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
    "seventeen": 17, "eighteen": 18, "nineteen": 19, "a": 1, "an": 1, "single": 1, "half": 0.5,
}
_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80,
         "ninety": 90}
_SCALES = {"hundred": 100, "thousand": 1_000, "million": 1_000_000, "billion": 1_000_000_000,
           "trillion": 1_000_000_000_000, "dozen": 12, "m": 1_000_000, "bn": 1_000_000_000, "k": 1_000}
# "tens of thousands" and "hundreds of people" are lower bounds, not values.
_PLURAL_SCALES = {"dozens": 12, "tens": 10, "hundreds": 100, "thousands": 1_000, "millions": 1_000_000,
                  "billions": 1_000_000_000, "scores": 20}

# "several thousand", "a few hundred": a scale with no count in front of it is an order of magnitude too.
_VAGUE_WORDS = {"several", "few", "many", "numerous", "countless"}

HEDGES = (
    "more than", "over", "at least", "upwards of", "in excess of", "no fewer than", "no less than",
    "less than", "fewer than", "under", "up to", "as many as", "as much as", "at most", "almost", "nearly", "close to",
    "about", "around", "roughly", "approximately", "some", "an estimated", "estimated", "about", "just over",
    "just under", "well over", "as few as",
)
_HEDGE_RE = re.compile(r"^(?:" + "|".join(sorted((re.escape(h) for h in set(HEDGES)), key=len, reverse=True))
                       + r")\b\s*", re.I)
_NUM_RE = re.compile(r"[-+]?\d[\d,]*(?:\.\d+)?|\.\d+")


def split_hedge(text: str) -> tuple[str | None, str]:
    """("More than", "470 people") for "More than 470 people"; (None, text) without a hedge."""
    m = _HEDGE_RE.match(text.strip())
    if not m:
        return None, text.strip()
    return m.group(0).strip().lower(), text.strip()[m.end():]


def parse_number(text: str) -> tuple[float | None, bool]:
    """(value, lower_bound) of a number phrase; value None when it holds no number.

    lower_bound is True for "dozens", "tens of thousands", "several hundred": the writer gives an order of magnitude,
    not a count (see `is_vague`).
    """
    words = re.findall(r"\d[\d,]*(?:\.\d+)?|[a-z]+", text.lower().replace("-", " "))
    total, current, seen, lower = 0.0, 0.0, False, False
    for w in words:
        if w[0].isdigit():
            try:
                current += float(w.replace(",", ""))
            except ValueError:
                return None, False
            seen = True
        elif w in _UNITS:
            if w in ("a", "an") and seen:
                continue
            current += _UNITS[w]
            seen = seen or w not in ("a", "an")
        elif w in _TENS:
            current += _TENS[w]
            seen = True
        elif w in _SCALES:
            if w in ("m", "bn", "k") and not seen:
                continue
            scale = _SCALES[w]
            current = (current or 1) * scale
            if scale >= 1000:
                total, current = total + current, 0.0
            seen = True
        elif w in _PLURAL_SCALES:
            current = (current or 1) * _PLURAL_SCALES[w]
            if _PLURAL_SCALES[w] >= 1000:
                total, current = total + current, 0.0
            seen, lower = True, True
        elif w in _VAGUE_WORDS:
            lower = True
        elif w in ("and", "of"):
            continue
        else:
            # Stop at the first word that is not part of the number ("3 people" -> 3).
            if seen:
                break
    if not seen:
        return None, False
    value = total + current
    return (int(value) if value == int(value) else value), lower


def is_vague(text: str) -> bool:
    """Whether a number phrase names an order of magnitude ("thousands", "tens of thousands", "several hundred",
    "scores") rather than a count: such a phrase is shown as written and never set against a number."""
    value, lower = parse_number(split_hedge(text)[1])
    return value is not None and lower
