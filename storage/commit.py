"""Write a run's decisions into the dataset, in one transaction."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime

import pyarrow as pa
import pyarrow.compute as pc

from dedup.partitioned import KNOWN
from dedup.signatures import SignatureSettings
from parsers.discover import InputFile
from storage import fs
from storage.dataset import Dataset, RollingWriter
from storage.schema import ARTICLES, DUPLICATES, INPUTS, REJECTS, RUNS, signatures_schema
from storage.tables import article_rows, duplicate_rows, with_cluster_sizes


@dataclass
class RunSummary:
    """What one run did; printed by the CLI and stored in ``runs/``."""

    run_id: str
    output: str
    files_read: int = 0
    #: Files skipped because an earlier run ingested them unchanged (same path, size, mtime).
    files_unchanged: int = 0
    records_read: int = 0
    articles: int = 0
    duplicates: int = 0
    rejects: int = 0
    skipped_known: int = 0
    rejects_by_reason: dict[str, int] = field(default_factory=dict)
    seconds_by_stage: dict[str, float] = field(default_factory=dict)

    def one_line(self) -> str:
        unchanged = f" ({self.files_unchanged} unchanged files skipped)" if self.files_unchanged else ""
        return (
            f"{self.files_read} files read{unchanged}, {self.records_read} records: {self.articles} articles kept, "
            f"{self.duplicates} duplicates, {self.rejects} rejects"
            + (f", {self.skipped_known} already ingested" if self.skipped_known else "")
        )

    def to_dict(self) -> dict:
        return asdict(self)


def _cluster_growth(decisions: Sequence[pa.Table]) -> Counter[str]:
    """Copies this run adds to each story (by canonical id)."""
    growth: Counter[str] = Counter()
    for table in decisions:
        counts = pc.value_counts(table["canonical_id"].drop_null())
        growth.update(dict(zip(counts.field("values").to_pylist(), counts.field("counts").to_pylist(), strict=True)))
    return growth


def _stored_cluster_sizes(dataset: Dataset, transaction, growth: Counter[str]) -> dict[str, int]:
    """Rewrite committed article files whose stories gained copies; return their new sizes."""
    sizes: dict[str, int] = {}
    for relative, path in zip(dataset.manifest.files["articles"], dataset.files("articles"), strict=True):
        ids = fs.read_parquet(path, ["article_id"])["article_id"]
        if not pc.any(pc.is_in(ids, pa.array(list(growth), pa.string()))).as_py():
            continue
        table = with_cluster_sizes(fs.read_parquet(path), growth)
        transaction.replace("articles", relative, table.cast(ARTICLES))
        for article_id, size in zip(table["article_id"].to_pylist(), table["cluster_size"].to_pylist(), strict=True):
            if article_id in growth:
                sizes[article_id] = size
    return sizes


def commit_run(
    dataset: Dataset,
    summary: RunSummary,
    staged_paths: Sequence[str],
    decisions: Sequence[pa.Table],
    reject_paths: Sequence[str],
    stored_record_keys: pa.Array,
    read_inputs: Sequence[InputFile],
    inputs: Sequence[str],
    settings_json: str,
    signature_settings: SignatureSettings,
    started_at: datetime,
    finished_at: datetime,
) -> RunSummary:
    """Write articles, duplicates, signatures, rejects and the run row, then commit.

    ``decisions[i]`` decides the staged rows of ``staged_paths[i]`` (``dedup.partitioned.
    place_run``); rejects whose record key is in ``stored_record_keys`` were stored by an
    earlier run and are skipped.
    ``read_inputs`` (the files this run read) are added to the ``inputs/`` ledger.
    Counts are added to ``summary``, which is returned.
    """
    run_id = summary.run_id
    day = started_at.strftime("%Y-%m-%d")
    transaction = dataset.transaction()
    growth = _cluster_growth(decisions)
    final_sizes = _stored_cluster_sizes(dataset, transaction, growth) if dataset.manifest.files["articles"] else {}
    for canonical, added in growth.items():
        final_sizes.setdefault(canonical, 1 + added)

    articles = RollingWriter(transaction, "articles", ARTICLES, f"articles/ingest_date={day}/part-{run_id}")
    duplicates = RollingWriter(transaction, "duplicates", DUPLICATES, f"duplicates/ingest_date={day}/part-{run_id}")
    sig_schema = signatures_schema(signature_settings.num_perm).with_metadata(
        {**signatures_schema(signature_settings.num_perm).metadata, **signature_settings.as_metadata()}
    )
    signatures = RollingWriter(transaction, "signatures", sig_schema, f"signatures/part-{run_id}")
    for path, decided in zip(staged_paths, decisions, strict=True):
        staged = fs.read_parquet(path)
        known = pc.equal(decided["method"], KNOWN)
        is_copy = pc.is_valid(decided["canonical_id"])
        is_new = pc.invert(pc.or_(is_copy, known))
        summary.skipped_known += pc.sum(known).as_py() or 0
        if pc.any(is_new).as_py():
            rows = staged.filter(is_new)
            ids = rows["article_id"].to_pylist()
            articles.write(article_rows(rows, [final_sizes.get(i, 1) for i in ids], run_id, started_at))
            signatures.write(
                pa.table(
                    {
                        "article_id": rows["article_id"],
                        "hashvalues": rows["hashvalues"],
                        "shingle_count": rows["shingle_count"],
                        "word_count": rows["word_count"],
                        "run_id": pa.array([run_id] * rows.num_rows, pa.string()),
                    }
                )
            )
        if pc.any(is_copy).as_py():
            chosen = decided.filter(is_copy)
            canonical_ids = chosen["canonical_id"].to_pylist()
            duplicates.write(
                duplicate_rows(
                    staged.filter(is_copy),
                    [final_sizes[c] for c in canonical_ids],
                    canonical_ids,
                    chosen["similarity"].to_pylist(),
                    chosen["method"].to_pylist(),
                    run_id,
                    started_at,
                )
            )
    rejects = RollingWriter(transaction, "rejects", REJECTS, f"rejects/ingest_date={day}/part-{run_id}")
    reasons: Counter[str] = Counter()
    seen: set[str] = set()
    for path in reject_paths:
        table = fs.read_parquet(path)
        stored = pc.is_in(table["record_key"], value_set=stored_record_keys).to_pylist()
        keep = []
        for row, (key, is_stored) in enumerate(zip(table["record_key"].to_pylist(), stored, strict=True)):
            if is_stored or key in seen:
                summary.skipped_known += 1
            else:
                seen.add(key)
                keep.append(row)
        table = table.take(pa.array(keep, pa.int64()))
        reasons.update(table["reason"].to_pylist())
        rejects.write(table)
    for writer in (articles, duplicates, signatures, rejects):
        writer.close()
    summary.articles = articles.rows
    summary.duplicates = duplicates.rows
    summary.rejects = rejects.rows
    summary.rejects_by_reason = dict(sorted(reasons.items()))
    if read_inputs:
        transaction.write(
            "inputs",
            f"inputs/part-{run_id}.parquet",
            pa.table(
                {
                    "source_path": [f.source_path for f in read_inputs],
                    "size": [f.size for f in read_inputs],
                    "mtime_ns": [f.mtime_ns for f in read_inputs],
                    "run_id": [run_id] * len(read_inputs),
                },
                schema=INPUTS,
            ),
        )
    transaction.write(
        "runs",
        f"runs/part-{run_id}.parquet",
        pa.table(
            {
                "run_id": [run_id],
                "started_at": [started_at],
                "finished_at": [finished_at],
                "inputs": [list(inputs)],
                "files_read": [summary.files_read],
                "files_unchanged": [summary.files_unchanged],
                "records_read": [summary.records_read],
                "articles": [summary.articles],
                "duplicates": [summary.duplicates],
                "rejects": [summary.rejects],
                "skipped_known": [summary.skipped_known],
                "settings": [settings_json],
            },
            schema=RUNS,
        ),
    )
    transaction.commit({k.decode(): v.decode() for k, v in signature_settings.as_metadata().items()})
    return summary
