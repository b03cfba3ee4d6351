"""Run settings: one typed object built from the CLI or the flow's parameters.

Defaults were chosen from measurements on the dedup dev set (see README, "Dedup settings").
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class DedupSettings:
    """How documents are shingled, signed and matched (benchmarks/dedup.py --sweep measures them)."""

    #: Estimated Jaccard at or above which a verified candidate is a near-duplicate.
    threshold: float = 0.5
    #: Containment (share of the shorter text's shingles found in the longer one) at or
    #: above which a candidate is a copy that was cut short or had chrome appended.
    containment_threshold: float = 0.6
    #: A containment match needs this many shingles in the shorter text, so a short caption
    #: or note that also appears inside a longer page never makes it a "copy".
    min_containment_shingles: int = 150
    #: Containment is judged on its estimates minus this many standard errors, which keeps a
    #: chance high estimate for a short text inside a long one from merging them. 1.0 scores
    #: better on dedup-dev (ARI .982 against .979) but merges distinct stories under real
    #: chrome (benchmarks/syndication.py at 10,000: precision .9932 against .9960).
    containment_stderrs: float = 2.0
    #: MinHash permutations. 128 scores as 256 on the dev set (ARI .978-.984 over seeds) at half
    #: the signing time and signature memory (512 MB per million stories instead of 1 GB).
    num_perm: int = 128
    #: Words per shingle.
    shingle_size: int = 2
    #: Seed of the MinHash permutations. Changing it makes stored signatures unusable.
    seed: int = 1
    #: Jaccard the LSH banding is tuned for (candidates only; verification decides). Low so
    #: that copies cut short (low Jaccard, high containment) become candidates; 0.3 (37 bands
    #: x 3 rows) scores as 0.2 (28 x 2) on the dev set with ~40x fewer chance candidates
    #: between distinct stories, which is what grows quadratically at a million documents.
    lsh_threshold: float = 0.3
    #: LSH banding: bands x rows at most num_perm; 0 derives it from ``lsh_threshold``.
    bands: int = 0
    rows: int = 0


@dataclass(frozen=True)
class ReadLimits:
    """Bounds that protect a run from hostile or broken inputs."""

    #: Largest input file read, in bytes (compressed size for gzip files).
    max_file_bytes: int = 64 * 1024 * 1024
    #: Largest decompressed size of a gzip input, in bytes (guards against gzip bombs).
    max_decompressed_bytes: int = 256 * 1024 * 1024
    #: Longest article kept, in words; a longer one is a ``too_long`` reject (a 2.6 MB
    #: single-line dump was once kept as one 600,000-word "article"). Long-form features
    #: run to about 10,000 words.
    max_words: int = 50_000
    #: Attempts at reading a file that fails with a transient I/O error (EIO, ESTALE, ...).
    read_attempts: int = 3
    #: Seconds before the first retry; the wait grows by as much again with each attempt.
    retry_delay_seconds: float = 0.2


@dataclass(frozen=True)
class JsonlFields:
    """Which JSON field of a JSONL record holds what (scrapers name them differently)."""

    url: str = "url"
    title: str = "title"
    text: str = "text"
    html: str = "html"
    date: str = "date"


@dataclass(frozen=True)
class IngestConfig:
    """Everything a run needs to know, passed down as function arguments."""

    dedup: DedupSettings = DedupSettings()
    limits: ReadLimits = ReadLimits()
    jsonl_fields: JsonlFields = JsonlFields()
    #: Input files per parse task (at most: see ``newsdedup.pipeline.batches``): keeps
    #: Prefect's task count proportional to batches.
    batch_size: int = 2000
    #: Where reading, cleaning, signing and dedup run: 0 = a process pool of one per CPU,
    #: 1 = in process, N >= 2 = a local Dask cluster of N processes (``newsdedup.workers``).
    workers: int = 0
    #: Signatures per dedup block task, the unit of the dedup's parallel steps (memory per
    #: task: about block_rows x num_perm x 4 bytes; 65,536 x 128 is 32 MiB).
    block_rows: int = 65536

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)


class BadParameterError(ValueError):
    """A run's parameter is out of range (``parameter_problem`` says which and why)."""


#: Largest ``max_file_mb``: 1 TiB (a file is read whole; a larger number would overflow the read).
MAX_FILE_MB = 1024 * 1024
#: Largest ``containment_stderrs`` that still lets a containment match happen at all.
MAX_CONTAINMENT_STDERRS = 10.0


def parameter_problem(values: dict[str, object], name: Callable[[str], str] = str) -> str | None:
    """A one-line problem with a run's settings, or None. ``values``: the ingest flow's
    parameters (the CLI's options under the same names); ``name`` spells a parameter's name
    in the message (the CLI: as its flag)."""
    v = values
    if not 0.0 < v["threshold"] <= 1.0:
        return f"{name('threshold')} must be in (0, 1]"
    if not 0.0 < v["containment_threshold"] <= 1.0:
        return f"{name('containment_threshold')} must be in (0, 1]"
    if not 16 <= v["num_perm"] <= 1024:
        return f"{name('num_perm')} must be between 16 and 1024"
    positive = ("shingle_size", "batch_size", "max_file_mb", "max_words", "dedup_block_rows")
    not_positive = [name(p) for p in positive if v[p] < 1]
    if not_positive:
        names = ", ".join(not_positive[:-1]) + (" and " if len(not_positive) > 1 else "") + not_positive[-1]
        return f"{names} must be positive"
    if v["max_file_mb"] > MAX_FILE_MB:
        return f"{name('max_file_mb')} must be at most {MAX_FILE_MB}"
    if not 0 <= v["seed"] < 2**32:
        return f"{name('seed')} must be between 0 and 2**32 - 1"
    bands, rows = v["bands"], v["rows"]
    if (bands or rows) and not (bands > 0 and rows > 0 and bands * rows <= v["num_perm"]):
        return (
            f"{name('bands')} and {name('rows')} must be positive, {name('bands')} x {name('rows')}"
            f" at most {name('num_perm')} ({v['num_perm']})"
        )
    if v["min_containment_shingles"] < 0:
        return f"{name('min_containment_shingles')} must be 0 or more"
    if not 0.0 <= v["containment_stderrs"] <= MAX_CONTAINMENT_STDERRS:  # (false for nan too)
        return f"{name('containment_stderrs')} must be between 0 and {MAX_CONTAINMENT_STDERRS}"
    if not 0.0 < v["lsh_threshold"] <= 1.0:
        return f"{name('lsh_threshold')} must be in (0, 1]"
    if v["workers"] < 0:
        return f"{name('workers')} must be 0 (one per CPU) or more"
    return None
