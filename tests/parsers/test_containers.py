"""JSONL exports and WARC archives: one record each, metadata kept, broken records rejected."""

from __future__ import annotations

import codecs
import gzip
import io
import json

import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from newsdedup.config import JsonlFields, ReadLimits
from parsers.batch import parse_files
from parsers.containers import read_input
from parsers.discover import discover_inputs
from parsers.reading import RawRecord
from storage.schema import Reject
from tests.fixtures.pages import FERRY, FERRY_TITLE, ORCHARD, ORCHARD_TITLE, html_page, text_dump


def write_warc(path, responses, gzip_records=True):
    """A WARC written with warcio: (uri, content type, body bytes) responses, plus a request."""
    with open(path, "wb") as handle:
        writer = WARCWriter(handle, gzip=gzip_records)
        for uri, media, body in responses:
            headers = StatusAndHeaders("200 OK", [("Content-Type", media)], protocol="HTTP/1.1")
            writer.write_record(
                writer.create_warc_record(uri, "response", payload=io.BytesIO(body), http_headers=headers)
            )
            request = StatusAndHeaders("GET / HTTP/1.1", [("Host", "example.org")], is_http_request=True)
            writer.write_record(writer.create_warc_record(uri, "request", http_headers=request))


def read_one_file(path):
    (item,) = discover_inputs([str(path)])
    return read_input(item, ReadLimits(), JsonlFields())


def test_jsonl_records_keep_their_fields_and_line_numbers(tmp_path):
    lines = [
        json.dumps(
            {
                "url": "https://a.example/ferry",
                "title": FERRY_TITLE,
                "text": "\n\n".join(FERRY),
                "date": "2026-03-10T08:00:00Z",
            }
        ),
        "",
        "{not json",
        json.dumps({"url": "https://a.example/orchard", "html": html_page(ORCHARD_TITLE, ORCHARD)}),
        json.dumps({"url": "https://a.example/empty", "title": "Nothing here"}),
        json.dumps(["a", "list"]),
    ]
    (tmp_path / "export.jsonl.gz").write_bytes(gzip.compress("\n".join(lines).encode()))
    documents, rejects = parse_files(discover_inputs([str(tmp_path)]), ReadLimits())

    assert [(d.source_record, d.format) for d in documents] == [(0, "jsonl"), (3, "jsonl")]
    ferry, orchard = documents
    assert ferry.title == FERRY_TITLE and ferry.url == "https://a.example/ferry"
    assert ferry.published.isoformat() == "2026-03-10T08:00:00+00:00"
    assert ferry.text.startswith(FERRY[0][:50]) and ferry.text.endswith(FERRY[-1][-40:])
    assert orchard.title == ORCHARD_TITLE and "Most read" not in orchard.text
    assert sorted((r.source_record, r.reason) for r in rejects) == [(2, "bad_json"), (4, "no_content"), (5, "bad_json")]
    assert all(r.source_path == "export.jsonl.gz" for r in rejects)


def test_jsonl_field_mapping(tmp_path):
    (tmp_path / "scrape.jsonl").write_text(
        json.dumps({"link": "https://b.example/1", "headline": FERRY_TITLE, "body": "\n\n".join(FERRY)}) + "\n"
    )
    (item,) = discover_inputs([str(tmp_path)])
    (record,) = read_input(item, ReadLimits(), JsonlFields(url="link", title="headline", text="body"))
    assert isinstance(record, RawRecord)
    assert (record.url, record.title, record.format) == ("https://b.example/1", FERRY_TITLE, "txt")


