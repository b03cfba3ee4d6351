"""The ``newsdedup`` command as a user runs it: output, exit codes, one-line errors."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from newsdedup.workers import default_workers
from tests.conftest import REPO, SEEDS
from tests.fixtures.pages import single_line_dump


def newsdedup(*args: str, cwd=None) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run(
        [sys.executable, "-m", "newsdedup.cli", *args], capture_output=True, text=True, env=env, cwd=cwd, timeout=300
    )


@pytest.mark.slow  # a whole CLI run or more in fresh processes
def test_ingest_seeds_prints_where_and_a_summary(tmp_path):
    result = newsdedup("ingest", str(SEEDS), "--output", str(tmp_path / "out"))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert lines[0] == f"wrote {tmp_path / 'out'} (articles/, duplicates/, rejects/, runs/)"
    # Three seeds: two stories, and a syndicated copy of the first one under another site's chrome.
    assert lines[1] == "3 files read, 3 records: 2 articles kept, 1 duplicates, 0 rejects"
    assert "Traceback" not in result.stderr

    again = newsdedup("ingest", str(SEEDS), "--output", str(tmp_path / "out"), "--json")
    assert again.stdout.count("\n") == 1  # one line: one record for a log collector
    summary = json.loads(again.stdout)
    assert (summary["articles"], summary["files_read"], summary["files_unchanged"]) == (0, 0, 3)


def test_no_inputs_is_one_line_and_exit_2(tmp_path):
    result = newsdedup("ingest", str(tmp_path / "missing"), "--output", str(tmp_path / "out"))
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [f"newsdedup: no such input: {tmp_path / 'missing'}"]
    (tmp_path / "empty").mkdir()
    result = newsdedup("ingest", str(tmp_path / "empty"), "--output", str(tmp_path / "out"))
    assert result.returncode == 2 and len(result.stderr.strip().splitlines()) == 1
    assert "no input files" in result.stderr


@pytest.mark.slow  # a whole CLI run or more in fresh processes
def test_skipped_files_and_overlong_articles_are_in_the_summary_and_the_parquet(tmp_path):
    inbox = tmp_path / "in"
    shutil.copytree(SEEDS, inbox)
    for name in ("scan-1.pdf", "scan-2.pdf", "scan-3.pdf"):
        (inbox / name).write_bytes(b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\n")
    for number in range(9):
        (inbox / f"table-{number}.csv").write_text("ward,votes\nnorth,1204\n")
    (inbox / "archive-dump.txt").write_text(single_line_dump(60_000))

    result = newsdedup("ingest", "in", "--output", "out", cwd=tmp_path)

    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[1] == (
        "4 files read, 4 records: 2 articles kept, 1 duplicates, 1 rejects; "
        "12 files of other types skipped: .csv 9, .pdf 3"
    )
    assert "| files of other types (skipped) | 12 |" in result.stdout
    rejects = pq.read_table(tmp_path / "out" / "rejects").to_pylist()
    assert [(r["source_path"], r["reason"]) for r in rejects] == [("archive-dump.txt", "too_long")]
    assert rejects[0]["detail"].startswith("60,000 words (")
    runs = pq.read_table(tmp_path / "out" / "runs").to_pylist()
    assert [(r["files_other_types"], r["other_types"]) for r in runs] == [(12, [(".csv", 9), (".pdf", 3)])]


def test_a_relative_input_that_is_not_there_is_named_by_its_absolute_path(tmp_path):
    result = newsdedup("ingest", "data/inbox", "--output", "out", cwd=tmp_path)
    assert (result.returncode, result.stderr) == (2, f"newsdedup: no such input: {tmp_path / 'data' / 'inbox'}\n")


def test_unwritable_output_is_one_line_and_exit_2(tmp_path):
    shutil.copytree(SEEDS, tmp_path / "in")
    (tmp_path / "blocker").write_text("a file where the output directory should go")
    result = newsdedup("ingest", str(tmp_path / "in"), "--output", str(tmp_path / "blocker" / "out"))
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1 and "cannot write to output" in result.stderr


def test_an_output_url_without_its_filesystem_package_is_one_line_and_exit_2(tmp_path):
    result = newsdedup("ingest", str(SEEDS), "--output", "nosuchstore://bucket/news")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "newsdedup: cannot write to output nosuchstore://bucket/news: Protocol not known: nosuchstore"
    ]


@pytest.mark.slow  # a whole CLI run or more in fresh processes
def test_an_unreachable_dask_scheduler_is_one_line_and_exit_2(tmp_path):
    with socket.socket() as probe:  # a loopback port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = newsdedup(
        "ingest", str(SEEDS), "--output", str(tmp_path / "out"), "--dask-address", f"tcp://127.0.0.1:{port}"
    )
    assert result.returncode == 2
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith(f"newsdedup: cannot reach the Dask scheduler at tcp://127.0.0.1:{port}")


def closed_loopback_port() -> int:
    """A loopback port nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.parametrize("where", ["profile", "environment"])
