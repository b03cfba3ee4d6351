"""Dedup quality on a labelled dev set: the real pipeline against a raw-datasketch baseline.

    python benchmarks/dedup.py [--data DIR] [--threshold J] [--containment-threshold C] ...
    python benchmarks/dedup.py --sweep          # the settings sweeps (plain functions, no Prefect)
    python benchmarks/dedup.py --sweep "threshold=0.4,0.5 shingle_size=2,3" --errors

``--data`` holds ``docs/`` (raw .txt/.html dumps) and ``labels.csv`` (``file,cluster``).

The default mode runs the Prefect flow ``flows.ingest.ingest_flow`` into a temporary
directory, reads the Parquet it wrote (each article is a cluster; each duplicate joins its
``canonical_id``'s cluster; rejects are singletons) and scores the clusters against the
labels. In the same run it scores two baselines: datasketch ``MinHashLSH`` on the raw dumps
(word 5-grams, threshold 0.8) and on the pipeline's cleaned text (word 2-grams, threshold
0.45), each clustered as connected components of LSH hits. One table is printed.

``--sweep`` runs the same plain functions the flow calls (parse and clean once per batch,
then sign and place for every combination of settings, no commit) and prints one table
per grid, one row per setting: the defaults in ``newsdedup.config.DedupSettings`` were
chosen from these tables. ``--errors`` lists the wrong merges and split stories.

Scores: pairwise precision / recall / F1 over all pairs of files put in one cluster, and
the adjusted Rand index (Hubert & Arabie) of the whole partition.
"""

from __future__ import annotations

import argparse
import csv
import itertools
import os
import re
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace

import numpy as np

DEFAULT_DATA = "/work/shared/data/dedup-dev"


# --- scoring -----------------------------------------------------------------------------


def read_labels(path: str) -> dict[str, str]:
    """``file -> cluster`` from a ``file,cluster`` CSV."""
    with open(path, newline="", encoding="utf-8") as handle:
        return {row["file"]: row["cluster"] for row in csv.DictReader(handle)}


