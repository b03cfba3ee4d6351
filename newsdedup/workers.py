"""Where the CPU-heavy steps run: in process, on a local process pool, or on a Dask cluster.

Prefect's tasks stay coarse (one task run per batch, in the flow's thread pool); inside each,
the batch is handed to the pool, so all cores (or a cluster's machines) work despite the
GIL. The dedup stage maps its block and part tasks over the same pool. Results do not
depend on the pool: every task is independent and results are collected in order.

- ``workers=1``: in process.
- ``workers=0`` (default): a process pool, one process per CPU.
- ``workers=N`` (N >= 2): a Dask ``LocalCluster`` of N single-threaded worker processes.
- ``dask_address``: an existing Dask cluster (``tcp://scheduler:8786``); its workers need
  newsdedup installed and the output directory reachable at the same path.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from typing import Any

import pyarrow as pa

from newsdedup.progress import Relay, send_to

log = logging.getLogger(__name__)

#: Seconds to wait for a Dask scheduler to answer before giving up.
CONNECT_TIMEOUT_SECONDS = 10


class ClusterError(Exception):
    """The Dask cluster named by ``dask_address`` cannot be used."""


class WorkerLost(Exception):
    """A worker process died under a task (killed for memory, or by a signal), so the run
    cannot finish; ``stage`` names the run's stage (``run_stage``) when known."""

    def __init__(self, stage: str = "") -> None:
        self.stage = stage
        where = f"the {stage} stage" if stage else "a run"
        super().__init__(f"a worker process died during {where} (killed for memory, or by a signal)")


@contextmanager
def run_stage(name: str) -> Iterator[None]:
    """A stage of the run: a ``WorkerLost`` raised inside names it."""
    try:
        yield
    except WorkerLost as error:
        if error.stage:
            raise
        raise WorkerLost(name) from error


