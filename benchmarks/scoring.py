"""Token-level scoring of extracted article text against gold, and loading of the dev set.

The dev set (``extraction-dev``) holds, for each page, ``html/<folder>/<name>.html`` (the raw
page), ``text/<folder>/<name>.txt`` (the same page dumped by ``w3m -dump -cols 100``) and
``gold/<folder>/<name>.txt`` (the human-selected main text; its first line is the headline,
the rest the body). Folders are crawl years (``big5-05`` ... ``big5-17``).

Scoring is the usual bag-of-words measure of extraction papers: both texts are lowercased and
cut into ``\\w+`` tokens, the overlap is the multiset intersection, and precision, recall and
F1 are computed per page and then averaged over pages.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from parsers.reading import decode_bytes
from parsers.text_dump import normalise_line

#: Where the dev set lives by default: ``../shared/data/extraction-dev`` from the repo root.
DEFAULT_DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "extraction-dev"

_TOKEN = re.compile(r"\w+", re.UNICODE)


@dataclass(frozen=True)
class Score:
    """Precision, recall and F1 of one page (or their averages over pages)."""

    precision: float
    recall: float
    f1: float


@dataclass(frozen=True)
class DevPage:
    """One page of the dev set: raw HTML, text dump and gold (headline + body)."""

    folder: str
    name: str
    html: str | None
    text: str
    gold_title: str
    gold_body: str


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


def _read_text(path: Path, is_html: bool) -> str | None:
    decoded = decode_bytes(path.read_bytes(), is_html)
    return decoded[0] if decoded else None


def load_dev_set(data: Path = DEFAULT_DATA, limit: int | None = None) -> Iterator[DevPage]:
    """The dev set's pages in (folder, name) order; pages without a text dump are skipped.

    Args:
        data: the ``extraction-dev`` directory (holding ``html/``, ``text/``, ``gold/``).
        limit: at most this many pages (taken round-robin over the folders so every crawl
            year is represented), or all when None.
    """
    gold_root = data / "gold"
    if not gold_root.is_dir():
        raise FileNotFoundError(f"no gold/ directory under {data}")
    per_folder = [sorted(folder.glob("*.txt")) for folder in sorted(gold_root.iterdir())]
    ordered = [path for group in per_folder for path in group]
    if limit is not None:
        round_robin = [g[i] for i in range(max(map(len, per_folder), default=0)) for g in per_folder if i < len(g)]
        chosen = set(round_robin[:limit])
        ordered = [path for path in ordered if path in chosen]
    for gold_path in ordered:
        folder, stem = gold_path.parent.name, gold_path.stem
        text_path = data / "text" / folder / f"{stem}.txt"
        html_path = data / "html" / folder / f"{stem}.html"
        if not text_path.is_file():
            continue
        title, body = split_gold(gold_path.read_text(encoding="utf-8", errors="replace"))
        yield DevPage(
            folder=folder,
            name=stem,
            html=_read_text(html_path, is_html=True) if html_path.is_file() else None,
            text=_read_text(text_path, is_html=False) or "",
            gold_title=title,
            gold_body=body,
        )
