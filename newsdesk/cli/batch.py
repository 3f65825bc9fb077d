"""Batch verbs: records in (JSON lines on stdin, or files), one JSON line out per record; no database.

`summarize`, `cluster`, `facts`, `places` and `extract`. A record that cannot be used is named on stderr as
`<input>:<line>: <reason>; ... skipped`, the rest go on, and the exit status is 1.
"""
from __future__ import annotations

import json
import sys
from datetime import datetime
from typing import Iterator, TextIO

import click

from ..models import Article, Brief
from .base import err, verb


def json_lines(stream: TextIO, name: str) -> Iterator[tuple[int, dict | None]]:
    """Yields (line number, object); a malformed line is reported by number and yields None."""
    for number, line in enumerate(stream, start=1):
        if not line.strip():
            continue
        try:
            yield number, json.loads(line)
        except json.JSONDecodeError as e:
            err(f"{name}:{number}: malformed JSON ({e.msg} at column {e.colno}); line skipped")
            yield number, None


def _date(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def brief_to_record(cluster_id, brief: Brief, words: int) -> dict:
    """A brief as `summarize` writes it: the summary cut to `words`, and each sentence with its article."""
    summary_words: list[str] = []
    for s in brief.sentences:
        summary_words += s.text.split()
    return {
        "id": cluster_id,
        "headline": brief.headline,
        "summary": " ".join(summary_words[:words]),
        "sentences": [{"text": s.text, "doc_id": s.article_id, "also_in": s.also_in} for s in brief.sentences],
        "latest": [{"text": s.text, "doc_id": s.article_id} for s in brief.latest],
    }


@verb("summarize", "batch: clusters as JSON lines on stdin, briefs as JSON lines on stdout")
@click.option("--words", type=int, default=100, help="cut each summary to this many words (default 100)")
def summarize(words: int) -> int:
    from ..sources.records import RecordError, article_from_record
    from ..stages.summarize import summarize as summarize_articles

    failed = False
    for number, cluster in json_lines(sys.stdin, "stdin"):
        if cluster is None:
            failed = True
            continue
        try:
            docs = cluster.get("docs") if isinstance(cluster, dict) else None
            if not isinstance(docs, list) or not docs:
                raise RecordError('"docs" must be a non-empty list of articles')
            articles: list[Article] = []
            for i, doc in enumerate(docs):
                article = article_from_record(doc)
                article.external_id = article.external_id or str(i)
                articles.append(article)
            # A brief longer than the word limit lets the cut fall inside a sentence, as ROUGE's -l does.
            brief = summarize_articles(articles, words=words)
        except (RecordError, ValueError) as e:
            err(f"stdin:{number}: {e}; cluster skipped")
            failed = True
            continue
        print(json.dumps(brief_to_record(cluster.get("cluster_id", cluster.get("id", number)), brief, words),
                         ensure_ascii=False), flush=True)
    return 1 if failed else 0


@verb("cluster", "batch: articles as JSON lines on stdin in arrival order, story ids out; at the end of the input, "
      "after re-clustering the window, each article's final story and thread (the last line for an id holds)")
def cluster() -> int:
    from ..pipeline import StoryAssigner
    from ..pipeline.threads import stream_profiles
    from ..sources.records import RecordError, article_from_record
    from ..stages.cluster import LEAD_WORDS
    from ..stages.threads import threads

    assigner = StoryAssigner()
    next_story = iter(range(1, 1 << 62))
    given_id: dict = {}
    articles: dict = {}
    failed = False
    for number, record in json_lines(sys.stdin, "stdin"):
        if record is None:
            failed = True
            continue
        try:
            article = article_from_record(record)
            if article.external_id is None:
                raise RecordError('missing "id"')
        except RecordError as e:
            err(f"stdin:{number}: {e}; article skipped")
            failed = True
            continue
        story, _ = assigner.assign(article, lambda: next(next_story))
        given_id[article.key] = record["id"]
        # the text is not kept: what threads read of it (stages.threads.profile_names) is title and lead
        articles[article.key] = Article(title=article.title, text=" ".join(article.text.split()[:LEAD_WORDS]))
        print(json.dumps({"id": record["id"], "story_id": story}), flush=True)
    # the window's stories redone all at once (stages/recluster.py), then the threads over the stories
    revised, _ = assigner.recluster(lambda: next(next_story))
    thread_of = threads(stream_profiles(assigner, articles)) if articles else {}
    for key, ext in given_id.items():
        story = assigner.story_of[key]
        line = {"id": ext, "story_id": story, "thread_id": thread_of.get(story, story)}
        if key in revised:
            line["revised"] = True
        print(json.dumps(line))
    return 1 if failed else 0


@verb("facts", "batch: clusters as JSON lines on stdin, figures/disagreements/quotes/entities/timeline as JSON lines "
      "on stdout")
def facts() -> int:
    from ..stages.facts.batch import run

    return run()


@verb("places", "batch: articles as JSON lines on stdin, their place names with character offsets, country and "
      "coordinates as JSON lines on stdout")
def places() -> int:
    from ..stages.facts.places import run

    return run()


@verb("extract", "batch: HTML pages (.html, .html.gz) to one JSON line each")
@click.argument("files", nargs=-1, required=True)
def extract(files: tuple[str, ...]) -> int:
    from ..decompress import read_file
    from ..models import RawInput
    from ..stages.extract import extract_html

    failed = False
    for path in files:
        try:
            data = read_file(path)  # refused past LIMITS.input_bytes: by its size, or as a .gz file inflates
            a = extract_html(RawInput(body=data, kind="html", origin=path))
        except Exception as e:  # noqa: BLE001 - one bad page must not stop the others
            err(f"{path}: {e or type(e).__name__}; file skipped")
            failed = True
            continue
        print(json.dumps({"path": path, "title": a.title, "text": a.text, "date": _date(a.published),
                          "authors": a.authors, "outlet": a.outlet, "url": a.url, "language": a.language},
                         ensure_ascii=False), flush=True)
    return 1 if failed else 0


COMMANDS = [summarize, cluster, facts, places, extract]
