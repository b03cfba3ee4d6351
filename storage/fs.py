"""File operations on a local path or any fsspec URL (``s3://``, ``gs://``, ``abfs://``, ...).

A plain path is a local directory with POSIX guarantees the dataset's commit protocol uses:
``fsync``, atomic ``rename`` and ``flock``. A URL goes through fsspec (install the matching
package: s3fs, gcsfs, adlfs): object stores have no rename or fsync, but a single object
write is atomic, which is all the commit point (the manifest) needs; moving the files
into place is redone by the next run if a run dies in between (``Dataset.recover``).

Paths are strings throughout; ``join`` keeps a URL's protocol.
"""

from __future__ import annotations

import os
import posixpath
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO, Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq


def is_url(path: str) -> bool:
    """Whether ``path`` names a location through fsspec (it has a protocol: ``s3://...``)."""
    return "://" in path


def _fs_and_path(url: str):
    """The fsspec filesystem of ``url`` and the path within it (without the protocol)."""
    import fsspec

    filesystem, path = fsspec.core.url_to_fs(url)
    return filesystem, path


def join(base: str, *parts: str) -> str:
    """``base`` joined with ``parts`` by "/" (for URLs) or the OS separator."""
    return posixpath.join(base, *parts) if is_url(base) else os.path.join(base, *parts)


def dirname(path: str) -> str:
    return posixpath.dirname(path) if is_url(path) else os.path.dirname(path)


def basename(path: str) -> str:
    return posixpath.basename(path) if is_url(path) else os.path.basename(path)


def relative(path: str, start: str) -> str:
    """``path`` relative to ``start`` (both local, or both URLs of one filesystem)."""
    if is_url(path):
        return posixpath.relpath(_fs_and_path(path)[1], _fs_and_path(start)[1])
    return os.path.relpath(path, start)


def makedirs(path: str) -> None:
    if is_url(path):
        filesystem, inner = _fs_and_path(path)
        filesystem.makedirs(inner, exist_ok=True)
    else:
        os.makedirs(path, exist_ok=True)


def exists(path: str) -> bool:
    if is_url(path):
        filesystem, inner = _fs_and_path(path)
        return filesystem.exists(inner)
    return os.path.exists(path)


@contextmanager
def open_file(path: str, mode: str = "rb") -> Iterator[IO]:
    """Open a file for reading or (over)writing; text modes use UTF-8."""
    text = {} if "b" in mode else {"encoding": "utf-8"}
    if is_url(path):
        filesystem, inner = _fs_and_path(path)
        with filesystem.open(inner, mode, **text) as handle:
            yield handle
    else:
        with open(path, mode, **text) as handle:
            yield handle


def replace(source: str, target: str) -> None:
    """Move ``source`` to ``target`` (atomic on a local disk; copy and delete on a store)."""
    if is_url(source):
        filesystem, inner = _fs_and_path(source)
        filesystem.mv(inner, _fs_and_path(target)[1])
    else:
        os.replace(source, target)


def remove(path: str) -> None:
    if is_url(path):
        filesystem, inner = _fs_and_path(path)
        filesystem.rm(inner)
    else:
        os.remove(path)


def remove_tree(path: str) -> None:
    """Delete a directory and everything under it, if it exists."""
    if is_url(path):
        filesystem, inner = _fs_and_path(path)
        if filesystem.exists(inner):
            filesystem.rm(inner, recursive=True)
    else:
        shutil.rmtree(path, ignore_errors=True)


def files_under(directory: str) -> list[str]:
    """Every file below ``directory`` (recursively), as full paths or URLs, sorted."""
    if is_url(directory):
        filesystem, inner = _fs_and_path(directory)
        if not filesystem.exists(inner):
            return []
        return sorted(filesystem.unstrip_protocol(path) for path in filesystem.find(inner))
    return sorted(os.path.join(root, name) for root, _, names in os.walk(directory) for name in names)


def sync_file(path: str) -> None:
    """Flush a written local file to disk (a no-op for a store: a written object is durable)."""
    if is_url(path):
        return
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def sync_directory(path: str) -> None:
    """Make a local directory's renames durable (a no-op for a store)."""
    sync_file(path)


