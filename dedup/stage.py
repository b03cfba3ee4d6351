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
import pyarrow.parquet as pq

from dedup.clusters import MatchRules, lsh_banding
from dedup.partitioned import Banding, PlacedRun, StoredStories, TaskMap, place_run
from dedup.shingles import CHARACTER_TOKENS, has_character_tokens, hash_texts, hash_token_lists, hashes_digest
from dedup.signatures import (
    SAME_WITHOUT_CHARACTER_TOKENS,
    SHINGLE_HASH_VERSION,
    SignatureSettings,
    sign_token_hashes,
)
from newsdedup.config import DedupSettings
from storage import fs
from storage.dataset import STAGING_OPTIONS, Dataset, DatasetError
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


def check_signature_settings(dataset: Dataset, settings: DedupSettings) -> None:
    """Refuse a run whose MinHash settings differ from those of the output's stored signatures.

    Raises:
        DatasetError: the stored signatures were made with other settings.
    """
    wanted = signature_settings(settings)
    stored = dataset.manifest.signature_settings
    if stored is not None:
        metadata = {k.encode(): v.encode() for k, v in stored.items()}
        made_with = stored.get("newsdedup.shingle_hash")
        if made_with != SHINGLE_HASH_VERSION:
            # Tokens or hashes changed (v3: characters of Chinese, Japanese, Thai... became
            # tokens): the stored sketches measure other shingles and cannot be compared,
            # unless no stored text has such a character (what `newsdedup upgrade` checks).
            what_to_do = (
                f"upgrade it in place, once, with: newsdedup upgrade {dataset.root} (or use a new output directory)"
                if made_with in SAME_WITHOUT_CHARACTER_TOKENS
                else "Use a new output directory."
            )
            raise DatasetError(
                f"the output's stored signatures were made with the shingle hash {made_with!r}; this version "
                f"makes {SHINGLE_HASH_VERSION!r}, whose signatures cannot be compared with them. {what_to_do}"
            )
        have = SignatureSettings.from_metadata(metadata)
        if have != wanted:
            raise DatasetError(
                f"the output's stored signatures use num_perm={have.num_perm}, seed={have.seed}, "
                f"shingle_size={have.shingle_size}; this run asks for num_perm={wanted.num_perm}, "
                f"seed={wanted.seed}, shingle_size={wanted.shingle_size}. Use the same settings "
                "or a new output directory."
            )


def signature_settings_brought_forward(dataset: Dataset) -> dict[str, str] | None:
    """The signature settings an upgrade of ``dataset`` records in its manifest: None when
    its signatures are of this shingle hash (or it has none); its settings with this
    version's shingle hash when they were made by one that signs every text without a
    character token alike (``SAME_WITHOUT_CHARACTER_TOKENS``) and no stored text has one, so
    that every stored signature, content hash and article id is what this version makes.

    The ``text`` of ``articles`` and ``duplicates`` (a duplicate's content hash finds its
    exact copies) is read one row group at a time; the search stops at the first hit.

    Raises:
        DatasetError: (one line) the stored signatures cannot be brought forward: why, and
            to ingest into a new output directory.
    """
    stored = dataset.manifest.signature_settings
    made_with = None if stored is None else stored.get("newsdedup.shingle_hash")
    if made_with is None or made_with == SHINGLE_HASH_VERSION:
        return None
    if made_with not in SAME_WITHOUT_CHARACTER_TOKENS:
        raise DatasetError(
            f"the output {dataset.root} cannot be upgraded: its stored signatures were made with the shingle "
            f"hash {made_with!r}, which this newsdedup ({SHINGLE_HASH_VERSION!r}) cannot carry forward; "
            "ingest into a new output directory"
        )
    found = _article_with_character_tokens(dataset)
    if found is not None:
        raise DatasetError(
            f"the output {dataset.root} cannot be upgraded: article {found} has text in Chinese, Japanese, "
            f"Thai, Lao, Khmer or Myanmar script, which this newsdedup tokenises per character, so its stored "
            f"signatures and ids (shingle hash {made_with!r}) differ from this version's "
            f"({SHINGLE_HASH_VERSION!r}); ingest into a new output directory"
        )
    return {**stored, "newsdedup.shingle_hash": SHINGLE_HASH_VERSION}


