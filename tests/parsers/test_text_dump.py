"""Cleaning of plain-text page dumps: headline, section, body, and batch templates.

Fixtures are short, real-looking dumps written here (the shape a text browser gives a news page:
menus as bullets, bracketed images, share bars, wrapped paragraphs), plus the project's seeds.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from parsers import rules
from parsers.page import CleanPage
from parsers.text_dump import (
    _content_prefixes,
    _halves_equal,
    _halves_equal_text,
    _ProseWords,
    _stopwords_reach,
    _text_words,
    _words,
    clean_paragraphs,
    clean_text_dump,
    is_chrome_line,
    linearise_columns,
    normalise_line,
    normalise_lines,
    split_dump,
    template_lines,
)

SEEDS = Path(__file__).resolve().parents[2] / "seeds"

HEADLINE = "Storm knocks out power to thousands as river rises past flood defences"
PARAGRAPHS = [
    "Tens of thousands of homes were left without electricity on Sunday after a storm brought down "
    "power lines across the county, and the river rose above the flood defences in two towns.",
    "Engineers worked through the night to restore supplies, but the utility company said some "
    "customers in rural areas could be without power until the middle of the week.",
    "\u201cWe have never seen the water this high,\u201d said a shop owner whose premises were flooded "
    "for the second time in three years. \u201cWe had sandbags out, but it came over the top of them.\u201d",
    "Roads into the town centre were closed and the railway line was suspended after part of the "
    "embankment was washed away near the station, the transport authority said.",
    "Forecasters said the rain would ease by Monday evening, although river levels were expected to "
    "stay high for several days as water drains from the hills upstream.",
]


def wrapped(paragraphs: list[str], width: int = 100) -> list[str]:
    """Paragraphs as a text browser prints them: wrapped, a blank line after each."""
    lines: list[str] = []
    for paragraph in paragraphs:
        lines += textwrap.wrap(paragraph, width) + [""]
    return lines


def news_dump(
    paragraphs: list[str] = PARAGRAPHS,
    headline: str = HEADLINE,
    middle: list[str] | None = None,
) -> str:
    """A dump with the usual furniture around a story: site menu, breadcrumb, share bar,
    image placeholder, related links, trending menu, comments and a cookie banner."""
    half = len(paragraphs) // 2
    lines = [
        "The Valley Gazette",
        "",
        "  \u2022 Home",
        "  \u2022 News",
        "  \u2022 Sport",
        "  \u2022 Business",
        "  \u2022 Weather",
        "",
        "Search [                    ] [Go]",
        "Sign in | Register",
        "",
        "News / Weather",
        "",
        headline,
        "",
        "By Sam Porter, Weather Correspondent",
        "Sunday, 14 February 2021 18:42 GMT",
        "",
        "Share",
        "  \u2022 Facebook",
        "  \u2022 Twitter",
        "  \u2022 Email",
        "Print",
        "",
        "[flood-town-centre-640x360]",
        "",
    ]
    lines += wrapped(paragraphs[:half])
    lines += middle or []
    lines += wrapped(paragraphs[half:])
    lines += [
        "Related stories",
        "",
        "  \u2022 Flood warnings issued for three rivers",
        "  \u2022 How to protect your home from flooding",
        "  \u2022 Council approves new flood barrier",
        "",
        "Trending",
        "",
        "  \u2022 Lottery",
        "  \u2022 Traffic",
        "  \u2022 Schools",
        "",
        "12 Comments",
        "",
        "Post a comment",
        "",
        "RiverWatcher 3 hours ago",
        "",
        "This happens every single winter and nobody in the council seems to care about the people who",
        "actually live next to the river. When will they finally build the barrier they promised us?",
        "",
        "Reply",
        "",
        "We use cookies to give you the best experience. By continuing you accept our cookie policy.",
        "[Accept]",
        "",
        "\u00a9 2021 The Valley Gazette. All rights reserved.",
    ]
    return "\n".join(lines) + "\n"


def body_paragraphs(page: CleanPage) -> list[str]:
    return page.text.split("\n\n") if page.text else []


# --- one page ------------------------------------------------------------------------


def test_story_comes_out_whole_with_headline_and_section():
    page = clean_text_dump(news_dump())
    assert page.title == HEADLINE
    assert page.section == "News / Weather"
    assert body_paragraphs(page) == PARAGRAPHS


@pytest.mark.parametrize(
    "furniture",
    [
        "Home",
        "Sign in",
        "Facebook",
        "Print",
        "flood-town-centre",
        "Flood warnings issued",  # related links
        "Lottery",  # trending menu
        "RiverWatcher",  # comments
        "nobody in the council",
        "cookie",
        "All rights reserved",
        "By Sam Porter",  # byline
        "18:42",  # dateline
    ],
)
def test_furniture_is_not_in_the_body(furniture):
    page = clean_text_dump(news_dump())
    assert furniture not in page.text
    assert furniture not in (page.title or "")


def test_published_date_is_read_near_the_headline():
    page = clean_text_dump(news_dump())
    assert page.published is not None
    assert (page.published.year, page.published.month, page.published.day) == (2021, 2, 14)


def test_subhead_and_short_paragraph_inside_the_article_are_kept():
    middle = ["Clean-up begins", "", "Residents were told to boil water.", ""]
    page = clean_text_dump(news_dump(middle=middle))
    assert "Clean-up begins" in body_paragraphs(page)
    assert "Residents were told to boil water." in body_paragraphs(page)


def test_related_box_inside_the_article_does_not_cut_it():
    middle = ["Related", "", "  \u2022 River levels: live map", "  \u2022 Your photos", ""]
    page = clean_text_dump(news_dump(middle=middle))
    assert body_paragraphs(page) == PARAGRAPHS


def test_unwrapped_paragraphs_without_blank_lines_are_split():
    # Some pages put one paragraph per long line with no blank line between them.
    dump = "\n".join(["  \u2022 Home", "  \u2022 World", "", HEADLINE, *PARAGRAPHS, "", "Share"])
    page = clean_text_dump(dump)
    assert page.title == HEADLINE
    assert body_paragraphs(page) == PARAGRAPHS


def test_wrapped_paragraphs_without_blank_lines_are_split_where_a_line_stops_short():
    lines = [HEADLINE, ""]
    for paragraph in PARAGRAPHS:
        lines += textwrap.wrap(paragraph, 100)  # no blank line between paragraphs
    page = clean_text_dump("\n".join(lines))
    assert body_paragraphs(page) == PARAGRAPHS


def test_side_by_side_columns_are_read_one_after_the_other():
    nav = ["Front Page", "World", "UK", "Business", "Politics", "Health", "Science", "Technology"]
    side = ["SEE ALSO:", "Dam plan", "approved", "12 Feb 21 |", "Weather", "RELATED", "LINKS:"]
    text_lines = []
    for paragraph in PARAGRAPHS:
        text_lines += textwrap.wrap(paragraph, 60) + [""]
    rows = []
    for index, text in enumerate(text_lines):
        left = nav[index] if index < len(nav) else ""
        right = side[index] if index < len(side) else ""
        rows.append(f"{left:<20}{text:<62}{right}".rstrip())
    dump = "\n".join(["", HEADLINE, "", *rows, ""])
    columns = linearise_columns(dump.split("\n"))
    assert "Front Page" not in " ".join(line for line in columns if "flood defences" in line)
    page = clean_text_dump(dump)
    assert body_paragraphs(page) == PARAGRAPHS
    assert page.title == HEADLINE


def test_menu_only_page_has_no_body():
    dump = "\n".join(["  \u2022 Home", "  \u2022 News", "  \u2022 Sport", "Sign in", "Print"])
    page = clean_text_dump(dump)
    assert page.text == ""


def test_normalise_line_collapses_spaces_and_no_break_spaces():
    assert normalise_line("  Kono\u00a0hurries   to meet  ") == "Kono hurries to meet"


# --- the seeds ---------------------------------------------------------------------


def seed(prefix: str) -> str:
    (path,) = SEEDS.glob(f"{prefix}_*.txt")
    return path.read_text(encoding="utf-8")


def test_seed_000_headline_section_and_body():
    page = clean_text_dump(seed("000"))
    assert page.title == (
        "Amid growing frustration, Foreign Minister Taro Kono tells U.S. counterpart Mike Pompeo "
        "of desire for talks with North"
    )
    assert page.section == "National / Politics"
    assert page.text.startswith("Foreign Minister Taro Kono has conveyed")
    assert page.text.endswith("Europe and Africa.")
    assert "National / Politics" not in page.text
    assert len(body_paragraphs(page)) == 11


def test_seed_000_print_link_glued_to_the_last_paragraph_is_removed():
    page = clean_text_dump(seed("000").rstrip() + "print PRINT\n")
    assert page.text.endswith("Europe and Africa.")
    assert "print" not in page.text.lower()


def test_seed_003_headline_and_body_without_the_trending_menu():
    page = clean_text_dump(seed("003"))
    assert page.title == "Kono hurries to meet Pompeo as Iran casts shadow on Asia diplomacy"
    assert page.text.startswith("TOKYO \u2014 The top Japanese")
    assert page.text.endswith("Kono appears to have received details of their talks.")
    for menu_item in ("Ambassador", "Ukraine", "COVID-19", "Trending Japan", "PRINT"):
        assert menu_item not in page.text
    assert len(body_paragraphs(page)) == 10


def test_seed_007_a_syndicated_copy_keeps_its_own_headline_and_drops_its_sites_chrome():
    page = clean_text_dump(seed("007"))
    assert page.title == "Japan wants direct talks with Pyongyang on abductions, Kono tells Pompeo"
    assert page.section == "World \u203a Asia-Pacific"
    assert page.text.startswith("SINGAPORE (Kyodo) \u2014 Foreign Minister Taro Kono has conveyed")
    for chrome in ("Skip to main content", "Share on Facebook", "ADVERTISEMENT", "Most Viewed", "Typhoon", "\u00a9"):
        assert chrome not in page.text


# --- batch templates -------------------------------------------------------------------


TOPICS = [
    ("bakery", "flour prices", "the bakers on Mill Street"),
    ("library", "opening hours", "volunteers at the reading room"),
    ("bus depot", "driver shortage", "commuters from the western estates"),
    ("swimming pool", "roof repairs", "the junior swimming club"),
    ("hospital", "new scanner", "patients waiting for appointments"),
    ("football club", "stadium lease", "season ticket holders"),
    ("primary school", "class sizes", "parents of reception pupils"),
    ("farmers market", "stall fees", "growers from the hill farms"),
]
OTHER_STORIES = [
    (
        f"Row over {issue} at the {place} reaches the council chamber",
        [
            f"A dispute about {issue} at the {place} came before councillors on Thursday, after "
            f"months of complaints from {people} who say nobody has listened to them.",
            f"Officials promised a decision on the {issue} before the summer and said that {people} "
            f"would be consulted first, although no date for a meeting has yet been set.",
        ],
    )
    for place, issue, people in TOPICS
]

#: A long banner printed on every page of the site: prose, but template.
BANNER = (
    "The Valley Gazette is an independent newspaper serving the towns of the upper valley since "
    "1887, and is published by the Gazette Trust."
)


def site_page(headline: str, paragraphs: list[str]) -> str:
    return (
        "\n".join(["  \u2022 Home", "  \u2022 News", "", BANNER, "", headline, ""])
        + "\n"
        + "\n".join(wrapped(paragraphs))
        + "\nShare this article\n"
    )


def test_lines_on_many_pages_of_the_batch_are_template():
    documents = [site_page(title, paragraphs) for title, paragraphs in OTHER_STORIES]
    templates = template_lines(documents)
    assert BANNER in templates
    assert "Share this article" in templates
    # Each story's own lines occur once: not template.
    assert not any("swimming" in line for line in templates)
    page = clean_text_dump(documents[3], templates)
    assert "independent newspaper" not in page.text
    assert page.title == OTHER_STORIES[3][0]
    assert body_paragraphs(page) == OTHER_STORIES[3][1]


def test_syndicated_copies_keep_their_text():
    # The same story on eight sites (each with its own furniture) plus eight other pages:
    # the story's lines recur in eight documents, but those documents are copies of one
    # story, so the lines are article text, not template.
    copies = [
        "\n".join([f"  \u2022 Site {n} home", f"  \u2022 Site {n} news", "", HEADLINE, ""])
        + "\n"
        + "\n".join(wrapped(PARAGRAPHS))
        + f"\n\u00a9 Site {n}\n"
        for n in range(8)
    ]
    documents = copies + [site_page(title, paragraphs) for title, paragraphs in OTHER_STORIES]
    templates = template_lines(documents)
    assert not any(normalise_line(line) in templates for line in wrapped(PARAGRAPHS) if line)
    assert HEADLINE not in templates
    page = clean_text_dump(copies[0], templates)
    assert page.title == HEADLINE
    assert body_paragraphs(page) == PARAGRAPHS


def test_split_dumps_give_the_templates_and_pages_the_texts_give():
    # parse_files splits each dump once for the template search and cleaning; the lines must
    # be the same as the texts' own, also with carriage returns, tabs and form feeds.
    documents = [site_page(title, paragraphs) for title, paragraphs in OTHER_STORIES] + [
        news_dump().replace("\n", "\r\n"),
        news_dump().replace("Share\n", "Share\tthis\n"),
        news_dump().replace("Print\n", "Print\x0cPRINT\n"),
    ]
    templates = template_lines(documents)
    assert template_lines(split_dump(d) for d in documents) == templates
    for document in documents:
        assert clean_text_dump(split_dump(document), templates) == clean_text_dump(document, templates)


def test_template_lines_of_a_small_batch_are_empty():
    documents = [site_page(title, paragraphs) for title, paragraphs in OTHER_STORIES[:2]]
    assert template_lines(documents) == frozenset()


def test_url_written_in_the_dump_is_found_but_not_a_truncated_address_box():
    dump = news_dump().replace(
        "News / Weather\n",
        "[http://www.valley-gazet][Go]\nNews / Weather\nSource: https://valley-gazette.example/news/storm-power-cuts\n",
    )
    page = clean_text_dump(dump)
    assert page.url == "https://valley-gazette.example/news/storm-power-cuts"
    boxed = clean_text_dump(news_dump().replace("News / Weather\n", "[http://www.valley-gazet][Go]\n"))
    assert boxed.url is None


def test_photo_gallery_captions_printed_twice_are_not_article_text():
    caption = (
        "Volunteers fill sandbags outside the town hall on Saturday evening, hours before the river "
        "reached its highest level in more than forty years, according to the environment agency."
    )
    gallery = ["Photos: The flood in pictures", ""]
    for slide in range(1, 4):
        gallery += wrapped([caption.replace("Saturday", f"day {slide}")] * 2)
        gallery += ["Hide Caption", f"{slide} of 3", ""]
    page = clean_text_dump(news_dump() + "\n".join(gallery))
    assert "Volunteers fill" not in page.text
    assert body_paragraphs(page) == PARAGRAPHS


@pytest.mark.parametrize(
    ("line", "chrome"),
    [
        ("  \u2022 Trending Japan", True),
        ("print PRINT", True),
        ("Share this article", True),
        ("[0_68_320di]", True),
        ("━━━━━━━━━━━━━━━━━━━━", True),
        ("Search term: [                    ] Search", True),
        ("\u00a9 2021 The Valley Gazette. All rights reserved.", True),
        ("We use cookies to improve your experience. By using this site you accept our cookie policy.", True),
        ("  \u2022 Haleigh went missing from her father's home in Satsuma, Florida, on February 9", False),
        ("Foreign Minister Taro Kono has conveyed to U.S. Secretary of State Mike Pompeo Tokyo's", False),
        ("[Photo of the harbour wall]", True),
        ("[For the record, 1:04 p.m. Jan. 30: An earlier version of this post misstated the date.]", False),
    ],
)
def test_chrome_lines(line, chrome):
    assert is_chrome_line(line) is chrome


def test_caption_printed_with_its_alt_text_is_not_article_text():
    caption = "Firefighters raise a flag over the harbour wall after the storm on Sunday evening."
    page = clean_text_dump(news_dump(middle=wrapped([f"{caption} {caption}"])))
    assert "Firefighters raise" not in page.text
    assert body_paragraphs(page) == PARAGRAPHS


# --- clean text in, clean text out ------------------------------------------------------


def rendering(page: CleanPage) -> str:
    """A cleaned page as it is written out: headline, blank line, paragraphs."""
    return f"{page.title}\n\n{page.text}" if page.title else page.text


@pytest.mark.parametrize("dump", [news_dump(), seed("000"), seed("003")], ids=["news", "seed 000", "seed 003"])
def test_cleaning_the_cleaned_text_again_changes_nothing(dump):
    page = clean_text_dump(dump)
    again = clean_text_dump(rendering(page))
    assert (again.title, again.text) == (page.title, page.text)


def test_clean_text_keeps_its_short_paragraphs_and_its_headline():
    # Subheads, fact-box lines and one-line paragraphs have no furniture around them to be
    # judged by in clean text: every paragraph is kept.
    paragraphs = [PARAGRAPHS[0], "Flood facts", "River level: 5.2m", "Homes flooded: 340", *PARAGRAPHS[1:]]
    page = clean_text_dump(HEADLINE + "\n\n" + "\n\n".join(paragraphs) + "\n")
    assert page.title == HEADLINE
    assert body_paragraphs(page) == paragraphs


def test_clean_text_without_a_headline_is_all_body():
    page = clean_text_dump("\n\n".join(PARAGRAPHS))
    assert page.title is None
    assert body_paragraphs(page) == PARAGRAPHS


@pytest.mark.parametrize(
    "furniture",
    ["  \u2022 Home", "Share", "\u00a9 2021 The Valley Gazette. All rights reserved.", "Related stories", "[Accept]"],
)
def test_one_furniture_line_makes_text_a_dump(furniture):
    # Text with furniture in it is cleaned as a dump (the furniture goes, the story stays).
    text = "\n\n".join([HEADLINE, *PARAGRAPHS, furniture])
    assert clean_paragraphs(text.split("\n")) is None
    page = clean_text_dump(text)
    assert page.title == HEADLINE
    assert body_paragraphs(page) == PARAGRAPHS


def test_clean_text_date_is_read_below_the_headline_not_deep_in_the_story():
    lead = "Sunday, 14 February 2021. " + PARAGRAPHS[0]
    later = "The barrier was first promised on 3 March 2015, residents said. " + PARAGRAPHS[1]
    page = clean_text_dump("\n\n".join([HEADLINE, lead, later, *PARAGRAPHS[2:]]))
    assert page.title == HEADLINE
    assert page.published is not None
    assert (page.published.year, page.published.month, page.published.day) == (2021, 2, 14)


@pytest.mark.parametrize(
    "text",
    [
        "a flag over the city hall a flag over the city hall",
        "a flag over the city hall , a flag over the city hall",
        "a flag over the city hall a flag over the city hall today",
        "a flag over the city a flag over the town hall",
        "the flag the flag the flag the flag the flag",
        "Storm knocks out power to thousands as river rises past flood defences",
    ],
)
def test_halves_of_a_normalised_text_compare_as_its_words_do(text):
    assert _halves_equal_text(text, text.count(" ") + 1) == _halves_equal(text.split())


def test_legal_notice_with_letters_only_a_case_blind_match_sees_is_chrome():
    # "COOK\u0131ES" (dotless i) matches LEGAL_LINE case-insensitively but does not lowercase
    # to "cookies": the key-word pre-filter must not hide it.
    assert is_chrome_line("  \u2022 COOK\u0131ES HELP US: BY USING THIS SITE YOU ACCEPT THEIR USE FOR ADS")


LINES = [
    "  Kono\u00a0hurries   to meet  ",
    "\u2022 Home",
    "\u201cWe had sandbags out,\u201d she said.",
    "tab\there",
    "form\x0cfeed",
    "thin\u2009space and\u3000ideographic",
    "zero\u200bwidth",
    "",
    "   ",
]


def test_normalise_lines_is_normalise_line_of_each():
    assert normalise_lines(LINES) == [normalise_line(line) for line in LINES]


@pytest.mark.parametrize(
    "text", [*LINES, *PARAGRAPHS, "Caf\u00c9 \u2014 na\u00efve \u2026 ROLE\u2019s", "\u0130stanbul K\u212a"]
)
def test_words_of_a_text_are_the_words_of_its_lowercase(text):
    assert _text_words(text) == _words(text.lower())


@pytest.mark.parametrize("size", [8, 9, 12, 40, 41, 100])
def test_function_words_reach_a_share_as_the_density_says(size):
    for stops in range(size + 1):
        words = ["the"] * stops + ["flood"] * (size - stops)
        for share in (rules.MIN_STOPWORD_DENSITY, 0.3, 1 / 3, 0.0, 1.0):
            assert _stopwords_reach(words, share) == (stops / size >= share)


def test_prose_words_share_what_the_set_of_their_prefixes_shares():
    prose = [_words(paragraph.lower()) for paragraph in PARAGRAPHS] + [["there", "1234", "19905", "with"]]
    prefixes = _content_prefixes({word for words in prose for word in words})
    asked = [
        _content_prefixes(set(_words(line.lower())))
        for line in [HEADLINE, "Thereafter 1990s flooding", "Withdrawn power supplies", "The sea", "Water over town"]
    ]
    many = asked + [_content_prefixes(set(words)) for words in prose]  # (past LOOKUPS words the set is made)
    for lines in (asked, many):
        following = _ProseWords(prose)
        assert [following.shared(words) for words in lines] == [len(words & prefixes) for words in lines]
