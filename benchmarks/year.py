"""A year of hourly runs, simulated cheaply, then ``newsdedup compact``.

    python benchmarks/year.py [--runs 8760] [--output /tmp/newsdedup-year] [--articles 10]

Running 8,760 real ingests would take days; what piles up over a year is files, and those
come from the commit path. So each simulated hour commits, through the storage code an ingest
uses (``Dataset.open``, ``Transaction``, ``RollingWriter`` and ``Transaction.write``, the
same Parquet options, names and folders as ``storage.commit.commit_run``), a few rows of the
real schemas to every table a run writes: ``articles`` and ``duplicates`` and ``rejects``
(partitioned by ``ingest_date``), ``signatures``, the ``inputs`` ledger, ``runs``; a table
of ``storage.schema.TABLES`` this script has no builder for gets rows of its schema with
made-up values (one file per run). The rows are made-up text and hashes, not cleaned
documents: the point is the file layout and the store's size in files, not the data.

Then it measures, as a user would meet them: files and bytes per table, a DuckDB
``count(*)`` over ``articles/`` (the README's glob), and what an hourly run's look-ups in
the store cost after a year (opening the dataset for writing: lock, manifest, recovery
listing; the inputs-ledger look-up of 1,000 new files; loading what dedup needs of the
stored stories), each in a fresh process; then ``newsdedup compact`` (wall, CPU, peak RSS,
in a fresh process) and the same measures again. Prints one table (measure | before |
after). Timings are for comparison on one machine; they are not asserted anywhere.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import numpy as np  # noqa: E402
import pyarrow as pa  # noqa: E402

from storage.dataset import Dataset, RollingWriter, Transaction  # noqa: E402
from storage.schema import (  # noqa: E402
    ARTICLES,
    DUPLICATES,
    FIXED_SCHEMAS,
    INPUTS,
    REJECTS,
    RUNS,
    TABLES,
    signatures_schema,
)

#: Hourly runs in a year.
YEAR = 8_760
#: MinHash permutations of the simulated signatures (the default setting's).
NUM_PERM = 128
#: New input files an hourly run looks up in the ledger (the issue's hourly run: 1,000 dumps).
NEW_FILES = 1_000
#: Made-up words the simulated texts are drawn from.
WORDS = np.array(
    "the council said on monday that its plan for the harbour would cost more than expected after "
    "a review of bids from builders and a vote by members who asked for new figures before winter".split()
)


def _hex(*parts: object, digits: int = 32) -> str:
    return hashlib.blake2b(repr(parts).encode(), digest_size=16).hexdigest()[:digits]


def _stories(rng: np.random.Generator, run: int, count: int, words: int) -> dict[str, list]:
    """Columns shared by articles and duplicates: ``count`` made-up stories of a run."""
    texts = [" ".join(rng.choice(WORDS, words)) for _ in range(count)]
    hashes = [_hex(run, i, text) for i, text in enumerate(texts)]
    return {
        "article_id": [h[:16] for h in hashes],
        "source_path": [f"{run // 24:03d}/{run:05d}-{i:03d}.txt" for i in range(count)],
        "source_record": [0] * count,
        "format": ["text"] * count,
        "title": [text[:60].title() for text in texts],
        "text": texts,
        "section": ["News / Local"] * count,
        "url": [f"https://example.org/{h[:12]}" for h in hashes],
        "published": [None] * count,
        "word_count": [words] * count,
        "language": ["en"] * count,
        "extraction": ["main"] * count,
        "content_hash": hashes,
        "cluster_size": [1] * count,
        "record_key": [_hex("key", run, i) for i in range(count)],
    }


def _generic_rows(schema: pa.Schema, count: int, run_id: str, started: datetime) -> pa.Table:
    """``count`` rows of ``schema`` with made-up values (for a table this script has no builder for)."""
    columns = []
    for field in schema:
        kind = field.type
        if field.name == "run_id":
            values = [run_id] * count
        elif pa.types.is_string(kind):
            values = [_hex(run_id, field.name, i) for i in range(count)]
        elif pa.types.is_integer(kind):
            values = list(range(count))
        elif pa.types.is_floating(kind):
            values = [1.0] * count
        elif pa.types.is_timestamp(kind):
            values = [started] * count
        elif pa.types.is_boolean(kind):
            values = [True] * count
        else:
            values = [None] * count
        columns.append(pa.array(values, kind) if values[0] is not None or field.nullable else pa.nulls(count, kind))
    return pa.Table.from_arrays(columns, schema=schema)


def simulate_run(
    dataset: Dataset, run: int, started: datetime, articles: int, duplicates: int, rejects: int, words: int
) -> None:
    """Commit one simulated hourly run: the files ``storage.commit.commit_run`` writes for a
    run of ``articles`` new stories, ``duplicates`` copies and ``rejects`` rejects."""
    rng = np.random.default_rng(run)
    run_id = f"{started:%Y%m%dT%H%M%S}-{run:08x}"
    day = started.strftime("%Y-%m-%d")
    transaction: Transaction = dataset.transaction()
    stamp = {"run_id": [run_id], "ingested_at": [started]}

    def stamped(columns: dict[str, list], count: int) -> dict[str, list]:
        return {**columns, **{k: v * count for k, v in stamp.items()}}

    def rolled(table: str, folder: str, data: pa.Table, schema: pa.Schema, suffix: str = "-0000") -> None:
        writer = RollingWriter(transaction.names, schema, f"{folder}/part-{run_id}{suffix}")
        writer.write(data)
        for name in writer.close(empty_file=not dataset.manifest.files[table]):
            transaction.add(table, name)

    stories = _stories(rng, run, articles, words)
    rolled("articles", f"articles/ingest_date={day}", pa.table(stamped(stories, articles), ARTICLES), ARTICLES)
    copies = _stories(rng, run + 1_000_000, duplicates, words)
    copies.update(
        canonical_id=[_hex(max(run - 1, 0), i)[:16] for i in range(duplicates)],
        similarity=[0.9] * duplicates,
        method=["near"] * duplicates,
        cluster_size=[2] * duplicates,
    )
    rolled("duplicates", f"duplicates/ingest_date={day}", pa.table(stamped(copies, duplicates), DUPLICATES), DUPLICATES)
    signatures = signatures_schema(NUM_PERM)
    hashvalues = rng.integers(0, 2**32, (articles, NUM_PERM), dtype=np.uint32)
    rolled(
        "signatures",
        "signatures",
        pa.table(
            {
                "article_id": stories["article_id"],
                "hashvalues": pa.FixedSizeListArray.from_arrays(pa.array(hashvalues.reshape(-1)), NUM_PERM),
                "shingle_count": [words - 1] * articles,
                "word_count": [words] * articles,
                "run_id": [run_id] * articles,
            },
            signatures,
        ),
        signatures,
    )
    reject_rows = {
        "source_path": [f"{run // 24:03d}/{run:05d}-bad{i}.txt" for i in range(rejects)],
        "source_record": [0] * rejects,
        "reason": ["empty"] * rejects,
        "detail": [""] * rejects,
        "record_key": [_hex("reject", run, i) for i in range(rejects)],
    }
    rolled("rejects", f"rejects/ingest_date={day}", pa.table(stamped(reject_rows, rejects), REJECTS), REJECTS, "")
    paths = stories["source_path"] + copies["source_path"] + reject_rows["source_path"]
    transaction.write(
        "inputs",
        f"inputs/part-{run_id}.parquet",
        pa.table(
            {
                "source_path": paths,
                "path": [f"/data/inbox/{p}" for p in paths],
                "size": [2_000 + i for i in range(len(paths))],
                "mtime_ns": [int(started.timestamp() * 1e9)] * len(paths),
                "run_id": [run_id] * len(paths),
            },
            INPUTS,
        ),
    )
    transaction.write(
        "runs",
        f"runs/part-{run_id}.parquet",
        pa.table(
            {
                "run_id": [run_id],
                "started_at": [started],
                "finished_at": [started + timedelta(seconds=30)],
                "inputs": [["data/inbox"]],
                "files_read": [len(paths)],
                "files_unchanged": [0],
                "records_read": [len(paths)],
                "articles": [articles],
                "duplicates": [duplicates],
                "rejects": [rejects],
                "skipped_known": [0],
                "settings": ["{}"],
                "files_other_types": [0],
                "other_types": [[]],
            },
            RUNS,
        ),
    )
    for table in TABLES:  # tables added to the schema since this script was written
        if (
            table not in ("articles", "duplicates", "rejects", "signatures", "inputs", "runs")
            and table in FIXED_SCHEMAS
        ):
            data = _generic_rows(FIXED_SCHEMAS[table], articles + duplicates, run_id, started)
            transaction.write(table, f"{table}/part-{run_id}.parquet", data)
    transaction.commit(_signature_settings())


def _signature_settings() -> dict[str, str]:
    """The manifest's signature settings, as an ingest with the default settings stores them."""
    from dedup.stage import signature_settings
    from newsdedup.config import DedupSettings

    metadata = signature_settings(DedupSettings()).as_metadata()
    return {k.decode(): v.decode() for k, v in metadata.items()}


