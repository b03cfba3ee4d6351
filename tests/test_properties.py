"""Property-based tests (hypothesis): whatever the bytes, every input record is accounted for
exactly once and nothing raises."""

from __future__ import annotations

import gzip
import tempfile
import textwrap
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dedup.stage import sign_documents
from newsdedup.config import IngestConfig
from parsers.batch import parse_files
from parsers.discover import discover_inputs
from parsers.text_dump import clean_text_dump

_words = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=0, max_size=12)
_prose = st.lists(_words, min_size=0, max_size=300).map(" ".join)
_tags = st.sampled_from(["p", "div", "li", "a", "h1", "script", "nav", "table", "td", "span", "br"])


@st.composite
def _html(draw) -> str:
    parts = []
    for _ in range(draw(st.integers(0, 40))):
        tag = draw(_tags)
        parts.append(f"<{tag}>{draw(_prose)}" + (f"</{tag}>" if draw(st.booleans()) else ""))
    return "<html><head><title>" + draw(_words) + "</title></head><body>" + "".join(parts)


_contents = st.one_of(
    st.binary(max_size=3000).map(lambda b: ("txt", b)),
    _prose.map(lambda t: ("txt", t.encode("utf-8"))),
    st.lists(_prose, max_size=12).map(lambda ps: ("txt", "\n\n".join(ps).encode("utf-8"))),
    _html().map(lambda h: ("html", h.encode("utf-8"))),
    _html().map(lambda h: ("html", h.encode("utf-16"))),
    _prose.map(lambda t: ("txt.gz", gzip.compress(t.encode("utf-8")))),
    st.binary(max_size=200).map(lambda b: ("txt.gz", b"\x1f\x8b" + b)),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_contents, min_size=1, max_size=8))
def test_every_file_is_one_document_or_one_reject(contents):
    with tempfile.TemporaryDirectory() as directory:
        for number, (suffix, data) in enumerate(contents):
            Path(directory, f"f{number:02d}.{suffix}").write_bytes(data)
        files = discover_inputs([directory])
        documents, rejects = parse_files(files, IngestConfig().limits)
        hashvalues, counts = sign_documents(documents, IngestConfig().dedup)

    seen = sorted([d.source_path for d in documents] + [r.source_path for r in rejects])
    assert seen == sorted(f.source_path for f in files)
    assert len(hashvalues) == len(counts) == len(documents)
    assert all(d.text.strip() and d.article_id for d in documents)
    assert all(r.reason and r.detail for r in rejects)


# --- cleaning is idempotent ------------------------------------------------------------
#
# A cleaned page is written out as its headline, a blank line, and its paragraphs (one line
# each, a blank line between them); the pipeline cleans incoming JSONL text the same way as a
# dump, so clean text must come through cleaning whole. The property, for any page
# ``p = clean_text_dump(x)`` with text and ``q = clean_text_dump(rendering(p))``:
#
#   * when ``p`` has a headline: ``q.title == p.title`` and ``q.text == p.text``;
#   * when it has none: ``rendering(q) == p.text``: nothing is lost or added. (The first
#     paragraph of an untitled text may itself be read as a headline; which line heads a
#     text cannot be told from the text alone.)
#
# And a clean article (a headline-like line and paragraphs: sentences, subheads, fact-box
# lines, lists of names) comes out of cleaning unchanged.

_VOCABULARY = (
    "council river harbour ferry minister report budget court police water town storm power "
    "school hospital election bank market workers union board plan station bridge airport "
    "museum farmers police judge village mayor company engineers residents officials "
    "rail road energy prices homes families visitors tourists research scientists study "
    "agreed warned approved rejected opened closed rose fell announced promised delayed "
    "new old local national public private early late major small second final annual"
).split()
_FUNCTION = "the a of to in on for with after before and but said would could has have was".split()
_word = st.sampled_from(_VOCABULARY)
#: Prose runs function and content words together: "the council", "of water".
_pairs = st.lists(st.tuples(st.sampled_from(_FUNCTION), _word).map(" ".join), min_size=4, max_size=12)


def _sentence(words: list[str], end: str = ".") -> str:
    text = " ".join(words)
    return text[0].upper() + text[1:] + end


_sentences = _pairs.map(_sentence)
_prose_paragraph = st.lists(_sentences, min_size=1, max_size=4).map(" ".join)
_subhead = st.lists(_word, min_size=1, max_size=4).map(lambda ws: " ".join(w.capitalize() for w in ws))
_fact_line = st.tuples(_word, st.integers(1, 999), st.sampled_from(["kg", "cm", "GB", " miles"])).map(
    lambda t: f"{t[0].capitalize()}: {t[1]}{t[2]}"
)
_name_list_item = st.lists(_word, min_size=2, max_size=3).map(lambda ws: " ".join(w.capitalize() for w in ws))
_paragraph = st.one_of(_prose_paragraph, _prose_paragraph, _prose_paragraph, _subhead, _fact_line, _name_list_item)


