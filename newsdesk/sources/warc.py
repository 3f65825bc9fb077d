"""WARC and WARC.gz files (the CC-NEWS layout) to RawInput records, streamed with warcio.

Only `response` records of HTML pages with HTTP status 200 become inputs; requests, metadata, redirects and
non-HTML responses are skipped silently, since a news crawl is mostly those. The file is read record by record
(warcio decompresses each gzip member as it goes), so memory stays at one record whatever the file size; a
record body over LIMITS.input_bytes is reported and skipped rather than read.

A file cut off (a crawl still being written, a download that stopped) is reported: warcio reads a cut record as
if it were whole and stops quietly at a cut record header, so each record is read to its end here and checked
against its Content-Length and its gzip member, and what is left after the last record is looked at. The records
before the cut are read; the cut one becomes no article, its bytes are kept raw (kind "partial") with the error.
"""
from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import BinaryIO, Iterator

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed
from warcio.limitreader import LimitReader

from ..decompress import CHUNK, GZIP_MAGIC, CutOff, DecompressionError, file_chunks, gunzip_chunks
from ..models import RawInput
from ..settings import LIMITS
from . import SourceError

HTML_TYPES = ("text/html", "application/xhtml+xml")
CUT = "cut off"
# What is left after the last record warcio could read is looked at only this far: a record cut inside its
# header is far shorter, and anything longer is damage, not a cut.
_TAIL_BYTES = 1 << 16


def _date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def read_warc(path: Path, max_bytes: int | None = None) -> Iterator[RawInput | SourceError]:
    """The HTML pages of the WARC file at `path`, then at most one SourceError saying where the file is cut off or
    damaged (it names the file, the record, its target URI when known, and how many responses came before)."""
    max_bytes = LIMITS.input_bytes if max_bytes is None else max_bytes
    try:
        stream = open(path, "rb")
    except OSError as e:
        yield SourceError(str(path), f"cannot read file: {e}")
        return
    with stream:
        gz = stream.read(2) == GZIP_MAGIC
        stream.seek(0)
        it = ArchiveIterator(stream)
        records = responses = 0  # read to their end
        failure: Exception | None = None
        try:
            for record in it:
                if record.format != "warc":  # warcio reads any text line as a legacy ARC header
                    raise ArchiveLoadFailed(f"not a WARC record ({record.format} format)")
                uri = record.rec_headers.get_header("WARC-Target-URI")
                is_response = record.rec_type == "response"
                origin = f"{path}#{uri or responses + 1}"
                body = None
                if is_response and _is_html_page(record):
                    # content_stream() undoes chunked and gzip transfer encodings; read one byte past the limit to
                    # know whether it was reached without reading the rest
                    body = record.content_stream().read(max_bytes + 1)
                problem = _unfinished(it, record)
                if problem:
                    where = f"in record {records + 1}{f' ({uri})' if uri else ''}, after {responses} responses"
                    raw = None
                    if body:  # what did arrive of the page, kept but never made an article
                        raw = RawInput(body=body[:max_bytes], kind="partial", origin=origin, url=uri,
                                       fetched_at=_date(record.rec_headers.get_header("WARC-Date")))
                    yield SourceError(origin if uri else str(path), f"the file is {problem} {where}", raw=raw)
                    if problem == CUT:
                        return
                records += 1
                responses += is_response
                if body is None or problem:
                    continue
                if len(body) > max_bytes:
                    yield SourceError(origin, f"record body larger than the limit of {max_bytes} bytes; skipped")
                    continue
                yield RawInput(body=body, kind="html", origin=origin, url=uri,
                               fetched_at=_date(record.rec_headers.get_header("WARC-Date")))
        except Exception as e:  # noqa: BLE001 - warcio raises assorted types on damaged input (EOFError,
            failure = e  # StatusAndHeadersParserException, AttributeError on a response without a target URI...)
        tail = _tail(stream, it.offset, gz)
        if tail == CUT:
            yield SourceError(str(path), f"the file is {CUT} in record {records + 1}, after {responses} responses; "
                                         "the records before it were read")
        elif failure is not None or tail:
            reason = str(failure or tail).split(", first line")[0][:200]  # the rest is the offending bytes
            yield SourceError(str(path), f"not a readable WARC file after {responses} responses (in record "
                                         f"{records + 1}): {reason}")
        elif records == 0:
            yield SourceError(str(path), "not a WARC file (no records found)")


def _is_html_page(record) -> bool:
    http = record.http_headers
    if http is None or http.get_statuscode() != "200":  # DNS or screenshot records, redirects, errors
        return False
    ctype = (http.get_header("Content-Type") or "").split(";")[0].strip().lower()
    return not ctype or ctype in HTML_TYPES


def _unfinished(it: ArchiveIterator, record) -> str | None:
    """Reads the rest of `record` and says what is wrong with its end: CUT when the file ends before its
    Content-Length or inside its gzip member, a message when it is longer than its Content-Length, else None."""
    length = (record.rec_headers.get_header("Content-Length") or "").strip()
    raw = record.raw_stream
    while raw.read(CHUNK):
        pass
    if not length.isdigit():
        # warcio reads a record without a length to the end of the file: its header was cut off or damaged
        return CUT
    errors = it.err_count
    it.read_to_end()
    inflater = it.reader.decompressor if it.reader is not None else None
    if isinstance(raw, LimitReader) and raw.limit > 0 or inflater is not None and not inflater.eof:
        return CUT
    if it.err_count > errors:  # warcio found no blank line where the record should end
        return f"damaged (its Content-Length, {length}, does not end the record)"
    return None


def _tail(stream: BinaryIO, offset: int, gz: bool) -> str | None:
    """What follows the last record read, from `offset`: None when it is nothing but padding, CUT when it is the
    start of a record or of a gzip member that the file cuts off, else a description of the damage."""
    stream.seek(offset)
    if gz:
        out = bytearray()
        try:
            for piece in gunzip_chunks(file_chunks(stream)):
                out += piece
                if len(out) > _TAIL_BYTES:
                    break
        except CutOff:
            return CUT if out.startswith(b"WARC/"[: len(out)]) else "damaged data at its end"
        except DecompressionError as err:
            return str(err)
        data = bytes(out)
    else:
        data = stream.read(_TAIL_BYTES + 1)
    data = data.lstrip(b"\r\n\0")
    if not data:
        return None
    if data.startswith(b"WARC/"[: len(data)]) and len(data) <= _TAIL_BYTES:
        return CUT
    return "data after the last record that is not a WARC record"
