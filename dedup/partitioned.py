"""Dedup a whole run over partitioned signatures: LSH banding as a shuffle on band keys,
then placement per connected component of the buckets.

    signature blocks --band--> band keys, sent to parts by a hash of the key
        --link--> per part, edges joining the rows of each bucket (a spanning forest)
        --(driver) components--> rows that share no bucket never interact: components of
            the buckets, packed into tasks of about ``block_rows`` rows
        --route--> each block's signatures of those rows, sent to their task
        --place--> per task, ``dedup.placement.place_rows``: query, then insert canonicals

Every step but the driver's is a task over one block of signatures, one part of band keys
or one task of components, run on a ``WorkerPool`` (in process, a local process pool or a
Dask cluster). Tasks hand each other Arrow IPC files in the run's staging folder, one
record batch per destination, so no process holds more than one block of signatures (or
one component larger than a block), and the driver only integers per row (placement rank,
content-hash code, component) and the joining edges (fewer than the rows).

Only canonicals are indexed while placing, so a story with a thousand copies costs one
candidate pair per copy (the old all-pairs-per-bucket way cost half a million); rows whose
content hash is a stored story's are exact copies decided by the driver, and rows alone in
all their buckets are new stories without any task.

Rows are identified by their *rank*, their position in placement order: the stored
canonicals first (in the order of the stored signature files), then the run's new rows
longest text first. The decisions are exactly ``StoryIndex.place_batch``'s on the same
rows in the same order (tests/dedup/test_partitioned.py).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from dedup.clusters import METHOD_NAMES, MatchRules
from dedup.placement import (
    EXACT_CODE,
    bucket_ids,
    components,
    group_starts,
    link_buckets,
    pack_components,
    packed_keys,
    place_rows,
)
from storage import fs

log = logging.getLogger(__name__)

#: Rank of a row that is not placed (its record was ingested by an earlier run).
NOT_PLACED = -1


@dataclass(frozen=True)
class Block:
    """Signature rows read from ``sources`` (Parquet files with ``hashvalues`` and
    ``shingle_count`` columns), all rows in file order; ``ranks[i]`` is row ``i``'s rank
    (``NOT_PLACED`` rows are skipped)."""

    number: int
    sources: tuple[str, ...]
    ranks: np.ndarray


@dataclass(frozen=True)
class Banding:
    """The LSH banding and where the tasks write."""

    num_perm: int
    bands: int
    rows: int
    parts: int
    work_dir: str


def plan_blocks(sources: Sequence[tuple[str, np.ndarray]], block_rows: int) -> list[Block]:
    """Group consecutive signature files (path, ranks of its rows) into blocks of about
    ``block_rows`` rows (a file is never split)."""
    blocks: list[Block] = []
    paths: list[str] = []
    ranks: list[np.ndarray] = []
    size = 0
    for path, file_ranks in sources:
        paths.append(path)
        ranks.append(np.asarray(file_ranks, dtype=np.int64))
        size += len(file_ranks)
        if size >= block_rows:
            blocks.append(Block(len(blocks), tuple(paths), np.concatenate(ranks)))
            paths, ranks, size = [], [], 0
    if paths:
        blocks.append(Block(len(blocks), tuple(paths), np.concatenate(ranks)))
    return blocks


def _read_block(block: Block, num_perm: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The placed rows of a block: ranks, hash values ``(rows, num_perm)``, shingle counts."""
    tables = [fs.read_parquet(path, ["hashvalues", "shingle_count"]) for path in block.sources]
    table = pa.concat_tables(tables)
    values = table["hashvalues"].combine_chunks().flatten().to_numpy().reshape(-1, num_perm)
    counts = table["shingle_count"].to_numpy()
    placed = block.ranks >= 0
    return block.ranks[placed], values[placed], counts[placed]


def _empty_batch(schema: pa.Schema) -> pa.RecordBatch:
    return pa.RecordBatch.from_arrays([pa.array([], type=field.type) for field in schema], schema=schema)


