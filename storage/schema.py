"""The one place that defines what newsdedup stores: record types and their Arrow schemas.

Every stage speaks these types. The Parquet files carry ``SCHEMA_VERSION`` in their
metadata so readers can tell which layout they hold.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import pyarrow as pa

#: Bump when a column is added, removed or changes meaning (and say in
#: ``UPGRADABLE_VERSIONS`` how a dataset of the old version is brought up to date).
SCHEMA_VERSION = "3"

#: Older versions a dataset may have been written with that this one upgrades, each with the
#: tables that gained (nullable) columns since. The upgrade (``storage.upgrade``, run once by
#: ``newsdedup upgrade OUT`` or by the next ingest) rewrites those tables' files with the
#: columns null, so that every file of a table has one schema for other readers (DuckDB,
#: Polars) too, and builds the tables that are new since, all in one commit.
#:   1 -> 2: runs/ gained files_other_types and other_types; articles/ and duplicates/ gained
#:   language and extraction.
#:   2 -> 3: clusters/ is new (built from duplicates/); an ingest run no longer rewrites
#:   articles/ files, so articles' cluster_size is the size as of the write.
UPGRADABLE_VERSIONS: dict[str, tuple[str, ...]] = {"1": ("articles", "duplicates", "runs"), "2": ()}

#: Tables under the output directory, in the order a run writes them.
TABLES = ("articles", "duplicates", "clusters", "rejects", "signatures", "inputs", "runs")


@dataclass(frozen=True)
class Reject:
    """An input record that could not be used, with a stable reason code."""

    source_path: str
    source_record: int
    reason: str
    detail: str
    record_key: str


@dataclass
class Document:
    """One cleaned input record on its way to the dataset.

    Filled in by the parsers (text and metadata), then by the signing stage
    (``content_hash``, ``article_id``).
    """

    source_path: str
    source_record: int
    format: str
    title: str
    text: str
    record_key: str
    section: str | None = None
    url: str | None = None
    published: datetime | None = None
    content_hash: str = ""
    article_id: str = ""
    extra: dict = field(default_factory=dict)
    #: ISO 639-1 code of the text's language, None when unsure (``parsers.language``).
    language: str | None = None
    #: Which path of the cleaner made the text ("main", "jsonld", "microdata", "article",
    #: "density", see ``parsers.page``): the fallbacks are where to look for weak extractions.
    extraction: str = "main"

    @property
    def word_count(self) -> int:
        return len(self.text.split())


_TIMESTAMP = pa.timestamp("us", tz="UTC")

_ARTICLE_FIELDS = [
    pa.field("article_id", pa.string(), nullable=False),
    pa.field("source_path", pa.string(), nullable=False),
    pa.field("source_record", pa.int64(), nullable=False),
    pa.field("format", pa.string(), nullable=False),
    pa.field("title", pa.string()),
    pa.field("text", pa.string(), nullable=False),
    pa.field("section", pa.string()),
    pa.field("url", pa.string()),
    pa.field("published", _TIMESTAMP),
    pa.field("word_count", pa.int64(), nullable=False),
    pa.field("language", pa.string()),  # ISO 639-1, null when unsure
    # "main", "jsonld", "density", ...; null in rows written before schema version 2
    pa.field("extraction", pa.string()),
    pa.field("content_hash", pa.string(), nullable=False),
    # Records of the story as of the run that wrote the row (articles: that run's copies
    # included; duplicates: the size the copy made). Later copies are in clusters/ only.
    pa.field("cluster_size", pa.int64(), nullable=False),
    pa.field("run_id", pa.string(), nullable=False),
    pa.field("ingested_at", _TIMESTAMP, nullable=False),
    # Identifies the input record (path, position, raw bytes): a re-run skips known keys.
    pa.field("record_key", pa.string(), nullable=False),
]


def _with_version(schema: pa.Schema, table: str) -> pa.Schema:
    return schema.with_metadata(
        {b"newsdedup.schema_version": SCHEMA_VERSION.encode(), b"newsdedup.table": table.encode()}
    )


ARTICLES = _with_version(pa.schema(_ARTICLE_FIELDS), "articles")

DUPLICATES = _with_version(
    pa.schema(
        _ARTICLE_FIELDS
        + [
            pa.field("canonical_id", pa.string(), nullable=False),
            pa.field("similarity", pa.float64(), nullable=False),
            pa.field("method", pa.string(), nullable=False),  # "exact", "near" or "contained"
        ]
    ),
    "duplicates",
)

#: How many copies each story gained in each run: append-only, one row per story and run
#: that added copies to it. A story's current cluster size is 1 + sum(copies_added) over its
#: rows (a story with no row has no copies: size 1); ``cluster_size`` is that size as of the
#: row's run, so max(cluster_size) gives the same.
CLUSTERS = _with_version(
    pa.schema(
        [
            pa.field("article_id", pa.string(), nullable=False),  # the story's canonical article
            pa.field("copies_added", pa.int64(), nullable=False),
            pa.field("cluster_size", pa.int64(), nullable=False),
            pa.field("run_id", pa.string(), nullable=False),
        ]
    ),
    "clusters",
)

REJECTS = _with_version(
    pa.schema(
        [
            pa.field("source_path", pa.string(), nullable=False),
            pa.field("source_record", pa.int64(), nullable=False),
            pa.field("reason", pa.string(), nullable=False),
            pa.field("detail", pa.string(), nullable=False),
            pa.field("record_key", pa.string(), nullable=False),
            pa.field("run_id", pa.string(), nullable=False),
            pa.field("ingested_at", _TIMESTAMP, nullable=False),
        ]
    ),
    "rejects",
)


def signatures_schema(num_perm: int) -> pa.Schema:
    """Schema of the stored MinHash signatures of canonical articles.

    The permutation scheme, seed and shingling settings are stored in the metadata
    (see ``dedup.signatures.SignatureSettings.as_metadata``).
    """
    return _with_version(
        pa.schema(
            [
                pa.field("article_id", pa.string(), nullable=False),
                pa.field("hashvalues", pa.list_(pa.uint32(), num_perm), nullable=False),
                pa.field("shingle_count", pa.int64(), nullable=False),
                pa.field("word_count", pa.int64(), nullable=False),
                pa.field("run_id", pa.string(), nullable=False),
            ]
        ),
        "signatures",
    )


INPUTS = _with_version(
    pa.schema(
        [
            pa.field("source_path", pa.string(), nullable=False),
            # The file's real path: what a later run knows it by (null in ledgers written
            # before it was kept).
            pa.field("path", pa.string()),
            pa.field("size", pa.int64(), nullable=False),
            pa.field("mtime_ns", pa.int64(), nullable=False),
            pa.field("run_id", pa.string(), nullable=False),
        ]
    ),
    "inputs",
)

RUNS = _with_version(
    pa.schema(
        [
            pa.field("run_id", pa.string(), nullable=False),
            pa.field("started_at", _TIMESTAMP, nullable=False),
            pa.field("finished_at", _TIMESTAMP, nullable=False),
            pa.field("inputs", pa.list_(pa.string()), nullable=False),
            pa.field("files_read", pa.int64(), nullable=False),
            pa.field("files_unchanged", pa.int64(), nullable=False),
            pa.field("records_read", pa.int64(), nullable=False),
            pa.field("articles", pa.int64(), nullable=False),
            pa.field("duplicates", pa.int64(), nullable=False),
            pa.field("rejects", pa.int64(), nullable=False),
            pa.field("skipped_known", pa.int64(), nullable=False),
            pa.field("settings", pa.string(), nullable=False),  # JSON of the run's settings
            # Files in input directories of types the pipeline does not read (skipped), in
            # all and by type (".pdf": 3). Null in runs written before they were counted.
            pa.field("files_other_types", pa.int64()),
            pa.field("other_types", pa.map_(pa.string(), pa.int64())),
        ]
    ),
    "runs",
)

#: The tables whose schema does not depend on a run's settings (signatures: on num_perm).
FIXED_SCHEMAS = {
    "articles": ARTICLES,
    "duplicates": DUPLICATES,
    "clusters": CLUSTERS,
    "rejects": REJECTS,
    "inputs": INPUTS,
    "runs": RUNS,
}
