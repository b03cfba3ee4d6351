"""The output directory as a transactional set of Parquet datasets.

Layout under the output root::

    _manifest.json                      committed files of every table (the source of truth)
    _lock                               held (flock) by the run that is writing
    _staging/<run_id>/                  a running run's intermediate files
    articles/ingest_date=YYYY-MM-DD/part-<run_id>-<group>-<n>.parquet
    duplicates/ingest_date=.../...      rejects/ingest_date=.../...
    signatures/part-<run_id>-<group>-<n>.parquet
    clusters/part-<run_id>.parquet      copies each story gained in a run
    inputs/part-<run_id>.parquet        runs/part-<run_id>.parquet

Every table is append-only: a run adds files and never rewrites a committed one (only the
one-time upgrade of an older dataset does, ``storage.upgrade``).

A run writes its files under hidden names (``.g<generation>.<name>``, which pyarrow, pandas,
DuckDB and Polars readers skip), then replaces the manifest atomically (the commit point),
then renames the files into place. A run that dies before the commit leaves only hidden files,
which the next run deletes; one that dies after it is completed by the next run
(``recover``). Readers therefore only ever see whole files, and the manifest names exactly the
committed ones.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import posixpath
import re
import socket
import uuid
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from storage import fs
from storage.schema import FIXED_SCHEMAS, SCHEMA_VERSION, TABLES, UPGRADABLE_VERSIONS

log = logging.getLogger(__name__)

MANIFEST = "_manifest.json"
LOCK = "_lock"
STAGING = "_staging"
#: Parquet writing options: zstd compresses news text ~4x; row groups of this many rows let
#: readers skip by statistics without making files too fragmented.
COMPRESSION = "zstd"
ROW_GROUP_SIZE = 64 * 1024
#: Columns whose values are (nearly) all different: written without a dictionary, which the
#: Parquet writer would otherwise build for each row group only to drop it when it grows too
#: big (signatures: 4.5 -> 2.3 µs per row written, and a 5% smaller file). Other columns (a
#: run's id, a format, a section, a reason, counts) keep pyarrow's default dictionary.
UNIQUE_COLUMNS = frozenset(
    {
        "article_id",
        "canonical_id",
        "content_hash",
        "record_key",
        "source_path",
        "title",
        "text",
        "url",
        "detail",
        "hashvalues",
    }
)
#: A run's staged files are read once, whole, and deleted: lz4 writes twice and reads three
#: times as fast as zstd (measured on staged batches: 17 vs 44 and 10 vs 33 µs per document);
#: no dictionary pages or column statistics, as no reader filters them (24 -> 15 µs per
#: document written, 2,000 staged documents).
STAGING_OPTIONS = {"compression": "lz4", "use_dictionary": False, "write_statistics": False}

_PENDING = re.compile(r"^\.g(\d+)\.(.+)$")


class DatasetError(Exception):
    """The output directory cannot be used (not writable, corrupt manifest, ...)."""


class DatasetLockedError(DatasetError):
    """Another run is writing to the same output directory."""


def write_parquet(table: pa.Table, path: str) -> None:
    """Write ``table`` to ``path`` (a local path or URL) with the project's Parquet options,
    durably."""
    fs.makedirs(fs.dirname(path))
    with fs.parquet_writer(path, table.schema, **_dataset_options(table.schema)) as writer:
        writer.write_table(table, row_group_size=ROW_GROUP_SIZE)
    fs.sync_file(path)


def _dataset_options(schema: pa.Schema) -> dict:
    """Parquet writer options of a dataset file of ``schema`` (``COMPRESSION``, ``UNIQUE_COLUMNS``)."""
    return {"compression": COMPRESSION, "use_dictionary": [n for n in schema.names if n not in UNIQUE_COLUMNS]}


def with_schema(table: pa.Table, schema: pa.Schema) -> pa.Table:
    """``table`` as ``schema``: columns in its order, those it lacks null (they must be nullable).

    Raises:
        DatasetError: a column ``table`` lacks cannot be null.
    """
    columns = []
    for target in schema:
        if target.name in table.column_names:
            columns.append(table[target.name])
        elif target.nullable:
            columns.append(pa.nulls(table.num_rows, target.type))
        else:
            raise DatasetError(f"a {schema.metadata.get(b'newsdedup.table', b'').decode()} file lacks {target.name}")
    return pa.Table.from_arrays(columns, names=schema.names).cast(schema)


def write_staged(table: pa.Table, path: str) -> None:
    """Write a run's staged ``table`` to ``path`` (``STAGING_OPTIONS``; not synced: a run that
    dies is run again, and its staged files are not the dataset)."""
    fs.makedirs(fs.dirname(path))
    with fs.parquet_writer(path, table.schema, **STAGING_OPTIONS) as writer:
        writer.write_table(table, row_group_size=ROW_GROUP_SIZE)


@dataclass
class Manifest:
    """The committed state: a generation number and the files of each table."""

    generation: int = 0
    files: dict[str, list[str]] = field(default_factory=lambda: {t: [] for t in TABLES})
    signature_settings: dict[str, str] | None = None
    #: The schema version of the committed files (an older one is upgraded by the next commit).
    schema_version: str = SCHEMA_VERSION

    def to_json(self) -> str:
        return json.dumps(
            {
                "format": "newsdedup-dataset",
                "schema_version": self.schema_version,
                "generation": self.generation,
                "signature_settings": self.signature_settings,
                "files": self.files,
            },
            indent=1,
            sort_keys=True,
        )

    @classmethod
    def from_json(cls, text: str) -> Manifest:
        """The manifest in ``text``.

        Raises:
            DatasetError: it is not a newsdedup manifest of this schema version, or not one
                of the shape this module writes.
            ValueError: ``text`` is not JSON.
        """
        data = json.loads(text)
        if not isinstance(data, dict) or data.get("format") != "newsdedup-dataset":
            raise DatasetError("the output's _manifest.json is not a newsdedup manifest")
        version = data.get("schema_version")
        if version != SCHEMA_VERSION and version not in UPGRADABLE_VERSIONS:
            raise DatasetError(_version_problem(version))
        files, generation, settings = data.get("files"), data.get("generation"), data.get("signature_settings")
        if (
            not isinstance(files, dict)
            or not all(isinstance(files.get(t, []), list) for t in TABLES)
            or not all(_is_relative_name(name) for t in TABLES for name in files.get(t, []))
            or not isinstance(generation, int)
            or not (settings is None or isinstance(settings, dict))
        ):
            raise DatasetError("the output's _manifest.json is damaged (not the shape newsdedup writes)")
        return cls(generation, {t: list(files.get(t, [])) for t in TABLES}, settings, version)


def _version_problem(version: object) -> str:
    """Why a dataset of schema ``version`` cannot be opened, and what to do."""
    readable = ", ".join(sorted([*UPGRADABLE_VERSIONS, SCHEMA_VERSION], key=int))
    if isinstance(version, str) and version.isdigit() and int(version) > int(SCHEMA_VERSION):
        return (
            f"the output was written with schema version {version} by a newer newsdedup; this one reads "
            f"versions {readable}: upgrade newsdedup, or ingest into a new output directory"
        )
    return (
        f"the output was written with schema version {version}, which this newsdedup (versions {readable}) "
        "cannot read: ingest into a new output directory"
    )


def require_dataset(root: str) -> None:
    """Refuse a ``root`` that holds no dataset (a command given a wrong folder).

    Raises:
        DatasetError: ``root`` has no ``_manifest.json``.
    """
    if not fs.exists(fs.join(root, "_manifest.json")):
        raise DatasetError(f"{root} is not a newsdedup dataset (no _manifest.json)")


def upgrade_needed(root: str, version: str) -> str:
    """The one line refusing to read an output of an older schema ``version``, naming the
    command that upgrades it."""
    return (
        f"the output {root} was written with schema version {version} by an older newsdedup; "
        f"upgrade it in place, once, with: newsdedup upgrade {root}"
    )


def _is_relative_name(name: object) -> bool:
    """A file name a manifest may hold: a relative path inside the dataset."""
    return isinstance(name, str) and bool(name) and not name.startswith("/") and ".." not in name.split("/")


def _check_complete(missing: Iterable[str]) -> None:
    """Raise if files the manifest names are ``missing`` from the dataset.

    Raises:
        DatasetError: naming the first few missing files.
    """
    missing = sorted(missing)
    if missing:
        shown = ", ".join(missing[:3]) + (f" and {len(missing) - 3} more" if len(missing) > 3 else "")
        raise DatasetError(
            f"the output's manifest names {len(missing)} file(s) that are missing: {shown}"
            " (were they deleted or moved by hand?)"
        )


class Dataset:
    """An output directory: read the committed tables, and commit a run's new files.

    Use ``Dataset.open(root)`` as a context manager: it takes the writer lock and recovers
    from an interrupted earlier run.
    """

    def __init__(self, root: str) -> None:
        self.root = root
        self._lock_handle = None
        self.manifest = Manifest()

    # --- opening, locking, recovery ---------------------------------------------------

    @classmethod
    @contextmanager
    def open(cls, root: str) -> Iterator[Dataset]:
        """Open ``root`` for writing (created if missing), holding its lock until exit.

        Raises:
            DatasetLockedError: another run holds the lock.
            DatasetError: the directory cannot be created or written.
        """
        dataset = cls(root)
        dataset._acquire_lock()
        try:
            dataset.recover()
            yield dataset
        finally:
            dataset._release_lock()

    def _acquire_lock(self) -> None:
        if fs.is_url(self.root):
            self._acquire_store_lock()
            return
        if os.path.exists(self.root) and not os.path.isdir(self.root):
            raise DatasetError(f"cannot write to output {self.root}: it is a file, not a directory")
        try:
            os.makedirs(self.root, exist_ok=True)
            handle = open(os.path.join(self.root, LOCK), "a+")  # noqa: SIM115 (held until release)
        except OSError as error:
            raise DatasetError(f"cannot write to output {self.root}: {error.strerror or error}") from None
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            handle.close()
            raise DatasetLockedError(
                f"output {self.root} is being written by another run ({holder}); try again when it ends"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()}")
        handle.flush()
        self._lock_handle = handle
        if not os.access(self.root, os.W_OK):
            self._release_lock()
            raise DatasetError(f"cannot write to output {self.root}: permission denied")

    def _acquire_store_lock(self) -> None:
        """An object store has no flock: the ``_lock`` object names the run that writes, and
        is deleted when it ends. A run that was killed leaves it behind (the message says
        how to clear it); two runs started at the same instant are not told apart."""
        lock = fs.join(self.root, LOCK)
        try:
            fs.makedirs(self.root)
            if fs.exists(lock):
                with fs.open_file(lock, "r") as handle:
                    holder = handle.read().strip() or "another run"
                raise DatasetLockedError(
                    f"output {self.root} is being written by another run ({holder}); try again when it "
                    f"ends, or delete {lock} if no run is writing"
                )
            with fs.open_file(lock, "w") as handle:
                handle.write(f"pid {os.getpid()} on {socket.gethostname()}")
        except (OSError, ImportError, ValueError) as error:  # unreachable, or no fsspec package for it
            raise DatasetError(f"cannot write to output {self.root}: {error}") from None
        self._lock_handle = lock

    def _release_lock(self) -> None:
        if isinstance(self._lock_handle, str):
            fs.remove(self._lock_handle)
            self._lock_handle = None
        if self._lock_handle is not None:
            fcntl.flock(self._lock_handle, fcntl.LOCK_UN)
            self._lock_handle.close()
            self._lock_handle = None

    def _read_manifest(self) -> Manifest:
        path = fs.join(self.root, MANIFEST)
        if not fs.exists(path):
            return Manifest()
        try:
            with fs.open_file(path, "r") as handle:
                return Manifest.from_json(handle.read())
        except (ValueError, KeyError) as error:
            raise DatasetError(f"the output's manifest {path} is unreadable: {error}") from None

    def recover(self) -> None:
        """Bring the directory in line with the manifest: finish publishing the files of the
        last committed run, delete files no commit names, and clear staging."""
        self.manifest = self._read_manifest()
        committed = {path for files in self.manifest.files.values() for path in files}
        present = set()
        for table in TABLES:
            for full in fs.files_under(fs.join(self.root, table)):
                name = fs.basename(full)
                rel = fs.relative(full, self.root)
                pending = _PENDING.match(name)
                if pending:
                    final = posixpath.join(posixpath.dirname(rel), pending.group(2))
                    if int(pending.group(1)) == self.manifest.generation and final in committed:
                        log.info("completing interrupted commit: %s", final)
                        fs.replace(full, fs.join(self.root, final))
                        present.add(final)
                    else:
                        log.info("removing uncommitted file %s", rel)
                        fs.remove(full)
                elif rel not in committed and name.endswith(".parquet"):
                    log.info("removing file not in the manifest: %s", rel)
                    fs.remove(full)
                else:
                    present.add(rel)
        _check_complete(committed - present)
        fs.remove_tree(fs.join(self.root, STAGING))

    # --- reading ---------------------------------------------------------------------

    @classmethod
    def for_reading(cls, root: str) -> Dataset:
        """Open ``root`` read-only (no lock, no recovery): ``read`` returns exactly the last
        committed state, even while a writer is publishing it or after it was killed."""
        dataset = cls(root)
        dataset.manifest = dataset._read_manifest()
        if dataset.manifest.schema_version != SCHEMA_VERSION:
            raise DatasetError(upgrade_needed(root, dataset.manifest.schema_version))
        committed = {path for files in dataset.manifest.files.values() for path in files}
        present = set()
        for table in TABLES:
            present.update(fs.relative(full, root) for full in fs.files_under(fs.join(root, table)))
        # A file of the last commit not renamed into place yet is read from its pending name
        # (``files``); one renamed while the folder was listed may have been missed: looked at again.
        _check_complete(f for f in committed - present if not fs.exists(dataset._committed_path(f)))
        return dataset

    def files(self, table: str) -> list[str]:
        """Absolute paths of the committed files of ``table``. A file of the last commit that
        is not renamed into place yet is read from its pending name."""
        return [self._committed_path(rel) for rel in self.manifest.files[table]]

    def _committed_path(self, relative: str) -> str:
        """Where the committed file ``relative`` is: its pending name while the last commit
        is being published, else its own."""
        final = fs.join(self.root, relative)
        pending = fs.join(fs.dirname(final), f".g{self.manifest.generation}.{fs.basename(final)}")
        return pending if fs.exists(pending) else final

    def read(self, table: str, columns: list[str] | None = None) -> pa.Table | None:
        """The committed rows of ``table`` (only ``columns`` if given), or None if empty. The
        columns a table gained since the dataset's schema version are null in its older rows."""
        if table in UPGRADABLE_VERSIONS.get(self.manifest.schema_version, ()):
            # Files written before those columns: read the wanted columns they have, null the rest.
            schema = FIXED_SCHEMAS[table]
            if columns is not None:
                schema = pa.schema([schema.field(name) for name in columns], metadata=schema.metadata)
            parts = [with_schema(fs.read_parquet_present(path, schema.names), schema) for path in self.files(table)]
        else:
            parts = [fs.read_parquet(path, columns) for path in self.files(table)]
        if not parts:
            return None
        return pa.concat_tables(parts, promote_options="default")

    def read_matching(
        self, table: str, key: str, values: Sequence[object], columns: list[str] | None = None
    ) -> pa.Table | None:
        """The committed rows of ``table`` whose ``key`` column holds one of ``values`` (only
        ``columns`` if given), or None if the table is empty. Each file's ``key`` column is
        read first, then only the row groups holding a match (``fs.read_parquet_matching``)."""
        wanted = pa.array(values)
        parts = [fs.read_parquet_matching(path, key, wanted, columns) for path in self.files(table)]
        if not parts:
            return None
        return pa.concat_tables(parts, promote_options="default")

    def stored_among(self, tables: Sequence[str], column: str, values: Sequence[object] | pa.Array) -> pa.Array:
        """Which of ``values`` the committed rows of ``tables`` hold in ``column``, read one
        file's row group of that column at a time: memory follows the values looked up and
        one row group, not the tables."""
        wanted = pc.unique(pa.array(values) if not isinstance(values, pa.Array) else values)
        found = [fs.parquet_values_among(path, column, wanted) for table in tables for path in self.files(table)]
        found = [part for part in found if len(part)]
        return pc.unique(pa.concat_arrays(found)) if found else wanted.slice(0, 0)

    def count(self, table: str) -> int:
        """Committed rows of ``table`` (from the Parquet footers, no data read)."""
        return sum(fs.parquet_rows(path) for path in self.files(table))

    def staging_dir(self, run_id: str) -> str:
        path = fs.join(self.root, STAGING, run_id)
        fs.makedirs(path)
        return path

    def clear_staging(self, run_id: str) -> None:
        fs.remove_tree(fs.join(self.root, STAGING, run_id))

    # --- committing ------------------------------------------------------------------

    def transaction(self) -> Transaction:
        """Start collecting a run's files; nothing is visible until ``commit``."""
        return Transaction(self)


