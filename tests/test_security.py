"""Inputs cannot steer where the pipeline writes, and HTML is only parsed: no scripts run,
nothing is fetched."""

from __future__ import annotations

import socket

import pytest

from newsdedup.config import IngestConfig
from newsdedup.pipeline import stage_batch
from parsers.discover import discover_inputs
from tests.fixtures.pages import ORCHARD, ORCHARD_TITLE


def test_hostile_names_and_links_stay_inside_the_output(tmp_path):
    inbox, output = tmp_path / "inbox", tmp_path / "out"
    (inbox / "sub").mkdir(parents=True)
    (inbox / "..evil..txt").write_text("x " * 50)
    (inbox / "$(touch pwned).txt").write_text("y " * 50)
    (tmp_path / "outside.txt").write_text("outside " * 50)
    (inbox / "sub" / "escape.txt").symlink_to(tmp_path / "outside.txt")
    before = {p for p in tmp_path.rglob("*") if p.is_file()}

    files = discover_inputs([str(inbox)])
    staged = stage_batch(files, 0, str(output / "_staging" / "run"), "run", _now(), IngestConfig())

    new_files = {p for p in tmp_path.rglob("*") if p.is_file()} - before
    assert new_files and all(output in p.parents for p in new_files)
    assert not (tmp_path / "pwned").exists()
    assert staged.documents + staged.rejects == 3


def _now():
    from datetime import UTC, datetime

    return datetime.now(UTC)


class _NoNetwork(socket.socket):
    def connect(self, *args, **kwargs):
        raise AssertionError("cleaning tried to open a network connection")


def test_html_is_parsed_without_running_scripts_or_fetching(tmp_path, monkeypatch):
    from parsers.html_page import clean_html_page

    monkeypatch.setattr(socket, "socket", _NoNetwork)
    marker = tmp_path / "ran"
    paragraphs = "".join(f"<p>{p}</p>" for p in ORCHARD)
    html = f"""<html><head><title>{ORCHARD_TITLE}</title>
    <link rel="stylesheet" href="http://127.0.0.1:9/style.css">
    <script src="http://127.0.0.1:9/app.js"></script>
    <script>require('fs').writeFileSync('{marker}', 'x'); fetch('http://127.0.0.1:9/beacon');</script>
    </head><body onload="document.write('{marker}')"><h1>{ORCHARD_TITLE}</h1>
    <img src="http://127.0.0.1:9/photo.jpg"><iframe src="http://127.0.0.1:9/ad"></iframe>{paragraphs}</body></html>"""
    page = clean_html_page(html)
    assert page.title == ORCHARD_TITLE
    assert "writeFileSync" not in page.text and "fetch" not in page.text
    assert page.text.startswith(ORCHARD[0][:40])
    assert not marker.exists()


@pytest.mark.parametrize("depth", [5_000, 100_000])
def test_deeply_nested_html_does_not_crash_the_batch(tmp_path, depth):
    (tmp_path / "nested.html").write_text("<div>" * depth + "<p>deep text</p>" + "</div>" * depth)
    files = discover_inputs([str(tmp_path / "nested.html")])
    staged = stage_batch(files, 0, str(tmp_path / "staging"), "run", _now(), IngestConfig())
    assert staged.documents + staged.rejects == 1
