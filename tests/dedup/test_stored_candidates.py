"""A run is placed against the stored stories it can meet only (``stored_candidates``), and
decides exactly as against every stored story."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime

import pyarrow as pa

from benchmarks.synthetic import generate
from dedup.stage import load_stored_stories, stored_candidates
from newsdedup.config import IngestConfig
from newsdedup.pipeline import (
    batches,
    place_batches,
    select_changed_inputs,
    stage_batch,
    with_known_records,
)
from newsdedup.workers import WorkerPool
from parsers.discover import discover_inputs
from storage.dataset import Dataset
from tests.storage.crash_run import ingest


def test_placing_against_the_candidates_decides_as_against_every_stored_story(tmp_path):
    generate(str(tmp_path / "corpus"), 700, seed=11, copies="syndication")
    docs = sorted((tmp_path / "corpus" / "docs").rglob("*.txt"))
    stored_dir, later = tmp_path / "stored", tmp_path / "later"
    for index, path in enumerate(docs):
        target = (stored_dir if index < 500 else later) / path.name
        target.parent.mkdir(exist_ok=True)
        shutil.copy(path, target)
    for index, path in enumerate(docs[:500:10]):  # exact copies of stored stories and stored duplicates
        shutil.copy(path, later / f"again-{index}.txt")
    shutil.copy(docs[3], later / docs[3].name)  # a known record (same path, same bytes): skipped
    output = tmp_path / "out"
    ingest([str(stored_dir)], str(output))

    config = IngestConfig(workers=1)
    with Dataset.open(str(output)) as dataset:
        files, _ = select_changed_inputs(dataset, discover_inputs([str(later)]))
        staging = dataset.staging_dir("check")
        started = datetime.now(UTC)
        staged = [stage_batch(b, n, staging, "check", started, config) for n, b in enumerate(batches(files, 60))]
        pool = WorkerPool()
        paths = [s.documents_path for s in staged]
        every = with_known_records(dataset, load_stored_stories(dataset, config.dedup), staged)
        candidates = with_known_records(dataset, stored_candidates(dataset, config.dedup, paths, staging), staged)
        by_every = place_batches(staged, every, config, f"{staging}/every", pool)
        by_candidates = place_batches(staged, candidates, config, f"{staging}/candidates", pool)
        stored = dataset.count("signatures")

    decided = pa.concat_tables(by_candidates.files)
    assert decided.equals(pa.concat_tables(by_every.files))
    assert by_candidates.candidates == by_every.candidates
    methods = decided["method"].to_pylist()
    assert methods.count("exact") >= 50 and methods.count("near") + methods.count("contained") > 0
    assert methods.count("known") == 1 and methods.count("") > 0
    # Only the stored stories the run can meet were read into the placement.
    assert 0 < len(candidates.article_ids) < stored / 2 == len(every.article_ids) / 2
