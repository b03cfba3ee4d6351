"""Turning INPUT arguments into input files."""

from __future__ import annotations

import os

import pytest

from parsers.discover import NoInputsError, check_inputs, discover_inputs


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
