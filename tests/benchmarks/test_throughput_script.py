"""The throughput benchmark runs end to end at a small N (no timing is asserted here)."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import REPO


def test_throughput_script_runs_on_a_small_generated_corpus(tmp_path):
    result = subprocess.run(
        [
            sys.executable,
            str(REPO / "benchmarks" / "throughput.py"),
            "--n",
            "300",
            "--sign-sample",
            "50",
            "--corpus-dir",
            str(tmp_path / "corpus"),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    table = dict(
        (cells[1].strip(), cells[2].strip()) for cells in (line.split("|") for line in result.stdout.splitlines()[2:])
    )
    assert table["documents"] == "300"
    articles, duplicates, rejects = (
        int(n.replace(",", "")) for n in table["articles / duplicates / rejects"].split(" / ")
    )
    assert articles + duplicates + rejects == 300 and duplicates > 0 and rejects == 0
    precision, recall, ari = (float(x) for x in table["dedup vs generator labels: P / R / ARI"].split(" / "))
    assert precision > 0.99 and recall > 0.9
    for measure in ("documents/s end to end", "peak RSS of the largest process, MiB", "signing speed-up"):
        assert table[measure]