#: Any code point of ``CHARACTER_TOKENS`` (RE2 syntax): Arrow's vectorised search finds the
#: few texts that may have a character token, which ``has_character_tokens`` then decides.
_MAYBE_CHARACTER_TOKENS = "[" + "".join(f"\\x{{{a:X}}}-\\x{{{b:X}}}" for a, b in CHARACTER_TOKENS) + "]"


def _article_with_character_tokens(dataset: Dataset) -> str | None:
    """The id of a stored article or duplicate whose text has a character token, or None."""
    for table in ("articles", "duplicates"):
        for path in dataset.files(table):
            with fs.open_file(path) as handle:
                parquet = pq.ParquetFile(handle)
                for group in range(parquet.metadata.num_row_groups):
                    rows = parquet.read_row_group(group, columns=["article_id", "text"])
                    maybe = rows.filter(pc.match_substring_regex(rows["text"], _MAYBE_CHARACTER_TOKENS))
                    for article_id, text in zip(
                        maybe["article_id"].to_pylist(), maybe["text"].to_pylist(), strict=True
                    ):
                        if has_character_tokens(text):
                            return article_id
    return None


def band_key_hashes(values: np.ndarray, bands: int, rows: int) -> np.ndarray:
    """A 64-bit hash of each band of each signature: ``(len(values), bands)``. Equal band
    values (in the same band) give equal hashes; different ones almost never do, and when
    they do it only adds a candidate, which placement checks by the true buckets."""
    keys = values[:, : bands * rows].reshape(len(values), bands, rows).astype(np.uint64)
    hashed = np.repeat(((np.arange(bands, dtype=np.uint64) + 1) * _GOLDEN)[None, :], len(values), axis=0)
    for row in range(rows):
        hashed ^= keys[:, :, row]
        hashed *= _MIX
        hashed ^= hashed >> np.uint64(31)
    return hashed


_GOLDEN, _MIX = np.uint64(0x9E3779B97F4A7C15), np.uint64(0xBF58476D1CE4E5B9)


