"""MinHash signatures of many documents at once, bit-compatible with datasketch 2.0.

The per-shingle work is vectorised with numpy over a whole batch of documents: token hashes
come from ``dedup.shingles.hash_texts`` (no Python string per token), shingle hashes are
folded from token hashes, duplicates are removed with one sort, and the affine32 permutations
of datasketch are applied to blocks of shingles. ``shingle_hash32`` is the same shingle hash
as a datasketch ``hashfunc``, so

    MinHash(num_perm, seed=seed, scheme="affine32", hashfunc=shingle_hash32)
        .update_batch([s.encode() for s in shingles(tokens, k)])

has exactly the hash values ``sign_token_lists`` computes (the tests check it).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from datasketch import LeanMinHash, MinHash

from dedup.shingles import TOKEN_HASH_VERSION, TokenHashes, fmix64, hash_token_lists

#: The datasketch permutation scheme used; stored with the signatures.
SCHEME = "affine32"
#: Version of the shingle hash below; bump if it ever changes (stored signatures then differ).
SHINGLE_HASH_VERSION = f"{TOKEN_HASH_VERSION}-fold-v2"

_FOLD_PRIME = np.uint64(0x100000001B3)  # FNV-1a 64-bit prime
_MASK32 = np.uint64(0xFFFFFFFF)
#: Shingles permuted per numpy step: keeps the (num_perm x shingles) scratch array (1 MiB)
#: within the CPU's L2 cache (measured: 2048 is ~20% faster than 8192 and ~3x faster than
#: 32768; a block holds whole documents, so much smaller blocks hold one and are slower).
_SHINGLES_PER_STEP = 2048


@dataclass(frozen=True)
class SignatureSettings:
    """Everything that determines a signature. Signatures made with other settings are not
    comparable; the settings are stored in the Parquet metadata of the signatures table."""

    num_perm: int = 128
    seed: int = 1
    shingle_size: int = 3
    scheme: str = SCHEME

    def as_metadata(self) -> dict[bytes, bytes]:
        return {
            b"newsdedup.num_perm": str(self.num_perm).encode(),
            b"newsdedup.seed": str(self.seed).encode(),
            b"newsdedup.shingle_size": str(self.shingle_size).encode(),
            b"newsdedup.scheme": self.scheme.encode(),
            b"newsdedup.shingle_hash": SHINGLE_HASH_VERSION.encode(),
        }

    @classmethod
    def from_metadata(cls, metadata: dict[bytes, bytes]) -> SignatureSettings:
        if metadata.get(b"newsdedup.shingle_hash", b"").decode() != SHINGLE_HASH_VERSION:
            raise ValueError("stored signatures were made with another shingle hash")
        return cls(
            num_perm=int(metadata[b"newsdedup.num_perm"]),
            seed=int(metadata[b"newsdedup.seed"]),
            shingle_size=int(metadata[b"newsdedup.shingle_size"]),
            scheme=metadata[b"newsdedup.scheme"].decode(),
        )


def _fold(token_hashes: np.ndarray, size: int) -> np.ndarray:
    """32-bit hashes of every window of ``size`` token hashes (one window if fewer)."""
    n = len(token_hashes)
    width = min(size, n)
    count = n - width + 1
    folded = np.zeros(count, dtype=np.uint64)
    for offset in range(width):
        folded = (folded ^ token_hashes[offset : offset + count]) * _FOLD_PRIME
    return (fmix64(folded) >> np.uint64(32)).astype(np.uint32)


def shingle_hash32(shingle: bytes) -> int:
    """The shingle hash as a datasketch ``hashfunc`` (input: tokens joined by one space)."""
    tokens = shingle.decode().split(" ")
    return int(_fold(hash_token_lists([tokens]).hashes, len(tokens))[0])


@lru_cache(maxsize=8)
def _permutations(num_perm: int, seed: int, scheme: str) -> tuple[np.ndarray, np.ndarray]:
    a, b = MinHash(num_perm=num_perm, seed=seed, scheme=scheme).permutations
    return a.reshape(1, -1), b.reshape(1, -1)


def _fmix32(h: np.ndarray) -> np.ndarray:
    h = h ^ (h >> np.uint32(16))
    h = h * np.uint32(0x85EBCA6B)
    h = h ^ (h >> np.uint32(13))
    h = h * np.uint32(0xC2B2AE35)
    return h ^ (h >> np.uint32(16))


def _batch_shingles(token_hashes: TokenHashes, size: int) -> tuple[np.ndarray, np.ndarray]:
    """Distinct shingle hashes of every document of a batch, computed in one numpy pass.

    Returns ``(doc_index, hashes)``: parallel arrays sorted by document, then hash.
    """
    all_hashes, offsets = token_hashes.hashes, token_hashes.offsets
    lengths = np.diff(offsets)
    if not len(all_hashes):
        return np.empty(0, np.int64), np.empty(0, np.uint32)
    doc_of_token = np.repeat(np.arange(len(lengths), dtype=np.int64), lengths)
    parts_doc, parts_hash = [], []
    if len(all_hashes) >= size:
        folded = _fold(all_hashes, size)
        starts = np.arange(len(folded))
        inside = doc_of_token[starts] == doc_of_token[starts + size - 1]  # window within one doc
        parts_doc.append(doc_of_token[starts[inside]])
        parts_hash.append(folded[inside])
    # Documents shorter than one shingle are a single shingle of all their tokens.
    for doc in np.flatnonzero((lengths > 0) & (lengths < size)):
        parts_doc.append(np.array([doc], dtype=np.int64))
        parts_hash.append(_fold(token_hashes.of(doc), size))
    keys = np.sort(
        (np.concatenate(parts_doc).astype(np.uint64) << np.uint64(32)) | np.concatenate(parts_hash).astype(np.uint64)
    )
    keys = keys[np.r_[True, keys[1:] != keys[:-1]]]
    return (keys >> np.uint64(32)).astype(np.int64), (keys & _MASK32).astype(np.uint32)


def sign_token_lists(
    token_lists: Sequence[Sequence[str]], settings: SignatureSettings
) -> tuple[np.ndarray, np.ndarray]:
    """MinHash hash values of documents already split into tokens (any tokeniser's):
    ``sign_token_hashes`` of their ``hash_token_lists``."""
    return sign_token_hashes(hash_token_lists(token_lists), settings)


def sign_token_hashes(token_hashes: TokenHashes, settings: SignatureSettings) -> tuple[np.ndarray, np.ndarray]:
    """MinHash hash values of many documents.

    Args:
        token_hashes: each document's token hashes (``shingles.hash_texts``).
        settings: permutations, seed and shingle size.

    Returns:
        ``(hashvalues, shingle_counts)``: a ``(len(token_hashes), num_perm)`` uint32 array
        (all 2**32-1 for a document without tokens, as datasketch's empty MinHash) and the
        number of distinct shingles per document (for containment estimates).
    """
    if settings.scheme != SCHEME:
        raise ValueError(f"only the {SCHEME} scheme is supported, not {settings.scheme!r}")
    a, b = _permutations(settings.num_perm, settings.seed, settings.scheme)
    result = np.full((len(token_hashes), settings.num_perm), np.uint32(0xFFFFFFFF), dtype=np.uint32)
    docs, hashes = _batch_shingles(token_hashes, settings.shingle_size)
    counts = np.bincount(docs, minlength=len(token_hashes)).astype(np.int64)
    mixed = _fmix32(hashes)
    # Permute a block of shingles at a time (bounded scratch memory); blocks end at doc edges.
    starts = np.flatnonzero(np.r_[True, docs[1:] != docs[:-1]]) if len(docs) else np.empty(0, np.int64)
    a_column, b_column = a.reshape(-1, 1), b.reshape(-1, 1)
    scratch = np.empty((settings.num_perm, _SHINGLES_PER_STEP), dtype=np.uint32)
    block_start = 0
    while block_start < len(starts):
        block_end = block_start + 1
        first = starts[block_start]
        while block_end < len(starts) and starts[block_end] - first < _SHINGLES_PER_STEP:
            block_end += 1
        last = starts[block_end] if block_end < len(starts) else len(docs)
        # (num_perm, shingles) in a reused cache-sized buffer: reducing along the contiguous
        # axis, without temporaries, is about three times faster than the naive broadcast.
        if scratch.shape[1] < last - first:
            scratch = np.empty((settings.num_perm, last - first), dtype=np.uint32)
        permuted = scratch[:, : last - first]
        np.multiply(a_column, mixed[first:last], out=permuted)
        np.add(permuted, b_column, out=permuted)
        result[docs[starts[block_start:block_end]]] = np.minimum.reduceat(
            permuted, starts[block_start:block_end] - first, axis=1
        ).T
        block_start = block_end
    return result, counts


def to_minhash(hashvalues: np.ndarray, settings: SignatureSettings) -> LeanMinHash:
    """A datasketch ``LeanMinHash`` holding stored hash values (for LSH and ``jaccard``)."""
    return LeanMinHash(seed=settings.seed, hashvalues=hashvalues, scheme=settings.scheme)
