"""prefect.yaml against a real Prefect server: deploy, check the schedule, run by a worker.

Everything goes through the `prefect` CLI, as a user would type it (README, "Scheduling and
triggering"), in subprocesses with their own environment: a private PREFECT_HOME (SQLite) and
PREFECT_API_URL on loopback. The test process's own environment and settings are left alone, so
the session-wide ``prefect_test_harness`` of the other flow tests is not disturbed.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from datetime import datetime, timedelta
from pathlib import Path

import pyarrow.dataset as ds
import pytest

from tests.conftest import REPO, SEEDS

pytestmark = [pytest.mark.server, pytest.mark.slow]

PREFECT = [sys.executable, "-m", "prefect"]
SERVER_START_TIMEOUT = 120  # seconds; the server usually answers in 8-15 s
CLI_TIMEOUT = 120
SCHEDULER_TIMEOUT = 60  # the scheduler looks at new deployments every 5 s
WORKER_TIMEOUT = 180  # the worker polls once, runs the flow and exits after it finishes


def free_loopback_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def stop(process: subprocess.Popen) -> None:
    """Terminate a process started with ``start_new_session=True`` and all its children."""
    for sig, wait in ((signal.SIGTERM, 20), (signal.SIGKILL, 10)):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            break
        try:
            process.wait(timeout=wait)
            break
        except subprocess.TimeoutExpired:
            continue


def tail(path: Path, lines: int = 40) -> str:
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


class PrefectCLI:
    """Runs ``prefect ...`` against one server, from the repository root."""

    def __init__(self, env: dict[str, str], logs: Path):
        self.env = env
        self.logs = logs

    def __call__(self, *args: str) -> str:
        result = subprocess.run(
            [*PREFECT, *args],
            cwd=REPO,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=CLI_TIMEOUT,
        )
        if result.returncode != 0:
            command = " ".join(args)
            output = f"{result.stdout}\n{result.stderr}"
            pytest.fail(f"prefect {command} exited {result.returncode}:\n{output}")
        return result.stdout

    def json(self, *args: str):
        return json.loads(self(*args, "--output", "json"))

    def flow_runs(self, deployment_id: str, *options: str) -> list[dict]:
        runs = self.json("flow-run", "ls", "--limit", "100", *options)
        return [run for run in runs if run["deployment_id"] == deployment_id]

    def scheduled_runs(self, deployment_id: str) -> list[dict]:
        return self.flow_runs(deployment_id, "--state", "Scheduled")

    def wait_for_scheduled_runs(self, deployment_id: str) -> list[dict]:
        deadline = time.monotonic() + SCHEDULER_TIMEOUT
        while not (runs := self.scheduled_runs(deployment_id)):
            assert time.monotonic() < deadline, f"no scheduled runs after {SCHEDULER_TIMEOUT} s"
            time.sleep(1)
        return runs

    def start(self, name: str, *args: str) -> tuple[subprocess.Popen, Path]:
        """Start a long-running ``prefect`` command in its own process group, logging to a file."""
        log = self.logs / f"{name}.log"
        with log.open("w") as out:
            process = subprocess.Popen(
                [*PREFECT, *args],
                cwd=REPO,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        return process, log


@pytest.fixture(scope="module")
def prefect_cli(tmp_path_factory):
    """A real ``prefect server start`` on a free loopback port; yields a PrefectCLI for it."""
    root = tmp_path_factory.mktemp("prefect-server")
    port = free_loopback_port()
    api_url = f"http://127.0.0.1:{port}/api"
    # Nothing of the user's Prefect set-up (profile, Cloud key, PREFECT_API_URL) leaks in. PWD is
    # dropped too: the deployments must not depend on the shell's idea of the current directory.
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_") and k != "PWD"}
    env.update(
        PREFECT_HOME=str(root / "home"),
        PREFECT_API_URL=api_url,
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        PREFECT_SERVER_UI_ENABLED="false",
    )
    cli = PrefectCLI(env, root)
    server, log = cli.start("server", "server", "start", "--host", "127.0.0.1", "--port", str(port))
    try:
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while True:
            assert server.poll() is None, f"prefect server exited early:\n{tail(log)}"
            waited = f"no /api/health after {SERVER_START_TIMEOUT} s"
            assert time.monotonic() < deadline, f"{waited}:\n{tail(log)}"
            try:
                with urllib.request.urlopen(f"{api_url}/health", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                time.sleep(0.5)
        yield cli
    finally:
        stop(server)


def test_deploy_all_schedules_hourly_and_a_worker_runs_a_manual_run(prefect_cli, tmp_path):
    prefect = prefect_cli

    # Register: the pool, then every deployment in prefect.yaml.
    prefect("work-pool", "create", "newsdedup", "--type", "process")
    prefect("--no-prompt", "deploy", "--all")

    scheduled = prefect.json("deployment", "inspect", "ingest/scheduled")
    assert scheduled["entrypoint"] == "flows/ingest.py:ingest_flow"
    assert scheduled["work_pool_name"] == "newsdedup"
    assert scheduled["parameters"] == {"inputs": ["data/inbox"], "output": "data/news"}
    [schedule] = scheduled["schedules"]
    assert schedule["active"]
    assert schedule["schedule"]["cron"] == "15 * * * *"
    assert schedule["schedule"]["timezone"] == "UTC"
    # Flow runs start in the checkout `prefect deploy` ran in, whatever $PWD says.
    assert scheduled["pull_steps"] == [
        {"prefect.deployments.steps.set_working_directory": {"directory": str(REPO.resolve())}}
    ]

    manual = prefect.json("deployment", "inspect", "ingest/manual")
    assert manual["schedules"] == []
    assert manual["parameters"] == {}
    assert manual["work_pool_name"] == "newsdedup"
    assert manual["pull_steps"] == scheduled["pull_steps"]

    # The server's scheduler queues the next hourly runs, at :15 UTC, within a few seconds.
    upcoming = prefect.wait_for_scheduled_runs(scheduled["id"])
    for run in upcoming:
        start = datetime.fromisoformat(run["expected_start_time"])
        assert (start.utcoffset(), start.minute, start.second) == (timedelta(0), 15, 0)
        assert run["parameters"] == scheduled["parameters"]

    # Pause the hourly schedule (which also drops its queued runs) so the worker below cannot
    # pick up an hourly ingest of data/inbox in this checkout if the test runs around :15.
    prefect("deployment", "schedule", "pause", "ingest/scheduled", schedule["id"])
    assert not prefect.scheduled_runs(scheduled["id"])

    # Trigger by hand with parameters, then let a worker pick the run up.
    inbox, output = tmp_path / "in", tmp_path / "out"
    shutil.copytree(SEEDS, inbox)
    prefect(
        "deployment",
        "run",
        "ingest/manual",
        "--param",
        f"inputs={json.dumps([str(inbox)])}",
        "--param",
        f"output={output}",
    )
    [run] = prefect.flow_runs(manual["id"])
    assert run["parameters"] == {"inputs": [str(inbox)], "output": str(output)}

    worker, log = prefect.start("worker", "worker", "start", "--pool", "newsdedup", "--run-once")
    try:
        worker.wait(timeout=WORKER_TIMEOUT)
    except subprocess.TimeoutExpired:
        pytest.fail(f"worker still running after {WORKER_TIMEOUT} s:\n{tail(log)}")
    finally:
        stop(worker)
    finished = prefect.json("flow-run", "inspect", run["id"])
    assert finished["state"]["type"] == "COMPLETED", tail(log)
    assert finished["name"].startswith("ingest-into-out-")

    articles = ds.dataset(output / "articles", format="parquet", partitioning="hive").to_table()
    duplicates = ds.dataset(output / "duplicates", format="parquet", partitioning="hive").to_table()
    seed_names = sorted(path.name for path in SEEDS.iterdir())
    stored = articles.column("source_path").to_pylist() + duplicates.column("source_path").to_pylist()
    assert sorted(stored) == seed_names and duplicates.num_rows == 1
    assert all(articles.column("title").to_pylist()) and all(articles.column("text").to_pylist())
