"""Text normalisation and word shingles: what dedup compares.

Normalisation removes the differences syndication introduces without changing the story:
case, curly vs straight quotes, punctuation, whitespace and line wrapping.
"""

from __future__ import annotations

import hashlib
import re

#: Word tokens. Curly and straight quotes, dashes and no-break spaces are all non-word
#: characters, so quote style and typography vanish with the punctuation (no folding pass).
_TOKEN = re.compile(r"\w+", re.UNICODE)


def normalise_tokens(text: str) -> list[str]:
    """Lower-cased word tokens of ``text``, punctuation and quote style removed.

    >>> normalise_tokens("Kono’s “life's work,” he said.")
    ['kono', 's', 'life', 's', 'work', 'he', 'said']
    """
    return _TOKEN.findall(text.lower())


def tokens_hash(tokens: list[str]) -> str:
    """Hash of normalised tokens (hex, 32 digits): the ``content_hash`` of a text."""
    return hashlib.blake2b(" ".join(tokens).encode(), digest_size=16).hexdigest()


def content_hash(text: str) -> str:
    """Hash of the normalised text: equal for copies that differ only in case, quotes,
    punctuation or wrapping (such copies are exact duplicates)."""
    return tokens_hash(normalise_tokens(text))


def shingles(tokens: list[str], size: int) -> list[str]:
    """Word n-grams of ``tokens`` joined by spaces; a text shorter than ``size`` is one shingle."""
    if len(tokens) < size:
        return [" ".join(tokens)] if tokens else []
    return [" ".join(tokens[i : i + size]) for i in range(len(tokens) - size + 1)]
