"""Shared test set-up: paths, and one Prefect test server for the whole session."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# Read by Prefect at import time: quiet telemetry (it races the run for SQLite's lock).
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")

REPO = Path(__file__).resolve().parent.parent
SEEDS = REPO / "seeds"


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
