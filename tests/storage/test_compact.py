"""Compaction: many small files of each table merged into few, in one commit, rows unchanged."""

from __future__ import annotations

import json

import duckdb
import fsspec
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest

from benchmarks.year import simulate_year
from storage.compact import compact, compact_dataset, parse_size, plan_groups
from storage.dataset import Dataset, DatasetError, DatasetLockedError
from storage.schema import TABLES
from tests.conftest import SEEDS
from tests.fixtures.pages import FERRY, FERRY_TITLE, ORCHARD, ORCHARD_TITLE, text_dump
from tests.storage.crash_run import ingest

#: Hourly runs simulated for the tests: a day and a half, so two ``ingest_date`` partitions.
RUNS = 36


def contents(root) -> dict[str, list[dict]]:
    """Every row of every table as the manifest reads it, in its order."""
    dataset = Dataset.for_reading(str(root))
    return {
        table: (dataset.read(table).to_pylist() if dataset.files(table) else []) for table in dataset.manifest.files
    }


def files_on_disk(root) -> set[str]:
    return {str(p.relative_to(root)) for t in TABLES for p in (root / t).rglob("*.parquet")}


@pytest.fixture
def year_of_two_days(tmp_path):
    root = tmp_path / "out"
    simulate_year(str(root), RUNS, articles=3, duplicates=2, rejects=1, words=40)
    return root


def test_compaction_merges_each_partition_and_keeps_every_row_in_order(year_of_two_days):
    root = year_of_two_days
    before = contents(root)
    schemas = {t: pq.read_schema(next((root / t).rglob("*.parquet"))) for t in TABLES}
    assert all(len(files) == RUNS for files in Dataset.for_reading(str(root)).manifest.files.values())

    summary = compact(str(root))

    assert contents(root) == before  # same rows, same order, every column
    dataset = Dataset.for_reading(str(root))
    files = dataset.manifest.files
    # Partitioned tables: one file per ingest_date (two days); the others one file.
    for table in ("articles", "duplicates", "rejects"):
        assert sorted(name.split("/")[1] for name in files[table]) == [
            "ingest_date=2026-01-01",
            "ingest_date=2026-01-02",
        ]
    for table in ("signatures", "inputs", "runs"):
        assert len(files[table]) == 1
    assert {t: (c.files_before, c.files_after) for t, c in summary.tables.items()} == {
        t: (RUNS, len(files[t])) for t in TABLES
    }
    # The manifest names exactly the files on disk: the old ones are gone, nothing is hidden.
    assert files_on_disk(root) == {name for names in files.values() for name in names}
    assert not list(root.rglob(".g*")) and not (root / "_staging").exists()
    # Each merged file keeps its table's schema, metadata (schema version, signature settings) included.
    for table in TABLES:
        for path in dataset.files(table):
            assert pq.read_schema(path).equals(schemas[table], check_metadata=True), table
    # Plain readers see the same rows, hive partition column included.
    articles = ds.dataset(root / "articles", format="parquet", partitioning="hive").to_table()
    assert articles.num_rows == len(before["articles"]) == RUNS * 3
    assert sorted(set(articles["ingest_date"].to_pylist())) == ["2026-01-01", "2026-01-02"]
    query = "SELECT count(*) FROM read_parquet(?, hive_partitioning = true)"
    assert duckdb.execute(query, [str(root / "duplicates" / "**" / "*.parquet")]).fetchall() == [(RUNS * 2,)]
    # Small files' rows are gathered into whole row groups, not one per input file.
    assert all(pq.ParquetFile(path).metadata.num_row_groups == 1 for path in dataset.files("runs"))


def test_compacting_a_compact_dataset_changes_nothing(year_of_two_days):
    compact(str(year_of_two_days))
    manifest = (year_of_two_days / "_manifest.json").read_text()
    again = compact(str(year_of_two_days))
    assert again.generation is None
    assert again.one_line().startswith(f"already compact {year_of_two_days}: articles 2 -> 2 files")
    assert (year_of_two_days / "_manifest.json").read_text() == manifest


def test_the_target_size_bounds_the_input_of_each_merged_file(year_of_two_days):
    root = year_of_two_days
    before = contents(root)
    sizes = [p.stat().st_size for p in (root / "runs").glob("*.parquet")]
    target = 5 * max(sizes)  # at least 5 files a group, and more than one group
    summary = compact(str(root), target)
    assert contents(root) == before
    runs = summary.tables["runs"]
    assert RUNS / 10 <= runs.files_after <= RUNS / 5 + 1 < RUNS
    dataset = Dataset.for_reading(str(root))
    assert [pq.read_metadata(p).num_rows for p in dataset.files("runs")][:-1] == [
        pq.read_metadata(dataset.files("runs")[0]).num_rows
    ] * (runs.files_after - 1)


