"""Readers that turn inputs (JSON lines, HTML files and folders, the bundled sample) into RawInput records.

Readers only read: they yield raw bytes with their origin, and report unreadable inputs as SourceError records
so that one bad file never stops a batch.
"""
from __future__ import annotations

import gzip
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from ..models import RawInput

HTML_SUFFIXES = (".html", ".htm", ".html.gz", ".htm.gz")
JSONL_SUFFIXES = (".jsonl", ".ndjson", ".jsonl.gz", ".json")
WARC_SUFFIXES = (".warc", ".warc.gz")


@dataclass
class SourceError:
    origin: str
    message: str
    raw: RawInput | None = None  # bytes that did arrive before the failure (a fetch cut off), kept with the error


def read_path(path: Path) -> Iterator[RawInput | SourceError]:
    """Everything ingestible under `path`: a JSON lines file, an HTML file, or a folder of either."""
    if path.is_dir():
        files = sorted(p for p in path.rglob("*") if p.is_file() and _kind(p))
        if not files:
            yield SourceError(str(path), "no .html, .html.gz, .jsonl or .warc(.gz) files in this folder")
        for f in files:
            yield from read_path(f)
        return
    kind = _kind(path)
    if kind is None:
        yield SourceError(str(path), "not a JSON lines (.jsonl), HTML (.html, .html.gz) or WARC (.warc, .warc.gz) file")
        return
    if kind == "warc":
        from .warc import read_warc  # streamed record by record, never the whole file in memory

        yield from read_warc(path)
        return
    try:
        data = path.read_bytes()
        if path.name.endswith(".gz"):
            data = gzip.decompress(data)
    except (OSError, EOFError, gzip.BadGzipFile) as e:
        yield SourceError(str(path), f"cannot read file: {e}")
        return
    if kind == "html":
        yield RawInput(body=data, kind="html", origin=str(path))
    else:
        yield from read_jsonl_bytes(data, str(path))


def read_jsonl_bytes(data: bytes, origin: str) -> Iterator[RawInput]:
    """One RawInput per non-blank line; parsing happens later so that a malformed line is still kept raw."""
    for number, line in enumerate(data.splitlines(), start=1):
        if line.strip():
            yield RawInput(body=line.strip(), kind="json", origin=f"{origin}:{number}")


def _kind(path: Path) -> str | None:
    name = path.name.lower()
    if name.endswith(HTML_SUFFIXES):
        return "html"
    if name.endswith(JSONL_SUFFIXES):
        return "json"
    if name.endswith(WARC_SUFFIXES):
        return "warc"
    return None