def _write_parts(path: str, table: pa.Table, destination: np.ndarray, parts: int) -> str:
    """Write ``table`` as an Arrow IPC file of ``parts`` record batches, batch ``p`` holding
    the rows whose ``destination`` is ``p`` (empty batches included); returns ``path``."""
    order = np.argsort(destination, kind="stable")
    bounds = np.searchsorted(destination[order], np.arange(parts + 1))
    rows = table.take(order).combine_chunks().to_batches()
    whole = rows[0] if rows else _empty_batch(table.schema)
    batches = [whole.slice(bounds[part], bounds[part + 1] - bounds[part]) for part in range(parts)]
    fs.write_arrow_batches(path, table.schema, batches)
    return path


def _read_part(paths: Sequence[str], part: int) -> pa.Table:
    """Record batch ``part`` of each of ``paths``, as one table."""
    return pa.Table.from_batches([fs.read_arrow_batch(path, part) for path in paths]).combine_chunks()


def band_block(block: Block, banding: Banding) -> str:
    """Step 1: every band key of the block's rows that take part (see ``_ACTIVE``) and have
    shingles, sent to the part its key hashes to. Returns the written file."""
    ranks, values, counts = _read_block(block, banding.num_perm)
    active = fs.load_array(_path(banding, _ACTIVE))
    taking_part = (counts > 0) & np.asarray(active[ranks], dtype=bool)
    ranks, values = ranks[taking_part], values[taking_part]
    keys = values[:, : banding.bands * banding.rows].reshape(len(ranks), banding.bands, banding.rows)
    keys = keys.transpose(1, 0, 2).reshape(-1, banding.rows)  # band by band
    band = np.repeat(np.arange(banding.bands, dtype=np.int16), len(ranks))
    # Equal keys must meet in one part: the part is a multiplicative hash of the band number
    # and the band's first value (a MinHash minimum: distinct across keys, but small).
    key = (band.astype(np.uint64) << np.uint64(32)) | keys[:, 0].astype(np.uint64)
    destination = ((key * np.uint64(0x9E3779B97F4A7C15)) >> np.uint64(33)) % np.uint64(banding.parts)
    destination = destination.astype(np.int64)
    columns = {"band": band, "rank": np.tile(ranks, banding.bands)}
    columns.update({f"v{i}": keys[:, i] for i in range(banding.rows)})
    path = fs.join(banding.work_dir, f"bands-{block.number:05d}.arrow")
    return _write_parts(path, pa.table(columns), destination, banding.parts)


def link_part(part: int, band_files: Sequence[str], first_new: int, banding: Banding) -> tuple[np.ndarray, np.ndarray]:
    """Step 2: edges ``(rank, rank)`` joining the rows of each bucket of one part of the band
    keys that holds a new row (``dedup.placement.link_buckets``: fewer than its rows)."""
    table = _read_part(band_files, part)
    keys = packed_keys([table["band"].to_numpy(), *(table[f"v{i}"].to_numpy() for i in range(banding.rows))])
    order = np.lexsort(keys[::-1])
    return link_buckets(table["rank"].to_numpy()[order], group_starts([key[order] for key in keys]), first_new)


def route_block(block: Block, banding: Banding, tasks: int) -> str:
    """Step 3: the signatures of the block's rows that a placement task needs, sent to that
    task (``_TASK_OF_RANK``). Returns the written file."""
    ranks, values, counts = _read_block(block, banding.num_perm)
    task = np.asarray(fs.load_array(_path(banding, _TASK_OF_RANK))[ranks], dtype=np.int64)
    needed = task >= 0
    table = pa.table(
        {
            "rank": ranks[needed],
            "shingle_count": counts[needed],
            "hashvalues": pa.FixedSizeListArray.from_arrays(
                pa.array(values[needed].reshape(-1), pa.uint32()), banding.num_perm
            ),
        }
    )
    path = fs.join(banding.work_dir, f"routed-{block.number:05d}.arrow")
    return _write_parts(path, table, task[needed], tasks)


