"""Decoding and parsing: raw page bytes -> text -> one lxml tree.

`decode_utf8(body)` returns the page's text, and its UTF-8 bytes when the input was UTF-8 already (so the parser
needs no re-encoding); `decode(body)` the text alone. The charset is taken from a BOM, else valid (or
overwhelmingly valid) UTF-8, else the page's declared charset, else a guess; gzip input is inflated first and
control characters are dropped. `parse(text, utf8)` returns the page's tree, every element an
lxml.html.HtmlElement, with comments, processing instructions, non-JSON scripts, styles, SVG and templates removed.
Both raise ExtractionError for input that is no page: empty, oversized, binary, damaged gzip, not HTML.
"""
from __future__ import annotations

import codecs
import re

import lxml.html
from lxml import etree

from newsdesk.decompress import GZIP_MAGIC, DecompressionError, inflate
from newsdesk.settings import LIMITS
from newsdesk.text import strip_controls

from .errors import ExtractionError


_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)""", re.I)
_BOMS = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))
# WHATWG maps these labels to windows-1252; real pages labelled latin-1 routinely carry 0x80-0x9f quotes.
_AS_CP1252 = {"latin_1", "iso8859_1", "ascii", "cp1252"}


def _codec(label: str) -> str | None:
    try:
        name = codecs.lookup(label.decode("ascii", "ignore") if isinstance(label, bytes) else label).name
    except LookupError:
        return None
    name = name.replace("-", "_")
    return "cp1252" if name in _AS_CP1252 else name


def decode(body: bytes) -> str:
    """The page's text (decode_utf8 without the bytes)."""
    return decode_utf8(body)[0]


def decode_utf8(body: bytes) -> tuple[str, bytes | None]:
    """The page's text, and its UTF-8 bytes when the input already was UTF-8 (most pages): lxml parses those
    directly, sparing a re-encoding of the whole page. Control characters are dropped (text.strip_controls).
    Raises ExtractionError for empty, binary or oversized input and for gzip that is damaged or inflates past
    LIMITS.input_bytes."""
    if len(body) > LIMITS.input_bytes:
        raise ExtractionError(f"page of {len(body)} bytes is over the limit of {LIMITS.input_bytes} bytes")
    if not body or not body.strip():
        raise ExtractionError("empty input")
    if body[:2] == GZIP_MAGIC:  # stored pages are often kept gzipped, without a .gz name or Content-Encoding
        try:
            body = inflate(body, LIMITS.input_bytes)
        except DecompressionError as err:
            raise ExtractionError(f"page is gzip that cannot be read: {err}") from None
    for bom, enc in _BOMS:
        if body.startswith(bom):
            return _clean(body[len(bom):].decode(enc, errors="replace"), None)
    # valid UTF-8 wins over the declaration: pages labelled iso-8859-1 but written in UTF-8 are common,
    # while text in a legacy charset almost never happens to be valid UTF-8
    try:
        return _clean(body.decode("utf_8"), body)
    except UnicodeDecodeError:
        pass
    if (text := _mostly_utf8(body)) is not None:
        return _clean(text, None)
    m = _META_CHARSET.search(body[:4096])
    declared = _codec(m.group(1)) if m else None
    # a page served as UTF-16 cannot contain an ASCII meta tag, so that declaration is always wrong
    if declared and declared != "utf_8" and not declared.startswith("utf_16"):
        try:
            return _clean(body.decode(declared), None)
        except UnicodeDecodeError:
            pass
    return _clean(_guess_decode(body), None)


# Bytes that start a multi-byte UTF-8 sequence (0xc2-0xf4): deleting all others counts them in C.
_NOT_UTF8_LEAD = bytes(range(0xC2)) + bytes(range(0xF5, 0x100))
# Valid multi-byte sequences per invalid one for a page to read as UTF-8 all the same: a UTF-8 page with a few stray
# bytes has far more; a page in a legacy charset, next to none (docs/design/extraction.md has the measured pages).
_UTF8_MAJORITY = 10


