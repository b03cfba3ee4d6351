"""Multi-record inputs: JSON Lines exports of scrapers and WARC web archives.

Each record gets its own ``source_record`` (the line number of a JSONL file, the position
of the record in a WARC file); a broken record becomes a reject and the rest of the file
still loads. Files are streamed record by record, never read whole.

WARC reading uses warcio: measured here it reads ~23,000 HTML response records/s, while
cleaning handles a few hundred pages/s, so the faster (compiled) fastwarc would not be felt.
"""

from __future__ import annotations

import codecs
import gzip
import hashlib
import io
import json
import zlib
from collections.abc import Iterator
from contextlib import contextmanager

from warcio.archiveiterator import WARCIterator
from warcio.exceptions import ArchiveLoadFailed
from warcio.limitreader import LimitReader
from warcio.recordloader import ArcWarcRecord
from warcio.statusandheaders import StatusAndHeadersParserException

from newsdedup.config import JsonlFields, ReadLimits
from parsers.discover import InputFile
from parsers.reading import (
    EMPTY,
    GZIP_BOMB,
    GZIP_MAGIC,
    TOO_LARGE,
    UNDECODABLE,
    UNREADABLE,
    VANISHED,
    RawRecord,
    decode_record,
    read_records,
    record_key,
)
from storage.schema import Reject

# Reason codes of broken records (stable).
BAD_JSON = "bad_json"
NO_CONTENT = "no_content"
NOT_HTML = "not_html"
CORRUPT_WARC = "corrupt_warc"
CORRUPT_GZIP = "corrupt_gzip"

#: Media types of WARC responses that hold a page to clean.
HTML_TYPES = ("text/html", "application/xhtml+xml", "text/plain")

_SUFFIXES = {".jsonl": "jsonl", ".ndjson": "jsonl", ".warc": "warc"}

#: Byte-order marks of the wide Unicode encodings a JSONL file is decoded from before it is
#: split into lines (0x0a is half a character there). UTF-32-LE's mark begins with
#: UTF-16-LE's, so it is tried first. (UTF-8's mark json.loads skips by itself.)
_WIDE_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def container_kind(source_path: str) -> str | None:
    """``"jsonl"`` or ``"warc"`` for such files (optionally ``.gz``), else None."""
    name = source_path.lower().removesuffix(".gz")
    return next((kind for suffix, kind in _SUFFIXES.items() if name.endswith(suffix)), None)


