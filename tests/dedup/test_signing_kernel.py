"""The numba signing kernel computes exactly what the plain numpy definition does."""

from __future__ import annotations

import numpy as np
import pytest
from datasketch import MinHash

from dedup.shingles import TokenHashes, fmix64
from dedup.signatures import SignatureSettings, sign_token_hashes


def numpy_signatures(token_hashes: TokenHashes, settings: SignatureSettings) -> tuple[np.ndarray, np.ndarray]:
    """The definition, one document at a time: fold each window of token hashes (FNV-1a style,
    then fmix64's upper half), keep the distinct ones, fmix32 them, min of ``a * h + b``."""
    a, b = MinHash(num_perm=settings.num_perm, seed=settings.seed, scheme=settings.scheme).permutations
    result = np.full((len(token_hashes), settings.num_perm), 0xFFFFFFFF, dtype=np.uint32)
    counts = np.zeros(len(token_hashes), dtype=np.int64)
    for doc in range(len(token_hashes)):
        hashes = token_hashes.of(doc)
        width = min(settings.shingle_size, len(hashes))
        if not width:
            continue
        windows = len(hashes) - width + 1
        folded = np.zeros(windows, dtype=np.uint64)
        for offset in range(width):
            folded = (folded ^ hashes[offset : offset + windows]) * np.uint64(0x100000001B3)
        h = np.unique((fmix64(folded) >> np.uint64(32)).astype(np.uint32))
        h ^= h >> np.uint32(16)
        h *= np.uint32(0x85EBCA6B)
        h ^= h >> np.uint32(13)
        h *= np.uint32(0xC2B2AE35)
        h ^= h >> np.uint32(16)
        result[doc] = (a[:, None] * h[None, :] + b[:, None]).min(axis=1)
        counts[doc] = len(h)
    return result, counts


def random_batch(rng: np.random.Generator, documents: int) -> TokenHashes:
    # Empty, one-token and shorter-than-a-shingle documents, long ones (the hash set grows),
    # and few distinct tokens (repeated shingles must count once).
    lengths = rng.choice([0, 1, 2, 3, 7, 40, 600, 3000], size=documents)
    vocabulary = rng.integers(0, 2**64, size=500, dtype=np.uint64)
    pieces = [vocabulary[rng.integers(0, rng.choice([2, 20, 500]), size=n)] for n in lengths]
    offsets = np.zeros(documents + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    return TokenHashes(np.concatenate(pieces) if pieces else np.empty(0, np.uint64), offsets)


@pytest.mark.parametrize(("num_perm", "seed", "shingle_size"), [(128, 1, 2), (7, 3, 1), (256, 42, 5)])
def test_kernel_equals_the_numpy_definition(num_perm, seed, shingle_size):
    settings = SignatureSettings(num_perm=num_perm, seed=seed, shingle_size=shingle_size)
    rng = np.random.default_rng(seed)
    for documents in (0, 1, 60):
        batch = random_batch(rng, documents)
        values, counts = sign_token_hashes(batch, settings)
        expected_values, expected_counts = numpy_signatures(batch, settings)
        np.testing.assert_array_equal(values, expected_values)
        np.testing.assert_array_equal(counts, expected_counts)


def test_documents_without_tokens_keep_the_empty_minhash():
    batch = TokenHashes(np.array([5, 6], dtype=np.uint64), np.array([0, 0, 1, 1, 2], dtype=np.int64))
    values, counts = sign_token_hashes(batch, SignatureSettings())
    assert (values[[0, 2]] == 0xFFFFFFFF).all()
    assert (values[[1, 3]] != 0xFFFFFFFF).any(axis=1).all()
    assert counts.tolist() == [0, 1, 0, 1]
