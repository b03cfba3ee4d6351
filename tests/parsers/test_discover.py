"""Turning INPUT arguments into input files."""

from __future__ import annotations

import os

import pytest

from parsers.discover import NoInputsError, check_inputs, discover_inputs, find_inputs, missing_inputs, other_types_line


def make(root, *names):
    for name in names:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x")


def test_directories_are_read_recursively_with_relative_source_paths(tmp_path):
    make(tmp_path, "a.txt", "sub/b.html", "sub/deeper/c.htm.gz", "sub/notes.md", "image.png")
    found = discover_inputs([str(tmp_path)])
    assert [f.source_path for f in found] == ["a.txt", "sub/b.html", "sub/deeper/c.htm.gz"]


def test_globs_files_and_odd_names(tmp_path):
    make(tmp_path, "2026/jan/one.txt", "2026/feb/two.txt.gz", "with space ‘quote’ é.txt")
    found = discover_inputs([str(tmp_path / "2026" / "*" / "*.txt*"), str(tmp_path / "with space ‘quote’ é.txt")])
    assert [f.source_path for f in found] == ["feb/two.txt.gz", "jan/one.txt", "with space ‘quote’ é.txt"]


def test_symlink_loops_are_not_followed(tmp_path):
    make(tmp_path, "inbox/a.txt")
    os.symlink(tmp_path / "inbox", tmp_path / "inbox" / "loop")
    assert [f.source_path for f in discover_inputs([str(tmp_path / "inbox")])] == ["a.txt"]


def test_missing_inputs_are_a_clear_error(tmp_path):
    with pytest.raises(NoInputsError, match="no such input"):
        discover_inputs([str(tmp_path / "nope")])
    (tmp_path / "empty").mkdir()
    with pytest.raises(NoInputsError, match="no input files"):
        discover_inputs([str(tmp_path / "empty")])


@pytest.mark.parametrize(
    ("arguments", "error"),
    [
        (["inbox"], None),
        (["inbox/sub/deeper/c.html"], None),
        (["inbox/*/deeper"], None),
        (["empty", "inbox/notes.md"], None),  # a file named outright is read whatever its suffix
        (["inbox/*.png"], None),  # so is a file a pattern names
        (["empty"], "no input files"),
        (["empty/*"], "no such input"),
        (["nope", "inbox"], "no such input"),
    ],
)
def test_the_quick_check_agrees_with_the_walk(tmp_path, arguments, error):
    """The CLI's check (which stops at the first input file) fails exactly when discovery
    would, with the same message."""
    make(tmp_path, "inbox/notes.md", "inbox/image.png", "inbox/sub/deeper/c.html", "inbox/sub/z.txt")
    (tmp_path / "empty").mkdir()
    paths = [str(tmp_path / argument) for argument in arguments]
    if error is None:
        assert discover_inputs(paths)
        check_inputs(paths)
        return
    with pytest.raises(NoInputsError, match=error) as walked:
        discover_inputs(paths)
    with pytest.raises(NoInputsError, match=error) as checked:
        check_inputs(paths)
    assert str(checked.value) == str(walked.value)


def test_files_of_other_types_in_input_directories_are_counted_by_type(tmp_path):
    make(
        tmp_path,
        "inbox/a.txt",
        "inbox/b.HTML",
        "inbox/report.pdf",
        "inbox/sub/annex.PDF",
        "inbox/sub/table.csv",
        "inbox/sub/more.csv.gz",
        "inbox/sub/README",
        "other/x.pdf",
        "other/y.txt",
    )
    # The inbox twice (once by a pattern): each file counted once; a file named outright is read.
    found = find_inputs(
        [str(tmp_path / "inbox"), str(tmp_path / "inb*"), str(tmp_path / "other" / "x.pdf"), str(tmp_path / "other")]
    )
    assert [f.source_path for f in found.files] == ["a.txt", "b.HTML", "x.pdf", "y.txt"]
    assert found.other_types == {".pdf": 2, "(no suffix)": 1, ".csv": 1, ".csv.gz": 1}
    assert (
        other_types_line(found.other_types)
        == "5 files of other types skipped: .pdf 2, (no suffix) 1, .csv 1, .csv.gz 1"
    )
    assert find_inputs([str(tmp_path / "other" / "y.txt")]).other_types == {}


def test_errors_name_inputs_by_their_absolute_paths(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    make(tmp_path, "inbox/scan.pdf", "inbox/sheet.csv", "inbox/sheet2.csv")
    with pytest.raises(NoInputsError) as missing:
        discover_inputs(["data/inbox"])
    assert str(missing.value) == f"no such input: {tmp_path / 'data' / 'inbox'}"
    assert missing_inputs(["data/inbox", "inbox", "inbox/*.csv", "inbox/*.txt"]) == [
        str(tmp_path / "data" / "inbox"),
        str(tmp_path / "inbox" / "*.txt"),
    ]
    with pytest.raises(NoInputsError) as nothing:
        check_inputs(["inbox"])
    assert str(nothing.value) == (
        f"no input files (.txt, .html, .htm, .jsonl, .warc, optionally .gz) in: {tmp_path / 'inbox'}"
        " (3 files of other types skipped: .csv 2, .pdf 1)"
    )
