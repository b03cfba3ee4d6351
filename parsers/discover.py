"""Turn the user's INPUT arguments (files, directories, globs) into a list of input files."""

from __future__ import annotations

import glob
import os
from dataclasses import dataclass, replace
from pathlib import Path

#: File name endings the pipeline reads (each also with .gz); anything else in a directory is
#: skipped, not rejected.
INPUT_SUFFIXES = tuple(
    suffix + gz for suffix in (".txt", ".html", ".htm", ".jsonl", ".ndjson", ".warc") for gz in ("", ".gz")
)


@dataclass(frozen=True, slots=True)
class InputFile:
    """One file to read. ``source_path`` is its path relative to the input root it came from;
    ``size`` and ``mtime_ns`` (-1 if unknown) tell a later run whether it changed. (Slots: a
    run over a million files holds a million of these.)"""

    path: str
    source_path: str
    size: int = -1
    mtime_ns: int = -1


def _input_file(path: str, source_path: str) -> InputFile:
    try:
        info = os.stat(path)
    except OSError:  # vanished or unreadable: reading will say so, as a reject
        return InputFile(path, source_path)
    return InputFile(path, source_path, info.st_size, info.st_mtime_ns)


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


def _walk(root: str) -> list[tuple[str, InputFile]]:
    """Every input file under ``root`` as ``(real path, InputFile)``, directory by
    directory in sorted order; symlinked directories are not followed (no loops).

    A directory's real path and relative path are worked out once for all its files (per
    file, ``os.path.realpath`` and ``relpath`` cost more than the walk itself); only a file
    that is itself a symlink gets its own ``realpath``.
    """
    found = []
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
            if not has_input_suffix(entry.name):
                continue
            source_path = relative + entry.name
            real = os.path.realpath(entry.path) if entry.is_symlink() else os.path.join(real_directory, entry.name)
            try:
                info = entry.stat()
            except OSError:  # vanished or a dangling link: reading will say so, as a reject
                found.append((real, InputFile(entry.path, source_path)))
                continue
            found.append((real, InputFile(entry.path, source_path, info.st_size, info.st_mtime_ns)))
        for entry in reversed(subdirectories):  # a stack: the first subdirectory is walked next
            pending.append((entry.path, os.path.join(real_directory, entry.name), f"{relative}{entry.name}{os.sep}"))
    return found


def discover_inputs(arguments: list[str], allow_empty: bool = False) -> list[InputFile]:
    """Expand files, directories (recursively) and glob patterns into input files.

    A file named explicitly is read whatever its suffix; directories and globs yield only
    files with a known suffix. Each file appears once, in a stable (sorted) order.

    Raises:
        NoInputsError: if an argument matches nothing, or nothing at all is found (unless
            ``allow_empty``: then existing but empty directories give an empty list).
    """
    files: dict[str, InputFile] = {}
    missing = []
    for argument in arguments:
        if os.path.isdir(argument):
            for real, item in _walk(argument):
                files.setdefault(real, item)
        elif os.path.lexists(argument):
            rel = os.path.basename(argument)
            files.setdefault(os.path.realpath(argument), _input_file(argument, rel))
        elif glob.has_magic(argument):
            root = _glob_root(argument)
            matches = sorted(glob.glob(argument, recursive=True))
            for match in matches:
                if os.path.isdir(match):
                    for real, item in _walk(match):
                        files.setdefault(real, replace(item, source_path=os.path.relpath(item.path, root)))
                else:  # a file the pattern names is read whatever its suffix
                    files.setdefault(os.path.realpath(match), _input_file(match, os.path.relpath(match, root)))
            if not matches:
                missing.append(argument)
        else:
            missing.append(argument)
    if missing:
        raise NoInputsError(f"no such input: {', '.join(missing)}")
    if not files and not allow_empty:
        raise NoInputsError(
            f"no input files (.txt, .html, .htm, .jsonl, .warc, optionally .gz) in: {' '.join(arguments)}"
        )
    return sorted(files.values(), key=lambda f: (f.source_path, f.path))
