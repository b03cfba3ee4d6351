"""Throughput and memory of the whole pipeline on a generated corpus, against naive datasketch.

    python benchmarks/throughput.py [--n 100000] [--workers 0] [--corpus-dir DIR] [--copies syndication]

Generates (or reuses, in ``--corpus-dir``) ``N`` text dumps with a known share of
near-duplicates (``benchmarks/synthetic.py``; by default the syndication corpus: most stories
once, a Zipf-like tail, a few wire stories with 500-2,000 copies, about half the documents
copies), runs ``newsdedup ingest`` on them as a user would (a fresh process, Prefect's
embedded server start-up included) and prints one table: documents/s and MB/s end to end,
peak RSS of the largest process, seconds per stage, the dedup stage's share of the wall
time and its LSH candidate pairs per document, dedup quality against the generator's
labels, and, on a sample of the same texts in this process,
the naive datasketch loop (one ``MinHash`` per document, ``update_batch`` over encoded word
5-grams) against the pipeline's signing step.

    python benchmarks/throughput.py --html [--html-pages 3600] [--html-data DIR] [--workers 0]

HTML mode: builds ``N`` HTML pages from the dev set's real pages (``benchmarks/html_corpus.py``:
each page repeated as syndicated copies, a partner's name added to the ``<title>`` and a
credit paragraph at the end of the body), runs ``newsdedup ingest`` on them as above and, in
the same run on the same files, trafilatura as its users call it: read the file's bytes,
``trafilatura.extract(data, with_metadata=True)`` (comments and tables off, as in
``benchmarks/extraction.py``), timed from the first read to the last result, once in this
process and once in a pool of as many processes as the pipeline has workers (same cores).
The pool is forked after trafilatura is imported here, so its start-up is nearly free. The
runs follow one another, so load from other jobs can favour either side: CPU seconds of
each (all processes) are printed too, and their ratio is the steadier comparison.
"""

from __future__ import annotations

import argparse
import json
import logging
import multiprocessing
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from benchmarks.dedup import clusters_from_output, read_labels, score  # noqa: E402
from benchmarks.html_corpus import build_html_corpus  # noqa: E402
from benchmarks.scoring import DEFAULT_DATA  # noqa: E402
from benchmarks.synthetic import copy_share, generate  # noqa: E402
from newsdedup.config import IngestConfig  # noqa: E402
from newsdedup.pipeline import batches  # noqa: E402
from newsdedup.workers import default_workers, planned_workers  # noqa: E402

#: Documents signed by both the naive loop and ours for the signing comparison.
SIGN_SAMPLE = 3000
#: HTML pages in the HTML mode's corpus: ten syndicated copies of each of the 360 dev pages.
HTML_PAGES = 3600


def corpus(directory: Path, n: int, seed: int, copies: str = "syndication") -> Path:
    """The generated corpus of ``n`` documents in ``directory`` (made once, then reused)."""
    marker = directory / f"complete-{n}-{seed}-{copies}"
    if not marker.exists():
        shutil.rmtree(directory, ignore_errors=True)
        directory.mkdir(parents=True)
        generate(str(directory), n, seed=seed, copies=copies)
        marker.touch()
    return directory


