"""Text normalisation, token hashes and word shingles: what dedup compares.

Normalisation removes the differences syndication introduces without changing the story:
case, curly vs straight quotes, punctuation, whitespace and line wrapping. A text's tokens
are its lower-cased ``\\w+`` runs, except that every character of a script written without
spaces between words (Chinese, Japanese kana, Thai, Lao, Khmer, Myanmar: ``CHARACTER_TOKENS``)
is a token of its own, so a Chinese clause gives a shingle per pair of characters instead of
one token for the whole clause (``normalise_tokens``, the definition). Signing never builds
tokens as Python strings: ``hash_texts`` finds the same tokens in the code points of a whole
batch with numpy and numba and hashes each one, about ten times faster than the regex.

Token hash (version ``TOKEN_HASH_VERSION``): for a token of code points ``c_0 .. c_{L-1}``,
``fmix64((c_0 + c_1 P + ... + c_{L-1} P^(L-1)) mod 2**64 XOR L)`` with the odd constant ``P``.
Polynomial sums of a token are differences of prefix sums, so a batch is hashed in a few
vectorised passes; ``hash_token_lists`` gives the same values for tokens already split.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from numba import njit

#: Scripts written without spaces between words: each of their characters is one token
#: (character n-gram shingles), so that a story in them has as many shingles as characters.
#: Ranges of code points: CJK ideographs (with extension A, compatibility ideographs and
#: the supplementary planes' extensions), hiragana, katakana (with halfwidth forms), Thai,
#: Lao, Khmer and Myanmar. Hangul is not here: Korean puts spaces between words.
CHARACTER_TOKENS = (
    (0x0E00, 0x0EFF),  # Thai, Lao
    (0x1000, 0x109F),  # Myanmar
    (0x1780, 0x17FF),  # Khmer
    (0x3040, 0x30FF),  # hiragana, katakana
    (0x31F0, 0x31FF),  # katakana phonetic extensions
    (0x3400, 0x4DBF),  # CJK extension A
    (0x4E00, 0x9FFF),  # CJK unified ideographs
    (0xF900, 0xFAFF),  # CJK compatibility ideographs
    (0xFF66, 0xFF9F),  # halfwidth katakana
    (0x20000, 0x3FFFF),  # CJK extensions B and later
)
_CHARACTER_CLASS = "".join(f"\\U{first:08x}-\\U{last:08x}" for first, last in CHARACTER_TOKENS)
#: Tokens: one character of ``CHARACTER_TOKENS``, or a run of other word characters. Curly and
#: straight quotes, dashes and no-break spaces are all non-word characters, so quote style
#: and typography vanish with the punctuation (no folding pass).
_TOKEN = re.compile(f"(?=\\w)[{_CHARACTER_CLASS}]|[^\\W{_CHARACTER_CLASS}]+")
_NON_WORD = re.compile(r"\W")
#: One character that is a token of its own. Lower-casing maps no code point into or out of
#: ``CHARACTER_TOKENS`` (checked over all of Unicode), so the text is searched as written.
_CHARACTER_TOKEN = re.compile(f"(?=\\w)[{_CHARACTER_CLASS}]")

#: Version of the tokens, token hash and content hash below; part of the stored shingle hash
#: version (v3: characters of scripts without spaces are tokens of their own).
TOKEN_HASH_VERSION = "poly64-fmix64-v3-chartokens"

_POLY = 0x9E3779B97F4A7C15  # odd, so invertible mod 2**64 (the golden-ratio constant)
_POLY_INVERSE = pow(_POLY, -1, 2**64)
#: Code points tokenised per numpy step: keeps the scratch arrays within the CPU cache.
_CODE_POINTS_PER_STEP = 1 << 16
#: Documents are joined by a non-word character, so no token spans two documents.
_SEPARATOR = "\n"
#: Code points whose lower case depends on context (final sigma) or is two characters
#: (dotted capital I): texts with them are lower-cased by ``str.lower`` itself.
_CONTEXTUAL_LOWER = ("\u03a3", "\u0130")


def normalise_tokens(text: str) -> list[str]:
    """Lower-cased word tokens of ``text``, punctuation and quote style removed; each
    character of a script without spaces (``CHARACTER_TOKENS``) is a token of its own.

    >>> normalise_tokens("Kono’s “life's work,” he said.")
    ['kono', 's', 'life', 's', 'work', 'he', 'said']
    >>> normalise_tokens("地铁5号线开通")
    ['地', '铁', '5', '号', '线', '开', '通']
    """
    return _TOKEN.findall(text.lower())


def has_character_tokens(text: str) -> bool:
    """Whether ``text`` has a character that is a token of its own (``CHARACTER_TOKENS``).

    Only such texts are tokenised differently since token hash v2, whose tokens were the
    plain ``\\w+`` runs: for every other text the tokens, hence the content hash, article id
    and signature, are the same (what ``newsdedup upgrade`` relies on).

    >>> has_character_tokens("Tokyo's new line, 5 km"), has_character_tokens("地铁5号线")
    (False, True)
    """
    return _CHARACTER_TOKEN.search(text) is not None


@dataclass(frozen=True)
class TokenHashes:
    """The token hashes of a batch of documents.

    ``hashes`` (uint64) holds every document's token hashes in order; document ``i`` has
    ``hashes[offsets[i] : offsets[i + 1]]``.
    """

    hashes: np.ndarray
    offsets: np.ndarray

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def of(self, document: int) -> np.ndarray:
        """Token hashes of one document."""
        return self.hashes[self.offsets[document] : self.offsets[document + 1]]


def hash_texts(texts: Sequence[str]) -> TokenHashes:
    """Hashes of the normalised tokens of every text (the tokens of ``normalise_tokens``).

    >>> hash_texts(["It’s here.", ""]).offsets.tolist()
    [0, 3, 3]
    """
    parts, counts = [], []
    first = 0
    while first < len(texts):
        last, size = first + 1, len(texts[first])
        while last < len(texts) and size + len(texts[last]) < _CODE_POINTS_PER_STEP:
            size += len(texts[last]) + 1
            last += 1
        hashes, per_text = _hash_step(texts[first:last])
        parts.append(hashes)
        counts.append(per_text)
        first = last
    return _token_hashes(parts, counts, len(texts))


def hash_token_lists(token_lists: Sequence[Sequence[str]]) -> TokenHashes:
    """Token hashes of documents already split into tokens (any tokeniser's): the values
    ``hash_texts`` gives for the same tokens."""
    parts, counts = [], []
    for first in range(0, len(token_lists), 256):
        batch = token_lists[first : first + 256]
        tokens = [token for tokens in batch for token in tokens]
        lengths = np.fromiter(map(len, tokens), dtype=np.int64, count=len(tokens))
        codes = _code_points("\0".join(tokens))  # code point 0 between spans, as required
        starts = np.cumsum(lengths + 1) - lengths - 1
        parts.append(_span_hashes(codes, starts, starts + lengths))
        counts.append(np.fromiter(map(len, batch), dtype=np.int64, count=len(batch)))
    return _token_hashes(parts, counts, len(token_lists))


def hashes_digest(token_hashes: np.ndarray) -> str:
    """Content hash (hex, 32 digits) of one document's token hashes."""
    return hashlib.blake2b(token_hashes.astype("<u8", copy=False).tobytes(), digest_size=16).hexdigest()


def content_hash(text: str) -> str:
    """Hash of the normalised text: equal for copies that differ only in case, quotes,
    punctuation or wrapping (such copies are exact duplicates)."""
    return hashes_digest(hash_texts([text]).hashes)


def tokens_hash(tokens: Sequence[str]) -> str:
    """Content hash of a document already split into tokens (``content_hash`` of a text
    is ``tokens_hash(normalise_tokens(text))``)."""
    return hashes_digest(hash_token_lists([tokens]).hashes)


def shingles(tokens: list[str], size: int) -> list[str]:
    """Word n-grams of ``tokens`` joined by spaces; a text shorter than ``size`` is one shingle."""
    if len(tokens) < size:
        return [" ".join(tokens)] if tokens else []
    return [" ".join(tokens[i : i + size]) for i in range(len(tokens) - size + 1)]


def fmix64(h: np.ndarray) -> np.ndarray:
    """MurmurHash3's 64-bit finaliser (an avalanching bijection) of uint64 values."""
    h = h ^ (h >> np.uint64(33))
    h = h * np.uint64(0xFF51AFD7ED558CCD)
    h = h ^ (h >> np.uint64(33))
    h = h * np.uint64(0xC4CEB9FE1A85EC53)
    return h ^ (h >> np.uint64(33))


def _token_hashes(parts: list[np.ndarray], counts: list[np.ndarray], documents: int) -> TokenHashes:
    offsets = np.zeros(documents + 1, dtype=np.int64)
    if documents:
        np.cumsum(np.concatenate(counts), out=offsets[1:])
    hashes = np.concatenate(parts) if parts else np.empty(0, np.uint64)
    return TokenHashes(hashes, offsets)


def _hash_step(texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Token hashes of a few texts, and the number of tokens of each."""
    joined = _SEPARATOR.join(texts)
    codes = _code_points(joined)
    if codes.dtype == np.uint16 and not any(c in joined for c in _CONTEXTUAL_LOWER):
        # Lower case and word test in one look-up (lower-cased code point, 0 if not a word
        # one), tokens found and hashed in the same pass.
        lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
        return _tokenise_and_hash(codes, _bmp_lower_words(), _bmp_character_tokens(), np.cumsum(lengths + 1) - 1)
    # Code points above U+FFFF, or lower cases of more than one: the definition's regex (rare).
    token_hashes = hash_token_lists([normalise_tokens(text) for text in texts])
    return token_hashes.hashes, np.diff(token_hashes.offsets)


@njit(cache=True)
def _tokenise_and_hash(
    codes: np.ndarray, lower_words: np.ndarray, character_tokens: np.ndarray, text_ends: np.ndarray
) -> tuple:
    """Token hashes of texts joined by non-word code points (``text_ends``: where each text
    ends), and each text's number of tokens, in one pass over the code points: ``_span_hashes``
    of the tokens that ``lower_words`` (code point -> lower-cased word code point, or 0)
    finds, a code point marked in ``character_tokens`` being a token of its own, computed as
    the token hash's definition reads."""
    hashes = np.empty(codes.shape[0] + 1, np.uint64)  # at most a token per code point
    per_text = np.zeros(text_ends.shape[0], np.int64)
    count = counted = 0
    start = 0
    for text in range(text_ends.shape[0]):
        end = min(text_ends[text], codes.shape[0])
        total = np.uint64(0)
        power = np.uint64(1)
        length = 0
        for i in range(start, end):
            code = lower_words[codes[i]]
            if code != 0 and character_tokens[codes[i]]:
                if length:  # the word before it ends here
                    hashes[count] = _fmix64_one(total ^ np.uint64(length))
                    count += 1
                    total, power, length = np.uint64(0), np.uint64(1), 0
                hashes[count] = _fmix64_one(np.uint64(code) ^ np.uint64(1))
                count += 1
            elif code != 0:
                total += np.uint64(code) * power
                power *= np.uint64(_POLY)
                length += 1
            elif length:
                hashes[count] = _fmix64_one(total ^ np.uint64(length))
                count += 1
                total, power, length = np.uint64(0), np.uint64(1), 0
        if length:
            hashes[count] = _fmix64_one(total ^ np.uint64(length))
            count += 1
        per_text[text] = count - counted
        counted = count
        start = end + 1
    return hashes[:count].copy(), per_text


@njit(cache=True, inline="always")
def _fmix64_one(h: np.uint64) -> np.uint64:
    """``fmix64`` of one value (for the kernel above)."""
    h ^= h >> np.uint64(33)
    h *= np.uint64(0xFF51AFD7ED558CCD)
    h ^= h >> np.uint64(33)
    h *= np.uint64(0xC4CEB9FE1A85EC53)
    return h ^ (h >> np.uint64(33))


def _span_hashes(codes: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Token hashes of the spans ``codes[starts[i] : ends[i]]``; the code points between
    spans must be 0 (they then add nothing to the span before them)."""
    if not len(starts):
        return np.empty(0, np.uint64)
    powers, inverse_powers = _powers(len(codes))
    weighted = np.multiply(codes, powers[: len(codes)], dtype=np.uint64)
    sums = np.add.reduceat(weighted, starts)  # span i plus the zeros after it
    sums *= inverse_powers[starts]  # shift each span to start at power 0
    sums ^= (ends - starts).astype(np.uint64)
    return fmix64(sums)


def _code_points(text: str) -> np.ndarray:
    """The code points of ``text``: uint16 when it has none above U+FFFF, else uint32."""
    utf16 = text.encode("utf-16-le", "surrogatepass")
    if len(utf16) == 2 * len(text):
        return np.frombuffer(utf16, dtype=np.uint16)
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)


def _powers(length: int) -> tuple[np.ndarray, np.ndarray]:
    """``_POLY**i`` and its inverse mod 2**64 for ``i < length`` (at least)."""
    return _powers_up_to(max(_CODE_POINTS_PER_STEP, 1 << (length - 1).bit_length()))


@lru_cache(maxsize=4)
def _powers_up_to(length: int) -> tuple[np.ndarray, np.ndarray]:
    powers = np.full(length, _POLY, dtype=np.uint64)
    inverse_powers = np.full(length, _POLY_INVERSE, dtype=np.uint64)
    powers[0] = inverse_powers[0] = 1
    return np.cumprod(powers), np.cumprod(inverse_powers)


@lru_cache(maxsize=1)
def _bmp_lower_words() -> np.ndarray:
    """uint16 table over U+0000..U+FFFF: the lower-case code point if that is a word
    character, else 0 (``_CONTEXTUAL_LOWER`` excepted: their lower case is not one code point)."""
    every = "".join(map(chr, range(0x10000)))
    for c in _CONTEXTUAL_LOWER:
        every = every.replace(c, "\0")
    lowered = every.lower()
    if len(lowered) != len(every):
        raise AssertionError("a lower-case mapping of more than one code point is not excepted")
    return _code_points(_NON_WORD.sub("\0", lowered)).copy()


@lru_cache(maxsize=1)
def _bmp_character_tokens() -> np.ndarray:
    """bool table over U+0000..U+FFFF: code points that are tokens of their own (``CHARACTER_TOKENS``)."""
    table = np.zeros(0x10000, dtype=np.bool_)
    for first, last in CHARACTER_TOKENS:
        if first < 0x10000:
            table[first : min(last, 0xFFFF) + 1] = True
    return table
