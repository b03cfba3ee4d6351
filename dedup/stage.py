"""The dedup stages of a run: sign documents, load what is stored, place every new record.

Signing runs per batch (in parallel); placing runs once per run over the signatures only,
never over the text.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from dedup.clusters import MatchRules, Placement, StoryIndex
from dedup.shingles import hash_texts, hash_token_lists, hashes_digest
from dedup.signatures import SignatureSettings, sign_token_hashes
from newsdedup.config import DedupSettings
from storage.dataset import Dataset, DatasetError
from storage.schema import Document

log = logging.getLogger(__name__)

Tokeniser = Callable[[str], list[str]]


def signature_settings(settings: DedupSettings) -> SignatureSettings:
    return SignatureSettings(num_perm=settings.num_perm, seed=settings.seed, shingle_size=settings.shingle_size)


def match_rules(settings: DedupSettings) -> MatchRules:
    return MatchRules(
        settings.threshold,
        settings.containment_threshold,
        settings.min_containment_shingles,
        settings.containment_stderrs,
    )


def story_index(settings: DedupSettings) -> StoryIndex:
    """An empty story index with the signature, matching and LSH settings of ``settings``."""
    return StoryIndex(
        signature_settings(settings), match_rules(settings), settings.lsh_threshold, settings.bands, settings.rows
    )


def sign_documents(
    documents: Sequence[Document], settings: DedupSettings, tokenise: Tokeniser | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Fill in each document's ``content_hash`` and ``article_id`` and compute its MinHash.

    ``content_hash`` hashes the normalised tokens (so copies that differ only in case,
    quotes, punctuation or wrapping share it; it is ``dedup.shingles.content_hash`` of the
    text); ``article_id`` is its first 16 hex digits.

    Args:
        documents: one batch of cleaned documents.
        settings: shingling and MinHash settings.
        tokenise: text -> tokens, instead of the normalised tokens (the benchmark passes
            alternatives to compare); None hashes the normalised tokens without listing them.

    Returns:
        ``(hashvalues, shingle_counts)`` as from ``dedup.signatures.sign_token_hashes``.
    """
    if tokenise is None:
        token_hashes = hash_texts([document.text for document in documents])
    else:
        token_hashes = hash_token_lists([tokenise(document.text) for document in documents])
    for i, document in enumerate(documents):
        digest = hashes_digest(token_hashes.of(i))
        document.content_hash = digest
        document.article_id = digest[:16]
    return sign_token_hashes(token_hashes, signature_settings(settings))


@dataclass
class KnownState:
    """What the dataset already holds, as far as dedup needs it."""

    index: StoryIndex
    record_keys: set[str]


def load_known_state(dataset: Dataset, settings: DedupSettings) -> KnownState:
    """Build the story index from the stored signatures and hashes (no stored text is read).

    Raises:
        DatasetError: the stored signatures were made with other settings.
    """
    wanted = signature_settings(settings)
    stored = dataset.manifest.signature_settings
    if stored is not None:
        metadata = {k.encode(): v.encode() for k, v in stored.items()}
        have = SignatureSettings.from_metadata(metadata)
        if have != wanted:
            raise DatasetError(
                f"the output's stored signatures use num_perm={have.num_perm}, seed={have.seed}, "
                f"shingle_size={have.shingle_size}; this run asks for num_perm={wanted.num_perm}, "
                f"seed={wanted.seed}, shingle_size={wanted.shingle_size}. Use the same settings "
                "or a new output directory."
            )
    index = story_index(settings)
    articles = dataset.read("articles", ["article_id", "content_hash", "record_key"])
    signatures = dataset.read("signatures", ["article_id", "hashvalues", "shingle_count"])
    duplicates = dataset.read("duplicates", ["content_hash", "canonical_id", "record_key"])
    rejects = dataset.read("rejects", ["record_key"])
    record_keys: set[str] = set()
    if articles is not None and signatures is not None:
        hash_of = dict(zip(articles["article_id"].to_pylist(), articles["content_hash"].to_pylist(), strict=True))
        ids = signatures["article_id"].to_pylist()
        values = signatures["hashvalues"].combine_chunks().flatten().to_numpy().reshape(-1, wanted.num_perm)
        index.add_canonicals(ids, [hash_of[i] for i in ids], values, signatures["shingle_count"].to_numpy())
    for table in (articles, duplicates, rejects):
        if table is not None:
            record_keys.update(table["record_key"].to_pylist())
    if duplicates is not None:
        for content_hash, canonical in zip(
            duplicates["content_hash"].to_pylist(), duplicates["canonical_id"].to_pylist(), strict=True
        ):
            index.add_known_hash(content_hash, canonical)
    log.info("loaded %d stored stories and %d known records", len(index), len(record_keys))
    return KnownState(index, record_keys)


#: Placement of a staged row that was ingested by an earlier run (nothing is written).
ALREADY_KNOWN = Placement(canonical_id=None, similarity=0.0, method="known")

_PLACE_COLUMNS = [
    "article_id",
    "content_hash",
    "word_count",
    "shingle_count",
    "record_key",
    "source_path",
    "source_record",
]


def place_staged(staged_paths: Sequence[str], known: KnownState, num_perm: int) -> list[list[Placement]]:
    """Decide where every staged row goes, reading only the signature columns.

    Canonical rule: within a run rows are placed longest text first (then by source path and
    record), so the longest copy of a new story becomes its article; a story stored by an
    earlier run stays canonical. Rows whose record key is already stored are ``ALREADY_KNOWN``.

    Returns:
        For each staged file, one placement per row, in row order.
    """
    tables = [pq.read_table(path, columns=[*_PLACE_COLUMNS, "hashvalues"]) for path in staged_paths]
    sizes = [t.num_rows for t in tables]
    placements: list[list[Placement]] = [[ALREADY_KNOWN] * size for size in sizes]
    if not tables:
        return placements
    # Column-wise with Arrow and numpy: a million rows must not become a million tuples.
    table = pa.concat_tables(tables)
    del tables  # one copy of the signatures at a time
    order = pc.sort_indices(
        table,
        sort_keys=[("word_count", "descending"), ("source_path", "ascending"), ("source_record", "ascending")],
    )
    table = table.take(order)
    fresh = pc.invert(pc.is_in(table["record_key"], value_set=pa.array(known.record_keys, pa.string())))
    table, order = table.filter(fresh), order.filter(fresh)
    known.record_keys.update(table["record_key"].to_pylist())
    values = table["hashvalues"].combine_chunks().flatten().to_numpy().reshape(-1, num_perm)
    placed = known.index.place_batch(
        table["article_id"].to_pylist(), table["content_hash"].to_pylist(), values, table["shingle_count"].to_numpy()
    )
    file_of = np.repeat(np.arange(len(sizes)), sizes)
    first_row = np.cumsum([0, *sizes])
    for position, placement in zip(order.to_numpy(), placed, strict=True):
        file_index = file_of[position]
        placements[file_index][int(position - first_row[file_index])] = placement
    return placements