def place_task(
    task: int, routed_files: Sequence[str], first_new: int, banding: Banding, rules: MatchRules
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, int]:
    """Step 4: place the rows of one task's components in rank order, its stored canonicals
    indexed first (``dedup.placement.place_rows``).

    Returns:
        ``(ranks, canonical, method, similarity, candidates)``: the task's new rows, the rank
        of each one's canonical (-1: a new story), method code, similarity, and the candidate
        pairs verified.
    """
    table = _read_part(routed_files, task)
    order = np.argsort(table["rank"].to_numpy())
    ranks = table["rank"].to_numpy()[order]
    values = table["hashvalues"].combine_chunks().flatten().to_numpy().reshape(-1, banding.num_perm)[order]
    counts = table["shingle_count"].to_numpy()[order]
    stored = int(np.searchsorted(ranks, first_new))
    codes = np.zeros(len(ranks), dtype=np.int64)
    run_codes = np.asarray(fs.load_array(_path(banding, _CODE_OF_RANK))[ranks[stored:]])
    unique_codes, codes[stored:] = np.unique(run_codes, return_inverse=True)
    id_order = np.asarray(fs.load_array(_path(banding, _ID_ORDER_OF_RANK))[ranks])
    placed = place_rows(
        stored,
        codes,
        np.full(len(unique_codes), -1, dtype=np.int64),
        bucket_ids(values, counts, banding.bands, banding.rows),
        values,
        counts,
        id_order,
        rules,
    )
    canonical = np.where(placed.canonical >= 0, ranks[np.maximum(placed.canonical, 0)], -1)
    return ranks[stored:], canonical, placed.method, placed.similarity, placed.candidates


#: Arrays per rank that the driver hands the tasks, as files in the work folder: whether a
#: row takes part in banding (stored rows, and new rows not already exact copies of a
#: stored story), the placement task of a row (-1: none), a new row's content-hash code,
#: and a row's position in article-id order (placement's tie-break).
_ACTIVE, _TASK_OF_RANK, _CODE_OF_RANK, _ID_ORDER_OF_RANK = "active", "task-of-rank", "code-of-rank", "id-order"


def _path(banding: Banding, name: str) -> str:
    return fs.join(banding.work_dir, f"{name}.npy")


@dataclass
class StoredStories:
    """What dedup needs of the stored dataset: signature files (read by the block tasks,
    never here), the canonicals' ids and content hashes in signature-row order, the stored
    duplicates' content hashes and canonicals, and the stored record keys (at least those
    of the run's records: ``newsdedup.pipeline.with_known_records``)."""

    signature_files: list[str]
    article_ids: pa.Array
    content_hashes: pa.Array
    duplicate_hashes: pa.Array
    duplicate_canonicals: pa.Array
    record_keys: pa.Array

    @classmethod
    def empty(cls) -> StoredStories:
        nothing = pa.array([], pa.string())
        return cls([], nothing, nothing, nothing, nothing, nothing)


@dataclass(frozen=True)
class PlacedRun:
    """A run's decisions: for each staged file, a table of its rows' decisions in row order
    (``canonical_id``: null for a new story or a known row; ``similarity``; ``method``: ""
    new, exact, near, contained or known), and the LSH candidate pairs checked."""

    files: list[pa.Table]
    candidates: int


#: Maps a task function over argument tuples, returning results in order (``WorkerPool.map``).
TaskMap = Callable[[Callable[..., Any], list[tuple]], list]

#: Placement-order columns of a staged file (everything but text and signature).
_ORDER_COLUMNS = ["article_id", "content_hash", "word_count", "record_key", "source_path", "source_record"]
#: ``method`` of a staged row whose record an earlier run ingested (nothing is written).
KNOWN = "known"