def _mostly_utf8(body: bytes) -> str | None:
    """`body` as UTF-8 with its few invalid sequences replaced, when it is overwhelmingly UTF-8: a UTF-8 page with a
    stray Latin-1 byte (a CMS pasting one field unconverted) reads right, where its declared or guessed legacy
    charset would turn every other letter into mojibake. Text in a legacy charset has next to no valid multi-byte
    sequences, so it never passes."""
    text = body.decode("utf_8", errors="replace")
    invalid = text.count("\ufffd") - body.count("\ufffd".encode())
    valid = len(body.translate(None, _NOT_UTF8_LEAD)) - invalid  # at least this many sequences decoded
    return text if valid >= _UTF8_MAJORITY * invalid else None


# The C0 controls text.strip_controls removes, as bytes: deleting them is the fastest test that a UTF-8 page has none.
_C0_BYTES = bytes(range(0x09)) + b"\x0b\x0c" + bytes(range(0x0E, 0x20))


def _clean(text: str, utf8: bytes | None) -> tuple[str, bytes | None]:
    # NULs or many replacement characters mean binary data (an image, a PDF), not a page in an odd charset
    bad = (text.count("\x00") if "\x00" in text else 0) + (text.count("\ufffd") if "\ufffd" in text else 0)
    if bad > max(10, len(text) // 100):
        raise ExtractionError("input is not decodable text (binary data?)")
    if (utf8 is not None and len(utf8.translate(None, _C0_BYTES)) == len(utf8)
            and b"\xef\xbf\xbe" not in utf8 and b"\xef\xbf\xbf" not in utf8):  # U+FFFE, U+FFFF
        return text, utf8
    clean = strip_controls(text)
    return (text, utf8) if clean is text else (clean, None)


def _guess_decode(body: bytes) -> str:
    try:
        from charset_normalizer import from_bytes

        matches = from_bytes(body)
        best = matches.best()
        if best is not None and best.encoding:
            # short Western pages score the same under cp1250 and cp1252 ("ñ" read as "ń"); on a tie, take
            # windows-1252, the WHATWG default for an undeclared page
            tied = {m.encoding for m in matches if (m.chaos, m.coherence) == (best.chaos, best.coherence)}
            return body.decode("cp1252" if "cp1252" in tied else best.encoding, errors="replace")
    except Exception:  # the guesser is only a hint; never fail because of it
        pass
    return body.decode("cp1252", errors="replace")


# lxml.html's own parser picks each element's Python class in a Python callback (HtmlElementClassLookup), run every
# time an element is handed to Python: thousands of times per page, by our walks and more by trafilatura's XPaths.
# This lookup, done in C, gives every element lxml.html's HtmlElement (text_content(), drop_tree()...), only not the
# form-field subclasses (FormElement, InputElement...) whose extra API no extraction step uses.
_HTML_LOOKUP = etree.ElementDefaultClassLookup(
    element=lxml.html.HtmlElement, comment=lxml.html.HtmlComment, pi=lxml.html.HtmlProcessingInstruction,
    entity=lxml.html.HtmlEntity,
)


def parse(text: str, utf8: bytes | None = None) -> lxml.html.HtmlElement:
    """Parse the page; `utf8`, when given, is `text` as UTF-8 bytes already."""
    if "<" not in text[:2000]:
        raise ExtractionError("input is not HTML (no markup)")
    # lxml rejects str input that carries an XML encoding declaration, so hand it UTF-8 bytes
    try:
        data = utf8 if utf8 is not None else text.encode("utf-8", "surrogatepass")
        # a parser per call (1.5 µs): lxml parsers must not be shared between threads. Comments and processing
        # instructions carry no article text.
        parser = etree.HTMLParser(encoding="utf-8", remove_comments=True, remove_pis=True)
        parser.set_element_class_lookup(_HTML_LOOKUP)
        tree = lxml.html.document_fromstring(data, parser=parser)
    except (etree.ParserError, ValueError) as err:
        raise ExtractionError(f"unparseable HTML: {err}") from err
    if tree is None:
        raise ExtractionError("unparseable HTML")
    # code and drawings hold no article text, and every later XPath pass walks them: a page loses about a
    # seventh of its elements here (JSON-LD stays, it is read below)
    for el in tree.iter("script"):
        if "json" not in (el.get("type") or "").lower():
            el.tag = _DROP
    # in C, no element handed to Python; keeps the tail text, as drop_tree() does
    etree.strip_elements(tree, _DROP, "style", "svg", "template", with_tail=False)
    return tree


_DROP = "newsdesk-drop"  # a tag no page uses: marks the scripts to remove
