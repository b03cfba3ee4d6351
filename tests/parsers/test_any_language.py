"""Both cleaners on pages that are not in English, and on the HTML edge cases that lost
articles: a story's container whose class names a furniture word, a page whose text is only
in JSON-LD, a custom element whose name starts like a raw element."""

from __future__ import annotations

import json

import pytest

from parsers.html_page import clean_html_page
from parsers.text_dump import clean_text_dump
from tests.parsers.multilingual_pages import (
    CHINESE_HARVEST,
    CHINESE_METRO,
    GERMAN,
    JAPANESE,
    KOREAN,
    Story,
    story_dump,
    story_page,
)

STORIES = [GERMAN, KOREAN, JAPANESE, CHINESE_METRO, CHINESE_HARVEST]


@pytest.mark.parametrize("story", STORIES, ids=lambda s: s.headline[:12])
def test_a_page_in_any_language_gives_its_article_and_language(story: Story):
    page = clean_html_page(story_page(story, site="stadt"))
    assert page.text.split("\n\n") == list(story.paragraphs)
    assert (page.title, page.language, page.extraction) == (story.headline, story.language, "main")


@pytest.mark.parametrize("story", STORIES, ids=lambda s: s.headline[:12])
def test_a_dump_in_any_language_gives_its_article_and_language(story: Story):
    page = clean_text_dump(story_dump(story))
    # Only the story (no menu, share bar, cookie notice, related links or footer), its wrapped
    # lines joined as they were written: with spaces, or none in Chinese and Japanese.
    assert page.text.split("\n\n") == list(story.paragraphs)
    assert (page.title, page.language) == (story.headline, story.language)


def test_a_cleaned_page_in_chinese_cleans_to_itself():
    page = clean_text_dump(story_dump(CHINESE_METRO))
    again = clean_text_dump(f"{page.title}\n\n{page.text}\n")
    assert (again.title, again.text, again.language) == (page.title, page.text, "zh")


# --- a furniture word in the story's own class names ---

ENGLISH_STORY = [
    "The county council voted on Thursday to keep the last rural bus route running for "
    "another two years, after villagers handed in a petition with more than four thousand names.",
    "The route links six villages with the market town and is the only way for many older "
    "residents to reach the doctor, the bank and the weekly market without a car.",
    "Councillors had been told that the service lost money on every journey, but several said "
    "that the cost of cutting it would be paid by the people least able to bear it.",
    "The operator will now be asked to run a smaller bus on the quietest afternoon journeys, "
    "which the council hopes will save about a third of the yearly subsidy.",
]
COMMENTS = [
    "About time somebody in that chamber listened to the people who actually use the bus, "
    "because none of the councillors have taken it once in their lives as far as I can tell.",
    "Two more years is not enough, and we will be back here signing another petition before "
    "long unless the council finds a way to pay for the route for good.",
]


def furniture_named_page(story_class: str, body_class: str = "cookies-not-set") -> str:
    """A story in a container whose class names a furniture word, and a real comment thread."""
    story = "".join(f"<p>{p}</p>" for p in ENGLISH_STORY)
    comments = "".join(f'<div class="comment"><p>{c}</p></div>' for c in COMMENTS)
    return f"""<html><head><title>Rural bus route saved for two more years</title></head>
<body class="{body_class}">
<nav><a href="/">Home</a> <a href="/news">News</a></nav>
<h1>Rural bus route saved for two more years</h1>
<div class="{story_class}">{story}
<div class="share-bar"><a href="/s">Share this story</a> <a href="/e">Email</a></div></div>
<section class="comments"><h3>Readers' comments</h3>{comments}</section>
</body></html>"""


@pytest.mark.parametrize(
    "story_class",
    ["article-body tone-comment", "article-overlay", "photo-gallery-content", "layout--ad", "story no-share"],
)
def test_a_furniture_word_in_the_story_container_does_not_veto_the_story(story_class):
    page = clean_html_page(furniture_named_page(story_class))
    assert page.text.split("\n\n") == ENGLISH_STORY
    assert "Share this story" not in page.text  # furniture inside the kept container is still furniture
    assert not any(comment[:40] in page.text for comment in COMMENTS)  # the thread is still furniture


def test_a_body_class_never_makes_the_whole_page_furniture():
    page = clean_html_page(furniture_named_page("story-text", body_class="has-nav-slim cookies-not-set popup"))
    assert page.text.split("\n\n") == ENGLISH_STORY


# --- fallbacks: JSON-LD, microdata, <article> ---


def app_shell_page(json_ld: object) -> str:
    """A page rendered by JavaScript: the story is only in its JSON-LD."""
    return f"""<html><head><title>Rural bus route saved | County Times</title>
<script type="application/ld+json">{json.dumps(json_ld)}</script>
<script src="/app.js"></script></head>
<body><nav><a href="/">Home</a> <a href="/news">News</a> <a href="/sport">Sport</a></nav>
<div id="root"><p>Loading…</p></div>
<footer>© County Times. All rights reserved.</footer></body></html>"""


