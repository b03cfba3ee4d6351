"""MinHash signatures of many documents at once, bit-compatible with datasketch 2.0.

The per-shingle work is vectorised with numpy: each distinct token is hashed once, shingle
hashes are folded from token hashes, and the affine32 permutations of datasketch are applied
to a whole batch of shingles at once. ``shingle_hash32`` is the same shingle hash as a
datasketch ``hashfunc``, so

    MinHash(num_perm, seed=seed, scheme="affine32", hashfunc=shingle_hash32)
        .update_batch([s.encode() for s in shingles(tokens, k)])

has exactly the hash values ``sign_token_lists`` computes (the tests check it).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from datasketch import LeanMinHash, MinHash

#: The datasketch permutation scheme used; stored with the signatures.
SCHEME = "affine32"
#: Version of the shingle hash below; bump if it ever changes (stored signatures then differ).
SHINGLE_HASH_VERSION = "blake2b64-fold-v1"

_FOLD_PRIME = np.uint64(0x100000001B3)  # FNV-1a 64-bit prime
_MASK32 = np.uint64(0xFFFFFFFF)
#: Shingles processed per numpy step: bounds the (shingles x num_perm) scratch array.
_SHINGLES_PER_STEP = 32768


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


@lru_cache(maxsize=1 << 20)
def _token_hash(token: str) -> int:
    return int.from_bytes(hashlib.blake2b(token.encode(), digest_size=8).digest(), "little")


def _fmix64(h: np.ndarray) -> np.ndarray:
    h = h ^ (h >> np.uint64(33))
    h = h * np.uint64(0xFF51AFD7ED558CCD)
    h = h ^ (h >> np.uint64(33))
    h = h * np.uint64(0xC4CEB9FE1A85EC53)
    return h ^ (h >> np.uint64(33))


def _fold(token_hashes: np.ndarray, size: int) -> np.ndarray:
    """32-bit hashes of every window of ``size`` token hashes (one window if fewer)."""
    n = len(token_hashes)
    width = min(size, n)
    count = n - width + 1
    folded = np.zeros(count, dtype=np.uint64)
    for offset in range(width):
        folded = (folded ^ token_hashes[offset : offset + count]) * _FOLD_PRIME
    return (_fmix64(folded) >> np.uint64(32)).astype(np.uint32)


def shingle_hashes(tokens: list[str], size: int) -> np.ndarray:
    """uint32 hash of each word shingle of ``tokens`` (empty array for no tokens)."""
    if not tokens:
        return np.empty(0, dtype=np.uint32)
    token_hashes = np.fromiter((_token_hash(t) for t in tokens), dtype=np.uint64, count=len(tokens))
    return _fold(token_hashes, size)


def shingle_hash32(shingle: bytes) -> int:
    """The shingle hash as a datasketch ``hashfunc`` (input: tokens joined by one space)."""
    tokens = shingle.decode().split(" ")
    return int(_fold(np.array([_token_hash(t) for t in tokens], dtype=np.uint64), len(tokens))[0])


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


def sign_token_lists(token_lists: list[list[str]], settings: SignatureSettings) -> tuple[np.ndarray, np.ndarray]:
    """MinHash hash values of many documents.

    Args:
        token_lists: each document's normalised tokens (``shingles.normalise_tokens``).
        settings: permutations, seed and shingle size.

    Returns:
        ``(hashvalues, shingle_counts)``: a ``(len(token_lists), num_perm)`` uint32 array and
        the number of distinct shingles per document (for containment estimates).
    """
    if settings.scheme != SCHEME:
        raise ValueError(f"only the {SCHEME} scheme is supported, not {settings.scheme!r}")
    a, b = _permutations(settings.num_perm, settings.seed, settings.scheme)
    empty = np.uint32(0xFFFFFFFF)
    result = np.full((len(token_lists), settings.num_perm), empty, dtype=np.uint32)
    counts = np.zeros(len(token_lists), dtype=np.int64)
    per_doc = []
    for index, tokens in enumerate(token_lists):
        hashes = np.unique(shingle_hashes(tokens, settings.shingle_size))
        counts[index] = len(hashes)
        per_doc.append(hashes)
    # Sign groups of documents whose shingles fit one scratch array.
    start = 0
    while start < len(per_doc):
        stop, total = start, 0
        while stop < len(per_doc) and (stop == start or total + len(per_doc[stop]) <= _SHINGLES_PER_STEP):
            total += len(per_doc[stop])
            stop += 1
        group = per_doc[start:stop]
        nonempty = [i for i, h in enumerate(group) if len(h)]
        if nonempty:
            hashes = np.concatenate([group[i] for i in nonempty])
            permuted = _fmix32(hashes).reshape(-1, 1) * a + b
            offsets = np.cumsum([0] + [len(group[i]) for i in nonempty[:-1]])
            minima = np.minimum.reduceat(permuted, offsets, axis=0)
            result[[start + i for i in nonempty]] = minima
        start = stop
    return result, counts


def to_minhash(hashvalues: np.ndarray, settings: SignatureSettings) -> LeanMinHash:
    """A datasketch ``LeanMinHash`` holding stored hash values (for LSH and ``jaccard``)."""
    return LeanMinHash(seed=settings.seed, hashvalues=hashvalues, scheme=settings.scheme)
