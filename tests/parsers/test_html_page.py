"""Cleaning of raw HTML news pages: body, headline, section, date and URL.

Fixtures are short, real-looking pages written here: a story among the furniture news sites
put around it (site menu, trending bar, share and print links, cookie banner, related links,
comment thread, footer), in the markup styles of different eras (2005 tables, HTML5 with
Open Graph and JSON-LD), plus malformed, deeply nested and oversized markup.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime

import pytest

from parsers.html_page import clean_html_page, prune_markup
from parsers.page import CleanPage

HEADLINE = "Harbour ferry returns to service after six-month repair"
STANDFIRST = (
    "The island's only car ferry is back on its route, but operators warn that the winter "
    "timetable will have fewer crossings than before the breakdown."
)
PARAGRAPHS = [
    "The harbour ferry carried its first passengers in six months on Tuesday morning, after "
    "engineers replaced the gearbox that failed during a storm in the spring.",
    "Dozens of islanders gathered on the slipway to watch the vessel arrive, and several said "
    "the long closure had forced them to take the slower passenger boat to the mainland.",
    "\u201cIt has been a difficult summer for everyone who works across the water,\u201d said a "
    "nurse who commutes to the hospital on the other side of the bay. \u201cWe are glad it is over.\u201d",
    "The operator said the repair cost more than it had expected because the replacement parts "
    "had to be made to order, and that it would ask the council to share the bill.",
    "A second vessel is due to join the route next year, which the council says will keep the "
    "crossing open when one of the two boats is taken out of the water for maintenance.",
]
SUBHEAD = "Fewer winter crossings"
LATE_PARAGRAPH = (
    "Until then, the winter timetable will run six crossings a day instead of nine, and the first "
    "sailing of the morning will leave half an hour later than it did last year."
)
#: Strings of the page furniture: none of them may reach the body.
CHROME = [
    "Trending",
    "Election results",
    "Print this article",
    "Share on Facebook",
    "We use cookies",
    "Accept all",
    "Related stories",
    "Lighthouse keeper retires",
    "Comments (3)",
    "This is the best news",
    "Subscribe to our newsletter",
    "All rights reserved",
    "Home",
    "Weather",
    "By Jane Marsh",
    "A crowd watches the ferry",
]


def story_html(
    *,
    title: str = f"{HEADLINE} | The Coastal Chronicle",
    head: str = "",
    body_class: str = "story-page",
    column_class: str = "story-body",
) -> str:
    """A 2010s news page: the story and every kind of furniture around it."""
    paragraphs = "\n".join(f"<p>{p}</p>" for p in PARAGRAPHS)
    return f"""<!DOCTYPE html>
<html lang="en"><head>
<meta charset="utf-8">
<title>{title}</title>
{head}
<script>document.write('<p>Injected by a script, never shown here</p>');</script>
<style>.story-body p {{ margin: 0 }}</style>
</head>
<body class="{body_class}">
<div id="cookie-banner" class="cookie-consent">
  <p>We use cookies to improve your experience on our site and to show you relevant advertising.
  By continuing to browse you accept our use of cookies.</p><button>Accept all</button>
</div>
<header class="site-header">
  <a href="/" class="logo">The Coastal Chronicle</a>
  <nav class="main-nav"><ul><li><a href="/">Home</a></li><li><a href="/news">News</a></li>
  <li><a href="/sport">Sport</a></li><li><a href="/weather">Weather</a></li></ul></nav>
  <div class="trending-bar"><span>Trending</span>
    <a href="/e">Election results</a> <a href="/f">Festival line-up</a> <a href="/t">Tide tables</a>
  </div>
