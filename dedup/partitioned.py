"""Dedup a whole run over partitioned signatures: LSH banding as a shuffle on band keys.

    signature blocks --band--> band keys, sent to parts by a hash of the key
        --pair--> candidate pairs (rows sharing a band), by block of the earlier row
        --attach--> the pairs with the earlier row's signature, by block of the later row
        --verify--> verified edges --(driver) place_in_order--> one decision per row

Every step but the last is a task over one block of signatures or one part of band keys,
run on a ``WorkerPool`` (in process, a local process pool or a Dask cluster). Tasks hand
each other Arrow IPC files in the run's staging folder, one record batch per destination, so
no process ever holds more than one block of signatures, and the driver only integers per
row (placement rank, content-hash code) and the verified edges.

Rows are identified by their *rank*, their position in placement order: the stored
canonicals first (in the order of the stored signature files), then the run's new rows
longest text first. The decisions are exactly ``StoryIndex.place_batch``'s on the same
rows in the same order (tests/dedup/test_partitioned.py).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from dedup.clusters import METHOD_NAMES, Edges, MatchRules, pairs_within_groups, place_in_order, verify_signature_pairs
from storage import fs

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


def _rows_of(ranks: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """Positions in ``ranks`` of the ``wanted`` ranks (all present)."""
    sorter = np.argsort(ranks)
    return sorter[np.searchsorted(ranks, wanted, sorter=sorter)]


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


def _unique_pairs(earlier: np.ndarray, later: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each (earlier, later) pair once, ordered by later then earlier (ranks < 2**31: one
    int64 key per pair)."""
    keys = np.unique((later.astype(np.int64) << 32) | earlier.astype(np.int64))
    return keys & 0xFFFFFFFF, keys >> 32


def _group_starts(columns: Sequence[np.ndarray]) -> np.ndarray:
    """Where a new run of equal rows starts in sorted ``columns``."""
    starts = np.zeros(len(columns[0]), dtype=bool)
    starts[:1] = True
    for column in columns:
        starts[1:] |= column[1:] != column[:-1]
    return starts


def band_block(block: Block, banding: Banding) -> str:
    """Step 1: every band key of the block's rows with shingles, sent to the part its key
    hashes to. Returns the written file."""
    ranks, values, counts = _read_block(block, banding.num_perm)
    has_shingles = counts > 0
    ranks, values = ranks[has_shingles], values[has_shingles]
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


def pair_part(part: int, band_files: Sequence[str], first_new: int, banding: Banding, blocks: int) -> str:
    """Step 2: the candidate pairs of one part of the band keys (rows with an equal band,
    the later one new in this run), sent to the block of the earlier row."""
    table = _read_part(band_files, part)
    band, ranks = table["band"].to_numpy(), table["rank"].to_numpy()
    keys = [band, *(table[f"v{i}"].to_numpy() for i in range(banding.rows))]
    order = np.lexsort(keys[::-1])
    earlier, later = pairs_within_groups(ranks[order], _group_starts([key[order] for key in keys]))
    keep = later >= first_new
    earlier, later = _unique_pairs(earlier[keep], later[keep])
    block_of_rank = fs.load_array(_block_of_rank_path(banding))
    path = fs.join(banding.work_dir, f"pairs-{part:05d}.arrow")
    table = pa.table({"earlier": earlier, "later": later})
    return _write_parts(path, table, np.asarray(block_of_rank[earlier]), blocks)


def attach_block(block: Block, pair_files: Sequence[str], banding: Banding, blocks: int) -> tuple[str, int]:
    """Step 3: the pairs whose earlier row is in this block (each once: a pair sharing bands
    in several parts arrives from each), with that row's signature and shingle count, sent
    to the block of the later row. Returns the written file and the number of pairs."""
    pairs = _read_part(pair_files, block.number)
    earlier, later = _unique_pairs(pairs["earlier"].to_numpy(), pairs["later"].to_numpy())
    ranks, values, counts = _read_block(block, banding.num_perm)
    rows = _rows_of(ranks, earlier)
    flat = pa.array(values[rows].reshape(-1), pa.uint32())
    table = pa.table(
        {
            "earlier": earlier,
            "later": later,
            "earlier_count": counts[rows],
            "earlier_values": pa.FixedSizeListArray.from_arrays(flat, banding.num_perm),
        }
    )
    block_of_rank = fs.load_array(_block_of_rank_path(banding))
    path = fs.join(banding.work_dir, f"attached-{block.number:05d}.arrow")
    return _write_parts(path, table, np.asarray(block_of_rank[later]), blocks), len(earlier)


