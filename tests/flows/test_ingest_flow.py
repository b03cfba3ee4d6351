"""The whole ingest flow on the seeds and small fixtures: what lands in the Parquet."""

from __future__ import annotations

import gzip
import json
import os
import shutil

import pyarrow.dataset as ds
import pytest

from tests.conftest import SEEDS
from tests.fixtures.pages import FERRY, FERRY_TITLE, ORCHARD, ORCHARD_TITLE, html_page, single_line_dump, text_dump

SEED_TITLES = {
    "000_29ba8e55fe1d1bfc.txt": "Amid growing frustration, Foreign Minister Taro Kono tells U.S. "
    "counterpart Mike Pompeo of desire for talks with North",
    "003_809269d57f52441b.txt": "Kono hurries to meet Pompeo as Iran casts shadow on Asia diplomacy",
}


def read(output, table):
    return ds.dataset(output / table, format="parquet", partitioning="hive").to_table()


def rows(output, table):
    return sorted(read(output, table).to_pylist(), key=lambda r: (r["source_path"], r["source_record"]))


def test_seeds_become_two_clean_articles_and_one_syndicated_copy(run_ingest, tmp_path):
    summary = run_ingest([SEEDS], tmp_path / "out")

    assert (summary["files_read"], summary["articles"], summary["duplicates"], summary["rejects"]) == (3, 2, 1, 0)
    articles = rows(tmp_path / "out", "articles")
    assert {a["source_path"]: a["title"] for a in articles} == SEED_TITLES
    first, second = articles
    assert first["section"] == "National / Politics"
    assert first["text"].startswith("Foreign Minister Taro Kono has conveyed to U.S. Secretary of State")
    assert first["text"].endswith("the Middle East, Europe and Africa.")
    assert second["text"].startswith("TOKYO — The top Japanese and U.S. diplomats agreed in Jordan")
    assert second["text"].endswith("Kono appears to have received details of their talks.")
    for article in articles:
        text = article["text"]
        assert "PRINT" not in text and "National / Politics" not in text
        assert "Trending" not in text and "COVID-19" not in text and "•" not in text
        assert "\n\n" in text  # paragraphs separated by blank lines
        assert article["format"] == "txt" and article["source_record"] == 0
        assert article["word_count"] > 300
        assert article["article_id"] == article["content_hash"][:16]
    assert (first["cluster_size"], second["cluster_size"]) == (2, 1)

    # Seed 007 is seed 000 as another site ran it: its own chrome, headline and dateline, a cut tail.
    (copy,) = rows(tmp_path / "out", "duplicates")
    assert copy["source_path"] == "007_25c652977c5c76e0.txt"
    assert (copy["canonical_id"], copy["method"]) == (first["article_id"], "near")
    assert copy["title"] == "Japan wants direct talks with Pyongyang on abductions, Kono tells Pompeo"
    assert copy["text"].startswith("SINGAPORE (Kyodo) — Foreign Minister Taro Kono has conveyed")
    for chrome in ("Share on", "Most Viewed", "Harbour Post", "ADVERTISEMENT", "Subscribe", "Privacy"):
        assert chrome not in copy["text"]


