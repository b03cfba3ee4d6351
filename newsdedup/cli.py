"""The ``newsdedup`` command line.

    newsdedup ingest INPUT... --output DIR [--threshold J] [--num-perm N] ...
    newsdedup stats DIR | show DIR ARTICLE_ID | compact DIR [--target-size SIZE]

Runs the Prefect flow ``flows.ingest:ingest_flow`` (on Prefect's embedded server unless
PREFECT_API_URL points at one) and prints where the data went and a one-line summary.
Problems that stop the whole run print one line and exit with status 2; bad input files
never stop a run (they become reject rows). A worker process that dies under a task (killed
for memory, or by a signal) stops the run with one line naming the stage, and exit status 3.
Ctrl-C (SIGINT) or SIGTERM stops a run within seconds, leaving the output as its last
committed run left it; the exit status is then 128 + the signal's number (130, 143), as a
shell reports a process the signal ended.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import signal
import sys
from collections.abc import Iterator
from typing import TYPE_CHECKING

from newsdedup.config import DedupSettings, IngestConfig, JsonlFields, ReadLimits, parameter_problem
from newsdedup.server import ApiUnreachable, EmbeddedServer
from newsdedup.workers import ClusterError, WorkerLost, check_cluster
from storage import fs
from storage.dataset import DatasetError

if TYPE_CHECKING:
    from newsdedup.display import ProgressDisplay

EXIT_USAGE = 2
#: A worker process died under a task (killed for memory, or by a signal).
EXIT_WORKER_LOST = 3


class Stopped(KeyboardInterrupt):
    """SIGINT or SIGTERM asked the run to stop.

    Raised in the main thread as Ctrl-C's ``KeyboardInterrupt`` is, so that the flow ends as
    an interrupted one and everything on the way out (worker pools, the output's lock, the
    server) is closed.
    """

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


@contextlib.contextmanager
def _signals_stop_the_run(verbose: bool) -> Iterator[None]:
    """While the run lasts, SIGINT and SIGTERM raise ``Stopped`` in the main thread.

    Also when SIGINT arrives ignored: a command started with ``&`` from a script inherits
    that, and ``kill -INT`` (or Ctrl-C on the script) should still stop the run. After the
    signal, log records below CRITICAL are dropped unless ``verbose``: they are Prefect's
    "Crash detected!" reports of each task run the stop cut short.
    """

    def stop(signum: int, frame: object) -> None:
        if not verbose:
            logging.disable(logging.ERROR)
        raise Stopped(signum)

    try:
        previous = {signum: signal.signal(signum, stop) for signum in (signal.SIGINT, signal.SIGTERM)}
    except ValueError:  # not the main thread: the signals are its owner's to handle
        yield
        return
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


#: What ``newsdedup --help`` says the command is (the module docstring is for developers).
DESCRIPTION = (
    "Clean and deduplicate raw news dumps into Parquet (ingest), look at the result (stats, show), "
    "and merge its small files (compact)."
)


def _version() -> str:
    """The installed package's version (from its metadata)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("newsdedup")
    except PackageNotFoundError:  # run from a checkout that was never installed
        return "unknown (not installed)"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="newsdedup", description=DESCRIPTION)
    parser.add_argument("--version", action="version", version=f"newsdedup {_version()}")
    commands = parser.add_subparsers(dest="command", required=True)
    ingest = commands.add_parser("ingest", help="clean and deduplicate raw dumps into Parquet")
    ingest.add_argument(
        "inputs",
        nargs="+",
        metavar="INPUT",
        help="files, directories (recursive) or glob patterns of dumps: plain text (.txt), HTML "
        "(.html, .htm), JSONL (.jsonl, .ndjson) and WARC (.warc), each optionally gzipped (.gz)",
    )
    ingest.add_argument("--output", "-o", required=True, metavar="DIR", help="dataset directory")
    defaults = DedupSettings()
    ingest.add_argument(
        "--threshold",
        type=float,
        default=defaults.threshold,
        metavar="J",
        help=f"estimated Jaccard for a near-duplicate (default {defaults.threshold})",
    )
    ingest.add_argument(
        "--containment-threshold",
        type=float,
        default=defaults.containment_threshold,
        metavar="C",
        help="share of a shorter text inside a longer one that makes it a "
        f"copy (default {defaults.containment_threshold})",
    )
    ingest.add_argument(
        "--num-perm",
        type=int,
        default=defaults.num_perm,
        metavar="N",
        help=f"MinHash permutations (default {defaults.num_perm})",
    )
    ingest.add_argument(
        "--shingle-size",
        type=int,
        default=defaults.shingle_size,
        metavar="K",
        help=f"words per shingle (default {defaults.shingle_size})",
    )
    ingest.add_argument("--seed", type=int, default=defaults.seed, help="MinHash seed")
    ingest.add_argument(
        "--min-containment-shingles",
        type=int,
        default=defaults.min_containment_shingles,
        metavar="N",
        help=f"shingles a shorter text needs for a containment match (default {defaults.min_containment_shingles})",
    )
    ingest.add_argument(
        "--containment-stderrs",
        type=float,
        default=defaults.containment_stderrs,
        metavar="S",
        help=f"standard errors taken off the containment estimates (default {defaults.containment_stderrs})",
    )
    ingest.add_argument(
        "--lsh-threshold",
        type=float,
        default=defaults.lsh_threshold,
        metavar="J",
        help=f"Jaccard the LSH banding is tuned for; candidates only (default {defaults.lsh_threshold})",
    )
    ingest.add_argument("--bands", type=int, default=defaults.bands, help="LSH bands (with --rows; default: derived)")
    ingest.add_argument("--rows", type=int, default=defaults.rows, help="LSH rows per band (with --bands)")
    ingest.add_argument(
        "--batch-size",
        type=int,
        default=IngestConfig.batch_size,
        metavar="FILES",
        help=f"input files per task (default {IngestConfig.batch_size})",
    )
    ingest.add_argument(
        "--workers",
        type=int,
        default=IngestConfig.workers,
        metavar="N",
        help="1: one process; N >= 2: a local Dask cluster of N worker processes "
        "(default: a process pool, one per CPU)",
    )
    ingest.add_argument(
        "--dedup-block-rows",
        type=int,
        default=IngestConfig.block_rows,
        metavar="N",
        help=f"signatures per dedup task (default {IngestConfig.block_rows})",
    )
    ingest.add_argument(
        "--dask-address",
        metavar="ADDRESS",
        help="run reading, cleaning, signing and dedup on this Dask cluster (tcp://host:8786)",
    )
    ingest.add_argument(
        "--max-file-mb",
        type=int,
        default=ReadLimits.max_file_bytes // 2**20,
        help="reject input files larger than this",
    )
    ingest.add_argument(
        "--max-words",
        type=int,
        default=ReadLimits.max_words,
        metavar="N",
        help=f"reject articles longer than this, as too_long (default {ReadLimits.max_words:,})",
    )
    ingest.add_argument(
        "--jsonl-field",
        action="append",
        default=[],
        metavar="KEY=FIELD",
        help="JSONL field holding url, title, text, html or date, e.g. text=body (repeatable)",
    )
    ingest.add_argument(
        "--json", action="store_true", help="print the run summary as one line of JSON (and nothing else)"
    )
    ingest.add_argument("--quiet", "-q", action="store_true", help="print nothing but errors")
    ingest.add_argument("--verbose", "-v", action="store_true", help="show Prefect's run logs")
    stats = commands.add_parser("stats", help="summarise a dataset: tables, rejects by reason, runs")
    stats.add_argument("output", metavar="DIR")
    stats.add_argument("--json", action="store_true", help="print the summary as one line of JSON")
    compact = commands.add_parser(
        "compact", help="rewrite a dataset's many small files into few, in one commit (the daily deployment runs it)"
    )
    compact.add_argument("output", metavar="DIR")
    compact.add_argument(
        "--target-size",
        default="128MiB",
        metavar="SIZE",
        help="input bytes per merged file: 128MiB (default), 64M, 1G, or bytes",
    )
    compact.add_argument("--json", action="store_true", help="print what was done as one line of JSON")
    show = commands.add_parser("show", help="print one article and its duplicates")
    show.add_argument("output", metavar="DIR")
    show.add_argument("article_id", metavar="ARTICLE_ID")
    show.add_argument("--json", action="store_true", help="print the article as one line of JSON")
    upgrade = commands.add_parser(
        "upgrade", help="upgrade a dataset written by an older newsdedup to this version, in place (one commit)"
    )
    upgrade.add_argument("output", metavar="DIR")
    return parser