def _pairs(n: np.ndarray) -> int:
    return int((n * (n - 1) // 2).sum())


def contingency(truth: Mapping[str, str], predicted: Mapping[str, str]) -> Counter[tuple[str, str]]:
    """Sparse contingency table: (true cluster, predicted cluster) -> files, over the files of
    ``truth`` (sparse, so a million files with a million clusters fit in memory). A file
    missing from ``predicted`` is a cluster of its own."""
    return Counter((cluster, predicted.get(f, f"<missing {f}>")) for f, cluster in truth.items())


@dataclass(frozen=True)
class Scores:
    precision: float
    recall: float
    f1: float
    ari: float
    clusters: int
    false_pairs: int
    missed_pairs: int


def score(truth: Mapping[str, str], predicted: Mapping[str, str]) -> Scores:
    """Pairwise precision, recall, F1 and the adjusted Rand index of ``predicted``."""
    table = contingency(truth, predicted)
    true_sizes, pred_sizes = Counter(), Counter()
    for (true, pred), count in table.items():
        true_sizes[true] += count
        pred_sizes[pred] += count
    both = _pairs(np.fromiter(table.values(), dtype=np.int64))
    true_pairs = _pairs(np.fromiter(true_sizes.values(), dtype=np.int64))
    pred_pairs = _pairs(np.fromiter(pred_sizes.values(), dtype=np.int64))
    total = _pairs(np.array([sum(true_sizes.values())]))
    precision = both / pred_pairs if pred_pairs else 1.0
    recall = both / true_pairs if true_pairs else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    expected = true_pairs * pred_pairs / total if total else 0.0
    best = (true_pairs + pred_pairs) / 2
    ari = (both - expected) / (best - expected) if best != expected else 1.0
    return Scores(precision, recall, f1, ari, len(pred_sizes), pred_pairs - both, true_pairs - both)


# --- the pipeline --------------------------------------------------------------------------


def clusters_from_output(output: str) -> dict[str, str]:
    """``source_path -> cluster`` from a dataset written by the pipeline."""
    from storage.dataset import Dataset

    with Dataset.open(output) as dataset:
        articles = dataset.read("articles", ["article_id", "source_path"])
        duplicates = dataset.read("duplicates", ["source_path", "canonical_id"])
        rejects = dataset.read("rejects", ["source_path"])
    predicted: dict[str, str] = {}
    if articles is not None:
        predicted.update(zip(articles["source_path"].to_pylist(), articles["article_id"].to_pylist(), strict=True))
    if duplicates is not None:
        predicted.update(
            zip(duplicates["source_path"].to_pylist(), duplicates["canonical_id"].to_pylist(), strict=True)
        )
    if rejects is not None:
        for path in rejects["source_path"].to_pylist():
            predicted[path] = f"<reject {path}>"
    return predicted


def run_pipeline(docs: str, output: str, args: argparse.Namespace) -> dict:
    """Run the real Prefect flow over ``docs`` into ``output``; return its run summary."""
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    from flows.ingest import ingest_flow

    return ingest_flow(
        inputs=[docs],
        output=output,
        threshold=args.threshold,
        containment_threshold=args.containment_threshold,
        num_perm=args.num_perm,
        shingle_size=args.shingle_size,
        seed=args.seed,
    )


# --- the baseline --------------------------------------------------------------------------

_WORD = re.compile(r"\w+")


def lsh_components(texts: Mapping[str, str], threshold: float, k: int, num_perm: int = 128) -> dict[str, str]:
    """Plain datasketch: MinHash (default sha1 hash) of each text's lower-cased word
    ``k``-grams, MinHashLSH at ``threshold``, clusters = connected components of LSH hits
    (no verification, no canonical copy)."""
    from datasketch import MinHash, MinHashLSH

    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
    sketches: dict[str, MinHash] = {}
    for name, text in texts.items():
        words = _WORD.findall(text.lower())
        grams = {" ".join(words[i : i + k]) for i in range(max(1, len(words) - k + 1))}
        sketch = MinHash(num_perm=num_perm)
        sketch.update_batch([g.encode() for g in grams])
        sketches[name] = sketch
        lsh.insert(name, sketch)
    parent = {name: name for name in sketches}

    def find(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for name, sketch in sketches.items():
        for other in lsh.query(sketch):
            parent[find(other)] = find(name)
    return {name: find(name) for name in sketches}


def raw_texts(docs: str, files: Iterable[str]) -> dict[str, str]:
    """The raw dumps, decoded (undecodable bytes replaced)."""
    texts = {}
    for name in files:
        with open(os.path.join(docs, name), encoding="utf-8", errors="replace") as handle:
            texts[name] = handle.read()
    return texts


def cleaned_texts(output: str) -> dict[str, str]:
    """``source_path -> cleaned text`` of every article and duplicate the pipeline wrote."""
    from storage.dataset import Dataset

    texts: dict[str, str] = {}
    with Dataset.open(output) as dataset:
        for table in ("articles", "duplicates"):
            rows = dataset.read(table, ["source_path", "text"])
            if rows is not None:
                texts.update(zip(rows["source_path"].to_pylist(), rows["text"].to_pylist(), strict=True))
    return texts


# --- the sweep -----------------------------------------------------------------------------

_QUOTES = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"'})


def _tokens_raw(text: str) -> list[str]:
    return text.split()


def _tokens_lower(text: str) -> list[str]:
    return text.lower().split()


def _tokens_words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def _tokens_apostrophes(text: str) -> list[str]:
    return _WORD.findall(re.sub(r"(?<=\w)'(?=\w)", "", text.translate(_QUOTES).lower()))


def _tokens_numbers(text: str) -> list[str]:
    from dedup.shingles import normalise_tokens

    return ["0" if t.isdigit() else t for t in normalise_tokens(text)]


def _tokenisers() -> dict[str, Callable[[str], list[str]]]:
    from dedup.shingles import normalise_tokens

    return {
        "shipped": normalise_tokens,  # dedup.shingles: lower case, quotes folded, \w+ words
        "whitespace": _tokens_raw,  # split on whitespace only
        "lower": _tokens_lower,  # + lower case (punctuation kept)
        "words": _tokens_words,  # + punctuation dropped, curly quotes not folded
        "apostrophes": _tokens_apostrophes,  # + "it's" == "its"
        "numbers": _tokens_numbers,  # shipped + every number is "0"
    }


def parse_batches(docs: str, batch_size: int) -> list[tuple[list, list]]:
    """Read and clean ``docs`` as a run does: ``(documents, rejects)`` per batch of files."""
    from newsdedup.config import ReadLimits
    from newsdedup.pipeline import batches
    from parsers.batch import parse_files
    from parsers.discover import discover_inputs

    return [parse_files(batch, ReadLimits()) for batch in batches(discover_inputs([docs]), batch_size)]


def _in_process(function, arguments):
    return [function(*args) for args in arguments]


def sweep(parsed: list[tuple[list, list]], truth: Mapping[str, str], grid: Mapping[str, list]) -> list[dict]:
    """Score every combination of ``grid`` with the plain functions of the pipeline.

    ``parsed`` is ``parse_batches``' result; ``grid`` maps ``DedupSettings`` fields (and
    ``tokeniser``, a name from ``_tokenisers``) to the values to try. Every signature setting
    is signed once and every matching setting placed (no commit). Returns one row per
    combination.
    """
    from dedup.partitioned import StoredStories
    from dedup.stage import place_staged, sign_documents
    from newsdedup.config import DedupSettings, IngestConfig
    from storage.dataset import write_staged
    from storage.tables import staged_table

    rejected = {r.source_path for _, rejects in parsed for r in rejects}
    tokenisers = _tokenisers()
    names = list(grid)
    sign_fields = {"num_perm", "shingle_size", "seed", "tokeniser"}
    combos = [dict(zip(names, values, strict=True)) for values in itertools.product(*grid.values())]
    by_signature: dict[tuple, list[dict]] = {}
    for combo in combos:
        by_signature.setdefault(tuple((k, combo[k]) for k in names if k in sign_fields), []).append(combo)
    rows = []
    with tempfile.TemporaryDirectory(prefix="dedup-sweep-") as scratch:
        for sign_key, group in by_signature.items():
            sign_options = dict(sign_key)
            tokenise = tokenisers[sign_options.pop("tokeniser", "shipped")]
            base = replace(DedupSettings(), **sign_options)
            clock = time.perf_counter()
            staged = []
            for number, (documents, _) in enumerate(parsed):
                hashvalues, counts = sign_documents(documents, base, tokenise)
                path = os.path.join(scratch, f"documents-{number:06d}.parquet")
                write_staged(staged_table(documents, hashvalues, counts), path)
                staged.append((path, documents))
            sign_seconds = time.perf_counter() - clock
            for combo in group:
                settings = replace(base, **{k: v for k, v in combo.items() if k not in sign_fields})
                if (settings.bands or settings.rows) and settings.bands * settings.rows != settings.num_perm:
                    continue
                clock = time.perf_counter()
                work_dir = tempfile.mkdtemp(dir=scratch)
                placed = place_staged(
                    [p for p, _ in staged],
                    sum(len(documents) for _, documents in staged),
                    StoredStories.empty(),
                    settings,
                    work_dir,
                    _in_process,
                    IngestConfig.block_rows,
                )
                place_seconds = time.perf_counter() - clock
                predicted = {r: f"<reject {r}>" for r in rejected}
                methods: Counter[str] = Counter()
                for (_, documents), decided in zip(staged, placed.files, strict=True):
                    for document, row in zip(documents, decided.to_pylist(), strict=True):
                        predicted[document.source_path] = row["canonical_id"] or document.article_id
                        methods[row["method"] or "new"] += 1
                rows.append(
                    {
                        **combo,
                        "scores": score(truth, predicted),
                        "methods": methods,
                        "sign_s": sign_seconds,
                        "place_s": place_seconds,
                        "candidates": placed.candidates,
                        "predicted": predicted,
                    }
                )
    return rows


# --- output --------------------------------------------------------------------------------


def errors(truth: Mapping[str, str], predicted: Mapping[str, str]) -> list[str]:
    """One line per wrongly merged pair and per story split into several clusters."""
    lines = []
    by_cluster: dict[str, list[str]] = {}
    for name in sorted(truth):
        by_cluster.setdefault(predicted.get(name, name), []).append(name)
    for members in by_cluster.values():
        for a, b in itertools.combinations(members, 2):
            if truth[a] != truth[b]:
                lines.append(f"merged  {a} ({truth[a]}) + {b} ({truth[b]})")
    by_story: dict[str, set[str]] = {}
    for name, story in truth.items():
        by_story.setdefault(story, set()).add(predicted.get(name, name))
    for story, clusters in sorted(by_story.items()):
        if len(clusters) > 1:
            parts = [sorted(n for n in truth if truth[n] == story and predicted.get(n, n) == c) for c in clusters]
            lines.append(f"split   {story}: " + " | ".join(" ".join(p) for p in sorted(parts)))
    return lines


def html_with_text_dumps(truth: Mapping[str, str], predicted: Mapping[str, str]) -> tuple[int, int]:
    """``(joined, total)``: HTML pages whose story also has text dumps, and how many of them
    share a cluster with at least one of those dumps."""
    joined = total = 0
    for name, story in truth.items():
        if not name.endswith((".html", ".htm")):
            continue
        dumps = [n for n, s in truth.items() if s == story and n.endswith(".txt")]
        if dumps:
            total += 1
            joined += any(predicted.get(d, d) == predicted.get(name, name) for d in dumps)
    return joined, total


def _row(name: str, s: Scores, extra: str = "") -> str:
    return (
        f"| {name} | {s.precision:.3f} | {s.recall:.3f} | {s.f1:.3f} | {s.ari:.3f} | {s.clusters} "
        f"| {s.false_pairs} | {s.missed_pairs} |{extra}"
    )


_HEADER = "| P | R | F1 | ARI | clusters | false pairs | missed pairs |"


_MEASURES = ("scores", "methods", "sign_s", "place_s", "predicted", "candidates")


def _grid_keys(row: Mapping) -> list[str]:
    return [k for k in row if k not in _MEASURES]


def print_sweep(rows: list[dict]) -> None:
    """One markdown table: the swept settings, the scores, how copies were found, the cost."""
    keys = _grid_keys(rows[0])
    print("| " + " | ".join(keys) + " " + _HEADER + " near | contained | exact | candidates | place s |")
    print("|" + "---|" * (len(keys) + 12))
    for row in rows:
        m = row["methods"]
        name = " | ".join(str(row[k]) for k in keys)
        extra = f" {m['near']} | {m['contained']} | {m['exact']} | {row['candidates']} | {row['place_s']:.2f} |"
        print(_row(name, row["scores"], extra))


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    from newsdedup.config import DedupSettings

    d = DedupSettings()
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", default=DEFAULT_DATA, help="folder with docs/ and labels.csv")
    parser.add_argument("--threshold", type=float, default=d.threshold)
    parser.add_argument("--containment-threshold", type=float, default=d.containment_threshold)
    parser.add_argument("--num-perm", type=int, default=d.num_perm)
    parser.add_argument("--shingle-size", type=int, default=d.shingle_size)
    parser.add_argument("--seed", type=int, default=d.seed)
    parser.add_argument("--keep", metavar="DIR", help="write the pipeline's output here and keep it")
    parser.add_argument("--no-baseline", action="store_true", help="skip the raw-datasketch baseline")
    parser.add_argument(
        "--sweep",
        nargs="?",
        const="",
        metavar="GRID",
        help="sweep settings instead (plain functions, no Prefect): GRID is 'field=v1,v2 field=v1,v2', "
        "several grids separated by ';'; without GRID the sweeps in DEFAULT_SWEEPS",
    )
    parser.add_argument("--errors", action="store_true", help="list wrong merges and split stories")
    parser.add_argument("--batch-size", type=int, default=500, help="files per parse batch (sweep)")
    return parser.parse_args(argv)


#: The sweeps ``--sweep`` runs without a grid: each varies one thing around the defaults.
DEFAULT_SWEEPS = (
    "shingle_size=1,2,3,4,5",
    "num_perm=128,256 seed=1,2,3,4",
    "threshold=0.3,0.4,0.5,0.6",
    "containment_threshold=0.5,0.6,0.7,0.8 containment_stderrs=0,1,2",
    "min_containment_shingles=50,150,300",
    "lsh_threshold=0.1,0.2,0.3,0.4",
    "tokeniser=shipped,whitespace,lower,words,apostrophes,numbers",
)


def parse_grid(text: str) -> dict[str, list]:
    """``"threshold=0.4,0.5 tokeniser=shipped,lower"`` -> ``{"threshold": [0.4, 0.5], ...}``."""
    grid: dict[str, list] = {}
    for item in text.split():
        name, _, values = item.partition("=")
        grid[name] = [_value(v) for v in values.split(",")]
    return grid


def _value(text: str) -> int | float | str:
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def main(argv: list[str] | None = None) -> int:
    args = _parse_args(argv)
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    docs = os.path.join(args.data, "docs")
    truth = read_labels(os.path.join(args.data, "labels.csv"))
    if args.sweep is not None:
        parsed = parse_batches(docs, args.batch_size)
        for grid in args.sweep.split(";") if args.sweep else DEFAULT_SWEEPS:
            rows = sweep(parsed, truth, parse_grid(grid))
            print_sweep(rows)
            if args.errors:
                for row in rows:
                    print(f"\n{' '.join(f'{k}={row[k]}' for k in _grid_keys(row))}:")
                    print("\n".join(errors(truth, row["predicted"])))
            print()
        return 0
    print(f"{len(truth)} labelled files, {len(set(truth.values()))} stories in {args.data}")
    lines = []
    with tempfile.TemporaryDirectory(prefix="dedup-bench-") as scratch:
        output = args.keep or os.path.join(scratch, "out")
        clock = time.perf_counter()
        summary = run_pipeline(docs, output, args)
        seconds = time.perf_counter() - clock
        predicted = clusters_from_output(output)
        ours = score(truth, predicted)
        joined, total = html_with_text_dumps(truth, predicted)
        print(f"HTML pages in one cluster with a text dump of the same story: {joined} of {total}")
        if args.errors:
            print("\n".join(errors(truth, predicted)))
        lines.append(
            _row(
                f"newsdedup (J>={args.threshold}, C>={args.containment_threshold}, k={args.shingle_size}, "
                f"{args.num_perm} perm)",
                ours,
                f" {seconds:.1f} |",
            )
        )
        print(
            f"pipeline: {summary['articles']} articles, {summary['duplicates']} duplicates, "
            f"{summary['rejects']} rejects"
        )
        if not args.no_baseline:
            clock = time.perf_counter()
            base = score(truth, lsh_components(cleaned_texts(output), threshold=0.45, k=2))
            lines.append(
                _row(
                    "datasketch LSH on the pipeline's cleaned text, 2-grams, t=0.45, components",
                    base,
                    f" {time.perf_counter() - clock:.1f} |",
                )
            )
    if not args.no_baseline:
        clock = time.perf_counter()
        base = score(truth, lsh_components(raw_texts(docs, sorted(truth)), threshold=0.8, k=5))
        lines.append(
            _row(
                "baseline: datasketch LSH on raw dumps, 5-grams, t=0.8, components",
                base,
                f" {time.perf_counter() - clock:.1f} |",
            )
        )
    print()
    print("| method " + _HEADER + " seconds |")
    print("|---|---|---|---|---|---|---|---|---|")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
