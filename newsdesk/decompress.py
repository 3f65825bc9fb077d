"""Bounded gzip inflation: the one way the desk undoes gzip it did not ask for (files, sniffed page bodies).

Python's gzip.decompress() inflates everything it is given, so 500 KB of gzip can ask for 500 MB and more. Here the
output is produced in steps of at most CHUNK bytes (zlib's max_length), so memory stays at one step whatever the
ratio; whole-buffer inflation stops as soon as it passes its limit, and a stream read says where it was cut off.
Hand-written over zlib because the standard gzip module offers no output bound for in-memory data and reports a
cut-off file only as a bare EOFError, losing the bytes it had inflated.
"""
from __future__ import annotations

import os
import zlib
from typing import BinaryIO, Iterable, Iterator

from .settings import LIMITS
from .errors import InputError

__all__ = ["CHUNK", "CutOff", "DecompressionError", "GZIP_MAGIC", "file_chunks", "gunzip_chunks", "inflate",
           "read_file"]

GZIP_MAGIC = b"\x1f\x8b"
CHUNK = 1 << 16  # inflate step and file read size: not a limit, only the grain of the work
_GZIP_WBITS = 16 + zlib.MAX_WBITS  # a gzip header and trailer around the deflate stream


class DecompressionError(InputError):
    """gzip data that is damaged, cut off, or inflates past a limit; the message says which."""


class CutOff(DecompressionError):
    """The data ends inside a gzip member: everything before the cut was inflated and handed on."""


def gunzip_chunks(chunks: Iterable[bytes]) -> Iterator[bytes]:
    """Inflate gzip data given as a sequence of compressed chunks: every member, in pieces of at most CHUNK bytes.

    Raises CutOff when the data ends inside a member and DecompressionError when it is damaged, in both cases
    after yielding all that could be inflated before. NUL padding after the last member is ignored (tape and
    block devices add it, and gzip(1) accepts it)."""
    inflater = zlib.decompressobj(_GZIP_WBITS)
    members = 0  # members inflated to their end
    in_member = False  # some of the current member was given to the inflater
    for data in chunks:
        pending = False  # zlib filled the last step and may hold more output without more input
        while data or pending:
            if not in_member and members and not data.startswith(GZIP_MAGIC[: len(data)]):
                if data.strip(b"\0"):
                    raise DecompressionError(f"damaged gzip data: bytes after the end of member {members}")
                break  # padding
            in_member = in_member or bool(data)
            try:
                out = inflater.decompress(data, CHUNK)
            except zlib.error as err:
                raise DecompressionError(f"damaged or not gzip data ({err})") from None
            if out:
                yield out
            if inflater.eof:  # what follows is another member, padding, or nothing
                data, pending, in_member = inflater.unused_data, False, False
                members += 1
                inflater = zlib.decompressobj(_GZIP_WBITS)
            else:
                data, pending = inflater.unconsumed_tail, len(out) == CHUNK
    if in_member:
        raise CutOff("the gzip data is cut off (it ends inside a member)")


def inflate(data: bytes, limit: int) -> bytes:
    """All members of the gzip `data`, inflated; DecompressionError when they inflate past `limit` bytes, are cut
    off or damaged. Memory stays within `limit` plus one step, whatever the compression ratio."""
    out = bytearray()
    for piece in gunzip_chunks((data,)):
        out += piece
        if len(out) > limit:
            raise DecompressionError(f"gzip data inflates past the limit of {limit} bytes")
    return bytes(out)


def file_chunks(stream: BinaryIO) -> Iterator[bytes]:
    """The rest of `stream` in reads of CHUNK bytes."""
    while chunk := stream.read(CHUNK):
        yield chunk


def read_file(path, limit: int | None = None) -> bytes:
    """A whole input file, gunzipped when its name ends in .gz, refused when it holds more than `limit` bytes
    (LIMITS.input_bytes unless given): a plain file by its size before reading it, a .gz file as it inflates.
    Raises OSError when it cannot be read and DecompressionError (a ValueError) when it is too large or damaged."""
    limit = LIMITS.input_bytes if limit is None else limit
    with open(path, "rb") as f:
        if not str(path).lower().endswith(".gz"):
            size = os.fstat(f.fileno()).st_size
            if size > limit:
                raise DecompressionError(f"file of {size} bytes is over the limit of {limit} bytes")
            data = f.read(limit + 1)
            if len(data) > limit:  # grew while being read
                raise DecompressionError(f"file is over the limit of {limit} bytes")
            return data
        out = bytearray()
        for piece in gunzip_chunks(file_chunks(f)):
            out += piece
            if len(out) > limit:
                raise DecompressionError(f"file inflates past the limit of {limit} bytes")
        return bytes(out)
