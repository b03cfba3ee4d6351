"""Datasets written by an earlier schema version: read, upgraded by the next run, or refused."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import polars as pl
import pyarrow.parquet as pq
import pytest

from storage.clusters import cluster_sizes
from storage.dataset import Dataset, DatasetError
from storage.schema import ARTICLES, DUPLICATES, RUNS, SCHEMA_VERSION
from tests.conftest import SEEDS
from tests.test_cli import newsdedup

#: A dataset as newsdedup wrote it at schema version 2 (made by tests/fixtures/make_v2_output.py).
V2_OUTPUT = Path(__file__).resolve().parent.parent / "fixtures" / "v2_output"

#: Columns each table gained in schema version 2.
ADDED_IN_2 = {
    "runs": ["files_other_types", "other_types"],
    "articles": ["language", "extraction"],
    "duplicates": ["language", "extraction"],
}


def as_version_1(output) -> None:
    """Make ``output`` what version 1 wrote: files without the columns added since, no
    clusters/ table, and the manifest's version 1."""
    for table, columns in ADDED_IN_2.items():
        for path in (output / table).glob("**/*.parquet"):
            data = pq.read_table(path).drop_columns(columns)
            metadata = {**data.schema.metadata, b"newsdedup.schema_version": b"1"}
            pq.write_table(data.replace_schema_metadata(metadata), path)
    shutil.rmtree(output / "clusters")
    manifest = json.loads((output / "_manifest.json").read_text())
    manifest["schema_version"] = "1"
    del manifest["files"]["clusters"]
    (output / "_manifest.json").write_text(json.dumps(manifest))


def test_a_version_1_dataset_is_refused_for_reading_and_upgraded_by_the_next_run(run_ingest, tmp_path):
    assert SCHEMA_VERSION == "3"
    inbox, output = tmp_path / "in", tmp_path / "out"
    shutil.copytree(SEEDS, inbox)
    run_ingest([inbox], output)
    stored = Dataset.for_reading(str(output)).count("articles")
    as_version_1(output)

    with pytest.raises(DatasetError) as refused:
        Dataset.for_reading(str(output))
    assert str(refused.value) == (
        f"the output {output} was written with schema version 1 by an older newsdedup; "
        f"upgrade it in place, once, with: newsdedup upgrade {output}"
    )

    (inbox / "notes.pdf").write_bytes(b"%PDF-1.7\n")
    (inbox / "new.txt").write_text((SEEDS / "003_809269d57f52441b.txt").read_text().replace("Japan", "Nippon"))
    run_ingest([inbox], output)

    assert json.loads((output / "_manifest.json").read_text())["schema_version"] == SCHEMA_VERSION
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
    # The upgrade built clusters/ from the stored duplicates; the run's new copy added a row.
    dataset = Dataset.for_reading(str(output))
    sizes = cluster_sizes(dataset)
    assert sum(sizes.values()) - len(sizes) == dataset.count("duplicates") == 2
    assert sorted(sizes.values()) == [2, 2]  # (the new file copies the other story)


def _fixture_copy(tmp_path):
    """A copy of the dataset newsdedup wrote at schema version 2 (tests/fixtures/make_v2_output.py)."""
    output = tmp_path / "v2"
    shutil.copytree(V2_OUTPUT, output)
    return output


def test_a_dataset_written_by_version_2_is_upgraded_once_by_the_upgrade_command(tmp_path):
    output = _fixture_copy(tmp_path)
    articles_v2 = pq.read_table(next((output / "articles").glob("**/*.parquet")))
    sizes_v2 = dict(zip(articles_v2["article_id"].to_pylist(), articles_v2["cluster_size"].to_pylist(), strict=True))
    assert sorted(sizes_v2.values()) == [1, 3]

    refused = newsdedup("stats", str(output))
    assert refused.returncode == 2
    assert refused.stderr == (
        f"newsdedup: the output {output} was written with schema version 2 by an older newsdedup; "
        f"upgrade it in place, once, with: newsdedup upgrade {output}\n"
    )
    before = {p: p.read_bytes() for p in output.rglob("*.parquet")}
    upgraded = newsdedup("upgrade", str(output))
    assert upgraded.returncode == 0, upgraded.stderr
    # (its signatures are brought forward too: tests/dedup/test_signature_upgrade.py)
    assert upgraded.stdout.startswith(f"upgraded {output}: schema version 2 to {SCHEMA_VERSION}; shingle hash ")
    # Nothing committed was rewritten (version 2 had every column): one clusters/ file is new.
    assert {p: p.read_bytes() for p in before} == before
    assert [p.parent.name for p in output.rglob("*.parquet") if p not in before] == ["clusters"]
    assert json.loads((output / "_manifest.json").read_text())["schema_version"] == SCHEMA_VERSION
    dataset = Dataset.for_reading(str(output))
    assert {a: cluster_sizes(dataset).get(a, 1) for a in sizes_v2} == sizes_v2
    again = newsdedup("upgrade", str(output))
    assert again.stdout == f"{output} is already at schema version {SCHEMA_VERSION}: nothing to do\n"
    stats = json.loads(newsdedup("stats", str(output), "--json").stdout)
    assert [c["cluster_size"] for c in stats["largest_clusters"]] == [3]


def test_an_ingest_into_a_version_2_dataset_upgrades_it_first_and_adds_to_the_clusters(run_ingest, tmp_path):
    output = _fixture_copy(tmp_path)
    articles_file = next((output / "articles").glob("**/*.parquet"))
    committed = articles_file.read_bytes()
    inbox = tmp_path / "in"
    inbox.mkdir()
    first = sorted(SEEDS.glob("000_*.txt"))[0]
    (inbox / "third-copy.txt").write_text(first.read_text().replace("Tokyo", "TOKYO").replace("Japan", "JAPAN."))
    summary = run_ingest([inbox], output)
    assert (summary["articles"], summary["duplicates"]) == (0, 1)
    assert articles_file.read_bytes() == committed  # the story's article file is not rewritten
    dataset = Dataset.for_reading(str(output))
    assert sorted(cluster_sizes(dataset).values()) == [4]
    assert [r["cluster_size"] for r in dataset.read("clusters").to_pylist()] == [2, 3, 4]


@pytest.mark.parametrize(
    ("version", "message"),
    [
        (
            "4",
            "the output was written with schema version 4 by a newer newsdedup; this one reads versions 1, 2, 3: "
            "upgrade newsdedup, or ingest into a new output directory",
        ),
        (
            "0",
            "the output was written with schema version 0, which this newsdedup (versions 1, 2, 3) cannot read: "
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