def test_a_stopped_prefect_server_is_one_line_naming_the_url_and_the_fixes(tmp_path, where):
    api_url = f"http://127.0.0.1:{closed_loopback_port()}/api"
    # A Prefect of its own (PREFECT_HOME), with none of this process's Prefect settings.
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env.update(PYTHONPATH=str(REPO), PREFECT_HOME=str(tmp_path / "prefect"), PREFECT_SERVER_ANALYTICS_ENABLED="false")
    if where == "profile":  # README step 2, with the server then stopped
        setting = subprocess.run(
            [sys.executable, "-m", "prefect", "config", "set", f"PREFECT_API_URL={api_url}"],
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
        )
        assert setting.returncode == 0, setting.stderr
        unset = "`prefect config unset PREFECT_API_URL`"
    else:
        env["PREFECT_API_URL"] = api_url
        unset = "unset PREFECT_API_URL in the environment"
    result = subprocess.run(
        [sys.executable, "-m", "newsdedup.cli", "ingest", str(SEEDS), "--output", str(tmp_path / "out")],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert result.returncode == 2, result.stderr
    assert result.stdout == ""
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith(f"newsdedup: no Prefect server answers at {api_url} (PREFECT_API_URL, set in ")
    assert "start it with `prefect server start`" in line and unset in line


def test_bad_settings_are_one_line_and_exit_2(tmp_path):
    result = newsdedup("ingest", str(SEEDS), "--output", str(tmp_path / "out"), "--threshold", "1.5")
    assert result.returncode == 2 and result.stderr.strip() == "newsdedup: --threshold must be in (0, 1]"


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--seed", "-1", "--seed must be between 0 and 2**32 - 1"),
        ("--seed", "99999999999999999999", "--seed must be between 0 and 2**32 - 1"),
        ("--max-file-mb", "10000000000000", "--max-file-mb must be at most 1048576"),
        ("--containment-stderrs", "nan", "--containment-stderrs must be between 0 and 10.0"),
        ("--containment-stderrs", "-1", "--containment-stderrs must be between 0 and 10.0"),
        ("--min-containment-shingles", "-5", "--min-containment-shingles must be 0 or more"),
        ("--max-words", "0", "--max-words must be positive"),
    ],
)
def test_out_of_range_settings_are_one_line_and_exit_2(tmp_path, option, value, message):
    result = newsdedup("ingest", str(SEEDS), "--output", str(tmp_path / "out"), option, value)
    assert (result.returncode, result.stderr.strip()) == (2, f"newsdedup: {message}")
    assert not (tmp_path / "out").exists()


def test_negative_bands_and_rows_are_refused_though_their_product_fits(tmp_path):
    result = newsdedup("ingest", str(SEEDS), "--output", str(tmp_path / "out"), "--bands", "-2", "--rows", "-3")
    assert result.returncode == 2
    assert (
        result.stderr.strip()
        == "newsdedup: --bands and --rows must be positive, --bands x --rows at most --num-perm (128)"
    )


@pytest.mark.slow  # two whole CLI runs
def test_a_problem_found_during_the_run_is_said_once(tmp_path):
    # Found only when the dedup stage meets the stored signatures, inside the flow run.
    assert newsdedup("ingest", str(SEEDS), "--output", str(tmp_path / "out"), "--quiet").returncode == 0
    (tmp_path / "in").mkdir()
    shutil.copy(SEEDS / "000_29ba8e55fe1d1bfc.txt", tmp_path / "in" / "copy.txt")
    result = newsdedup("ingest", str(tmp_path / "in"), "--output", str(tmp_path / "out"), "--num-perm", "64")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "newsdedup: the output's stored signatures use num_perm=128, seed=1, shingle_size=2; this run asks "
        "for num_perm=64, seed=1, shingle_size=2. Use the same settings or a new output directory."
    ]


