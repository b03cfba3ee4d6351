"""Write a run's decisions into the dataset, in one transaction.

The run-level orchestration of the write (which rows go to which table, cluster sizes,
rejects, the input ledger and the run's row); ``storage`` below it knows only files and
commits, nothing of dedup or parsing. Every table only gains files: a story that gains
copies gets a ``clusters/`` row, its article's file is left as it is.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime

import pyarrow as pa
import pyarrow.compute as pc

from dedup.partitioned import KNOWN, TaskMap
from dedup.signatures import SignatureSettings
from parsers.discover import InputFile, other_types_line, printable_path
from storage import fs
from storage.clusters import cluster_sizes
from storage.dataset import Dataset, PendingNames, RollingWriter
from storage.schema import ARTICLES, CLUSTERS, DUPLICATES, INPUTS, REJECTS, RUNS, signatures_schema
from storage.tables import article_rows, duplicate_rows


@dataclass
class RunSummary:
    """What one run did; printed by the CLI and stored in ``runs/``."""

    run_id: str
    output: str
    files_read: int = 0
    #: Files skipped because an earlier run ingested them unchanged (same path, size, mtime).
    files_unchanged: int = 0
    records_read: int = 0
    articles: int = 0
    duplicates: int = 0
    rejects: int = 0
    skipped_known: int = 0
    rejects_by_reason: dict[str, int] = field(default_factory=dict)
    seconds_by_stage: dict[str, float] = field(default_factory=dict)
    #: Files in the input directories of types the pipeline does not read (skipped), by type
    #: (``parsers.discover.file_type``), most frequent first.
    other_types: dict[str, int] = field(default_factory=dict)
    #: LSH candidate pairs the dedup stage verified (its work; not stored in ``runs/``).
    dedup_candidates: int = 0

    def one_line(self) -> str:
        unchanged = f" ({self.files_unchanged} unchanged files skipped)" if self.files_unchanged else ""
        return (
            f"{self.files_read} files read{unchanged}, {self.records_read} records: {self.articles} articles kept, "
            f"{self.duplicates} duplicates, {self.rejects} rejects"
            + (f", {self.skipped_known} already ingested" if self.skipped_known else "")
            + (f"; {other_types_line(self.other_types)}" if self.other_types else "")
        )

    def to_dict(self) -> dict:
        return asdict(self)


def _cluster_growth(decisions: Sequence[pa.Table]) -> Counter[str]:
    """Copies this run adds to each story (by canonical id)."""
    growth: Counter[str] = Counter()
    for table in decisions:
        counts = pc.value_counts(table["canonical_id"].drop_null())
        growth.update(dict(zip(counts.field("values").to_pylist(), counts.field("counts").to_pylist(), strict=True)))
    return growth


def _clusters_rows(growth: Counter[str], sizes: dict[str, int], run_id: str) -> pa.Table:
    """This run's ``clusters/`` rows: copies added to each story, and its size after the run."""
    ids = sorted(growth)
    return pa.table(
        {
            "article_id": ids,
            "copies_added": [growth[i] for i in ids],
            "cluster_size": [sizes[i] for i in ids],
            "run_id": [run_id] * len(ids),
        },
        schema=CLUSTERS,
    )


#: A task of the final write gets at least this many staged rows (unless the run has fewer):
#: smaller tasks would make small files and save little time.
MIN_WRITE_TASK_ROWS = 20_000
#: Rows in one file of a table, at most.
MAX_FILE_ROWS = 250_000


def write_groups(rows: Sequence[int], workers: int, max_rows: int = MAX_FILE_ROWS) -> list[range]:
    """Consecutive staged files (``rows``: the rows of each) cut into groups, one task of the
    final write each: about a worker's share of the rows, at least ``MIN_WRITE_TASK_ROWS`` and
    at most ``max_rows`` (a group of one staged file may have more)."""
    target = min(max_rows, max(MIN_WRITE_TASK_ROWS, math.ceil(sum(rows) / max(workers, 1))))
    groups: list[range] = []
    start = count = 0
    for index, n in enumerate(rows):
        if index > start and count + n > target:
            groups.append(range(start, index))
            start, count = index, 0
        count += n
    if start < len(rows):
        groups.append(range(start, len(rows)))
    return groups


@dataclass(frozen=True)
class WrittenGroup:
    """What one task of the final write wrote: files and rows per table, and the rows it
    skipped because an earlier run stored their records."""

    files: dict[str, list[str]]
    rows: dict[str, int]
    skipped_known: int


