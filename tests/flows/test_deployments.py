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
    """Runs ``prefect ...`` against one server, from the repository root (or ``cwd``)."""

    def __init__(self, env: dict[str, str], logs: Path):
        self.env = env
        self.logs = logs

    def __call__(self, *args: str, cwd: Path = REPO) -> str:
        result = subprocess.run(
            [*PREFECT, *args],
            cwd=cwd,
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

    def run_worker_once(self) -> None:
        """A process worker that picks up the runs due now, runs them and exits."""
        worker, log = self.start("worker", "worker", "start", "--pool", "newsdedup", "--run-once")
        try:
            worker.wait(timeout=WORKER_TIMEOUT)
        except subprocess.TimeoutExpired:
            pytest.fail(f"worker still running after {WORKER_TIMEOUT} s:\n{tail(log)}")
        finally:
            stop(worker)

    def state(self, flow_run_id: str):
        """The flow run's state, read from the server through Prefect's own client."""
        from prefect.client.orchestration import SyncPrefectClient

        with SyncPrefectClient(self.env["PREFECT_API_URL"]) as client:
            return client.read_flow_run(flow_run_id).state

    def worker_log(self) -> str:
        return tail(self.logs / "worker.log")


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
        # As the README starts the server: runs' logs streamed to `deployment run --watch`.
        PREFECT_SERVER_LOGS_STREAM_OUT_ENABLED="true",
        PREFECT_SERVER_LOGS_STREAM_PUBLISHING_ENABLED="true",
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
    prefect("work-pool", "create", "newsdedup", "--type", "process", "--overwrite")
    prefect("--no-prompt", "deploy", "--all")

    scheduled = prefect.json("deployment", "inspect", "ingest/scheduled")
    assert scheduled["entrypoint"] == "flows/ingest.py:ingest_flow"
    assert scheduled["work_pool_name"] == "newsdedup"
    assert scheduled["parameters"] == {"inputs": ["data/inbox"], "output": "data/news", "create_missing_inputs": True}
    [schedule] = scheduled["schedules"]
    assert schedule["active"]
    assert schedule["schedule"]["cron"] == "15 * * * *"
    assert schedule["schedule"]["timezone"] == "UTC"
    # Flow runs start in the checkout `prefect deploy` ran in, whatever $PWD says.
    assert scheduled["pull_steps"] == [
        {"prefect.deployments.steps.set_working_directory": {"directory": str(REPO.resolve())}}
    ]

    daily = prefect.json("deployment", "inspect", "compact/daily")
    assert daily["entrypoint"] == "flows/compact.py:compact_flow"
    assert daily["work_pool_name"] == "newsdedup"
    assert daily["parameters"] == {"output": "data/news"}
    [daily_schedule] = daily["schedules"]
    assert daily_schedule["active"]
    assert (daily_schedule["schedule"]["cron"], daily_schedule["schedule"]["timezone"]) == ("45 3 * * *", "UTC")
    assert daily["pull_steps"] == scheduled["pull_steps"]

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

    # The daily compaction is queued at 03:45 UTC.
    for run in prefect.wait_for_scheduled_runs(daily["id"]):
        start = datetime.fromisoformat(run["expected_start_time"])
        assert (start.utcoffset(), start.hour, start.minute, start.second) == (timedelta(0), 3, 45, 0)
        assert run["parameters"] == daily["parameters"]

    # Pause the schedules (which also drops their queued runs) so the worker below cannot
    # pick up an hourly ingest of data/inbox in this checkout if the test runs around :15,
    # nor a compaction of data/news around 03:45.
    prefect("deployment", "schedule", "pause", "ingest/scheduled", schedule["id"])
    prefect("deployment", "schedule", "pause", "compact/daily", daily_schedule["id"])
    assert not prefect.scheduled_runs(scheduled["id"]) and not prefect.scheduled_runs(daily["id"])

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

    prefect.run_worker_once()
    finished = prefect.json("flow-run", "inspect", run["id"])
    assert finished["state"]["type"] == "COMPLETED", prefect.worker_log()
    assert finished["name"].startswith("ingest-into-out-")

    articles = ds.dataset(output / "articles", format="parquet", partitioning="hive").to_table()
    duplicates = ds.dataset(output / "duplicates", format="parquet", partitioning="hive").to_table()
    seed_names = sorted(path.name for path in SEEDS.iterdir())
    stored = articles.column("source_path").to_pylist() + duplicates.column("source_path").to_pylist()
    assert sorted(stored) == seed_names and duplicates.num_rows == 1
    assert all(articles.column("title").to_pylist()) and all(articles.column("text").to_pylist())


@pytest.fixture
def fresh_checkout(prefect_cli, tmp_path):
    """``prefect.yaml`` and ``flows/`` copied to a folder with no ``data/``, deployed from
    there as the README says (the hourly schedule paused, so that only the runs a test
    triggers are picked up). Yields the folder; the deployments' runs start in it."""
    checkout = tmp_path / "checkout"
    checkout.mkdir()
    shutil.copy(REPO / "prefect.yaml", checkout)
    shutil.copytree(REPO / "flows", checkout / "flows", ignore=shutil.ignore_patterns("__pycache__"))
    prefect_cli("work-pool", "create", "newsdedup", "--type", "process", "--overwrite", cwd=checkout)
    prefect_cli("--no-prompt", "deploy", "--all", cwd=checkout)
    scheduled = prefect_cli.json("deployment", "inspect", "ingest/scheduled")
    assert scheduled["pull_steps"][0]["prefect.deployments.steps.set_working_directory"]["directory"] == str(
        checkout.resolve()
    )
    for schedule in scheduled["schedules"]:
        prefect_cli("deployment", "schedule", "pause", "ingest/scheduled", schedule["id"])
    for schedule in prefect_cli.json("deployment", "inspect", "compact/daily")["schedules"]:
        prefect_cli("deployment", "schedule", "pause", "compact/daily", schedule["id"])
    return checkout


def test_the_first_scheduled_run_completes_though_the_inbox_does_not_exist_yet(prefect_cli, fresh_checkout):
    prefect = prefect_cli
    assert not (fresh_checkout / "data").exists()

    # What the schedule does at :15, now: a run of ingest/scheduled with its own parameters.
    prefect("deployment", "run", "ingest/scheduled")
    [run] = prefect.flow_runs(prefect.json("deployment", "inspect", "ingest/scheduled")["id"])
    prefect.run_worker_once()

    state = prefect.state(run["id"])
    assert state.type.value == "COMPLETED", f"{state.message}\n{prefect.worker_log()}"
    assert (fresh_checkout / "data" / "inbox").is_dir() and not any((fresh_checkout / "data" / "inbox").iterdir())
    runs = ds.dataset(fresh_checkout / "data" / "news" / "runs", format="parquet").to_table().to_pylist()
    assert [(r["inputs"], r["files_read"], r["articles"]) for r in runs] == [(["data/inbox"], 0, 0)]


def test_the_daily_compaction_compacts_the_scheduled_output(prefect_cli, fresh_checkout):
    from benchmarks.year import simulate_year
    from storage.dataset import Dataset

    news = fresh_checkout / "data" / "news"  # where the hourly ingest writes: 30 runs' files
    simulate_year(str(news), 30, articles=2, duplicates=1, rejects=1, words=30)
    rows = ds.dataset(news / "articles", format="parquet", partitioning="hive").to_table().to_pylist()

    # What the schedule does at 03:45, now.
    prefect = prefect_cli
    prefect("deployment", "run", "compact/daily")
    [run] = prefect.flow_runs(prefect.json("deployment", "inspect", "compact/daily")["id"])
    prefect.run_worker_once()

    state = prefect.state(run["id"])
    assert state.type.value == "COMPLETED", f"{state.message}\n{prefect.worker_log()}"
    files = Dataset.for_reading(str(news)).manifest.files
    assert {table: len(names) for table, names in files.items()} == {
        "articles": 2,  # two days: a file per ingest_date partition
        "duplicates": 2,
        "clusters": 1,
        "rejects": 2,
        "signatures": 1,
        "inputs": 1,
        "runs": 1,
    }
    assert ds.dataset(news / "articles", format="parquet", partitioning="hive").to_table().to_pylist() == rows


def test_failed_runs_say_why_in_one_line(prefect_cli, fresh_checkout, tmp_path):
    prefect = prefect_cli
    manual_id = prefect.json("deployment", "inspect", "ingest/manual")["id"]
    inbox, missing = tmp_path / "in", tmp_path / "no" / "such" / "inbox"
    shutil.copytree(SEEDS, inbox)

    # A bad parameter, watched as the README shows (--watch streams the run's logs), and an
    # input that is not there (the manual deployment does not create missing inputs).
    watch, watch_log = prefect.start(
        "watch",
        "deployment",
        "run",
        "ingest/manual",
        "--param",
        f"inputs={json.dumps([str(inbox)])}",
        "--param",
        f"output={tmp_path / 'out'}",
        "--param",
        "threshold=1.5",
        "--watch",
        "--watch-timeout",
        str(WORKER_TIMEOUT),
    )
    try:
        deadline = time.monotonic() + CLI_TIMEOUT
        while not prefect.flow_runs(manual_id):  # the watched run exists before the worker starts
            assert time.monotonic() < deadline and watch.poll() is None, tail(watch_log)
            time.sleep(0.5)
        prefect(
            "deployment",
            "run",
            "ingest/manual",
            "--param",
            f"inputs={json.dumps([str(missing)])}",
            "--param",
            f"output={tmp_path / 'out'}",
        )
        prefect.run_worker_once()
        watch.wait(timeout=CLI_TIMEOUT)
    finally:
        stop(watch)

    reasons = {
        json.dumps(run["parameters"]["inputs"]): prefect.state(run["id"]) for run in prefect.flow_runs(manual_id)
    }
    bad_parameter = reasons[json.dumps([str(inbox)])]
    no_inbox = reasons[json.dumps([str(missing)])]
    assert (bad_parameter.type.value, bad_parameter.message) == ("FAILED", "bad parameter: threshold must be in (0, 1]")
    assert (no_inbox.type.value, no_inbox.message) == ("FAILED", f"no such input: {missing}")
    assert not (tmp_path / "out").exists() and not missing.exists()
    # `prefect flow-run inspect` shows the same message; --watch printed the reason and exited 1.
    inspected = prefect.json("flow-run", "inspect", str(bad_parameter.state_details.flow_run_id))
    assert inspected["state"]["message"] == "bad parameter: threshold must be in (0, 1]"
    assert watch.returncode == 1, tail(watch_log)
    assert "bad parameter: threshold must be in (0, 1]" in watch_log.read_text()
