"""The partitioned dedup (band shuffle over signature blocks) decides exactly as the
per-document LSH reference, however the rows are cut into blocks and parts."""

from __future__ import annotations

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
