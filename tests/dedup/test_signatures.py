"""Signatures are datasketch MinHashes: same values, usable with datasketch's own tools."""

from __future__ import annotations

import numpy as np
from datasketch import MinHash, MinHashLSH

from dedup.shingles import content_hash, normalise_tokens, shingles
from dedup.signatures import SignatureSettings, shingle_hash32, sign_token_lists, to_minhash
from dedup.stage import sign_documents
from newsdedup.config import DedupSettings
from storage.schema import Document
from tests.dedup.stories import LIBRARY, TRAM, syndicated


def datasketch_minhash(tokens: list[str], settings: SignatureSettings) -> MinHash:
    minhash = MinHash(num_perm=settings.num_perm, seed=settings.seed, scheme=settings.scheme, hashfunc=shingle_hash32)
    minhash.update_batch([s.encode() for s in set(shingles(tokens, settings.shingle_size))])
    return minhash


def test_signatures_equal_datasketch_minhash_with_the_shingle_hash():
    settings = SignatureSettings(num_perm=128, seed=7, shingle_size=2)
    texts = [" ".join(TRAM), " ".join(LIBRARY), "Too short", ""]
    token_lists = [normalise_tokens(t) for t in texts]

    values, counts = sign_token_lists(token_lists, settings)

    for row, tokens, count in zip(values, token_lists, counts, strict=True):
        expected = datasketch_minhash(tokens, settings)
        np.testing.assert_array_equal(row, expected.hashvalues.astype(np.uint32))
        assert count == len(set(shingles(tokens, settings.shingle_size)))


def test_stored_signatures_work_with_datasketch_jaccard_and_lsh():
    settings = SignatureSettings(num_perm=128, seed=1, shingle_size=2)
    original, copy, other = (normalise_tokens(" ".join(p)) for p in (TRAM, syndicated(TRAM), LIBRARY))
    values, _ = sign_token_lists([original, copy, other], settings)
    sketches = [to_minhash(v, settings) for v in values]

    assert sketches[0].jaccard(sketches[1]) > 0.8
    assert sketches[0].jaccard(sketches[2]) < 0.1
    lsh = MinHashLSH(threshold=0.5, num_perm=settings.num_perm)
    lsh.insert("tram", sketches[0])
    lsh.insert("library", sketches[2])
    assert lsh.query(sketches[1]) == ["tram"]


def test_normalisation_folds_case_quotes_punctuation_and_wrapping():
    curly = "\u201cNobody is happy,\u201d the authority\u2019s chief\nexecutive told   the ASSEMBLY."
    straight = '"Nobody is happy" - the authority\'s chief executive told the assembly'
    assert normalise_tokens(curly) == normalise_tokens(straight)
    assert content_hash(curly) == content_hash(straight)


def test_sign_documents_gives_the_signatures_and_content_hash_of_the_normalised_tokens():
    settings = DedupSettings()
    texts = [" ".join(TRAM), " ".join(syndicated(TRAM)), "\u201cToo short\u201d", ""]
    documents = [Document("x", 0, "txt", "", text, "k") for text in texts]

    values, counts = sign_documents(documents, settings)

    expected_values, expected_counts = sign_token_lists(
        [normalise_tokens(t) for t in texts], SignatureSettings(settings.num_perm, settings.seed, settings.shingle_size)
    )
    np.testing.assert_array_equal(values, expected_values)
    np.testing.assert_array_equal(counts, expected_counts)
    for document, text in zip(documents, texts, strict=True):
        assert document.content_hash == content_hash(text)
        assert document.article_id == content_hash(text)[:16]