def write_decided(
    staged_paths: Sequence[str],
    decisions: pa.Table,
    final_sizes: dict[str, int],
    names: PendingNames,
    prefixes: dict[str, str],
    signature_schema: pa.Schema,
    run_id: str,
    started_at: datetime,
) -> WrittenGroup:
    """Write the articles, duplicates and signatures of ``staged_paths`` as ``decisions``
    decided (their rows' decisions, file after file, see ``commit_run``), at the transaction's
    pending ``names``, in files named ``prefixes[table]-<n>.parquet``. A task: runs in a
    worker. ``final_sizes``: the cluster size of each story that has copies."""
    articles = RollingWriter(names, ARTICLES, prefixes["articles"], MAX_FILE_ROWS)
    duplicates = RollingWriter(names, DUPLICATES, prefixes["duplicates"], MAX_FILE_ROWS)
    signatures = RollingWriter(names, signature_schema, prefixes["signatures"], MAX_FILE_ROWS)
    skipped_known = offset = 0
    for path in staged_paths:
        staged = fs.read_parquet(path)
        decided = decisions.slice(offset, staged.num_rows)
        offset += staged.num_rows
        known = pc.equal(decided["method"], KNOWN)
        is_copy = pc.is_valid(decided["canonical_id"])
        is_new = pc.invert(pc.or_(is_copy, known))
        skipped_known += pc.sum(known).as_py() or 0
        if pc.any(is_new).as_py():
            rows = staged.filter(is_new)
            ids = rows["article_id"].to_pylist()
            articles.write(article_rows(rows, [final_sizes.get(i, 1) for i in ids], run_id, started_at))
            signatures.write(
                pa.table(
                    {
                        "article_id": rows["article_id"],
                        "hashvalues": rows["hashvalues"],
                        "shingle_count": rows["shingle_count"],
                        "word_count": rows["word_count"],
                        "run_id": pa.array([run_id] * rows.num_rows, pa.string()),
                    }
                )
            )
        if pc.any(is_copy).as_py():
            chosen = decided.filter(is_copy)
            canonical_ids = chosen["canonical_id"].to_pylist()
            duplicates.write(
                duplicate_rows(
                    staged.filter(is_copy),
                    [final_sizes[c] for c in canonical_ids],
                    canonical_ids,
                    chosen["similarity"].to_pylist(),
                    chosen["method"].to_pylist(),
                    run_id,
                    started_at,
                )
            )
    writers = {"articles": articles, "duplicates": duplicates, "signatures": signatures}
    return WrittenGroup(
        {table: writer.close() for table, writer in writers.items()},
        {table: writer.rows for table, writer in writers.items()},
        skipped_known,
    )


def _copied(tables: Sequence[pa.Table]) -> pa.Table:
    """``tables`` as one table of buffers of its own. The decisions are slices of one table:
    a slice sent to a worker process is pickled with the whole table's buffers (pyarrow 26),
    which at a million documents took the write to 8 GiB."""
    table = pa.concat_tables(tables)
    return table.take(pa.array(range(table.num_rows), pa.int64())) if table.num_rows else table


