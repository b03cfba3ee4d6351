"""The vectorised tokeniser finds exactly the tokens of ``normalise_tokens``: the lower-cased
``\\w+`` runs, each character of a script without spaces a token of its own."""

from __future__ import annotations

import re

import numpy as np
import pytest

from dedup.shingles import content_hash, hash_texts, hash_token_lists, normalise_tokens, tokens_hash

VARIED = [
    "Café naïve résumé: Ærøskøbing, Straße, ŒUVRE",
    "東京タワーは333メートル。서울特別市 and 北京",
    "route_66 and A1-B2, 3.14159, ２０２４年, ½ ⅔ ², ٣٤٥ ۶۷",
    "\u201cQuoted,\u201d she said \u2018again\u2019 \u2014 «bien» „so“",
    "emoji 😀👍🏽 between words 🇬🇧flag, and 𝐁𝐨𝐥𝐝 math letters 𠀋𡈽",
    "combining: e\u0301cole, n\u0303, a\u0308\u0301, Hindi हिन्दी, Thai ภาษาไทย",
    "Turkish İstanbul İZMİR ıi, German ẞ, Greek ΣΟΦΟΣ Σίσυφος ΟΔΟΣ.",
    "Armenian ԵՎ, Georgian Ა, Cherokee Ꭰ, title-case ǅ ǈ, ligature ﬁ",
    "tabs\tand\nnew\r\nlines\u00a0no-break\u2009thin\u3000ideographic",
    "\x00nul\x01ctl\x7f\x85next line\u2028sep",
    "",
    "   ",
    "a",
    "\U00010400\U00010428 Deseret, lone surrogate \ud800 here",
]


def test_tokens_are_the_regex_tokens_of_the_lower_cased_text():
    for texts in (VARIED, [" ".join(VARIED)], [t for t in VARIED if t.isascii()]):
        hashed = hash_texts(texts)
        expected = hash_token_lists([normalise_tokens(t) for t in texts])
        np.testing.assert_array_equal(hashed.offsets, expected.offsets)
        np.testing.assert_array_equal(hashed.hashes, expected.hashes)


@pytest.mark.parametrize("first", range(0, 0x10000, 0x1000))
def test_every_basic_plane_character_tokenises_as_the_regex_says(first):
    # Every character between ASCII letters: its lower case is part of a token or a boundary.
    text = " ".join(f"x{chr(c)}y" for c in range(first, first + 0x1000))
    for texts in ([text], [text.replace("\u03a3", "").replace("\u0130", "")]):
        hashed = hash_texts(texts)
        expected = hash_token_lists([normalise_tokens(t) for t in texts])
        np.testing.assert_array_equal(hashed.hashes, expected.hashes)


def test_characters_of_scripts_without_spaces_are_tokens_and_other_words_are_runs():
    assert normalise_tokens("北京市的地铁5号线 opened, ภาษาไทย ok; 서울特別市 東京タワー") == [
        *"北京市的地铁",
        "5",
        *"号线",
        "opened",
        *"ภาษาไทย",
        "ok",
        "서울",
        *"特別市",
        *"東京タワー",
    ]
    # Thai vowel marks are not word characters: they part the letters, as before.
    assert normalise_tokens("สวัสดี") == ["ส", "ว", "ส", "ด"]
    # Words of other scripts stay whole, as the plain regex gives them.
    latin = "Café naïve résumé: Ærøskøbing, Straße"
    assert normalise_tokens(latin) == re.findall(r"\w+", latin.lower())


def test_token_hashes_tell_tokens_apart():
    tokens = ["a", "b", "ab", "ba", "aa", "a" * 20, "a" * 21, "the", "teh", "東京", "京東", "x_1"]
    hashes = hash_token_lists([tokens]).hashes
    assert len(set(hashes.tolist())) == len(tokens)


def test_long_texts_and_many_texts_hash_as_one_by_one():
    texts = [" ".join(VARIED) * 300, *VARIED * 50]
    together = hash_texts(texts)
    for i, text in enumerate(texts[:20]):
        np.testing.assert_array_equal(together.of(i), hash_texts([text]).hashes)


def test_content_hash_is_the_hash_of_the_normalised_tokens():
    for text in VARIED:
        assert content_hash(text) == tokens_hash(normalise_tokens(text))
    assert content_hash("Nobody\u2019s  HAPPY,\n\u201cthey\u201d said.") == content_hash("nobody's happy they said")
    assert content_hash("nobody is happy") != content_hash("nobody is unhappy")


def definition_hash(token: str) -> int:
    """The token hash as the module docstring defines it, in Python integers."""
    poly, mask = 0x9E3779B97F4A7C15, 2**64 - 1
    h = sum(ord(c) * pow(poly, i, 2**64) for i, c in enumerate(token)) & mask
    h ^= len(token)
    for multiplier in (0xFF51AFD7ED558CCD, 0xC4CEB9FE1A85EC53):
        h ^= h >> 33
        h = (h * multiplier) & mask
    return h ^ (h >> 33)


def test_token_hashes_follow_the_definition():
    # Stored signatures depend on these values: both code paths must give exactly them.
    for texts in (["Nobody\u2019s HAPPY, “they” said: 東京 and x_1."], ["ΣΟΦΟΣ İstanbul 𝐁𝐨𝐥𝐝 words"]):
        expected = [definition_hash(t) for t in normalise_tokens(texts[0])]
        assert hash_texts(texts).hashes.tolist() == expected
