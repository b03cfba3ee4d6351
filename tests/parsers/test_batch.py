"""Parsing a task's files: the batch's template search looks at one window of files at a time."""

from __future__ import annotations

import textwrap

from newsdedup.config import ReadLimits
from parsers import rules
from parsers.batch import parse_files
from parsers.discover import discover_inputs

PLACES = ["bakery", "library", "bus depot", "swimming pool", "hospital", "football club"]
ISSUES = ["flour prices", "opening hours"]

#: A sign-off printed under some stories of a site: a line of prose (not wrapped: shorter than
#: the page), template where it recurs often enough.
SIGN_OFF = "The Valley Gazette has served the towns of the upper valley since 1887, published by its trust."


def story_page(place: str, issue: str, signed: bool) -> str:
    paragraphs = [
        f"A dispute about {issue} at the {place} came before councillors on Thursday, after months "
        f"of complaints from residents who say nobody at the town hall has listened to them.",
        f"Officials promised a decision on the {issue} at the {place} before the summer and said "
        f"that residents would be consulted first, although no date for a meeting has been set.",
    ]
    lines = ["  \u2022 Home", "  \u2022 News", "", f"Row over {issue} at the {place} reaches the council", ""]
    for paragraph in paragraphs + ([SIGN_OFF] if signed else []):
        lines += textwrap.wrap(paragraph, 100) + [""]
    return "\n".join(lines + ["Share this article", ""])


def test_templates_are_searched_window_by_window(tmp_path, monkeypatch):
    # Twelve stories, two windows of six files; the sign-off is on four pages of each window:
    # eight pages in all, enough to be template over the twelve (long lines need eight), not
    # within either window. A task of both windows finds what two tasks of one window find.
    monkeypatch.setattr(rules, "TEMPLATE_WINDOW_FILES", 6)
    stories = [(place, issue) for issue in ISSUES for place in PLACES]
    for number, (place, issue) in enumerate(stories):
        signed = number % 6 >= 2
        (tmp_path / f"{number:02d}.txt").write_text(story_page(place, issue, signed), encoding="utf-8")
    files = discover_inputs([str(tmp_path)])

    documents, rejects = parse_files(files, ReadLimits())

    assert not rejects
    assert [d.source_path for d in documents] == [f.source_path for f in files]
    assert [SIGN_OFF in d.text for d in documents] == [number % 6 >= 2 for number in range(12)]
    window_by_window = [d for start in (0, 6) for d in parse_files(files[start : start + 6], ReadLimits())[0]]
    assert documents == window_by_window
    # One window of all twelve files sees the sign-off eight times: template, dropped everywhere.
    monkeypatch.setattr(rules, "TEMPLATE_WINDOW_FILES", 12)
    assert not any(SIGN_OFF in d.text for d in parse_files(files, ReadLimits())[0])
