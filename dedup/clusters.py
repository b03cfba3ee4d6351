"""Place documents into story clusters: exact duplicates by content hash, near-duplicates by
MinHash LSH candidates that are then verified against the cluster's canonical copy.

Only canonical copies are indexed and every member is verified against its canonical, so a
chain A~B~C never pulls a distinct story C into A's cluster (no transitive over-merge).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from datasketch import MinHashLSH

from dedup.signatures import SignatureSettings, to_minhash

EXACT = "exact"
NEAR = "near"
CONTAINED = "contained"


@dataclass(frozen=True)
class Placement:
    """Where one document goes: a new story (``canonical_id`` None) or a copy of one."""

    canonical_id: str | None
    similarity: float = 1.0
    method: str = ""


def estimated_jaccard(a: np.ndarray, b: np.ndarray) -> float:
    """Share of equal MinHash values: the unbiased estimate of the Jaccard similarity."""
    return float(np.count_nonzero(a == b)) / len(a)


def estimated_containment(jaccard: float, size_a: int, size_b: int) -> float:
    """Share of the smaller shingle set contained in the larger, from Jaccard and set sizes.

    |A∩B| = J (|A| + |B|) / (1 + J); containment = |A∩B| / min(|A|, |B|).
    """
    smaller = min(size_a, size_b)
    if smaller == 0:
        return 0.0
    return min(1.0, jaccard * (size_a + size_b) / ((1.0 + jaccard) * smaller))


class StoryIndex:
    """The canonical copies known so far, searchable by content hash and by MinHash LSH.

    Args:
        settings: the signature settings every indexed signature was made with.
        threshold: estimated Jaccard at or above which a candidate is a near-duplicate.
        containment_threshold: containment at or above which a candidate is a cut or padded copy.
        lsh_threshold: Jaccard the LSH banding is tuned for; lower than ``threshold`` so that
            cut-short copies (low Jaccard, high containment) still become candidates.
        min_containment_shingles: a containment match needs at least this many shingles in
            the smaller text, so a few shared sentences never make a short text a "copy".
    """

    def __init__(
        self,
        settings: SignatureSettings,
        threshold: float,
        containment_threshold: float,
        lsh_threshold: float,
        min_containment_shingles: int = 50,
        bands: int = 0,
        rows: int = 0,
    ) -> None:
        self.settings = settings
        self.threshold = threshold
        self.containment_threshold = containment_threshold
        self.min_containment_shingles = min_containment_shingles
        params = (bands, rows) if bands and rows else None
        self._lsh = MinHashLSH(threshold=lsh_threshold, num_perm=settings.num_perm, params=params)
        self._canonical_by_hash: dict[str, str] = {}
        self._signatures: dict[str, tuple[np.ndarray, int]] = {}

    def __len__(self) -> int:
        return len(self._signatures)

    def add_canonical(self, article_id: str, content_hash: str, hashvalues: np.ndarray, shingle_count: int) -> None:
        """Index a canonical copy (a stored article or one placed in this run)."""
        self._canonical_by_hash.setdefault(content_hash, article_id)
        if article_id not in self._signatures:
            self._signatures[article_id] = (hashvalues, shingle_count)
            self._lsh.insert(article_id, to_minhash(hashvalues, self.settings))

    def add_known_hash(self, content_hash: str, canonical_id: str) -> None:
        """Remember the content hash of a stored duplicate, so an exact copy of it maps to
        its canonical directly."""
        self._canonical_by_hash.setdefault(content_hash, canonical_id)

    def place(self, article_id: str, content_hash: str, hashvalues: np.ndarray, shingle_count: int) -> Placement:
        """Decide where a document goes and, if it is a new story, index it as canonical."""
        canonical = self._canonical_by_hash.get(content_hash)
        if canonical is not None:
            return Placement(canonical, 1.0, EXACT)
        best: Placement | None = None
        for candidate in self._lsh.query(to_minhash(hashvalues, self.settings)):
            other, other_count = self._signatures[candidate]
            jaccard = estimated_jaccard(hashvalues, other)
            if jaccard >= self.threshold:
                placement = Placement(candidate, jaccard, NEAR)
            elif (
                min(shingle_count, other_count) >= self.min_containment_shingles
                and estimated_containment(jaccard, shingle_count, other_count) >= self.containment_threshold
            ):
                placement = Placement(candidate, jaccard, CONTAINED)
            else:
                continue
            if best is None or (placement.similarity, placement.canonical_id) > (best.similarity, best.canonical_id):
                best = placement
        if best is not None:
            return best
        self.add_canonical(article_id, content_hash, hashvalues, shingle_count)
        return Placement(None)
