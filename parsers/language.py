"""Which language a text is written in, and that language's stopwords.

Language identification is py3langid's (langid.py's naive Bayes model over byte n-grams, 140
languages, shipped inside the package: nothing is downloaded). Stoplists are jusText's (about 100
languages, the lists jusText itself scores paragraphs with). Both sit behind the two functions
here, so the cleaners never hold word lists of their own.

    >>> detect_language("Der Bundestag hat am Donnerstag ein neues Gesetz beschlossen.")
    'de'
    >>> "und" in stoplist("de")
    True
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass

#: Characters of a text that identification reads: its cost grows with the length (about
#: 0.4 ms per 1,000 characters), and a few sentences of prose decide the language.
SAMPLE_CHARS = 1200
#: Probability (py3langid's normalised score) under which the language counts as unknown.
MIN_CONFIDENCE = 0.6

#: py3langid labels that are not ISO 639-1 but belong to a language that has a code.
_LABEL_TO_ISO = {"ary": "ar", "arz": "ar", "wuu": "zh", "yue": "zh", "uzs": "uz", "gug": "gn"}

#: ISO 639-1 code of each jusText stoplist (lists of languages without a code are left out).
_JUSTEXT_STOPLISTS = {
    "af": "Afrikaans", "sq": "Albanian", "ar": "Arabic", "an": "Aragonese", "hy": "Armenian",
    "az": "Azerbaijani", "eu": "Basque", "be": "Belarusian", "bn": "Bengali", "bs": "Bosnian",
    "br": "Breton", "bg": "Bulgarian", "ca": "Catalan", "cv": "Chuvash", "hr": "Croatian",
    "cs": "Czech", "da": "Danish", "nl": "Dutch", "en": "English", "eo": "Esperanto",
    "et": "Estonian", "fi": "Finnish", "fr": "French", "gl": "Galician", "ka": "Georgian",
    "de": "German", "el": "Greek", "gu": "Gujarati", "ht": "Haitian", "he": "Hebrew",
    "hi": "Hindi", "hu": "Hungarian", "is": "Icelandic", "io": "Ido", "ig": "Igbo",
    "id": "Indonesian", "ga": "Irish", "it": "Italian", "jv": "Javanese", "kn": "Kannada",
    "kk": "Kazakh", "ko": "Korean", "ku": "Kurdish", "ky": "Kyrgyz", "la": "Latin",
    "lv": "Latvian", "lt": "Lithuanian", "lb": "Luxembourgish", "mk": "Macedonian", "ms": "Malay",
    "ml": "Malayalam", "mt": "Maltese", "mr": "Marathi", "ne": "Nepali", "no": "Norwegian_Bokmal",
    "nb": "Norwegian_Bokmal", "nn": "Norwegian_Nynorsk", "oc": "Occitan", "fa": "Persian",
    "pl": "Polish", "pt": "Portuguese", "qu": "Quechua", "ro": "Romanian", "ru": "Russian",
    "sr": "Serbian", "sk": "Slovak", "sl": "Slovenian", "es": "Spanish", "su": "Sundanese",
    "sw": "Swahili", "sv": "Swedish", "tl": "Tagalog", "ta": "Tamil", "te": "Telugu",
    "tr": "Turkish", "tk": "Turkmen", "uk": "Ukrainian", "ur": "Urdu", "uz": "Uzbek",
    "vi": "Vietnamese", "vo": "Volapuk", "wa": "Walloon", "cy": "Welsh", "fy": "West_Frisian",
    "yo": "Yoruba",
}  # fmt: skip

#: Languages written without spaces between words: their text is measured in characters.
UNSPACED_LANGUAGES = frozenset({"zh", "ja", "th", "lo", "km", "my", "bo", "dz"})

#: Unicode scripts written without spaces between words (first word of the character's name).
_UNSPACED_SCRIPTS = ("CJK", "HIRAGANA", "KATAKANA", "THAI", "LAO", "KHMER", "MYANMAR", "TIBETAN")


@functools.cache
def _identifier():
    """py3langid's identifier with normalised probabilities (loaded once per process, ~1.5 s)."""
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def detect_language(text: str, min_confidence: float = MIN_CONFIDENCE) -> str | None:
    """The ISO 639-1 code of the language ``text`` is written in, or None when unsure.

    Reads the first ``SAMPLE_CHARS`` characters: pass prose (an article's text), not a page
    with its menus. None when the text has no letters, when the model's probability is under
    ``min_confidence``, or when the language has no ISO 639-1 code.
    """
    sample = text[:SAMPLE_CHARS]
    if not any(c.isalpha() for c in sample):
        return None
    label, confidence = _identifier().classify(sample)
    if confidence < min_confidence:
        return None
    label = _LABEL_TO_ISO.get(label, label)
    return label if len(label) == 2 else None


@functools.cache
def stoplist(language: str | None) -> frozenset[str]:
    """The lower-case stopwords of ``language`` (ISO 639-1) from jusText, or an empty set for
    a language jusText has no list for (Chinese, Japanese, Thai, ...) or for None."""
    name = _JUSTEXT_STOPLISTS.get(language or "")
    if name is None:
        return frozenset()
    import justext

    return frozenset(word.lower() for word in justext.get_stoplist(name))


