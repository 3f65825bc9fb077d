"""Dates in the text resolved against the article's own date: "on Friday" in a Monday article is three days back.

dateutil reads the absolute forms ("January 12", "12 Jan 2010"); the relative forms news uses are few, so they are
resolved here by rule rather than with dateparser, whose guesses for a bare weekday depend on its settings.
"""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from dateutil import parser as dateutil_parser

WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
_MONTHS = ("january february march april may june july august september october november december "
           "jan feb mar apr jun jul aug sep sept oct nov dec").split()
_NUMBER_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "a": 1, "an": 1}
_AGO = re.compile(r"\b(\d+|one|two|three|four|five|six|seven|a|an)\s+(day|week|month|year)s?\s+ago\b")
_DURATION = re.compile(r"^(?:the\s+)?(?:past|last|next|recent|previous|coming|several|few|many|\d+|a|an)\b.*\b"
                       r"(?:days|weeks|months|years|decades)\b|^(?:days|weeks|months|years|decades)$")


def resolve(expression: str, base: date) -> tuple[date, str] | None:
    """(date, granularity: "day", "week", "month" or "year") of a date expression, or None when it names no time
    ("for days", "recent years", "the 1990s")."""
    low = expression.lower().strip()
    low = re.sub(r"^(?:on|by|in|since|until|from|at|early|late|earlier|later)\s+", "", low)
    if re.search(r"\b(?:today|tonight|this (?:morning|afternoon|evening))\b", low):
        return base, "day"
    if "yesterday" in low:
        return base - timedelta(days=1), "day"
    if "tomorrow" in low:
        return base + timedelta(days=1), "day"
    m = _AGO.search(low)
    if m:
        n = int(m.group(1)) if m.group(1).isdigit() else _NUMBER_WORDS[m.group(1)]
        unit = m.group(2)
        days = {"day": 1, "week": 7, "month": 30, "year": 365}[unit] * n
        return base - timedelta(days=days), unit
    if re.fullmatch(r"(?:the\s+)?last week|the previous week|a week ago", low):
        return base - timedelta(days=7), "week"
    if low in ("this week", "earlier this week"):
        return base, "week"
    if low in ("last month", "the previous month"):
        first = base.replace(day=1) - timedelta(days=1)
        return first.replace(day=1), "month"
    if low in ("last year", "the previous year"):
        return date(base.year - 1, 1, 1), "year"
    has_month = any(re.search(rf"\b{m}\b\.?", low) for m in _MONTHS)
    has_year = re.search(r"\b(1[89]\d\d|20\d\d)\b", low) is not None
    has_day = has_month and re.search(r"\b\d{1,2}(?:st|nd|rd|th)?\b", re.sub(r"\b(1[89]|20)\d\d\b", "", low))
    if not has_month:
        for i, name in enumerate(WEEKDAYS):
            if re.search(rf"\b{name}\b", low):
                back = (base.weekday() - i) % 7
                if low.startswith("last ") and back == 0:
                    back = 7
                if low.startswith("next "):
                    return base + timedelta(days=(i - base.weekday()) % 7 or 7), "day"
                return base - timedelta(days=back), "day"
        if has_year and re.fullmatch(r"(?:the year\s+)?(?:1[89]|20)\d\d", low):
            return date(int(low[-4:]), 1, 1), "year"
        return None
    if _DURATION.search(low):
        return None
    try:
        default = datetime(base.year, base.month, 1)
        parsed = dateutil_parser.parse(low, default=default, fuzzy=True).date()
    except (ValueError, OverflowError):
        return None
    weekday = next((i for i, name in enumerate(WEEKDAYS) if re.search(rf"\b{name}\b", low)), None)
    fits = [d for d in _same_day_in_years(parsed, (base.year - 1, base.year, base.year + 1))
            if d.weekday() == weekday] if not has_year and has_day and weekday is not None else []
    if fits:
        # "Sunday, January 23" without a year: the year in which that date is a Sunday, the nearest if several
        # (an announcement of next Sunday's event is in the article's future)
        parsed = min(fits, key=lambda d: abs(d - base))
    elif not has_year and parsed > base + timedelta(days=2):
        # No year given and the date would be in the article's future: the writer meant the past one.
        parsed = parsed.replace(year=parsed.year - 1)
    if has_day:
        return parsed, "day"
    return parsed.replace(day=1), "month" if not (has_year and not has_month) else "year"


def _same_day_in_years(day: date, years) -> list[date]:
    out = []
    for year in years:
        try:
            out.append(day.replace(year=year))
        except ValueError:  # 29 February
            pass
    return out


# Relative time words as news writes them; absolute dates are left out (they carry their own date).
_DAY_NAMES = r"(?:mon|tues|wednes|thurs|fri|satur|sun)day"
_PART_OF_DAY = r"(?:\s+(?:morning|afternoon|evening|night))?"
RELATIVE_TIME = re.compile(
    r"\b(?:(?:earlier|later)\s+)?(?:today|tonight|this\s+(?:morning|afternoon|evening))\b(?:['’]s\b)?"
    rf"|\b(?:yesterday|tomorrow){_PART_OF_DAY}\b(?:['’]s\b)?"
    rf"|\b(?:(?:on|last|next|this|early|late)\s+)?{_DAY_NAMES}{_PART_OF_DAY}\b"
    r"(?!,?\s+(?:\d{1,2}\b|(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+\d))"
    r"|\b(?:\d+|one|two|three|four|five|six|seven|a|an)\s+(?:day|week|month|year)s?\s+ago\b"
    r"|\b(?:(?:earlier|later)\s+)?(?:last|this|next)\s+(?:week|month|year)\b",
    re.I,
)
_SHORT_MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def _day_label(d: date) -> str:
    return f"{d.day} {_SHORT_MONTHS[d.month - 1]} {d.year}"


def relative_times(text: str, base: date | datetime | None) -> list[tuple[int, int, str]]:
    """(start, end, label) of each relative time expression in `text` ("earlier today", "on Monday", "last week"),
    the label being its date resolved against `base`, the date of the article it is quoted from ("12 Jan 2010",
    "week of 10 Dec 2007", "Nov 2007", "2006"), or "as of <base>" where it names no date `resolve` knows
    ("next week"). Nothing without a base: a sentence's time words cannot be placed without its article's date."""
    if base is None:
        return []
    day = base.date() if isinstance(base, datetime) else base
    out = []
    for m in RELATIVE_TIME.finditer(text):
        found = resolve(m.group(0), day)
        if found is None:
            label = f"as of {_day_label(day)}"
        else:
            when, granularity = found
            label = {"day": _day_label(when), "week": f"week of {_day_label(when)}",
                     "month": f"{_SHORT_MONTHS[when.month - 1]} {when.year}", "year": str(when.year)}[granularity]
        out.append((m.start(), m.end(), label))
    return out
