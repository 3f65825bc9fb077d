"""WARC and WARC.gz files (the CC-NEWS layout) to RawInput records, streamed with warcio.

Only `response` records of HTML pages with HTTP status 200 become inputs; requests, metadata, redirects and
non-HTML responses are skipped silently, since a news crawl is mostly those. The file is read record by record
(warcio decompresses each gzip member as it goes), so memory stays at one record whatever the file size; a
record body over `max_bytes` is reported and skipped rather than read.
"""
from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Iterator

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed

from ..models import RawInput
from . import SourceError

MAX_RECORD_BYTES = 8 * 1024 * 1024
HTML_TYPES = ("text/html", "application/xhtml+xml")


def _date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def read_warc(path: Path, max_bytes: int = MAX_RECORD_BYTES) -> Iterator[RawInput | SourceError]:
    try:
        stream = open(path, "rb")
    except OSError as e:
        yield SourceError(str(path), f"cannot read file: {e}")
        return
    with stream:
        number = records = 0
        try:
            for record in ArchiveIterator(stream):
                if record.format != "warc":  # warcio reads any text line as a legacy ARC header
                    raise ArchiveLoadFailed(f"not a WARC record ({record.format} format)")
                records += 1
                if record.rec_type != "response":
                    continue
                number += 1
                uri = record.rec_headers.get_header("WARC-Target-URI")
                origin = f"{path}#{uri or number}"
                http = record.http_headers
                if http is None:
                    continue  # a response record without HTTP headers (DNS, screenshots)
                if http.get_statuscode() != "200":
                    continue
                ctype = (http.get_header("Content-Type") or "").split(";")[0].strip().lower()
                if ctype and ctype not in HTML_TYPES:
                    continue
                # content_stream() undoes chunked and gzip transfer encodings; read one byte past the limit to
                # know whether it was reached without reading the rest.
                body = record.content_stream().read(max_bytes + 1)
                if len(body) > max_bytes:
                    yield SourceError(origin, f"record body larger than the limit of {max_bytes} bytes; skipped")
                    continue
                yield RawInput(body=body, kind="html", origin=origin, url=uri,
                               fetched_at=_date(record.rec_headers.get_header("WARC-Date")))
        except ArchiveLoadFailed as e:
            reason = str(e).split(", first line")[0][:200]  # the rest is the offending bytes
            where = f" after {number} responses" if number else ""
            yield SourceError(str(path), f"not a readable WARC file{where}: {reason}")
        except (OSError, EOFError, ValueError) as e:
            yield SourceError(str(path), f"WARC file broken after {number} responses: {e}")
        else:
            if records == 0:
                yield SourceError(str(path), "not a WARC file (no records found)")
