"""Turn the user's INPUT arguments (files, directories, globs) into a list of input files."""

from __future__ import annotations

import glob
import itertools
import os
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

#: File name endings the pipeline reads (each also with .gz); anything else in a directory is
#: skipped, not rejected, and counted by type (``FoundInputs.other_types``).
INPUT_SUFFIXES = tuple(
    suffix + gz for suffix in (".txt", ".html", ".htm", ".jsonl", ".ndjson", ".warc") for gz in ("", ".gz")
)
#: Compression suffixes a skipped file's type is reported with, with the suffix before them.
COMPRESSION_SUFFIXES = frozenset({".gz", ".bz2", ".xz", ".zst", ".zip"})


@dataclass(frozen=True, slots=True)
class InputFile:
    """One file to read. ``path`` is its real path (absolute, symlinks resolved: what a later
    run knows it by); ``source_path`` is its path relative to the input root it came from,
    as printable text (see ``printable_path``); ``size`` and ``mtime_ns`` (-1 if unknown) tell
    a later run whether it changed. (Slots: a run over a million files holds a million.)"""

    path: str
    source_path: str
    size: int = -1
    mtime_ns: int = -1


def printable_path(path: str) -> str:
    """``path`` as text that can be stored: the bytes of a file name that are not UTF-8
    (which Python keeps as lone surrogates, and Parquet cannot store) written as ``\\xNN``."""
    if path.isascii():
        return path
    try:
        path.encode()
    except UnicodeEncodeError:
        return path.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    return path


def _input_file(path: str, source_path: str) -> InputFile:
    """The input file at ``path`` (made real here), known as ``source_path``."""
    real, source_path = os.path.realpath(path), printable_path(source_path)
    try:
        info = os.stat(real)
    except OSError:  # vanished or unreadable: reading will say so, as a reject
        return InputFile(real, source_path)
    return InputFile(real, source_path, info.st_size, info.st_mtime_ns)


class NoInputsError(Exception):
    """Raised when the INPUT arguments match no readable input file."""


def has_input_suffix(name: str) -> bool:
    return name.lower().endswith(INPUT_SUFFIXES)


def _glob_root(pattern: str) -> str:
    """The directory part of a glob pattern before its first wildcard."""
    parts = Path(pattern).parts
    fixed: list[str] = []
    for part in parts:
        if glob.has_magic(part):
            break
        fixed.append(part)
    return str(Path(*fixed)) if fixed else "."


def file_type(name: str) -> str:
    """How a file of a type the pipeline does not read is counted: its suffix in lower case,
    with the one before it for a compressed file (``.csv.gz``), or ``(no suffix)``."""
    stem, suffix = os.path.splitext(name.lower())
    if suffix in COMPRESSION_SUFFIXES:
        suffix = os.path.splitext(stem)[1] + suffix
    return suffix or "(no suffix)"


def _walk(root: str, other_types: dict[str, str]) -> Iterator[InputFile]:
    """Every input file under ``root``, directory by
    directory in sorted order, found as they are asked for; symlinked directories are not
    followed (no loops). Files of other types are noted in ``other_types`` (real path ->
    ``file_type``) as they are passed.

    A directory's real path and relative path are worked out once for all its files (per
    file, ``os.path.realpath`` and ``relpath`` cost more than the walk itself); only a file
    that is itself a symlink gets its own ``realpath``.
    """
    pending = [(root, os.path.realpath(root), "")]
    while pending:
        directory, real_directory, relative = pending.pop()
        try:
            with os.scandir(directory) as scan:
                entries = sorted(scan, key=lambda entry: entry.name)
        except OSError:  # unreadable or vanished directory: nothing to read in it
            continue
        subdirectories = []
        for entry in entries:
            try:
                is_directory = entry.is_dir()
            except OSError:
                is_directory = False
            if is_directory:
                if not entry.is_symlink():
                    subdirectories.append(entry)
                continue
            real = os.path.realpath(entry.path) if entry.is_symlink() else os.path.join(real_directory, entry.name)
            if not has_input_suffix(entry.name):
                other_types[real] = file_type(entry.name)
                continue
            source_path = printable_path(relative + entry.name)
            try:
                info = entry.stat()
            except OSError:  # vanished or a dangling link: reading will say so, as a reject
                yield InputFile(real, source_path)
                continue
            yield InputFile(real, source_path, info.st_size, info.st_mtime_ns)
        for entry in reversed(subdirectories):  # a stack: the first subdirectory is walked next
            pending.append((entry.path, os.path.join(real_directory, entry.name), f"{relative}{entry.name}{os.sep}"))