def place_run(
    staged_paths: Sequence[str],
    stored: StoredStories,
    banding: Banding,
    rules: MatchRules,
    run_tasks: TaskMap,
    block_rows: int,
) -> PlacedRun:
    """Decide where every staged row goes.

    Canonical rule: a run's rows are placed longest text first (then by source path and
    record), so the longest copy of a new story becomes its article; a story stored by an
    earlier run stays canonical. Rows whose record key is stored are ``known`` (skipped).

    Returns:
        The decisions per staged file and the number of candidate pairs checked.
    """
    tables = [fs.read_parquet(path, _ORDER_COLUMNS) for path in staged_paths]
    sizes = [table.num_rows for table in tables]
    run = pa.concat_tables(tables) if tables else pa.table({c: pa.array([], pa.string()) for c in _ORDER_COLUMNS})
    del tables
    order = pc.sort_indices(
        run, sort_keys=[("word_count", "descending"), ("source_path", "ascending"), ("source_record", "ascending")]
    )
    fresh = pc.invert(pc.is_in(run["record_key"].take(order), value_set=stored.record_keys))
    order = order.filter(fresh).to_numpy()
    first_new = len(stored.article_ids)
    rank_of_row = np.full(run.num_rows, NOT_PLACED, dtype=np.int64)
    rank_of_row[order] = first_new + np.arange(len(order))

    # Content hashes as integer codes; a stored story's code points at its canonical rank.
    all_hashes = pa.chunked_array(
        [stored.content_hashes, stored.duplicate_hashes, run["content_hash"].take(order)], pa.string()
    ).combine_chunks()
    codes = pc.dictionary_encode(all_hashes).indices.to_numpy().astype(np.int64)
    canonical_of_code = np.full(len(all_hashes), -1, dtype=np.int64)
    stored_codes, first_rank = np.unique(codes[:first_new], return_index=True)
    canonical_of_code[stored_codes] = first_rank
    duplicate_codes = codes[first_new : first_new + len(stored.duplicate_hashes)]
    duplicate_of = pc.fill_null(pc.index_in(stored.duplicate_canonicals, value_set=stored.article_ids), -1)
    duplicate_of = duplicate_of.to_numpy().astype(np.int64)
    usable = (canonical_of_code[duplicate_codes] < 0) & (duplicate_of >= 0)
    unset_codes, first = np.unique(duplicate_codes[usable], return_index=True)
    canonical_of_code[unset_codes] = duplicate_of[usable][first]
    run_codes = codes[first_new + len(stored.duplicate_hashes) :]

    ids = pa.chunked_array([stored.article_ids, run["article_id"].take(order)], pa.string()).combine_chunks()
    canonical, methods, similarity, candidates = _place_components(
        stored.signature_files,
        staged_paths,
        rank_of_row,
        sizes,
        first_new,
        run_codes,
        canonical_of_code,
        ids,
        banding,
        rules,
        run_tasks,
        block_rows,
    )
    return PlacedRun(_decisions(rank_of_row, first_new, canonical, methods, similarity, ids, sizes), candidates)


