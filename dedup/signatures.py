"""MinHash signatures of many documents at once, bit-compatible with datasketch 2.0.

Token hashes come from ``dedup.shingles.hash_texts`` (no Python string per token); one
numba kernel then folds each document's shingle hashes from them, drops repeated shingles
with a small hash set and applies the affine32 permutations of datasketch, the loop over
permutations innermost so that it runs in SIMD registers. ``shingle_hash32`` is the same
shingle hash as a datasketch ``hashfunc``, so

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
from numba import njit

from dedup.shingles import TOKEN_HASH_VERSION, TokenHashes, fmix64, hash_token_lists

#: The datasketch permutation scheme used; stored with the signatures.
SCHEME = "affine32"
#: Version of the shingle hash below; bump if it ever changes (stored signatures then differ).
SHINGLE_HASH_VERSION = f"{TOKEN_HASH_VERSION}-fold-v2"
#: Earlier shingle hash versions that sign every text without a character token
#: (``dedup.shingles.has_character_tokens``) exactly as this one does: v2's tokens were the
#: ``\w+`` runs, v3 only splits runs of the scripts written without spaces. The stored
#: signatures of an output whose stored texts have none are this version's: ``newsdedup
#: upgrade`` records so (``dedup.stage.signature_settings_brought_forward``).
SAME_WITHOUT_CHARACTER_TOKENS = ("poly64-fmix64-v2-fold-v2",)

_FOLD_PRIME = np.uint64(0x100000001B3)  # FNV-1a 64-bit prime


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
    return MinHash(num_perm=num_perm, seed=seed, scheme=scheme).permutations


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
    counts = np.zeros(len(token_hashes), dtype=np.int64)
    _sign_kernel(token_hashes.hashes, token_hashes.offsets, settings.shingle_size, a, b, result, counts)
    return result, counts


@njit(cache=True)
def _sign_kernel(
    hashes: np.ndarray,
    offsets: np.ndarray,
    size: int,
    a: np.ndarray,
    b: np.ndarray,
    result: np.ndarray,
    counts: np.ndarray,
) -> None:
    """Fills ``result`` (rows preset to 2**32-1) and ``counts`` for every document of
    ``offsets``: ``_fold``'s shingle hashes, each distinct one mixed by MurmurHash3's fmix32
    and permuted as datasketch's affine32 does, ``(a * h + b) mod 2**32``, keeping the minima.
    (Integer literals are typed explicitly: numba turns uint64 mixed with int64 into float.)"""
    num_perm = len(a)
    capacity = 1024  # the hash set: open addressing, a slot is taken in document d if stamps == d + 1
    keys = np.empty(capacity, np.uint32)
    stamps = np.zeros(capacity, np.int64)
    mixed = np.empty(capacity, np.uint32)
    for doc in range(len(offsets) - 1):
        start = offsets[doc]
        length = offsets[doc + 1] - start
        if length == 0:
            continue
        width = min(size, length)
        windows = length - width + 1
        if 2 * windows > capacity:  # keep the set at most half full
            while 2 * windows > capacity:
                capacity *= 2
            keys = np.empty(capacity, np.uint32)
            stamps = np.zeros(capacity, np.int64)
            mixed = np.empty(capacity, np.uint32)
        mask = capacity - 1
        distinct = 0
        for window in range(windows):
            folded = np.uint64(0)
            for offset in range(width):
                folded = (folded ^ hashes[start + window + offset]) * _FOLD_PRIME
            folded ^= folded >> np.uint64(33)  # fmix64, then its upper half as in _fold
            folded *= np.uint64(0xFF51AFD7ED558CCD)
            folded ^= folded >> np.uint64(33)
            folded *= np.uint64(0xC4CEB9FE1A85EC53)
            folded ^= folded >> np.uint64(33)
            shingle = np.uint32(folded >> np.uint64(32))
            slot = shingle & mask  # the bits are avalanched already
            while stamps[slot] == doc + 1 and keys[slot] != shingle:
                slot = (slot + 1) & mask
            if stamps[slot] != doc + 1:
                stamps[slot] = doc + 1
                keys[slot] = shingle
                h = shingle ^ (shingle >> np.uint32(16))  # fmix32
                h = np.uint32(h * np.uint32(0x85EBCA6B))
                h ^= h >> np.uint32(13)
                h = np.uint32(h * np.uint32(0xC2B2AE35))
                mixed[distinct] = h ^ (h >> np.uint32(16))
                distinct += 1
        counts[doc] = distinct
        row = result[doc]
        for i in range(distinct):
            h = mixed[i]
            for p in range(num_perm):  # innermost: vectorised over the permutations
                permuted = np.uint32(a[p] * h + b[p])
                if permuted < row[p]:
                    row[p] = permuted


def to_minhash(hashvalues: np.ndarray, settings: SignatureSettings) -> LeanMinHash:
    """A datasketch ``LeanMinHash`` holding stored hash values (for LSH and ``jaccard``)."""
    return LeanMinHash(seed=settings.seed, hashvalues=hashvalues, scheme=settings.scheme)
