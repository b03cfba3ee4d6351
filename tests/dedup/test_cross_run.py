"""Incremental dedup through the real flow: a copy that arrives in a later run joins the
story stored by an earlier one (runs Prefect's test server, ~10 s)."""

from __future__ import annotations

import pyarrow.dataset as ds

from storage.clusters import cluster_sizes
from storage.dataset import Dataset
from tests.dedup.stories import LIBRARY, LIBRARY_TITLE, TRAM, TRAM_TITLE, syndicated, text_dump, write


def table(output, name):
    return ds.dataset(output / name, format="parquet", partitioning="hive").to_table().to_pylist()


def test_a_copy_in_a_later_run_joins_the_stored_story(run_ingest, tmp_path):
    output = tmp_path / "out"
    write(tmp_path / "run1", "courier/tram.txt", text_dump(TRAM_TITLE, TRAM))
    write(
        tmp_path / "run2",
        "globe/tram.txt",
        text_dump("Airport tram delayed as costs soar", syndicated(TRAM[:9]), site="The Morning Globe", width=72),
    )
    write(tmp_path / "run2", "courier/library.txt", text_dump(LIBRARY_TITLE, LIBRARY))

    first = run_ingest([tmp_path / "run1"], output)
    second = run_ingest([tmp_path / "run2"], output)

    assert (first["articles"], first["duplicates"]) == (1, 0)
    assert (second["articles"], second["duplicates"]) == (1, 1)
    articles = {a["source_path"]: a for a in table(output, "articles")}
    assert set(articles) == {"courier/tram.txt", "courier/library.txt"}
    # The stored article is left as written (size 1 then); its story's growth is in clusters/.
    assert articles["courier/tram.txt"]["cluster_size"] == 1
    assert cluster_sizes(Dataset.for_reading(str(output))) == {articles["courier/tram.txt"]["article_id"]: 2}
    (duplicate,) = table(output, "duplicates")
    assert duplicate["source_path"] == "globe/tram.txt"
    assert duplicate["canonical_id"] == articles["courier/tram.txt"]["article_id"]
    assert duplicate["method"] in ("near", "contained") and duplicate["similarity"] >= 0.5

    # Run 3: a longer copy (whole story plus a note) does not displace the stored canonical.
    write(tmp_path / "run3", "herald/tram.txt", text_dump("Tram to airport late", syndicated(TRAM), site="Herald"))
    third = run_ingest([tmp_path / "run3"], output)

    assert (third["articles"], third["duplicates"]) == (0, 1)
    later = {d["source_path"]: d for d in table(output, "duplicates")}
    assert later["herald/tram.txt"]["canonical_id"] == articles["courier/tram.txt"]["article_id"]
    assert {a["source_path"] for a in table(output, "articles")} == {"courier/tram.txt", "courier/library.txt"}
