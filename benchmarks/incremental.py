"""What an hourly run costs against a store that keeps growing.

    python benchmarks/incremental.py --stored 100000 [--runs 10] [--run-files 1000]
        [--copy-share 0.2] [--work-dir DIR] [--workers 0]

Builds a store of ``--stored`` documents with one backfill (``newsdedup ingest`` on a
``benchmarks/synthetic.py --copies syndication`` corpus, made once in ``--work-dir`` and
reused), then makes ``--runs`` hourly runs of ``--run-files`` new dumps each: about
``--copy-share`` of them edited copies of stored stories (a word changed here and there,
the last line dropped), the rest new stories (a uniform corpus of another seed, no copies).
Each run is ``newsdedup ingest`` in a fresh process, as the scheduled deployment's would be.

Prints one row per run: wall and CPU seconds (all processes of the run), peak RSS of its
largest process, the input bytes of the run, the bytes of the files the run added or
changed in the output, and the files per table after the run. A last run over the last
hour's inbox again (nothing new arrived) checks that nothing but its ``runs/`` row is added.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from benchmarks.synthetic import generate  # noqa: E402


def corpus(directory: Path, n: int, seed: int, copies: str, duplicate_share: float = 0.2) -> Path:
    """The generated corpus of ``n`` documents in ``directory`` (made once, then reused)."""
    marker = directory / f"complete-{n}-{seed}-{copies}-{duplicate_share}"
    if not marker.exists():
        shutil.rmtree(directory, ignore_errors=True)
        directory.mkdir(parents=True)
        generate(str(directory), n, duplicate_share=duplicate_share, seed=seed, copies=copies)
        marker.touch()
    return directory / "docs"


def measured(command: list[str]) -> dict:
    """Run ``command`` in a child process of a child (so that the peak RSS is this run's
    alone): its stdout, wall and CPU seconds of all its processes, and peak RSS (bytes)."""
    probe = (
        "import json, resource, subprocess, sys, time\n"
        "started = time.perf_counter()\n"
        "done = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n"
        "wall = time.perf_counter() - started\n"
        "usage = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
        "print(json.dumps({'returncode': done.returncode, 'stdout': done.stdout, 'stderr': done.stderr[-3000:],"
        " 'wall': wall, 'cpu': usage.ru_utime + usage.ru_stime, 'peak': usage.ru_maxrss * 1024}))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    completed = subprocess.run([sys.executable, "-c", probe, *command], capture_output=True, text=True, env=env)
    if completed.returncode != 0:
        raise SystemExit(f"the measuring process failed:\n{completed.stderr[-3000:]}")
    result = json.loads(completed.stdout)
    if result["returncode"] != 0:
        raise SystemExit(f"newsdedup failed:\n{result['stderr']}")
    return result


def ingest(inputs: Path, output: Path, workers: int) -> dict:
    """``newsdedup ingest INPUTS --output OUTPUT --json``, measured (``measured``)."""
    command = [sys.executable, "-m", "newsdedup.cli", "ingest", str(inputs), "--output", str(output)]
    result = measured([*command, "--json", "--workers", str(workers)])
    result["summary"] = json.loads(result["stdout"])
    return result


def snapshot(root: Path) -> dict[str, tuple[int, int]]:
    """Every file under ``root``: relative path -> (size, mtime_ns)."""
    files = {}
    for path in root.rglob("*"):
        if path.is_file():
            stat = path.stat()
            files[str(path.relative_to(root))] = (stat.st_size, stat.st_mtime_ns)
    return files


def written_bytes(before: dict[str, tuple[int, int]], after: dict[str, tuple[int, int]]) -> int:
    """Bytes of the files that are new or changed in ``after``."""
    return sum(size for name, (size, mtime) in after.items() if before.get(name) != (size, mtime))


def files_per_table(output: Path) -> dict[str, int]:
    """Committed files of each table, from the manifest."""
    manifest = json.loads((output / "_manifest.json").read_text(encoding="utf-8"))
    return {table: len(files) for table, files in manifest["files"].items()}


def edited_copy(text: str, rng: random.Random) -> str:
    """A stored dump as another site's edit of it: a few words changed, the last line dropped."""
    lines = text.splitlines()[:-1]
    for _ in range(6):
        long_lines = [i for i, line in enumerate(lines) if len(line) > 60]
        if not long_lines:
            break
        index = rng.choice(long_lines)
        words = lines[index].split(" ")
        words[rng.randrange(len(words))] = rng.choice(["today", "officials", "reported", "meanwhile"])
        lines[index] = " ".join(words)
    return "\n".join(lines) + "\n"


