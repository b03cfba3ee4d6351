"""The throughput benchmark runs end to end at a small N (no timing is asserted here)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.conftest import REPO, shared_data

pytestmark = pytest.mark.slow  # each test runs the benchmark script end to end


def run_script(*arguments: str) -> dict[str, str]:
    """Run benchmarks/throughput.py; its printed table as measure -> value."""
    result = subprocess.run(
        [sys.executable, str(REPO / "benchmarks" / "throughput.py"), *arguments],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    rows = (line.split("|") for line in result.stdout.splitlines()[2:])
    return {cells[1].strip(): cells[2].strip() for cells in rows}


def record_counts(table: dict[str, str]) -> tuple[int, int, int]:
    """Articles, duplicates and rejects from the table."""
    articles, duplicates, rejects = (
        int(n.replace(",", "")) for n in table["articles / duplicates / rejects"].split(" / ")
    )
    return articles, duplicates, rejects


def test_throughput_script_runs_on_a_small_generated_corpus(tmp_path):
    table = run_script("--n", "300", "--sign-sample", "50", "--corpus-dir", str(tmp_path / "corpus"))
    assert table["documents"] == "300"
    articles, duplicates, rejects = record_counts(table)
    assert articles + duplicates + rejects == 300 and duplicates > 0 and rejects == 0
    precision, recall, ari = (float(x) for x in table["dedup vs generator labels: P / R / ARI"].split(" / "))
    assert precision > 0.99 and recall > 0.9
    for measure in ("documents/s end to end", "peak RSS of the largest process, MiB", "signing speed-up"):
        assert table[measure]
    # The pipeline's processes (CLI, Prefect's server, workers) are counted once reaped.
    assert float(table["CPU s: all processes (start-up included)"].replace(",", "")) > 1
    assert table["documents per CPU-second"]
    # The default corpus is the syndication one: a wire story's copies among mostly single stories.
    assert 30 < float(table["copies of another document (syndication corpus)"].rstrip("%")) < 80
    assert 0 < float(table["dedup candidate pairs per document"]) <= 5
    assert table["dedup share of wall time"].endswith("%")


def test_html_mode_runs_newsdedup_and_trafilatura_on_the_same_pages(tmp_path):
    dev_pages = shared_data("extraction-dev/html").parent
    table = run_script(
        "--html",
        "--html-pages",
        "40",
        "--html-distinct",
        "10",
        "--html-data",
        str(dev_pages),
        "--corpus-dir",
        str(tmp_path / "corpus"),
    )
    assert (table["pages"], table["distinct source pages"]) == ("40", "10")
    # 40 pages on one batch: the pipeline runs one worker, so the pool has one process.
    assert table["newsdedup workers = trafilatura pool processes"] == "1"
    articles, duplicates, rejects = record_counts(table)
    # Four copies of ten pages: every page is accounted for, and copies are found.
    assert articles + duplicates + rejects == 40 and 0 < articles <= 10 and duplicates >= 30 - rejects
    missed = [int(n) for n in table["trafilatura pages without a text (1 process / pool)"].split(" / ")]
    assert missed[0] == missed[1] <= 40
    for measure in (
        "newsdedup pages/s end to end",
        "newsdedup pages/s excluding start-up",
        "trafilatura pages/s, 1 process",
        "trafilatura pages/s, 1-process pool",
        "ratio: newsdedup end to end / trafilatura 1-process pool",
        "ratio: newsdedup excluding start-up / trafilatura 1-process pool",
        "CPU s: newsdedup (all processes, start-up included)",
        "ratio: pages per CPU-second, newsdedup / trafilatura pool",
    ):
        assert float(table[measure].rstrip("x").replace(",", "")) > 0, measure
    assert int(table["newsdedup peak RSS of the largest process, MiB"].replace(",", "")) > 0
