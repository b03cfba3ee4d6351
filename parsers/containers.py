"""Multi-record inputs: JSON Lines exports of scrapers and WARC web archives.

Each record gets its own ``source_record`` (the line number of a JSONL file, the position
of the record in a WARC file); a broken record becomes a reject and the rest of the file
still loads. Files are streamed record by record, never read whole.

WARC reading uses warcio: measured here it reads ~23,000 HTML response records/s, while
cleaning handles a few hundred pages/s, so the faster (compiled) fastwarc would not be felt.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import zlib
from collections.abc import Iterator
from contextlib import contextmanager

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed

from newsdedup.config import JsonlFields, ReadLimits
from parsers.discover import InputFile
from parsers.reading import (
    GZIP_BOMB,
    GZIP_MAGIC,
    TOO_LARGE,
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
    ``fields.html`` (cleaned as a page), with url, title and date taken from their fields."""
    with _open(item, limits) as handle:
        for position, line in enumerate(iter(lambda: handle.readline(limits.max_file_bytes + 1), b"")):
            if not line.strip():
                continue
            fingerprint = _fingerprint(line)
            key = record_key(item.source_path, position, fingerprint)
            if len(line) > limits.max_file_bytes:
                yield Reject(item.source_path, position, TOO_LARGE, "the line is longer than the size limit", key)
                # Skip the rest of the over-long line.
                while line and not line.endswith(b"\n"):
                    line = handle.readline(limits.max_file_bytes + 1)
                continue
            try:
                data = json.loads(line)
            except ValueError as error:
                yield Reject(item.source_path, position, BAD_JSON, f"not a JSON object: {error}"[:300], key)
                continue
            if not isinstance(data, dict):
                yield Reject(item.source_path, position, BAD_JSON, "the line is JSON but not an object", key)
                continue
            html, text = data.get(fields.html), data.get(fields.text)
            content, fmt = (html, "html") if isinstance(html, str) and html.strip() else (text, "txt")
            if not isinstance(content, str) or not content.strip():
                detail = f"neither a '{fields.text}' nor an '{fields.html}' string field"
                yield Reject(item.source_path, position, NO_CONTENT, detail, key)
                continue
            title = _string(data.get(fields.title))
            if fmt == "txt" and title:
                # Headline above the text, as on a page: the cleaner then takes it as the
                # headline instead of mistaking the first paragraph for one.
                content = f"{title}\n\n{content}"
            yield decode_record(
                item,
                position,
                content.encode("utf-8", "surrogatepass"),
                fingerprint,
                format_hint=fmt,
                charset="utf-8",
                title=title,
                url=_string(data.get(fields.url)),
                published=_string(data.get(fields.date)),
                container="jsonl",
            )


def _string(value: object) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


def warc_records(item: InputFile, limits: ReadLimits) -> Iterator[RawRecord | Reject]:
    """One record per HTTP response holding a page; other responses (images, PDFs, ...) are
    rejected as ``not_html``; request, metadata and warcinfo records are not documents and
    are skipped. The charset comes from the HTTP header, else from the page's meta tag."""
    with _open(item, limits) as handle:
        position = 0
        try:
            for position, record in enumerate(ArchiveIterator(handle)):  # noqa: B007 (used after the loop)
                if record.rec_type is None:  # headers warcio could not make sense of
                    yield _file_reject(item, position, CORRUPT_WARC, "a record without a valid WARC header")
                    continue
                if record.rec_type != "response":
                    continue
                uri = record.rec_headers.get_header("WARC-Target-URI")
                date = record.rec_headers.get_header("WARC-Date")
                media = (record.http_headers.get_header("Content-Type") if record.http_headers else "") or ""
                data = record.content_stream().read(limits.max_file_bytes + 1)
                fingerprint = _fingerprint(data)
                key = record_key(item.source_path, position, fingerprint)
                if not media.lower().startswith(HTML_TYPES):
                    yield Reject(item.source_path, position, NOT_HTML, f"response of type {media or 'unknown'}", key)
                    continue
                if len(data) > limits.max_file_bytes:
                    yield Reject(item.source_path, position, TOO_LARGE, "the response is over the size limit", key)
                    continue
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
        except (ArchiveLoadFailed, ValueError) as error:
            # The stream itself is broken: nothing after this point can be read.
            detail = f"the archive cannot be read past record {position}: {error}"[:300]
            yield _file_reject(item, position + 1, CORRUPT_WARC, detail)


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
