"""Placing a whole batch with numpy banding gives exactly the placements of querying
datasketch's MinHashLSH document by document (the reference it replaced)."""

from __future__ import annotations

import random

import numpy as np
from datasketch import MinHashLSH

from dedup.clusters import EXACT, MatchRules, Placement, StoryIndex, verify_candidate
from dedup.signatures import SignatureSettings, sign_token_lists, to_minhash


def reference_placements(settings, rules, bands, rows, stored, batch):
    """The per-document algorithm on datasketch's MinHashLSH: exact hash, else the verified
    canonical candidate with the highest Jaccard (ties: smallest id), else a new story."""
    lsh = MinHashLSH(num_perm=settings.num_perm, params=(bands, rows))
    by_hash, signatures, placements = {}, {}, []

    def add(article_id, content_hash, values, count):
        by_hash.setdefault(content_hash, article_id)
        signatures[article_id] = (values, count)
        if count:
            lsh.insert(article_id, to_minhash(values, settings))

    for doc in stored:
        add(*doc)
    for article_id, content_hash, values, count in batch:
        if content_hash in by_hash:
            placements.append(Placement(by_hash[content_hash], 1.0, EXACT))
            continue
        best = None
        for candidate in lsh.query(to_minhash(values, settings)) if count else []:
            verdict = verify_candidate(values, count, *signatures[candidate], rules)
            if verdict:
                key = (verdict[2], tuple(-ord(c) for c in candidate))
                if best is None or key > best[0]:
                    best = (key, Placement(candidate, verdict[1], verdict[0]))
        if best:
            placements.append(best[1])
        else:
            placements.append(Placement(None))
            add(article_id, content_hash, values, count)
    return placements


def corpus(seed: int, stories: int = 60, copies: int = 120):
    """Token lists: distinct stories over a shared vocabulary, and edited, cut or padded copies."""
    rng = random.Random(seed)
    vocabulary = [f"w{i}" for i in range(400)]
    texts = [[rng.choice(vocabulary) for _ in range(rng.randint(0, 400))] for _ in range(stories)]
    for _ in range(copies):
        text = list(rng.choice(texts))
        kind = rng.random()
        if kind < 0.3 and len(text) > 20:
            text = text[: int(len(text) * rng.uniform(0.4, 0.9))]  # cut short
        elif kind < 0.6:
            text += [rng.choice(vocabulary) for _ in range(rng.randint(10, 200))]  # padded
        for _ in range(rng.randint(0, 15)):
            if text:
                text[rng.randrange(len(text))] = rng.choice(vocabulary)  # copy edits
        texts.append(text)
    rng.shuffle(texts)
    return texts


def test_batch_placement_equals_per_document_lsh_queries():
    settings = SignatureSettings(num_perm=64, shingle_size=2)
    rules = MatchRules(threshold=0.5, containment_threshold=0.6, min_containment_shingles=40)
    for seed, (bands, rows) in enumerate([(32, 2), (21, 3), (16, 4), (64, 1)]):
        texts = corpus(seed)
        values, counts = sign_token_lists(texts, settings)
        docs = [(f"id{i:04d}", " ".join(t) or f"empty{i}", values[i], int(counts[i])) for i, t in enumerate(texts)]
        stored, batch = docs[:40], docs[40:]

        expected = reference_placements(settings, rules, bands, rows, stored, batch)
        index = StoryIndex(settings, rules, lsh_threshold=0.2, bands=bands, rows=rows)
        index.add_canonicals(
            [d[0] for d in stored],
            [d[1] for d in stored],
            np.array([d[2] for d in stored]),
            np.array([d[3] for d in stored]),
        )
        placed = index.place_batch(
            [d[0] for d in batch],
            [d[1] for d in batch],
            np.array([d[2] for d in batch]),
            np.array([d[3] for d in batch]),
        )
        assert [(p.canonical_id, p.method) for p in placed] == [(p.canonical_id, p.method) for p in expected]
        assert np.allclose([p.similarity for p in placed], [p.similarity for p in expected])
        assert sum(p.canonical_id is not None for p in placed) > 30  # the corpus really has copies


def test_thousand_copy_clusters_cost_a_few_candidates_per_copy():
    from tests.dedup.test_partitioned import RULES, SETTINGS, signed_docs, syndication, unrelated_stories

    _, texts = syndication(seed=11)
    stored = signed_docs(unrelated_stories(30), SETTINGS, prefix="old")
    batch = signed_docs(texts, SETTINGS)
    expected = reference_placements(SETTINGS, RULES, 21, 3, stored, batch)
    index = StoryIndex(SETTINGS, RULES, lsh_threshold=0.2, bands=21, rows=3)
    index.add_canonicals(*(list(column) for column in zip(*stored, strict=True)))

    placed = index.place_batch(*(list(column) for column in zip(*batch, strict=True)))

    assert placed == expected
    assert sum(p.canonical_id is not None for p in placed) > 2000
    assert index.candidates_checked <= 2 * len(batch)