def test_a_second_run_into_a_locked_output_is_refused_cleanly(tmp_path):
    from storage.dataset import Dataset

    with Dataset.open(str(tmp_path / "out")):  # another run is writing
        result = newsdedup("ingest", str(SEEDS), "--output", str(tmp_path / "out"))
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"newsdedup: output {tmp_path / 'out'} is being written by another run (pid {os.getpid()}); "
        "try again when it ends"
    ]


@pytest.mark.slow  # a whole CLI run or more in fresh processes
def test_stats_and_show_describe_a_dataset(tmp_path):
    inbox = tmp_path / "in"
    shutil.copytree(SEEDS, inbox)
    (inbox / "copy.txt").write_text((SEEDS / "003_809269d57f52441b.txt").read_text())
    (inbox / "empty.txt").write_text("")
    assert newsdedup("ingest", str(inbox), "--output", str(tmp_path / "out"), "--quiet").stdout == ""

    stats = newsdedup("stats", str(tmp_path / "out"))
    assert stats.returncode == 0
    # The exact copy of seed 003 and the syndicated copy of seed 000: two clusters of two.
    assert "articles:   2" in stats.stdout and "duplicates: 2" in stats.stdout
    assert "empty: 1" in stats.stdout and "runs:       1" in stats.stdout
    assert "Kono hurries to meet Pompeo" in stats.stdout and "Amid growing frustration" in stats.stdout

    from storage.dataset import Dataset

    articles = Dataset.for_reading(str(tmp_path / "out")).read("articles").to_pylist()
    kono = next(a for a in articles if a["source_path"] == "003_809269d57f52441b.txt")
    show = newsdedup("show", str(tmp_path / "out"), kono["article_id"])
    assert show.returncode == 0
    assert show.stdout.startswith("Kono hurries to meet Pompeo as Iran casts shadow on Asia diplomacy\n")
    assert "TOKYO — The top Japanese and U.S. diplomats" in show.stdout
    assert "duplicates (1):\n  exact" in show.stdout and "copy.txt" in show.stdout

    assert "None" not in show.stdout  # the seeds name no url and no date: printed empty
    assert "\nurl:\npublished:\n" in show.stdout

    as_json = newsdedup("show", str(tmp_path / "out"), kono["article_id"], "--json")
    assert as_json.returncode == 0 and as_json.stdout.count("\n") == 1
    shown = json.loads(as_json.stdout)
    assert (shown["article_id"], shown["title"], shown["url"]) == (kono["article_id"], kono["title"], None)
    assert shown["text"] == kono["text"] and shown["cluster_size"] == 2
    assert [(d["method"], d["source_path"]) for d in shown["duplicates"]] == [("exact", "copy.txt")]

    stats_json = newsdedup("stats", str(tmp_path / "out"), "--json")
    assert stats_json.returncode == 0 and stats_json.stdout.count("\n") == 1
    held = json.loads(stats_json.stdout)
    assert (held["articles"], held["duplicates"], held["rejects"], held["runs"]) == (2, 2, 1, 1)
    assert held["rejects_by_reason"] == {"empty": 1}
    # Two clusters of two (003 and its exact copy, 000 and its syndicated copy 007).
    assert sorted(c["article_id"] for c in held["largest_clusters"]) == sorted(a["article_id"] for a in articles)
    assert all(c["cluster_size"] == 2 for c in held["largest_clusters"])
    assert held["signature_settings"]["num_perm"] == "128"

    # A reader that went away (`newsdedup show ... | head`): a quiet stop, as `cat` makes.
    read_end, write_end = os.pipe()
    os.close(read_end)  # closed before the command writes: its first write fails
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    for command in (["show", kono["article_id"]], ["stats"]):
        cut = subprocess.run(
            [sys.executable, "-m", "newsdedup.cli", command[0], str(tmp_path / "out"), *command[1:]],
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
            timeout=300,
        )
        assert (cut.returncode, cut.stderr) == (128 + signal.SIGPIPE, "")
    os.close(write_end)

    missing = newsdedup("show", str(tmp_path / "out"), "0000000000000000")
    assert missing.returncode == 2 and missing.stderr.startswith("newsdedup: no article 0000000000000000")
    not_a_dataset = newsdedup("stats", str(tmp_path / "in"))
    assert not_a_dataset.returncode == 2 and "not a newsdedup dataset" in not_a_dataset.stderr