@st.composite
def _clean_article(draw) -> tuple[str, list[str]]:
    """A headline (its words recur in the first paragraph, as a headline's do) and paragraphs."""
    words = draw(st.lists(_word, min_size=3, max_size=10))
    headline = " ".join(w.capitalize() for w in words)
    lead = _sentence([*words, "on", *draw(_pairs)])
    paragraphs = [lead, *draw(st.lists(_paragraph, min_size=1, max_size=12))]
    return headline, paragraphs


def _rendering(page) -> str:
    return f"{page.title}\n\n{page.text}" if page.title else page.text


def _assert_cleaning_again_changes_nothing(page) -> None:
    again = clean_text_dump(_rendering(page))
    if page.title:
        assert (again.title, again.text) == (page.title, page.text)
    else:
        assert _rendering(again) == page.text


@settings(max_examples=200, deadline=None)
@given(_clean_article())
def test_a_clean_article_comes_out_of_cleaning_unchanged(article):
    headline, paragraphs = article
    page = clean_text_dump(headline + "\n\n" + "\n\n".join(paragraphs))
    assert (page.title, page.text) == (headline, "\n\n".join(paragraphs))
    _assert_cleaning_again_changes_nothing(page)


_MENU = ["  \u2022 Home", "  \u2022 News", "  \u2022 Sport", "  \u2022 Business", "", "Sign in | Register", ""]
_FOOTER = [
    "",
    "Share",
    "  \u2022 Facebook",
    "  \u2022 Twitter",
    "Print",
    "",
    "\u00a9 2021 The Gazette. All rights reserved.",
]


@settings(max_examples=200, deadline=None)
@given(_clean_article(), st.integers(60, 100), st.booleans())
def test_cleaning_a_dump_then_cleaning_its_text_again_changes_nothing(article, width, furniture):
    """The same articles as text-browser dumps (wrapped, with menus and a footer or without):
    whatever the dump cleaner keeps, cleaning its output again keeps all of it."""
    headline, paragraphs = article
    lines = [*(_MENU if furniture else []), headline, ""]
    for paragraph in paragraphs:
        lines += [*textwrap.wrap(paragraph, width), ""]
    page = clean_text_dump("\n".join(lines + (_FOOTER if furniture else [])))
    if page.text:
        _assert_cleaning_again_changes_nothing(page)


_REAL_LOOKING = [
    (
        "Apple Mac mini gets warm welcome",
        [
            "The Mac mini has been welcomed by analysts as a cheap way for Windows users to try "
            "Apple's computers, although some doubt it will win many converts.",
            "MAC MINI FACTS",
            "Size: 5cm x 16.5cm by 16.5cm",
            "Weight: 1.32kg",
            "Processor: 1.25Ghz/1.4Ghz PowerPC G4",
            "Combo DVD/CD writer drive",
            "One dissenting opinion came from a research vice-president at an analyst firm.",
        ],
    ),
    (
        "US sees a resurgent Russian military expanding into Afghanistan, Libya",
        [
            "Story highlights",
            "The US military thinks Russia wants to bolster the Taliban to undercut NATO",
            "Moscow has denied the accusation",
            "Washington (CNN) The Kremlin's ambitions in the Middle East reach far beyond Syria, "
            "according to US officials who spoke about Russian military plans in Afghanistan and Libya.",
            "Islands hit",
            "Outside of Syria, Moscow has largely avoided a robust military intervention, preferring "
            "clandestine aid and diplomatic maneuvers.",
        ],
    ),
    (
        "Opposition grows along with amendments to Senate immigration bill",
        [
            "Senators lined up amendments to the immigration bill on Tuesday as opposition grew among "
            "conservatives and labor unions alike.",
            "Sen. Jeff Bingaman, D-N.M., who wants to cut the temporary worker program in half;",
            "Sens. Barbara Boxer, D-Calif., and Byron Dorgan, D-N.D., who propose killing it;",
            "[For the record, 1:04 p.m. Jan. 30: An earlier version of this post misstated the "
            "number of amendments offered by the senators.]",
            "**",
            "Conservatives call this \u201camnesty,\u201d but supporters deny that charge.",
        ],
    ),
]


@pytest.mark.parametrize(("headline", "paragraphs"), _REAL_LOOKING, ids=["fact box", "highlights", "list"])
def test_real_looking_clean_articles_come_out_of_cleaning_unchanged(headline, paragraphs):
    page = clean_text_dump(headline + "\n\n" + "\n\n".join(paragraphs) + "\n")
    assert (page.title, page.text) == (headline, "\n\n".join(paragraphs))