def test_warc_responses_become_records_with_uri_date_and_charset(tmp_path):
    latin = (
        html_page(ORCHARD_TITLE, ORCHARD)
        .replace('<meta charset="utf-8">', "")
        .replace("growers", "producteurs de pommes \u00e0 l'\u00e9t\u00e9")
        .encode("cp1252")
    )
    write_warc(
        tmp_path / "crawl.warc.gz",
        [
            ("https://c.example/ferry", "text/html; charset=utf-8", html_page(FERRY_TITLE, FERRY).encode()),
            ("https://c.example/logo.png", "image/png", b"\x89PNG\r\n\x1a\n" + bytes(200)),
            ("https://c.example/orchard", "text/html; charset=windows-1252", latin),
        ],
    )
    records = read_one_file(tmp_path / "crawl.warc.gz")
    pages = [r for r in records if isinstance(r, RawRecord)]
    (image,) = [r for r in records if isinstance(r, Reject)]
    assert [p.url for p in pages] == ["https://c.example/ferry", "https://c.example/orchard"]
    assert all(p.container == "warc" and p.format == "html" and p.published for p in pages)
    assert "producteurs de pommes \u00e0 l'\u00e9t\u00e9" in pages[1].content
    assert image.reason == "not_html" and "image/png" in image.detail
    assert len({r.source_record for r in records}) == 3  # each record its own position

    documents, rejects = parse_files(discover_inputs([str(tmp_path)]), ReadLimits())
    french_title = ORCHARD_TITLE.replace("growers", "producteurs de pommes \u00e0 l'\u00e9t\u00e9")
    assert [d.title for d in documents] == [FERRY_TITLE, french_title]
    assert all(d.format == "warc" for d in documents)


def test_a_broken_warc_keeps_the_records_before_the_break(tmp_path):
    write_warc(
        tmp_path / "good.warc",
        [
            ("https://d.example/1", "text/html", html_page(FERRY_TITLE, FERRY).encode()),
            ("https://d.example/2", "text/html", html_page(ORCHARD_TITLE, ORCHARD).encode()),
        ],
        gzip_records=False,
    )
    data = (tmp_path / "good.warc").read_bytes()
    second = data.index(b"WARC/1.0", data.index(b"WARC-Type: request") + 10)  # the second response
    (tmp_path / "broken.warc").write_bytes(data[:second] + b"WARC/1.0\r\nthis is not a header\r\n\r\n" + bytes(50))
    records = read_one_file(tmp_path / "broken.warc")
    assert isinstance(records[0], RawRecord) and records[0].url == "https://d.example/1"
    assert isinstance(records[-1], Reject) and records[-1].reason == "corrupt_warc"