def _check_arguments(args: argparse.Namespace) -> str | None:
    """A one-line problem with the arguments, or None."""
    if args.json and args.quiet:
        return "--json and --quiet cannot be used together (--json prints only the summary)"
    problem = parameter_problem(vars(args), lambda name: "--" + name.replace("_", "-"))
    if problem:
        return problem
    for mapping in args.jsonl_field:
        key, _, field = mapping.partition("=")
        if key not in JsonlFields.__dataclass_fields__ or not field:
            return f"--jsonl-field {mapping!r}: expected KEY=FIELD with KEY one of url, title, text, html, date"
    return None


def _ingest(args: argparse.Namespace) -> int:
    problem = _check_arguments(args)
    if problem:
        print(f"newsdedup: {problem}", file=sys.stderr)
        return EXIT_USAGE
    # Before importing Prefect and Dask: their logging settings are read at import time.
    # Dask's scheduler and nannies run in this process, and Prefect's handler prints their
    # records (their own ``silence_logs`` only touches handlers Dask attached itself).
    if not args.verbose:
        level = "ERROR" if args.quiet or args.json else "WARNING"
        os.environ.setdefault("PREFECT_LOGGING_LEVEL", level)
        os.environ.setdefault("DASK_LOGGING__DISTRIBUTED", level.lower())
    # The embedded server's telemetry service races the run for its SQLite lock and logs
    # "database is locked" tracebacks; it sends nothing useful from here anyway.
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    from parsers.discover import NoInputsError, check_inputs
    from storage.dataset import Dataset

    try:
        # Fail fast, with one line, on what would stop the run: no inputs, unusable output,
        # an unreachable cluster. (The inputs are walked only to the first file: the run walks them.)
        check_inputs(args.inputs)
        with Dataset.open(args.output):
            pass
        if args.dask_address:
            check_cluster(args.dask_address)
    except (NoInputsError, DatasetError, ClusterError) as error:
        print(f"newsdedup: {error}", file=sys.stderr)
        return EXIT_USAGE

    with _signals_stop_the_run(args.verbose):
        return _run(args)


