"""Progress of a run as log records, and a terminal progress bar that listens to them.

The flow's tasks log one record per finished batch on the ``newsdedup.progress`` logger;
whoever wants a progress display (the CLI on a terminal) attaches ``ProgressBar``. Nothing
in the pipeline knows whether anyone is watching.
"""

from __future__ import annotations

import logging
import time

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

LOGGER = "newsdedup.progress"


def report_total(files: int) -> None:
    """Record that the run has ``files`` input files in all."""
    logging.getLogger(LOGGER).debug("files found", extra={"files_total": files})


def report_files(files: int, records: int) -> None:
    """Record that ``files`` more input files (holding ``records`` records) are done."""
    # DEBUG: only a listener that asked for it (the progress bar) sees these.
    logging.getLogger(LOGGER).debug("files done", extra={"files_done": files, "records_done": records})


class ProgressBar(logging.Handler):
    """A rich progress bar (files, records/s) driven by ``report_total`` and ``report_files``
    records (until the total is known, the bar pulses).

    Use as a context manager around the run; it draws on standard error.
    """

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self._progress = Progress(
            TextColumn("ingesting"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("files  {task.fields[records]:,} records  {task.fields[rate]:,.0f} records/s"),
            TimeElapsedColumn(),
            console=Console(stderr=True),
            transient=True,
        )
        self._task = self._progress.add_task("ingest", total=None, records=0, rate=0.0)
        self._records = 0
        self._started = time.perf_counter()

    def emit(self, record: logging.LogRecord) -> None:
        if hasattr(record, "files_total"):
            self._progress.update(self._task, total=record.files_total)
            return
        self._records += getattr(record, "records_done", 0)
        rate = self._records / max(time.perf_counter() - self._started, 1e-9)
        self._progress.update(self._task, advance=getattr(record, "files_done", 0), records=self._records, rate=rate)

    def __enter__(self) -> ProgressBar:
        logger = logging.getLogger(LOGGER)
        logger.setLevel(logging.DEBUG)
        logger.propagate = False  # the bar shows it; the run's log need not
        logger.addHandler(self)
        self._progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        logger = logging.getLogger(LOGGER)
        logger.removeHandler(self)
        logger.setLevel(logging.NOTSET)
        logger.propagate = True
        self._progress.stop()