def default_workers() -> int:
    """One worker per CPU this process may use."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def planned_workers(workers: int) -> int:
    """How many processes a run's ``workers`` setting asks for (0: one per CPU of this
    machine, which is also the guess for a cluster given by its address)."""
    return workers or default_workers()


def released(function: Callable[..., Any], *args: Any) -> Any:
    """``function(*args)``, then Arrow's freed memory handed back to the system.

    A process runs many tasks (batches, dedup blocks and parts); Arrow's allocator would
    otherwise keep the pages of every task's peak, so the process's footprint would be the
    sum of its tasks' leftovers rather than its largest task (measured: one process at a
    million documents peaked at 2,225 MiB with this, 2,595 MiB without).
    """
    try:
        return function(*args)
    finally:
        pa.default_memory_pool().release_unused()


class WorkerPool:
    """Calls functions in-process (no executor) or in a pool of worker processes.

    In process, calls run one at a time on one thread of their own. The flow's task threads
    would otherwise parse several batches at once, taking turns on the GIL every few
    milliseconds, and each thread's allocations would keep a malloc arena of their own.
    Measured in one process: 100,000 dumps 95-98 s with up to eight batches at a time, 76-78 s
    one at a time; 200,000 dumps held ~815 MiB while parsing on the task threads, ~520 MiB on
    one thread (peak 1,174 -> 865 MiB). A called function must not call the pool again (it
    would wait on itself).
    """

    #: Whether what the called functions report (``newsdedup.progress``) reaches this
    #: process: in process, or from a pool whose workers send it here (``progress.Relay``).
    relays_progress = True

    def __init__(self, executor: ProcessPoolExecutor | None = None) -> None:
        self._executor = executor
        # (its thread starts with the first in-process call)
        self._in_process = ThreadPoolExecutor(max_workers=1, thread_name_prefix="newsdedup-in-process")

    def call(self, function: Callable[..., Any], *args: Any) -> Any:
        """``function(*args)``, run in a worker process when there is a pool.

        Raises:
            WorkerLost: a process of the pool died (the pool is then unusable).
        """
        executor = self._executor or self._in_process
        try:
            return executor.submit(released, function, *args).result()
        except BrokenProcessPool as error:
            raise WorkerLost() from error

    def map(self, function: Callable[..., Any], arguments: list[tuple], done: Callable[[], None] | None = None) -> list:
        """``[function(*args) for args in arguments]``, in parallel when there is a pool;
        ``done()`` is called in this thread as each result is collected (in order).

        Raises:
            WorkerLost: a process of the pool died (the pool is then unusable).
        """
        executor = self._executor or self._in_process
        futures = [executor.submit(released, function, *a) for a in arguments]
        try:
            return [_collected(future.result(), done) for future in futures]
        except BrokenProcessPool as error:
            raise WorkerLost() from error

    def close(self, cancel: bool = False) -> None:
        """Stop the in-process thread (a process pool is shut down by its owner); with
        ``cancel``, calls not yet started are dropped and the running one is not waited for."""
        self._in_process.shutdown(wait=not cancel, cancel_futures=cancel)


class DaskPool(WorkerPool):
    """Calls functions on the workers of a Dask cluster."""

    relays_progress = False

    def __init__(self, client: Any) -> None:
        super().__init__()
        self._client = client

    def call(self, function: Callable[..., Any], *args: Any) -> Any:
        from distributed import KilledWorker

        try:
            return self._client.submit(released, function, *args, pure=False).result()
        except KilledWorker as error:  # (Dask retries a task on another worker a few times first)
            raise WorkerLost() from error

    def map(self, function: Callable[..., Any], arguments: list[tuple], done: Callable[[], None] | None = None) -> list:
        from distributed import KilledWorker

        futures = [self._client.submit(released, function, *args, pure=False) for args in arguments]
        try:
            if done is None:
                return self._client.gather(futures)
            return [_collected(future.result(), done) for future in futures]
        except KilledWorker as error:  # (Dask retries a task on another worker a few times first)
            raise WorkerLost() from error


def _collected(result: Any, done: Callable[[], None] | None) -> Any:
    """``result``, after telling ``done`` (if any) that it is in."""
    if done is not None:
        done()
    return result


@contextmanager
def worker_pool(workers: int, batches: int, dask_address: str | None = None) -> Iterator[WorkerPool]:
    """The pool a run uses (see the module docstring), shut down on exit.

    The default process pool never has more processes than there are ``batches``; its
    workers are started with "spawn", not fork: the flow's process runs Prefect's threads,
    and a forked child can inherit a lock one of them held and hang for ever.

    When the run stops early (an error, or Ctrl-C raising ``KeyboardInterrupt``), calls not
    yet started are dropped and the pool's processes are stopped rather than waited for:
    what they were writing is staging that no commit names.
    """
    if dask_address or workers >= 2:
        with _dask_client(workers, dask_address) as client:
            yield DaskPool(client)
        return
    count = min(default_workers(), batches) if workers == 0 else 1
    if count <= 1:
        pool = WorkerPool()
        try:
            yield pool
        except BaseException:
            pool.close(cancel=True)
            raise
        pool.close()
        return
    context = multiprocessing.get_context("spawn")
    relay = Relay(context)
    executor = ProcessPoolExecutor(
        max_workers=count, mp_context=context, initializer=_start_worker, initargs=(relay.queue,)
    )
    try:
        yield WorkerPool(executor)
    except BaseException:
        _stop_now(executor)
        relay.close()
        raise
    executor.shutdown()
    relay.close()


def _start_worker(progress_channel: Any) -> None:
    """In a pool's process: leave Ctrl-C to the run's process (a terminal sends it to the
    whole process group), which stops the pool; an idle worker would otherwise die of
    ``KeyboardInterrupt`` with a traceback. Progress goes to the run's process."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    send_to(progress_channel)


def _stop_now(executor: ProcessPoolExecutor) -> None:
    """Drop the calls not yet started and end the pool's processes without waiting for their
    current calls (a dedup block or a write can take minutes)."""
    processes = list((getattr(executor, "_processes", None) or {}).values())  # (no public API before 3.14)
    executor.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        process.terminate()
    executor.shutdown(wait=True)


def check_cluster(address: str) -> None:
    """Connect to the Dask scheduler at ``address`` once, and hang up.

    Raises:
        ClusterError: it does not answer within ``CONNECT_TIMEOUT_SECONDS``.
    """
    with _dask_client(0, address):
        pass


@contextmanager
def _dask_client(workers: int, address: str | None) -> Iterator[Any]:
    """A client of the cluster at ``address``, or of a new loopback ``LocalCluster``."""
    from distributed import Client, LocalCluster  # imported here: only Dask runs pay for it

    if address:
        log.info("running on the Dask cluster at %s", address)
        try:
            client = Client(address, timeout=CONNECT_TIMEOUT_SECONDS)
        except (OSError, ValueError, TypeError) as error:
            raise ClusterError(f"cannot reach the Dask scheduler at {address}: {error}") from error
        with client:
            yield client
        return
    log.info("starting a local Dask cluster of %d worker processes", workers)
    with (
        LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            # dashboard_address=None still serves the scheduler's HTTP routes on :8787 (Dask
            # falls back to its default port): a free loopback port instead, and no dashboard.
            dashboard_address="127.0.0.1:0",
            scheduler_kwargs={"dashboard": False},
            silence_logs=logging.WARNING,
        ) as cluster,
        Client(cluster) as client,
    ):
        yield client
