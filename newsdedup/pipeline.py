"""The steps of an ingest run as plain functions (no Prefect): the flow calls these.

    discover -> stage_batch (read, clean, sign; per batch, parallel) -> place (dedup) -> commit

Batches meet only in files under the output's ``_staging`` folder; what moves between steps
is paths and small summaries.
"""

from __future__ import annotations

import glob
import logging
import math
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pyarrow as pa

from dedup.partitioned import PlacedRun, StoredStories, TaskMap
from dedup.signatures import SHINGLE_HASH_VERSION
from dedup.stage import (
    load_stored_stories,
    place_staged,
    sign_documents,
    signature_settings,
    signature_settings_brought_forward,
    stored_candidates,
)
from newsdedup.commit import RunSummary, commit_run
from newsdedup.config import IngestConfig
from newsdedup.progress import report_files, report_stage, report_task_done, report_tasks
from newsdedup.workers import WorkerPool, planned_workers
from parsers import rules
from parsers.batch import parse_files
from parsers.discover import InputFile, missing_inputs, printable_path
from storage import fs
from storage.dataset import Dataset, write_staged
from storage.schema import SCHEMA_VERSION, Document, Reject
from storage.tables import rejects_table, staged_table
from storage.upgrade import upgrade

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class StagedBatch:
    """Where one batch's documents and rejects were staged, and how many records it had."""

    documents_path: str
    rejects_path: str
    files: int
    documents: int
    rejects: int


def place_batches(
    staged: Sequence[StagedBatch], stored: StoredStories, config: IngestConfig, staging_dir: str, pool: WorkerPool
) -> PlacedRun:
    """Dedup: where every staged row goes (see ``dedup.partitioned.place_run``), the block
    tasks run on ``pool`` with their files under ``staging_dir``."""
    report_stage("dedup")
    work_dir = fs.join(staging_dir, "dedup")
    fs.makedirs(work_dir)
    paths = [s.documents_path for s in staged]
    rows = sum(s.documents for s in staged)
    return place_staged(paths, rows, stored, config.dedup, work_dir, _reported(pool), config.block_rows)


def _reported(pool: WorkerPool) -> TaskMap:
    """``pool.map``, reporting its tasks to whoever watches the run's progress: how many
    each call adds, and each one done."""

    def run_tasks(function: Callable[..., Any], arguments: list[tuple]) -> list:
        report_tasks(len(arguments))
        return pool.map(function, arguments, done=report_task_done)

    return run_tasks


def commit_batches(
    dataset: Dataset,
    summary: RunSummary,
    staged: Sequence[StagedBatch],
    placed: PlacedRun,
    stored: StoredStories,
    files: Sequence[InputFile],
    inputs: Sequence[str],
    config: IngestConfig,
    started_at: datetime,
    pool: WorkerPool,
) -> RunSummary:
    """Write the run's staged batches as decided, in one transaction (``newsdedup.commit``),
    the articles, duplicates and signatures by tasks on ``pool``."""
    report_stage("write")
    return commit_run(
        dataset,
        summary,
        [s.documents_path for s in staged],
        placed.files,
        [s.rejects_path for s in staged],
        stored.record_keys,
        files,
        inputs,
        config.to_json(),
        signature_settings(config.dedup),
        started_at,
        datetime.now(UTC),
        _reported(pool),
        planned_workers(config.workers),
    )


def upgrade_output(dataset: Dataset) -> list[str]:
    """Bring an output written by an older newsdedup forward, in one commit of its own, before
    anything reads it: its schema (``storage.upgrade``) and, when sound, the shingle hash its
    stored signatures are recorded with (``dedup.stage.signature_settings_brought_forward``).
    Nothing is done to a current output.

    Returns:
        What changed, a phrase each ("schema version 2 to 3", ...); empty if nothing did.

    Raises:
        DatasetError: (one line) the stored signatures cannot be brought forward; nothing
            is written.
    """
    version = dataset.manifest.schema_version
    made_with = (dataset.manifest.signature_settings or {}).get("newsdedup.shingle_hash")
    settings = signature_settings_brought_forward(dataset)
    if not upgrade(dataset, settings):
        return []
    changes = [f"schema version {version} to {SCHEMA_VERSION}"] if version != SCHEMA_VERSION else []
    if settings is not None:
        why = "no stored text is in a script whose tokens changed"
        changes.append(f"shingle hash {made_with!r} to {SHINGLE_HASH_VERSION!r} ({why})")
    log.info("upgraded %s: %s", dataset.root, "; ".join(changes))
    return changes


def stored_for_run(
    dataset: Dataset, staged: Sequence[StagedBatch], config: IngestConfig, staging_dir: str
) -> StoredStories:
    """What the run's dedup needs of the store, looked up for the run's staged rows: the
    stored stories they can meet (``dedup.stage.stored_candidates``; every stored story
    when the run is large against the store, see ``CANDIDATES_UP_TO``) and the stored record
    keys among theirs (``with_known_records``). The decisions are the same either way."""
    paths = [s.documents_path for s in staged]
    if sum(s.documents for s in staged) * CANDIDATES_UP_TO <= dataset.count("signatures"):
        stored = stored_candidates(dataset, config.dedup, paths, staging_dir)
    else:
        stored = load_stored_stories(dataset, config.dedup)
    return with_known_records(dataset, stored, staged)


