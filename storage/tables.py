"""Convert records to and from the Arrow tables defined in ``storage.schema``.

A run's documents are first *staged* (cleaned text plus signature, no decision yet); the
dedup stage then turns staged rows into article or duplicate rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import numpy as np
import pyarrow as pa

from storage.schema import ARTICLES, DUPLICATES, REJECTS, Document, Reject

#: Columns of the article tables known before dedup decides anything.
_STAGED_COLUMNS = [f for f in ARTICLES if f.name not in ("cluster_size", "run_id", "ingested_at")]


def staged_schema(num_perm: int) -> pa.Schema:
    """A run's staged documents: article columns plus their MinHash signature."""
    return pa.schema(
        _STAGED_COLUMNS
        + [
            pa.field("hashvalues", pa.list_(pa.uint32(), num_perm), nullable=False),
            pa.field("shingle_count", pa.int64(), nullable=False),
        ]
    )


def staged_table(documents: Sequence[Document], hashvalues: np.ndarray, shingle_counts: np.ndarray) -> pa.Table:
    """Staged rows for ``documents`` and their signatures (one row each, same order)."""
    num_perm = hashvalues.shape[1]
    schema = staged_schema(num_perm)
    columns = {
        "article_id": [d.article_id for d in documents],
        "source_path": [d.source_path for d in documents],
        "source_record": [d.source_record for d in documents],
        "format": [d.format for d in documents],
        "title": [d.title for d in documents],
        "text": [d.text for d in documents],
        "section": [d.section for d in documents],
        "url": [d.url for d in documents],
        "published": [d.published for d in documents],
        "word_count": [d.word_count for d in documents],
        "language": [d.language for d in documents],
        "extraction": [d.extraction for d in documents],
        "content_hash": [d.content_hash for d in documents],
        "record_key": [d.record_key for d in documents],
        "hashvalues": pa.FixedSizeListArray.from_arrays(pa.array(hashvalues.reshape(-1), type=pa.uint32()), num_perm),
        "shingle_count": pa.array(shingle_counts, type=pa.int64()),
    }
    return pa.table(columns, schema=schema)


def rejects_table(rejects: Sequence[Reject], run_id: str, ingested_at: datetime) -> pa.Table:
    """Reject rows, stamped with the run."""
    return pa.table(
        {
            "source_path": [r.source_path for r in rejects],
            "source_record": [r.source_record for r in rejects],
            "reason": [r.reason for r in rejects],
            "detail": [r.detail for r in rejects],
            "record_key": [r.record_key for r in rejects],
            "run_id": [run_id] * len(rejects),
            "ingested_at": [ingested_at] * len(rejects),
        },
        schema=REJECTS,
    )


def _stamp(staged: pa.Table, run_id: str, ingested_at: datetime) -> pa.Table:
    n = staged.num_rows
    return staged.append_column("run_id", pa.array([run_id] * n, pa.string())).append_column(
        "ingested_at", pa.array([ingested_at] * n, ARTICLES.field("ingested_at").type)
    )


def article_rows(staged: pa.Table, cluster_sizes: Sequence[int], run_id: str, ingested_at: datetime) -> pa.Table:
    """Article rows from staged rows that are canonical copies."""
    table = _stamp(staged, run_id, ingested_at).append_column("cluster_size", pa.array(cluster_sizes, pa.int64()))
    return table.select(ARTICLES.names).cast(ARTICLES)


def duplicate_rows(
    staged: pa.Table,
    cluster_sizes: Sequence[int],
    canonical_ids: Sequence[str],
    similarities: Sequence[float],
    methods: Sequence[str],
    run_id: str,
    ingested_at: datetime,
) -> pa.Table:
    """Duplicate rows from staged rows recognised as copies (``cluster_size`` is the size
    of the cluster they joined, as of this run)."""
    table = _stamp(staged, run_id, ingested_at)
    table = table.append_column("cluster_size", pa.array(cluster_sizes, pa.int64()))
    table = table.append_column("canonical_id", pa.array(canonical_ids, pa.string()))
    table = table.append_column("similarity", pa.array(similarities, pa.float64()))
    table = table.append_column("method", pa.array(methods, pa.string()))
    return table.select(DUPLICATES.names).cast(DUPLICATES)