def test_every_record_lands_in_exactly_one_table(run_ingest, tmp_path):
    inbox = tmp_path / "inbox"
    (inbox / "site-a").mkdir(parents=True)
    (inbox / "site-b").mkdir()
    (inbox / "site-a" / "ferry.txt").write_text(text_dump(FERRY_TITLE, FERRY))
    # The same story syndicated: other site chrome, new headline, re-wrapped, straight quotes.
    copy = [p.replace("\u201c", '"').replace("\u201d", '"') for p in FERRY]
    (inbox / "site-b" / "ferry-copy.txt").write_text(
        text_dump("Council backs harbour ferry plan", copy, section="Transport", width=72, site="North Star")
    )
    # An exact copy (same text, another page) and a gzip-compressed HTML page of another story.
    (inbox / "site-b" / "ferry-again.txt").write_text(text_dump(FERRY_TITLE, FERRY, site="Metro"))
    with gzip.open(inbox / "site-a" / "orchard.html.gz", "wt", encoding="utf-8") as handle:
        handle.write(html_page(ORCHARD_TITLE, ORCHARD))
    (inbox / "site-a" / "empty.txt").write_text("")
    (inbox / "site-a" / "photo.html").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8)
    (inbox / "site-b" / "menu-only.txt").write_text("\n".join(f"  • Item {i}" for i in range(30)))
    compressed = gzip.compress(text_dump(ORCHARD_TITLE, ORCHARD).encode())
    (inbox / "site-b" / "broken.txt.gz").write_bytes(compressed[: len(compressed) // 2])
    output = tmp_path / "out"

    summary = run_ingest([inbox], output)

    articles, duplicates, rejects = rows(output, "articles"), rows(output, "duplicates"), rows(output, "rejects")
    assert summary["files_read"] == 8
    assert len(articles) + len(duplicates) + len(rejects) == 8
    assert {a["source_path"] for a in articles} == {"site-a/ferry.txt", "site-a/orchard.html.gz"}
    ferry = next(a for a in articles if a["source_path"] == "site-a/ferry.txt")
    assert ferry["cluster_size"] == 3 and ferry["title"] == FERRY_TITLE
    orchard = next(a for a in articles if a["format"] == "html")
    assert orchard["title"] == ORCHARD_TITLE
    assert orchard["url"].startswith("https://evening-post.example/")
    assert orchard["published"].isoformat().startswith("2026-03-10T08:30")
    assert "Most read" not in orchard["text"] and "do not run" not in orchard["text"]
    by_path = {d["source_path"]: d for d in duplicates}
    assert set(by_path) == {"site-b/ferry-copy.txt", "site-b/ferry-again.txt"}
    assert by_path["site-b/ferry-again.txt"]["method"] == "exact"
    assert by_path["site-b/ferry-again.txt"]["similarity"] == 1.0
    assert by_path["site-b/ferry-copy.txt"]["method"] in ("exact", "near", "contained")
    assert all(d["canonical_id"] == ferry["article_id"] for d in duplicates)
    assert all(d["text"] for d in duplicates)  # set aside, never thrown away
    reasons = {r["source_path"]: r["reason"] for r in rejects}
    assert reasons == {
        "site-a/empty.txt": "empty",
        "site-a/photo.html": "binary",
        "site-b/menu-only.txt": "no_article",
        "site-b/broken.txt.gz": "corrupt_gzip",
    }
    assert all(r["detail"] for r in rejects)


def test_rerun_adds_nothing_and_later_copies_join_stored_stories(run_ingest, tmp_path):
    inbox, output = tmp_path / "inbox", tmp_path / "out"
    inbox.mkdir()
    (inbox / "ferry.txt").write_text(text_dump(FERRY_TITLE, FERRY))
    (inbox / "junk.txt").write_text("")
    first = run_ingest([inbox], output)
    assert (first["articles"], first["rejects"]) == (1, 1)

    again = run_ingest([inbox], output)
    assert (again["articles"], again["duplicates"], again["rejects"], again["files_unchanged"]) == (0, 0, 0, 2)
    assert again["files_read"] == 0  # only new work: unchanged inputs are not even read
    assert read(output, "articles").num_rows == 1 and read(output, "rejects").num_rows == 1
    assert read(output, "runs").num_rows == 2

    # Run 3: a copy of the stored story and a new story arrive.
    (inbox / "ferry-syndicated.txt").write_text(text_dump("Ferry route gets the go-ahead", FERRY[:-1], site="Globe"))
    (inbox / "orchard.txt").write_text(text_dump(ORCHARD_TITLE, ORCHARD))
    (inbox / "junk.txt").write_text("")  # rewritten with the same content: read, recognised, skipped
    third = run_ingest([inbox], output)
    assert (third["articles"], third["duplicates"], third["files_unchanged"], third["skipped_known"]) == (1, 1, 1, 1)
    articles = {a["source_path"]: a for a in rows(output, "articles")}
    assert set(articles) == {"ferry.txt", "orchard.txt"}
    # The stored article's file is not rewritten: its story's new size is a clusters/ row.
    assert articles["ferry.txt"]["cluster_size"] == 1
    (grown,) = read(output, "clusters").to_pylist()
    assert (grown["article_id"], grown["copies_added"], grown["cluster_size"]) == (
        articles["ferry.txt"]["article_id"],
        1,
        2,
    )
    (duplicate,) = rows(output, "duplicates")
    assert duplicate["canonical_id"] == articles["ferry.txt"]["article_id"]
    assert duplicate["source_path"] == "ferry-syndicated.txt"


def test_a_file_from_another_folder_with_the_same_name_size_and_time_is_read(run_ingest, tmp_path):
    (tmp_path / "a").mkdir(), (tmp_path / "c").mkdir()
    first, second = tmp_path / "a" / "story.txt", tmp_path / "c" / "story.txt"
    texts = [text_dump(FERRY_TITLE, FERRY).encode(), text_dump(ORCHARD_TITLE, ORCHARD).encode()]
    width = max(map(len, texts))
    first.write_bytes(texts[0].ljust(width, b"\n"))  # the same size: padded with blank lines
    second.write_bytes(texts[1].ljust(width, b"\n"))
    os.utime(second, ns=(first.stat().st_atime_ns, first.stat().st_mtime_ns))
    assert (first.stat().st_size, first.stat().st_mtime_ns) == (second.stat().st_size, second.stat().st_mtime_ns)
    output = tmp_path / "out"

    run_ingest([tmp_path / "a"], output)
    later = run_ingest([tmp_path / "c"], output)

    assert (later["files_read"], later["files_unchanged"], later["articles"]) == (1, 0, 1)
    titles = {a["title"] for a in rows(output, "articles")}
    assert titles == {FERRY_TITLE, ORCHARD_TITLE}
    ledger = read(output, "inputs").to_pylist()
    assert sorted(r["path"] for r in ledger) == sorted(os.path.realpath(p) for p in (first, second))
    assert {r["source_path"] for r in ledger} == {"story.txt"}


def test_a_file_name_that_is_not_utf8_is_stored_printable(run_ingest, tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    with open(os.path.join(os.fsencode(inbox), b"caf\xe9-ferry.txt"), "w", encoding="utf-8") as handle:
        handle.write(text_dump(FERRY_TITLE, FERRY))
    (inbox / "empty\u00e9.txt").write_text("")  # a UTF-8 name stays as it is

    summary = run_ingest([inbox], tmp_path / "out")

    assert (summary["articles"], summary["rejects"]) == (1, 1)
    (article,) = rows(tmp_path / "out", "articles")
    assert article["source_path"] == "caf\\xe9-ferry.txt" and article["title"] == FERRY_TITLE
    assert rows(tmp_path / "out", "rejects")[0]["source_path"] == "empty\u00e9.txt"
    again = run_ingest([inbox], tmp_path / "out")  # the ledger knows the file by its printable path
    assert (again["files_read"], again["files_unchanged"]) == (0, 2)


def test_a_dangling_link_is_rejected_on_every_run_but_not_listed_in_the_ledger(run_ingest, tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "ferry.txt").write_text(text_dump(FERRY_TITLE, FERRY))
    (inbox / "gone.txt").symlink_to(tmp_path / "nowhere.txt")

    first = run_ingest([inbox], tmp_path / "out")
    again = run_ingest([inbox], tmp_path / "out")

    assert (first["articles"], first["rejects"]) == (1, 1)
    assert (again["files_read"], again["files_unchanged"], again["skipped_known"]) == (1, 1, 1)
    assert [r["source_path"] for r in read(tmp_path / "out", "inputs").to_pylist()] == ["ferry.txt"]
    assert read(tmp_path / "out", "rejects").num_rows == 1


@pytest.mark.parametrize(
    ("parameters", "message"),
    [
        ({"seed": -1}, "seed must be between 0 and 2**32 - 1"),
        ({"bands": -2, "rows": -3}, "bands and rows must be positive, bands x rows at most num_perm (128)"),
        ({"containment_stderrs": float("nan")}, "containment_stderrs must be between 0 and 10.0"),
        ({"jsonl_fields": {"body": "text"}}, "jsonl_fields: unknown keys body (known: url, title, text, html, date)"),
        ({"max_words": 0}, "max_words must be positive"),
        ({"max_words": -1, "batch_size": 0}, "batch_size and max_words must be positive"),
    ],
)
def test_a_flow_run_with_a_bad_parameter_fails_before_any_work(run_ingest, tmp_path, parameters, message):
    with pytest.raises(ValueError) as raised:
        run_ingest([SEEDS], tmp_path / "out", **parameters)
    assert str(raised.value) == f"bad parameter: {message}"
    assert not (tmp_path / "out").exists()


def test_changed_dedup_settings_on_existing_output_are_refused(run_ingest, tmp_path):
    from storage.dataset import DatasetError

    shutil.copytree(SEEDS, tmp_path / "in")
    run_ingest([tmp_path / "in"], tmp_path / "out")
    with pytest.raises(DatasetError, match="num_perm"):
        run_ingest([tmp_path / "in"], tmp_path / "out", num_perm=64)


def test_an_output_signed_with_an_older_shingle_hash_is_brought_forward_or_refused(run_ingest, tmp_path):
    import json

    from dedup.signatures import SHINGLE_HASH_VERSION
    from storage.dataset import DatasetError

    shutil.copytree(SEEDS, tmp_path / "in")
    run_ingest([tmp_path / "in"], tmp_path / "out")
    manifest_path = tmp_path / "out" / "_manifest.json"

    def signed_with(shingle_hash: str) -> None:
        manifest = json.loads(manifest_path.read_text())
        manifest["signature_settings"]["newsdedup.shingle_hash"] = shingle_hash
        manifest_path.write_text(json.dumps(manifest))

    # As an output written before characters of scripts without spaces became tokens: its
    # texts have none, so its signatures are this version's, and the next run records so.
    signed_with("poly64-fmix64-v2-fold-v2")
    (tmp_path / "in" / "more.txt").write_text("A new file: the second run has a record to place.\n")
    assert run_ingest([tmp_path / "in"], tmp_path / "out")["articles"] == 1
    assert json.loads(manifest_path.read_text())["signature_settings"]["newsdedup.shingle_hash"] == SHINGLE_HASH_VERSION
    # A hash no text is signed alike with: refused, nothing written.
    signed_with("poly64-fmix64-v1")
    before = manifest_path.read_bytes()
    (tmp_path / "in" / "more-still.txt").write_text("Another new file, so the third run has a record to place.\n")
    with pytest.raises(DatasetError, match="shingle hash 'poly64-fmix64-v1'.*new output directory$"):
        run_ingest([tmp_path / "in"], tmp_path / "out")
    assert manifest_path.read_bytes() == before


def test_a_run_publishes_its_summary_and_largest_clusters_as_artifacts(prefect_server, tmp_path):
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId, FlowRunFilter, TaskRunFilter
    from prefect.client.schemas.sorting import ArtifactSort

    from flows.ingest import ingest_flow

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "ferry.txt").write_text(text_dump(FERRY_TITLE, FERRY))
    (inbox / "ferry-copy.txt").write_text(text_dump("Ferry plan approved", FERRY[:-1], site="Globe", width=80))
    (inbox / "empty.txt").write_text("")
    state = ingest_flow(inputs=[str(inbox)], output=str(tmp_path / "out"), return_state=True)
    run_id = state.state_details.flow_run_id

    with get_client(sync_client=True) as client:
        artifacts = client.read_artifacts(  # every argument given: the sync client sends null for any left out
            artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[run_id])),
            flow_run_filter=FlowRunFilter(),
            task_run_filter=TaskRunFilter(),
            sort=ArtifactSort.CREATED_DESC,
            limit=10,
            offset=0,
        )
    by_key = {a.key: a for a in artifacts}
    assert set(by_key) == {"ingest-summary", "largest-duplicate-clusters"}
    summary = by_key["ingest-summary"].data
    assert "| articles kept | 1 |" in summary and "| duplicates set aside | 1 |" in summary
    assert "| empty | 1 |" in summary and "| duplicate rate | 50.0% |" in summary
    (cluster,) = json.loads(by_key["largest-duplicate-clusters"].data)
    assert cluster["canonical title"] == FERRY_TITLE and cluster["cluster size"] == 2
    assert cluster["copies from this run"] == "ferry-copy.txt"