def test_compact_merges_small_files_in_one_line_and_stats_counts_files_per_table(tmp_path):
    from benchmarks.year import simulate_year
    from storage.dataset import Dataset

    output = tmp_path / "out"
    simulate_year(str(output), 30, articles=2, duplicates=1, rejects=1, words=30)  # 30 hourly runs, two days
    rows = Dataset.for_reading(str(output)).read("articles").to_pylist()
    stats = json.loads(newsdedup("stats", str(output), "--json").stdout)
    tables = ("articles", "duplicates", "clusters", "rejects", "signatures", "inputs", "runs")
    assert stats["files"] == dict.fromkeys(tables, 30)
    assert "files:      articles 30, duplicates 30, clusters 30, rejects 30, signatures 30, inputs 30, runs 30" in (
        newsdedup("stats", str(output)).stdout
    )

    result = newsdedup("compact", str(output))
    assert result.returncode == 0 and result.stderr == ""
    [line] = result.stdout.splitlines()
    assert line.startswith(
        f"compacted {output}: articles 30 -> 2 files, duplicates 30 -> 2 files, clusters 30 -> 1 files, "
        "rejects 30 -> 2 files, "
        "signatures 30 -> 1 files, inputs 30 -> 1 files, runs 30 -> 1 files; "
    )
    assert re.fullmatch(r".*; [\d.]+ MiB -> [\d.]+ MiB", line)
    assert Dataset.for_reading(str(output)).read("articles").to_pylist() == rows
    stats = json.loads(newsdedup("stats", str(output), "--json").stdout)
    assert stats["files"] == {
        "articles": 2,
        "duplicates": 2,
        "clusters": 1,
        "rejects": 2,
        "signatures": 1,
        "inputs": 1,
        "runs": 1,
    }
    assert stats["articles"] == len(rows) == 60

    again = newsdedup("compact", str(output), "--json", "--target-size", "64M")
    assert again.returncode == 0 and again.stdout.count("\n") == 1
    done = json.loads(again.stdout)
    assert (done["generation"], done["target_bytes"]) == (None, 64 * 2**20)
    assert done["tables"]["runs"] == {
        "files_before": 1,
        "files_after": 1,
        "bytes_before": done["tables"]["runs"]["bytes_after"],
        "bytes_after": done["tables"]["runs"]["bytes_after"],
        "rows_rewritten": 0,
    }


def test_compact_problems_are_one_line_and_exit_2(tmp_path):
    from benchmarks.year import simulate_year
    from storage.dataset import Dataset

    output = tmp_path / "out"
    simulate_year(str(output), 3, articles=1, duplicates=1, rejects=1, words=10)
    with Dataset.open(str(output)):  # an ingest is writing
        locked = newsdedup("compact", str(output))
    bad_size = newsdedup("compact", str(output), "--target-size", "lots")
    not_a_dataset = newsdedup("compact", str(tmp_path / "nothing"))
    for result, message in (
        (locked, f"output {output} is being written by another run (pid {os.getpid()}); try again when it ends"),
        (bad_size, "--target-size: not a size: 'lots' (examples: 128MiB, 64M, 1G, 1048576)"),
        (not_a_dataset, f"{tmp_path / 'nothing'} is not a newsdedup dataset (no _manifest.json)"),
    ):
        assert (result.returncode, result.stdout, result.stderr) == (2, "", f"newsdedup: {message}\n")
    assert len(Dataset.for_reading(str(output)).files("runs")) == 3


def test_version_is_the_installed_package_version():
    from importlib.metadata import version

    result = newsdedup("--version")
    assert (result.returncode, result.stdout) == (0, f"newsdedup {version('newsdedup')}\n")


@pytest.mark.parametrize(
    "command", [[], ["ingest"], ["stats"], ["show"], ["compact"]], ids=["main", "ingest", "stats", "show", "compact"]
)
def test_help_is_plain_text(command):
    result = newsdedup(*command, "--help")
    assert result.returncode == 0
    assert "``" not in result.stdout and not re.search(r":(func|class|meth|mod|attr|data|ref):", result.stdout)
    if command == ["ingest"]:
        flat = " ".join(result.stdout.split())  # argparse wraps the help to the terminal
        assert "JSONL (.jsonl, .ndjson)" in flat and "WARC (.warc)" in flat


