"""Place documents into story clusters: exact duplicates by content hash, near-duplicates by
MinHash LSH candidates that are then verified against the cluster's canonical copy.

Only canonical copies are indexed and every member is verified against its canonical, so a
chain A~B~C never pulls a distinct story C into A's cluster (no transitive over-merge).

Verification (``verify_candidate``) accepts a candidate when either

* the estimated Jaccard similarity reaches ``threshold`` (``near``), or
* the estimated containment of the smaller shingle set in the larger (a cautious estimate:
  see ``_verify_pairs``) reaches ``containment_threshold`` and the smaller set has
  at least ``min_containment_shingles`` shingles (``contained``: a copy cut short, or padded
  with notes or leftover chrome).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from datasketch.lsh import _optimal_param  # datasketch's choice of bands x rows for a threshold

from dedup.signatures import SignatureSettings

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


def verify_candidate(
    hashvalues: np.ndarray, shingle_count: int, other: np.ndarray, other_count: int, rules: MatchRules
) -> tuple[str, float, float] | None:
    """Check one LSH candidate against the document's signature (``_verify_pairs`` on one pair).

    Returns:
        ``(method, similarity, jaccard)`` if it is a copy (``near`` or ``contained``), else None.
        Documents without shingles (nothing left to compare) are never copies.
    """
    methods, similarity, jaccard = _verify_pairs(
        np.stack([hashvalues, other]), np.array([shingle_count, other_count]), np.array([0]), np.array([1]), rules
    )
    if not methods[0]:
        return None
    return _METHODS[int(methods[0])], float(similarity[0]), float(jaccard[0])


class StoryIndex:
    """The canonical copies known so far, searchable by content hash and by MinHash LSH.

    Banding is datasketch's (``bands`` slices of ``rows`` consecutive hash values; two
    signatures are candidates when one slice is equal), but candidates are found for a whole
    batch at once with numpy sorts instead of one dict per band: a million stories then cost
    their signatures' memory, not tens of dict entries each. Verification is pairwise, so
    finding and verifying all candidate pairs first and then placing the batch in order
    gives exactly the placements of querying an LSH index document by document.

    Args:
        settings: the signature settings every indexed signature was made with.
        rules: when a candidate is a copy.
        lsh_threshold: Jaccard the LSH banding is tuned for; lower than ``rules.threshold`` so
            that cut-short copies (low Jaccard, high containment) still become candidates.
        bands, rows: explicit LSH banding (``bands * rows <= num_perm``); 0 derives it from
            ``lsh_threshold`` as datasketch's ``MinHashLSH`` does.

    Usage::

        index = StoryIndex(SignatureSettings(), MatchRules(0.4, 0.8, 100), lsh_threshold=0.2)
        index.place(article_id, content_hash, hashvalues, shingle_count)  # -> Placement
        index.place_batch(ids, hashes, values, counts)  # the same for many, in order
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
            if bands < 1 or rows < 1 or bands * rows > settings.num_perm:
                raise ValueError(f"bands x rows must be at most num_perm={settings.num_perm}, not {bands}x{rows}")
            self.bands, self.rows = bands, rows
        else:
            self.bands, self.rows = _optimal_param(lsh_threshold, settings.num_perm, 0.5, 0.5)
        self._canonical_by_hash: dict[str, str] = {}
        self._ids: list[str] = []
        self._known_ids: set[str] = set()
        #: Signatures and shingle counts of the canonicals, as (array, rows) pieces joined only
        #: when a later batch needs them: indexing a million new stories copies nothing.
        self._pieces: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        #: LSH candidate pairs verified so far (the cost of a low ``lsh_threshold``).
        self.candidates_checked = 0

    def __len__(self) -> int:
        return len(self._ids)

    def add_canonicals(
        self,
        article_ids: list[str],
        content_hashes: list[str],
        values: np.ndarray,
        counts: np.ndarray,
        rows: np.ndarray | None = None,
    ) -> None:
        """Index canonical copies (stored articles, or new stories of a batch): rows ``rows``
        (default: all) of ``values``/``counts``, whose ids and hashes are given in that order."""
        values = np.asarray(values, dtype=np.uint32).reshape(-1, self.settings.num_perm)
        rows = np.arange(len(values)) if rows is None else np.asarray(rows, dtype=np.int64)
        for article_id, content_hash in zip(article_ids, content_hashes, strict=True):
            self._canonical_by_hash.setdefault(content_hash, article_id)
        fresh = [i for i, article_id in enumerate(article_ids) if article_id not in self._known_ids]
        self._known_ids.update(article_ids[i] for i in fresh)
        self._ids.extend(article_ids[i] for i in fresh)
        self._pieces.append((values, np.asarray(counts, dtype=np.int64), rows[fresh]))

    def _stored(self) -> tuple[np.ndarray, np.ndarray]:
        """All canonicals' signatures and shingle counts, in index order."""
        if len(self._pieces) != 1 or len(self._pieces[0][2]) != len(self._pieces[0][0]):
            values = [v[rows] for v, _, rows in self._pieces] or [np.empty((0, self.settings.num_perm), np.uint32)]
            counts = [c[rows] for _, c, rows in self._pieces] or [np.empty(0, np.int64)]
            whole = np.concatenate(values)
            self._pieces = [(whole, np.concatenate(counts), np.arange(len(whole)))]
        values, counts, _ = self._pieces[0]
        return values, counts

    def add_canonical(self, article_id: str, content_hash: str, hashvalues: np.ndarray, shingle_count: int) -> None:
        """Index one canonical copy."""
        self.add_canonicals([article_id], [content_hash], hashvalues.reshape(1, -1), np.array([shingle_count]))

    def add_known_hash(self, content_hash: str, canonical_id: str) -> None:
        """Remember the content hash of a stored duplicate, so an exact copy of it maps to
        its canonical directly."""
        self._canonical_by_hash.setdefault(content_hash, canonical_id)

    def place(self, article_id: str, content_hash: str, hashvalues: np.ndarray, shingle_count: int) -> Placement:
        """Decide where one document goes and, if it is a new story, index it as canonical."""
        (placement,) = self.place_batch(
            [article_id], [content_hash], hashvalues.reshape(1, -1), np.array([shingle_count])
        )
        return placement

    def place_batch(
        self, article_ids: list[str], content_hashes: list[str], values: np.ndarray, counts: np.ndarray
    ) -> list[Placement]:
        """Place documents in the given order, each as if queried after the ones before it:
        an exact copy (content hash) of a canonical, else the verified candidate canonical
        with the highest estimated Jaccard (ties: the smallest id), else a new story (then
        indexed as canonical). Returns one placement per document."""
        values = np.asarray(values, dtype=np.uint32).reshape(-1, self.settings.num_perm)
        counts = np.asarray(counts, dtype=np.int64)
        stored = len(self._ids)
        if stored:
            stored_values, stored_counts = self._stored()
            all_values, all_counts = np.concatenate([stored_values, values]), np.concatenate([stored_counts, counts])
        else:
            all_values, all_counts = values, counts
        earlier, later, methods, similarity, jaccard = self._verified_pairs(all_values, all_counts, stored)
        by_later = np.argsort(later, kind="stable")
        earlier, later = earlier[by_later], later[by_later]
        methods, similarity, jaccard = methods[by_later], similarity[by_later], jaccard[by_later]
        bounds = np.searchsorted(later, np.arange(stored, stored + len(values) + 1))
        ids = self._ids + list(article_ids)
        is_canonical = np.zeros(stored + len(values), dtype=bool)
        is_canonical[:stored] = True
        placements: list[Placement] = []
        new_rows: list[int] = []
        for row, (article_id, content_hash) in enumerate(zip(article_ids, content_hashes, strict=True)):
            canonical = self._canonical_by_hash.get(content_hash)
            if canonical is not None:
                placements.append(Placement(canonical, 1.0, EXACT))
                continue
            best: tuple[float, tuple[int, ...], Placement] | None = None
            for edge in range(bounds[row], bounds[row + 1]):
                other = int(earlier[edge])
                if not is_canonical[other]:
                    continue
                key = (float(jaccard[edge]), _reverse(ids[other]))
                if best is None or key > best[:2]:
                    best = (*key, Placement(ids[other], float(similarity[edge]), _METHODS[methods[edge]]))
            if best is not None:
                placements.append(best[2])
                continue
            placements.append(Placement(None))
            is_canonical[stored + row] = True
            self._canonical_by_hash.setdefault(content_hash, article_id)
            new_rows.append(row)
        self.add_canonicals(
            [article_ids[r] for r in new_rows],
            [content_hashes[r] for r in new_rows],
            values,
            counts,
            np.array(new_rows, dtype=np.int64),
        )
        return placements

    def _verified_pairs(self, values: np.ndarray, counts: np.ndarray, first_new: int):
        """Every pair (earlier, later) with ``later >= first_new`` that shares an LSH band
        and passes ``verify_candidate``: arrays of earlier, later, method code, similarity,
        Jaccard."""
        rows_with_shingles = np.flatnonzero(counts > 0)
        pair_keys = []
        for band in range(self.bands):
            block = values[rows_with_shingles, band * self.rows : (band + 1) * self.rows]
            order = np.lexsort(block.T[::-1])
            ordered = block[order]
            new_group = np.r_[True, np.any(ordered[1:] != ordered[:-1], axis=1)]
            earlier, later = _pairs_within_groups(rows_with_shingles[order], new_group)
            keep = later >= first_new
            pair_keys.append(earlier[keep].astype(np.int64) * len(values) + later[keep])
        keys = np.unique(np.concatenate(pair_keys)) if pair_keys else np.empty(0, np.int64)
        earlier, later = np.divmod(keys, max(len(values), 1))
        self.candidates_checked += len(keys)
        methods, similarity, jaccard = _verify_pairs(values, counts, earlier, later, self.rules)
        accepted = methods > 0
        return earlier[accepted], later[accepted], methods[accepted], similarity[accepted], jaccard[accepted]


