"""The dedup benchmark's scores, checked on partitions small enough to count by hand."""

from __future__ import annotations

import pytest

from benchmarks.dedup import errors, score

TRUTH = {"a": "1", "b": "1", "c": "2", "d": "2", "e": "3"}


def test_a_perfect_partition_scores_one():
    s = score(TRUTH, {"a": "x", "b": "x", "c": "y", "d": "y", "e": "z"})
    assert (s.precision, s.recall, s.f1, s.ari, s.false_pairs, s.missed_pairs) == (1, 1, 1, 1, 0, 0)


def test_one_wrong_merge_and_one_split():
    # Predicted {a,b,c} {d} {e}: pairs ab (right), ac and bc (wrong); cd missed.
    s = score(TRUTH, {"a": "x", "b": "x", "c": "x", "d": "y", "e": "z"})
    assert s.precision == pytest.approx(1 / 3) and s.recall == pytest.approx(1 / 2)
    assert (s.false_pairs, s.missed_pairs, s.clusters) == (2, 1, 3)
    # ARI = (1 - 2*3/10) / ((2 + 3)/2 - 2*3/10), from the contingency table by hand.
    assert s.ari == pytest.approx(0.4 / 1.9)


def test_files_missing_from_the_prediction_are_singletons():
    s = score(TRUTH, {"a": "x", "b": "x"})
    assert s.precision == 1.0 and s.missed_pairs == 1


def test_errors_name_the_wrong_merges_and_the_splits():
    lines = errors(TRUTH, {"a": "x", "b": "x", "c": "x", "d": "y", "e": "z"})
    assert "merged  a (1) + c (2)" in lines and "split   2: c | d" in lines
