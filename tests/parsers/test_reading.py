"""Reading raw bytes: gzip, encodings and junk become records or rejects with reasons."""

from __future__ import annotations

import builtins
import errno
import gzip
import os

import pytest

from newsdedup.config import ReadLimits
from parsers.discover import InputFile
from parsers.reading import _CONTROL_CHARS, RawRecord, _control_share, read_records
from storage.schema import Reject

STORY = "Le café de la gare a rouvert ses portes lundi matin après trois mois de travaux.\n" * 20


def read_one(path, limits=None):
    limits = limits or ReadLimits()
    (result,) = read_records(InputFile(str(path), path.name), limits)
    return result


def test_plain_utf8_text_and_gzip_text_read_the_same(tmp_path):
    (tmp_path / "a.txt").write_text(STORY, encoding="utf-8")
    (tmp_path / "a.txt.gz").write_bytes(gzip.compress(STORY.encode()))
    plain, packed = read_one(tmp_path / "a.txt"), read_one(tmp_path / "a.txt.gz")
    assert isinstance(plain, RawRecord) and isinstance(packed, RawRecord)
    assert plain.content == packed.content == STORY
    assert plain.format == "txt" and plain.source_record == 0


@pytest.mark.parametrize(
    ("text", "encoding"),
    [
        ("“Smart quotes” and an em dash — in a Windows file, naïve café. " * 10, "cp1252"),
        ("Schöne Grüße aus Köln, sagte der Bürgermeister über die Straße. " * 10, "latin-1"),
        ("Zażółć gęślą jaźń, powiedział burmistrz Łodzi o nowej ulicy w śródmieściu. " * 10, "cp1250"),
        ("東京都は月曜日、新しい防災計画を発表した。市民の安全を守るための対策が盛り込まれている。" * 10, "shift_jis"),
    ],
)
def test_legacy_encodings_are_detected_not_mangled(tmp_path, text, encoding):
    (tmp_path / "legacy.txt").write_bytes(text.encode(encoding))
    record = read_one(tmp_path / "legacy.txt")
    assert isinstance(record, RawRecord)
    assert record.content == text
    assert "\ufffd" not in record.content


def test_html_declared_charset_is_used(tmp_path):
    html = '<html><head><meta charset="windows-1252"></head><body><p>Café “au lait” ' * 5 + "</p></body></html>"
    (tmp_path / "page.html").write_bytes(html.encode("cp1252"))
    record = read_one(tmp_path / "page.html")
    assert record.format == "html" and "Café “au lait”" in record.content


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("empty.txt", b"", "empty"),
        ("blank.txt", b"  \n\n \t\n", "empty"),
        ("report.html", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n", "binary"),
        ("photo.txt", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01" + bytes(range(256)), "binary"),
        ("nul.txt", b"text\x00with\x00nul\x00bytes" * 20, "binary"),
        ("cut.txt.gz", gzip.compress(STORY.encode() * 5)[:100], "corrupt_gzip"),
        ("fake.txt.gz", b"\x1f\x8b" + b"not really gzip" * 10, "corrupt_gzip"),
    ],
)
def test_junk_is_rejected_with_a_reason(tmp_path, name, data, reason):
    (tmp_path / name).write_bytes(data)
    result = read_one(tmp_path / name)
    assert isinstance(result, Reject)
    assert result.reason == reason and result.detail and result.source_path == name


def test_gzip_bomb_stops_at_the_decompressed_limit(tmp_path):
    (tmp_path / "bomb.txt.gz").write_bytes(gzip.compress(b"A" * (20 * 1024 * 1024)))
    result = read_one(tmp_path / "bomb.txt.gz", ReadLimits(max_decompressed_bytes=1024 * 1024))
    assert isinstance(result, Reject) and result.reason == "decompressed_too_large"


def test_too_large_and_vanished_files(tmp_path):
    (tmp_path / "big.txt").write_text(STORY * 100)
    result = read_one(tmp_path / "big.txt", ReadLimits(max_file_bytes=1000))
    assert isinstance(result, Reject) and result.reason == "too_large"
    (gone,) = read_records(InputFile(str(tmp_path / "gone.txt"), "gone.txt"), ReadLimits())
    assert isinstance(gone, Reject) and gone.reason == "vanished"