def run_cli(docs: Path, output: Path, workers: int) -> tuple[dict, float, int, float]:
    """Run ``newsdedup ingest`` in a child process: (summary, wall seconds, peak RSS bytes,
    CPU seconds of all its processes: CPU time hardly moves when other jobs share the cores,
    wall time does)."""
    command = [
        sys.executable,
        "-m",
        "newsdedup.cli",
        "ingest",
        str(docs),
        "--output",
        str(output),
        "--json",
        "--workers",
        str(workers),
    ]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    cpu = cpu_seconds(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    completed = subprocess.run(command, capture_output=True, text=True, env=env)
    wall = time.perf_counter() - started
    cpu = cpu_seconds(resource.RUSAGE_CHILDREN) - cpu
    if completed.returncode != 0:
        raise SystemExit(f"newsdedup failed:\n{completed.stderr[-3000:]}")
    # ru_maxrss of reaped children: the largest single process (KiB on Linux).
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
    return json.loads(completed.stdout), wall, peak, cpu


def signing_comparison(output: Path, sample: int) -> tuple[float, float]:
    """Documents/s of the naive datasketch loop and of ``dedup.stage.sign_documents`` on the
    same cleaned texts (one core each)."""
    from datasketch import MinHash

    from dedup.stage import sign_documents
    from newsdedup.config import DedupSettings
    from storage.dataset import Dataset
    from storage.schema import Document

    table = Dataset.for_reading(str(output)).read("articles", ["text"])
    texts = table["text"].to_pylist()
    random.Random(1).shuffle(texts)
    texts = texts[:sample]
    started = time.perf_counter()
    for text in texts:
        words = text.split()
        minhash = MinHash(num_perm=128)
        minhash.update_batch([" ".join(words[i : i + 5]).encode() for i in range(max(1, len(words) - 4))])
    naive = len(texts) / (time.perf_counter() - started)
    documents = [Document("x", 0, "txt", "", text, "k") for text in texts]
    # Warm-up on a few documents: numba loads (or first compiles) the signing kernel, once per process.
    sign_documents([Document("x", 0, "txt", "", text, "k") for text in texts[:8]], DedupSettings())
    started = time.perf_counter()
    sign_documents(documents, DedupSettings())
    ours = len(texts) / (time.perf_counter() - started)
    return naive, ours


def pipeline_workers(workers: int, files: int) -> int:
    """The worker processes ``newsdedup ingest --workers workers`` uses on ``files`` input
    files (``newsdedup.workers``: 0 is one per CPU but never more than there are batches,
    1 is in-process, N >= 2 is a Dask cluster of N)."""
    if workers:
        return workers
    tasks = batches(range(files), IngestConfig.batch_size, planned_workers(workers))
    return max(1, min(default_workers(), len(tasks)))


def cpu_seconds(who: int) -> float:
    """User + system CPU seconds so far of ``resource.RUSAGE_SELF`` or ``RUSAGE_CHILDREN``
    (reaped children, their own reaped children included)."""
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def quiet_trafilatura() -> None:
    """Import trafilatura and silence its per-page warnings (they would flood the output)."""
    import trafilatura  # noqa: F401

    logging.getLogger("trafilatura").setLevel(logging.CRITICAL)


def trafilatura_extract_file(path: Path) -> bool:
    """Read one page and extract it as trafilatura's users do; True when it found a text."""
    import trafilatura

    data = path.read_bytes()
    return trafilatura.extract(data, include_comments=False, include_tables=False, with_metadata=True) is not None


def time_trafilatura(paths: list[Path], processes: int | None) -> tuple[float, float, int]:
    """Wall seconds and CPU seconds for trafilatura to read and extract every page, and the
    pages where it found no text. ``processes``: None runs in this process, a number in a
    pool of that many processes (its start-up included)."""
    quiet_trafilatura()
    who = resource.RUSAGE_SELF if processes is None else resource.RUSAGE_CHILDREN
    cpu = cpu_seconds(who)
    started = time.perf_counter()
    if processes is None:
        found = [trafilatura_extract_file(path) for path in paths]
    else:
        context = multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods() else None)
        with ProcessPoolExecutor(processes, mp_context=context, initializer=quiet_trafilatura) as pool:
            found = list(pool.map(trafilatura_extract_file, paths, chunksize=8))
    return time.perf_counter() - started, cpu_seconds(who) - cpu, found.count(False)


