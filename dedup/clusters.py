"""Place documents into story clusters: exact duplicates by content hash, near-duplicates by
MinHash LSH candidates that are then verified against the cluster's canonical copy.

Only canonical copies are indexed and every member is verified against its canonical, so a
chain A~B~C never pulls a distinct story C into A's cluster (no transitive over-merge).

Verification (``verify_candidate``) accepts a candidate when either

* the estimated Jaccard similarity reaches ``threshold`` (``near``), or
* the estimated containment of the smaller shingle set in the larger (a cautious estimate:
  see ``containment_lower_bound``) reaches ``containment_threshold`` and the smaller set has
  at least ``min_containment_shingles`` shingles (``contained``: a copy cut short, or padded
  with notes or leftover chrome).
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
    """Where one document goes: a new story (``canonical_id`` None) or a copy of one.

    ``similarity`` is the score that decided: 1.0 for ``exact``, the estimated Jaccard for
    ``near``, the containment bound for ``contained``.
    """

    canonical_id: str | None
    similarity: float = 1.0
    method: str = ""


@dataclass(frozen=True)
class MatchRules:
    """When a verified LSH candidate counts as a copy (see the module docstring)."""

    threshold: float
    containment_threshold: float
    min_containment_shingles: int
    #: Containment is judged on the Jaccard estimate lowered by this many standard errors:
    #: for a short text inside a long one the containment estimate is noisy (see
    #: ``containment_lower_bound``), and a chance high estimate must not merge two stories.
    containment_stderrs: float = 2.0


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


def containment_lower_bound(jaccard: float, size_a: int, size_b: int, num_perm: int, stderrs: float) -> float:
    """``estimated_containment`` from the Jaccard estimate lowered by ``stderrs`` standard
    errors (sqrt(J (1 - J) / num_perm)). The error of the containment estimate grows with
    the ratio of the set sizes, so this bound is tight for texts of similar length and
    cautious for a short text inside a long one."""
    stderr = (jaccard * (1.0 - jaccard) / num_perm) ** 0.5
    return estimated_containment(max(0.0, jaccard - stderrs * stderr), size_a, size_b)


def verify_candidate(
    hashvalues: np.ndarray, shingle_count: int, other: np.ndarray, other_count: int, rules: MatchRules
) -> tuple[str, float, float] | None:
    """Check an LSH candidate against the document's signature.

    Returns:
        ``(method, similarity, jaccard)`` if it is a copy (``near`` or ``contained``), else None.
        Documents without shingles (nothing left to compare) are never copies.
    """
    if shingle_count == 0 or other_count == 0:
        return None
    jaccard = estimated_jaccard(hashvalues, other)
    if jaccard >= rules.threshold:
        return NEAR, jaccard, jaccard
    if min(shingle_count, other_count) >= rules.min_containment_shingles:
        containment = containment_lower_bound(
            jaccard, shingle_count, other_count, len(hashvalues), rules.containment_stderrs
        )
        if containment >= rules.containment_threshold:
            return CONTAINED, containment, jaccard
    return None


class StoryIndex:
    """The canonical copies known so far, searchable by content hash and by MinHash LSH.

    Args:
        settings: the signature settings every indexed signature was made with.
        rules: when a candidate is a copy.
        lsh_threshold: Jaccard the LSH banding is tuned for; lower than ``rules.threshold`` so
            that cut-short copies (low Jaccard, high containment) still become candidates.
        bands, rows: explicit LSH banding (``bands * rows == num_perm``); 0 derives it from
            ``lsh_threshold``.

    Usage::

        index = StoryIndex(SignatureSettings(), MatchRules(0.4, 0.8, 100), lsh_threshold=0.2)
        index.place(article_id, content_hash, hashvalues, shingle_count)  # -> Placement
    """

    def __init__(
        self,
        settings: SignatureSettings,
        rules: MatchRules,
        lsh_threshold: float,
        bands: int = 0,
        rows: int = 0,
    ) -> None:
        self.settings = settings
        self.rules = rules
        if bands or rows:
            if bands * rows != settings.num_perm:
                raise ValueError(f"bands x rows must equal num_perm={settings.num_perm}, not {bands}x{rows}")
            params = (bands, rows)
        else:
            params = None
        self._lsh = MinHashLSH(threshold=lsh_threshold, num_perm=settings.num_perm, params=params)
        self._canonical_by_hash: dict[str, str] = {}
        self._signatures: dict[str, tuple[np.ndarray, int]] = {}
        #: LSH candidates verified so far (the cost of a low ``lsh_threshold``).
        self.candidates_checked = 0

    def __len__(self) -> int:
        return len(self._signatures)

    def add_canonical(self, article_id: str, content_hash: str, hashvalues: np.ndarray, shingle_count: int) -> None:
        """Index a canonical copy (a stored article or one placed in this run)."""
        self._canonical_by_hash.setdefault(content_hash, article_id)
        if article_id not in self._signatures:
            self._signatures[article_id] = (hashvalues, shingle_count)
            if shingle_count:
                self._lsh.insert(article_id, to_minhash(hashvalues, self.settings))

    def add_known_hash(self, content_hash: str, canonical_id: str) -> None:
        """Remember the content hash of a stored duplicate, so an exact copy of it maps to
        its canonical directly."""
        self._canonical_by_hash.setdefault(content_hash, canonical_id)

    def find_copy(self, content_hash: str, hashvalues: np.ndarray, shingle_count: int) -> Placement | None:
        """The canonical this document copies, or None. Of several verified candidates the one
        with the highest estimated Jaccard wins (ties: the smallest id, so runs are stable)."""
        canonical = self._canonical_by_hash.get(content_hash)
        if canonical is not None:
            return Placement(canonical, 1.0, EXACT)
        if not shingle_count:
            return None
        best: tuple[float, str, Placement] | None = None
        for candidate in self._lsh.query(to_minhash(hashvalues, self.settings)):
            other, other_count = self._signatures[candidate]
            self.candidates_checked += 1
            verdict = verify_candidate(hashvalues, shingle_count, other, other_count, self.rules)
            if verdict is None:
                continue
            method, similarity, jaccard = verdict
            key = (jaccard, _reverse(candidate))
            if best is None or key > best[:2]:
                best = (*key, Placement(candidate, similarity, method))
        return best[2] if best else None

    def place(self, article_id: str, content_hash: str, hashvalues: np.ndarray, shingle_count: int) -> Placement:
        """Decide where a document goes and, if it is a new story, index it as canonical."""
        found = self.find_copy(content_hash, hashvalues, shingle_count)
        if found is not None:
            return found
        self.add_canonical(article_id, content_hash, hashvalues, shingle_count)
        return Placement(None)


def _reverse(text: str) -> tuple[int, ...]:
    """Sort key that orders strings descending, so ``max`` picks the smallest id on ties."""
    return tuple(-ord(c) for c in text)
