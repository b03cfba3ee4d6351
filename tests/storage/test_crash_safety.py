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