</header>
<div class="page-wrap">
<article class="story">
  <div class="breadcrumb"><a href="/news">News</a> &gt; <a href="/news/islands">Islands</a></div>
  <h1 class="headline">{HEADLINE}</h1>
  <p class="standfirst">{STANDFIRST}</p>
  <div class="byline">By Jane Marsh, Transport Correspondent</div>
  <time datetime="2016-09-13T08:30:00Z">13 September 2016</time>
  <ul class="share-tools">
    <li><a href="https://facebook.example/share">Share on Facebook</a></li>
    <li><a href="https://twitter.example/share">Tweet</a></li>
    <li><a href="#" onclick="window.print()">Print this article</a></li>
  </ul>
  <figure><img src="/ferry.jpg" alt="The ferry">
    <figcaption>A crowd watches the ferry arrive at the slipway on Tuesday morning.</figcaption>
  </figure>
  <div class="{column_class}">
    {paragraphs}
    <h2>{SUBHEAD}</h2>
    <p>{LATE_PARAGRAPH}</p>
  </div>
  <aside class="related-links"><h3>Related stories</h3>
    <ul><li><a href="/a">Lighthouse keeper retires after forty years on the rock</a></li>
    <li><a href="/b">Council approves new harbour wall</a></li></ul>
  </aside>
</article>
<section id="comments" class="comments">
  <h3>Comments (3)</h3>
  <div class="comment"><p>This is the best news the island has had all year, and about time too
  if you ask me, because the passenger boat was never meant to carry that many people.</p></div>
  <div class="comment"><p>Six months is far too long for a repair like this, and the council
  should have had a spare vessel ready for the summer when the visitors come over.</p></div>
