"""The dedup stages of a run: sign documents, load what is stored, place every new record.

Signing runs per batch (in parallel); placing runs once per run over the signatures only,
never over the text.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from dedup.clusters import MatchRules, lsh_banding
from dedup.partitioned import Banding, PlacedRun, StoredStories, TaskMap, place_run
from dedup.shingles import hash_texts, hash_token_lists, hashes_digest
from dedup.signatures import SHINGLE_HASH_VERSION, SignatureSettings, sign_token_hashes
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


def load_stored_stories(dataset: Dataset, settings: DedupSettings) -> StoredStories:
    """What dedup needs of the stored dataset: ids, content hashes and record keys (no text;
    the signatures stay in their files, read block by block when placing).

    Raises:
        DatasetError: the stored signatures were made with other settings.
    """
    wanted = signature_settings(settings)
    stored = dataset.manifest.signature_settings
    if stored is not None:
        metadata = {k.encode(): v.encode() for k, v in stored.items()}
        if stored.get("newsdedup.shingle_hash") != SHINGLE_HASH_VERSION:
            # Tokens or hashes changed (v3: characters of Chinese, Japanese, Thai... became
            # tokens): the stored sketches measure other shingles and cannot be compared.
            raise DatasetError(
                f"the output's stored signatures were made with the shingle hash "
                f"{stored.get('newsdedup.shingle_hash')!r}; this version makes {SHINGLE_HASH_VERSION!r}, "
                "whose signatures cannot be compared with them. Use a new output directory."
            )
        have = SignatureSettings.from_metadata(metadata)
        if have != wanted:
            raise DatasetError(
                f"the output's stored signatures use num_perm={have.num_perm}, seed={have.seed}, "
                f"shingle_size={have.shingle_size}; this run asks for num_perm={wanted.num_perm}, "
                f"seed={wanted.seed}, shingle_size={wanted.shingle_size}. Use the same settings "
                "or a new output directory."
            )
    result = StoredStories.empty()
    articles = dataset.read("articles", ["article_id", "content_hash", "record_key"])
    signatures = dataset.read("signatures", ["article_id"])
    duplicates = dataset.read("duplicates", ["content_hash", "canonical_id", "record_key"])
    rejects = dataset.read("rejects", ["record_key"])
    if articles is not None and signatures is not None:
        ids = signatures["article_id"].combine_chunks()
        result.signature_files = dataset.files("signatures")
        result.article_ids = ids
        result.content_hashes = articles["content_hash"].take(pc.index_in(ids, value_set=articles["article_id"]))
    if duplicates is not None:
        result.duplicate_hashes = duplicates["content_hash"].combine_chunks()
        result.duplicate_canonicals = duplicates["canonical_id"].combine_chunks()
    keys = [table["record_key"] for table in (articles, duplicates, rejects) if table is not None]
    if keys:
        result.record_keys = pc.unique(pa.chunked_array(keys).combine_chunks())
    log.info("loaded %d stored stories and %d known records", len(result.article_ids), len(result.record_keys))
    return result


def place_staged(
    staged_paths: Sequence[str],
    staged_rows: int,
    stored: StoredStories,
    settings: DedupSettings,
    work_dir: str,
    run_tasks: TaskMap,
    block_rows: int,
) -> PlacedRun:
    """Decide where every staged row goes (``dedup.partitioned.place_run``), the block and
    part tasks run by ``run_tasks`` with intermediate files under ``work_dir``; band keys
    are cut into as many parts as there are blocks of ``block_rows`` signatures among the
    ``staged_rows`` rows of the staged files and the stored ones."""
    bands, rows = lsh_banding(settings.num_perm, settings.lsh_threshold, settings.bands, settings.rows)
    total = staged_rows + len(stored.article_ids)
    banding = Banding(settings.num_perm, bands, rows, max(1, -(-total // block_rows)), work_dir)
    return place_run(staged_paths, stored, banding, match_rules(settings), run_tasks, block_rows)
