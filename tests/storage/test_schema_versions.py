"""Datasets written by an earlier schema version: read, upgraded by the next run, or refused."""

from __future__ import annotations

import json
import shutil

import duckdb
import polars as pl
import pyarrow.parquet as pq
import pytest

from storage.dataset import Dataset, DatasetError
from storage.schema import ARTICLES, DUPLICATES, RUNS, SCHEMA_VERSION
from tests.conftest import SEEDS

#: Columns each table gained in schema version 2.
ADDED_IN_2 = {
    "runs": ["files_other_types", "other_types"],
    "articles": ["language", "extraction"],
    "duplicates": ["language", "extraction"],
}


def as_version_1(output) -> None:
    """Make ``output`` what version 1 wrote: files without the columns added since, and the
    manifest's version 1."""
    for table, columns in ADDED_IN_2.items():
        for path in (output / table).glob("**/*.parquet"):
            data = pq.read_table(path).drop_columns(columns)
            metadata = {**data.schema.metadata, b"newsdedup.schema_version": b"1"}
            pq.write_table(data.replace_schema_metadata(metadata), path)
    manifest = json.loads((output / "_manifest.json").read_text())
    manifest["schema_version"] = "1"
    (output / "_manifest.json").write_text(json.dumps(manifest))


def test_a_version_1_dataset_is_read_and_upgraded_by_the_next_run(run_ingest, tmp_path):
    assert SCHEMA_VERSION == "2"
    inbox, output = tmp_path / "in", tmp_path / "out"
    shutil.copytree(SEEDS, inbox)
    run_ingest([inbox], output)
    as_version_1(output)

    dataset = Dataset.for_reading(str(output))
    runs = dataset.read("runs")
    assert runs.column_names == RUNS.names
    assert runs.select(ADDED_IN_2["runs"]).to_pylist() == [{"files_other_types": None, "other_types": None}]
    articles = dataset.read("articles", ["article_id", "language", "extraction"])
    stored = articles.num_rows
    assert stored > 0
    assert articles.select(["language", "extraction"]).to_pylist() == [{"language": None, "extraction": None}] * stored
    assert dataset.read("duplicates").column_names == DUPLICATES.names

    (inbox / "notes.pdf").write_bytes(b"%PDF-1.7\n")
    (inbox / "new.txt").write_text((SEEDS / "003_809269d57f52441b.txt").read_text().replace("Japan", "Nippon"))
    run_ingest([inbox], output)

    assert json.loads((output / "_manifest.json").read_text())["schema_version"] == "2"
    files = sorted((output / "runs").glob("*.parquet"))
    assert len(files) == 2 and all(pq.read_schema(f).names == RUNS.names for f in files)
    for table, schema in (("articles", ARTICLES), ("duplicates", DUPLICATES)):
        assert all(pq.read_schema(f).names == schema.names for f in (output / table).glob("**/*.parquet"))
    # One schema in every file: other readers need no options to read the table whole.
    query = "SELECT files_read, files_other_types FROM read_parquet(?) ORDER BY started_at"
    seeds = len(list(SEEDS.glob("*.txt")))
    assert duckdb.execute(query, [str(output / "runs" / "*.parquet")]).fetchall() == [(seeds, None), (1, 1)]
    assert pl.read_parquet(output / "runs" / "*.parquet")["files_other_types"].to_list().count(1) == 1
    old_rows = duckdb.execute(
        "SELECT count(*) FROM read_parquet(?) WHERE extraction IS NULL", [str(output / "articles" / "**" / "*.parquet")]
    ).fetchall()
    assert old_rows == [(stored,)]
    # The run's new copy raised its story's stored cluster_size, upgrade or not.
    dataset = Dataset.for_reading(str(output))
    assert dataset.read("duplicates").num_rows > 0
    sizes = dataset.read("articles", ["cluster_size"])["cluster_size"].to_pylist()
    assert sum(sizes) == dataset.count("articles") + dataset.count("duplicates")


@pytest.mark.parametrize(
    ("version", "message"),
    [
        (
            "3",
            "the output was written with schema version 3 by a newer newsdedup; this one reads versions 1, 2: "
            "upgrade newsdedup, or ingest into a new output directory",
        ),
        (
            "0",
            "the output was written with schema version 0, which this newsdedup (versions 1, 2) cannot read: "
            "ingest into a new output directory",
        ),
    ],
)
def test_a_dataset_of_a_version_this_one_cannot_read_is_refused_in_one_line(tmp_path, version, message):
    (tmp_path / "_manifest.json").write_text(
        json.dumps({"format": "newsdedup-dataset", "schema_version": version, "generation": 1, "files": {}})
    )
    with pytest.raises(DatasetError) as refused:
        Dataset.for_reading(str(tmp_path))
    assert str(refused.value) == message
    with pytest.raises(DatasetError, match="schema version"), Dataset.open(str(tmp_path)):
        pass