def test_record_key_depends_on_path_and_bytes(tmp_path):
    (tmp_path / "a.txt").write_text(STORY)
    (tmp_path / "b.txt").write_text(STORY)
    first, again, other = read_one(tmp_path / "a.txt"), read_one(tmp_path / "a.txt"), read_one(tmp_path / "b.txt")
    assert first.record_key == again.record_key != other.record_key
    (tmp_path / "a.txt").write_text(STORY + "Correction appended.\n")
    assert read_one(tmp_path / "a.txt").record_key != first.record_key


def test_fifo_and_dangling_symlink_are_rejected_not_blocking(tmp_path):
    os.mkfifo(tmp_path / "pipe.txt")
    result = read_one(tmp_path / "pipe.txt")  # opening a FIFO would block for ever
    assert isinstance(result, Reject) and result.reason == "unreadable"
    os.symlink(tmp_path / "gone", tmp_path / "link.txt")
    result = read_one(tmp_path / "link.txt")
    assert isinstance(result, Reject) and result.reason == "vanished"


def test_transient_io_errors_are_retried_then_rejected(tmp_path, monkeypatch):
    (tmp_path / "flaky.txt").write_text(STORY)
    (tmp_path / "dead.txt").write_text(STORY)
    real_open, failures = builtins.open, {"flaky.txt": 2, "dead.txt": 99}

    def failing_open(path, *args, **kwargs):
        name = os.path.basename(str(path))
        if failures.get(name, 0) > 0:
            failures[name] -= 1
            raise OSError(errno.EIO, "Input/output error")
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", failing_open)
    limits = ReadLimits(read_attempts=3, retry_delay_seconds=0.001)
    assert isinstance(read_one(tmp_path / "flaky.txt", limits), RawRecord)  # third attempt works
    dead = read_one(tmp_path / "dead.txt", limits)
    assert isinstance(dead, Reject) and dead.reason == "unreadable"
    assert dead.detail == "cannot read the file after 3 attempts: Input/output error"


def test_permission_denied_is_rejected_at_once(tmp_path, monkeypatch):
    # The tests may run as root, for whom chmod 000 still reads: raise EACCES where open does.
    (tmp_path / "private.txt").write_text(STORY)
    real_open, calls = builtins.open, []

    def denied(path, *args, **kwargs):
        if os.path.basename(str(path)) == "private.txt":
            calls.append(path)
            raise PermissionError(errno.EACCES, "Permission denied")
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", denied)
    result = read_one(tmp_path / "private.txt", ReadLimits(read_attempts=3, retry_delay_seconds=0.001))
    assert isinstance(result, Reject) and result.reason == "unreadable"
    assert result.detail == "cannot read the file: Permission denied"
    assert len(calls) == 1  # not transient: no retry


@pytest.mark.parametrize(
    "text",
    ["", "plain text\n", "caf\u00e9 \u201cquoted\u201d\x00\x07 bell", "\x1b[0m" * 500, "tab\tand\x0bvt\x7f" * 3000],
)
def test_control_share_counted_in_utf8_bytes_is_the_patterns(text):
    # A UTF-8 text's control characters are its control bytes (the fast count); past the
    # 20,000-character sample the pattern counts the sample.
    sample = text[:20000]
    expected = len(_CONTROL_CHARS.findall(sample)) / len(sample) if sample else 0.0
    assert _control_share(text, text.encode("utf-8")) == expected == _control_share(text)


@pytest.mark.parametrize(
    ("data", "text"),
    [
        # a line pasted from a Windows file into a UTF-8 dump
        (
            "Ferry “vote” — Tuesday\n".encode() * 5 + "Naïve café owners said… yes\n".encode("cp1252"),
            "Ferry “vote” — Tuesday\n" * 5 + "Naïve café owners said… yes\n",
        ),
        # one stray byte at the end of a one-line UTF-8 text
        (("fox — jumps. " * 200).encode() + b"\xe9", "fox — jumps. " * 200 + "é"),
    ],
)
def test_utf8_text_with_a_few_legacy_bytes_keeps_its_utf8(tmp_path, data, text):
    (tmp_path / "mixed.txt").write_bytes(data)
    record = read_one(tmp_path / "mixed.txt")
    assert isinstance(record, RawRecord)
    assert record.content == text
