"""The current size of each story's cluster, from the append-only ``clusters/`` table.

A run that adds copies to a story writes one ``clusters/`` row for it (``copies_added``, and
``cluster_size`` after the run); committed article files are never rewritten. The one query
for current sizes, in SQL (DuckDB; Polars and pandas in the README)::

    SELECT article_id, 1 + sum(copies_added) AS cluster_size
    FROM read_parquet('OUT/clusters/*.parquet') GROUP BY article_id

A story without a row has no copies: its size is 1.
"""

from __future__ import annotations

from collections.abc import Sequence

import pyarrow as pa

from storage.dataset import Dataset


def cluster_sizes(dataset: Dataset, article_ids: Sequence[str] | None = None) -> dict[str, int]:
    """Current cluster size of the stories with copies (those of ``article_ids`` only, if
    given: then only the ``clusters/`` row groups holding them are read). Stories missing
    from the result have size 1."""
    columns = ["article_id", "copies_added"]
    if article_ids is None:
        rows = dataset.read("clusters", columns)
    else:
        rows = dataset.read_matching("clusters", "article_id", list(article_ids), columns) if article_ids else None
    if rows is None or rows.num_rows == 0:
        return {}
    totals = rows.group_by("article_id").aggregate([("copies_added", "sum")])
    return {
        article_id: 1 + added
        for article_id, added in zip(
            totals["article_id"].to_pylist(), totals["copies_added_sum"].to_pylist(), strict=True
        )
    }


def largest(dataset: Dataset, limit: int) -> list[tuple[str, int]]:
    """The ``limit`` stories with the most copies: (article id, current size), largest first
    (ties by article id)."""
    sizes = cluster_sizes(dataset)
    return sorted(sizes.items(), key=lambda item: (-item[1], item[0]))[:limit]


def run_growth(dataset: Dataset, run_id: str) -> pa.Table | None:
    """The ``clusters/`` rows of one run (the stories it added copies to), or None."""
    return dataset.read_matching("clusters", "run_id", [run_id], ["article_id", "copies_added", "cluster_size"])
