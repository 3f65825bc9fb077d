"""The bundled sample corpus: 100 Wikinews articles from 10 running stories (MultiLing 2011, CC BY 3.0).

It ships as the original cluster file; `sample_articles_jsonl` flattens it to one article per line and drops the
cluster ids, so that the clustering stage has to find the stories itself.
"""
from __future__ import annotations

import json
import re
from datetime import datetime
from importlib import resources

SAMPLE_FILE = "multiling2011_en.jsonl"

_DATE_LINE = re.compile(
    r"^\s*(?:(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday),\s*)?"
    r"(?P<month>January|February|March|April|May|June|July|August|September|October|November|December)\s+"
    r"(?P<day>\d{1,2}),\s*(?P<year>\d{4})\s*"
)
_TITLE_DATE_PREFIX = re.compile(r"^\d{4}/\d{2}/\d{2}\s+")


def sample_path():
    return resources.files("newsdesk.data.wikinews").joinpath(SAMPLE_FILE)


def parse_wikinews_text(text: str) -> tuple[datetime | None, str]:
    """Wikinews texts open with a dateline ("Saturday, January 8, 2005"); return the date and the rest.

    Some texts run the first sentence on after the date, and a few have no date at all (the date is then None
    and the text is kept whole).
    """
    m = _DATE_LINE.match(text)
    if not m:
        return None, text.strip()
    date = datetime.strptime(f"{m['month']} {m['day']} {m['year']}", "%B %d %Y")
    return date, text[m.end():].strip()


def sample_records() -> list[dict]:
    records = []
    with sample_path().open(encoding="utf-8") as f:
        for line in f:
            cluster = json.loads(line)
            for doc in cluster["docs"]:
                date, body = parse_wikinews_text(doc["text"])
                records.append({
                    "id": doc["doc_id"],
                    "title": _TITLE_DATE_PREFIX.sub("", doc["title"]).strip(),
                    "text": body,
                    "date": date.date().isoformat() if date else None,
                    "outlet": doc.get("outlet") or "Wikinews",
                    "language": "en",
                })
    return records


def sample_articles_jsonl() -> bytes:
    return "\n".join(json.dumps(r, ensure_ascii=False) for r in sample_records()).encode("utf-8")