@dataclass(frozen=True)
class PendingNames:
    """The hidden names of a transaction's files before its commit (``.g<generation>.<name>``)."""

    root: str
    generation: int

    def path(self, relative: str) -> str:
        """Where to write the file that will be committed as ``relative`` (its folder is made)."""
        final = fs.join(self.root, relative)
        fs.makedirs(fs.dirname(final))
        return fs.join(fs.dirname(final), f".g{self.generation}.{fs.basename(final)}")


class Transaction:
    """The files one run adds (or rewrites), committed together or not at all.

    Files are written under hidden pending names; ``commit`` replaces the manifest (the
    commit point) and then renames them into place (redone by ``Dataset.recover`` if the
    process dies in between).
    """

    def __init__(self, dataset: Dataset) -> None:
        self.dataset = dataset
        self.generation = dataset.manifest.generation + 1
        #: Where files are written before the commit (picklable: worker processes write too).
        self.names = PendingNames(dataset.root, self.generation)
        self._pending: list[tuple[str, str]] = []
        self._added: dict[str, list[str]] = {t: [] for t in TABLES}
        #: Committed files rewritten by this run (``replace``), already in the current schema.
        self._replaced: set[str] = set()
        #: Committed files this transaction takes out of each table (``swap``): each entry
        #: the files replaced and the files put in their place.
        self._swapped: dict[str, list[tuple[list[str], list[str]]]] = {}

    def pending_path(self, relative: str) -> str:
        """Where to write the file that will be committed as ``relative``."""
        return self.names.path(relative)

    def add(self, table: str, relative: str) -> None:
        """Register a file written at ``pending_path(relative)`` as a new file of ``table``."""
        self._pending.append((self.pending_path(relative), fs.join(self.dataset.root, relative)))
        self._added[table].append(relative)

    def write(self, table: str, relative: str, data: pa.Table) -> None:
        """Write a whole (small) table as a new file of ``table``."""
        write_parquet(data, self.pending_path(relative))
        self.add(table, relative)

    def replace(self, table: str, relative: str, data: pa.Table) -> None:
        """Rewrite a committed file of ``table`` with new contents (same name), in the table's
        current schema (columns it gained since the file was written are null). Only the
        upgrade of an older dataset does (``storage.upgrade``): an ingest run only adds files."""
        if relative not in self.dataset.manifest.files[table]:
            raise DatasetError(f"cannot replace {relative}: it is not a committed file")
        if table in FIXED_SCHEMAS:
            data = with_schema(data, FIXED_SCHEMAS[table])
        write_parquet(data, self.pending_path(relative))
        self._pending.append((self.pending_path(relative), fs.join(self.dataset.root, relative)))
        self._replaced.add(relative)

    def swap(self, table: str, old: Sequence[str], new: Sequence[str]) -> None:
        """Replace the committed files ``old`` of ``table`` by ``new`` files (written at their
        ``pending_path``), which take the place of the first of ``old`` in the manifest's
        order. Compaction's step: ``old`` are deleted once the commit is published (a
        crash before leaves them for ``Dataset.recover``, which deletes files no commit names)."""
        manifest = self.dataset.manifest
        if manifest.schema_version != SCHEMA_VERSION:  # (the commit's upgrade would rewrite ``old``)
            raise DatasetError(f"cannot swap files of a dataset of schema version {manifest.schema_version}")
        committed = set(manifest.files[table])
        if not old or any(name not in committed for name in old):
            raise DatasetError(f"cannot swap files of {table}: not all of them are committed files")
        self._swapped.setdefault(table, []).append((list(old), list(new)))

    def _files_after_swaps(self, table: str) -> list[str]:
        """The committed files of ``table`` with this transaction's swaps done, in order."""
        files = self.dataset.manifest.files[table]
        swaps = self._swapped.get(table, [])
        if not swaps:
            return list(files)
        first = {old[0]: new for old, new in swaps}
        gone = {name for old, _ in swaps for name in old}
        result: list[str] = []
        for name in files:
            if name in first:
                result.extend(first[name])
            elif name not in gone:
                result.append(name)
        return result

    def upgrade_columns(self) -> None:
        """Rewrite the committed files of the tables that gained columns since the dataset's
        schema version (``UPGRADABLE_VERSIONS``) with those columns null."""
        for table in UPGRADABLE_VERSIONS.get(self.dataset.manifest.schema_version, ()):
            schema = FIXED_SCHEMAS[table]
            for relative, path in zip(self.dataset.manifest.files[table], self.dataset.files(table), strict=True):
                if relative in self._replaced:
                    continue  # already rewritten by this run, in the current schema
                data = fs.read_parquet(path)
                if data.schema.names != schema.names:
                    self.replace(table, relative, with_schema(data, schema))

    def commit(self, signature_settings: dict[str, str] | None = None, upgrade: bool = False) -> None:
        """Make every registered file visible at once. The dataset must be of this schema
        version, unless the transaction is its ``upgrade`` (``storage.upgrade``), which this
        commit completes.

        Raises:
            DatasetError: the dataset is of an older schema version (naming the command that
                upgrades it).
        """
        dataset = self.dataset
        if dataset.manifest.schema_version != SCHEMA_VERSION and not upgrade:
            raise DatasetError(upgrade_needed(dataset.root, dataset.manifest.schema_version))
        old = dataset.manifest
        files = {t: self._files_after_swaps(t) + self._added[t] for t in TABLES}
        manifest = Manifest(self.generation, files, signature_settings or old.signature_settings)
        if fs.is_url(dataset.root):
            # One object written whole: atomic on object stores, the commit point.
            with fs.open_file(fs.join(dataset.root, MANIFEST), "w") as handle:
                handle.write(manifest.to_json())
        else:
            tmp = os.path.join(dataset.root, f".{MANIFEST}.{uuid.uuid4().hex}.tmp")
            with open(tmp, "w", encoding="utf-8") as handle:
                handle.write(manifest.to_json())
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, os.path.join(dataset.root, MANIFEST))  # the commit point
            fs.sync_directory(dataset.root)
        dataset.manifest = manifest
        for hidden, final in self._pending:
            fs.replace(hidden, final)
        # Swapped files: the new ones into place, then the old ones deleted, one swap after the
        # other (a reader that lists the folder itself, not the manifest, sees a swap's rows
        # twice for that moment only). A crash in between is finished by ``recover``.
        for swaps in self._swapped.values():
            for old_files, new_files in swaps:
                for relative in new_files:
                    fs.replace(self.names.path(relative), fs.join(dataset.root, relative))
                for relative in old_files:
                    fs.remove(fs.join(dataset.root, relative))