def _run(args: argparse.Namespace) -> int:
    """Run the ingest flow on the embedded server and print what it did."""
    from parsers.discover import NoInputsError

    server = EmbeddedServer()
    server.start()  # boots while the pipeline is imported; stopped at exit
    try:
        with _progress_display(args, server) as display:
            summary = _run_flow(args, server, display)
    except (NoInputsError, DatasetError, ClusterError, ApiUnreachable) as error:
        print(f"newsdedup: {error}", file=sys.stderr)
        return EXIT_USAGE
    except WorkerLost as error:
        if not args.verbose:  # Prefect's clients draining at exit would warn of the cut-short runs
            logging.disable(logging.ERROR)
        print(
            f"newsdedup: {error}; nothing was committed. Try a smaller --dedup-block-rows or fewer --workers",
            file=sys.stderr,
        )
        return EXIT_WORKER_LOST
    if args.json:
        print(json.dumps(summary))  # one line: log collectors take a line as one record
    elif not args.quiet:
        from newsdedup.commit import RunSummary
        from newsdedup.report import run_markdown

        where = args.output if fs.is_url(args.output) else os.path.abspath(args.output)
        print(f"wrote {where} (articles/, duplicates/, rejects/, runs/)")
        print(RunSummary(**summary).one_line())
        print()
        print(run_markdown(RunSummary(**summary)))
    return 0


def _progress_display(args: argparse.Namespace, server: EmbeddedServer) -> contextlib.AbstractContextManager:
    """The run's progress on a terminal (standard error), from start-up on; else nothing."""
    if not sys.stderr.isatty() or args.quiet or args.json:
        return contextlib.nullcontext()
    from newsdedup.display import ProgressDisplay

    return ProgressDisplay("Starting Prefect's temporary server…" if server.process else "Starting Prefect…")


