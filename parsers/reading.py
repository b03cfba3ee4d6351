"""Read one input file into raw records: bytes, gzip, encodings and junk are handled here.

Anything that cannot become text ends as a ``Reject`` with a stable reason code.
"""

from __future__ import annotations

import codecs
import errno
import hashlib
import logging
import os
import re
import stat
import time
import zlib
from dataclasses import dataclass

from charset_normalizer import from_bytes

from newsdedup.config import ReadLimits
from parsers.discover import InputFile
from storage.schema import Reject

log = logging.getLogger(__name__)

# Reason codes (stable: downstream users filter on them).
EMPTY = "empty"
VANISHED = "vanished"
UNREADABLE = "unreadable"
TOO_LARGE = "too_large"
CORRUPT_GZIP = "corrupt_gzip"
GZIP_BOMB = "decompressed_too_large"
BINARY = "binary"
UNDECODABLE = "undecodable"

#: Leading bytes of binary formats that scrapers save under text names.
BINARY_MAGIC = {
    b"%PDF": "a PDF document",
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"GIF8": "a GIF image",
    b"PK\x03\x04": "a ZIP archive",
    b"RIFF": "a RIFF media file",
    b"\x7fELF": "an executable",
}
GZIP_MAGIC = b"\x1f\x8b"
#: I/O errors worth another try (network file systems, busy devices).
TRANSIENT_ERRNOS = frozenset({errno.EIO, errno.EAGAIN, errno.ETIMEDOUT, errno.ESTALE, errno.EINTR, errno.EBUSY})
#: Share of control characters above which decoded "text" is really binary.
MAX_CONTROL_SHARE = 0.05

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([a-zA-Z0-9_\-]+)""", re.I)


@dataclass(frozen=True)
class RawRecord:
    """One decoded input record, before cleaning."""

    source_path: str
    source_record: int
    format: str  # "txt" or "html": how the content is cleaned
    content: str
    record_key: str
    encoding: str
    #: Metadata a container carries beside the content (JSONL fields, WARC headers); it
    #: takes precedence over what cleaning finds in the page.
    title: str | None = None
    url: str | None = None
    published: str | None = None
    #: The container format ("jsonl", "warc"), recorded as the output's ``format``.
    container: str | None = None


def record_key(source_path: str, source_record: int, fingerprint: str) -> str:
    """Stable identity of an input record: where it came from and what its bytes were."""
    raw = f"{source_path}\0{source_record}\0{fingerprint}".encode()
    return hashlib.blake2b(raw, digest_size=16).hexdigest()


def detect_format(source_path: str, data: bytes) -> str:
    """``html`` for .html/.htm names or content that starts like markup, else ``txt``."""
    name = source_path.lower().removesuffix(".gz")
    if name.endswith((".html", ".htm")):
        return "html"
    head = data[:1024].lstrip().lower()
    if head.startswith((b"<!doctype html", b"<html", b"<?xml")) or b"<body" in head:
        return "html"
    return "txt"


def _reject(item: InputFile, reason: str, detail: str, fingerprint: str = "") -> Reject:
    return Reject(
        source_path=item.source_path,
        source_record=0,
        reason=reason,
        detail=detail,
        record_key=record_key(item.source_path, 0, fingerprint or reason),
    )


def _read_bytes(item: InputFile, limits: ReadLimits) -> bytes | Reject:
    """The file's bytes (at most the size limit), retrying transient I/O errors."""
    for attempt in range(1, limits.read_attempts + 1):
        try:
            mode = os.stat(item.path).st_mode
            if not stat.S_ISREG(mode):
                # A FIFO or device would block or never end; a directory is no dump.
                return _reject(item, UNREADABLE, "not a regular file")
            with open(item.path, "rb") as handle:
                data = handle.read(limits.max_file_bytes + 1)
        except FileNotFoundError:
            return _reject(item, VANISHED, "the file disappeared before it could be read")
        except OSError as error:
            if error.errno in TRANSIENT_ERRNOS and attempt < limits.read_attempts:
                log.warning("retrying %s after %s", item.path, error)
                time.sleep(limits.retry_delay_seconds * attempt)
                continue
            tries = f" after {attempt} attempts" if attempt > 1 else ""
            return _reject(item, UNREADABLE, f"cannot read the file{tries}: {error.strerror or error}")
        if len(data) > limits.max_file_bytes:
            return _reject(item, TOO_LARGE, f"larger than the {limits.max_file_bytes:,}-byte limit")
        return data
    raise AssertionError("unreachable: the last attempt returns")


def _gunzip(item: InputFile, data: bytes, limits: ReadLimits) -> bytes | Reject:
    """Decompress (all gzip members) with a bound on the output, so a gzip bomb stops at
    the limit instead of at the end of memory."""
    limit = limits.max_decompressed_bytes
    out = bytearray()
    pending = data
    try:
        while pending:
            member = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
            while pending and not member.eof:
                out += member.decompress(pending, limit + 1 - len(out))
                if len(out) > limit:
                    return _reject(item, GZIP_BOMB, f"decompresses to more than {limit:,} bytes")
                pending = member.unconsumed_tail
            if not member.eof:
                return _reject(item, CORRUPT_GZIP, "the gzip stream is truncated")
            pending = member.unused_data
    except zlib.error as error:
        return _reject(item, CORRUPT_GZIP, f"not a valid gzip stream: {error}")
    return bytes(out)