def test_json_and_quiet_together_are_refused_in_one_line(tmp_path):
    result = newsdedup("ingest", str(SEEDS), "--output", str(tmp_path / "out"), "--json", "--quiet")
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.strip().splitlines() == [
        "newsdedup: --json and --quiet cannot be used together (--json prints only the summary)"
    ]
    assert not (tmp_path / "out").exists()


def on_a_terminal(*args: str) -> tuple[str, str]:
    """Run the command with standard error on a pseudo-terminal (120 columns): what it drew
    there, and its standard output."""
    import pty

    primary, secondary = pty.openpty()
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}  # a temporary server
    env.update(PYTHONPATH=str(REPO), COLUMNS="120")
    process = subprocess.Popen(
        [sys.executable, "-m", "newsdedup.cli", *args], stdout=subprocess.PIPE, stderr=secondary, env=env, text=True
    )
    os.close(secondary)
    drawn = b""
    while True:
        try:
            chunk = os.read(primary, 4096)
        except OSError:  # the terminal closed: the process ended
            break
        if not chunk:
            break
        drawn += chunk
    stdout, _ = process.communicate(timeout=300)
    os.close(primary)
    assert process.returncode == 0
    return drawn.decode("utf-8", errors="replace"), stdout


@pytest.mark.slow  # a whole CLI run or more in fresh processes
def test_progress_on_a_terminal_shows_start_up_then_a_bar_per_stage_and_nothing_otherwise(tmp_path):
    screen, stdout = on_a_terminal("ingest", str(SEEDS), "--output", str(tmp_path / "out"))
    # Start-up first, then each stage's row in order (each is drawn when its stage begins).
    startup = screen.index("Starting Prefect's temporary server")
    read = screen.index("read, clean, sign")
    dedup = screen.index("dedup ")
    write = screen.index("write ")
    assert startup < read < dedup < write
    assert "found 3 input files" in screen[startup:read]
    assert re.search(r"0/3 files +0 records/s +ETA -:--:--", screen)  # as reading begins
    assert re.search(r"3/3 files +[\d,]+ records/s +ETA 0:00:00", screen)  # the total: the run's own walk
    assert re.search(r"[1-9]\d*/[1-9]\d* tasks", screen[dedup:])  # dedup's and write's tasks, as they finish
    assert "3 files read" in stdout

    # Again: every file is unchanged, and start-up says so; nothing is left to read.
    screen, stdout = on_a_terminal("ingest", str(SEEDS), "--output", str(tmp_path / "out"))
    assert "found 3 input files, 3 unchanged" in screen and re.search(r"0/0 files +0 records/s", screen)
    assert "0 files read (3 unchanged files skipped)" in stdout

    piped = newsdedup("ingest", str(SEEDS), "--output", str(tmp_path / "out2"))
    assert "Starting Prefect" not in piped.stderr and "records/s" not in piped.stderr  # not a terminal: no progress


@pytest.fixture(scope="module")
def long_input(tmp_path_factory) -> Path:
    """Enough generated dumps (4,000) that a run is still reading them seconds after it starts."""
    from benchmarks.synthetic import generate

    root = tmp_path_factory.mktemp("long")
    generate(str(root), 4000)
    return root / "docs"


