"""The compaction flow on a real Prefect server: what it does to the Parquet, and how it fails."""

from __future__ import annotations

import os

import pyarrow.dataset as ds
import pytest

from benchmarks.year import simulate_year
from storage.dataset import Dataset, DatasetLockedError


@pytest.fixture
def hourly_output(tmp_path):
    """An output of 30 simulated hourly runs (a file per table per run, two days)."""
    output = tmp_path / "out"
    simulate_year(str(output), 30, articles=2, duplicates=1, rejects=1, words=30)
    return output


def test_the_flow_compacts_each_table_and_publishes_what_it_did(prefect_server, hourly_output):
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId, FlowRunFilter, TaskRunFilter
    from prefect.client.schemas.sorting import ArtifactSort

    from flows.compact import compact_flow

    before = ds.dataset(hourly_output / "articles", format="parquet", partitioning="hive").to_table()
    state = compact_flow(output=str(hourly_output), return_state=True)
    assert state.is_completed(), state.message
    summary = state.result()
    assert {t: (c["files_before"], c["files_after"]) for t, c in summary["tables"].items()} == {
        "articles": (30, 2),
        "duplicates": (30, 2),
        "clusters": (30, 1),
        "rejects": (30, 2),
        "signatures": (30, 1),
        "inputs": (30, 1),
        "runs": (30, 1),
    }
    after = ds.dataset(hourly_output / "articles", format="parquet", partitioning="hive").to_table()
    assert after.to_pylist() == before.to_pylist()

    with get_client(sync_client=True) as client:
        [artifact] = client.read_artifacts(
            artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[state.state_details.flow_run_id])),
            flow_run_filter=FlowRunFilter(),
            task_run_filter=TaskRunFilter(),
            sort=ArtifactSort.CREATED_DESC,
            limit=10,
            offset=0,
        )
    assert artifact.key == "compaction-summary" and "| articles | 30 | 2 |" in artifact.data


def test_a_locked_output_or_a_bad_size_fails_the_run_in_one_line(prefect_server, hourly_output, tmp_path):
    from flows.compact import compact_flow

    with Dataset.open(str(hourly_output)):  # an ingest is writing
        state = compact_flow(output=str(hourly_output), return_state=True)
        with pytest.raises(DatasetLockedError):
            compact_flow(output=str(hourly_output))
    assert state.is_failed()
    assert (
        state.message
        == f"output {hourly_output} is being written by another run (pid {os.getpid()}); try again when it ends"
    )
    state = compact_flow(output=str(hourly_output), target_size="big", return_state=True)
    assert state.message == "bad parameter: target_size: not a size: 'big' (examples: 128MiB, 64M, 1G, 1048576)"
    state = compact_flow(output=str(tmp_path / "nothing"), return_state=True)
    assert state.message == f"{tmp_path / 'nothing'} is not a newsdedup dataset (no _manifest.json)"
    assert len(Dataset.for_reading(str(hourly_output)).files("runs")) == 30  # nothing was compacted
