"""Progress of a run as log records, for whoever wants to show it.

The flow and the pipeline log progress records on the ``newsdedup.progress`` logger of
the run's own process: ``report_total`` once the inputs are found, ``report_stage`` as each
stage begins (read+clean+sign, dedup, write), then ``report_files`` per template window
read, cleaned and signed, or ``report_tasks`` and ``report_task_done`` for the tasks of
dedup and write. Worker processes of the run's process pool send their reports to it
(``Relay``); a Dask worker's stay there, and the batch is reported when it returns.
Whoever wants a display (the CLI on a terminal) attaches ``newsdedup.display``'s
``ProgressDisplay``. Nothing in the pipeline knows whether anyone is watching.
"""

from __future__ import annotations

import logging
import queue
import threading
from multiprocessing.context import BaseContext
from typing import Any

LOGGER = "newsdedup.progress"

#: The stages a run reports, in order, and what the display calls them.
STAGES = {"read": "read, clean, sign", "dedup": "dedup", "write": "write"}


def report_total(files: int) -> None:
    """Record that the run found ``files`` input files in all."""
    _report("files found", found=files)


def report_stage(stage: str, total: int | None = None, skipped: int = 0) -> None:
    """Record that ``stage`` (a key of ``STAGES``) begins and the one before it ended; for
    "read", ``total`` files are to be read and ``skipped`` were left out as unchanged."""
    _report("stage begins", stage=stage, total=total, skipped=skipped)


def report_files(files: int, records: int) -> None:
    """Record that ``files`` more input files (holding ``records`` records) are read."""
    _report("files done", files=files, records=records)


def report_tasks(count: int) -> None:
    """Record that the current stage has ``count`` more tasks to run."""
    _report("tasks planned", tasks=count)


def report_task_done() -> None:
    """Record that one task of the current stage is done."""
    _report("task done", done=1)


#: In a worker process of the run's process pool: where its reports go (``send_to``).
_channel: Any = None


def _report(message: str, **fields: object) -> None:
    if _channel is not None:
        _channel.put((message, fields))
    else:
        _log(message, fields)


def _log(message: str, fields: dict) -> None:
    # DEBUG: only a listener that asked for it (the display) sees these.
    logging.getLogger(LOGGER).debug(message, extra={"progress": fields})


def send_to(channel: Any) -> None:
    """In a worker process: send this process's reports to ``channel`` (a ``Relay``'s
    queue) rather than to its own log, which nobody watches."""
    global _channel
    _channel = channel


class Relay:
    """Reports of worker processes, logged in this (the run's) process as they arrive.

    The workers get ``queue`` (``send_to``, at their start); a thread here takes what they
    put on it, until ``close``.
    """

    def __init__(self, context: BaseContext) -> None:
        self.queue = context.Queue()
        self._closed = threading.Event()
        self._thread = threading.Thread(target=self._relay, name="newsdedup-progress-relay", daemon=True)
        self._thread.start()

    def _relay(self) -> None:
        while not self._closed.is_set():
            try:
                message, fields = self.queue.get(timeout=0.1)
            except queue.Empty:
                continue
            except (EOFError, OSError, ValueError):  # the queue broke with a worker stopped mid-put
                return
            _log(message, fields)

    def close(self) -> None:
        """Stop relaying (reports still in flight are dropped: the stage's end completes its row)."""
        self._closed.set()
        self._thread.join(timeout=1)  # (a daemon: a worker killed mid-put cannot hold up the run)
        self.queue.cancel_join_thread()
