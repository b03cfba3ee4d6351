"""Compaction: rewrite a table's many small files into few, as one commit.

An hourly ingest adds a few small files to each table every run (8,760 a year); readers
then open thousands of files for little data. ``compact`` merges them:

- generically, over every table the manifest lists (so a table added later is compacted too);
- only files in the same folder (a hive partition such as ``ingest_date=...`` stays one) and
  next to each other in the manifest's order, so that the rows of every table read back in
  the same order (``Dataset.read``), and only files of one Arrow schema (metadata included),
  which the merged file keeps;
- up to ``target_bytes`` of input per merged file; a file left alone in its group is not
  rewritten, so compacting a compact dataset does nothing;
- streamed row group by row group, so memory stays at a row group, not a file;
- in one transaction (``Transaction.swap``) under the output's lock: readers of the manifest
  see the old files or the new ones, a crash anywhere leaves the dataset readable, and the
  old files are deleted only after the commit (or by the next ``Dataset.recover``).
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field

import pyarrow as pa
import pyarrow.parquet as pq

from storage import fs
from storage.dataset import (
    ROW_GROUP_SIZE,
    Dataset,
    DatasetError,
    PendingNames,
    _dataset_options,
    require_dataset,
    upgrade_needed,
)
from storage.schema import SCHEMA_VERSION

#: Input bytes per compacted file, by default. Files of this size are large enough that
#: opening one costs little next to reading it (a year of hourly runs compacts to a file per
#: partition), small enough that a reader's split or a worker's share of a table is a few of
#: them; and it is the row group size most query engines target. Compaction itself streams,
#: so its memory does not depend on it.
DEFAULT_TARGET_BYTES = 128 * 2**20

_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(i?b?)\s*$", re.IGNORECASE)


def parse_size(text: str) -> int:
    """Bytes in a size such as ``128MiB``, ``64M``, ``1G``, ``500kb`` or ``1048576`` (binary
    multiples: K = 1024).

    Raises:
        ValueError: ``text`` is not such a size, or is not positive.
    """
    match = _SIZE.match(text)
    if not match:
        raise ValueError(f"not a size: {text!r} (examples: 128MiB, 64M, 1G, 1048576)")
    number, unit = float(match.group(1)), match.group(2).lower()
    size = int(number * 1024 ** " kmgt".index(unit or " "))
    if size <= 0:
        raise ValueError(f"not a positive size: {text!r}")
    return size


@dataclass
class TableCompaction:
    """What compaction did to one table."""

    files_before: int = 0
    files_after: int = 0
    bytes_before: int = 0
    bytes_after: int = 0
    #: Rows read from the merged files and written again (rows of files left alone are not counted).
    rows_rewritten: int = 0


@dataclass
class CompactionSummary:
    """What ``compact`` did, table by table (``tables``), and its commit's generation
    (None when there was nothing to compact)."""

    output: str
    target_bytes: int
    tables: dict[str, TableCompaction] = field(default_factory=dict)
    generation: int | None = None

    def one_line(self) -> str:
        """``articles 240 -> 10 files, ...; 12.0 MiB -> 10.5 MiB`` (or that nothing was to do)."""
        parts = [f"{t} {c.files_before} -> {c.files_after} files" for t, c in self.tables.items()]
        before = sum(c.bytes_before for c in self.tables.values())
        after = sum(c.bytes_after for c in self.tables.values())
        done = "compacted" if self.generation is not None else "already compact"
        return f"{done} {self.output}: {', '.join(parts)}; {_mib(before)} -> {_mib(after)}"

    def to_dict(self) -> dict:
        return {
            "output": self.output,
            "target_bytes": self.target_bytes,
            "generation": self.generation,
            "tables": {table: asdict(counts) for table, counts in self.tables.items()},
        }


def _mib(size: int) -> str:
    return f"{size / 2**20:,.1f} MiB"


@dataclass(frozen=True)
class _File:
    """A committed file: its name in the manifest, where it is, its size and schema."""

    relative: str
    path: str
    size: int
    schema: pa.Schema


def _describe(dataset: Dataset, table: str) -> list[_File]:
    """The committed files of ``table``, in the manifest's order, with their sizes and schemas
    (from their footers)."""
    files = []
    for relative, path in zip(dataset.manifest.files[table], dataset.files(table), strict=True):
        with fs.open_file(path) as handle:
            size = handle.seek(0, 2)
            handle.seek(0)
            schema = pq.read_schema(handle)
        files.append(_File(relative, path, size, schema))
    return files


def plan_groups(files: Sequence[_File], target_bytes: int) -> list[list[_File]]:
    """``files`` (a table's, in the manifest's order) cut into groups to merge: consecutive
    files of one folder and one schema, up to ``target_bytes`` together (a file is never
    split). Groups of one file are left out: there is nothing to merge."""
    groups: list[list[_File]] = []
    current: list[_File] = []
    size = 0
    for file in files:
        same = (
            current
            and posixpath.dirname(file.relative) == posixpath.dirname(current[0].relative)
            and file.schema.equals(current[0].schema, check_metadata=True)
            and size + file.size <= target_bytes
        )
        if not same:
            groups.append(current)
            current, size = [], 0
        current.append(file)
        size += file.size
    groups.append(current)
    return [group for group in groups if len(group) > 1]


#: A merged file's row group is written when it has ``ROW_GROUP_SIZE`` rows or this many
#: bytes in memory (articles' text: 64 Ki rows of long stories would be hundreds of MiB).
ROW_GROUP_BYTES = 64 * 2**20


def _merge(group: Sequence[_File], names: PendingNames, relative: str) -> int:
    """Write the rows of ``group``'s files, in order, as one file committed as ``relative``
    (at its pending name), with their schema and the dataset's Parquet options. Small files'
    rows are gathered into row groups of ``ROW_GROUP_SIZE`` rows (or ``ROW_GROUP_BYTES``),
    so memory holds one row group. Returns the rows written."""
    schema = group[0].schema
    path = names.path(relative)
    rows = 0
    buffered: list[pa.RecordBatch] = []
    buffered_rows = buffered_bytes = 0

    def flush(writer: pq.ParquetWriter) -> None:
        nonlocal buffered_rows, buffered_bytes
        if buffered:
            writer.write_table(pa.Table.from_batches(buffered, schema), row_group_size=ROW_GROUP_SIZE)
            buffered.clear()
            buffered_rows = buffered_bytes = 0

    with fs.parquet_writer(path, schema, **_dataset_options(schema)) as writer:
        for file in group:
            with fs.open_file(file.path) as handle:
                for batch in pq.ParquetFile(handle).iter_batches(batch_size=ROW_GROUP_SIZE, use_threads=False):
                    size = batch.nbytes
                    if buffered and (
                        buffered_rows + batch.num_rows > ROW_GROUP_SIZE or buffered_bytes + size > ROW_GROUP_BYTES
                    ):
                        flush(writer)
                    buffered.append(batch)
                    buffered_rows += batch.num_rows
                    buffered_bytes += size
                    rows += batch.num_rows
        flush(writer)
    fs.sync_file(path)
    return rows


def compact_dataset(dataset: Dataset, target_bytes: int = DEFAULT_TARGET_BYTES) -> CompactionSummary:
    """Compact the tables of ``dataset`` (opened for writing: ``Dataset.open``, which holds
    its lock) in one commit; see the module's docstring. Merged files are named
    ``<folder>/part-compact-g<generation>-<n>.parquet``.

    Raises:
        DatasetError: the dataset's files are of an older schema version (the message names
            the command that upgrades it), or it cannot be written.
    """
    if target_bytes <= 0:
        raise DatasetError(f"the target file size must be positive, not {target_bytes}")
    manifest = dataset.manifest
    if manifest.schema_version != SCHEMA_VERSION:
        raise DatasetError(upgrade_needed(dataset.root, manifest.schema_version))
    summary = CompactionSummary(dataset.root, target_bytes)
    transaction = dataset.transaction()
    merged_sizes: list[tuple[str, str]] = []  # (table, relative) of each merged file
    number = 0
    for table in manifest.files:
        files = _describe(dataset, table)
        counts = summary.tables[table] = TableCompaction(
            files_before=len(files), files_after=len(files), bytes_before=sum(f.size for f in files)
        )
        counts.bytes_after = counts.bytes_before
        for group in plan_groups(files, target_bytes):
            name = f"part-compact-g{transaction.generation}-{number:05d}.parquet"
            relative = posixpath.join(posixpath.dirname(group[0].relative), name)
            number += 1
            counts.rows_rewritten += _merge(group, transaction.names, relative)
            transaction.swap(table, [f.relative for f in group], [relative])
            counts.files_after -= len(group) - 1
            counts.bytes_after -= sum(f.size for f in group)
            merged_sizes.append((table, relative))
    if not merged_sizes:
        return summary
    for table, relative in merged_sizes:
        with fs.open_file(transaction.names.path(relative)) as handle:
            summary.tables[table].bytes_after += handle.seek(0, 2)
    transaction.commit()
    summary.generation = transaction.generation
    return summary


def compact(root: str, target_bytes: int = DEFAULT_TARGET_BYTES) -> CompactionSummary:
    """Compact the dataset at ``root`` (a path or URL): take its lock (an ingest running on it
    makes this fail with ``DatasetLockedError``, as a second ingest would), recover from an
    interrupted earlier commit, and merge its small files (``compact_dataset``).

    Raises:
        DatasetError: ``root`` is not a newsdedup dataset, is locked, or cannot be written.
    """
    require_dataset(root)
    with Dataset.open(root) as dataset:
        return compact_dataset(dataset, target_bytes)


def files_per_table(dataset: Dataset) -> dict[str, int]:
    """Committed files of each table the manifest lists (what ``compact`` reduces)."""
    return {table: len(files) for table, files in dataset.manifest.files.items()}
