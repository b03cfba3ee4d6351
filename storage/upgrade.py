"""Bring an output written by an older newsdedup to this schema version, once, in one commit.

``newsdedup upgrade OUT`` runs it, and so does the next ingest into such an output (before it
reads anything); the read-only commands refuse an older output with one line naming the
command. What each version needs is in ``storage.schema.UPGRADABLE_VERSIONS``.
"""

from __future__ import annotations

import logging

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from storage.dataset import Dataset
from storage.schema import CLUSTERS, SCHEMA_VERSION

log = logging.getLogger(__name__)


def upgrade(dataset: Dataset, signature_settings: dict[str, str] | None = None) -> bool:
    """Upgrade ``dataset`` (opened for writing, ``Dataset.open``) to ``SCHEMA_VERSION`` in one
    transaction: the files of tables that gained columns are rewritten with them null, and
    ``clusters/`` is built from ``duplicates/`` (a reader sees the old dataset or the upgraded
    one, never a mix; a crash leaves the old one).

    Args:
        signature_settings: new signature settings for the manifest, recorded in the same
            commit, or None to keep them. The caller vouches that the stored signatures are
            what these settings make (``dedup.stage.signature_settings_brought_forward``):
            storage knows nothing of how they are made.

    Returns:
        Whether anything was committed (False: the dataset was current).
    """
    version = dataset.manifest.schema_version
    if version == SCHEMA_VERSION and signature_settings in (None, dataset.manifest.signature_settings):
        return False
    transaction = dataset.transaction()
    transaction.upgrade_columns()
    if int(version) < 3 and not dataset.manifest.files["clusters"]:
        clusters = clusters_from_duplicates(dataset)
        if clusters.num_rows:
            transaction.write("clusters", f"clusters/part-upgrade-{transaction.generation:06d}.parquet", clusters)
    transaction.commit(signature_settings, upgrade=True)
    log.info("upgraded %s from schema version %s to %s", dataset.root, version, SCHEMA_VERSION)
    return True


def clusters_from_duplicates(dataset: Dataset) -> pa.Table:
    """The ``clusters/`` rows of the stored duplicates: copies each story gained in each run,
    and its size after that run (runs in the order they started)."""
    duplicates = dataset.read("duplicates", ["canonical_id", "run_id"])
    if duplicates is None or duplicates.num_rows == 0:
        return CLUSTERS.empty_table()
    counts = duplicates.group_by(["canonical_id", "run_id"]).aggregate([("canonical_id", "count")])
    runs = dataset.read("runs", ["run_id", "started_at"])
    started = {} if runs is None else dict(zip(runs["run_id"].to_pylist(), runs["started_at"].to_pylist(), strict=True))
    # (run ids begin with their start time: they order runs the runs table does not list)
    rows = sorted(
        zip(
            counts["canonical_id"].to_pylist(),
            counts["run_id"].to_pylist(),
            counts["canonical_id_count"].to_pylist(),
            strict=True,
        ),
        key=lambda row: (row[0], started.get(row[1]) is None, started.get(row[1]) or 0, row[1]),
    )
    ids = pa.array([row[0] for row in rows], pa.string())
    added = np.array([row[2] for row in rows], dtype=np.int64)
    # Running total per story: cumulative sum, restarted where the story changes.
    total = np.cumsum(added)
    first = np.r_[True, pc.not_equal(ids[1:], ids[:-1]).to_numpy(zero_copy_only=False)] if len(rows) else np.array([])
    before = np.maximum.accumulate(np.where(first, total - added, 0))
    return pa.table(
        {
            "article_id": ids,
            "copies_added": added,
            "cluster_size": 1 + total - before,
            "run_id": pa.array([row[1] for row in rows], pa.string()),
        },
        schema=CLUSTERS,
    )
