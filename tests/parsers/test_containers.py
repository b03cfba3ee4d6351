"""JSONL exports and WARC archives: one record each, metadata kept, broken records rejected."""

from __future__ import annotations

import gzip
import io
import json

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
