"""The partitioned dedup (band shuffle over signature blocks) decides exactly as the
per-document LSH reference, however the rows are cut into blocks and parts."""

from __future__ import annotations

import random

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from dedup.clusters import MatchRules
from dedup.partitioned import Banding, StoredStories, place_run
from dedup.signatures import SignatureSettings, sign_token_lists
from tests.dedup.test_batch_placement import corpus, reference_placements


def write_staged(path, docs, first_index: int, known_keys=()) -> None:
    """A staged file of ``docs`` (id, content hash, values, count), placed in list order."""
    n = len(docs)
    pq.write_table(
        pa.table(
            {
                "article_id": [d[0] for d in docs],
                "content_hash": [d[1] for d in docs],
                "word_count": [100] * n,  # equal: the order falls to source_path
                "record_key": [f"key-{d[0]}" for d in docs],
                "source_path": [f"doc{first_index + i:05d}" for i in range(n)],
                "source_record": [0] * n,
                "hashvalues": pa.FixedSizeListArray.from_arrays(
                    pa.array(np.array([d[2] for d in docs]).reshape(-1), pa.uint32()), len(docs[0][2])
                ),
                "shingle_count": [d[3] for d in docs],
            }
        ),
        path,
    )


def in_process(function, arguments):
    return [function(*args) for args in arguments]


@pytest.mark.parametrize(("block_rows", "parts"), [(7, 3), (25, 1), (1000, 5)])
def test_partitioned_placement_equals_per_document_lsh(tmp_path, block_rows, parts):
    settings = SignatureSettings(num_perm=64, shingle_size=2)
    rules = MatchRules(threshold=0.5, containment_threshold=0.6, min_containment_shingles=40)
    bands, rows = 21, 3
    texts = corpus(seed=block_rows)
    values, counts = sign_token_lists(texts, settings)
    docs = [(f"id{i:04d}", " ".join(t) or f"empty{i}", values[i], int(counts[i])) for i, t in enumerate(texts)]
    stored, batch = docs[:40], docs[40:]
    expected = reference_placements(settings, rules, bands, rows, stored, batch)

    signature_file = tmp_path / "signatures.parquet"
    write_staged(signature_file, stored, 0)
    staged = []
    for start in range(0, len(batch), 30):
        staged.append(str(tmp_path / f"staged-{start}.parquet"))
        write_staged(staged[-1], batch[start : start + 30], start)
    stored_stories = StoredStories(
        [str(signature_file)],
        pa.array([d[0] for d in stored]),
        pa.array([d[1] for d in stored]),
        pa.array([], pa.string()),
        pa.array([], pa.string()),
        pa.array([], pa.string()),
    )
    work = tmp_path / "work"
    work.mkdir()
    decisions = place_run(
        staged,
        stored_stories,
        Banding(settings.num_perm, bands, rows, parts, str(work)),
        rules,
        in_process,
        block_rows=block_rows,
    )
    got = pa.concat_tables(decisions.files)
    assert got["canonical_id"].to_pylist() == [p.canonical_id for p in expected]
    assert got["method"].to_pylist() == [p.method for p in expected]
    copies = [i for i, p in enumerate(expected) if p.canonical_id is not None]
    assert np.allclose(got["similarity"].to_numpy()[copies], [expected[i].similarity for i in copies])
    assert len(copies) > 30  # the corpus really has copies


def syndication(seed: int, copies=(1200, 1000), noise: int = 40):
    """Token lists: story A, and a shuffled run of ``copies`` lightly edited or cut copies of
    A and of story B that shares A's first half (their copies share LSH bands but are
    distinct stories: Jaccard ~0.33, containment ~0.5) among ``noise`` unrelated stories."""
    rng = random.Random(seed)
    vocabulary = [f"w{i}" for i in range(3000)]
    story_a = [rng.choice(vocabulary) for _ in range(300)]
    story_b = story_a[:150] + [rng.choice(vocabulary) for _ in range(150)]
    texts = [[rng.choice(vocabulary) for _ in range(rng.randint(50, 300))] for _ in range(noise)]
    for story, count in zip((story_a, story_b), copies, strict=True):
        for _ in range(count):
            text = list(story)
            if rng.random() < 0.3:
                text = text[: int(len(text) * rng.uniform(0.8, 1.0))]  # cut tail
            for _ in range(rng.randint(0, 6)):
                text[rng.randrange(len(text))] = rng.choice(vocabulary)  # copy edits
            texts.append(text)
    rng.shuffle(texts)
    return story_a, texts


def unrelated_stories(count: int):
    """Stored stories that nothing in ``syndication`` resembles (their own vocabulary)."""
    rng = random.Random(count)
    return [[f"x{rng.randrange(3000)}" for _ in range(200)] for _ in range(count)]


