"""The ingest flow: raw dumps in, clean deduplicated Parquet out.

The flow reads like the recipe; each step is a coarse task (a batch of files, or the whole
run's signatures) calling plain functions from ``newsdedup.pipeline``, ``dedup`` and
``storage``.
"""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.runtime import flow_run
from prefect.states import Failed, State
from prefect.task_runners import ThreadPoolTaskRunner
from prefect.utilities.annotations import quote

from dedup.partitioned import PlacedRun, StoredStories
from dedup.stage import check_signature_settings
from newsdedup.commit import RunSummary
from newsdedup.config import (
    BadParameterError,
    DedupSettings,
    IngestConfig,
    JsonlFields,
    ReadLimits,
    parameter_problem,
)
from newsdedup.pipeline import (
    StagedBatch,
    batches,
    commit_batches,
    make_missing_inputs,
    place_batches,
    select_changed_inputs,
    stage_batch,
    stored_for_run,
    upgrade_output,
)
from newsdedup.progress import report_files, report_stage, report_total
from newsdedup.report import largest_clusters, run_markdown
from newsdedup.workers import ClusterError, WorkerLost, WorkerPool, planned_workers, run_stage, worker_pool
from parsers.discover import (
    FoundInputs,
    InputFile,
    NoInputsError,
    find_inputs,
    missing_inputs,
    no_such_input,
    other_types_line,
)
from storage.dataset import Dataset, DatasetError

#: Problems that stop a run and that its user fixes (a bad parameter, an input that is not
#: there, an output that cannot be written, a cluster that does not answer): the flow run
#: ends Failed with their one-line message as its state message (``prefect flow-run inspect``,
#: the UI) and in its log, without a traceback; a caller of ``ingest_flow`` gets the exception.
RUN_PROBLEMS = (BadParameterError, NoInputsError, DatasetError, ClusterError)


def _run_name() -> str:
    output = flow_run.parameters.get("output", "")
    return f"ingest-into-{output.rstrip('/').split('/')[-1] or 'output'}-{datetime.now(UTC):%Y%m%d-%H%M%S}"


def _worth_retrying(task, task_run, state) -> bool:
    """Retry I/O hiccups, not problems a retry cannot fix (``RUN_PROBLEMS``: a missing input
    path, an output whose stored signatures were made with other settings, ...; and a pool
    that lost a worker process)."""
    try:
        state.result()
    except (*RUN_PROBLEMS, WorkerLost):
        return False
    except Exception:
        return True
    return False


#: Options of the tasks whose work is I/O: retried twice on a hiccup, never on a run problem.
RETRIED_TASK = {
    "cache_policy": NO_CACHE,
    "retries": 2,
    "retry_delay_seconds": [1, 5],
    "retry_condition_fn": _worth_retrying,
}


@task(name="discover-inputs", **RETRIED_TASK)
def discover_task(inputs: list[str]) -> FoundInputs:
    # An empty inbox is a quiet hour for the scheduled run, not a failure.
    found = find_inputs(inputs, allow_empty=True)
    skipped = f"; {other_types_line(found.other_types)}" if found.other_types else ""
    get_run_logger().info("found %d input files in %s%s", len(found.files), ", ".join(inputs), skipped)
    report_total(len(found.files))
    return found


@task(
    name="parse-and-sign",
    **RETRIED_TASK,
    task_run_name="parse-and-sign-batch-{batch_number}",
)
def stage_batch_task(
    files: list[InputFile],
    batch_number: int,
    staging_dir: str,
    run_id: str,
    started_at: datetime,
    config: IngestConfig,
    pool: WorkerPool,
) -> StagedBatch:
    staged = pool.call(stage_batch, files, batch_number, staging_dir, run_id, started_at, config)
    if not pool.relays_progress:  # (a Dask worker's reports stay there: the batch's, now)
        report_files(staged.files, staged.documents + staged.rejects)
    get_run_logger().info(
        "batch %d: %d files -> %d documents, %d rejects", batch_number, staged.files, staged.documents, staged.rejects
    )
    return staged


@task(name="skip-unchanged-inputs", **RETRIED_TASK)
def select_inputs_task(dataset: Dataset, files: list[InputFile]) -> tuple[list[InputFile], int]:
    changed, unchanged = select_changed_inputs(dataset, files)
    get_run_logger().info("%d files to read, %d unchanged since an earlier run", len(changed), unchanged)
    return changed, unchanged


@task(name="upgrade-output", cache_policy=NO_CACHE)
def upgrade_task(dataset: Dataset) -> None:
    changes = upgrade_output(dataset)
    if changes:
        get_run_logger().warning("upgraded %s: %s", dataset.root, "; ".join(changes))


@task(name="check-signature-settings", **RETRIED_TASK)
def check_settings_task(dataset: Dataset, config: IngestConfig) -> None:
    check_signature_settings(dataset, config.dedup)