#: Method codes of verified pairs (0: not a copy).
_METHODS = {1: NEAR, 2: CONTAINED}
#: Candidate pairs verified per numpy step (bounds the scratch arrays).
_PAIRS_PER_STEP = 16384


def _pairs_within_groups(members: np.ndarray, group_starts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """All pairs of ``members`` within each run of the sorted sequence (``group_starts``
    marks the first member of each run), oriented (smaller, larger)."""
    position = np.arange(len(members))
    start_of = np.maximum.accumulate(np.where(group_starts, position, 0))
    before = position - start_of  # members of the same group ahead of each one
    total = int(before.sum())
    if total == 0:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    later_pos = np.repeat(position, before)
    offsets = np.arange(total) - np.repeat(np.cumsum(before) - before, before)
    earlier_pos = np.repeat(start_of, before) + offsets
    a, b = members[earlier_pos], members[later_pos]
    return np.minimum(a, b), np.maximum(a, b)


def _verify_pairs(
    values: np.ndarray, counts: np.ndarray, earlier: np.ndarray, later: np.ndarray, rules: MatchRules
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Verify many candidate pairs at once: arrays of method code (0: not a copy, see
    ``_METHODS``), similarity and estimated Jaccard.

    Containment is |A∩B| / min(|A|, |B|) with |A∩B| = J (|A| + |B|) / (1 + J), computed from
    the Jaccard estimate lowered by ``rules.containment_stderrs`` standard errors
    (sqrt(J (1 - J) / num_perm)): the estimate's error grows with the ratio of the set
    sizes, so the bound is tight for texts of similar length and cautious for a short text
    inside a long one. Rows without shingles are never copies.
    """
    num_perm = values.shape[1]
    jaccard = np.empty(len(earlier))
    for start in range(0, len(earlier), _PAIRS_PER_STEP):
        a, b = earlier[start : start + _PAIRS_PER_STEP], later[start : start + _PAIRS_PER_STEP]
        jaccard[start : start + len(a)] = np.count_nonzero(values[a] == values[b], axis=1) / num_perm
    size_a, size_b = counts[earlier].astype(float), counts[later].astype(float)
    smaller = np.minimum(size_a, size_b)
    lowered = np.maximum(0.0, jaccard - rules.containment_stderrs * np.sqrt(jaccard * (1.0 - jaccard) / num_perm))
    with np.errstate(divide="ignore", invalid="ignore"):
        containment = np.minimum(1.0, lowered * (size_a + size_b) / ((1.0 + lowered) * smaller))
    near = (jaccard >= rules.threshold) & (smaller > 0)
    contained = ~near & (smaller >= rules.min_containment_shingles) & (containment >= rules.containment_threshold)
    methods = np.where(near, 1, np.where(contained, 2, 0))
    similarity = np.where(near, jaccard, np.where(contained, containment, 0.0))
    return methods, similarity, jaccard


def _reverse(text: str) -> tuple[int, ...]:
    """Sort key that orders strings descending, so ``max`` picks the smallest id on ties."""
    return tuple(-ord(c) for c in text)
