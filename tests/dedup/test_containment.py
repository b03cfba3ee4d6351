"""Containment of a short copy inside a long page that carries much text of its own: judged
from the order of the MinHash minima, not only from the Jaccard estimate."""

from __future__ import annotations

import random

import numpy as np

from dedup.clusters import CONTAINED, MatchRules, StoryIndex, verify_candidate
from dedup.signatures import SignatureSettings, sign_token_lists

RULES = MatchRules(threshold=0.5, containment_threshold=0.6, min_containment_shingles=150)
SETTINGS = SignatureSettings(shingle_size=2)


def words(rng: random.Random, count: int) -> list[str]:
    return [f"w{rng.randrange(10**9)}" for _ in range(count)]


def jaccard_bound(values: np.ndarray, counts: np.ndarray) -> float:
    """The containment the Jaccard estimate alone gives (two standard errors off)."""
    j = float(np.count_nonzero(values[0] == values[1])) / values.shape[1]
    lowered = max(0.0, j - 2 * np.sqrt(j * (1 - j) / values.shape[1]))
    return lowered * (counts[0] + counts[1]) / ((1 + lowered) * min(counts))


def test_a_short_copy_inside_a_page_three_times_its_length_is_contained():
    found = jaccard_found = 0
    for seed in range(20):
        rng = random.Random(seed)
        story = words(rng, 400)
        copy = story[:320] + words(rng, 80)  # 80% the story: a cut tail and a note of its own
        page = words(rng, 300) + story + words(rng, 800)  # the story inside much chrome
        values, counts = sign_token_lists([copy, page], SETTINGS)
        jaccard_found += jaccard_bound(values, counts) >= 0.6
        verdict = verify_candidate(values[0], int(counts[0]), values[1], int(counts[1]), RULES)
        found += verdict is not None and verdict[0] == CONTAINED and verdict[1] >= 0.6
    # A cautious bound still: at 80% true containment it finds most draws; the Jaccard
    # estimate alone, with its error multiplied by the sizes' ratio, misses half of them.
    assert found >= 17 and jaccard_found <= 12


def test_a_text_sharing_under_half_of_itself_with_a_long_page_is_not_contained():
    for seed in range(20):
        rng = random.Random(seed)
        shared = words(rng, 180)
        text = shared + words(rng, 220)  # 45% of it is on the page
        page = words(rng, 500) + shared + words(rng, 700)
        values, counts = sign_token_lists([text, page], SETTINGS)
        assert verify_candidate(values[0], int(counts[0]), values[1], int(counts[1]), RULES) is None


def test_the_placement_kernel_judges_as_verify_candidate():
    rng = random.Random(5)
    story = words(rng, 400)
    page = words(rng, 300) + story + words(rng, 800)
    texts = [page, story[:320] + words(rng, 80), story[:150] + words(rng, 250)]
    values, counts = sign_token_lists(texts, SETTINGS)
    index = StoryIndex(SETTINGS, RULES, lsh_threshold=0.1)
    placements = index.place_batch(["page", "copy", "other"], ["h0", "h1", "h2"], values, counts)
    for row in (1, 2):
        verdict = verify_candidate(values[row], int(counts[row]), values[0], int(counts[0]), RULES)
        expected = (None, "") if verdict is None else ("page", verdict[0])
        assert (placements[row].canonical_id, placements[row].method) == expected
        if verdict is not None:
            assert placements[row].similarity == verdict[1]
