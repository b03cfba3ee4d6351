"""Write a run's decisions into the dataset, in one transaction."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime

import pyarrow as pa
import pyarrow.compute as pc

from dedup.partitioned import KNOWN, TaskMap
from dedup.signatures import SignatureSettings
from parsers.discover import InputFile
from storage import fs
from storage.dataset import Dataset, PendingFiles, RollingWriter
from storage.schema import ARTICLES, DUPLICATES, INPUTS, REJECTS, RUNS, signatures_schema
from storage.tables import article_rows, duplicate_rows, with_cluster_sizes


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

    def one_line(self) -> str:
        unchanged = f" ({self.files_unchanged} unchanged files skipped)" if self.files_unchanged else ""
        return (
            f"{self.files_read} files read{unchanged}, {self.records_read} records: {self.articles} articles kept, "
            f"{self.duplicates} duplicates, {self.rejects} rejects"
            + (f", {self.skipped_known} already ingested" if self.skipped_known else "")
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


def _stored_cluster_sizes(dataset: Dataset, transaction, growth: Counter[str]) -> dict[str, int]:
    """Rewrite committed article files whose stories gained copies; return their new sizes."""
    sizes: dict[str, int] = {}
    for relative, path in zip(dataset.manifest.files["articles"], dataset.files("articles"), strict=True):
        ids = fs.read_parquet(path, ["article_id"])["article_id"]
        if not pc.any(pc.is_in(ids, pa.array(list(growth), pa.string()))).as_py():
            continue
        table = with_cluster_sizes(fs.read_parquet(path), growth)
        transaction.replace("articles", relative, table.cast(ARTICLES))
        for article_id, size in zip(table["article_id"].to_pylist(), table["cluster_size"].to_pylist(), strict=True):
            if article_id in growth:
                sizes[article_id] = size
    return sizes


#: Staged rows per write task. Each task writes its own article, duplicate and signature
#: files, the run's tasks in parallel on its workers; a smaller run writes one set of files.
WRITE_TASK_ROWS = 50_000


@dataclass(frozen=True)
class WritePart:
    """One write task's share of a run: consecutive staged files and their decisions."""

    number: int
    staged_paths: list[str]
    decisions: list[pa.Table]


@dataclass(frozen=True)
class WriteContext:
    """What every write task of a run shares."""

    root: str
    generation: int
    run_id: str
    started_at: datetime
    signatures_schema: pa.Schema
    #: Arrow IPC file of (article_id, cluster_size): story sizes after this run, for every
    #: story this run adds copies to (a story not in it has size 1).
    sizes_path: str


@dataclass
class WrittenPart:
    """Files one write task wrote (for the transaction to add, in order) and its counts."""

    files: list[tuple[str, str]]
    articles: int
    duplicates: int
    known: int


def write_part(part: WritePart, context: WriteContext) -> WrittenPart:
    """Write the article, duplicate and signature rows of ``part`` under pending names of
    the run's transaction (``storage.dataset.PendingFiles``); runs in a worker."""
    day = context.started_at.strftime("%Y-%m-%d")
    name = f"part-{context.run_id}-{part.number:05d}"
    target = PendingFiles(context.root, context.generation)
    articles = RollingWriter(target, "articles", ARTICLES, f"articles/ingest_date={day}/{name}")
    duplicates = RollingWriter(target, "duplicates", DUPLICATES, f"duplicates/ingest_date={day}/{name}")
    signatures = RollingWriter(target, "signatures", context.signatures_schema, f"signatures/{name}")
    sizes = pa.Table.from_batches([fs.read_arrow_batch(context.sizes_path, 0)])
    known_rows = 0
    for path, decided in zip(part.staged_paths, part.decisions, strict=True):
        staged = fs.read_parquet(path)
        known = pc.equal(decided["method"], KNOWN)
        is_copy = pc.is_valid(decided["canonical_id"])
        is_new = pc.invert(pc.or_(is_copy, known))
        known_rows += pc.sum(known).as_py() or 0
        if pc.any(is_new).as_py():
            rows = staged.filter(is_new)
            articles.write(article_rows(rows, _sizes_of(rows["article_id"], sizes), context.run_id, context.started_at))
            signatures.write(
                pa.table(
                    {
                        "article_id": rows["article_id"],
                        "hashvalues": rows["hashvalues"],
                        "shingle_count": rows["shingle_count"],
                        "word_count": rows["word_count"],
                        "run_id": pa.array([context.run_id] * rows.num_rows, pa.string()),
                    }
                )
            )
        if pc.any(is_copy).as_py():
            chosen = decided.filter(is_copy)
            duplicates.write(
                duplicate_rows(
                    staged.filter(is_copy),
                    _sizes_of(chosen["canonical_id"], sizes),
                    chosen["canonical_id"].to_pylist(),
                    chosen["similarity"].to_pylist(),
                    chosen["method"].to_pylist(),
                    context.run_id,
                    context.started_at,
                )
            )
    for writer in (articles, duplicates, signatures):
        writer.close()
    return WrittenPart(target.written, articles.rows, duplicates.rows, known_rows)


def _sizes_of(article_ids: pa.ChunkedArray | pa.Array, sizes: pa.Table) -> list[int]:
    """Story size of each of ``article_ids`` (1 for a story ``sizes`` does not list)."""
    index = pc.index_in(article_ids, value_set=sizes["article_id"])
    return pc.fill_null(pc.take(sizes["cluster_size"], index), 1).to_pylist()


