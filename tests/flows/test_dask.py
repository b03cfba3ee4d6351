"""The ingest flow on a real Dask cluster (a LocalCluster of two worker processes on
loopback) writes exactly what the single-process run writes: same articles, duplicates,
rejects and ids, on a first run and on a run that adds to stored stories."""

from __future__ import annotations

import shutil

import pytest
from distributed import LocalCluster

from benchmarks.synthetic import generate
from storage.dataset import Dataset
from tests.conftest import SEEDS
from tests.fixtures.pages import FERRY, FERRY_TITLE, ORCHARD, ORCHARD_TITLE, text_dump

pytestmark = pytest.mark.slow

#: Columns that differ between two runs of the same input (the run's id and clock).
RUN_COLUMNS = {"run_id", "ingested_at", "ingest_date"}


@pytest.fixture(scope="module")
def dask_scheduler():
    """The address of a LocalCluster of 2 single-threaded worker processes on loopback."""
    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None
    ) as cluster:
        yield cluster.scheduler_address


def dataset_contents(output) -> dict[str, list[dict]]:
    """Every committed row of the four tables (``output``: a path or URL), without run
    stamps, in a stable order."""
    dataset = Dataset.for_reading(str(output))
    contents = {}
    for table in ("articles", "duplicates", "rejects", "signatures"):
        rows = [{k: v for k, v in row.items() if k not in RUN_COLUMNS} for row in dataset.read(table).to_pylist()]
        contents[table] = sorted(
            rows, key=lambda r: (r.get("source_path", ""), r.get("source_record", 0), r.get("article_id", ""))
        )
    return contents


def dev_like_inbox(root):
    """Syndicated copies with other sites' chrome, the seeds, and junk that is rejected."""
    inbox = root / "inbox"
    inbox.mkdir()
    for number in range(8):
        (inbox / f"ferry-{number}.txt").write_text(
            text_dump(FERRY_TITLE, FERRY[: 3 + number % 4], site=f"Site {number}")
        )
        (inbox / f"orchard-{number}.txt").write_text(text_dump(ORCHARD_TITLE, ORCHARD[number % 2 :], width=70 + number))
    shutil.copytree(SEEDS, inbox / "seeds")
    (inbox / "empty.txt").write_text("")
    (inbox / "binary.html").write_bytes(b"%PDF-1.4\x00\x01\x02")
    return inbox


def test_dev_like_fixtures_on_dask_equal_single_process(run_ingest, tmp_path, dask_scheduler):
    inbox = dev_like_inbox(tmp_path)
    single = run_ingest([inbox], tmp_path / "single", workers=1, batch_size=3, dedup_block_rows=4)
    # The output as a URL: the workers write staged and shuffle files through fsspec.
    url = f"file://{tmp_path}/dask"
    on_dask = run_ingest([inbox], url, dask_address=dask_scheduler, batch_size=3, dedup_block_rows=4)

    assert dataset_contents(url) == dataset_contents(tmp_path / "single")
    counts = ("articles", "duplicates", "rejects")
    assert [on_dask[c] for c in counts] == [single[c] for c in counts]
    assert single["duplicates"] >= 10 and single["rejects"] == 2


def test_generated_dumps_on_dask_equal_single_process_across_two_runs(run_ingest, tmp_path, dask_scheduler):
    generate(str(tmp_path / "corpus"), 3000, seed=11)
    docs = tmp_path / "corpus" / "docs"
    first = tmp_path / "first"
    for path in sorted(p for p in docs.rglob("*") if p.is_file())[:1500]:
        (first / path.relative_to(docs)).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, first / path.relative_to(docs))  # same relative path and bytes: run 2 knows the records

    def two_runs(output, **engine):
        # Run 1 stores stories; run 2 adds the rest, placed against the stored signatures
        # (read block by block from the signatures/ files).
        run_ingest([first], output, batch_size=250, dedup_block_rows=700, **engine)
        return run_ingest([docs], output, batch_size=250, dedup_block_rows=700, **engine)

    single = two_runs(tmp_path / "single", workers=1)
    on_dask = two_runs(tmp_path / "dask", dask_address=dask_scheduler)

    assert dataset_contents(tmp_path / "dask") == dataset_contents(tmp_path / "single")
    assert on_dask["duplicates"] == single["duplicates"] > 100
    # Another folder's files (the ledger knows files by real path) whose records run 1 stored.
    assert single["files_unchanged"] == on_dask["files_unchanged"] == 0
    assert single["skipped_known"] == on_dask["skipped_known"] == 1500
