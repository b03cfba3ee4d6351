"""--output as an fsspec URL: the same dataset on an object store as on a local disk.

``memory://`` (fsspec's in-process store) runs the whole flow in one process; ``s3://``
runs it against a real S3 API server on loopback (moto's server, with s3fs as the client,
as on AWS S3 or MinIO)."""

from __future__ import annotations

import urllib.request

import fsspec
import pytest

from storage.dataset import Dataset, DatasetLockedError
from tests.flows.test_dask import dataset_contents, dev_like_inbox

pytestmark = pytest.mark.slow


def test_memory_store_output_equals_local_output(run_ingest, tmp_path):
    inbox = dev_like_inbox(tmp_path)
    local = run_ingest([inbox], tmp_path / "local", workers=1, batch_size=3, dedup_block_rows=4)
    url = "memory://newsdedup-test/out"
    stored = run_ingest([inbox], url, workers=1, batch_size=3, dedup_block_rows=4)

    assert dataset_contents(url) == dataset_contents(tmp_path / "local")
    assert stored["duplicates"] == local["duplicates"] >= 10
    again = run_ingest([inbox], url, workers=1)  # a re-run adds nothing
    assert again["files_unchanged"] == again["files_read"] + again["files_unchanged"] > 0
    assert again["articles"] == again["duplicates"] == again["rejects"] == 0
    memory = fsspec.filesystem("memory")
    assert not memory.exists("/newsdedup-test/out/_lock")  # released
    assert not memory.find("/newsdedup-test/out/_staging")  # cleaned up


def test_a_store_lock_refuses_a_second_writer_and_is_released():
    url = "memory://newsdedup-lock/out"
    with (
        Dataset.open(url),
        pytest.raises(DatasetLockedError, match="delete memory://newsdedup-lock/out/_lock"),
        Dataset.open(url),
    ):
        pass
    with Dataset.open(url):  # free again
        pass


@pytest.fixture
def s3_bucket(monkeypatch):
    """A bucket on an S3 API server on a free loopback port; s3fs pointed at it."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ENDPOINT_URL": endpoint,
    }.items():
        monkeypatch.setenv(name, value)
    fsspec.config.conf["s3"] = {"client_kwargs": {"endpoint_url": endpoint}}
    # moto's state is per process, not per server: an earlier test's bucket is still there.
    urllib.request.urlopen(urllib.request.Request(f"{endpoint}/moto-api/reset", method="POST"), timeout=30).close()
    fsspec.filesystem("s3").invalidate_cache()
    fsspec.filesystem("s3").mkdir("news")
    yield "s3://news"
    fsspec.config.conf.pop("s3", None)
    server.stop()


def test_s3_output_equals_local_output(run_ingest, tmp_path, s3_bucket):
    inbox = dev_like_inbox(tmp_path)
    local = run_ingest([inbox], tmp_path / "local", workers=1, batch_size=3)
    url = f"{s3_bucket}/dataset"
    on_s3 = run_ingest([inbox], url, workers=1, batch_size=3)

    assert dataset_contents(url) == dataset_contents(tmp_path / "local")
    assert [on_s3[k] for k in ("articles", "duplicates", "rejects")] == [
        local[k] for k in ("articles", "duplicates", "rejects")
    ]
    s3 = fsspec.filesystem("s3")
    assert s3.exists("news/dataset/_manifest.json") and not s3.exists("news/dataset/_lock")


def test_s3_output_is_compacted_in_one_commit(s3_bucket):
    from benchmarks.year import simulate_year
    from storage.compact import compact

    url = f"{s3_bucket}/hourly"
    simulate_year(url, 5, articles=2, duplicates=1, rejects=1, words=20)  # five runs' small files

    def rows() -> dict[str, list]:
        dataset = Dataset.for_reading(url)
        return {table: dataset.read(table).to_pylist() for table in dataset.manifest.files}

    before = rows()
    summary = compact(url)
    assert {table: (c.files_before, c.files_after) for table, c in summary.tables.items()} == {
        table: (5, 1) for table in before
    }
    assert rows() == before
    s3 = fsspec.filesystem("s3")
    s3.invalidate_cache()
    on_s3 = {path.removeprefix("news/hourly/") for path in s3.find("news/hourly") if path.endswith(".parquet")}
    assert on_s3 == {name for names in Dataset.for_reading(url).manifest.files.values() for name in names}
    assert not s3.exists("news/hourly/_lock")
