"""Scoring extracted article text: against a gold text, and against snippets.

Gold text (``extraction-dev``, ``extraction-dev-2023``): the usual bag-of-words measure of
extraction papers. Both texts are lowercased and cut into ``\\w+`` tokens, the overlap is the
multiset intersection, and precision, recall and F1 are computed per page and then averaged over
pages.

Snippets (``extraction-dev-multilingual``), as trafilatura scores its own evaluation: a ``with``
passage found in the output is a true positive, one missing a false negative; a ``without``
passage found is a false positive. Precision, recall and F1 come from the counts summed over all
pages. Passages are matched as substrings after white space is folded to single spaces.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from parsers.text_dump import normalise_line

#: The shared data sets: ``../shared/data`` from the repository root.
SHARED_DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data"
#: The 9-site dev set, the default of the scripts that take one set.
DEFAULT_DATA = SHARED_DATA / "extraction-dev"

_TOKEN = re.compile(r"\w+", re.UNICODE)


@dataclass(frozen=True)
class Score:
    """Precision, recall and F1 of one page (or their averages over pages)."""

    precision: float
    recall: float
    f1: float


def tokens(text: str) -> Counter[str]:
    """The bag (multiset) of lowercase ``\\w+`` tokens of ``text``."""
    return Counter(_TOKEN.findall(text.lower()))


def token_scores(predicted: str, gold: str) -> Score:
    """Token-level precision, recall and F1 of ``predicted`` against ``gold``.

    Both empty counts as a perfect match; one side empty scores 0.

    >>> token_scores("the cat sat", "the cat sat down").recall
    0.75
    """
    predicted_bag, gold_bag = tokens(predicted), tokens(gold)
    if not predicted_bag and not gold_bag:
        return Score(1.0, 1.0, 1.0)
    overlap = sum((predicted_bag & gold_bag).values())
    if not overlap:
        return Score(0.0, 0.0, 0.0)
    precision = overlap / sum(predicted_bag.values())
    recall = overlap / sum(gold_bag.values())
    return Score(precision, recall, 2 * precision * recall / (precision + recall))


def mean_score(scores: list[Score]) -> Score:
    """Precision, recall and F1 averaged over pages (macro average)."""
    if not scores:
        return Score(0.0, 0.0, 0.0)
    count = len(scores)
    return Score(
        sum(s.precision for s in scores) / count,
        sum(s.recall for s in scores) / count,
        sum(s.f1 for s in scores) / count,
    )


def title_matches(predicted: str | None, gold: str) -> bool:
    """True when the predicted headline has the gold headline's tokens, in order.

    Compared on lowercase ``\\w+`` tokens so quotes, dashes and spacing do not matter.
    """
    if not predicted:
        return False
    return _TOKEN.findall(predicted.lower()) == _TOKEN.findall(gold.lower())


def split_gold(gold: str) -> tuple[str, str]:
    """Headline (first non-blank line) and body (the rest) of a gold file."""
    lines = gold.replace("\r\n", "\n").strip("\n\ufeff").split("\n")
    return normalise_line(lines[0]), "\n".join(lines[1:]).strip()


#: Words of page furniture (share bars, sign-up boxes, related lists, ads, cookie notices) that
#: count as a leak when the output has more of them than the gold text.
FURNITURE_WORDS = ("share", "subscribe", "newsletter", "related", "advertisement", "cookie", "cookies")


def leaks_furniture(predicted: str, gold: str, words: Iterable[str] = FURNITURE_WORDS) -> bool:
    """Whether ``predicted`` holds a furniture word (``FURNITURE_WORDS``) more often than ``gold``."""
    predicted_bag, gold_bag = tokens(predicted), tokens(gold)
    return any(predicted_bag[word] > gold_bag[word] for word in words)


@dataclass(frozen=True)
class SnippetCounts:
    """Snippet matches of one page or of many (summed)."""

    true_positives: int = 0
    false_negatives: int = 0
    false_positives: int = 0

    def __add__(self, other: SnippetCounts) -> SnippetCounts:
        return SnippetCounts(
            self.true_positives + other.true_positives,
            self.false_negatives + other.false_negatives,
            self.false_positives + other.false_positives,
        )

    def score(self) -> Score:
        """Precision, recall and F1 of the counts (trafilatura's evaluation)."""
        found = self.true_positives + self.false_positives
        wanted = self.true_positives + self.false_negatives
        precision = self.true_positives / found if found else 0.0
        recall = self.true_positives / wanted if wanted else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        return Score(precision, recall, f1)


def _folded(text: str) -> str:
    return " ".join(text.split())


def snippet_counts(predicted: str, with_snippets: Iterable[str], without_snippets: Iterable[str]) -> SnippetCounts:
    """How many ``with`` passages ``predicted`` holds (and misses), and how many ``without``
    passages it holds, white space folded on both sides.

    >>> snippet_counts("The  story.\\n\\nShare this", ["The story."], ["Share this", "Ads"])
    SnippetCounts(true_positives=1, false_negatives=0, false_positives=1)
    """
    text = _folded(predicted)
    found = [_folded(s) in text for s in with_snippets]
    leaked = sum(_folded(s) in text for s in without_snippets)
    return SnippetCounts(sum(found), len(found) - sum(found), leaked)
