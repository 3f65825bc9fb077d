"""Readers that turn inputs (JSON lines, HTML files and folders, the bundled sample) into RawInput records.

Readers only read: they yield raw bytes with their origin, and report unreadable inputs as SourceError records
so that one bad file never stops a batch. Files are read as streams, never whole: JSON lines line by line (each
line at most LIMITS.input_bytes), .gz files through the bounded inflater, an HTML file only after its size passed.
"""
from __future__ import annotations

import glob
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator

from ..decompress import CutOff, DecompressionError, file_chunks, gunzip_chunks, read_file
from ..models import RawInput
from ..settings import LIMITS

HTML_SUFFIXES = (".html", ".htm", ".html.gz", ".htm.gz")
JSONL_SUFFIXES = (".jsonl", ".ndjson", ".json", ".jsonl.gz", ".ndjson.gz", ".json.gz")
WARC_SUFFIXES = (".warc", ".warc.gz")


@dataclass
class SourceError:
    origin: str
    message: str
    raw: RawInput | None = None  # bytes that did arrive before the failure (a fetch cut off), kept with the error


def matching_paths(pattern: str) -> list[Path]:
    """The paths a quoted glob (`crawl/*.warc.gz`, `**` for folders below) names, sorted; `[pattern]` itself when it
    is no glob or names an existing path."""
    if not glob.has_magic(pattern) or Path(pattern).exists():
        return [Path(pattern)]
    return [Path(m) for m in sorted(glob.glob(pattern, recursive=True))]


def input_files(folder: Path) -> list[Path]:
    """The ingestible files under `folder`, recursively, in the order `read_path` reads them."""
    return sorted(p for p in folder.rglob("*") if p.is_file() and _kind(p))


def read_path(path: Path) -> Iterator[RawInput | SourceError]:
    """Everything ingestible under `path`: a JSON lines file, an HTML file, a WARC file, or a folder of them."""
    if path.is_dir():
        files = input_files(path)
        if not files:
            yield SourceError(str(path), "no .html, .html.gz, .jsonl(.gz) or .warc(.gz) files in this folder")
        for f in files:
            yield from read_path(f)
        return
    kind = _kind(path)
    if kind is None:
        yield SourceError(str(path), "not a JSON lines (.jsonl, .ndjson, .json, optionally .gz), HTML (.html, "
                                     ".html.gz) or WARC (.warc, .warc.gz) file")
        return
    if kind == "warc":
        from .warc import read_warc  # streamed record by record, never the whole file in memory

        yield from read_warc(path)
        return
    if kind == "html":
        try:
            data = read_file(path)
        except (OSError, DecompressionError) as e:
            yield SourceError(str(path), f"cannot read file: {e}")
            return
        yield RawInput(body=data, kind="html", origin=str(path))
        return
    try:
        stream = open(path, "rb")
    except OSError as e:
        yield SourceError(str(path), f"cannot read file: {e}")
        return
    with stream:
        chunks = file_chunks(stream)
        yield from _read_lines(gunzip_chunks(chunks) if path.name.lower().endswith(".gz") else chunks, str(path))


def read_jsonl_bytes(data: bytes, origin: str) -> Iterator[RawInput | SourceError]:
    """One RawInput per non-blank line; parsing happens later so that a malformed line is still kept raw."""
    return _read_lines((data,), origin)


def _read_lines(chunks: Iterable[bytes], origin: str) -> Iterator[RawInput | SourceError]:
    """One RawInput per non-blank line of the byte stream `chunks`, named `origin:LINE`.

    A line longer than LIMITS.input_bytes is reported and skipped without being held: the reader only counts
    its bytes up to the next newline. When the stream fails (a .gz file cut off or damaged, a read error), the
    lines before are all yielded, then one SourceError naming the line where it stopped, with the bytes of that
    line that did arrive kept raw."""
    limit = LIMITS.input_bytes
    line = bytearray()
    skipped = 0  # bytes of an over-long line counted past its start, not held
    number = 0

    def finish():
        nonlocal skipped
        if skipped:
            size, skipped = skipped + len(line), 0
            line.clear()
            return SourceError(f"{origin}:{number}", f"line of {size} bytes is over the limit of {limit} bytes")
        body = bytes(line).strip()
        line.clear()
        return RawInput(body=body, kind="json", origin=f"{origin}:{number}") if body else None

    try:
        for chunk in chunks:
            start = 0
            while start < len(chunk):
                end = chunk.find(b"\n", start)
                piece = chunk[start:] if end < 0 else chunk[start:end]
                if skipped:
                    skipped += len(piece)
                elif len(line) + len(piece) > limit:
                    skipped = len(line) + len(piece)
                    line.clear()
                else:
                    line += piece
                if end < 0:
                    break
                number += 1
                if (item := finish()) is not None:
                    yield item
                start = end + 1
    except (OSError, DecompressionError) as e:
        number += 1
        got = skipped + len(line)
        where = f"in line {number} ({got} bytes of it read)" if got else f"before line {number}"
        what = "cut off" if isinstance(e, CutOff) else f"unreadable ({e})"
        partial = bytes(line) if line.strip() and not skipped else None
        yield SourceError(f"{origin}:{number}", f"the file is {what} {where}; the lines before it were read",
                          raw=RawInput(body=partial, kind="partial", origin=f"{origin}:{number}") if partial else None)
        return
    if line or skipped:  # the last line, without a final newline
        number += 1
        if (item := finish()) is not None:
            yield item


def _kind(path: Path) -> str | None:
    name = path.name.lower()
    if name.endswith(HTML_SUFFIXES):
        return "html"
    if name.endswith(JSONL_SUFFIXES):
        return "json"
    if name.endswith(WARC_SUFFIXES):
        return "warc"
    return None
