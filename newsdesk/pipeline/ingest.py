"""Ingest: keep each input's raw bytes in the store first, then parse it into an Article (the `parse` stage).

A failure is kept with the raw bytes and reported per input (`InputFailure`); it never stops the batch. What is
new waits in the store, unassigned, for the next `build`.
"""
from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

from tqdm import tqdm

from ..models import Article, RawInput
from ..sources import SourceError, matching_paths, read_jsonl_bytes, read_path
from ..store import Store
from .declared import PIPELINE


@dataclass
class InputFailure:
    origin: str
    message: str

    def __str__(self) -> str:
        return f"{self.origin}: {self.message}"


@dataclass
class IngestReport:
    added: int = 0
    already_stored: int = 0
    failures: list[InputFailure] = field(default_factory=list)


def ingest_raw(store: Store, raw: RawInput,
               parsed: Article | Exception | None = None) -> Article | InputFailure | None:
    """Keep the raw bytes first, then parse; returns the new article, a failure, or None if already stored.
    `parsed`: the parse stage's result for `raw` when it ran elsewhere (a Ray worker: ray_build.py)."""
    store.put_raw(raw)
    if store.has_article_for(raw.sha256):
        return None
    (article,) = PIPELINE.ingest.process_batch([raw]) if parsed is None else (parsed,)
    if isinstance(article, Exception):  # any parser failure is reported for this input, and the batch goes on
        message = str(article) or type(article).__name__
        store.set_raw_error(raw.sha256, message)
        return InputFailure(raw.origin, message)
    store.set_raw_error(raw.sha256, None)
    article.raw_sha256, article.origin = raw.sha256, raw.origin
    return article if store.add_article(article) is not None else None


def ingest_inputs(store: Store, inputs: Iterable[RawInput | SourceError | tuple[RawInput, Article | Exception]],
                  progress: bool = False, on_failure: Callable[[InputFailure], None] | None = None) -> IngestReport:
    """Stores each input in order; an input may come with its parse already done, as `(raw, article or the
    parse's exception)`."""
    report = IngestReport()
    for item in tqdm(inputs, desc="ingest", unit=" inputs", disable=not progress, file=sys.stderr):
        if isinstance(item, SourceError):
            if item.raw is not None:  # bytes that arrived before the failure are kept with the error
                store.put_raw(item.raw)
                store.set_raw_error(item.raw.sha256, item.message)
            result: Article | InputFailure | None = InputFailure(item.origin, item.message)
        elif isinstance(item, tuple):
            result = ingest_raw(store, *item)
        else:
            result = ingest_raw(store, item)
        if isinstance(result, InputFailure):
            report.failures.append(result)
            if on_failure:
                on_failure(result)
        elif result is None:
            report.already_stored += 1
        else:
            report.added += 1
    return report


def ingest_paths(store: Store, paths: Iterable[Path | str], fetcher=None, **kwargs) -> IngestReport:
    """Files, folders, quoted globs of them, and http(s) URLs (given as str; fetched with `fetcher`, a
    sources.fetch.Fetcher)."""
    def inputs():
        for p in paths:
            if isinstance(p, str) and p.lower().startswith(("http://", "https://")):
                from ..sources.fetch import read_url

                yield from read_url(p, fetcher)
                continue
            matches = matching_paths(str(p))
            if not matches:
                yield SourceError(str(p), "the pattern matches no files or folders")
            for m in matches:
                if not m.exists():
                    yield SourceError(str(m), "no such file or folder")
                else:
                    yield from read_path(m)

    return ingest_inputs(store, inputs(), **kwargs)


def ingest_sample(store: Store, **kwargs) -> IngestReport:
    from ..sources.sample import DEMO_LANGUAGES, sample_articles_jsonl

    return ingest_inputs(store, read_jsonl_bytes(sample_articles_jsonl(DEMO_LANGUAGES), "sample:wikinews"), **kwargs)
