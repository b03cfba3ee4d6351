"""Where the CPU-heavy steps run: in process, one call at a time, on one thread; or on a
process pool whose workers' progress reaches the run; a worker process that dies is a
``WorkerLost``."""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import threading
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

import pytest

from newsdedup.progress import LOGGER, report_files
from newsdedup.workers import DaskPool, WorkerLost, WorkerPool, default_workers, run_stage, worker_pool


class Overlap:
    """Counts how many calls run at once (the flow's task threads call the pool together)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.running = 0
        self.most = 0
        self.threads: set[int] = set()

    def work(self, number: int) -> int:
        with self._lock:
            self.running += 1
            self.most = max(self.most, self.running)
            self.threads.add(threading.get_ident())
        time.sleep(0.02)  # long enough for the other threads to arrive
        with self._lock:
            self.running -= 1
        return number * 2


def test_in_process_calls_from_many_threads_run_one_at_a_time():
    pool, overlap = WorkerPool(), Overlap()
    with ThreadPoolExecutor(max_workers=8) as threads:
        results = list(threads.map(lambda n: pool.call(overlap.work, n), range(16)))
    assert results == [n * 2 for n in range(16)]
    assert overlap.most == 1
    # All on one thread, not the callers' (each thread's allocations keep a malloc arena).
    assert len(overlap.threads) == 1 and threading.get_ident() not in overlap.threads
    pool.close()


def test_in_process_map_keeps_the_order():
    pool, overlap = WorkerPool(), Overlap()
    assert pool.map(overlap.work, [(n,) for n in range(5)]) == [0, 2, 4, 6, 8]
    assert overlap.most == 1
    pool.close()


def die() -> None:
    """Kill the calling process as the kernel's OOM killer would."""
    os.kill(os.getpid(), signal.SIGKILL)


def test_a_pool_process_killed_under_a_task_is_a_worker_lost_naming_the_stage():
    executor = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"))
    try:
        with pytest.raises(WorkerLost, match="died during the dedup stage"), run_stage("dedup"):
            WorkerPool(executor).map(die, [()])
    finally:
        executor.shutdown()


@pytest.mark.slow
def test_a_dask_task_whose_workers_keep_dying_is_a_worker_lost():
    import dask
    from distributed import Client, LocalCluster

    # Dask reruns a task whose worker died on another one, up to allowed-failures times.
    with (
        dask.config.set({"distributed.scheduler.allowed-failures": 0}),
        LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None) as cluster,
        Client(cluster) as client,
        pytest.raises(WorkerLost, match="died during the write stage"),
        run_stage("write"),
    ):
        DaskPool(client).map(die, [()])


def stage_and_report(files: int) -> int:
    """In a worker: report ``files`` files (as ``stage_batch`` does per window) and say
    which process did it."""
    report_files(files, files * 10)
    return os.getpid()


def test_reports_of_the_process_pool_workers_reach_the_run_and_map_tells_each_result():
    if default_workers() < 2:
        pytest.skip("the process pool needs two CPUs (with one, calls run in process)")
    received: list[dict] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            received.append(record.progress)

    logger, handler = logging.getLogger(LOGGER), Collect(level=logging.DEBUG)
    logger.setLevel(logging.DEBUG)
    logger.addHandler(handler)
    done: list[int] = []
    try:
        with worker_pool(workers=0, batches=2) as pool:
            assert pool.relays_progress
            pids = pool.map(stage_and_report, [(3,), (4,)], done=lambda: done.append(len(done)))
            deadline = time.monotonic() + 60  # (a bound on the wait, not a timing assertion)
            while len(received) < 2 and time.monotonic() < deadline:
                time.sleep(0.01)
    finally:
        logger.removeHandler(handler)
        logger.setLevel(logging.NOTSET)
    assert os.getpid() not in pids  # reported in worker processes ...
    assert sorted((r["files"], r["records"]) for r in received) == [(3, 30), (4, 40)]  # ... logged here
    assert done == [0, 1]
