"""The final write: articles, duplicates and signatures written by tasks over groups of
staged files, in worker processes when there are several."""

from __future__ import annotations

import multiprocessing
import pickle
import shutil
from concurrent.futures import ProcessPoolExecutor

import pyarrow as pa
import pyarrow.dataset as ds

from benchmarks.synthetic import generate
from newsdedup import commit
from newsdedup.commit import MAX_FILE_ROWS, MIN_WRITE_TASK_ROWS, write_groups
from newsdedup.workers import WorkerPool
from storage.dataset import Dataset
from tests.conftest import SEEDS
from tests.fixtures.pages import FERRY, FERRY_TITLE, ORCHARD, ORCHARD_TITLE, text_dump
from tests.storage.crash_run import ingest


def test_a_big_run_is_written_in_a_group_per_worker():
    groups = write_groups([2_000] * 50, workers=2)
    assert groups == [range(0, 25), range(25, 50)]


def test_a_small_run_is_written_by_one_task():
    assert write_groups([1_500, 2_000, 700], workers=2) == [range(0, 3)]
    assert sum(len(g) for g in write_groups([MIN_WRITE_TASK_ROWS // 2] * 4, workers=8)) == 4
    assert all(len(g) == 2 for g in write_groups([MIN_WRITE_TASK_ROWS // 2] * 4, workers=8))


def test_a_group_holds_at_most_a_file_of_rows_unless_one_staged_file_has_more():
    rows = [100_000] * 7 + [600_000, 10]
    groups = write_groups(rows, workers=1)
    assert groups == [range(0, 2), range(2, 4), range(4, 6), range(6, 7), range(7, 8), range(8, 9)]
    assert all(sum(rows[i] for i in group) <= MAX_FILE_ROWS for group in groups if len(group) > 1)


def test_groups_cover_every_staged_file_once_in_order():
    rows = [0, 3, 25_000, 1, 0, 40_000, 7, 12_345, 0]
    for workers in (1, 2, 3, 8):
        groups = write_groups(rows, workers)
        assert [i for g in groups for i in g] == list(range(len(rows)))
    assert write_groups([], 2) == []


def test_the_write_split_over_worker_processes_gives_the_tables_of_one_task(tmp_path, monkeypatch):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for number in range(5):
        (inbox / f"ferry-{number}.txt").write_text(text_dump(FERRY_TITLE, FERRY[: 3 + number % 4], site=f"S{number}"))
        (inbox / f"orchard-{number}.txt").write_text(text_dump(ORCHARD_TITLE, ORCHARD[number % 2 :], width=70 + number))
    shutil.copytree(SEEDS, inbox / "seeds")
    (inbox / "empty.txt").write_text("")

    def tables(output):
        found = {}
        for table in ("articles", "duplicates", "signatures", "rejects"):
            rows = ds.dataset(output / table, format="parquet", partitioning="hive").to_table().to_pylist()
            for row in rows:
                row.pop("run_id", None), row.pop("ingested_at", None)
            found[table] = sorted(rows, key=repr)
        return found

    one_pool = WorkerPool()
    try:
        one = ingest([str(inbox)], str(tmp_path / "one"), one_pool, workers=1)
    finally:
        one_pool.close()
    monkeypatch.setattr(commit, "MIN_WRITE_TASK_ROWS", 1)  # so that these few rows make several tasks
    with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("spawn")) as executor:
        split = ingest([str(inbox)], str(tmp_path / "split"), WorkerPool(executor), workers=2)

    assert len(Dataset.for_reading(str(tmp_path / "one")).files("articles")) == 1
    assert len(Dataset.for_reading(str(tmp_path / "split")).files("articles")) >= 2
    assert len(Dataset.for_reading(str(tmp_path / "split")).files("signatures")) >= 2
    assert tables(tmp_path / "one") == tables(tmp_path / "split")
    counts = ("articles", "duplicates", "rejects")
    assert [getattr(one, c) for c in counts] == [getattr(split, c) for c in counts]
    assert one.articles >= 3 and one.duplicates >= 4 and one.rejects == 1
    # The manifest names exactly the files on disk; no hidden file is left.
    for output in ("one", "split"):
        dataset = Dataset.for_reading(str(tmp_path / output))
        listed = {f for t in ("articles", "duplicates", "signatures", "rejects") for f in dataset.files(t)}
        on_disk = {
            str(p)
            for t in ("articles", "duplicates", "signatures", "rejects")
            for p in (tmp_path / output / t).rglob("*.parquet")
        }
        assert listed == on_disk
        assert not [p for p in (tmp_path / output).rglob(".g*")]


def test_a_write_task_is_sent_its_share_of_the_decisions_not_the_whole_run(tmp_path, monkeypatch):
    # The decisions are slices of one table; a slice pickled for a worker process would carry
    # the whole table. Tasks here go through pickle as they would to a process pool.
    generate(str(tmp_path / "corpus"), 400, seed=5)
    sent: list[bytes] = []

    class PicklingPool(WorkerPool):
        def map(self, function, arguments, done=None):
            pickled = [pickle.dumps(args) for args in arguments]
            if function is commit.write_decided:
                sent.extend(pickle.dumps(args[1]) for args in arguments)
            return super().map(function, [pickle.loads(p) for p in pickled], done)

    monkeypatch.setattr(commit, "MIN_WRITE_TASK_ROWS", 1)
    pool = PicklingPool()
    try:
        summary = ingest([str(tmp_path / "corpus" / "docs")], str(tmp_path / "out"), pool, workers=8)
    finally:
        pool.close()
    tables = [pickle.loads(data) for data in sent]
    tables = [t for table in tables for t in ([table] if isinstance(table, pa.Table) else table)]
    whole = pa.concat_tables(tables)
    assert whole.num_rows == summary.articles + summary.duplicates == 400
    compact = len(pickle.dumps(whole.take(pa.array(range(whole.num_rows)))))
    assert len(sent) >= 8
    assert sum(map(len, sent)) < 2 * compact  # each task got its rows, not the whole run's