def verify_block(block: Block, attached_files: Sequence[str], banding: Banding, rules: MatchRules) -> Edges:
    """Step 4: verify the pairs whose later row is in this block; the copies found."""
    pairs = _read_part(attached_files, block.number)
    ranks, values, counts = _read_block(block, banding.num_perm)
    rows = _rows_of(ranks, pairs["later"].to_numpy())
    earlier_values = pairs["earlier_values"].combine_chunks().flatten().to_numpy().reshape(-1, banding.num_perm)
    methods, similarity, jaccard = verify_signature_pairs(
        earlier_values, pairs["earlier_count"].to_numpy(), values[rows], counts[rows], rules
    )
    edges = Edges(pairs["earlier"].to_numpy(), pairs["later"].to_numpy(), methods, similarity, jaccard)
    return edges.accepted()


def _block_of_rank_path(banding: Banding) -> str:
    return fs.join(banding.work_dir, "block-of-rank.npy")


@dataclass
class StoredStories:
    """What dedup needs of the stored dataset: signature files (read by the block tasks,
    never here), the canonicals' ids and content hashes in signature-row order, the stored
    duplicates' content hashes and canonicals, and every stored record key."""

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

    edges, candidates = _verified_edges(
        stored.signature_files, staged_paths, rank_of_row, sizes, first_new, banding, rules, run_tasks, block_rows
    )
    ids = pa.chunked_array([stored.article_ids, run["article_id"].take(order)], pa.string()).combine_chunks()
    canonical, methods, similarity = place_in_order(
        first_new, run_codes, canonical_of_code, edges, lambda rank: ids[rank].as_py()
    )
    return PlacedRun(_decisions(rank_of_row, first_new, canonical, methods, similarity, ids, sizes), candidates)


def _verified_edges(
    signature_files: Sequence[str],
    staged_paths: Sequence[str],
    rank_of_row: np.ndarray,
    sizes: Sequence[int],
    first_new: int,
    banding: Banding,
    rules: MatchRules,
    run_tasks: TaskMap,
    block_rows: int,
) -> tuple[Edges, int]:
    """Steps 1-4 over blocks of the stored signatures and the staged files: the verified
    edges and the number of candidate pairs."""
    stored_rows = [fs.parquet_rows(path) for path in signature_files]
    stored_ranks = np.split(np.arange(first_new, dtype=np.int64), np.cumsum(stored_rows)[:-1]) if stored_rows else []
    staged_ranks = np.split(rank_of_row, np.cumsum(sizes)[:-1]) if sizes else []
    blocks = plan_blocks(
        [*zip(signature_files, stored_ranks, strict=True), *zip(staged_paths, staged_ranks, strict=True)], block_rows
    )
    if not blocks:
        return Edges.concatenate([]), 0
    block_of_rank = np.zeros(first_new + int(np.count_nonzero(rank_of_row >= 0)), dtype=np.int32)
    for block in blocks:
        block_of_rank[block.ranks[block.ranks >= 0]] = block.number
    fs.save_array(_block_of_rank_path(banding), block_of_rank)
    count = len(blocks)
    band_files = run_tasks(band_block, [(block, banding) for block in blocks])
    pair_files = run_tasks(pair_part, [(part, band_files, first_new, banding, count) for part in range(banding.parts)])
    attached = run_tasks(attach_block, [(block, pair_files, banding, count) for block in blocks])
    attached_files = [path for path, _ in attached]
    edges = Edges.concatenate(run_tasks(verify_block, [(block, attached_files, banding, rules) for block in blocks]))
    return edges, sum(pairs for _, pairs in attached)


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