def _run_flow(args: argparse.Namespace, server: EmbeddedServer, display: ProgressDisplay | None) -> dict:
    """The ingest flow's summary, run with the command's arguments."""
    from flows.ingest import RUN_PROBLEMS, ingest_flow  # (imports Prefect: seconds, while the server boots)

    if not args.verbose:
        quiet = _OneLineProblems(RUN_PROBLEMS)
        for name in _RUN_LOGGERS:
            logging.getLogger(name).addFilter(quiet)
        # At exit Prefect's events service warns "Still processing items" while it sends its
        # last events to the embedded server: a status line, not a problem of the run.
        logging.getLogger("EventsWorker").setLevel(logging.ERROR)
    with server.in_use():
        if display is not None:
            display.startup("Starting the run, looking for input files…")
        return ingest_flow(
            inputs=args.inputs,
            output=args.output,
            threshold=args.threshold,
            containment_threshold=args.containment_threshold,
            num_perm=args.num_perm,
            shingle_size=args.shingle_size,
            seed=args.seed,
            min_containment_shingles=args.min_containment_shingles,
            containment_stderrs=args.containment_stderrs,
            lsh_threshold=args.lsh_threshold,
            bands=args.bands,
            rows=args.rows,
            batch_size=args.batch_size,
            max_file_mb=args.max_file_mb,
            max_words=args.max_words,
            workers=args.workers,
            dask_address=args.dask_address,
            dedup_block_rows=args.dedup_block_rows,
            jsonl_fields=dict(mapping.split("=", 1) for mapping in args.jsonl_field) or None,
        )


#: Prefect's loggers of task and flow runs.
_RUN_LOGGERS = ("prefect.task_runs", "prefect.flow_runs")


class _OneLineProblems(logging.Filter):
    """Leaves the command's own line to report what stopped a run. Drops Prefect's reports of
    the task or flow run that a run problem (``flows.ingest.RUN_PROBLEMS``) stopped, which say
    the same line again; and all reports once one says a worker process died: every task on
    the pool then fails or is cancelled, and the run ends with one line."""

    def __init__(self, problems: tuple[type[Exception], ...]) -> None:
        super().__init__()
        # ("Name: message" from a task with retries, "Name('message')" from one without)
        self.problem_names = tuple(f"{problem.__name__}{end}" for problem in problems for end in (": ", "("))
        self.lost = False

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        self.lost = self.lost or "WorkerLost" in message
        if self.lost or getattr(record, "run_problem", False):
            return False
        return not any(name in message for name in self.problem_names)


def _open_for_reading(output: str):
    from storage.dataset import Dataset, require_dataset

    require_dataset(output)
    return Dataset.for_reading(output)


def _stats(args: argparse.Namespace) -> int:
    from newsdedup.report import dataset_markdown, dataset_summary

    summary = dataset_summary(_open_for_reading(args.output))
    print(json.dumps(summary) if args.json else dataset_markdown(summary))
    return 0


def _compact(args: argparse.Namespace) -> int:
    """Compact the dataset (``storage.compact``): one line of what was done, or of why not (exit 2)."""
    from storage.compact import compact, parse_size

    try:
        target = parse_size(args.target_size)
    except ValueError as error:
        print(f"newsdedup: --target-size: {error}", file=sys.stderr)
        return EXIT_USAGE
    summary = compact(args.output, target)
    print(json.dumps(summary.to_dict()) if args.json else summary.one_line())
    return 0


def _show(args: argparse.Namespace) -> int:
    from newsdedup.report import article_json, article_text, article_with_copies

    article = article_with_copies(_open_for_reading(args.output), args.article_id)
    if article is None:
        print(f"newsdedup: no article {args.article_id} in {args.output}", file=sys.stderr)
        return EXIT_USAGE
    print(json.dumps(article_json(article)) if args.json else article_text(article))
    return 0


def _upgrade(args: argparse.Namespace) -> int:
    from newsdedup.pipeline import upgrade_output
    from storage.dataset import Dataset, require_dataset
    from storage.schema import SCHEMA_VERSION

    require_dataset(args.output)
    with Dataset.open(args.output) as dataset:
        changes = upgrade_output(dataset)
    if changes:
        print(f"upgraded {args.output}: {'; '.join(changes)}")
    else:
        print(f"{args.output} is already at schema version {SCHEMA_VERSION}: nothing to do")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "ingest":
            return _ingest(args)
        if args.command == "stats":
            return _stats(args)
        if args.command == "show":
            return _show(args)
        if args.command == "upgrade":
            return _upgrade(args)
        if args.command == "compact":
            return _compact(args)
    except DatasetError as error:
        print(f"newsdedup: {error}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt as stop:
        print("newsdedup: interrupted; the output keeps its last committed state", file=sys.stderr)
        return 128 + getattr(stop, "signum", signal.SIGINT)
    except BrokenPipeError:
        # The reader went away (`newsdedup show ... | head`): stop quietly, as `cat` does. Python
        # would flush stdout once more at exit and fail again, so point it at /dev/null first.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 128 + signal.SIGPIPE
    return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
