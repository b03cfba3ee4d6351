"""Prefect's embedded API server, booted while the command line prepares the run.

Without a Prefect API (PREFECT_API_URL), a flow starts a temporary server on its first API
call: it imports the server's code in this process (~1.4 s) only to launch it, then waits
for it to boot (~3 s). ``EmbeddedServer`` launches the same server, with the command Prefect
uses for it, as soon as the run's inputs are checked and before Prefect is imported here
(~1.2 s), so that it boots in its own process while this one imports Prefect and the
pipeline; the run is then pointed at it.

If anything goes wrong here, the run falls back to Prefect's own start-up, which reports
its errors as usual.
"""

from __future__ import annotations

import atexit
import contextlib
import importlib.util
import logging
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

log = logging.getLogger(__name__)

#: Seconds to wait for the server to answer before leaving the start-up to Prefect.
BOOT_TIMEOUT = 30.0


#: The server's process: ``python -m uvicorn`` (arguments after the parent's pid), asking
#: Linux first for SIGTERM when its parent dies (``PR_SET_PDEATHSIG``): in a session of its
#: own, a server whose run was killed (SIGKILL, no ``atexit``) would otherwise run on. A parent
#: already gone by then ends it at once.
_CHILD = """
import ctypes, os, runpy, signal, sys
try:
    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG (Linux)
except (AttributeError, OSError):
    pass
if os.getppid() != int(sys.argv[1]):
    sys.exit(0)
sys.argv = ["uvicorn", *sys.argv[2:]]
runpy.run_module("uvicorn", run_name="__main__", alter_sys=True)
"""


def _free_port() -> int:
    with contextlib.closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ApiUnreachable(Exception):
    """The Prefect API that the settings name (``PREFECT_API_URL``) does not answer.

    Its message is one line for the user: the URL, where it is set, and the two ways out.
    """


def _where_api_url_is_set() -> tuple[str, str]:
    """Where PREFECT_API_URL comes from, and how to unset it there (Prefect imported)."""
    from prefect.settings import PREFECT_API_URL, load_current_profile

    if os.environ.get("PREFECT_API_URL"):
        return "the environment", "unset PREFECT_API_URL in the environment"
    with contextlib.suppress(Exception):  # an unreadable profiles file: Prefect's to report
        profile = load_current_profile()
        if PREFECT_API_URL in profile.settings:
            return f"profile {profile.name!r}", "`prefect config unset PREFECT_API_URL`"
    return "Prefect's settings files", "remove PREFECT_API_URL (api.url) from prefect.toml or .env"


def check_api(api_url: str) -> None:
    """Raise ``ApiUnreachable`` if nothing answers at ``api_url`` (Prefect imported).

    Only a failed connection counts: a server that answers with an error (say, a missing
    API key) is left to the run, which reports it as Prefect does.
    """
    import httpx
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        error = client.api_healthcheck()
    if isinstance(error, httpx.TransportError):
        where, unset = _where_api_url_is_set()
        raise ApiUnreachable(
            f"no Prefect server answers at {api_url} (PREFECT_API_URL, set in {where}): "
            f"start it with `prefect server start`, or {unset} to run on a temporary server of its own"
        ) from error


class EmbeddedServer:
    """A temporary Prefect server for one run (see the module docstring)."""

    def __init__(self) -> None:
        self.process: subprocess.Popen | None = None
        self.api_url = ""

    def start(self) -> None:
        """Launch the server, unless the environment sets ``PREFECT_API_URL``.

        Prefect is not imported for this: the server reads Prefect's settings (environment,
        profile, prefect.toml) as this process will. Whether those name an API or turn the
        embedded server off is checked once Prefect is imported (``in_use``), which then
        stops the server unused.
        """
        spec = importlib.util.find_spec("prefect")
        if os.environ.get("PREFECT_API_URL") or spec is None or spec.origin is None:
            return
        port = _free_port()
        # As prefect.server.api.server.SubprocessASGIServer runs it (Prefect 3.8), through
        # ``_CHILD``: the server ends with this process, even one that was killed.
        command = [sys.executable, "-c", _CHILD, str(os.getpid()), "--app-dir", str(Path(spec.origin).parent.parent)]
        command += ["--factory", "prefect.server.api.server:create_app", "--host", "127.0.0.1"]
        command += ["--port", str(port), "--log-level", "error", "--lifespan", "on"]
        env = {**os.environ, "PREFECT_UI_ENABLED": "0", "PREFECT__SERVER_EPHEMERAL": "1", "PREFECT__SERVER_FINAL": "1"}
        try:
            # In a session of its own: Ctrl-C on a terminal signals the whole foreground process
            # group, and the server must outlive the run's last API calls (its logs and events);
            # the run stops it (``stop``, also at exit). Its output is dropped: stopped while
            # services still write (an interrupted run's last events), it prints their
            # CancelledError tracebacks; a server that fails to boot leaves the start-up to
            # Prefect, which reports the error.
            self.process = subprocess.Popen(
                command, env=env, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
            )
        except OSError as error:
            log.warning("could not start Prefect's server early (%s); the run starts it", error)
            return
        self.api_url = f"http://127.0.0.1:{port}/api"
        atexit.register(self.stop)  # also when the run fails

    def _ready(self) -> bool:
        """Wait until the server answers (importing meanwhile what the first flow run needs);
        False if it exited or timed out."""
        # Prefect imports FastAPI's JSON encoder for a flow run's parameters at the first run
        # (~0.45 s): here it is imported while the server boots, which takes longer.
        import fastapi.encoders  # noqa: F401

        deadline = time.monotonic() + BOOT_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                return False
            with contextlib.suppress(OSError), urllib.request.urlopen(f"{self.api_url}/health", timeout=2) as answer:
                if answer.status == 200:
                    return True
            time.sleep(0.05)
        return False

    @contextlib.contextmanager
    def in_use(self) -> Iterator[None]:
        """Run the enclosed flow against this server once it answers (else as Prefect would).

        Raises:
            ApiUnreachable: the settings name a Prefect API and nothing answers there.
        """
        from prefect.settings import (
            PREFECT_API_URL,
            PREFECT_FLOWS_HEARTBEAT_FREQUENCY,
            PREFECT_SERVER_EPHEMERAL_ENABLED,
            PREFECT_UI_URL,
            temporary_settings,
        )

        # (a Prefect profile may name an API, or turn the embedded server off)
        if (
            self.process is None
            or PREFECT_API_URL.value()
            or not PREFECT_SERVER_EPHEMERAL_ENABLED.value()
            or not self._ready()
        ):
            self.stop()
            if PREFECT_API_URL.value():
                check_api(PREFECT_API_URL.value())  # one line, not the flow's traceback
            yield
            return
        # No UI is served: no "View at" links to it. No flow-run heartbeats: they let a lasting
        # server mark the runs of a process that died as crashed, and this server dies with
        # the run; their thread sleeps in steps of a second, which each flow run's end waits
        # out (measured: an empty flow 1.16 s with them, 0.20 s without).
        updates = {PREFECT_API_URL: self.api_url, PREFECT_UI_URL: "", PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}
        with temporary_settings(updates=updates):
            yield

    def stop(self) -> None:
        """Let Prefect send the logs and events it still holds, then stop the server."""
        if self.process is None:
            return
        from prefect.events.worker import EventsWorker
        from prefect.logging.handlers import APILogWorker

        for worker in (APILogWorker, EventsWorker):
            with contextlib.suppress(Exception):  # what cannot be sent is Prefect's to report
                worker.drain_all(timeout=5)
        self.process.terminate()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process = None