def decode_bytes(data: bytes, is_html: bool) -> tuple[str, str] | None:
    """Decode input bytes: UTF-8 (with or without BOM), the HTML's declared charset, or a
    detected legacy encoding. Returns (text, encoding), or None when nothing fits.
    """
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    mostly = _mostly_utf8(data)
    if mostly is not None:
        return mostly, "utf-8"
    if is_html:
        declared = _META_CHARSET.search(data[:4096])
        if declared:
            name = declared.group(1).decode("ascii", "replace")
            try:
                return data.decode(name), codecs.lookup(name).name
            except (LookupError, UnicodeDecodeError):
                pass
    matches = from_bytes(data)
    best = matches.best()
    if best is None:
        return None
    for match in matches:
        # Detectors cannot tell Latin code pages apart on short texts (naïve reads as naďve
        # in cp1250); on a tie, windows-1252 is the web's default for them (WHATWG).
        if match.encoding == "cp1252" and (match.chaos, match.coherence) == (best.chaos, best.coherence):
            return str(match), "cp1252"
    return str(best), best.encoding


def _legacy_bytes(error: UnicodeError) -> tuple[str, int]:
    """Decoding error handler: the bytes that are not UTF-8 read as windows-1252 (the web's
    legacy default; its five unassigned bytes as Latin-1)."""
    if not isinstance(error, UnicodeDecodeError):
        raise error
    odd = error.object[error.start : error.end]
    return "".join(bytes([b]).decode("cp1252", "ignore") or chr(b) for b in odd), error.end


codecs.register_error("newsdedup-legacy-bytes", _legacy_bytes)


def _mostly_utf8(data: bytes) -> str | None:
    """``data`` decoded as UTF-8 with its few odd bytes read as windows-1252, when it is UTF-8
    text but for those (a line pasted from a legacy source): it has more bytes of well-formed
    multi-byte characters than bytes that are not UTF-8. Else None (a legacy encoding: detected
    as a whole). Guessing the whole text's encoding from a stray byte garbles every
    character of it ("—" read as mac_latin2 is "‚ÄĒ")."""
    valid = data.decode("utf-8", "ignore")
    valid_bytes = len(valid.encode("utf-8"))
    multibyte = valid_bytes - len(valid)  # continuation bytes of well-formed characters
    odd = len(data) - valid_bytes
    if multibyte <= odd:
        return None
    return data.decode("utf-8", "newsdedup-legacy-bytes")


_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
#: The same characters as bytes: in UTF-8 each is its own byte, and no other byte is one of them.
_CONTROL_BYTES = bytes([*range(0x00, 0x09), 0x0B, *range(0x0E, 0x20), 0x7F])


def _control_share(text: str, utf8: bytes | None = None) -> float:
    """Share of control characters (other than whitespace) in the first 20,000 characters.
    ``utf8``: the UTF-8 bytes ``text`` was decoded from, if so; a text no longer than the
    sample has its controls counted there, several times faster than by the pattern."""
    sample = text[:20000]
    if not sample:
        return 0.0
    if utf8 is not None and len(sample) == len(text):
        return (len(utf8) - len(utf8.translate(None, _CONTROL_BYTES))) / len(sample)
    return len(_CONTROL_CHARS.findall(sample)) / len(sample)


def decode_record(
    item: InputFile,
    position: int,
    data: bytes,
    fingerprint: str,
    format_hint: str | None = None,
    charset: str | None = None,
    **metadata: object,
) -> RawRecord | Reject:
    """Check and decode the bytes of one record (a whole file, or one record of a JSONL or
    WARC file); ``metadata`` (title, url, published) is passed on to the record."""
    key = record_key(item.source_path, position, fingerprint)

    def reject(reason: str, detail: str) -> Reject:
        return Reject(item.source_path, position, reason, detail, key)

    if not data or data.isspace():  # (as ``not data.strip()``, without copying the data)
        return reject(EMPTY, "the record has no content")
    for magic, kind in BINARY_MAGIC.items():
        if data.startswith(magic):
            return reject(BINARY, f"the content is {kind}, not text or HTML")
    if data.find(b"\x00", 0, 8192) >= 0 and not data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return reject(BINARY, "the content is binary data (NUL bytes)")
    fmt = format_hint or detect_format(item.source_path, data)
    decoded = None
    if charset:
        try:
            decoded = data.decode(charset), codecs.lookup(charset).name
        except (LookupError, UnicodeDecodeError):
            decoded = None
    decoded = decoded or decode_bytes(data, fmt == "html")
    if decoded is None or _control_share(decoded[0], data if decoded[1] == "utf-8" else None) > MAX_CONTROL_SHARE:
        return reject(UNDECODABLE, "no text encoding fits the bytes")
    text, encoding = decoded
    return RawRecord(item.source_path, position, fmt, text, key, encoding, **metadata)


def read_records(item: InputFile, limits: ReadLimits) -> list[RawRecord | Reject]:
    """Read a plain-text or HTML file (optionally gzip-compressed) into its one record.

    Returns the raw record ready for cleaning, or a ``Reject`` saying why the file cannot
    be used. Never raises for bad input. (JSONL and WARC files: ``parsers.containers``.)
    """
    data = _read_bytes(item, limits)
    if isinstance(data, Reject):
        return [data]
    fingerprint = hashlib.blake2b(data, digest_size=16).hexdigest()
    if data.startswith(GZIP_MAGIC):
        data = _gunzip(item, data, limits)
        if isinstance(data, Reject):
            return [data]
    return [decode_record(item, 0, data, fingerprint)]
