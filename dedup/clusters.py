"""Place documents into story clusters: exact duplicates by content hash, near-duplicates by
MinHash LSH candidates that are then verified against the cluster's canonical copy.

Only canonical copies are indexed and every member is verified against its canonical, so a
chain A~B~C never pulls a distinct story C into A's cluster (no transitive over-merge).

Verification (``verify_candidate``) accepts a candidate when either

* the estimated Jaccard similarity reaches ``threshold`` (``near``), or
* the estimated containment of the smaller shingle set in the larger (a cautious estimate:
  see ``verify_signature_pairs``) reaches ``containment_threshold`` and the smaller set has
  at least ``min_containment_shingles`` shingles (``contained``: a copy cut short, or padded
  with notes or leftover chrome).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from datasketch.lsh import _optimal_param  # datasketch's choice of bands x rows for a threshold

from dedup.placement import CONTAINED_CODE, EXACT_CODE, NEAR_CODE, bucket_ids, place_rows
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


def lsh_banding(num_perm: int, lsh_threshold: float, bands: int = 0, rows: int = 0) -> tuple[int, int]:
    """LSH bands x rows: as given, or (both 0) datasketch ``MinHashLSH``'s choice for
    ``lsh_threshold`` (false positives and negatives weighted equally).

    Raises:
        ValueError: ``bands * rows`` exceeds ``num_perm``.
    """
    if bands or rows:
        if bands < 1 or rows < 1 or bands * rows > num_perm:
            raise ValueError(f"bands x rows must be at most num_perm={num_perm}, not {bands}x{rows}")
        return bands, rows
    return _optimal_param(lsh_threshold, num_perm, 0.5, 0.5)


class StoryIndex:
    """The canonical copies known so far, in memory, searchable by content hash and by
    MinHash LSH: for placing documents as they come (a library user, the tests' reference).
    Ingest runs use ``dedup.partitioned``, the same rules over signatures kept in files.

    Banding is datasketch's (``bands`` slices of ``rows`` consecutive hash values; two
    signatures are candidates when one slice is equal), but a whole batch's band keys become
    integer bucket ids at once with numpy sorts, and the batch is placed by the query-then-
    insert kernel of ``dedup.placement`` (only canonicals are indexed, so a story's copies
    cost one candidate each): exactly the placements of querying an LSH index document by
    document.

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
        self.bands, self.rows = lsh_banding(settings.num_perm, lsh_threshold, bands, rows)
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
        """Place documents in the given order, each as if queried after the ones before it
        (see ``dedup.placement``), and index the new stories as canonical. Returns one
        placement per document."""
        values = np.asarray(values, dtype=np.uint32).reshape(-1, self.settings.num_perm)
        counts = np.asarray(counts, dtype=np.int64)
        stored = len(self._ids)
        if stored:
            stored_values, stored_counts = self._stored()
            all_values, all_counts = np.concatenate([stored_values, values]), np.concatenate([stored_counts, counts])
        else:
            all_values, all_counts = values, counts
        ids = self._ids + list(article_ids)
        # Content hashes as integer codes; a known story's code points at its canonical row.
        row_of = {article_id: row for row, article_id in enumerate(self._ids)}
        code_of: dict[str, int] = {}
        canonical_of_code: list[int] = []
        for content_hash, canonical in self._canonical_by_hash.items():
            code_of[content_hash] = len(canonical_of_code)
            canonical_of_code.append(row_of.get(canonical, -1))
        for content_hash in content_hashes:
            if content_hash not in code_of:
                code_of[content_hash] = len(canonical_of_code)
                canonical_of_code.append(-1)
        codes = np.zeros(len(ids), dtype=np.int64)
        codes[stored:] = [code_of[h] for h in content_hashes]
        id_order = np.empty(len(ids), dtype=np.int64)
        id_order[sorted(range(len(ids)), key=ids.__getitem__)] = np.arange(len(ids))  # (a stable sort)
        placed = place_rows(
            stored,
            codes,
            np.array(canonical_of_code, dtype=np.int64),
            bucket_ids(all_values, all_counts, self.bands, self.rows),
            all_values,
            all_counts,
            id_order,
            self.rules,
        )
        self.candidates_checked += placed.candidates
        new_rows = np.flatnonzero(placed.canonical < 0)
        for row in new_rows:
            self._canonical_by_hash.setdefault(content_hashes[row], article_ids[row])
        self.add_canonicals(
            [article_ids[r] for r in new_rows], [content_hashes[r] for r in new_rows], values, counts, new_rows
        )
        return [
            Placement(None) if row < 0 else Placement(ids[row], float(score), METHOD_NAMES[code])
            for row, code, score in zip(
                placed.canonical.tolist(), placed.method.tolist(), placed.similarity.tolist(), strict=True
            )
        ]


