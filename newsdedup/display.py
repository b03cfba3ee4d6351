"""The run's progress on a terminal: a rich display of the ``newsdedup.progress`` records."""

from __future__ import annotations

import logging
import time

from rich.console import Console
from rich.progress import BarColumn, Progress, ProgressColumn, Task, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Column
from rich.text import Text

from newsdedup.progress import LOGGER, STAGES


class _StageDetail(ProgressColumn):
    """What a row's bar does not say: what start-up waits for; files, records/s and ETA
    for reading (from the stage's own start, not the run's); tasks for dedup and write."""

    def render(self, task: Task) -> Text:
        fields = task.fields
        if fields["kind"] == "startup":
            return Text(fields["doing"])
        if fields["kind"] == "tasks":
            return Text(f"{int(task.completed)}/{int(task.total or 0)} tasks")
        elapsed = (task.stop_time or time.monotonic()) - task.start_time if task.start_time else 0.0
        done, total = int(task.completed), int(task.total or 0)
        rate = fields["records"] / elapsed if elapsed > 0 else 0.0
        if task.finished:
            eta = "0:00:00"
        elif done and elapsed > 0:
            eta = _clock(elapsed * (total - done) / done)
        else:
            eta = "-:--:--"
        return Text(f"{done:,}/{total:,} files  {rate:,.0f} records/s  ETA {eta}")


def _clock(seconds: float) -> str:
    whole = int(seconds + 0.5)
    return f"{whole // 3600}:{whole // 60 % 60:02d}:{whole % 60:02d}"


class ProgressDisplay(logging.Handler):
    """Rich progress rows on standard error, driven by the ``report_*`` records: a start-up
    row (what the run is waiting for), then one bar per stage, each with its own clock.

    Use as a context manager around the run; the rows are cleared when it ends (the run's
    summary says what each stage did and how long it took).
    """

    def __init__(self, startup: str) -> None:
        super().__init__(level=logging.DEBUG)
        # The bar takes what the other columns leave of the terminal's width; they never wrap.
        self._progress = Progress(
            TextColumn("{task.description}", table_column=Column(no_wrap=True)),
            BarColumn(bar_width=None, table_column=Column(ratio=1)),
            TimeElapsedColumn(table_column=Column(no_wrap=True)),
            _StageDetail(table_column=Column(no_wrap=True)),
            console=Console(stderr=True),
            transient=True,
            expand=True,
        )
        self._startup = self._progress.add_task("start-up", total=None, kind="startup", doing=startup)
        self._stage: TaskID | None = None
        self._read: TaskID | None = None

    def startup(self, doing: str) -> None:
        """Say what the run waits for now (while no stage has begun)."""
        if self._stage is None:
            self._progress.update(self._startup, doing=doing)
            self._progress.refresh()

    def emit(self, record: logging.LogRecord) -> None:
        fields = getattr(record, "progress", None)
        if fields is None:
            return
        if "found" in fields:
            self.startup(f"found {fields['found']:,} input files")
        elif fields.get("stage") == "read" and fields["skipped"]:
            self.startup(f"found {fields['total'] + fields['skipped']:,} input files, {fields['skipped']:,} unchanged")
            self._begin("read", fields["total"])
        elif "stage" in fields:
            self._begin(fields["stage"], fields["total"])
        elif self._stage is None or self._read is None:
            return
        elif "files" in fields:  # (may come from a worker after its stage ended: to the read row)
            read = self._task(self._read)
            files = min(fields["files"], int(read.total or 0) - int(read.completed))
            self._progress.update(self._read, advance=files, records=read.fields["records"] + fields["records"])
        elif "tasks" in fields:
            self._progress.update(self._stage, total=(self._task(self._stage).total or 0) + fields["tasks"])
        elif "done" in fields:
            self._progress.advance(self._stage, fields["done"])

    def _begin(self, stage: str, total: int | None) -> None:
        """End the start-up row or the previous stage's, and add ``stage``'s."""
        self._end(self._stage if self._stage is not None else self._startup)
        if stage == "read":
            self._stage = self._read = self._progress.add_task(STAGES[stage], total=total, records=0, kind="files")
        else:
            self._stage = self._progress.add_task(STAGES[stage], total=0, kind="tasks")
        self._progress.refresh()  # every stage is drawn at least once, however short

    def _end(self, task_id: TaskID) -> None:
        task = self._task(task_id)
        if task.total is None:  # the start-up row: a pulse until now
            self._progress.update(task_id, total=1, completed=1)
        else:
            self._progress.update(task_id, completed=task.total)
        self._progress.stop_task(task_id)
        self._progress.refresh()

    def _task(self, task_id: TaskID) -> Task:
        return next(task for task in self._progress.tasks if task.id == task_id)

    def __enter__(self) -> ProgressDisplay:
        logger = logging.getLogger(LOGGER)
        logger.setLevel(logging.DEBUG)
        logger.propagate = False  # the display shows it; the run's log need not
        logger.addHandler(self)
        self._progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        logger = logging.getLogger(LOGGER)
        logger.removeHandler(self)
        logger.setLevel(logging.NOTSET)
        logger.propagate = True
        if self._stage is not None and not exc[0]:
            self._end(self._stage)
        self._progress.stop()
