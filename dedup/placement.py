"""Place rows in order by querying, then inserting into, an index of LSH buckets.

The rule (the per-document ``MinHashLSH`` reference that ``tests/dedup`` checks): row ``r``,
in placement order, is an ``exact`` copy when its content hash already has a canonical;
else a copy of the canonical, among the earlier canonicals that share an LSH band bucket
with it and pass verification, with the highest estimated Jaccard (ties: the smallest
article id); else a new story, which becomes canonical (and the canonical of its hash).

Only canonicals ever enter the index, so a row checks at most the canonicals already in its
``bands`` buckets: a bucket holding a thousand copies of one story holds one canonical, and
each copy costs one candidate pair, not a thousand. Buckets are integer ids (one per
distinct band key, per band), the index is a linked list of canonicals per bucket, and the
loop is a numba kernel.

Rows that share no bucket (and no content hash) never influence each other, so the rows of
a run split into connected components (``link_buckets`` and ``components``) that can be
placed independently, each with the canonicals stored before it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit

#: Method codes of placements (0: a new story); ``dedup.clusters.METHOD_NAMES`` names them.
NEAR_CODE, CONTAINED_CODE, EXACT_CODE = 1, 2, 3


@dataclass(frozen=True)
class RowPlacements:
    """Decisions for the rows placed by ``place_rows``: the canonical row (-1: a new story),
    the method code and the deciding similarity, and the candidate pairs verified."""

    canonical: np.ndarray
    method: np.ndarray
    similarity: np.ndarray
    candidates: int


def packed_keys(columns: list[np.ndarray]) -> list[np.ndarray]:
    """Columns of non-negative integers below 2**32 packed two per uint64, in the same
    order: sorting by the packed keys sorts by the columns, and equal rows stay equal (a
    sort over half as many keys is about twice as fast)."""
    wide = [np.asarray(column).astype(np.uint64) for column in columns]
    packed = [(wide[i] << np.uint64(32)) | wide[i + 1] for i in range(0, len(wide) - 1, 2)]
    return packed + wide[len(wide) - len(wide) % 2 :]


def group_starts(sorted_keys: list[np.ndarray]) -> np.ndarray:
    """Where a new run of equal rows starts in rows sorted by ``sorted_keys``."""
    starts = np.zeros(len(sorted_keys[0]), dtype=bool)
    starts[:1] = True
    for key in sorted_keys:
        starts[1:] |= key[1:] != key[:-1]
    return starts


def bucket_ids(values: np.ndarray, counts: np.ndarray, bands: int, rows: int) -> np.ndarray:
    """The LSH bucket of each row in each band: a ``(len(values), bands)`` array of integer
    ids, equal exactly when the band's ``rows`` hash values are (and the band the same);
    -1 for rows without shingles, which are never candidates."""
    result = np.full((len(values), bands), -1, dtype=np.int64)
    with_shingles = np.flatnonzero(np.asarray(counts) > 0)
    next_id = 0
    for band in range(bands):
        block = values[with_shingles, band * rows : (band + 1) * rows]
        keys = packed_keys(list(block.T))
        order = np.lexsort(keys[::-1])
        starts = group_starts([key[order] for key in keys])
        result[with_shingles[order], band] = np.cumsum(starts) - 1 + next_id
        next_id += int(starts.sum())
    return result


def place_rows(
    first_new: int,
    codes: np.ndarray,
    canonical_of_code: np.ndarray,
    buckets: np.ndarray,
    values: np.ndarray,
    counts: np.ndarray,
    id_order: np.ndarray,
    rules,
) -> RowPlacements:
    """Place rows ``first_new, first_new + 1, ...`` in that order (see the module docstring);
    rows before ``first_new`` are canonicals already (stored stories).

    Args:
        first_new: rows before it are canonicals, indexed before anything is placed.
        codes: integer code of each row's content hash (equal hash, equal code; rows before
            ``first_new`` are not read).
        canonical_of_code: the canonical row of each code, -1 if none yet (updated in place).
        buckets: ``bucket_ids`` of the rows.
        values, counts: the rows' MinHash values ``(rows, num_perm)`` and shingle counts.
        id_order: a row's position in article-id order (the tie-break: smaller wins; equal
            ids must be ordered by row, as a stable sort gives).
        rules: a ``dedup.clusters.MatchRules``.

    Returns:
        Decisions for rows ``first_new...`` (canonical as a row number).
    """
    count = len(values) - first_new
    canonical = np.full(count, -1, dtype=np.int64)
    method = np.zeros(count, dtype=np.int8)
    similarity = np.zeros(count)
    candidates = _place_kernel(
        first_new,
        np.asarray(codes, dtype=np.int64),
        canonical_of_code,
        np.ascontiguousarray(buckets, dtype=np.int64),
        np.ascontiguousarray(values, dtype=np.uint32),
        np.asarray(counts, dtype=np.int64),
        np.asarray(id_order, dtype=np.int64),
        float(rules.threshold),
        float(rules.containment_threshold),
        int(rules.min_containment_shingles),
        float(rules.containment_stderrs),
        canonical,
        method,
        similarity,
    )
    return RowPlacements(canonical, method, similarity, int(candidates))


@njit(cache=True, error_model="numpy")
def _judge_pair(
    equal: int,
    a_first: int,
    b_first: int,
    num_perm: int,
    count_a: int,
    count_b: int,
    threshold: float,
    containment_threshold: float,
    min_containment_shingles: int,
    stderrs: float,
) -> tuple[int, float, float]:
    """``dedup.clusters._judge`` for one pair, operation for operation (so the floats, and
    the decisions at a threshold's edge, are the same): (method code, similarity, Jaccard).
    ``equal``: permutations with equal minima; ``a_first``/``b_first``: with A's (B's) smaller."""
    jaccard = equal / num_perm
    size_a, size_b = float(count_a), float(count_b)
    smaller = min(size_a, size_b)
    lowered = max(0.0, jaccard - stderrs * np.sqrt(jaccard * (1.0 - jaccard) / num_perm))
    containment = lowered * (size_a + size_b) / ((1.0 + lowered) * smaller)
    if np.isnan(containment):
        containment = 0.0
    containment = min(1.0, containment)
    inside = float(equal + (a_first if size_a <= size_b else b_first))
    if inside > 0:
        share = equal / inside
        z2 = stderrs * stderrs
        spread = stderrs * np.sqrt(share * (1.0 - share) / inside + z2 / (4.0 * inside * inside))
        containment = max(containment, (share + z2 / (2.0 * inside) - spread) / (1.0 + z2 / inside))
    if jaccard >= threshold and smaller > 0:
        return NEAR_CODE, jaccard, jaccard
    if smaller >= min_containment_shingles and containment >= containment_threshold:
        return CONTAINED_CODE, containment, jaccard
    return 0, 0.0, jaccard


@njit(cache=True)
def _place_kernel(
    first_new: int,
    codes: np.ndarray,
    canonical_of_code: np.ndarray,
    buckets: np.ndarray,
    values: np.ndarray,
    counts: np.ndarray,
    id_order: np.ndarray,
    threshold: float,
    containment_threshold: float,
    min_containment_shingles: int,
    stderrs: float,
    canonical: np.ndarray,
    method: np.ndarray,
    similarity: np.ndarray,
) -> int:
    """Query-then-insert over bucket ids (``place_rows``); fills the three outputs and
    returns the candidate pairs verified."""
    rows, bands = buckets.shape
    num_perm = values.shape[1]
    # The index: per bucket, a linked list of the canonicals in it (entries head -> next).
    head = np.full(max(buckets.max() + 1, 1) if rows else 1, -1, dtype=np.int64)
    entry_row = np.empty(rows * bands, dtype=np.int64)
    entry_next = np.empty(rows * bands, dtype=np.int64)
    entries = 0
    seen = np.full(rows, -1, dtype=np.int64)  # seen[j] == r: row j was checked for row r
    candidates = 0
    for r in range(rows):
        if r >= first_new:
            out = r - first_new
            match = canonical_of_code[codes[r]]
            if match >= 0:
                canonical[out], method[out], similarity[out] = match, EXACT_CODE, 1.0
                continue
            best, best_jaccard, best_method, best_similarity = -1, 0.0, 0, 0.0
            for band in range(bands):
                bucket = buckets[r, band]
                if bucket < 0:
                    continue
                entry = head[bucket]
                while entry >= 0:
                    other = entry_row[entry]
                    entry = entry_next[entry]
                    if seen[other] == r:
                        continue
                    seen[other] = r
                    candidates += 1
                    equal = other_first = row_first = 0
                    for p in range(num_perm):
                        if values[other, p] == values[r, p]:
                            equal += 1
                        elif values[other, p] < values[r, p]:
                            other_first += 1
                        else:
                            row_first += 1
                    code, score, jaccard = _judge_pair(
                        equal,
                        other_first,
                        row_first,
                        num_perm,
                        counts[other],
                        counts[r],
                        threshold,
                        containment_threshold,
                        min_containment_shingles,
                        stderrs,
                    )
                    if code == 0:
                        continue
                    if (
                        best < 0
                        or jaccard > best_jaccard
                        or (jaccard == best_jaccard and id_order[other] < id_order[best])
                    ):
                        best, best_jaccard, best_method, best_similarity = other, jaccard, code, score
            if best >= 0:
                canonical[out], method[out], similarity[out] = best, best_method, best_similarity
                continue
            canonical_of_code[codes[r]] = r
        for band in range(bands):  # r is canonical: index it
            bucket = buckets[r, band]
            if bucket >= 0:
                entry_row[entries] = r
                entry_next[entries] = head[bucket]
                head[bucket] = entries
                entries += 1
    return candidates


def link_buckets(members: np.ndarray, bucket_starts: np.ndarray, first_new: int) -> tuple[np.ndarray, np.ndarray]:
    """Edges that connect the rows of each bucket holding a row ``>= first_new`` (buckets
    of stored rows only never matter): ``members`` are row numbers grouped by bucket,
    ``bucket_starts`` marks each bucket's first member. Returns ``(row, root)`` pairs, one
    per row that has to be joined to another: a spanning forest of the buckets' rows, so
    the edges are fewer than the distinct rows, however many buckets they share."""
    if len(members) == 0:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    group = np.cumsum(bucket_starts) - 1
    newest = np.zeros(group[-1] + 1, dtype=np.int64)
    np.maximum.at(newest, group, members)
    size = np.bincount(group)
    keep = (size[group] > 1) & (newest[group] >= first_new)
    members, group = members[keep], group[keep]
    rows, local = np.unique(members, return_inverse=True)
    first = np.r_[True, group[1:] != group[:-1]] if len(group) else np.empty(0, bool)
    leader = local[np.flatnonzero(first)][np.cumsum(first) - 1]  # the bucket's first member
    root = _roots(len(rows), local, leader)
    joined = root != np.arange(len(rows))
    return rows[joined], rows[root[joined]]


def components(size: int, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The connected components of rows ``0..size-1`` under edges ``(a[i], b[i])``: each
    row's root (a row of its component)."""
    return _roots(size, np.asarray(a, dtype=np.int64), np.asarray(b, dtype=np.int64))


@njit(cache=True)
def _roots(size: int, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Union-find (by the smaller root, with path halving); each element's root."""
    parent = np.arange(size)
    for i in range(len(a)):
        x, y = a[i], b[i]
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        while parent[y] != y:
            parent[y] = parent[parent[y]]
            y = parent[y]
        if x < y:
            parent[y] = x
        elif y < x:
            parent[x] = y
    for i in range(size):
        parent[i] = parent[parent[i]]  # parents point to smaller rows: one pass flattens
    return parent


@njit(cache=True)
def pack_components(sizes: np.ndarray, target: int) -> np.ndarray:
    """Group components (``sizes`` rows each, in order) into tasks of about ``target`` rows:
    a task is closed when the next component would take it past ``target``, so a component
    larger than ``target`` gets a task of its own. Returns each component's task number."""
    task = np.empty(len(sizes), dtype=np.int64)
    current, filled = 0, 0
    for i in range(len(sizes)):
        if filled and filled + sizes[i] > target:
            current += 1
            filled = 0
        task[i] = current
        filled += sizes[i]
    return task