def test_an_empty_inbox_is_a_quiet_run_not_a_failure(run_ingest, tmp_path):
    (tmp_path / "inbox").mkdir()
    summary = run_ingest([tmp_path / "inbox"], tmp_path / "out")
    assert (summary["files_read"], summary["articles"], summary["rejects"]) == (0, 0, 0)
    assert read(tmp_path / "out", "runs").num_rows == 1
    assert read(tmp_path / "out", "articles").num_rows == 0  # the table exists, with its schema


@pytest.mark.slow  # two whole runs, one on a local Dask cluster
def test_two_workers_give_the_single_worker_result(run_ingest, tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for number in range(6):  # several batches, so both workers get some
        (inbox / f"ferry-{number}.txt").write_text(
            text_dump(FERRY_TITLE, FERRY[: 3 + number % 4], site=f"Site {number}")
        )
        (inbox / f"orchard-{number}.txt").write_text(text_dump(ORCHARD_TITLE, ORCHARD[number % 2 :], width=70 + number))
    shutil.copytree(SEEDS, inbox / "seeds")

    def outcome(workers):
        output = tmp_path / f"out-{workers}"
        run_ingest([inbox], output, workers=workers, batch_size=3)
        articles = {(a["source_path"], a["article_id"], a["cluster_size"], a["text"]) for a in rows(output, "articles")}
        duplicates = {
            (d["source_path"], d["canonical_id"], d["method"], d["similarity"]) for d in rows(output, "duplicates")
        }
        return articles, duplicates

    single, parallel = outcome(1), outcome(2)
    assert single == parallel
    assert len(single[0]) >= 3 and len(single[1]) >= 6


def test_files_of_other_types_are_counted_and_an_overlong_article_is_a_reject(run_ingest, tmp_path):
    inbox = tmp_path / "inbox"
    shutil.copytree(SEEDS, inbox)
    (inbox / "site-b").mkdir()
    (inbox / "site-b" / "ferry.html").write_text(html_page(FERRY_TITLE, FERRY))
    for name in ("scan-1.pdf", "scan-2.pdf", "site-b/scan-3.pdf"):
        (inbox / name).write_bytes(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n")
    for name in ("prices.csv", "site-b/votes.csv"):
        (inbox / name).write_text("ward,votes\nnorth,1204\nsouth,998\n")
    (inbox / "archive-dump.txt").write_text(single_line_dump(470_000))  # 2.6 MB on one line
    assert 2_500_000 < (inbox / "archive-dump.txt").stat().st_size < 2_700_000

    summary = run_ingest([inbox], tmp_path / "out")

    assert summary["other_types"] == {".pdf": 3, ".csv": 2}
    # The three seeds (two stories and a syndicated copy), the HTML page and the overlong dump.
    assert (summary["files_read"], summary["articles"], summary["duplicates"], summary["rejects"]) == (5, 3, 1, 1)
    assert summary["rejects_by_reason"] == {"too_long": 1}
    [reject] = rows(tmp_path / "out", "rejects")
    text_length = len(single_line_dump(470_000))
    assert (reject["source_path"], reject["reason"]) == ("archive-dump.txt", "too_long")
    assert reject["detail"] == f"470,000 words ({text_length:,} characters) of text, over the 50,000-word limit"
    assert "archive-dump.txt" not in {a["source_path"] for a in rows(tmp_path / "out", "articles")}
    [run] = read(tmp_path / "out", "runs").to_pylist()
    assert (run["files_other_types"], run["other_types"]) == (5, [(".pdf", 3), (".csv", 2)])

    # The limit is a setting: raised, the same dump is one (very long) article.
    (tmp_path / "dump-only").mkdir()
    shutil.copy(inbox / "archive-dump.txt", tmp_path / "dump-only")
    summary = run_ingest([tmp_path / "dump-only"], tmp_path / "out-2", max_words=470_000)
    assert (summary["articles"], summary["rejects"], summary["other_types"]) == (1, 0, {})
    [article] = rows(tmp_path / "out-2", "articles")
    assert article["word_count"] == 470_000
    [run] = read(tmp_path / "out-2", "runs").to_pylist()
    assert (run["files_other_types"], run["other_types"]) == (0, [])
