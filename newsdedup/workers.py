"""Run the CPU-heavy batch step (read, clean, sign) on several cores.

Prefect's tasks stay coarse (one task run per batch, in the flow's thread pool); inside each,
the batch is handed to a process pool so both cores work despite the GIL. With one worker the
step runs in-process. Results do not depend on the number of workers: every batch is
processed independently and results are collected in batch order.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from typing import Any


def default_workers() -> int:
    """One worker per CPU this process may use."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


class WorkerPool:
    """Calls a function in-process (one worker) or in a pool of worker processes."""

    def __init__(self, executor: ProcessPoolExecutor | None) -> None:
        self._executor = executor

    def call(self, function: Callable[..., Any], *args: Any) -> Any:
        """``function(*args)``, run in a worker process when there is a pool."""
        if self._executor is None:
            return function(*args)
        return self._executor.submit(function, *args).result()


@contextmanager
def worker_pool(workers: int, batches: int) -> Iterator[WorkerPool]:
    """A ``WorkerPool`` of ``workers`` processes (0 = one per CPU, never more than there are
    ``batches``), shut down on exit.

    Workers are started with "spawn", not fork: the flow's process runs Prefect's threads,
    and a forked child can inherit a lock one of them held and hang for ever.
    """
    count = min(workers or default_workers(), batches)
    if count <= 1:
        yield WorkerPool(None)
        return
    with ProcessPoolExecutor(max_workers=count, mp_context=multiprocessing.get_context("spawn")) as executor:
        yield WorkerPool(executor)
