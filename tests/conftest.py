"""Shared test set-up: paths, and one Prefect test server for the whole session."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# Read by Prefect at import time: quiet telemetry (it races the run for SQLite's lock).
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")

REPO = Path(__file__).resolve().parent.parent
SEEDS = REPO / "seeds"
#: The shared dev data sets: ``../shared/data`` beside the checkout (as in CI), where the benchmarks read them.
SHARED_DATA = REPO.parent / "shared" / "data"
#: Set to ``1`` (``.ci/run`` does) to make a missing shared data set fail the tests instead of skipping them.
REQUIRE_DATA = "NEWSDEDUP_REQUIRE_DATA"


def shared_data(name: str) -> Path:
    """The folder of a shared data set (``"extraction-dev"``, ``"dedup-dev/docs"``, ...), or skip the test.

    The data sets are third-party and live beside the checkout, not in it, so a fresh clone
    elsewhere has none: a test that needs one skips, naming the absolute path it looked for.
    With ``NEWSDEDUP_REQUIRE_DATA=1`` it fails instead, so CI cannot pass without the data.
    """
    path = SHARED_DATA / name
    if path.is_dir():
        return path
    message = f"needs the shared data set {name!r}, expected at {path} (not found)"
    if os.environ.get(REQUIRE_DATA) == "1":
        pytest.fail(f"{message}; {REQUIRE_DATA}=1 requires it", pytrace=False)
    pytest.skip(f"{message}; set {REQUIRE_DATA}=1 to fail instead")


@pytest.fixture(scope="session")
def prefect_server():
    """A temporary Prefect server shared by every test that runs a whole flow."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


@pytest.fixture
def run_ingest(prefect_server):
    """Run the real ingest flow: ``run_ingest(inputs, output, **params) -> summary dict``."""
    from flows.ingest import ingest_flow

    def run(inputs, output, **params):
        return ingest_flow(inputs=[str(i) for i in inputs], output=str(output), **params)

    return run