def _place_components(
    signature_files: Sequence[str],
    staged_paths: Sequence[str],
    rank_of_row: np.ndarray,
    sizes: Sequence[int],
    first_new: int,
    run_codes: np.ndarray,
    canonical_of_code: np.ndarray,
    ids: pa.Array,
    banding: Banding,
    rules: MatchRules,
    run_tasks: TaskMap,
    block_rows: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """Steps 1-4 over blocks of the stored signatures and the staged files, the components
    found between steps 2 and 3: ``(canonical rank, method code, similarity)`` of each new
    row (-1, 0, 0 for a new story) and the number of candidate pairs verified."""
    new_rows = len(run_codes)
    total = first_new + new_rows
    # A row whose content hash is a stored story's is an exact copy whatever else happens,
    # and is never canonical: decided here, it takes no part in banding.
    known = canonical_of_code[run_codes]
    exact = known >= 0
    canonical = np.where(exact, known, -1)
    methods = np.where(exact, EXACT_CODE, 0).astype(np.int8)
    similarity = np.where(exact, 1.0, 0.0)

    stored_rows = [fs.parquet_rows(path) for path in signature_files]
    stored_ranks = np.split(np.arange(first_new, dtype=np.int64), np.cumsum(stored_rows)[:-1]) if stored_rows else []
    staged_ranks = np.split(rank_of_row, np.cumsum(sizes)[:-1]) if sizes else []
    blocks = plan_blocks(
        [*zip(signature_files, stored_ranks, strict=True), *zip(staged_paths, staged_ranks, strict=True)], block_rows
    )
    if not blocks or exact.all():
        return canonical, methods, similarity, 0
    fs.save_array(_path(banding, _ACTIVE), np.r_[np.ones(first_new, dtype=bool), ~exact])
    band_files = run_tasks(band_block, [(block, banding) for block in blocks])
    links = run_tasks(link_part, [(part, band_files, first_new, banding) for part in range(banding.parts)])
    # Rows with one content hash share every bucket (same text, same signature) but are
    # joined explicitly too: those without shingles have no bucket, and must still meet.
    fresh = np.flatnonzero(~exact)
    by_code = fresh[np.argsort(run_codes[fresh], kind="stable")]
    same = run_codes[by_code[1:]] == run_codes[by_code[:-1]]
    a = np.concatenate([*(link[0] for link in links), first_new + by_code[1:][same]]).astype(np.int64)
    b = np.concatenate([*(link[1] for link in links), first_new + by_code[:-1][same]]).astype(np.int64)
    del links
    # Rows in no edge share no bucket and no hash with anyone: new stories, in no task.
    members = np.unique(np.concatenate([a, b]))
    if not len(members):
        return canonical, methods, similarity, 0
    _, component = np.unique(components(total, a, b)[members], return_inverse=True)
    del a, b
    component_rows = np.bincount(component)
    task_of_component = pack_components(component_rows, block_rows)
    tasks = int(task_of_component[-1]) + 1
    log.info(
        "dedup: %d of %d rows share buckets, in %d components (largest %d rows), placed by %d tasks",
        len(members),
        total,
        len(component_rows),
        component_rows.max(),
        tasks,
    )
    task_of_rank = np.full(total, -1, dtype=np.int32)
    task_of_rank[members] = task_of_component[component]
    fs.save_array(_path(banding, _TASK_OF_RANK), task_of_rank)
    del task_of_rank, component
    code_of_rank = np.full(total, -1, dtype=np.int64)
    code_of_rank[first_new:] = run_codes
    fs.save_array(_path(banding, _CODE_OF_RANK), code_of_rank)
    del code_of_rank
    id_order = np.empty(total, dtype=np.int64)
    id_order[pc.sort_indices(ids).to_numpy()] = np.arange(total)  # a stable sort: equal ids by rank
    fs.save_array(_path(banding, _ID_ORDER_OF_RANK), id_order)
    del id_order

    routed = run_tasks(route_block, [(block, banding, tasks) for block in blocks])
    candidates = 0
    for ranks, canonical_rank, method, score, checked in run_tasks(
        place_task, [(task, routed, first_new, banding, rules) for task in range(tasks)]
    ):
        offset = ranks - first_new
        canonical[offset], methods[offset], similarity[offset] = canonical_rank, method, score
        candidates += checked
    return canonical, methods, similarity, candidates


def _decisions(
    rank_of_row: np.ndarray,
    first_new: int,
    canonical: np.ndarray,
    methods: np.ndarray,
    similarity: np.ndarray,
    ids: pa.Array,
    sizes: Sequence[int],
) -> list[pa.Table]:
    """Per staged file, its rows' decisions in row order (see ``place_run``)."""
    placed = rank_of_row >= 0
    offset = rank_of_row[placed] - first_new
    canonical_rank = np.full(len(rank_of_row), -1, dtype=np.int64)
    canonical_rank[placed] = canonical[offset]
    names = np.array([METHOD_NAMES[code] for code in sorted(METHOD_NAMES)], dtype=object)
    method = np.full(len(rank_of_row), KNOWN, dtype=object)
    method[placed] = names[methods[offset]]
    score = np.zeros(len(rank_of_row))
    score[placed] = similarity[offset]
    table = pa.table(
        {
            "canonical_id": ids.take(pa.array(canonical_rank, mask=canonical_rank < 0)),
            "similarity": score,
            "method": pa.array(method, pa.string()),
        }
    )
    bounds = np.cumsum([0, *sizes])
    return [table.slice(bounds[i], sizes[i]) for i in range(len(sizes))]
