"""The transactional dataset: commits, locking, recovery."""

from __future__ import annotations

import json

import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest

from storage.dataset import Dataset, DatasetError, DatasetLockedError, RollingWriter
from storage.schema import SCHEMA_VERSION, signatures_schema

SCHEMA = pa.schema([("n", pa.int64())])
#: The start of a manifest of this newsdedup.
OURS = {"format": "newsdedup-dataset", "schema_version": SCHEMA_VERSION}


def commit_numbers(dataset: Dataset, name: str, numbers: list[int]) -> None:
    transaction = dataset.transaction()
    transaction.write("runs", f"runs/{name}.parquet", pa.table({"n": numbers}, schema=SCHEMA))
    transaction.commit()


def test_commit_makes_files_visible_and_listed(tmp_path):
    with Dataset.open(str(tmp_path)) as dataset:
        commit_numbers(dataset, "a", [1, 2])
        commit_numbers(dataset, "b", [3])
    manifest = json.loads((tmp_path / "_manifest.json").read_text())
    assert manifest["generation"] == 2
    assert manifest["files"]["runs"] == ["runs/a.parquet", "runs/b.parquet"]
    assert sorted(ds.dataset(tmp_path / "runs").to_table()["n"].to_pylist()) == [1, 2, 3]


def test_read_matching_keeps_only_the_rows_whose_key_matches_in_every_file_and_row_group(tmp_path):
    with Dataset.open(str(tmp_path)) as dataset:
        transaction = dataset.transaction()
        numbers = pa.table({"n": list(range(10)), "word": [f"w{i}" for i in range(10)]})
        transaction.write("runs", "runs/a.parquet", numbers)
        transaction.commit()
        commit_numbers(dataset, "b", [2, 4])
    pq.write_table(numbers, tmp_path / "runs" / "a.parquet", row_group_size=3)  # (rewritten: 4 row groups)
    reader = Dataset.for_reading(str(tmp_path))
    assert reader.read_matching("runs", "n", [2])["n"].to_pylist() == [2, 2]
    found = reader.read_matching("runs", "n", [7, 4, 3], ["word"])
    assert found.column_names == ["word"] and found["word"].to_pylist() == ["w3", "w4", "w7", None]
    assert reader.read_matching("runs", "n", [99]).num_rows == 0


def test_uncommitted_files_are_invisible_and_removed_by_the_next_writer(tmp_path):
    with Dataset.open(str(tmp_path)) as dataset:
        commit_numbers(dataset, "a", [1])
        transaction = dataset.transaction()
        transaction.write("runs", "runs/b.parquet", pa.table({"n": [2]}, schema=SCHEMA))
        # No commit: as if the process died here.
    assert ds.dataset(tmp_path / "runs").to_table()["n"].to_pylist() == [1]
    assert Dataset.for_reading(str(tmp_path)).read("runs")["n"].to_pylist() == [1]
    (tmp_path / "runs" / "stray.parquet").write_bytes(b"half a file")
    with Dataset.open(str(tmp_path)):
        pass
    assert sorted(p.name for p in (tmp_path / "runs").iterdir()) == ["a.parquet"]


def test_a_second_writer_is_refused_while_the_first_holds_the_lock(tmp_path):
    with (
        Dataset.open(str(tmp_path)),
        pytest.raises(DatasetLockedError, match="being written by another run"),
        Dataset.open(str(tmp_path)),
    ):
        pass
    with Dataset.open(str(tmp_path)):  # released when the first run ends
        pass


def test_unwritable_output_and_foreign_manifest_are_clear_errors(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises(DatasetError, match="cannot write to output"), Dataset.open(str(blocker / "out")):
        pass
    with pytest.raises(DatasetError, match="output .*file: it is a file, not a directory"), Dataset.open(str(blocker)):
        pass
    (tmp_path / "_manifest.json").write_text(json.dumps({"format": "something-else"}))
    with pytest.raises(DatasetError, match="not a newsdedup manifest"), Dataset.open(str(tmp_path)):
        pass


@pytest.mark.parametrize(
    "manifest",
    [
        [],
        None,
        {**OURS, "generation": 1, "files": []},
        {**OURS, "generation": 1, "files": {"articles": "abc"}},
        {**OURS, "generation": "1", "files": {}},
        {**OURS, "generation": 1, "files": {"runs": ["../../etc/x"]}},
    ],
)
def test_a_manifest_of_the_wrong_shape_is_a_clear_error(tmp_path, manifest):
    (tmp_path / "_manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(DatasetError, match="manifest.json is (damaged|not a newsdedup manifest)"):
        Dataset.for_reading(str(tmp_path))
    with (
        pytest.raises(DatasetError, match="manifest.json is (damaged|not a newsdedup manifest)"),
        Dataset.open(str(tmp_path)),
    ):
        pass


def test_a_committed_file_deleted_by_hand_is_a_clear_error(tmp_path):
    with Dataset.open(str(tmp_path)) as dataset:
        commit_numbers(dataset, "a", [1, 2])
        commit_numbers(dataset, "b", [3])
    (tmp_path / "runs" / "a.parquet").unlink()
    message = r"names 1 file\(s\) that are missing: runs/a.parquet \(were they deleted or moved by hand\?\)"
    with pytest.raises(DatasetError, match=message):
        Dataset.for_reading(str(tmp_path))
    with pytest.raises(DatasetError, match=message), Dataset.open(str(tmp_path)):
        pass
    assert (tmp_path / "runs" / "b.parquet").exists()  # nothing else was touched


def test_a_reader_finds_the_files_of_a_commit_not_yet_renamed_into_place(tmp_path):
    with Dataset.open(str(tmp_path)) as dataset:
        commit_numbers(dataset, "a", [1, 2])
    generation = json.loads((tmp_path / "_manifest.json").read_text())["generation"]
    (tmp_path / "runs" / "a.parquet").rename(tmp_path / "runs" / f".g{generation}.a.parquet")  # as if mid-publish
    assert Dataset.for_reading(str(tmp_path)).read("runs")["n"].to_pylist() == [1, 2]


def test_unique_columns_are_written_without_a_dictionary_and_repeated_ones_with_one(tmp_path):
    schema = signatures_schema(4)
    rows = 3_000
    table = pa.table(
        {
            "article_id": [f"{n:032x}" for n in range(rows)],
            "hashvalues": [[n, n * 7 + 1, n * 13 + 2, n * 31 + 3] for n in range(rows)],
            "shingle_count": [n % 50 for n in range(rows)],
            "word_count": [n % 60 for n in range(rows)],
            "run_id": ["20261203T120000-0abc1234"] * rows,
        },
        schema=schema,
    )
    with Dataset.open(str(tmp_path)) as dataset:
        transaction = dataset.transaction()
        writer = RollingWriter(transaction.names, schema, "signatures/part-a")
        writer.write(table)
        (name,) = writer.close()
        transaction.add("signatures", name)
        transaction.commit()
        (path,) = dataset.files("signatures")
    metadata = pq.ParquetFile(path).metadata.row_group(0)
    encodings = {metadata.column(i).path_in_schema: metadata.column(i).encodings for i in range(metadata.num_columns)}
    dictionary = {"PLAIN_DICTIONARY", "RLE_DICTIONARY"}
    assert not dictionary & set(encodings["article_id"])
    assert not dictionary & set(encodings["hashvalues.list.element"])
    assert dictionary & set(encodings["run_id"])
    assert pq.read_table(path).equals(table)
