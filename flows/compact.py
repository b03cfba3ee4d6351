"""The compaction flow: merge an output's small files into few (``storage.compact``), in one
commit under the output's lock. The daily deployment in ``prefect.yaml`` runs it."""

from __future__ import annotations

from datetime import UTC, datetime

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE
from prefect.runtime import flow_run
from prefect.states import Failed, State

from storage.compact import DEFAULT_TARGET_BYTES, CompactionSummary, compact, parse_size
from storage.dataset import DatasetError


def _run_name() -> str:
    output = flow_run.parameters.get("output", "")
    return f"compact-{output.rstrip('/').split('/')[-1] or 'output'}-{datetime.now(UTC):%Y%m%d-%H%M%S}"


@task(name="compact", cache_policy=NO_CACHE)
def compact_task(output: str, target_bytes: int) -> CompactionSummary:
    return compact(output, target_bytes)


@task(name="publish-report", cache_policy=NO_CACHE)
def publish_report_task(summary: CompactionSummary) -> None:
    """Files and MiB of each table before and after, as a Prefect artifact (the flow run's Artifacts tab)."""
    create_markdown_artifact(_markdown(summary), key="compaction-summary", description="Files before and after")


def _markdown(summary: CompactionSummary) -> str:
    lines = [
        f"# Compaction of `{summary.output}`",
        "",
        "| table | files before | files after | MiB before | MiB after |",
        "|---|---:|---:|---:|---:|",
    ]
    lines += [
        f"| {table} | {c.files_before} | {c.files_after} | {c.bytes_before / 2**20:.1f} | {c.bytes_after / 2**20:.1f} |"
        for table, c in summary.tables.items()
    ]
    return "\n".join(lines)


@flow(name="compact", flow_run_name=_run_name, log_prints=True)
def compact_flow(output: str, target_size: str = f"{DEFAULT_TARGET_BYTES // 2**20}MiB") -> dict | State:
    """Rewrite the many small files of each table of the dataset at ``output`` into few.

    Args:
        output: the dataset directory or URL (an ingest's ``output``).
        target_size: input bytes per merged file (``128MiB``, ``64M``, ``1G`` or bytes).

    Returns:
        What was done (``CompactionSummary.to_dict``). An output that is not a dataset, is
        being written by an ingest (its lock is held) or cannot be written ends the run
        Failed with that one-line message; a caller of this function gets the exception.
    """
    try:
        try:
            target = parse_size(target_size)
        except ValueError as error:
            raise DatasetError(f"bad parameter: target_size: {error}") from None
        summary = compact_task(output, target)
    except DatasetError as problem:
        get_run_logger().error("%s", problem)
        return Failed(message=str(problem), data=problem)
    get_run_logger().info("%s", summary.one_line())
    publish_report_task(summary)
    return summary.to_dict()