def test_a_page_whose_text_is_only_in_json_ld_gives_it_from_a_graph():
    article = {
        "@type": "NewsArticle",
        "headline": "Rural bus route saved for two more years",
        "articleBody": "<p>" + "</p>\n<p>".join(ENGLISH_STORY) + "</p>",
    }
    page = clean_html_page(
        app_shell_page({"@context": "https://schema.org", "@graph": [{"@type": "WebSite"}, article]})
    )
    assert page.extraction == "jsonld"
    assert page.text.split("\n\n") == ENGLISH_STORY
    assert page.title == "Rural bus route saved for two more years"


def test_a_page_with_no_article_anywhere_has_no_text():
    page = clean_html_page(app_shell_page({"@type": "WebSite", "name": "County Times"}))
    assert page.text == ""


#: Notes too short to be prose on their own (the main pass finds no article in them).
SHORT_NOTES = [
    "The bus will run six times a day.",
    "Fares stay the same for this year.",
    "Older residents travel free after nine o'clock.",
    "The petition had more than four thousand names.",
    "A smaller bus will serve quiet afternoons.",
    "The council will review the route in two years.",
]
#: Telegraphic lines: long, but with few function words.
TELEGRAPHIC = [
    "Council vote twelve-four: rural route 14 continues until 2026, subsidy cut one third.",
    "Operator Greenline: smaller vehicle, quiet afternoons, Mondays, Thursdays; timetable unchanged otherwise.",
    "Petition organisers: four thousand signatures, six villages, market town, surgery, bank, weekly market.",
]


@pytest.mark.parametrize(
    ("container", "lines", "path"),
    [
        ('<div itemprop="articleBody">', SHORT_NOTES, "microdata"),
        ("<article>", SHORT_NOTES, "article"),
        ("<div>", TELEGRAPHIC, "density"),
    ],
)
def test_when_the_main_pass_finds_no_article_a_fallback_does(container, lines, path):
    closing = "</" + container[1:].split()[0].rstrip(">") + ">"
    body = "".join(f"<p>{line}</p>" for line in lines)
    html = f"""<html><body><nav><a href="/">Home</a> <a href="/news">News</a></nav>
<div class="promo"><a href="/a">Lighthouse keeper retires</a></div>
{container}{body}{closing}
<footer>© County Times. All rights reserved.</footer></body></html>"""
    page = clean_html_page(html)
    assert (page.extraction, page.text.split("\n\n")) == (path, lines)


# --- markup edge cases ---


def test_a_custom_element_is_not_the_raw_element_its_name_starts_with():
    story = "".join(f"<p>{p}</p>" for p in ENGLISH_STORY)
    html = f"""<html><body>
<header><template-search-results class="results"><a href="/">Home</a></template-search-results>
<template><p>Template text that is never shown on the page at all, with enough words to be prose.</p></template>
</header>
<h1>Rural bus route saved for two more years</h1><div class="story">{story}</div>
<object-viewer><p>{ENGLISH_STORY[0]}</p></object-viewer>
</body></html>"""
    page = clean_html_page(html)
    assert page.text.split("\n\n")[:4] == ENGLISH_STORY
    assert "never shown" not in page.text


def test_a_bem_modifier_does_not_make_the_story_furniture():
    # Drupal gives every field "field--label-hidden" (its label is hidden, not the field); here
    # each of the story's paragraphs is such a field, none holding half the story alone.
    fields = "".join(
        f'<div class="paragraph paragraph--type--text field--label-hidden"><p>{p}</p></div>' for p in ENGLISH_STORY
    )
    html = f"""<html><body><nav><a href="/">Home</a> <a href="/news">News</a></nav>
<h1>Rural bus route saved for two more years</h1>
<div class="field field--name-field-paragraphs">{fields}</div>
<div class="sidebar"><p>Our county's weekly newsletter, with the best of local news, every Friday.</p></div>
</body></html>"""
    page = clean_html_page(html)
    assert page.text.split("\n\n") == ENGLISH_STORY


def test_an_end_tag_missing_its_bracket_ends_its_raw_element_as_in_a_browser():
    story = "".join(f"<p>{p}</p>" for p in ENGLISH_STORY)
    html = f"""<html><body><header><span class="logo"><svg viewBox="0 0 10 10"><title>Logo</title>
<g><path d="M0 0h10v10z"/></g></svg
</span></header><h1>Rural bus route saved for two more years</h1><div class="story">{story}</div>
</body></html>"""
    assert clean_html_page(html).text.split("\n\n") == ENGLISH_STORY