def hourly_inbox(
    inbox: Path, hour: int, fresh: list[Path], stored: list[Path], files: int, copy_share: float, seed: int
) -> int:
    """Fill ``inbox`` with hour ``hour``'s dumps; return their bytes."""
    rng = random.Random(seed * 1000 + hour)
    shutil.rmtree(inbox, ignore_errors=True)
    inbox.mkdir(parents=True)
    copies = round(files * copy_share)
    size = 0
    for index, source in enumerate(fresh[hour * (files - copies) : (hour + 1) * (files - copies)]):
        target = inbox / f"h{hour:03d}-new-{index:05d}.txt"
        shutil.copyfile(source, target)
        size += target.stat().st_size
    for index, source in enumerate(rng.sample(stored, copies)):
        target = inbox / f"h{hour:03d}-copy-{index:05d}.txt"
        target.write_text(edited_copy(source.read_text(encoding="utf-8"), rng), encoding="utf-8")
        size += target.stat().st_size
    return size


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stored", type=int, default=10_000, help="documents of the backfill (S)")
    parser.add_argument("--runs", type=int, default=10, help="hourly runs after the backfill")
    parser.add_argument("--run-files", type=int, default=1000, help="new dumps per hourly run")
    parser.add_argument(
        "--copy-share", type=float, default=0.2, help="share of an hour's dumps that copy stored stories"
    )
    parser.add_argument("--work-dir", default="/tmp/newsdedup-incremental", help="corpora and the store")
    parser.add_argument("--workers", type=int, default=0, help="newsdedup ingest --workers")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", action="store_true", help="print the rows as one line of JSON")
    parser.add_argument(
        "--reuse-backfill",
        action="store_true",
        help="reuse the store an earlier invocation's backfill left in --work-dir if it holds that backfill only",
    )
    args = parser.parse_args(argv)

    work = Path(args.work_dir)
    backfill = corpus(work / f"backfill-{args.stored}", args.stored, args.seed, "syndication")
    fresh_docs = corpus(
        work / f"fresh-{args.runs * args.run_files}", args.runs * args.run_files, args.seed + 1, "uniform", 0.0
    )
    fresh = sorted(fresh_docs.rglob("*.txt"))
    stored = sorted(backfill.rglob("*.txt"))
    output = work / f"store-{args.stored}"
    rows = []
    if args.reuse_backfill and (output / "_manifest.json").exists() and files_per_table(output)["runs"] == 1:
        print(f"reusing the backfill in {output}", file=sys.stderr)
    else:
        shutil.rmtree(output, ignore_errors=True)
        started = time.perf_counter()
        result = ingest(backfill, output, args.workers)
        print(
            f"backfill of {args.stored:,} documents: {result['wall']:.1f} s wall, {result['cpu']:.1f} CPU s, "
            f"peak RSS {result['peak'] / 2**20:,.0f} MiB ({time.perf_counter() - started:.0f} s)",
            file=sys.stderr,
        )
    inbox = work / "inbox"
    for hour in range(args.runs + 1):
        empty = hour == args.runs  # the last run: the same inbox again, nothing new arrived
        new_bytes = 0 if empty else hourly_inbox(inbox, hour, fresh, stored, args.run_files, args.copy_share, args.seed)
        before = snapshot(output)
        result = ingest(inbox, output, args.workers)
        after = snapshot(output)
        summary = result["summary"]
        rows.append(
            {
                "run": "nothing new" if empty else hour + 1,
                "wall_s": round(result["wall"], 2),
                "cpu_s": round(result["cpu"], 2),
                "peak_rss_mib": round(result["peak"] / 2**20),
                "input_mib": round(new_bytes / 2**20, 2),
                "written_mib": round(written_bytes(before, after) / 2**20, 2),
                "files_added": len(set(after) - set(before)),
                "articles": summary["articles"],
                "duplicates": summary["duplicates"],
                "files_per_table": files_per_table(output),
            }
        )
        print(f"run {rows[-1]['run']}: {json.dumps(rows[-1])}", file=sys.stderr)
    if args.json:
        print(json.dumps(rows))
        return 0
    runs = f"{args.runs} runs of {args.run_files:,} files, {args.copy_share:.0%} copies of stored stories"
    print(f"S = {args.stored:,} stored documents; {runs}")
    print(
        "| run | wall s | CPU s | peak RSS MiB | input MiB | written MiB | files added | articles / duplicates "
        "| files per table |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for row in rows:
        tables = ", ".join(f"{t} {n}" for t, n in row["files_per_table"].items())
        cells = [
            row["run"],
            f"{row['wall_s']:.1f}",
            f"{row['cpu_s']:.1f}",
            f"{row['peak_rss_mib']:,}",
            f"{row['input_mib']:.2f}",
            f"{row['written_mib']:.2f}",
            row["files_added"],
            f"{row['articles']} / {row['duplicates']}",
            tables,
        ]
        print("| " + " | ".join(map(str, cells)) + " |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