def has_stoplist(language: str | None) -> bool:
    """Whether ``stoplist(language)`` has words."""
    return (language or "") in _JUSTEXT_STOPLISTS


def unspaced_share(text: str) -> float:
    """Share of the letters of ``text`` that belong to scripts written without spaces
    (Han, kana, Thai, Lao, Khmer, Myanmar, Tibetan): near 1 for Chinese or Japanese prose."""
    letters = unspaced = 0
    for char in text:
        if char.isalpha():
            letters += 1
            if ord(char) >= 0x0E00 and unicodedata.name(char, "").startswith(_UNSPACED_SCRIPTS):
                unspaced += 1
    return unspaced / letters if letters else 0.0


# --- measuring prose in any language -------------------------------------------------------

#: One character of a script written without spaces (Han, kana, Thai, Lao, Khmer, Myanmar,
#: Tibetan): the ranges of ``_UNSPACED_SCRIPTS`` as a regex, for counting in C.
_UNSPACED_CHAR = re.compile(
    "[\u0e00-\u0eff\u0f00-\u0fff\u1000-\u109f\u1780-\u17ff\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]"
)
#: Characters that make one word of an unspaced script: Chinese and Japanese words average
#: about two characters, so thresholds in words (``MIN_PROSE_WORDS``) hold for them too.
UNSPACED_CHARS_PER_WORD = 2.0
#: Marks that punctuate running text in any script (Latin, CJK full-width, Arabic).
_PROSE_MARKS = re.compile("[,.;:!?\u060c\u061b\u061f\u3001\u3002\uff0c\uff1b\uff1a\uff01\uff1f]")
#: Language-neutral prose signal (a language without a stoplist): punctuation marks per word.
#: Prose has a comma or full stop every 8-15 words; menus, link lists and name lists none.
#: Fitted with stoplists switched off on the HTML of the sites of fold 0/2 (9-site and 2023
#: sets; 0.02 and 0.03 tie at F1 0.985 / 0.914, 0.05 gives 0.973 / 0.903), scored on the
#: other sites: 0.991 / 0.924 (0.05: 0.985 / 0.915), against 0.99 / 0.92 with stoplists.
MIN_MARKS_PER_WORD = 0.03
#: Share of a sample's words that are English function words (``rules.STOPWORDS``) above
#: which the sample is English without asking the model. English samples of the 9-site dumps
#: have 19-60% (5% under 25%); text in other languages of the multilingual set at most 23%.
_ENGLISH_SHARE = 0.25
#: A word of a sample, as the cleaners split words ("it's" is two: both are stopwords).
_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class ProseMeter:
    """How the prose signals of one page are measured, once its language is known.

    ``stopwords`` is the stoplist the stopword density is counted with (empty: the language
    has none, and punctuation marks per word stand in for it); ``unspaced`` pages (Chinese,
    Japanese, Thai) are measured in characters, ``UNSPACED_CHARS_PER_WORD`` to a word.
    """

    language: str | None
    stopwords: frozenset[str]
    unspaced: bool = False

    def size(self, text: str, tokens: int) -> int:
        """Words of ``text`` (``tokens``: its ``\\w+`` count), or their equivalent in characters
        for an unspaced script (a Chinese sentence is one ``\\w+`` token)."""
        if not self.unspaced:
            return tokens
        chars = len(_UNSPACED_CHAR.findall(text))
        if not chars:
            return tokens
        return max(tokens, round(chars / UNSPACED_CHARS_PER_WORD))

    def is_prose_like(self, text: str, words: list[str], size: int, min_share: float) -> bool:
        """Whether ``text`` reads like running text: at least ``min_share`` of its (lowercase)
        ``words`` are stopwords, or, without a stoplist, ``MIN_MARKS_PER_WORD`` punctuation
        marks per word (``size``)."""
        if not size:
            return False
        if self.stopwords:
            stop = self.stopwords
            return sum(1 for w in words if w in stop) >= min_share * len(words)
        return len(_PROSE_MARKS.findall(text)) >= MIN_MARKS_PER_WORD * size


def prose_meter(sample: str, english: frozenset[str]) -> ProseMeter:
    """The ``ProseMeter`` of a page whose candidate prose is ``sample`` (its longest blocks).

    ``english`` is the English stoplist the cleaner scores English with: a sample
    dense in it is English without running the model (most pages; saves its 0.2 ms).
    """
    sample = sample[:SAMPLE_CHARS]
    words = _WORD.findall(sample.lower())
    if words and sum(map(english.__contains__, words)) >= _ENGLISH_SHARE * len(words):
        return ProseMeter("en", english)
    language = detect_language(sample)
    unspaced = language in UNSPACED_LANGUAGES or (language is None and unspaced_share(sample) > 0.5)
    if language == "en":
        return ProseMeter("en", english, unspaced)
    return ProseMeter(language, stoplist(language), unspaced)
