"""Language identification and stoplists (parsers.language), on short real-looking news prose."""

from __future__ import annotations

import pytest

from parsers.language import ProseMeter, detect_language, has_stoplist, prose_meter, stoplist, unspaced_share

PROSE = {
    "de": "Der Bundestag hat am Donnerstag nach langer Debatte ein neues Gesetz zur Rente beschlossen, "
    "das im kommenden Jahr in Kraft treten soll.",
    "es": "El Banco Central informó este martes que la deuda externa aumentó en 884 millones de dólares "
    "respecto al año anterior, debido al aumento de la deuda pública.",
    "fr": "Le gouvernement a présenté mercredi un projet de loi sur l'énergie qui doit être examiné par "
    "les députés avant la fin de l'année.",
    "pl": "Rząd przyjął we wtorek projekt ustawy, który ma obniżyć ceny energii dla gospodarstw domowych "
    "w przyszłym roku.",
    "ko": "서울시는 목요일 시의회에서 새로운 교통 조례를 통과시켰으며 내년부터 시행할 예정이라고 밝혔다.",
    "ja": "東京都は木曜日、新しい交通条例を可決し、来年四月から施行すると発表した。",
    "zh": "北京市政府周四宣布，新的交通规定将于明年一月起正式实施，以缓解城市拥堵问题。",
    "en": "The city council voted on Thursday to approve the new budget, which includes more money "
    "for schools and road repairs.",
}


@pytest.mark.parametrize("language", sorted(PROSE))
def test_detects_the_language_of_news_prose(language):
    assert detect_language(PROSE[language]) == language


def test_unsure_or_letterless_text_has_no_language():
    assert detect_language("") is None
    assert detect_language("12:45 | 3,400 — 17.5%") is None
    # Two words of a menu say nothing of a language the model can be sure of.
    assert detect_language("Home News", min_confidence=0.9) is None


def test_stoplists_come_per_language_and_are_lower_case():
    assert {"und", "der", "die"} <= stoplist("de")
    assert {"the", "and", "of"} <= stoplist("en")
    assert "which" not in stoplist("de") and "und" not in stoplist("en")
    assert all(word == word.lower() for word in stoplist("fr"))
    assert has_stoplist("ko") and stoplist("ko")
    # No stoplist for a script without spaces, nor for an unknown language.
    assert stoplist("zh") == frozenset() and not has_stoplist("zh")
    assert stoplist(None) == frozenset()


def test_unspaced_share_tells_scripts_without_spaces():
    assert unspaced_share(PROSE["zh"]) > 0.95
    assert unspaced_share(PROSE["ja"]) > 0.95
    assert unspaced_share(PROSE["ko"]) == 0.0  # Hangul is written with spaces
    assert unspaced_share(PROSE["en"]) == 0.0
    assert unspaced_share("") == 0.0


def test_a_page_is_measured_in_its_language():
    from parsers.rules import STOPWORDS

    english = prose_meter(PROSE["en"], STOPWORDS)
    assert (english.language, english.stopwords, english.unspaced) == ("en", STOPWORDS, False)
    german = prose_meter(PROSE["de"], STOPWORDS)
    assert (german.language, german.stopwords) == ("de", stoplist("de"))
    words = PROSE["de"].lower().split()
    assert german.is_prose_like(PROSE["de"], words, len(words), 0.2)
    assert not english.is_prose_like(PROSE["de"], words, len(words), 0.2)  # German is not English prose


def test_unspaced_text_is_sized_in_characters_and_judged_by_punctuation():
    from parsers.rules import STOPWORDS

    chinese = prose_meter(PROSE["zh"], STOPWORDS)
    assert (chinese.language, chinese.stopwords, chinese.unspaced) == ("zh", frozenset(), True)
    sentence = "本市地铁五号线今天上午正式开通运营，全长二十八公里，共设二十二座车站。"
    assert chinese.size(sentence, 1) == 16  # 32 characters, two to a word
    assert chinese.is_prose_like(sentence, [], 16, 0.2)
    menu = "首页 新闻 财经 体育 娱乐 科技 汽车 房产"
    assert not chinese.is_prose_like(menu, menu.split(), chinese.size(menu, 8), 0.2)
    # A language the model is unsure of has no stoplist: punctuation stands in for it.
    unknown = ProseMeter(None, frozenset())
    assert unknown.is_prose_like("Ab cd ef, gh ij kl mn. Op qr st uv, wx yz.", [], 12, 0.2)
    assert not unknown.is_prose_like("Ab Cd Ef Gh Ij Kl Mn Op Qr St Uv Wx", [], 12, 0.2)