#: When the first simulated run starts (at :15, as the scheduled deployment's).
START = datetime(2026, 1, 1, 0, 15, tzinfo=UTC)


def simulate_year(
    output: str,
    runs: int,
    articles: int,
    duplicates: int,
    rejects: int,
    words: int,
    start: datetime = START,
    first: int = 0,
) -> float:
    """Commit simulated hourly runs number ``first`` to ``first + runs - 1`` (run ``n`` at
    ``start`` + n hours) into ``output``, one writer holding the lock throughout, as
    consecutive scheduled runs would one after the other; returns seconds."""
    clock = time.perf_counter()
    with Dataset.open(output) as dataset:
        for run in range(first, first + runs):
            simulate_run(dataset, run, start + timedelta(hours=run), articles, duplicates, rejects, words)
    return time.perf_counter() - clock


# --- measuring -------------------------------------------------------------------------


def hourly_lookups(output: str) -> dict[str, float]:
    """What an hourly run asks of the store before it reads anything new, timed (seconds):
    open for writing (lock, manifest, recovery listing), the inputs-ledger look-up of
    ``NEW_FILES`` new files, and loading what dedup needs of the stored stories."""
    from dedup.stage import load_stored_stories
    from newsdedup.config import DedupSettings
    from newsdedup.pipeline import select_changed_inputs
    from parsers.discover import InputFile

    new = [InputFile(f"/data/inbox/new/{i:05d}.txt", f"new/{i:05d}.txt", 2_000, 1) for i in range(NEW_FILES)]
    times = {}
    clock = time.perf_counter()
    with Dataset.open(output) as dataset:
        times["open"] = time.perf_counter() - clock
        clock = time.perf_counter()
        changed, _ = select_changed_inputs(dataset, new)
        assert len(changed) == NEW_FILES
        times["ledger"] = time.perf_counter() - clock
        clock = time.perf_counter()
        load_stored_stories(dataset, DedupSettings())
        times["stored"] = time.perf_counter() - clock
    return times


