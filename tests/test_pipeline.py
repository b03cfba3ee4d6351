"""How a run's input files are cut into parse tasks."""

from __future__ import annotations

from newsdedup.pipeline import TASKS_PER_WORKER, batches
from parsers import rules

WINDOW = rules.TEMPLATE_WINDOW_FILES


def sizes(files: int, size: int, workers: int) -> list[int]:
    tasks = batches(range(files), size, workers)
    assert [n for task in tasks for n in task] == list(range(files))  # every file once, in order
    return [len(task) for task in tasks]


def test_a_big_run_gets_tasks_of_the_batch_size():
    assert sizes(100_000, 4 * WINDOW, 2) == [4 * WINDOW] * (100_000 // (4 * WINDOW))
    assert sizes(100_000 + 7, 4 * WINDOW, 2)[-1] == 7


def test_a_small_run_is_cut_in_whole_template_windows_so_every_worker_has_work():
    # Three windows' worth of files on two workers: one window per task, as a batch size of
    # one window would give (what is template does not change with the run's size).
    assert sizes(3 * WINDOW, 4 * WINDOW, 2) == [WINDOW] * 3
    assert sizes(2 * WINDOW + 10, 4 * WINDOW, 2) == [WINDOW, WINDOW, 10]
    # Enough files for TASKS_PER_WORKER tasks of two windows each.
    files = 2 * WINDOW * TASKS_PER_WORKER * 2
    assert sizes(files, 4 * WINDOW, 2) == [2 * WINDOW] * (TASKS_PER_WORKER * 2)


def test_a_task_is_never_smaller_than_a_window_nor_larger_than_the_batch_size():
    assert sizes(40, 4 * WINDOW, 2) == [40]
    assert sizes(WINDOW + 1, 4 * WINDOW, 8) == [WINDOW, 1]
    assert sizes(10, 3, 2) == [3, 3, 3, 1]


def test_one_worker_takes_the_batch_size_as_it_is():
    assert sizes(3 * WINDOW, 4 * WINDOW, 1) == [3 * WINDOW]