</section>
</div>
<div class="newsletter-signup"><p>Subscribe to our newsletter for the day's top stories.</p></div>
<footer><p>&copy; 2016 The Coastal Chronicle. All rights reserved.</p>
<a href="/privacy">Privacy policy</a> <a href="/terms">Terms of use</a></footer>
</body></html>"""


def body_paragraphs(page: CleanPage) -> list[str]:
    return page.text.split("\n\n") if page.text else []


# --- the body ---


def test_story_is_kept_whole_and_in_order():
    page = clean_html_page(story_html())
    assert body_paragraphs(page) == [STANDFIRST, *PARAGRAPHS, SUBHEAD, LATE_PARAGRAPH]


@pytest.mark.parametrize("chrome", CHROME)
def test_page_furniture_is_dropped(chrome):
    page = clean_html_page(story_html())
    assert chrome not in page.text


def test_headline_is_not_repeated_in_the_body():
    page = clean_html_page(story_html())
    assert page.title == HEADLINE
    assert HEADLINE not in page.text


def test_scripts_and_styles_are_not_text():
    page = clean_html_page(story_html())
    assert "Injected by a script" not in page.text
    assert "margin" not in page.text


def test_story_column_named_like_a_side_rail_is_still_the_story():
    # Some themes call the story's own column "leftRail" or "main-with-sidebar".
    page = clean_html_page(story_html(column_class="leftRail article-text"))
    assert body_paragraphs(page)[1:6] == PARAGRAPHS


def test_page_wrapper_with_furniture_words_in_its_class_keeps_the_story():
    # A <body> or wrapper classed "has-comments modal-open" holds the headline: not furniture.
    page = clean_html_page(story_html(body_class="has-comments modal-open share-enabled"))
    assert PARAGRAPHS[0] in page.text and PARAGRAPHS[-1] in page.text


@pytest.mark.parametrize("tag", ["h2", "h3"])
def test_standfirst_set_as_a_heading_is_kept(tag):
    html = story_html().replace(f'<p class="standfirst">{STANDFIRST}</p>', f"<{tag}>{STANDFIRST}</{tag}>")
    assert body_paragraphs(clean_html_page(html))[0] == STANDFIRST


@pytest.mark.parametrize(
    "column_class", ["Mstart(65px)--modalMinWidth Bxz(bb)", "js-social-anchor-start body", "hidden-print story"]
)
def test_styling_and_script_hook_classes_are_not_read_as_roles(column_class):
    page = clean_html_page(story_html(column_class=column_class))
    assert body_paragraphs(page)[1:6] == PARAGRAPHS


def test_further_reading_box_inside_a_paragraph_does_not_take_the_paragraph_with_it():
    box = '<aside class="further-reading"><h3>Further Reading</h3><a href="/x">An older ferry story</a></aside>'
    html = story_html().replace(f"<p>{PARAGRAPHS[2]}</p>", f"<p>{PARAGRAPHS[2]}{box}</p>")
    page = clean_html_page(html)
    assert PARAGRAPHS[2] in body_paragraphs(page)
    assert "Further Reading" not in page.text


def test_topic_link_classed_as_a_tag_stays_in_its_sentence():
    linked = PARAGRAPHS[1].replace("islanders", '<a class="topic-tag" href="/topics/islanders">islanders</a>')
    page = clean_html_page(story_html().replace(PARAGRAPHS[1], linked))
    assert PARAGRAPHS[1] in body_paragraphs(page)


def test_more_stories_box_blurbs_are_dropped():
    teasers = "".join(
        f'<div class="box"><div><a href="/{n}">Teaser headline number {n} about the coast</a></div>'
        f"<div>A one-line summary of another story that the reader might want to open next.</div></div>"
        for n in range(4)
    )
    html = story_html().replace("</article>", f"<div>{teasers}</div></article>")
    page = clean_html_page(html)
    assert "one-line summary" not in page.text
    assert PARAGRAPHS[-1] in page.text


def test_hidden_elements_are_not_text():
    hidden = (
        '<div style="display:none"><p>This hidden pop-up explains how the archive collected the '
        "page and it is long enough to look like a paragraph of the story itself.</p></div>"
    )
    page = clean_html_page(story_html().replace("<article", hidden + "<article"))
    assert "hidden pop-up" not in page.text


def test_page_of_links_has_no_body():
    links = "".join(f'<li><a href="/{n}">Story number {n} of the day</a></li>' for n in range(40))
    page = clean_html_page(f"<html><head><title>Index</title></head><body><ul>{links}</ul></body></html>")
    assert page.text == ""


def test_2005_table_layout_page():
    rows = "".join(f"<font face=arial size=2>{p}<br><br></font>" for p in PARAGRAPHS)
    menu = "".join(f'<tr><td><a href="/s{n}">Section {n}</a></td></tr>' for n in range(15))
    html = f"""<html><head><title>The Coastal Chronicle Online Edition</title></head>
    <body><table><tr><td width=150><table>{menu}</table></td>
    <td><b>Sep 13, 8:30 AM EDT</b><p><b>{HEADLINE}</b><br>By JANE MARSH<br><br>{rows}</td>
    <td><a href="/ad"><img src="/ad.gif"></a></td></tr></table></body></html>"""
    page = clean_html_page(html)
    assert page.title == HEADLINE  # the <title> is only the site's name
    assert body_paragraphs(page) == PARAGRAPHS


def test_author_contact_line_is_dropped_but_a_story_quote_about_twitter_is_kept():
    quote = (
        "\u201cWe follow each other on Twitter now, and she sends me photographs of the crossing "
        "every morning,\u201d the ferry's captain said with a laugh after the first sailing."
    )
    contact = "Follow Jane Marsh on Twitter @janemarsh. Got a tip? Email her at jane@chronicle.example."
    html = story_html().replace(f"<p>{LATE_PARAGRAPH}</p>", f"<p>{LATE_PARAGRAPH}</p><p>{quote}</p><p>{contact}</p>")
    page = clean_html_page(html)
    assert quote in page.text
    assert "Got a tip" not in page.text


# --- metadata ---

OPEN_GRAPH = f"""
<meta property="og:title" content="{HEADLINE} - The Coastal Chronicle">
<meta property="og:url" content="https://chronicle.example/news/islands/ferry-returns">
<meta property="article:section" content="Islands">
<meta property="article:published_time" content="2016-09-13T08:30:00+00:00">
"""
JSON_LD = json.dumps(
    {
        "@context": "https://schema.org",
        "@graph": [
            {"@type": "WebSite", "name": "The Coastal Chronicle"},
            {
                "@type": "NewsArticle",
                "headline": HEADLINE,
                "datePublished": "2016-09-12T22:15:00Z",
                "articleSection": ["News", "Islands"],
                "url": "https://chronicle.example/ferry",
            },
        ],
    }
)


def test_metadata_from_open_graph():
    page = clean_html_page(story_html(head=OPEN_GRAPH))
    assert page.title == HEADLINE
    assert page.url == "https://chronicle.example/news/islands/ferry-returns"
    assert page.section == "Islands"
    assert page.published == datetime(2016, 9, 13, 8, 30, tzinfo=UTC)


def test_metadata_from_json_ld():
    head = f'<script type="application/ld+json">{JSON_LD}</script>'
    page = clean_html_page(story_html(head=head))
    assert page.published == datetime(2016, 9, 12, 22, 15, tzinfo=UTC)
    assert page.section == "News / Islands"
    assert page.url == "https://chronicle.example/ferry"


def test_date_from_time_element_and_section_from_breadcrumb():
    page = clean_html_page(story_html())
    assert page.published == datetime(2016, 9, 13, 8, 30, tzinfo=UTC)
    assert page.section == "News / Islands"


def test_date_from_a_byline_when_the_page_declares_none():
    body = "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
    html = (
        f"<html><head><title>{HEADLINE}</title></head><body><h1>{HEADLINE}</h1>"
        f"<div>Jane Marsh, 09.13.05, 8:30 AM ET</div>{body}</body></html>"
    )
    assert clean_html_page(html).published == datetime(2005, 9, 13, tzinfo=UTC)


def test_section_from_a_json_ld_breadcrumb_list():
    crumbs = {
        "@type": "BreadcrumbList",
        "itemListElement": [
            {"@type": "ListItem", "position": 1, "item": {"@id": "/news", "name": "News"}},
            {"@type": "ListItem", "position": 2, "name": "Islands"},
        ],
    }
    head = f'<script type="application/ld+json">{json.dumps(crumbs)}</script>'
    html = story_html(head=head).replace('class="breadcrumb"', 'class="trail"')
    assert clean_html_page(html).section == "News / Islands"


def test_canonical_link_wins_and_archive_prefix_is_removed():
    head = (
        '<link rel="canonical" href="https://web.archive.org/web/20160914010203/'
        'https://chronicle.example/ferry-returns">' + OPEN_GRAPH
    )
    assert clean_html_page(story_html(head=head)).url == "https://chronicle.example/ferry-returns"


@pytest.mark.parametrize(
    "title",
    [
        f"{HEADLINE} - The Coastal Chronicle",
        f"{HEADLINE} | The Coastal Chronicle",
        f"The Coastal Chronicle | {HEADLINE}",
        f"Chronicle.com: {HEADLINE}",
        f"{HEADLINE} :: The Coastal Chronicle",
    ],
)
def test_title_without_site_name(title):
    # No heading on the page: the headline can only come from <title>.
    html = (
        f"<html><head><title>{title}</title></head><body>"
        + "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
        + "</body></html>"
    )
    assert clean_html_page(html).title == HEADLINE


def test_title_only_headline_with_a_colon_is_kept_whole():
    headline = "Ferry strike: what it means for island commuters"
    html = f"<html><head><title>{headline} | The Coastal Chronicle</title></head><body><p>{PARAGRAPHS[0]}</p>"
    assert clean_html_page(html).title == headline


def test_headline_with_a_colon_is_kept_whole():
    headline = "Ferry strike: what it means for island commuters"
    html = story_html(title=f"{headline} - The Coastal Chronicle").replace(HEADLINE, headline)
    assert clean_html_page(html).title == headline


def test_headline_is_the_story_heading_not_a_teaser_with_the_same_words():
    teaser = f'<div class="latest"><h5><a href="/x">{HEADLINE}</a></h5></div>'
    page = clean_html_page(story_html(head=OPEN_GRAPH).replace("<article", teaser + "<article"))
    assert page.title == HEADLINE
    assert body_paragraphs(page)[0] == STANDFIRST


# --- robustness ---


def test_malformed_markup_still_yields_the_story():
    html = (
        "<html><head><title>Broken page</title><body><div class=story><p>"
        + PARAGRAPHS[0]
        + "<p><b><i>"
        + PARAGRAPHS[1]
        + "</b></i></span></div></div></td><p class=x id=>"
        + PARAGRAPHS[2]
        + "<p align=center>"
        + PARAGRAPHS[3]
        + "</tr><p>"
        + PARAGRAPHS[4]
        + "<p class='unterminated>never closed"
    )
    page = clean_html_page(html)
    assert body_paragraphs(page) == PARAGRAPHS


def test_unclosed_title_does_not_become_a_huge_headline():
    # Browsers read everything after an unclosed <title> as the title (and show no body).
    html = "<html><head><title>Broken page<body><p>" + "<p>".join(PARAGRAPHS)
    page = clean_html_page(html)
    assert page.title is None or len(page.title) < 300


@pytest.mark.parametrize(
    "html",
    [
        "",
        "just text",
        "<",
        "<<<>>>&&&;;<a <b <c",
        "\x00\x01\x02<p>\ufffd</p>",
        "<script>" * 5000,
        "<!--" * 5000,
        "<p>&#99999999999; &#xFFFFFFFF; &bogus;</p>",
        '<hr data-link-words="many"><hr data-link-words="99999999999999999999999">',
        '<script type="application/ld+json">' + "[" * 100000 + "</script>",
        '<script type="application/ld+json">{"@type": "NewsArticle", "headline": 5}</script>',
        "<ul>" + "<li><a href=x>link</a></li>" * 20000 + "</ul>",
    ],
)
def test_junk_markup_never_raises(html):
    page = clean_html_page(html)
    assert isinstance(page, CleanPage)


@pytest.mark.parametrize("tag", ["div", "span", "table", "ul", "blockquote"])
def test_10000_levels_of_nesting_do_not_raise(tag):
    sentence = " ".join(PARAGRAPHS[:2])
    html = f"<html><body>{f'<{tag}>' * 10000}<p>{sentence}</p>{f'</{tag}>' * 10000}</body></html>"
    page = clean_html_page(html)
    assert isinstance(page, CleanPage)


def test_unclosed_nesting_does_not_raise():
    assert isinstance(clean_html_page("<div><b><i><span>" * 10000 + "text"), CleanPage)


def test_large_page_is_cleaned_in_reasonable_time():
    paragraph = f"<p>{PARAGRAPHS[0]}</p>\n"
    html = "<html><body><div class=story>" + paragraph * 5000 + "</div></body></html>"  # ~1 MB
    start = time.perf_counter()
    page = clean_html_page(html)
    assert time.perf_counter() - start < 30
    assert page.text.count(PARAGRAPHS[0]) == 5000


@pytest.mark.parametrize("opener", ["<script ", "<style x=", "<ul ", "<ul><li><a href=", "<!--", "<b "])
def test_thousands_of_unclosed_openers_take_linear_time(opener):
    # A regex retried at every unclosed "<script" would take minutes here (quadratic).
    start = time.perf_counter()
    page = clean_html_page(opener * 40000)
    assert time.perf_counter() - start < 10
    assert isinstance(page, CleanPage)


def test_unclosed_script_swallows_the_rest_of_the_page_like_a_browser():
    pruned, _ = prune_markup("<p>kept</p><script>var a = '<p>not kept</p>';")
    assert "kept" in pruned and "not kept" not in pruned


def test_nothing_is_fetched_or_run(monkeypatch):
    import socket
    import subprocess

    def refuse(*args, **kwargs):
        raise AssertionError("the cleaner must not open connections or processes")

    monkeypatch.setattr(socket, "socket", refuse)
    monkeypatch.setattr(subprocess, "Popen", refuse)
    html = story_html(
        head='<link rel="stylesheet" href="http://127.0.0.1:9/x.css"><script src="http://127.0.0.1:9/x.js"></script>'
    ).replace("<figure>", '<iframe src="http://127.0.0.1:9/ad"></iframe><figure>')
    assert PARAGRAPHS[0] in clean_html_page(html).text