def html_rows(args: argparse.Namespace, scratch: Path) -> list[tuple[str, str]]:
    """The HTML mode: newsdedup and trafilatura on the same generated pages, as table rows."""
    html_dir = args.html_data / "html"
    if not html_dir.is_dir():
        raise SystemExit(f"no dev pages: {html_dir} is not a directory (see --html-data)")
    corpus_dir = args.corpus_dir or scratch / "corpus"
    started = time.perf_counter()
    pages_dir = build_html_corpus(html_dir, corpus_dir, args.html_pages, args.html_distinct or None)
    built = time.perf_counter() - started
    paths = sorted(pages_dir.rglob("*.html"))
    size = sum(path.stat().st_size for path in paths)
    workers = pipeline_workers(args.workers, len(paths))
    # newsdedup first: the peak RSS of reaped children must be the pipeline's alone.
    summary, wall, peak, cpu = run_cli(pages_dir, scratch / "out", args.workers)
    alone, alone_cpu, alone_missed = time_trafilatura(paths, None)
    pooled, pooled_cpu, pooled_missed = time_trafilatura(paths, workers)
    stages = summary["seconds_by_stage"]
    working = sum(stages.values())
    reasons = ", ".join(f"{reason} {count:,}" for reason, count in sorted(summary["rejects_by_reason"].items()))
    return [
        ("pages", f"{len(paths):,}"),
        ("distinct source pages", f"{len({path.relative_to(pages_dir).parts[1:] for path in paths}):,}"),
        ("input MB", f"{size / 1e6:,.1f}"),
        ("corpus building s (not counted)", f"{built:,.1f}"),
        ("newsdedup workers = trafilatura pool processes", f"{workers}"),
        ("newsdedup wall s (incl. Prefect start-up)", f"{wall:,.1f}"),
        ("newsdedup pages/s end to end", f"{len(paths) / wall:,.1f}"),
        ("newsdedup pages/s excluding start-up", f"{len(paths) / working:,.1f}"),
        ("newsdedup peak RSS of the largest process, MiB", f"{peak / 2**20:,.0f}"),
        ("s: start-up, discovery, flow overhead", f"{wall - working:,.1f}"),
        *((f"s: {stage}", f"{seconds:,.1f}") for stage, seconds in stages.items()),
        (
            "articles / duplicates / rejects",
            f"{summary['articles']:,} / {summary['duplicates']:,} / {summary['rejects']:,}",
        ),
        ("rejects by reason", reasons or "-"),
        ("trafilatura s, 1 process", f"{alone:,.1f}"),
        ("trafilatura pages/s, 1 process", f"{len(paths) / alone:,.1f}"),
        (f"trafilatura s, {workers}-process pool", f"{pooled:,.1f}"),
        (f"trafilatura pages/s, {workers}-process pool", f"{len(paths) / pooled:,.1f}"),
        ("trafilatura pages without a text (1 process / pool)", f"{alone_missed:,} / {pooled_missed:,}"),
        (f"ratio: newsdedup end to end / trafilatura {workers}-process pool", f"{pooled / wall:,.2f}x"),
        (f"ratio: newsdedup excluding start-up / trafilatura {workers}-process pool", f"{pooled / working:,.2f}x"),
        ("CPU s: newsdedup (all processes, start-up included)", f"{cpu:,.1f}"),
        ("CPU s: trafilatura 1 process / pool", f"{alone_cpu:,.1f} / {pooled_cpu:,.1f}"),
        (
            "pages per CPU-second: newsdedup / trafilatura pool",
            f"{len(paths) / cpu:,.1f} / {len(paths) / pooled_cpu:,.1f}",
        ),
        ("ratio: pages per CPU-second, newsdedup / trafilatura pool", f"{pooled_cpu / cpu:,.2f}x"),
    ]