@task(name="look-up-stored", **RETRIED_TASK)
def stored_task(dataset: Dataset, staged: list[StagedBatch], config: IngestConfig, staging_dir: str) -> StoredStories:
    stored = stored_for_run(dataset, staged, config, staging_dir)
    get_run_logger().info(
        "%d stored stories can meet the run's rows; %d of its records were stored before",
        len(stored.article_ids),
        len(stored.record_keys),
    )
    return stored


@task(name="dedup", cache_policy=NO_CACHE)
def place_task(
    staged: list[StagedBatch], stored: StoredStories, config: IngestConfig, staging_dir: str, pool: WorkerPool
) -> PlacedRun:
    placed = place_batches(staged, stored, config, staging_dir, pool)
    get_run_logger().info("dedup: %d LSH candidate pairs verified", placed.candidates)
    return placed


@task(name="commit", cache_policy=NO_CACHE)
def commit_task(dataset, summary, staged, placed, stored, files, inputs, config, started_at, pool) -> RunSummary:
    return commit_batches(dataset, summary, staged, placed, stored, files, inputs, config, started_at, pool)


#: Batch tasks running at once; the worker pool bounds the CPU work, this bounds task runs
#: in flight (thousands of concurrent task runs overwhelm the embedded server's SQLite).
MAX_CONCURRENT_TASKS = 8


@task(name="publish-report", cache_policy=NO_CACHE)
def publish_report_task(dataset: Dataset, summary: RunSummary) -> None:
    """The run's summary and its largest duplicate clusters as Prefect artifacts (UI: the
    flow run's Artifacts tab)."""
    create_markdown_artifact(run_markdown(summary), key="ingest-summary", description="What the run did")
    table = [
        {
            "canonical title": c["title"],
            "canonical source": c["source_path"],
            "cluster size": c["cluster_size"],
            "copies from this run": ", ".join(c["copies"][:10]) + (" ..." if len(c["copies"]) > 10 else ""),
        }
        for c in largest_clusters(dataset, summary.run_id)
    ]
    create_table_artifact(table, key="largest-duplicate-clusters", description="Stories with the most copies")


@flow(
    name="ingest",
    flow_run_name=_run_name,
    log_prints=True,
    task_runner=ThreadPoolTaskRunner(max_workers=MAX_CONCURRENT_TASKS),
)
def ingest_flow(
    inputs: list[str],
    output: str,
    threshold: float = DedupSettings.threshold,
    containment_threshold: float = DedupSettings.containment_threshold,
    num_perm: int = DedupSettings.num_perm,
    shingle_size: int = DedupSettings.shingle_size,
    seed: int = DedupSettings.seed,
    min_containment_shingles: int = DedupSettings.min_containment_shingles,
    containment_stderrs: float = DedupSettings.containment_stderrs,
    lsh_threshold: float = DedupSettings.lsh_threshold,
    bands: int = DedupSettings.bands,
    rows: int = DedupSettings.rows,
    batch_size: int = IngestConfig.batch_size,
    max_file_mb: int = ReadLimits.max_file_bytes // (1024 * 1024),
    max_words: int = ReadLimits.max_words,
    workers: int = IngestConfig.workers,
    jsonl_fields: dict[str, str] | None = None,
    dask_address: str | None = None,
    dedup_block_rows: int = IngestConfig.block_rows,
    create_missing_inputs: bool = False,
) -> dict | State:
    """Ingest raw news dumps into the Parquet datasets under ``output``.

    Args:
        inputs: files, directories (recursive) or glob patterns of .txt/.html dumps (.gz too).
        output: the dataset directory (created if missing).
        threshold: estimated Jaccard at or above which two texts are one story.
        containment_threshold: share of a shorter text inside a longer one that makes it a copy.
        num_perm, shingle_size, seed: MinHash settings (fixed for the life of an output).
        min_containment_shingles, containment_stderrs: guards of containment matches.
        lsh_threshold, bands, rows: LSH banding (candidates only); bands/rows 0 derive it
            from lsh_threshold.
        batch_size: input files per parse task.
        workers: processes for reading, cleaning, signing and dedup: 0 = a process pool of one
            per CPU, 1 = in the flow's process, N >= 2 = a local Dask cluster of N processes.
        dask_address: run those steps on this Dask cluster instead (``tcp://host:8786``);
            its workers need newsdedup installed and ``output`` at the same path.
        dedup_block_rows: signatures per dedup task (memory per task: rows x num_perm x 4 B).
        jsonl_fields: JSONL field names where they differ from the defaults, e.g.
            ``{"text": "body", "url": "link"}`` (keys: url, title, text, html, date).
        max_file_mb: larger input files are rejected.
        max_words: longer articles are rejected (``too_long``).
        create_missing_inputs: make an input directory that does not exist yet (an inbox
            the scheduled deployment reads) instead of failing on it.

    Returns:
        The run summary as a dict (counts, rejects by reason, seconds per stage). A run
        stopped by one of ``RUN_PROBLEMS`` returns a Failed state whose message is the
        problem's one line instead; a caller of this function gets the exception raised.
    """
    try:
        problem = parameter_problem(
            {
                "threshold": threshold,
                "containment_threshold": containment_threshold,
                "num_perm": num_perm,
                "shingle_size": shingle_size,
                "seed": seed,
                "min_containment_shingles": min_containment_shingles,
                "containment_stderrs": containment_stderrs,
                "lsh_threshold": lsh_threshold,
                "bands": bands,
                "rows": rows,
                "batch_size": batch_size,
                "max_file_mb": max_file_mb,
                "max_words": max_words,
                "workers": workers,
                "dedup_block_rows": dedup_block_rows,
            }
        )
        unknown = sorted(set(jsonl_fields or {}) - set(JsonlFields.__dataclass_fields__))
        if unknown:
            problem = f"jsonl_fields: unknown keys {', '.join(unknown)} (known: url, title, text, html, date)"
        if problem:
            raise BadParameterError(f"bad parameter: {problem}")
        config = IngestConfig(
            dedup=DedupSettings(
                threshold=threshold,
                containment_threshold=containment_threshold,
                num_perm=num_perm,
                shingle_size=shingle_size,
                seed=seed,
                min_containment_shingles=min_containment_shingles,
                containment_stderrs=containment_stderrs,
                lsh_threshold=lsh_threshold,
                bands=bands,
                rows=rows,
            ),
            limits=ReadLimits(max_file_bytes=max_file_mb * 1024 * 1024, max_words=max_words),
            batch_size=batch_size,
            workers=workers,
            block_rows=dedup_block_rows,
            jsonl_fields=JsonlFields(**(jsonl_fields or {})),
        )
        if create_missing_inputs:
            for made in make_missing_inputs(inputs):
                get_run_logger().info("created the input directory %s (empty until dumps are put there)", made)
        missing = missing_inputs(inputs)
        if missing:
            raise no_such_input(missing)
        return _ingest(inputs, output, config, dask_address)
    except RUN_PROBLEMS as problem:
        logger = get_run_logger()
        # (Marked: the CLI prints the problem itself, and drops this record.)
        logger.error("%s", problem, extra={"run_problem": True})
        # Sent now, before the final state: `prefect deployment run --watch` listens for a
        # run's logs for 3 s after its final state, and the last batch of logs can be later.
        for handler in logger.logger.handlers:
            handler.flush()
        return Failed(message=str(problem), data=problem)


