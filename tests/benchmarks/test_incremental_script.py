"""The incremental benchmark runs end to end on a tiny store (no timing is asserted here)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.conftest import REPO

pytestmark = pytest.mark.slow  # a backfill and three hourly runs, each a CLI run in a fresh process


def test_incremental_script_builds_a_store_then_runs_hourly_with_nothing_rewritten(tmp_path):
    result = subprocess.run(
        [
            sys.executable,
            str(REPO / "benchmarks" / "incremental.py"),
            *("--stored", "300", "--runs", "2", "--run-files", "50", "--work-dir", str(tmp_path), "--json"),
        ],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    rows = json.loads(result.stdout)
    assert [row["run"] for row in rows] == [1, 2, "nothing new"]
    for row in rows[:2]:
        assert row["articles"] + row["duplicates"] == 50 and row["duplicates"] >= 8  # 10 copies of stored stories
        assert row["wall_s"] > 0 and row["cpu_s"] > 0 and row["peak_rss_mib"] > 0 and row["input_mib"] > 0
        # One new file per table the run added rows to (articles, duplicates, signatures,
        # clusters, inputs, runs); nothing committed is rewritten.
        assert row["files_added"] == 6 and 0 < row["written_mib"] < 2 * row["input_mib"] + 0.5
    assert rows[1]["files_per_table"]["articles"] == rows[0]["files_per_table"]["articles"] + 1
    nothing = rows[2]
    assert (nothing["articles"], nothing["duplicates"], nothing["files_added"]) == (0, 0, 1)
    assert nothing["files_per_table"]["runs"] == rows[1]["files_per_table"]["runs"] + 1