def test_truncated_gzip_container_keeps_what_was_read(tmp_path):
    lines = "".join(json.dumps({"text": text_dump(f"Story {i} " + FERRY_TITLE, FERRY)}) + "\n" for i in range(40))
    packed = gzip.compress(lines.encode())
    (tmp_path / "cut.jsonl.gz").write_bytes(packed[: len(packed) * 3 // 4])
    records = read_one_file(tmp_path / "cut.jsonl.gz")
    assert isinstance(records[0], RawRecord)
    assert isinstance(records[-1], Reject) and records[-1].reason == "corrupt_gzip"


def test_gzip_bomb_container_stops_at_the_limit(tmp_path):
    (tmp_path / "bomb.jsonl.gz").write_bytes(gzip.compress(b"\n" * (8 * 1024 * 1024)))
    (item,) = discover_inputs([str(tmp_path)])
    records = read_input(item, ReadLimits(max_decompressed_bytes=1024 * 1024), JsonlFields())
    assert [r.reason for r in records] == ["decompressed_too_large"]


def test_jsonl_text_keeps_its_first_paragraph_when_a_title_is_given(tmp_path):
    teaser = "Council backs the harbour ferry plan"  # headline-shaped, but part of the text
    body = "\n\n".join([teaser, *FERRY])
    (tmp_path / "feed.jsonl").write_text(json.dumps({"title": FERRY_TITLE, "text": body}) + "\n")
    (document,), rejects = parse_files(discover_inputs([str(tmp_path)]), ReadLimits())
    assert rejects == [] and document.title == FERRY_TITLE
    assert document.text.startswith(teaser + "\n\n" + FERRY[0][:40])


def _jsonl_line(title, paragraphs):
    return json.dumps({"title": title, "text": "\n\n".join(paragraphs)}, ensure_ascii=False)


def _two_page_warc(tmp_path):
    """The bytes of an uncompressed WARC: response 0, request 1, response 2, request 3."""
    write_warc(
        tmp_path / "source.warc",
        [
            ("https://e.example/1", "text/html", html_page(FERRY_TITLE, FERRY).encode()),
            ("https://e.example/2", "text/html", html_page(ORCHARD_TITLE, ORCHARD).encode()),
        ],
        gzip_records=False,
    )
    return (tmp_path / "source.warc").read_bytes()


def _second_response(data):
    """Where the second response's WARC record starts, its Content-Length, and where its block starts."""
    start = data.index(b"WARC/1.0", data.index(b"WARC-Type: request"))
    field = data.index(b"Content-Length: ", start) + len(b"Content-Length: ")
    length = int(data[field : data.index(b"\r\n", field)])
    return start, length, data.index(b"\r\n\r\n", start) + 4


def _reasons(records):
    return [(r.source_record, "ok" if isinstance(r, RawRecord) else r.reason) for r in records]


def test_a_warc_cut_short_rejects_the_cut_record_and_keeps_the_ones_before(tmp_path, capsys):
    data = _two_page_warc(tmp_path)
    _, length, block = _second_response(data)
    (tmp_path / "cut.warc").write_bytes(data[: block + length // 2])
    records = read_one_file(tmp_path / "cut.warc")
    assert _reasons(records) == [(0, "ok"), (2, "corrupt_warc")]
    assert records[0].url == "https://e.example/1"
    assert records[1].detail == f"record cut short: {length // 2} of {length} bytes"
    assert capsys.readouterr().err == ""


def test_a_warc_record_longer_than_its_data_is_rejected(tmp_path, capsys):
    data = _two_page_warc(tmp_path)
    start, length, block = _second_response(data)
    # The last response (its request left out) declares 500 bytes more than the file holds.
    head = data[start:block].replace(b"Content-Length: %d" % length, b"Content-Length: %d" % (length + 500))
    (tmp_path / "long.warc").write_bytes(data[:start] + head + data[block : data.index(b"WARC/1.0", block)])
    records = read_one_file(tmp_path / "long.warc")
    assert _reasons(records) == [(0, "ok"), (2, "corrupt_warc")]
    assert records[1].detail.startswith("record cut short:") and records[1].detail.endswith(f"of {length + 500} bytes")
    assert capsys.readouterr().err == ""


def test_a_warc_record_whose_length_is_wrong_mid_file_is_rejected(tmp_path, capsys):
    data = _two_page_warc(tmp_path)
    # The first response declares 15 bytes less than it holds: its last line, "</body></html>\n".
    first = data.index(b"Content-Length: ")
    first_length = int(data[first + 16 : data.index(b"\r\n", first)])
    shorter = data[:first] + f"Content-Length: {first_length - 15}".encode() + data[data.index(b"\r\n", first) :]
    (tmp_path / "short.warc").write_bytes(shorter)
    records = read_one_file(tmp_path / "short.warc")
    assert _reasons(records) == [(0, "corrupt_warc"), (2, "ok")]
    assert "Content-Length does not match" in records[0].detail
    assert records[1].url == "https://e.example/2"
    assert capsys.readouterr().err == ""  # no warning from warcio


def test_a_warc_cut_in_its_last_headers_is_rejected(tmp_path):
    data = _two_page_warc(tmp_path)
    start, _, _ = _second_response(data)
    (tmp_path / "headers.warc").write_bytes(data[: data.index(b"Content-Length: ", start) + 20])
    assert _reasons(read_one_file(tmp_path / "headers.warc")) == [(0, "ok"), (2, "corrupt_warc")]


def test_a_text_file_named_warc_is_one_corrupt_warc_reject(tmp_path, capsys):
    lines = [f"line {i}: this is not a web archive at all" for i in range(10)]
    (tmp_path / "notes.warc").write_text("\n".join(lines) + "\n")
    (reject,) = read_one_file(tmp_path / "notes.warc")
    assert reject.reason == "corrupt_warc" and reject.detail.startswith("not a WARC file:")
    assert capsys.readouterr().err == ""


EMPTY_CONTAINERS = {
    "empty.jsonl": b"",
    "zero.jsonl.gz": b"",
    "nothing.jsonl.gz": gzip.compress(b""),
    "blank.jsonl": b"\n  \n\r\n\t\n",  # only blank lines: no record either
    "empty.warc": b"",
    "empty.warc.gz": gzip.compress(b""),
}


@pytest.mark.parametrize("name", EMPTY_CONTAINERS)
def test_a_container_without_records_is_rejected_as_empty(tmp_path, name):
    (tmp_path / name).write_bytes(EMPTY_CONTAINERS[name])
    (reject,) = read_one_file(tmp_path / name)
    assert (reject.source_record, reject.reason) == (0, "empty")


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-be", "utf-32"])
def test_a_jsonl_file_with_a_wide_unicode_bom_is_decoded_before_it_is_split(tmp_path, codec):
    ferry = _jsonl_line(FERRY_TITLE + " \u2014 caf\u00e9 \u0100", FERRY)  # \u0100 and \u2014 hold a 0x0a byte
    text = ferry + "\n\n" + _jsonl_line(ORCHARD_TITLE, ORCHARD) + "\n"
    data = text.encode(codec)
    if codec == "utf-16-be":  # (Python's "utf-16" and "utf-32" write a little-endian BOM)
        data = codecs.BOM_UTF16_BE + data
    (tmp_path / "wide.jsonl").write_bytes(data)
    records = read_one_file(tmp_path / "wide.jsonl")
    assert _reasons(records) == [(0, "ok"), (2, "ok")]
    assert records[0].title == FERRY_TITLE + " \u2014 caf\u00e9 \u0100"


def test_a_jsonl_file_breaking_its_bom_encoding_is_rejected_as_undecodable(tmp_path):
    line = _jsonl_line(FERRY_TITLE, FERRY) + "\n"
    lone_surrogate = "\ud800".encode("utf-16-le", "surrogatepass")
    (tmp_path / "bad16.jsonl").write_bytes(codecs.BOM_UTF16_LE + (line + line).encode("utf-16-le") + lone_surrogate)
    records = read_one_file(tmp_path / "bad16.jsonl")
    assert records[-1].reason == "undecodable" and "utf-16" in records[-1].detail


def test_a_non_utf8_jsonl_line_is_undecodable_and_its_neighbours_load(tmp_path):
    latin = _jsonl_line("Caf\u00e9 owners protest the new harbour parking rules", FERRY).encode("cp1252")
    lines = [_jsonl_line(FERRY_TITLE, FERRY).encode(), latin, _jsonl_line(ORCHARD_TITLE, ORCHARD).encode()]
    (tmp_path / "mixed.jsonl").write_bytes(b"\n".join(lines) + b"\n")
    records = read_one_file(tmp_path / "mixed.jsonl")
    assert _reasons(records) == [(0, "ok"), (1, "undecodable"), (2, "ok")]
    assert "not UTF-8" in records[1].detail


def test_deeply_nested_json_line_is_bad_json_and_its_neighbours_load(tmp_path):
    deep = "[" * 200_000 + "]" * 200_000
    lines = [_jsonl_line(FERRY_TITLE, FERRY), deep, _jsonl_line(ORCHARD_TITLE, ORCHARD)]
    (tmp_path / "deep.jsonl").write_text("\n".join(lines) + "\n")
    records = read_one_file(tmp_path / "deep.jsonl")
    assert _reasons(records) == [(0, "ok"), (1, "bad_json"), (2, "ok")]
    assert records[1].detail == "not a JSON object: nested too deeply"


def test_a_lone_surrogate_in_a_jsonl_text_is_replaced_and_the_rest_kept(tmp_path):
    text = "Caf\u00e9 owners \u2014 “all of them” \ud800 said yes. " * 5
    line = json.dumps({"title": FERRY_TITLE, "text": text})  # ASCII, the surrogate as \ud800
    (tmp_path / "feed.jsonl").write_text(line + "\n")
    (record,) = read_one_file(tmp_path / "feed.jsonl")
    assert isinstance(record, RawRecord)
    assert record.content == f"{FERRY_TITLE}\n\n" + text.replace("\ud800", "\ufffd")