def _ingest(inputs: list[str], output: str, config: IngestConfig, dask_address: str | None) -> dict:
    """The ingest flow's recipe, in the flow run: discover, skip unchanged, read + clean +
    sign (batch tasks), dedup, commit, report. Returns the run summary as a dict."""
    started_at = datetime.now(UTC)
    run_id = f"{started_at:%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}"
    summary = RunSummary(run_id=run_id, output=output)
    clock = time.perf_counter()
    found = discover_task(inputs)
    summary.other_types = found.other_types
    with Dataset.open(output) as dataset:
        upgrade_task(dataset)
        checked = check_settings_task.submit(dataset, config)
        # quote(): Prefect would otherwise walk every element of these lists looking for
        # futures, for every task run (measured: ~90 ms of the driver's CPU per 500-file batch).
        files, summary.files_unchanged = select_inputs_task(dataset, quote(found.files))
        report_stage("read", total=len(files), skipped=summary.files_unchanged)
        staging_dir = dataset.staging_dir(run_id)
        work = batches(files, config.batch_size, planned_workers(config.workers))
        with worker_pool(config.workers, len(work), dask_address) as pool:
            with run_stage("read, clean and sign"):
                futures = [
                    stage_batch_task.submit(quote(batch), number, staging_dir, run_id, started_at, config, pool)
                    for number, batch in enumerate(work)
                ]
                staged = [future.result() for future in futures]
            summary.seconds_by_stage["read_clean_sign"] = round(time.perf_counter() - clock, 3)
            summary.files_read = len(files)
            summary.records_read = sum(s.documents + s.rejects for s in staged)
            clock = time.perf_counter()
            with run_stage("dedup"):
                checked.result()
                stored = stored_task(dataset, quote(staged), config, staging_dir)
                placed = place_task(quote(staged), quote(stored), config, staging_dir, pool)
            summary.seconds_by_stage["dedup"] = round(time.perf_counter() - clock, 3)
            clock = time.perf_counter()
            with run_stage("write"):
                summary = commit_task(
                    dataset,
                    summary,
                    quote(staged),
                    quote(placed),
                    quote(stored),
                    quote(files),
                    inputs,
                    config,
                    started_at,
                    pool,
                )
        summary.dedup_candidates = placed.candidates
        dataset.clear_staging(run_id)
        summary.seconds_by_stage["write"] = round(time.perf_counter() - clock, 3)
        publish_report_task(dataset, summary)
    get_run_logger().info("%s -> %s", summary.one_line(), output)
    return summary.to_dict()
