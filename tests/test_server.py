"""The embedded Prefect server the command line starts early: runs go to it, it stops after."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time

from tests.conftest import REPO

# In a fresh process (this one's Prefect settings belong to the test harness): start the
# server, run a flow against it, ask the server for the run, stop it.
SCRIPT = textwrap.dedent(
    """
    import sys
    from prefect import flow
    from prefect.client.orchestration import get_client
    from prefect.settings import get_current_settings
    from newsdedup.server import EmbeddedServer

    @flow(name="early-server-check")
    def check():
        return 42

    server = EmbeddedServer()
    server.start()
    print("started", server.process is not None)
    with server.in_use():
        print("heartbeats", get_current_settings().flows.heartbeat_frequency)
        state = check(return_state=True)
        with get_client(sync_client=True) as client:
            run = client.read_flow_run(state.state_details.flow_run_id)
            print("api", client.api_url)
            print("recorded", run.name, run.state.type.value)
    process = server.process
    server.stop()
    print("stopped", process.poll() is not None, server.api_url)
    """
)


def run_script(script: str = SCRIPT, **env_updates: str) -> subprocess.CompletedProcess:
    """``script`` in a fresh Python, with none of this process's Prefect settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env.update(PYTHONPATH=str(REPO), PREFECT_SERVER_ANALYTICS_ENABLED="false", **env_updates)
    return subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=180)


def test_flows_run_on_the_early_server_and_it_stops_after():
    result = run_script()
    assert result.returncode == 0, result.stderr
    lines = dict(line.split(" ", 1) for line in result.stdout.strip().splitlines())
    assert lines["started"] == "True"
    api_url = lines["stopped"].split(" ", 1)[1]
    assert lines["api"].rstrip("/") == api_url  # the flow talked to this server, not its own
    assert lines["recorded"].endswith(" COMPLETED")
    assert lines["heartbeats"] == "None"  # nobody watches them on a server that ends with the run
    assert lines["stopped"].startswith("True ")
    assert "Error logging to API" not in result.stderr


def test_no_server_is_started_when_a_prefect_api_is_set():
    # Nothing listens there: had the flow used it, the run would fail; the script only starts.
    script = "from newsdedup.server import EmbeddedServer\ns = EmbeddedServer(); s.start(); print(s.process)"
    result = run_script(script, PREFECT_API_URL="http://127.0.0.1:9/api")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "None"


def test_a_server_started_early_is_stopped_unused_when_a_profile_names_an_api(tmp_path):
    # The server is launched before Prefect is imported, so only the environment is read
    # then; a profile naming an API is found once Prefect is, and the server is stopped.
    (tmp_path / "profiles.toml").write_text(
        'active = "remote"\n\n[profiles.remote]\nPREFECT_API_URL = "http://127.0.0.1:9/api"\n'
    )
    # Nothing listens at that API: entering the run refuses it, with the server stopped first.
    script = textwrap.dedent(
        """
        from newsdedup.server import ApiUnreachable, EmbeddedServer

        server = EmbeddedServer()
        server.start()
        process = server.process
        print("launched", process is not None)
        try:
            with server.in_use():
                print("ran", True)
        except ApiUnreachable as error:
            print("refused", str(error).split(" (")[0])
        print("stopped", process.poll() is not None)
        """
    )
    result = run_script(script, PREFECT_HOME=str(tmp_path))
    assert result.returncode == 0, result.stderr
    lines = dict(line.split(" ", 1) for line in result.stdout.strip().splitlines())
    assert lines == {
        "launched": "True",
        "refused": "no Prefect server answers at http://127.0.0.1:9/api",
        "stopped": "True",
    }


def _running(pid: int) -> bool:
    """Whether process ``pid`` runs (a zombie waiting for its parent to reap it does not)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def test_the_server_ends_with_a_run_that_was_killed():
    # SIGKILL: no atexit, no stop(); the server, in a session of its own, must not run on.
    script = textwrap.dedent(
        """
        import os, signal, time, urllib.request
        from newsdedup.server import EmbeddedServer

        server = EmbeddedServer()
        server.start()
        server._ready()
        print(server.process.pid, flush=True)
        os.kill(os.getpid(), signal.SIGKILL)
        """
    )
    result = run_script(script)
    assert result.returncode == -9
    pid = int(result.stdout.strip())
    deadline = time.monotonic() + 20
    while _running(pid) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not _running(pid)
