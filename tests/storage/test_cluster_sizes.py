"""Current cluster sizes come from the append-only clusters/ table: the one query the README
gives, in DuckDB, Polars and pandas, as a user runs it on a dataset a few runs built."""

from __future__ import annotations

import shutil

import duckdb
import pandas as pd
import polars as pl

from storage.clusters import cluster_sizes
from storage.dataset import Dataset
from tests.conftest import SEEDS
from tests.fixtures.pages import FERRY, FERRY_TITLE, text_dump

# The README's lines, run from the folder holding the output "out".
DUCKDB = """
SELECT article_id, 1 + sum(copies_added) AS cluster_size
FROM read_parquet('out/clusters/*.parquet') GROUP BY article_id
"""


def polars_sizes() -> dict[str, int]:
    sizes = pl.read_parquet("out/clusters/*.parquet").group_by("article_id").agg(1 + pl.col("copies_added").sum())
    return dict(sizes.rows())


def pandas_sizes() -> dict[str, int]:
    sizes = pd.read_parquet("out/clusters").groupby("article_id")["copies_added"].sum() + 1
    return sizes.to_dict()


def test_current_cluster_sizes_in_duckdb_polars_and_pandas(run_ingest, tmp_path, monkeypatch):
    inbox = tmp_path / "inbox"
    shutil.copytree(SEEDS, inbox)
    output = tmp_path / "out"
    run_ingest([inbox], output)  # two stories, one with a syndicated copy
    (inbox / "ferry.txt").write_text(text_dump(FERRY_TITLE, FERRY))
    run_ingest([inbox], output)  # a new story alone
    first = (SEEDS / "000_29ba8e55fe1d1bfc.txt").read_text()  # (007 is its syndicated copy)
    for number in range(3):  # three more copies of that story, in two runs
        (inbox / f"copy-{number}.txt").write_text(first + "\n" * (number + 1))
        if number != 1:
            run_ingest([inbox], output)
    articles = Dataset.for_reading(str(output)).read("articles", ["article_id", "source_path"]).to_pylist()
    expected = {next(a["article_id"] for a in articles if a["source_path"] == "000_29ba8e55fe1d1bfc.txt"): 5}
    assert cluster_sizes(Dataset.for_reading(str(output))) == expected
    # Three of the four runs added copies: one clusters/ file each, and no file rewritten.
    assert len(list((output / "clusters").glob("*.parquet"))) == 3

    monkeypatch.chdir(tmp_path)
    assert dict(duckdb.sql(DUCKDB).fetchall()) == expected
    assert polars_sizes() == expected
    assert pandas_sizes() == expected
