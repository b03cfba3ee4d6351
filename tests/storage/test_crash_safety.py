"""A run killed with SIGKILL anywhere in its write path leaves a dataset that reads cleanly
and equals the state before or after the run; the next run completes the work."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pyarrow.dataset as ds
import pytest

from storage.dataset import Dataset
from storage.schema import TABLES
from tests.conftest import REPO, SEEDS
from tests.fixtures.pages import FERRY, FERRY_TITLE, ORCHARD, ORCHARD_TITLE, text_dump

DRIVER = Path(__file__).with_name("crash_run.py")


def run_driver(output: Path, kill_at: int, inputs: list[Path]) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run(
        [sys.executable, str(DRIVER), str(output), str(kill_at), *map(str, inputs)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def state(dataset: Dataset) -> dict:
    """What a reader sees: the record keys and cluster sizes of each table."""
    seen = {}
    for table in ("articles", "duplicates", "rejects"):
        data = dataset.read(table)
        rows = [] if data is None else data.to_pylist()
        seen[table] = sorted((r["source_path"], r.get("cluster_size")) for r in rows)
    runs = dataset.read("runs")
    seen["runs"] = 0 if runs is None else runs.num_rows
    return seen


@pytest.mark.slow  # a run killed at each of its fsyncs, each in a fresh process
def test_kill_at_every_write_point(tmp_path):
    inbox = tmp_path / "inbox"
    shutil.copytree(SEEDS, inbox)
    base = tmp_path / "base"
    assert run_driver(base, 0, [inbox]).returncode == 0
    before = state(Dataset.for_reading(str(base)))
    # Run 2 adds two stories, a syndicated copy of a stored seed and a reject.
    (inbox / "ferry.txt").write_text(text_dump(FERRY_TITLE, FERRY))
    (inbox / "orchard.txt").write_text(text_dump(ORCHARD_TITLE, ORCHARD))
    seed = (SEEDS / "003_809269d57f52441b.txt").read_text()
    (inbox / "seed-copy.txt").write_text("World / Asia\n\n" + seed.replace("TOKYO —", "AMMAN, Jordan —"))
    (inbox / "empty.txt").write_text("")
    reference = tmp_path / "reference"
    shutil.copytree(base, reference)
    completed = run_driver(reference, 0, [inbox])
    assert completed.returncode == 0, completed.stderr
    after = state(Dataset.for_reading(str(reference)))
    assert after != before
    assert [copy for copy in after["duplicates"] if copy not in before["duplicates"]] == [("seed-copy.txt", 2)]
    total_fsyncs = int(completed.stdout.split("fsyncs=")[1])

    outcomes = set()
    for kill_at in range(1, total_fsyncs + 1):
        output = tmp_path / f"killed-{kill_at}"
        shutil.copytree(base, output)
        killed = run_driver(output, kill_at, [inbox])
        assert killed.returncode == -9, killed.stderr

        seen = state(Dataset.for_reading(str(output)))  # the committed state, without recovery
        assert seen in (before, after), f"killed at fsync {kill_at}: {seen}"
        outcomes.add("after" if seen == after else "before")
        for table in ("articles", "duplicates", "rejects", "runs"):  # plain readers: whole files only
            ds.dataset(output / table, format="parquet", partitioning="hive").to_table()

        finished = run_driver(output, 0, [inbox])  # the next run recovers and completes the work
        assert finished.returncode == 0, finished.stderr
        final = state(Dataset.for_reading(str(output)))
        assert {k: v for k, v in final.items() if k != "runs"} == {k: v for k, v in after.items() if k != "runs"}
        assert not [p for p in output.rglob(".g*")], "pending files left behind"
    assert outcomes == {"before", "after"}  # kills landed on both sides of the commit point


COMPACT_DRIVER = Path(__file__).with_name("crash_compact.py")


def compact_killed_at(output: Path, kill_at: int) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run(
        [sys.executable, str(COMPACT_DRIVER), str(output), str(kill_at)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def every_row(root: Path) -> dict[str, list[dict]]:
    """Every row of every table, in the manifest's order, as a reader of the manifest sees them."""
    dataset = Dataset.for_reading(str(root))
    return {t: dataset.read(t).to_pylist() if dataset.files(t) else [] for t in dataset.manifest.files}


def parquet_on_disk(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*.parquet") if not p.name.startswith(".")}


@pytest.mark.slow  # a compaction killed at each fsync, rename and delete, each in a fresh process
def test_compaction_killed_anywhere_leaves_the_same_rows_and_the_next_one_completes(tmp_path):
    from datetime import UTC, datetime

    from benchmarks.year import simulate_year

    base = tmp_path / "base"
    # Four hourly runs across midnight: two ingest_date partitions of two files each.
    simulate_year(
        str(base), 4, articles=2, duplicates=1, rejects=1, words=30, start=datetime(2026, 5, 1, 22, 15, tzinfo=UTC)
    )
    rows = every_row(base)
    reference = tmp_path / "reference"
    shutil.copytree(base, reference)
    completed = compact_killed_at(reference, 0)
    assert completed.returncode == 0, completed.stderr
    assert every_row(reference) == rows
    compacted = Dataset.for_reading(str(reference)).manifest.files
    total_steps = int(completed.stdout.split("steps=")[1])

    outcomes = set()
    for kill_at in range(1, total_steps + 1):
        output = tmp_path / f"killed-{kill_at}"
        shutil.copytree(base, output)
        killed = compact_killed_at(output, kill_at)
        assert killed.returncode == -9, killed.stderr

        # Without recovery, a reader of the manifest sees every row once, in order.
        assert every_row(output) == rows, f"killed at step {kill_at}"
        outcomes.add("after" if Dataset.for_reading(str(output)).manifest.files == compacted else "before")
        for table in TABLES:  # plain readers: whole files only
            ds.dataset(output / table, format="parquet", partitioning="hive").to_table()

        with Dataset.open(str(output)) as dataset:  # the next writer's recovery: garbage removed
            listed = {name for names in dataset.manifest.files.values() for name in names}
        assert parquet_on_disk(output) == listed and not list(output.rglob(".g*")), f"killed at step {kill_at}"
        assert every_row(output) == rows

        finished = compact_killed_at(output, 0)  # the next compaction completes the work
        assert finished.returncode == 0, finished.stderr
        assert Dataset.for_reading(str(output)).manifest.files.keys() == compacted.keys()
        assert [len(f) for f in Dataset.for_reading(str(output)).manifest.files.values()] == [
            len(f) for f in compacted.values()
        ]
        assert every_row(output) == rows
    assert outcomes == {"before", "after"}  # kills landed on both sides of the commit point