def start_in_own_group(*args: str, ignore_sigint: bool = False) -> subprocess.Popen:
    """The command in a process group of its own, as a shell starts a job; with
    ``ignore_sigint``, started as ``&`` in a script starts it (SIGINT inherited ignored)."""

    def prepare() -> None:
        signal.signal(signal.SIGINT, signal.SIG_IGN if ignore_sigint else signal.SIG_DFL)

    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.Popen(
        [sys.executable, "-m", "newsdedup.cli", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        process_group=0,
        preexec_fn=prepare,
    )


@pytest.mark.slow  # a whole CLI run or more in fresh processes
@pytest.mark.parametrize(
    ("signum", "to_group", "ignore_sigint", "status"),
    [
        (signal.SIGINT, True, False, 130),  # Ctrl-C on a terminal: the whole foreground group
        (signal.SIGINT, False, True, 130),  # kill -INT of a run started with "&" from a script
        (signal.SIGTERM, False, False, 143),
    ],
    ids=["ctrl-c", "kill-int-of-a-background-run", "sigterm"],
)
def test_a_signal_stops_a_run_promptly_and_a_rerun_completes_it(
    tmp_path, long_input, signum, to_group, ignore_sigint, status
):
    output = tmp_path / "out"
    process = start_in_own_group(
        "ingest", str(long_input), "--output", str(output), "--batch-size", "20", ignore_sigint=ignore_sigint
    )
    deadline = time.monotonic() + 120
    # Signalled once batches are being staged: a signal that lands while a thread is importing
    # a module can leave Python's import lock held (so earlier, a SIGTERM hung 1 run in 4).
    while process.poll() is None and time.monotonic() < deadline:
        if sum(path.is_file() for path in (output / "_staging").rglob("*")) >= 2:
            break
        time.sleep(0.05)
    assert process.poll() is None, process.communicate()
    if to_group:
        os.killpg(process.pid, signum)
    else:
        process.send_signal(signum)
    try:
        stdout, stderr = process.communicate(timeout=60)  # measured: 1-3 s
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        raise
    assert process.returncode == status, stderr
    assert stdout == ""
    assert "Traceback" not in stderr, stderr
    assert stderr.strip().splitlines()[-1] == "newsdedup: interrupted; the output keeps its last committed state", (
        stderr
    )
    if signum == signal.SIGINT:
        assert stderr.strip().splitlines() == ["newsdedup: interrupted; the output keeps its last committed state"]
    else:  # Prefect's own SIGTERM handler reports the crashed task and flow runs first
        assert all(" | ERROR   | " in line for line in stderr.strip().splitlines()[:-1]), stderr

    again = newsdedup("ingest", str(long_input), "--output", str(output), "--json")
    assert again.returncode == 0, again.stderr
    summary = json.loads(again.stdout)
    assert summary["files_read"] + summary["files_unchanged"] == 4000
    from storage.dataset import Dataset

    dataset = Dataset.for_reading(str(output))
    kept = dataset.read("articles").num_rows + dataset.read("duplicates").num_rows
    rejected = dataset.read("rejects")
    assert kept + (rejected.num_rows if rejected else 0) == 4000


@pytest.mark.slow  # a whole CLI run or more in fresh processes
def test_quiet_dask_runs_print_no_dask_logs(tmp_path):
    result = newsdedup("ingest", str(SEEDS), "--output", str(tmp_path / "out"), "--workers", "2", "--quiet")
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    assert "distributed." not in result.stderr and "INFO" not in result.stderr, result.stderr


def committed_files(output: Path) -> dict[str, bytes]:
    """Every committed file of a dataset (not its staging or lock) and its bytes."""
    return {
        str(path.relative_to(output)): path.read_bytes()
        for path in output.rglob("*")
        if path.is_file() and path.relative_to(output).parts[0] not in ("_staging", "_lock")
    }


def pool_workers(pid: int) -> list:
    """The process pool's worker processes under the run ``pid`` (not Prefect's server)."""
    import psutil

    children = psutil.Process(pid).children(recursive=True)
    return [child for child in children if "spawn_main" in " ".join(child.cmdline())]


@pytest.mark.skipif(default_workers() < 2, reason="the default process pool needs two CPUs")
def test_a_worker_killed_mid_run_is_one_line_and_a_rerun_completes(tmp_path, long_input):
    output = tmp_path / "out"
    assert newsdedup("ingest", str(SEEDS), "--output", str(output)).returncode == 0
    before = committed_files(output)
    process = start_in_own_group("ingest", str(long_input), "--output", str(output), "--batch-size", "20")
    deadline = time.monotonic() + 120
    workers = []
    while process.poll() is None and time.monotonic() < deadline:
        workers = pool_workers(process.pid)
        if workers and sum(path.is_file() for path in (output / "_staging").rglob("*")) >= 2:
            break
        time.sleep(0.05)
    assert process.poll() is None and workers, process.communicate()
    workers[0].send_signal(signal.SIGKILL)  # as the kernel's OOM killer does
    try:
        stdout, stderr = process.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        raise
    assert process.returncode == 3, stderr
    assert len(stderr.strip().splitlines()) == 1, stderr
    line = stderr.strip()
    assert re.fullmatch(
        r"newsdedup: a worker process died during the (read, clean and sign|dedup|write) stage \(killed for memory, "
        r"or by a signal\); nothing was committed\. Try a smaller --dedup-block-rows or fewer --workers",
        line,
    ), line
    assert stdout == ""
    assert committed_files(output) == before

    again = newsdedup("ingest", str(long_input), "--output", str(output), "--json")
    assert again.returncode == 0, again.stderr
    summary = json.loads(again.stdout)
    assert summary["files_read"] == 4000 and summary["articles"] + summary["duplicates"] == 4000


def _rewrite_as_version_1(output: Path) -> None:
    """Make an output look as newsdedup wrote it before schema version 2: no language and
    extraction columns in articles and duplicates, no clusters/, version "1" in the files and
    the manifest."""
    import pyarrow.parquet as pq

    for path in [*output.glob("articles/**/*.parquet"), *output.glob("duplicates/**/*.parquet")]:
        table = pq.read_table(path).drop_columns(["language", "extraction"])
        metadata = {**table.schema.metadata, b"newsdedup.schema_version": b"1"}
        pq.write_table(table.replace_schema_metadata(metadata), path)
    shutil.rmtree(output / "clusters")
    manifest = json.loads((output / "_manifest.json").read_text())
    manifest["schema_version"] = "1"
    del manifest["files"]["clusters"]
    (output / "_manifest.json").write_text(json.dumps(manifest))


def test_an_output_of_schema_version_1_is_refused_by_stats_and_upgraded_by_the_next_ingest(tmp_path):
    import pyarrow.parquet as pq

    out = tmp_path / "out"
    assert newsdedup("ingest", str(SEEDS), "--output", str(out), "--quiet").returncode == 0
    _rewrite_as_version_1(out)
    stats = newsdedup("stats", str(out), "--json")
    assert stats.returncode == 2 and stats.stderr.endswith(
        f"upgrade it in place, once, with: newsdedup upgrade {out}\n"
    )
    result = newsdedup("ingest", str(SEEDS), "--output", str(out), "--quiet")
    assert result.returncode == 0, result.stderr
    assert json.loads((out / "_manifest.json").read_text())["schema_version"] == "3"
    stats = newsdedup("stats", str(out), "--json")
    assert stats.returncode == 0, stats.stderr
    assert [c["cluster_size"] for c in json.loads(stats.stdout)["largest_clusters"]] == [2]  # 000 and its copy 007
    for path in out.glob("articles/**/*.parquet"):
        assert {"language", "extraction"} <= set(pq.read_schema(path).names)


def test_articles_carry_their_language_and_extraction_path(tmp_path):
    from storage.dataset import Dataset

    assert newsdedup("ingest", str(SEEDS), "--output", str(tmp_path / "out"), "--quiet").returncode == 0
    articles = Dataset.for_reading(str(tmp_path / "out")).read("articles").to_pylist()
    assert [(a["language"], a["extraction"]) for a in articles] == [("en", "main")] * 2


def test_copies_of_a_chinese_story_are_one_story_and_different_chinese_stories_two(tmp_path):
    from dataclasses import replace

    from storage.dataset import Dataset
    from tests.parsers.multilingual_pages import CHINESE_HARVEST, CHINESE_METRO, story_page

    # A second site's copy: its own template, one figure edited, a closing line added.
    edited = list(CHINESE_METRO.paragraphs)
    edited[1] = edited[1].replace("四十分钟", "三十五分钟")
    copy = replace(CHINESE_METRO, paragraphs=tuple(edited))
    inbox = tmp_path / "in"
    inbox.mkdir()
    (inbox / "metro.html").write_text(story_page(CHINESE_METRO, site="chengshi"))
    (inbox / "metro-copy.html").write_text(
        story_page(copy, site="xinwen", extra="本报将继续关注五号线开通后的客流变化和运营情况，欢迎读者提供线索。")
    )
    (inbox / "harvest.html").write_text(story_page(CHINESE_HARVEST, site="nongcun"))
    result = newsdedup("ingest", str(inbox), "--output", str(tmp_path / "out"))
    assert result.returncode == 0, result.stderr
    assert "3 records: 2 articles kept, 1 duplicates, 0 rejects" in result.stdout
    dataset = Dataset.for_reading(str(tmp_path / "out"))
    articles = dataset.read("articles").to_pylist()
    assert sorted(a["title"] for a in articles) == sorted([CHINESE_METRO.headline, CHINESE_HARVEST.headline])
    assert {a["language"] for a in articles} == {"zh"}
    (duplicate,) = dataset.read("duplicates").to_pylist()
    metro = next(a for a in articles if a["title"] == CHINESE_METRO.headline)
    assert duplicate["canonical_id"] == metro["article_id"] and duplicate["method"] == "near"
