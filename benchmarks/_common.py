"""Helpers shared by the benchmarks; they use newsdesk's public API only, as an installed package (`pip install -e .`).

- the fundus extraction gold (../shared/data/extraction/fundus, never shipped): its (page, URL, gold) pairs, the
  gold body as text, token precision/recall/F1, and the two systems compared (plain trafilatura, newsdesk);
- the replayed stream of real articles that the cost benchmarks grow to any size (`pool`, `stream`);
- a uvicorn server in a thread and Debian's Chromium, for the screenshots.
"""
from __future__ import annotations

import json
import re
import socket
import threading
import time
from collections import Counter
from datetime import datetime, timedelta, timezone
from pathlib import Path

from trafilatura import bare_extraction

from newsdesk.eval.cluster import FILES, SETS, load_set
from newsdesk.models import Article, RawInput
from newsdesk.sources.records import article_from_record
from newsdesk.stages.extract import ExtractionError, extract_html

# -- the fundus extraction gold ---------------------------------------------------------------------------------
FUNDUS = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "extraction" / "fundus"
DATE_SUFFIX = re.compile(r"_\d{4}_\d{2}_\d{2}\.html\.gz$")


def pairs():
    for country in sorted(p for p in FUNDUS.iterdir() if p.is_dir()):
        info_path = country / "meta.info"
        info = json.loads(info_path.read_text()) if info_path.exists() else {}
        pages: dict[str, list[Path]] = {}
        for page in country.glob("*.html.gz"):
            pages.setdefault(DATE_SUFFIX.sub("", page.name), []).append(page)
        for pub, files in sorted(pages.items()):
            gold = json.loads((country / f"{pub}.json").read_text())
            for key, page in zip(gold, sorted(files, key=lambda p: p.name)):
                yield page, info.get(page.name, {}).get("url"), gold[key]


def gold_body(body) -> str:
    if isinstance(body, str):
        return body
    parts = list(body.get("summary") or [])
    for sec in body.get("sections") or []:
        parts += list(sec.get("headline") or []) + list(sec.get("paragraphs") or [])
    return "\n".join(parts)


def tokens(s: str) -> Counter:
    return Counter(re.findall(r"\w+", (s or "").lower()))


def prf(pred: str, gold: str) -> tuple[float, float, float]:
    p, g = tokens(pred), tokens(gold)
    common = sum((p & g).values())
    prec = common / sum(p.values()) if p else 0.0
    rec = common / sum(g.values()) if g else 0.0
    return prec, rec, (2 * prec * rec / (prec + rec) if prec + rec else 0.0)


def norm_title(s) -> str:
    # soft hyphens and zero-width spaces are invisible; neither side should win or lose on them
    return re.sub(r"\s+", " ", re.sub(r"[\u00ad\u200b]", "", s or "")).strip()


def to_dt(v) -> datetime | None:
    if isinstance(v, datetime):
        return v
    if not v:
        return None
    try:
        return datetime.fromisoformat(str(v))
    except ValueError:
        return None


def same_day(pred, gold) -> bool:
    p, g = to_dt(pred), to_dt(gold)
    if p is None or g is None:
        return False
    if p.tzinfo and g.tzinfo:
        p = p.astimezone(g.tzinfo)  # the gold's own zone decides which calendar day it is
    return p.date() == g.date()


def plain(html: bytes, url: str | None) -> dict:
    doc = bare_extraction(html, url=url, with_metadata=True, include_comments=False)
    if doc is None:
        return {}
    authors = [a.strip() for a in (doc.author or "").split(";") if a.strip()]
    return {"title": doc.title, "text": doc.text or "", "date": doc.date, "authors": authors}


def ours(html: bytes, url: str | None) -> dict:
    try:
        a = extract_html(RawInput(body=html, kind="html", origin="bench", url=url))
    except ExtractionError as err:
        return {"error": str(err)}
    return {"title": a.title, "text": a.text, "date": a.published, "authors": a.authors,
            "outlet": a.outlet, "language": a.language}



# -- a replayed stream of real articles (benchmarks/cluster_cost.py describes it) --------------------------------
REPLAY_DAYS = 10
_CAPITALISED = re.compile(r"\b([A-Z][a-z]+)")


def _suffix(k: int) -> str:
    letters = ""
    while True:
        k, r = divmod(k, 26)
        letters += "abcdefghijklmnopqrstuvwxyz"[r]
        if k == 0:
            return letters


def pool(data: Path) -> list[Article]:
    articles = []
    for name in SETS:
        for record, _ in load_set(name, data / FILES[name]):
            articles.append(article_from_record(record))
    start = datetime(2020, 1, 1, tzinfo=timezone.utc)
    step = REPLAY_DAYS * 86400 / len(articles)
    for i, a in enumerate(articles):  # load_set gives date order per set; interleave sets evenly over the days
        a.published = start + timedelta(seconds=i * step)
        a.url = None  # the URL's own date would fight the replayed one
    articles.sort(key=lambda a: a.published)
    return articles


def stream(base: list[Article], n: int):
    for i in range(n):
        k, j = divmod(i, len(base))
        a = base[j]
        if k == 0:
            yield a
            continue
        sfx = _suffix(k)
        yield Article(title=_CAPITALISED.sub(lambda m: m.group(1) + sfx, a.title),
                      text=_CAPITALISED.sub(lambda m: m.group(1) + sfx, a.text),
                      published=a.published + timedelta(days=REPLAY_DAYS * k))



# -- a server and a browser for screenshots ---------------------------------------------------------------------
CHROMIUM = "/usr/bin/chromium"
# Debian's Chromium headless as root, with nothing of its own reaching out to the network
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]


class Server:
    """uvicorn in a background thread on a free loopback port; `with Server(app) as base_url:`."""

    def __init__(self, app):
        import uvicorn

        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> str:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            assert self.thread.is_alive() and time.monotonic() < deadline, "server did not start"
            time.sleep(0.05)
        return f"http://127.0.0.1:{self.port}"

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
