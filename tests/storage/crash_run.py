"""Run one ingest without Prefect and SIGKILL the process at the N-th fsync (a point in the
write path), for the crash-safety tests. Usage: python crash_run.py OUTPUT KILL_AT INPUT..."""

from __future__ import annotations

import os
import signal
import sys
from datetime import UTC, datetime

from newsdedup.commit import RunSummary
from newsdedup.config import IngestConfig
from newsdedup.pipeline import (
    batches,
    commit_batches,
    place_batches,
    select_changed_inputs,
    stage_batch,
    stored_for_run,
)
from newsdedup.workers import WorkerPool
from parsers.discover import discover_inputs
from storage.dataset import Dataset


def ingest(inputs: list[str], output: str, pool: WorkerPool | None = None, workers: int = 1) -> RunSummary:
    """The flow's steps, called directly, the dedup and write tasks on ``pool`` (default: in
    this process), the write cut in groups for ``workers``."""
    config = IngestConfig(batch_size=2, workers=workers)
    started = datetime.now(UTC)
    run_id = f"{started:%Y%m%dT%H%M%S%f}"
    with Dataset.open(output) as dataset:
        files, unchanged = select_changed_inputs(dataset, discover_inputs(inputs))
        staging = dataset.staging_dir(run_id)
        staged = [stage_batch(b, n, staging, run_id, started, config) for n, b in enumerate(batches(files, 2))]
        pool = pool or WorkerPool()
        stored = stored_for_run(dataset, staged, config, staging)
        placed = place_batches(staged, stored, config, staging, pool)
        summary = RunSummary(run_id, output, files_read=len(files), files_unchanged=unchanged)
        return commit_batches(dataset, summary, staged, placed, stored, files, inputs, config, started, pool)


def main() -> None:
    output, kill_at, inputs = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
    calls = 0
    real_fsync = os.fsync

    def fsync_then_maybe_die(fd: int) -> None:
        nonlocal calls
        real_fsync(fd)
        calls += 1
        if calls == kill_at:
            os.kill(os.getpid(), signal.SIGKILL)

    os.fsync = fsync_then_maybe_die
    ingest(inputs, output)
    print(f"fsyncs={calls}")


if __name__ == "__main__":
    main()