def stored_candidates(
    dataset: Dataset, settings: DedupSettings, staged_paths: Sequence[str], work_dir: str
) -> StoredStories:
    """The stored stories a run's staged rows can meet, and only those: stored canonicals that
    share an LSH band with a staged row or its content hash, and stored duplicates with a
    staged row's content hash (with their canonicals). Placing the run against them decides
    exactly as against every stored story: a stored story in none of a new row's buckets is
    never among its candidates.

    The stored signatures are read one row group at a time (no text, no shuffle): each row's
    band keys are hashed (``band_key_hashes``) and kept when one is among the run's. The kept
    signatures are written, in stored order, to ``work_dir/stored-candidates.parquet``.
    """
    check_signature_settings(dataset, settings)
    if not dataset.manifest.files["signatures"] or not staged_paths:
        return StoredStories.empty()
    bands, rows = lsh_banding(settings.num_perm, settings.lsh_threshold, settings.bands, settings.rows)
    run_keys, run_hashes = [], []
    for staged in staged_paths:  # (file by file: no process holds the run's signatures)
        run = fs.read_parquet(staged, ["content_hash", "hashvalues", "shingle_count"])
        values = run["hashvalues"].combine_chunks().flatten().to_numpy().reshape(-1, settings.num_perm)
        signed = run["shingle_count"].to_numpy() > 0
        run_keys.append(np.unique(band_key_hashes(values[signed], bands, rows)))
        run_hashes.append(run["content_hash"].combine_chunks())
    run_keys = pa.array(np.unique(np.concatenate(run_keys)), pa.uint64())
    run_hashes = pc.unique(pa.concat_arrays(run_hashes))
    duplicates = dataset.read_matching("duplicates", "content_hash", run_hashes, ["content_hash", "canonical_id"])
    same_text = dataset.stored_among(("articles",), "content_hash", run_hashes)
    wanted_ids = pa.concat_arrays(
        [pc.utf8_slice_codeunits(same_text, 0, 16)]
        + ([duplicates["canonical_id"].combine_chunks()] if duplicates is not None else [])
    )
    columns = ["article_id", "hashvalues", "shingle_count"]
    path = fs.join(work_dir, "stored-candidates.parquet")
    writer = None
    kept = []
    for source in dataset.files("signatures"):
        with fs.open_file(source) as handle:
            parquet = pq.ParquetFile(handle)
            for group in range(parquet.metadata.num_row_groups):
                table = parquet.read_row_group(group, columns=columns)
                stored_values = table["hashvalues"].combine_chunks().flatten().to_numpy()
                keys = band_key_hashes(stored_values.reshape(-1, settings.num_perm), bands, rows)
                shares_band = pc.is_in(pa.array(keys.reshape(-1), pa.uint64()), value_set=run_keys)
                shares_band = shares_band.to_numpy(zero_copy_only=False).reshape(len(keys), bands).any(axis=1)
                shares_band &= table["shingle_count"].to_numpy() > 0
                hit = np.logical_or(shares_band, pc.is_in(table["article_id"], value_set=wanted_ids).to_numpy(False))
                if hit.any():
                    table = table.filter(pa.array(hit))
                    if writer is None:
                        writer = fs.parquet_writer(path, table.schema, **STAGING_OPTIONS)
                    writer.write_table(table)
                    kept.append(table["article_id"].combine_chunks())
    if writer is None:
        return StoredStories.empty()
    writer.close()
    ids = pa.concat_arrays(kept)
    articles = dataset.read_matching("articles", "article_id", ids, ["article_id", "content_hash"])
    result = StoredStories.empty()
    result.signature_files = [path]
    result.article_ids = ids
    result.content_hashes = articles["content_hash"].take(pc.index_in(ids, value_set=articles["article_id"]))
    result.content_hashes = result.content_hashes.combine_chunks()
    if duplicates is not None:
        result.duplicate_hashes = duplicates["content_hash"].combine_chunks()
        result.duplicate_canonicals = duplicates["canonical_id"].combine_chunks()
    log.info("%d stored stories can meet the run's rows (of %d stored)", len(ids), dataset.count("signatures"))
    return result


def load_stored_stories(dataset: Dataset, settings: DedupSettings) -> StoredStories:
    """Every stored story, as dedup would need them to place a run against all of them: ids
    and content hashes (no text; the signatures stay in their files, read block by block
    when placing). A run uses ``stored_candidates`` (the stories it can meet only, with the
    same decisions); this is the reference that ``tests/dedup/test_stored_candidates.py``
    checks it against. Record keys are looked up apart
    (``newsdedup.pipeline.with_known_records``).

    Raises:
        DatasetError: the stored signatures were made with other settings.
    """
    check_signature_settings(dataset, settings)
    result = StoredStories.empty()
    articles = dataset.read("articles", ["article_id", "content_hash"])
    signatures = dataset.read("signatures", ["article_id"])
    duplicates = dataset.read("duplicates", ["content_hash", "canonical_id"])
    if articles is not None and signatures is not None:
        ids = signatures["article_id"].combine_chunks()
        result.signature_files = dataset.files("signatures")
        result.article_ids = ids
        result.content_hashes = articles["content_hash"].take(pc.index_in(ids, value_set=articles["article_id"]))
    if duplicates is not None:
        result.duplicate_hashes = duplicates["content_hash"].combine_chunks()
        result.duplicate_canonicals = duplicates["canonical_id"].combine_chunks()
    log.info("loaded %d stored stories", len(result.article_ids))
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