def print_table(rows: list[tuple[str, str]]) -> None:
    """Print ``(measure, value)`` rows as a markdown table."""
    width = max(len(name) for name, _ in rows)
    print(f"| {'measure'.ljust(width)} | value |")
    print(f"|{'-' * (width + 2)}|-------|")
    for name, value in rows:
        print(f"| {name.ljust(width)} | {value} |")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=100_000, help="documents to generate")
    parser.add_argument("--workers", type=int, default=0, help="newsdedup --workers (0 = one per CPU)")
    parser.add_argument(
        "--corpus-dir", type=Path, default=None, help="where the corpus is generated and reused (default: a temp dir)"
    )
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--copies",
        choices=["syndication", "uniform"],
        default="syndication",
        help="copies per story (benchmarks/synthetic.py): syndication (default) or uniform (~20%% small clusters)",
    )
    parser.add_argument("--sign-sample", type=int, default=SIGN_SAMPLE)
    parser.add_argument("--html", action="store_true", help="HTML mode: newsdedup against trafilatura on real pages")
    parser.add_argument("--html-pages", type=int, default=HTML_PAGES, help="HTML pages to build")
    parser.add_argument(
        "--html-distinct", type=int, default=0, help="distinct dev pages to repeat (0 = all; tests use a few)"
    )
    parser.add_argument(
        "--html-data", type=Path, default=DEFAULT_DATA, help="the extraction-dev directory (its html/ is read)"
    )
    args = parser.parse_args(argv)

    scratch = Path(tempfile.mkdtemp(prefix="newsdedup-throughput-"))
    if args.html:
        print_table(html_rows(args, scratch))
        shutil.rmtree(scratch, ignore_errors=True)
        return 0
    corpus_dir = args.corpus_dir or scratch / "corpus"
    started = time.perf_counter()
    root = corpus(corpus_dir, args.n, args.seed, args.copies)
    generated = time.perf_counter() - started
    docs = root / "docs"
    size = sum(p.stat().st_size for p in docs.rglob("*.txt"))
    output = scratch / "out"
    summary, wall, peak, cpu = run_cli(docs, output, args.workers)
    labels = read_labels(str(root / "labels.csv"))
    quality = score(labels, clusters_from_output(str(output)))
    naive, ours = signing_comparison(output, args.sign_sample)
    stages = summary["seconds_by_stage"]
    startup = wall - sum(stages.values())
    rows = [
        ("documents", f"{args.n:,}"),
        (f"copies of another document ({args.copies} corpus)", f"{copy_share(list(labels.items())):.1%}"),
        ("input MB", f"{size / 1e6:,.1f}"),
        ("corpus generation s (not counted)", f"{generated:,.1f}"),
        ("wall s (incl. Prefect start-up)", f"{wall:,.1f}"),
        ("documents/s end to end", f"{args.n / wall:,.0f}"),
        ("MB/s end to end", f"{size / 1e6 / wall:,.1f}"),
        ("documents/s excluding start-up", f"{args.n / (wall - startup):,.0f}"),
        ("peak RSS of the largest process, MiB", f"{peak / 2**20:,.0f}"),
        ("CPU s: all processes (start-up included)", f"{cpu:,.1f}"),
        ("documents per CPU-second", f"{args.n / cpu:,.0f}"),
        ("s: start-up, discovery, flow overhead", f"{startup:,.1f}"),
        *((f"s: {stage}", f"{seconds:,.1f}") for stage, seconds in stages.items()),
        ("dedup share of wall time", f"{stages.get('dedup', 0.0) / wall:.1%}"),
        ("dedup LSH candidate pairs verified", f"{summary.get('dedup_candidates', 0):,}"),
        ("dedup candidate pairs per document", f"{summary.get('dedup_candidates', 0) / args.n:,.2f}"),
        (
            "articles / duplicates / rejects",
            f"{summary['articles']:,} / {summary['duplicates']:,} / {summary['rejects']:,}",
        ),
        (
            "dedup vs generator labels: P / R / ARI",
            f"{quality.precision:.4f} / {quality.recall:.4f} / {quality.ari:.4f}",
        ),
        (f"signing docs/s, naive datasketch loop ({args.sign_sample:,}-doc sample, 1 core)", f"{naive:,.0f}"),
        ("signing docs/s, newsdedup (same texts, 1 core)", f"{ours:,.0f}"),
        ("signing speed-up", f"{ours / naive:,.1f}x"),
    ]
    print_table(rows)
    shutil.rmtree(scratch, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