def commit_run(
    dataset: Dataset,
    summary: RunSummary,
    staged_paths: Sequence[str],
    decisions: Sequence[pa.Table],
    reject_paths: Sequence[str],
    stored_record_keys: pa.Array,
    read_inputs: Sequence[InputFile],
    inputs: Sequence[str],
    settings_json: str,
    signature_settings: SignatureSettings,
    started_at: datetime,
    finished_at: datetime,
    run_tasks: TaskMap,
    workers: int,
) -> RunSummary:
    """Write articles, duplicates, signatures, rejects and the run row, then commit.

    ``decisions[i]`` decides the staged rows of ``staged_paths[i]`` (``dedup.partitioned.
    place_run``); rejects whose record key is in ``stored_record_keys`` were stored by an
    earlier run and are skipped.
    ``read_inputs`` (the files this run read) are added to the ``inputs/`` ledger.
    Articles, duplicates and signatures are written by tasks on ``run_tasks`` (``write_decided``
    over ``write_groups`` for ``workers``), all under the transaction's pending names.
    Counts are added to ``summary``, which is returned.
    """
    run_id = summary.run_id
    day = started_at.strftime("%Y-%m-%d")
    transaction = dataset.transaction()
    growth = _cluster_growth(decisions)
    # Committed files are never rewritten: a stored story's new size is a clusters/ row.
    stored_size = cluster_sizes(dataset, list(growth))
    final_sizes = {canonical: added + stored_size.get(canonical, 1) for canonical, added in growth.items()}

    sig_schema = signatures_schema(signature_settings.num_perm).with_metadata(
        {**signatures_schema(signature_settings.num_perm).metadata, **signature_settings.as_metadata()}
    )
    schemas = {"articles": ARTICLES, "duplicates": DUPLICATES, "signatures": sig_schema}
    folders = {
        "articles": f"articles/ingest_date={day}",
        "duplicates": f"duplicates/ingest_date={day}",
        "signatures": "signatures",
    }
    groups = write_groups([d.num_rows for d in decisions], workers)
    written: list[WrittenGroup] = run_tasks(
        write_decided,
        [
            (
                [staged_paths[i] for i in group],
                _copied([decisions[i] for i in group]),
                final_sizes,
                transaction.names,
                {table: f"{folder}/part-{run_id}-{number:04d}" for table, folder in folders.items()},
                sig_schema,
                run_id,
                started_at,
            )
            for number, group in enumerate(groups)
        ],
    )
    for table, schema in schemas.items():
        files = [name for group in written for name in group.files[table]]
        if not files and not dataset.manifest.files[table]:  # readers find the table's schema
            files = RollingWriter(transaction.names, schema, f"{folders[table]}/part-{run_id}").close(empty_file=True)
        for name in files:
            transaction.add(table, name)
    summary.skipped_known += sum(group.skipped_known for group in written)
    rejects = RollingWriter(transaction.names, REJECTS, f"rejects/ingest_date={day}/part-{run_id}", MAX_FILE_ROWS)
    reasons: Counter[str] = Counter()
    seen: set[str] = set()
    for path in reject_paths:
        table = fs.read_parquet(path)
        stored = pc.is_in(table["record_key"], value_set=stored_record_keys).to_pylist()
        keep = []
        for row, (key, is_stored) in enumerate(zip(table["record_key"].to_pylist(), stored, strict=True)):
            if is_stored or key in seen:
                summary.skipped_known += 1
            else:
                seen.add(key)
                keep.append(row)
        table = table.take(pa.array(keep, pa.int64()))
        reasons.update(table["reason"].to_pylist())
        rejects.write(table)
    for name in rejects.close(empty_file=not dataset.manifest.files["rejects"]):
        transaction.add("rejects", name)
    if growth or not dataset.manifest.files["clusters"]:  # (an empty first file: readers find the schema)
        transaction.write("clusters", f"clusters/part-{run_id}.parquet", _clusters_rows(growth, final_sizes, run_id))
    summary.articles = sum(group.rows["articles"] for group in written)
    summary.duplicates = sum(group.rows["duplicates"] for group in written)
    summary.rejects = rejects.rows
    summary.rejects_by_reason = dict(sorted(reasons.items()))
    # (a file whose size is unknown is read again by every run: the ledger does not list it)
    ledger = [f for f in read_inputs if f.size >= 0]
    if ledger:
        transaction.write(
            "inputs",
            f"inputs/part-{run_id}.parquet",
            pa.table(
                {
                    "source_path": [f.source_path for f in ledger],
                    "path": [printable_path(f.path) for f in ledger],
                    "size": [f.size for f in ledger],
                    "mtime_ns": [f.mtime_ns for f in ledger],
                    "run_id": [run_id] * len(ledger),
                },
                schema=INPUTS,
            ),
        )
    transaction.write(
        "runs",
        f"runs/part-{run_id}.parquet",
        pa.table(
            {
                "run_id": [run_id],
                "started_at": [started_at],
                "finished_at": [finished_at],
                "inputs": [[printable_path(i) for i in inputs]],
                "files_read": [summary.files_read],
                "files_unchanged": [summary.files_unchanged],
                "records_read": [summary.records_read],
                "articles": [summary.articles],
                "duplicates": [summary.duplicates],
                "rejects": [summary.rejects],
                "skipped_known": [summary.skipped_known],
                "settings": [settings_json],
                "files_other_types": [sum(summary.other_types.values())],
                "other_types": [list(summary.other_types.items())],
            },
            schema=RUNS,
        ),
    )
    transaction.commit({k.decode(): v.decode() for k, v in signature_settings.as_metadata().items()})
    return summary