def _fingerprint(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def _file_reject(item: InputFile, position: int, reason: str, detail: str) -> Reject:
    return Reject(item.source_path, position, reason, detail, record_key(item.source_path, position, reason))


class DecompressedTooLarge(Exception):
    """A gzip-compressed container decompresses past the configured limit."""


class _BoundedReader(io.RawIOBase):
    """A decompressing stream that stops (raises) after ``limit`` bytes: a gzip bomb guard."""

    def __init__(self, stream, limit: int) -> None:
        self._stream, self._limit, self._read = stream, limit, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        count = self._stream.readinto(buffer)
        self._read += count
        if self._read > self._limit:
            raise DecompressedTooLarge(f"decompresses to more than {self._limit:,} bytes")
        return count


@contextmanager
def _open(item: InputFile, limits: ReadLimits) -> Iterator[io.BufferedIOBase]:
    """The file as a binary stream, decompressed on the fly (and bounded) if it is gzip."""
    with open(item.path, "rb") as raw:
        if raw.peek(2)[:2] != GZIP_MAGIC:
            yield raw
            return
        with gzip.GzipFile(fileobj=raw, mode="rb") as unzipped:
            yield io.BufferedReader(_BoundedReader(unzipped, limits.max_decompressed_bytes))


def jsonl_records(item: InputFile, limits: ReadLimits, fields: JsonlFields) -> Iterator[RawRecord | Reject]:
    """One record per non-blank line: ``fields.text`` (cleaned as a text dump) or
    ``fields.html`` (cleaned as a page), with url, title and date taken from their fields.
    A line that is not UTF-8 is ``undecodable`` (JSON is UTF-8, RFC 8259), unless the file
    starts with a UTF-16/32 byte-order mark; a file without a non-blank line is ``empty``."""
    with _open(item, limits) as handle:
        lines = _jsonl_lines(handle, limits.max_file_bytes + 1)
        position = -1
        seen_record = False
        try:
            for position, line in enumerate(lines):
                if not line.strip():
                    continue
                seen_record = True
                yield from _jsonl_record(item, position, line, lines, limits, fields)
        except UnicodeDecodeError as error:
            # A file marked UTF-16/32 by its BOM that breaks that encoding: its line breaks
            # cannot be found past this point (decoding goes by blocks: "near").
            detail = (
                f"not valid {error.encoding}, as its byte-order mark says, near line {position + 1}:"
                f" {error.reason}; the rest of the file is not read"
            )
            yield _file_reject(item, position + 1, UNDECODABLE, detail)
            return
    if not seen_record:
        yield _file_reject(item, 0, EMPTY, "the file holds no record (no non-blank line)")


def _jsonl_lines(handle: io.BufferedIOBase, size: int) -> Iterator[bytes]:
    """The lines of a JSONL stream as UTF-8 bytes; longer lines come in pieces of ``size``
    bytes. A file that starts with a UTF-16 or UTF-32 byte-order mark is decoded as such
    before it is split (its pieces are ``size`` characters), and its lines re-encoded."""
    head = handle.peek(4)[:4]
    wide = next((codec for bom, codec in _WIDE_BOMS if head.startswith(bom)), None)
    if wide is None:
        yield from iter(lambda: handle.readline(size), b"")
        return
    text = io.TextIOWrapper(handle, encoding=wide, newline="\n")
    try:
        # ``size`` characters are at least ``size`` bytes in UTF-8: the length check holds.
        for line in iter(lambda: text.readline(size), ""):
            yield line.encode("utf-8", "surrogatepass")
    finally:
        text.detach()  # the file is closed by its own context manager


def _jsonl_record(
    item: InputFile, position: int, line: bytes, lines: Iterator[bytes], limits: ReadLimits, fields: JsonlFields
) -> Iterator[RawRecord | Reject]:
    """The record (or reject) of one non-blank line; ``lines`` is advanced past the rest of
    a line over the size limit."""
    fingerprint = _fingerprint(line)
    key = record_key(item.source_path, position, fingerprint)
    if len(line) > limits.max_file_bytes:
        yield Reject(item.source_path, position, TOO_LARGE, "the line is longer than the size limit", key)
        # Skip the rest of the over-long line.
        while line and not line.endswith(b"\n"):
            line = next(lines, b"")
        return
    try:
        data = json.loads(line)
    except UnicodeDecodeError as error:
        # JSON exchanged between systems is UTF-8 (RFC 8259): no guessing of legacy code pages.
        detail = f"the line is not UTF-8, as JSON must be: {error}"[:300]
        yield Reject(item.source_path, position, UNDECODABLE, detail, key)
        return
    except RecursionError:
        yield Reject(item.source_path, position, BAD_JSON, "not a JSON object: nested too deeply", key)
        return
    except ValueError as error:
        yield Reject(item.source_path, position, BAD_JSON, f"not a JSON object: {error}"[:300], key)
        return
    if not isinstance(data, dict):
        yield Reject(item.source_path, position, BAD_JSON, "the line is JSON but not an object", key)
        return
    html, text = data.get(fields.html), data.get(fields.text)
    content, fmt = (html, "html") if isinstance(html, str) and html.strip() else (text, "txt")
    if not isinstance(content, str) or not content.strip():
        detail = f"neither a '{fields.text}' nor an '{fields.html}' string field"
        yield Reject(item.source_path, position, NO_CONTENT, detail, key)
        return
    title = _string(data.get(fields.title))
    if fmt == "txt" and title:
        # Headline above the text, as on a page: the cleaner then takes it as the
        # headline instead of mistaking the first paragraph for one.
        content = f"{title}\n\n{content}"
    yield decode_record(
        item,
        position,
        _utf8(content),
        fingerprint,
        format_hint=fmt,
        charset="utf-8",
        title=title,
        url=_string(data.get(fields.url)),
        published=_string(data.get(fields.date)),
        container="jsonl",
    )


def _utf8(text: str) -> bytes:
    """``text`` as UTF-8, a lone surrogate (legal in JSON as ``\\ud800``, but no character)
    as U+FFFD: the rest of the text is then decoded as UTF-8, not guessed at."""
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace").encode("utf-8")


def _string(value: object) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


#: What warcio raises on bytes that are no WARC record (its parser meets missing headers
#: with AttributeError or TypeError).
_BROKEN_WARC = (ArchiveLoadFailed, StatusAndHeadersParserException, ValueError, AttributeError, TypeError)


class _QuietWarcIterator(WARCIterator):
    """warcio's WARC reader (WARC only: no fallback to ARC, which takes any text for records)
    without its stderr warning on a record not followed by a blank line: such a record
    becomes a ``corrupt_warc`` reject here instead (see ``_warc_damage``)."""

    INC_RECORD = ""  # the warning warcio writes to stderr; its count (``err_count``) stays


def warc_records(item: InputFile, limits: ReadLimits) -> Iterator[RawRecord | Reject]:
    """One record per HTTP response holding a page; other responses (images, PDFs, ...) are
    rejected as ``not_html``; request, metadata and warcinfo records are not documents and
    are skipped. The charset comes from the HTTP header, else from the page's meta tag.
    A record whose data does not match its Content-Length (a file cut short) is rejected as
    ``corrupt_warc``; a file that is no WARC is one ``corrupt_warc``, one without records
    one ``empty``."""
    with _open(item, limits) as handle:
        reader = _QuietWarcIterator(handle)
        records = enumerate(reader)
        position = -1
        while True:
            try:
                position, record = next(records)
            except StopIteration:
                break
            except _BROKEN_WARC as error:
                # The stream itself is broken: nothing after this point can be read.
                why = str(error) if isinstance(error, ArchiveLoadFailed) else f"incomplete WARC headers ({error})"
                if position < 0:
                    detail = f"not a WARC file: {why}"
                else:
                    detail = f"the archive cannot be read past record {position}: {why}"
                yield _file_reject(item, position + 1, CORRUPT_WARC, detail[:300])
                return
            yield from _warc_record(item, position, record, reader, limits)
        # warcio ends quietly on a last record cut short in its headers: its bytes were
        # read (the stream is at its end) but are not part of any record it gave.
        if reader.fh.tell() > reader.offset:
            detail = "the last record is cut short in its headers"
            yield _file_reject(item, position + 1, CORRUPT_WARC, detail)
            return
    if position < 0:
        yield _file_reject(item, 0, EMPTY, "the file holds no WARC record")


def _warc_record(
    item: InputFile, position: int, record: ArcWarcRecord, reader: _QuietWarcIterator, limits: ReadLimits
) -> Iterator[RawRecord | Reject]:
    """The record or reject of one WARC record, if it is a response (read to its end)."""
    if record.rec_type is None:  # headers warcio could not make sense of
        yield _file_reject(item, position, CORRUPT_WARC, "a record without a valid WARC header")
        return
    data = b""
    if record.rec_type == "response":
        data = record.content_stream().read(limits.max_file_bytes + 1)
    damage = _warc_damage(record, reader)
    fingerprint = _fingerprint(data)
    key = record_key(item.source_path, position, fingerprint)
    if damage:
        yield Reject(item.source_path, position, CORRUPT_WARC, damage, key)
        return
    if record.rec_type != "response":
        return
    uri = record.rec_headers.get_header("WARC-Target-URI")
    date = record.rec_headers.get_header("WARC-Date")
    media = (record.http_headers.get_header("Content-Type") if record.http_headers else "") or ""
    if not media.lower().startswith(HTML_TYPES):
        yield Reject(item.source_path, position, NOT_HTML, f"response of type {media or 'unknown'}", key)
        return
    if len(data) > limits.max_file_bytes:
        yield Reject(item.source_path, position, TOO_LARGE, "the response is over the size limit", key)
        return
    charset = media.lower().partition("charset=")[2].split(";")[0].strip(" \"'") or None
    fmt = "txt" if media.lower().startswith("text/plain") else "html"
    yield decode_record(
        item,
        position,
        data,
        fingerprint,
        format_hint=fmt,
        charset=charset,
        url=uri,
        published=date,
        container="warc",
    )


def _warc_damage(record: ArcWarcRecord, reader: _QuietWarcIterator) -> str | None:
    """Why ``record``'s block cannot be trusted, or None: cut short before its Content-Length,
    or not followed by the blank line that ends a record (its Content-Length is wrong, so
    the block holds bytes of the next record, or misses some of its own). Reads the record
    to its end."""
    warnings = reader.err_count
    reader.read_to_end()  # the iterator's own call, made now to see its verdict
    if not isinstance(record.raw_stream, LimitReader):
        return "a record without a valid Content-Length"
    if record.raw_stream.limit > 0:
        return f"record cut short: {record.length - record.raw_stream.limit} of {record.length} bytes"
    if reader.err_count > warnings:
        return (
            "its Content-Length does not match its data: the record is not followed by a blank line,"
            " and the line after it (perhaps the start of the next record) is skipped"
        )
    return None


def read_input(item: InputFile, limits: ReadLimits, fields: JsonlFields) -> list[RawRecord | Reject]:
    """All records of one input file, whatever its kind. If a container breaks part-way,
    the records before the break are kept and the break is one more reject."""
    kind = container_kind(item.source_path)
    if kind is None:
        return read_records(item, limits)
    records: list[RawRecord | Reject] = []
    stream = jsonl_records(item, limits, fields) if kind == "jsonl" else warc_records(item, limits)
    try:
        records.extend(stream)
        return records
    except FileNotFoundError:
        reason, detail = VANISHED, "the file disappeared before it could be read"
    except DecompressedTooLarge as error:
        reason, detail = GZIP_BOMB, str(error)
    except (gzip.BadGzipFile, EOFError, zlib.error) as error:
        reason, detail = CORRUPT_GZIP, f"not a valid gzip stream: {error}"
    except OSError as error:
        reason, detail = UNREADABLE, f"cannot read the file: {error.strerror or error}"
    position = records[-1].source_record + 1 if records else 0
    return [*records, _file_reject(item, position, reason, detail)]
