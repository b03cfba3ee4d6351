"""Throughput and memory of the whole pipeline on a generated corpus, against naive datasketch.

    python benchmarks/throughput.py [--n 100000] [--workers 0] [--corpus-dir DIR] [--keep]

Generates (or reuses, in ``--corpus-dir``) ``N`` text dumps with a known share of
near-duplicates (``benchmarks/synthetic.py``), runs ``newsdedup ingest`` on them as a user
would (a fresh process, Prefect's embedded server start-up included) and prints one table:
documents/s and MB/s end to end, peak RSS of the largest process, seconds per stage, dedup
quality against the generator's labels, and, on a sample of the same texts in this process,
the naive datasketch loop (one ``MinHash`` per document, ``update_batch`` over encoded word
5-grams) against the pipeline's signing step.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from benchmarks.dedup import clusters_from_output, read_labels, score  # noqa: E402
from benchmarks.synthetic import generate  # noqa: E402

#: Documents signed by both the naive loop and ours for the signing comparison.
SIGN_SAMPLE = 3000


def corpus(directory: Path, n: int, seed: int) -> Path:
    """The generated corpus of ``n`` documents in ``directory`` (made once, then reused)."""
    marker = directory / f"complete-{n}-{seed}"
    if not marker.exists():
        shutil.rmtree(directory, ignore_errors=True)
        directory.mkdir(parents=True)
        generate(str(directory), n, seed=seed)
        marker.touch()
    return directory


def run_cli(docs: Path, output: Path, workers: int) -> tuple[dict, float, int]:
    """Run ``newsdedup ingest`` in a child process: (summary, wall seconds, peak RSS bytes)."""
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
    started = time.perf_counter()
    completed = subprocess.run(command, capture_output=True, text=True, env=env)
    wall = time.perf_counter() - started
    if completed.returncode != 0:
        raise SystemExit(f"newsdedup failed:\n{completed.stderr[-3000:]}")
    # ru_maxrss of reaped children: the largest single process (KiB on Linux).
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
    return json.loads(completed.stdout), wall, peak


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
    started = time.perf_counter()
    sign_documents(documents, DedupSettings())
    ours = len(texts) / (time.perf_counter() - started)
    return naive, ours


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=100_000, help="documents to generate")
    parser.add_argument("--workers", type=int, default=0, help="newsdedup --workers (0 = one per CPU)")
    parser.add_argument(
        "--corpus-dir", type=Path, default=None, help="where the corpus is generated and reused (default: a temp dir)"
    )
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--sign-sample", type=int, default=SIGN_SAMPLE)
    args = parser.parse_args(argv)

    scratch = Path(tempfile.mkdtemp(prefix="newsdedup-throughput-"))
    corpus_dir = args.corpus_dir or scratch / "corpus"
    started = time.perf_counter()
    root = corpus(corpus_dir, args.n, args.seed)
    generated = time.perf_counter() - started
    docs = root / "docs"
    size = sum(p.stat().st_size for p in docs.rglob("*.txt"))
    output = scratch / "out"
    summary, wall, peak = run_cli(docs, output, args.workers)
    quality = score(read_labels(str(root / "labels.csv")), clusters_from_output(str(output)))
    naive, ours = signing_comparison(output, args.sign_sample)
    stages = summary["seconds_by_stage"]
    startup = wall - sum(stages.values())
    rows = [
        ("documents", f"{args.n:,}"),
        ("input MB", f"{size / 1e6:,.1f}"),
        ("corpus generation s (not counted)", f"{generated:,.1f}"),
        ("wall s (incl. Prefect start-up)", f"{wall:,.1f}"),
        ("documents/s end to end", f"{args.n / wall:,.0f}"),
        ("MB/s end to end", f"{size / 1e6 / wall:,.1f}"),
        ("documents/s excluding start-up", f"{args.n / (wall - startup):,.0f}"),
        ("peak RSS of the largest process, MiB", f"{peak / 2**20:,.0f}"),
        ("s: start-up, discovery, flow overhead", f"{startup:,.1f}"),
        *((f"s: {stage}", f"{seconds:,.1f}") for stage, seconds in stages.items()),
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
    width = max(len(name) for name, _ in rows)
    print(f"| {'measure'.ljust(width)} | value |")
    print(f"|{'-' * (width + 2)}|-------|")
    for name, value in rows:
        print(f"| {name.ljust(width)} | {value} |")
    shutil.rmtree(scratch, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