class RollingWriter:
    """Streams tables into Parquet files of at most ``max_rows`` rows each, at the pending
    names of a transaction (``PendingNames``), which registers them (``files``) when they
    are done. File names: ``<prefix>-<n>.parquet``."""

    def __init__(self, names: PendingNames, schema: pa.Schema, prefix: str, max_rows: int = 250_000) -> None:
        self.names = names
        self.schema = schema
        self.prefix = prefix
        self.max_rows = max_rows
        self.rows = 0
        #: The finished files (relative to the dataset's root).
        self.files: list[str] = []
        self._writer: pq.ParquetWriter | None = None
        self._relative = ""
        self._file_rows = 0

    def write(self, batch: pa.Table) -> None:
        if batch.num_rows == 0:
            return
        if self._writer is not None and self._file_rows + batch.num_rows > self.max_rows:
            self._close_file()
        if self._writer is None:
            self._open_file()
        self._writer.write_table(batch.cast(self.schema), row_group_size=ROW_GROUP_SIZE)
        self._file_rows += batch.num_rows
        self.rows += batch.num_rows

    def _open_file(self) -> None:
        self._relative = f"{self.prefix}-{len(self.files):05d}.parquet"
        path = self.names.path(self._relative)
        self._writer = fs.parquet_writer(path, self.schema, **_dataset_options(self.schema))

    def _close_file(self) -> None:
        self._writer.close()
        fs.sync_file(self.names.path(self._relative))
        self.files.append(self._relative)
        self._writer, self._file_rows = None, 0

    def close(self, empty_file: bool = False) -> list[str]:
        """Finish the last file and return the files written. With ``empty_file``, a writer
        that got no rows writes a file of none (so that readers find the table's schema)."""
        if self._writer is None and not self.files and empty_file:
            self._open_file()
        if self._writer is not None:
            self._close_file()
        return self.files