def _named(argument: str, other_types: dict[str, str]) -> Iterator[InputFile] | None:
    """The input files one INPUT argument names (a directory
    is walked as the files are asked for), or None if it names nothing."""
    if os.path.isdir(argument):
        return _walk(argument, other_types)
    if os.path.lexists(argument):
        return iter([_input_file(argument, os.path.basename(argument))])
    if glob.has_magic(argument):
        matches = sorted(glob.glob(argument, recursive=True))
        if matches:
            return _matched(matches, _glob_root(argument), other_types)
    return None


def _matched(matches: list[str], root: str, other_types: dict[str, str]) -> Iterator[InputFile]:
    """The input files of a glob's ``matches``, their source paths relative to ``root``."""
    for match in matches:
        if os.path.isdir(match):
            folder = printable_path(os.path.relpath(match, root))
            for item in _walk(match, other_types):
                yield replace(item, source_path=os.path.normpath(os.path.join(folder, item.source_path)))
        else:  # a file the pattern names is read whatever its suffix
            yield _input_file(match, os.path.relpath(match, root))


def _expand(arguments: list[str], other_types: dict[str, str]) -> Iterator[InputFile]:
    """The input files all ``arguments`` name, in order, found as they are asked for; files
    of other types passed on the way are noted in ``other_types`` (see ``_walk``).

    Raises:
        NoInputsError: if an argument names nothing (before any file is given).
    """
    named = [(argument, _named(argument, other_types)) for argument in arguments]
    missing = [os.path.abspath(argument) for argument, found in named if found is None]
    if missing:
        raise no_such_input(missing)
    return itertools.chain.from_iterable(found for _, found in named)


def no_such_input(missing: list[str]) -> NoInputsError:
    """The error for INPUT arguments that name nothing (``missing``: their absolute paths)."""
    return NoInputsError(f"no such input: {', '.join(missing)}")


def count_types(other_types: dict[str, str]) -> dict[str, int]:
    """Files per type (``file_type``), the most frequent type first (then by name)."""
    counts = Counter(other_types.values())
    return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))


def other_types_line(counts: dict[str, int]) -> str:
    """``counts`` of skipped files as one phrase: ``12 files of other types skipped: .csv 9, .pdf 3``."""
    total = sum(counts.values())
    kinds = ", ".join(f"{kind} {count}" for kind, count in counts.items())
    return f"{total} file{'s' if total != 1 else ''} of other types skipped: {kinds}"


def _no_input_files(arguments: list[str], other_types: dict[str, str]) -> NoInputsError:
    found = f" ({other_types_line(count_types(other_types))})" if other_types else ""
    return NoInputsError(
        f"no input files (.txt, .html, .htm, .jsonl, .warc, optionally .gz) in: "
        f"{' '.join(map(os.path.abspath, arguments))}{found}"
    )


@dataclass(frozen=True)
class FoundInputs:
    """What INPUT arguments name: the files to read, and the files of other types that their
    directories hold (by ``file_type``, most frequent first), which are skipped."""

    files: list[InputFile]
    other_types: dict[str, int]


def find_inputs(arguments: list[str], allow_empty: bool = False) -> FoundInputs:
    """Expand files, directories (recursively) and glob patterns into input files.

    A file named explicitly is read whatever its suffix; directories and globs yield only
    files with a known suffix, and count the others by type. Each file appears once (and is
    counted once), in a stable (sorted) order.

    Raises:
        NoInputsError: if an argument matches nothing, or nothing at all is found (unless
            ``allow_empty``: then existing but empty directories give an empty list).
    """
    files: dict[str, InputFile] = {}
    other_types: dict[str, str] = {}
    for item in _expand(arguments, other_types):
        files.setdefault(item.path, item)
    if not files and not allow_empty:
        raise _no_input_files(arguments, other_types)
    skipped = {path: kind for path, kind in other_types.items() if path not in files}  # (not if also named)
    return FoundInputs(sorted(files.values(), key=lambda f: (f.source_path, f.path)), count_types(skipped))


def discover_inputs(arguments: list[str], allow_empty: bool = False) -> list[InputFile]:
    """The input files of ``find_inputs(arguments, allow_empty)``."""
    return find_inputs(arguments, allow_empty).files


def missing_inputs(arguments: list[str]) -> list[str]:
    """The arguments that name nothing (no file, directory or glob match), as absolute paths."""
    return [os.path.abspath(argument) for argument in arguments if _named(argument, {}) is None]


def check_inputs(arguments: list[str]) -> None:
    """Raise what ``discover_inputs`` would if the arguments name no input file, walking only
    up to the first input file (a run's CLI checks this before starting; the run walks them all).

    Raises:
        NoInputsError: as ``discover_inputs`` does.
    """
    other_types: dict[str, str] = {}
    if next(_expand(arguments, other_types), None) is None:
        raise _no_input_files(arguments, other_types)