#: A run is placed against its stored candidates when the store holds at least this many
#: times its rows (an hourly run into a big store); a run as large as a good part of the store
#: (a backfill) is placed against every stored story, by the partitioned dedup, which never
#: holds all signatures in one process: the candidates' look-up holds the run's band keys
#: (37 x 8 bytes a row).
CANDIDATES_UP_TO = 4


def with_known_records(dataset: Dataset, stored: StoredStories, staged: Sequence[StagedBatch]) -> StoredStories:
    """``stored`` with its ``record_keys``: those of the run's staged records that an earlier
    run stored (articles, duplicates or rejects), looked up for these keys only."""
    keys = [
        chunk
        for batch in staged
        for path in (batch.documents_path, batch.rejects_path)
        for chunk in fs.read_parquet(path, ["record_key"])["record_key"].chunks
    ]
    if not keys or not dataset.manifest.files["articles"]:
        return stored
    run_keys = pa.chunked_array(keys, pa.string()).combine_chunks()
    known = dataset.stored_among(("articles", "duplicates", "rejects"), "record_key", run_keys)
    log.info("%d of the run's records were stored by an earlier run", len(known))
    return replace(stored, record_keys=known)


def make_missing_inputs(inputs: Sequence[str]) -> list[str]:
    """Make an empty directory for each input that names nothing yet (an inbox that a
    scheduled run reads before anything was put there); glob patterns are left alone.
    Returns the absolute paths of the directories made."""
    made = [path for path in missing_inputs(list(inputs)) if not glob.has_magic(path)]
    for path in made:
        os.makedirs(path, exist_ok=True)
    return made


def select_changed_inputs(dataset: Dataset, files: Sequence[InputFile]) -> tuple[list[InputFile], int]:
    """The files an earlier run has not ingested as they are now (by real path, size and
    mtime), and how many were skipped. Files whose size or mtime are unknown are always read;
    content that did not change is still recognised later, by its record key. (Ledgers written
    before ``path`` was kept name no file: their files are read once more, their records
    skipped by key.) Only the ledger rows of ``files``' paths are read, not the whole ledger."""
    if not files or not dataset.manifest.files["inputs"]:
        return list(files), 0
    paths = sorted({printable_path(f.path) for f in files})
    ledger = dataset.read_matching("inputs", "path", paths, ["path", "size", "mtime_ns"])
    if ledger is None or "path" not in ledger.column_names:
        return list(files), 0
    seen = set(zip(*(ledger[c].to_pylist() for c in ("path", "size", "mtime_ns")), strict=True))
    changed = [f for f in files if f.size < 0 or (printable_path(f.path), f.size, f.mtime_ns) not in seen]
    return changed, len(files) - len(changed)


#: Parse tasks each worker process gets at least, where the run is big enough: the workers
#: then finish at about the same time.
TASKS_PER_WORKER = 4


def batches(files: Sequence[InputFile], size: int, workers: int = 1) -> list[list[InputFile]]:
    """``files`` cut into consecutive batches (one parse task each) of at most ``size``.

    Big batches keep Prefect's task runs few (each costs its server ~30 ms of CPU); with
    several ``workers``, a small run's batches are made smaller, so that each worker gets
    ``TASKS_PER_WORKER``, but never smaller than a template window (``TEMPLATE_WINDOW_FILES``)
    and always whole windows: what is template is then the same whatever the run's size
    (when ``size`` is a multiple of the window, as the default is).
    """
    if workers > 1:
        window = rules.TEMPLATE_WINDOW_FILES
        share = math.ceil(len(files) / (workers * TASKS_PER_WORKER))
        size = min(size, max(window, math.ceil(share / window) * window))
    return [list(files[start : start + size]) for start in range(0, len(files), size)]


def stage_batch(
    files: Sequence[InputFile],
    batch_number: int,
    staging_dir: str,
    run_id: str,
    started_at: datetime,
    config: IngestConfig,
) -> StagedBatch:
    """Read, clean and sign one batch of input files and stage the results as Parquet.

    The batch is worked through one template window at a time (as ``parse_files`` does),
    each window's progress reported as it is signed (``report_files``: a batch can take
    minutes). Returns the staged file paths and counts; the text stays on disk.
    """
    documents: list[Document] = []
    rejects: list[Reject] = []
    signed: list[tuple[np.ndarray, np.ndarray]] = []
    window = rules.TEMPLATE_WINDOW_FILES
    for start in range(0, len(files), window):
        part = files[start : start + window]
        found, rejected = parse_files(part, config.limits, config.jsonl_fields)
        signed.append(sign_documents(found, config.dedup))
        documents += found
        rejects += rejected
        report_files(len(part), len(found) + len(rejected))
    hashvalues = np.concatenate([h for h, _ in signed])
    shingle_counts = np.concatenate([c for _, c in signed])
    documents_path = fs.join(staging_dir, f"documents-{batch_number:06d}.parquet")
    rejects_path = fs.join(staging_dir, f"rejects-{batch_number:06d}.parquet")
    write_staged(staged_table(documents, hashvalues, shingle_counts), documents_path)
    write_staged(rejects_table(rejects, run_id, started_at), rejects_path)
    return StagedBatch(documents_path, rejects_path, len(files), len(documents), len(rejects))