#: Method codes of verified pairs (0: not a copy) and of placements (0: a new story).
METHOD_NAMES = {0: "", NEAR_CODE: NEAR, CONTAINED_CODE: CONTAINED, EXACT_CODE: EXACT}
_METHODS = {NEAR_CODE: NEAR, CONTAINED_CODE: CONTAINED}


#: Candidate pairs verified per numpy step (bounds the scratch arrays).
_PAIRS_PER_STEP = 16384


def _verify_pairs(
    values: np.ndarray, counts: np.ndarray, earlier: np.ndarray, later: np.ndarray, rules: MatchRules
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``verify_signature_pairs`` for pairs of rows of one signature array."""
    return verify_signature_pairs(values[earlier], counts[earlier], values[later], counts[later], rules)


def verify_signature_pairs(
    values_a: np.ndarray, counts_a: np.ndarray, values_b: np.ndarray, counts_b: np.ndarray, rules: MatchRules
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Verify many candidate pairs at once, the signatures of pair ``i`` being ``values_a[i]``
    and ``values_b[i]``: arrays of method code (0: not a copy, see ``_METHODS``), similarity
    and estimated Jaccard.

    Containment (|A∩B| / |A|, A the smaller shingle set) is the larger of two cautious
    estimates, each lowered by ``rules.containment_stderrs`` standard errors:

    * from the Jaccard estimate: |A∩B| = J (|A| + |B|) / (1 + J), with J lowered by
      sqrt(J (1 - J) / num_perm). Tight for texts of similar length; for a short text inside
      a long one the error of J is multiplied by (|A| + |B|) / |A|.
    * from the order of the minima: for each permutation the smallest value of A ∪ B lies in
      A∩B (the two minima are equal), in A alone (A's is smaller) or in B alone; so among the
      permutations where it lies in A, the share with equal minima estimates |A∩B| / |A|
      directly, whatever the size of B (Wilson's lower bound, so a few permutations never
      give a confident 1). This is what keeps a short copy found inside a long page that
      carries much chrome of its own.

    Rows without shingles are never copies.
    """
    num_perm = values_a.shape[1]
    equal = np.empty(len(values_a), dtype=np.int64)
    a_first = np.empty(len(values_a), dtype=np.int64)
    b_first = np.empty(len(values_a), dtype=np.int64)
    for start in range(0, len(values_a), _PAIRS_PER_STEP):
        stop = start + _PAIRS_PER_STEP
        a, b = values_a[start:stop], values_b[start:stop]
        equal[start:stop] = np.count_nonzero(a == b, axis=1)
        a_first[start:stop] = np.count_nonzero(a < b, axis=1)
        b_first[start:stop] = np.count_nonzero(b < a, axis=1)
    return _judge(equal, a_first, b_first, counts_a, counts_b, num_perm, rules)


def _judge(
    equal: np.ndarray,
    a_first: np.ndarray,
    b_first: np.ndarray,
    counts_a: np.ndarray,
    counts_b: np.ndarray,
    num_perm: int,
    rules: MatchRules,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Decide pairs from their counts of equal minima and of minima smaller on either side
    (``dedup.placement._judge_pair`` does the same for one pair, operation for operation)."""
    jaccard = equal / num_perm
    size_a, size_b = counts_a.astype(float), counts_b.astype(float)
    smaller = np.minimum(size_a, size_b)
    lowered = np.maximum(0.0, jaccard - rules.containment_stderrs * np.sqrt(jaccard * (1.0 - jaccard) / num_perm))
    with np.errstate(divide="ignore", invalid="ignore"):
        containment = np.minimum(1.0, np.nan_to_num(lowered * (size_a + size_b) / ((1.0 + lowered) * smaller), nan=0.0))
        # Permutations whose smallest value lies in the smaller set, and the share of them
        # where it is shared: Wilson's lower bound of that share.
        inside = (equal + np.where(size_a <= size_b, a_first, b_first)).astype(float)
        share = equal / inside
        z2 = rules.containment_stderrs * rules.containment_stderrs
        spread = rules.containment_stderrs * np.sqrt(share * (1.0 - share) / inside + z2 / (4.0 * inside * inside))
        ordered = np.where(inside > 0, (share + z2 / (2.0 * inside) - spread) / (1.0 + z2 / inside), 0.0)
    containment = np.maximum(containment, ordered)
    near = (jaccard >= rules.threshold) & (smaller > 0)
    contained = ~near & (smaller >= rules.min_containment_shingles) & (containment >= rules.containment_threshold)
    methods = np.where(near, 1, np.where(contained, 2, 0))
    similarity = np.where(near, jaccard, np.where(contained, containment, 0.0))
    return methods, similarity, jaccard
