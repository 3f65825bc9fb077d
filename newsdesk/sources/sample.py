"""The bundled sample corpus: 100 Wikinews articles from 10 running stories (MultiLing 2011, CC BY 3.0), in English,
French and Arabic (the same articles, translated by the MultiLing community).

It ships as the original cluster files; `sample_articles_jsonl` flattens them to one article per line and drops the
cluster ids, so that the clustering stage has to find the stories itself. The demo ingests the three languages
(DEMO_LANGUAGES: Arabic puts pages that read right to left in it); the default of `sample_records` stays the
English file, which tests and `eval cluster` read.
"""
from __future__ import annotations

import json
import re
from datetime import datetime
from importlib import resources

SAMPLE_FILE = "multiling2011_en.jsonl"
SAMPLE_FILES = {"en": SAMPLE_FILE, "fr": "multiling2011_fr.jsonl", "ar": "multiling2011_ar.jsonl"}
DEMO_LANGUAGES = ("en", "fr", "ar")

_DATE_LINE = re.compile(
    r"^\s*(?:(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday),\s*)?"
    r"(?P<month>January|February|March|April|May|June|July|August|September|October|November|December)\s+"
    r"(?P<day>\d{1,2}),\s*(?P<year>\d{4})\s*"
)
# The French texts open with "Samedi 8 janvier 2005", "Le samedi 1er janvier 2005" or "Le vendredi 29 janvier, 2010".
_FRENCH_MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
                  "novembre", "décembre")
_DATE_LINE_FR = re.compile(
    r"^\s*(?:le\s+)?(?:(?:lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche),?\s+)?"
    rf"(?P<day>\d{{1,2}})(?:er)?\s+(?P<month>{'|'.join(_FRENCH_MONTHS)}),?\s+(?P<year>\d{{4}})\s*",
    re.I,
)
# The Arabic texts open with "السبت 8 يناير 2005" or "الخميس 20 كانون الثاني 2005": the Egyptian month names or
# the Levantine ones, both in use.
_ARABIC_MONTHS = {
    **{m: i for i, names in enumerate(("يناير", "فبراير", "مارس", "أبريل ابريل إبريل", "مايو", "يونيو يونيه",
                                        "يوليو يوليه", "أغسطس اغسطس", "سبتمبر", "أكتوبر اكتوبر", "نوفمبر", "ديسمبر"),
                                       start=1) for m in names.split()},
    **{m.replace("_", " "): i for i, names in enumerate(("كانون_الثاني", "شباط", "آذار اذار أذار", "نيسان", "أيار ايار",
                                                         "حزيران", "تموز", "آب اب", "أيلول ايلول",
                                                         "تشرين_الأول تشرين_الاول", "تشرين_الثاني",
                                                         "كانون_الأول كانون_الاول"), start=1)
       for m in names.split()},
}
_DATE_LINE_AR = re.compile(
    r"^\s*(?:(?:السبت|الأحد|الاحد|الاثنين|الإثنين|الثلاثاء|الأربعاء|الاربعاء|الخميس|الجمعة)\s*[،,]?\s*)?"
    r"(?P<day>\d{1,2})\s+"
    rf"(?P<month>{'|'.join(sorted(map(re.escape, _ARABIC_MONTHS), key=len, reverse=True))})(?:/[^\s\d]+)?\s*[،,]?"
    r"\s*(?P<year>\d{4})\.?\s*")
_TITLE_DATE_PREFIX = re.compile(r"^(?:\d{3,4}/\d{2}/\d{2}|\d{2}/\d{2}/\d{4})\s+")
_TITLE_DATE_FR = re.compile(r"^(?P<day>\d{2})/(?P<month>\d{2})/(?P<year>\d{4})\s")


def sample_path(language: str = "en"):
    return resources.files("newsdesk.data.wikinews").joinpath(SAMPLE_FILES[language])


def parse_wikinews_text(text: str) -> tuple[datetime | None, str]:
    """Wikinews texts open with a dateline ("Saturday, January 8, 2005"); return the date and the rest.

    Some texts run the first sentence on after the date, and a few have no date at all (the date is then None
    and the text is kept whole).
    """
    m = _DATE_LINE.match(text)
    if m:
        return datetime.strptime(f"{m['month']} {m['day']} {m['year']}", "%B %d %Y"), text[m.end():].strip()
    m = _DATE_LINE_FR.match(text)
    if m:
        month = _FRENCH_MONTHS.index(m["month"].lower()) + 1
        return datetime(int(m["year"]), month, int(m["day"])), text[m.end():].strip()
    m = _DATE_LINE_AR.match(text)
    if m:
        return datetime(int(m["year"]), _ARABIC_MONTHS[m["month"]], int(m["day"])), text[m.end():].strip()
    return None, text.strip()


def sample_records(languages: tuple[str, ...] = ("en",)) -> list[dict]:
    """The sample's articles as JSON-lines records; French ids are prefixed "fr-" (the files share their ids)."""
    records = []
    for language in languages:
        with sample_path(language).open(encoding="utf-8") as f:
            for line in f:
                cluster = json.loads(line)
                for doc in cluster["docs"]:
                    date, body = parse_wikinews_text(doc["text"])
                    title_date = _TITLE_DATE_FR.match(doc["title"]) if language == "fr" else None
                    if date is None and title_date:  # "08/01/2005 Les dons ...": the French titles carry the day
                        date = datetime(int(title_date["year"]), int(title_date["month"]), int(title_date["day"]))
                    records.append({
                        "id": doc["doc_id"] if language == "en" else f"{language}-{doc['doc_id']}",
                        "title": _TITLE_DATE_PREFIX.sub("", doc["title"]).strip(),
                        "text": body,
                        "date": date.date().isoformat() if date else None,
                        "outlet": doc.get("outlet") or "Wikinews",
                        "language": language,
                    })
    return records


def sample_articles_jsonl(languages: tuple[str, ...] = ("en",)) -> bytes:
    return "\n".join(json.dumps(r, ensure_ascii=False) for r in sample_records(languages)).encode("utf-8")