def _plan_parts(
    staged_paths: Sequence[str], staged_rows: Sequence[int], decisions: Sequence[pa.Table]
) -> list[WritePart]:
    """Consecutive staged files cut into parts of about ``WRITE_TASK_ROWS`` rows."""
    parts: list[WritePart] = []
    paths: list[str] = []
    decided: list[pa.Table] = []
    rows = 0
    for path, count, decision in zip(staged_paths, staged_rows, decisions, strict=True):
        if paths and rows + count > WRITE_TASK_ROWS:
            parts.append(WritePart(len(parts), paths, decided))
            paths, decided, rows = [], [], 0
        paths.append(path)
        decided.append(decision)
        rows += count
    if paths or not parts:
        parts.append(WritePart(len(parts), paths, decided))
    return parts


def commit_run(
    dataset: Dataset,
    summary: RunSummary,
    staged_paths: Sequence[str],
    staged_rows: Sequence[int],
    decisions: Sequence[pa.Table],
    reject_paths: Sequence[str],
    stored_record_keys: pa.Array,
    read_inputs: Sequence[InputFile],
    inputs: Sequence[str],
    settings_json: str,
    signature_settings: SignatureSettings,
    started_at: datetime,
    finished_at: datetime,
    work_dir: str,
    run_tasks: TaskMap | None = None,
) -> RunSummary:
    """Write articles, duplicates, signatures, rejects and the run row, then commit.

    ``decisions[i]`` decides the ``staged_rows[i]`` staged rows of ``staged_paths[i]``
    (``dedup.partitioned.place_run``); rejects whose record key is in ``stored_record_keys``
    were stored by an earlier run and are skipped.
    ``read_inputs`` (the files this run read) are added to the ``inputs/`` ledger.
    Articles, duplicates and signatures are written by tasks of about ``WRITE_TASK_ROWS``
    staged rows each, through ``run_tasks`` (``(function, [args, ...]) -> [result, ...]``,
    e.g. a worker pool's ``map``; None: one task here), sharing files under ``work_dir``.
    Counts are added to ``summary``, which is returned.
    """
    run_id = summary.run_id
    day = started_at.strftime("%Y-%m-%d")
    transaction = dataset.transaction()
    growth = _cluster_growth(decisions)
    final_sizes = _stored_cluster_sizes(dataset, transaction, growth) if dataset.manifest.files["articles"] else {}
    for canonical, added in growth.items():
        final_sizes.setdefault(canonical, 1 + added)
    sizes_path = fs.join(work_dir, "cluster-sizes.arrow")
    sizes = pa.record_batch(
        [pa.array(list(final_sizes), pa.string()), pa.array(list(final_sizes.values()), pa.int64())],
        names=["article_id", "cluster_size"],
    )
    fs.write_arrow_batches(sizes_path, sizes.schema, [sizes])
    sig_schema = signatures_schema(signature_settings.num_perm).with_metadata(
        {**signatures_schema(signature_settings.num_perm).metadata, **signature_settings.as_metadata()}
    )
    context = WriteContext(dataset.root, transaction.generation, run_id, started_at, sig_schema, sizes_path)
    parts = _plan_parts(staged_paths, staged_rows, decisions)
    if run_tasks is None or len(parts) == 1:
        written = [write_part(part, context) for part in parts]
    else:
        written = run_tasks(write_part, [(part, context) for part in parts])
    for part in written:
        for table, relative in part.files:
            transaction.add(table, relative)
        summary.skipped_known += part.known
    # Every table has a file (an empty one at worst), so readers find its directory and schema.
    for table, schema, prefix in (
        ("articles", ARTICLES, f"articles/ingest_date={day}/part-{run_id}"),
        ("duplicates", DUPLICATES, f"duplicates/ingest_date={day}/part-{run_id}"),
        ("signatures", sig_schema, f"signatures/part-{run_id}"),
    ):
        RollingWriter(transaction, table, schema, prefix).close()
    rejects = RollingWriter(transaction, "rejects", REJECTS, f"rejects/ingest_date={day}/part-{run_id}")
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
    rejects.close()
    summary.articles = sum(part.articles for part in written)
    summary.duplicates = sum(part.duplicates for part in written)
    summary.rejects = rejects.rows
    summary.rejects_by_reason = dict(sorted(reasons.items()))
    if read_inputs:
        transaction.write(
            "inputs",
            f"inputs/part-{run_id}.parquet",
            pa.table(
                {
                    "source_path": [f.source_path for f in read_inputs],
                    "size": [f.size for f in read_inputs],
                    "mtime_ns": [f.mtime_ns for f in read_inputs],
                    "run_id": [run_id] * len(read_inputs),
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
                "inputs": [list(inputs)],
                "files_read": [summary.files_read],
                "files_unchanged": [summary.files_unchanged],
                "records_read": [summary.records_read],
                "articles": [summary.articles],
                "duplicates": [summary.duplicates],
                "rejects": [summary.rejects],
                "skipped_known": [summary.skipped_known],
                "settings": [settings_json],
            },
            schema=RUNS,
        ),
    )
    transaction.commit({k.decode(): v.decode() for k, v in signature_settings.as_metadata().items()})
    return summary