def measured(command: list[str]) -> tuple[str, float, float, float]:
    """Run ``command``; its stdout, wall seconds, CPU seconds and peak RSS (MiB), this child's only."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    with tempfile.TemporaryFile() as errors:
        started = time.perf_counter()
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=errors, env=env)
        stdout = process.stdout.read().decode()
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode != 0:
            errors.seek(0)
            raise SystemExit(f"{' '.join(command)} failed:\n{errors.read().decode()[-3000:]}")
    return stdout, wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def layout(output: str) -> dict[str, tuple[int, int]]:
    """Files and bytes of each table, as the manifest lists them."""
    dataset = Dataset.for_reading(output)
    return {
        table: (len(paths), sum(os.path.getsize(p) for p in paths))
        for table in dataset.manifest.files
        for paths in [dataset.files(table)]
    }


def duckdb_count(output: str) -> tuple[int, float]:
    """``count(*)`` over ``articles/`` with DuckDB as the README reads it, in a fresh process:
    (rows, seconds of the query)."""
    script = (
        "import duckdb, json, time, sys\n"
        "clock = time.perf_counter()\n"
        "duckdb.execute('SET enable_progress_bar = false')\n"
        "query = 'SELECT count(*) FROM read_parquet(?, hive_partitioning = true)'\n"
        "[(rows,)] = duckdb.execute(query, [sys.argv[1]]).fetchall()\n"
        "print(json.dumps([rows, time.perf_counter() - clock]))\n"
    )
    stdout, *_ = measured([sys.executable, "-c", script, os.path.join(output, "articles", "**", "*.parquet")])
    rows, seconds = json.loads(stdout.splitlines()[-1])
    return rows, seconds


def measures(output: str) -> dict[str, str]:
    """The rows of the table for the dataset as it is now."""
    rows: dict[str, str] = {}
    for table, (files, size) in layout(output).items():
        rows[f"files: {table}"] = f"{files:,}"
        rows[f"MiB: {table}"] = f"{size / 2**20:,.1f}"
    count, seconds = duckdb_count(output)
    rows["articles rows (DuckDB count(*))"] = f"{count:,}"
    rows["DuckDB count(*) over articles, s"] = f"{seconds:.3f}"
    stdout, wall, _, rss = measured([sys.executable, __file__, "--lookups", output])
    times = json.loads(stdout)
    rows["hourly run: open for writing (lock, manifest, recovery), s"] = f"{times['open']:.3f}"
    rows[f"hourly run: inputs-ledger look-up of {NEW_FILES:,} files, s"] = f"{times['ledger']:.3f}"
    rows["hourly run: load stored stories for dedup, s"] = f"{times['stored']:.3f}"
    rows["hourly run look-ups: peak RSS of the process, MiB"] = f"{rss:,.0f}"
    return rows


def print_table(before: dict[str, str], after: dict[str, str], extra: list[tuple[str, str]]) -> None:
    names = list(before) + [name for name in after if name not in before]
    width = max(len(name) for name in [*names, *(n for n, _ in extra)])
    print(f"| {'measure'.ljust(width)} | before compact | after compact |")
    print(f"|{'-' * (width + 2)}|---|---|")
    for name in names:
        print(f"| {name.ljust(width)} | {before.get(name, '')} | {after.get(name, '')} |")
    for name, value in extra:
        print(f"| {name.ljust(width)} | {value} | |")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=YEAR, help=f"simulated hourly runs (default {YEAR:,}: a year)")
    parser.add_argument("--output", default=None, help="dataset directory (default: a new temporary one)")
    parser.add_argument("--articles", type=int, default=10, help="new stories per run (default 10)")
    parser.add_argument("--duplicates", type=int, default=3, help="copies per run (default 3)")
    parser.add_argument("--rejects", type=int, default=1, help="rejects per run (default 1)")
    parser.add_argument("--words", type=int, default=300, help="words per made-up text (default 300)")
    parser.add_argument("--target-size", default=None, help="compact's --target-size (default: its own)")
    parser.add_argument("--keep", action="store_true", help="keep the output directory")
    parser.add_argument("--simulate-only", action="store_true", help="simulate the runs, keep the output, stop there")
    parser.add_argument(
        "--reuse", action="store_true", help="measure and compact the --output a --simulate-only run left"
    )
    parser.add_argument("--lookups", metavar="OUTPUT", help=argparse.SUPPRESS)  # (the timed child process)
    args = parser.parse_args(argv)
    if args.lookups:
        print(json.dumps(hourly_lookups(args.lookups)))
        return 0

    output = args.output or tempfile.mkdtemp(prefix="newsdedup-year-")
    reuse = args.reuse and not args.simulate_only and os.path.exists(os.path.join(output, "_manifest.json"))
    if not reuse and os.path.exists(os.path.join(output, "_manifest.json")):
        shutil.rmtree(output)
    try:
        seconds = 0.0
        if not reuse:
            seconds = simulate_year(output, args.runs, args.articles, args.duplicates, args.rejects, args.words)
        if args.simulate_only:
            print(f"simulated {args.runs:,} hourly runs into {output} in {seconds:,.1f} s")
            return 0
        before = measures(output)
        command = [sys.executable, "-m", "newsdedup.cli", "compact", output, "--json"]
        if args.target_size:
            command += ["--target-size", args.target_size]
        stdout, wall, cpu, rss = measured(command)
        summary = json.loads(stdout)
        after = measures(output)
        # The next day's 24 hourly runs, then what the daily compaction costs from then on.
        simulate_year(output, 24, args.articles, args.duplicates, args.rejects, args.words, first=args.runs)
        _, day_wall, day_cpu, day_rss = measured(command)
        extra = [
            ("simulated hourly runs", f"{args.runs:,}"),
            ("rows per run: articles / duplicates / rejects", f"{args.articles} / {args.duplicates} / {args.rejects}"),
            ("simulation (commits), s", f"{seconds:,.1f}" if seconds else "(reused)"),
            ("compact: wall s", f"{wall:.1f}"),
            ("compact: CPU s", f"{cpu:.1f}"),
            ("compact: peak RSS, MiB", f"{rss:,.0f}"),
            ("compact: target file size, MiB", f"{summary['target_bytes'] / 2**20:,.0f}"),
            (
                "next day's compact (24 more runs): wall s / CPU s / peak RSS MiB",
                f"{day_wall:.1f} / {day_cpu:.1f} / {day_rss:,.0f}",
            ),
        ]
        print_table(before, after, extra)
    finally:
        if not (args.keep or args.simulate_only):
            shutil.rmtree(output, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
