"""The year simulation runs end to end at a small run count (no timing is asserted here)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.conftest import REPO

pytestmark = pytest.mark.slow  # the script end to end, with its measuring child processes


def test_year_script_simulates_runs_compacts_and_prints_the_table(tmp_path):
    result = subprocess.run(
        [sys.executable, str(REPO / "benchmarks" / "year.py"), "--runs", "50", "--output", str(tmp_path / "out")],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    rows = (line.split("|") for line in result.stdout.splitlines()[2:])
    table = {cells[1].strip(): (cells[2].strip(), cells[3].strip()) for cells in rows}
    # 50 hourly runs from 00:15: three days, so three ingest_date partitions.
    for name, after in (
        ("articles", 3),
        ("duplicates", 3),
        ("rejects", 3),
        ("signatures", 1),
        ("inputs", 1),
        ("runs", 1),
    ):
        assert table[f"files: {name}"] == ("50", str(after)), name
    assert table["articles rows (DuckDB count(*))"] == ("500", "500")
    for measure in (
        "DuckDB count(*) over articles, s",
        "hourly run: open for writing (lock, manifest, recovery), s",
        "hourly run: inputs-ledger look-up of 1,000 files, s",
        "hourly run: load stored stories for dedup, s",
    ):
        assert all(float(value) >= 0 for value in table[measure]), measure
    assert table["simulated hourly runs"][0] == "50"
    assert float(table["compact: wall s"][0]) > 0 and float(table["compact: peak RSS, MiB"][0].replace(",", "")) > 0
    assert not (tmp_path / "out").exists()  # removed unless --keep