def test_groups_are_consecutive_files_of_one_folder_and_schema():
    from storage.compact import _File
    from storage.schema import REJECTS, RUNS

    def file(name, size=10, schema=RUNS):
        return _File(name, "/x/" + name, size, schema)

    a, b = file("t/d=1/a.parquet"), file("t/d=1/b.parquet")
    other_day = file("t/d=2/c.parquet")
    other_schema = file("t/d=1/d.parquet", schema=REJECTS)
    big = file("t/d=1/e.parquet", size=1000)
    c = file("t/d=1/f.parquet")
    groups = plan_groups([a, b, other_day, other_schema, big, c, file("t/d=1/g.parquet")], target_bytes=100)
    assert [[f.relative for f in g] for g in groups] == [
        ["t/d=1/a.parquet", "t/d=1/b.parquet"],
        ["t/d=1/f.parquet", "t/d=1/g.parquet"],
    ]


def test_an_ingest_after_compaction_reads_the_compacted_store(tmp_path):
    inbox, root = tmp_path / "inbox", tmp_path / "out"
    inbox.mkdir()
    for name in sorted(SEEDS.iterdir()):
        (inbox / name.name).write_text(name.read_text())
        ingest([str(inbox)], str(root))  # one run per seed: several small files per table
    compacted = compact(str(root))
    assert compacted.tables["articles"].files_before >= 2
    assert all(counts.files_after == 1 for counts in compacted.tables.values())
    (inbox / "ferry.txt").write_text(text_dump(FERRY_TITLE, FERRY))
    (inbox / "orchard.txt").write_text(text_dump(ORCHARD_TITLE, ORCHARD))
    seed = (SEEDS / "003_809269d57f52441b.txt").read_text()
    (inbox / "seed-copy.txt").write_text("World / Asia\n\n" + seed.replace("TOKYO —", "AMMAN, Jordan —"))
    summary = ingest([str(inbox)], str(root))
    # Only what is new is read (the ledger is compacted, not lost), and the copy of a stored
    # story is found through the compacted signatures.
    assert summary.files_unchanged == len(list(SEEDS.iterdir()))
    assert (summary.articles, summary.duplicates) == (2, 1)


def test_compaction_waits_for_no_one_a_held_lock_refuses_it(year_of_two_days):
    with Dataset.open(str(year_of_two_days)), pytest.raises(DatasetLockedError, match="being written by another run"):
        compact(str(year_of_two_days))
    with Dataset.open(str(year_of_two_days)) as dataset:  # released; the function that takes a held dataset
        assert compact_dataset(dataset).generation is not None


def test_not_a_dataset_an_old_version_and_a_bad_size_are_clear_errors(tmp_path, year_of_two_days):
    with pytest.raises(DatasetError, match="is not a newsdedup dataset"):
        compact(str(tmp_path / "nothing"))
    manifest = json.loads((year_of_two_days / "_manifest.json").read_text())
    (year_of_two_days / "_manifest.json").write_text(json.dumps({**manifest, "schema_version": "1"}))
    with pytest.raises(
        DatasetError, match="schema version 1 by an older newsdedup; upgrade it in place, once, with: newsdedup upgrade"
    ):
        compact(str(year_of_two_days))
    assert parse_size("128MiB") == parse_size("128m") == 128 * 2**20
    assert (parse_size("1G"), parse_size("1.5k"), parse_size("4096")) == (2**30, 1536, 4096)
    for bad in ("", "MiB", "12 apples", "-1M", "0"):
        with pytest.raises(ValueError, match="size"):
            parse_size(bad)


def test_a_memory_store_output_is_compacted_too():
    url = "memory://newsdedup-compact/out"
    simulate_year(url, 6, articles=2, duplicates=1, rejects=1, words=20)
    before = contents(url)
    summary = compact(url)
    assert summary.tables["articles"].files_after == 1 and contents(url) == before
    memory = fsspec.filesystem("memory")
    listed = {name for names in Dataset.for_reading(url).manifest.files.values() for name in names}
    on_store = {
        path.removeprefix("/newsdedup-compact/out/")
        for path in memory.find("/newsdedup-compact/out")
        if path.endswith(".parquet")
    }
    assert on_store == listed and not memory.exists("/newsdedup-compact/out/_lock")