def read_parquet(path: str, columns: list[str] | None = None) -> pa.Table:
    if is_url(path):
        filesystem, inner = _fs_and_path(path)
        return pq.read_table(inner, columns=columns, filesystem=filesystem)
    return pq.read_table(path, columns=columns)


def read_parquet_present(path: str, columns: list[str]) -> pa.Table:
    """The ``columns`` a Parquet file has (one written before a column was added lacks it)."""
    with open_file(path) as handle:
        parquet = pq.ParquetFile(handle)
        return parquet.read(columns=[c for c in columns if c in parquet.schema_arrow.names])


def read_parquet_matching(path: str, key: str, values: pa.Array, columns: list[str] | None = None) -> pa.Table:
    """The rows of a Parquet file whose ``key`` column holds one of ``values`` (only
    those of ``columns`` it has, if given).

    The ``key`` column is read first, then only the row groups holding a match: a lookup
    of a few rows never decodes the other row groups' (say) text.
    """
    with open_file(path) as handle:
        parquet = pq.ParquetFile(handle)
        groups = []
        if key not in parquet.schema_arrow.names:  # (written before the column was kept: no match)
            return parquet.schema_arrow.empty_table().select(columns or parquet.schema_arrow.names)
        for group in range(parquet.metadata.num_row_groups):
            keys = parquet.read_row_group(group, columns=[key])[key]
            if pc.any(pc.is_in(keys, value_set=values)).as_py():
                groups.append(group)
        # (a file written before a column was added lacks it: the caller's concat fills it in)
        present = [c for c in columns if c in parquet.schema_arrow.names] if columns is not None else None
        wanted = None if present is None else list(dict.fromkeys([*present, key]))
        table = parquet.read_row_groups(groups, columns=wanted)
    table = table.filter(pc.is_in(table[key], value_set=values))
    return table if present is None else table.select(present)


def parquet_rows(path: str) -> int:
    """Rows of a Parquet file, from its footer."""
    with open_file(path) as handle:
        return pq.read_metadata(handle).num_rows


def parquet_writer(path: str, schema: pa.Schema, **options: Any) -> pq.ParquetWriter:
    """A Parquet writer of ``path`` (``options``: ``pyarrow.parquet.ParquetWriter``'s)."""
    if is_url(path):
        filesystem, inner = _fs_and_path(path)
        return pq.ParquetWriter(inner, schema, filesystem=filesystem, **options)
    return pq.ParquetWriter(path, schema, **options)


def write_arrow_batches(path: str, schema: pa.Schema, batches: list[pa.RecordBatch]) -> None:
    """Write an Arrow IPC file of ``batches`` (each readable alone with ``read_arrow_batch``)."""
    with open_file(path, "wb") as sink, pa.ipc.new_file(sink, schema) as writer:
        for batch in batches:
            writer.write_batch(batch)


def read_arrow_batch(path: str, index: int) -> pa.RecordBatch:
    """Record batch ``index`` of an Arrow IPC file (memory-mapped when local)."""
    if is_url(path):
        with open_file(path, "rb") as source:
            return pa.ipc.open_file(source).get_batch(index)
    with pa.memory_map(path) as source:
        return pa.ipc.open_file(source).get_batch(index)


def save_array(path: str, array: np.ndarray) -> None:
    with open_file(path, "wb") as handle:
        np.save(handle, array)


def load_array(path: str) -> np.ndarray:
    """An array written by ``save_array`` (memory-mapped when local)."""
    if is_url(path):
        with open_file(path, "rb") as handle:
            return np.load(handle)
    return np.load(path, mmap_mode="r")


def parquet_values_among(path: str, column: str, values: pa.Array) -> pa.Array:
    """The distinct ``values`` that ``column`` of a Parquet file holds, read one row group of
    that column at a time (a file without the column holds none)."""
    found = []
    with open_file(path) as handle:
        parquet = pq.ParquetFile(handle)
        if column not in parquet.schema_arrow.names:
            return values.slice(0, 0)
        for group in range(parquet.metadata.num_row_groups):
            keys = parquet.read_row_group(group, columns=[column])[column]
            hits = keys.filter(pc.is_in(keys, value_set=values))
            if len(hits):
                found.append(hits.combine_chunks())
    return pc.unique(pa.concat_arrays(found)) if found else values.slice(0, 0)