def place_docs(tmp_path, stored, batch, settings, rules, bands, rows, run_tasks, block_rows, parts):
    """``place_run`` over ``stored`` (one signature file) and ``batch`` (staged files)."""
    staged_paths, signature_files = [], []
    if stored:
        signature_files.append(str(tmp_path / "signatures.parquet"))
        write_staged(signature_files[0], stored, 0)
    for start in range(0, len(batch), 500):
        staged_paths.append(str(tmp_path / f"staged-{start}.parquet"))
        write_staged(staged_paths[-1], batch[start : start + 500], start)
    nothing = pa.array([], pa.string())
    stored_stories = StoredStories(
        signature_files,
        pa.array([d[0] for d in stored], pa.string()),
        pa.array([d[1] for d in stored], pa.string()),
        nothing,
        nothing,
        nothing,
    )
    work = tmp_path / "work"
    work.mkdir()
    banding = Banding(settings.num_perm, bands, rows, parts, str(work))
    return place_run(staged_paths, stored_stories, banding, rules, run_tasks, block_rows=block_rows)


def signed_docs(texts, settings, prefix="id"):
    values, counts = sign_token_lists(texts, settings)
    return [(f"{prefix}{i:05d}", " ".join(t), values[i], int(counts[i])) for i, t in enumerate(texts)]


SETTINGS = SignatureSettings(num_perm=64, shingle_size=2)
RULES = MatchRules(threshold=0.5, containment_threshold=0.6, min_containment_shingles=40)


def assert_placed_as_reference(decisions, expected):
    got = pa.concat_tables(decisions.files)
    assert got["canonical_id"].to_pylist() == [p.canonical_id for p in expected]
    assert got["method"].to_pylist() == [p.method for p in expected]
    assert got["similarity"].to_pylist() == [p.similarity if p.canonical_id else 0.0 for p in expected]


@pytest.mark.parametrize(("block_rows", "parts"), [(300, 4), (5000, 2)])
def test_two_big_clusters_sharing_bands_place_as_per_document_lsh(tmp_path, block_rows, parts):
    _, texts = syndication(seed=block_rows)
    stored = signed_docs(unrelated_stories(30), SETTINGS, prefix="old")
    batch = signed_docs(texts, SETTINGS)
    expected = reference_placements(SETTINGS, RULES, 21, 3, stored, batch)

    decisions = place_docs(tmp_path, stored, batch, SETTINGS, RULES, 21, 3, in_process, block_rows, parts)

    assert_placed_as_reference(decisions, expected)
    new_stories = sum(p.canonical_id is None for p in expected)
    assert len(batch) - new_stories > 2000  # the two stories' copies really merge...
    assert new_stories < 80  # ...into few canonicals
    # Each copy checks the few canonicals in its buckets (A's and B's), not its 2,000 bucket-mates.
    assert decisions.candidates <= 2 * len(batch)


def test_a_new_run_of_copies_of_a_stored_story_costs_one_pair_per_copy(tmp_path):
    story, _ = syndication(seed=7, copies=(0, 0), noise=0)
    rng = random.Random(8)
    copies = []
    for _ in range(1000):
        text = list(story)
        for _ in range(rng.randint(1, 6)):
            text[rng.randrange(len(text))] = f"edit{rng.randrange(100000)}"  # distinct: never exact
        copies.append(text)
    stored = signed_docs([story, *unrelated_stories(20)], SETTINGS, prefix="old")
    batch = signed_docs(copies, SETTINGS, prefix="new")
    expected = reference_placements(SETTINGS, RULES, 21, 3, stored, batch)

    decisions = place_docs(tmp_path, stored, batch, SETTINGS, RULES, 21, 3, in_process, 256, 3)

    assert_placed_as_reference(decisions, expected)
    assert {p.canonical_id for p in expected} == {stored[0][0]}
    assert decisions.candidates == len(copies)


@pytest.mark.slow
def test_big_clusters_on_dask_place_as_in_process(tmp_path):
    from distributed import Client, LocalCluster

    from newsdedup.workers import DaskPool

    _, texts = syndication(seed=3)
    stored = signed_docs(unrelated_stories(30), SETTINGS, prefix="old")
    batch = signed_docs(texts, SETTINGS)
    expected = reference_placements(SETTINGS, RULES, 21, 3, stored, batch)
    with (
        LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None) as c,
        Client(c) as client,
    ):
        (tmp_path / "dask").mkdir()
        on_dask = place_docs(tmp_path / "dask", stored, batch, SETTINGS, RULES, 21, 3, DaskPool(client).map, 400, 3)
    (tmp_path / "local").mkdir()
    local = place_docs(tmp_path / "local", stored, batch, SETTINGS, RULES, 21, 3, in_process, 400, 3)

    assert_placed_as_reference(on_dask, expected)
    assert on_dask.candidates == local.candidates <= 2 * len(batch)
