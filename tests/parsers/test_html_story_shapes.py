"""Story shapes of unseen news sites that the HTML cleaner once got wrong (issue 17).

Each fixture is a short page in the shape of one failure class measured on the 2023 and
multilingual dev sets: a story told in gallery slides named like furniture, paragraphs a
paywall hides with an inline style, a page builder's text widgets, a blog post readable only
in <noscript>, a "more stories" list of long blurbs under linked headlines, and the next
story an infinitely scrolling page appends.
"""

from __future__ import annotations

from parsers.html_page import clean_html_page
from tests.parsers.test_html_page import HEADLINE, LATE_PARAGRAPH, PARAGRAPHS, body_paragraphs, story_html

HEAD = f"<html><head><title>{HEADLINE} | The Coastal Chronicle</title></head><body>"
NAV = '<nav><ul><li><a href="/">Home</a></li><li><a href="/news">News</a></li></ul></nav>'
FOOT = "<footer><p>&copy; 2023 The Coastal Chronicle. All rights reserved.</p></footer></body></html>"


def test_a_story_told_in_slides_named_like_a_gallery_is_the_text():
    # Each paragraph in a "gallery-slide" inside an "infinite-gallery" list, in a wrapper
    # whose class names a sticky ad: every element around the prose carries a furniture word.
    slides = "".join(
        f'<div class="gallery-slide slide-{n}"><div class="gallery-image"></div><p>{p}</p></div>'
        for n, p in enumerate(PARAGRAPHS)
    )
    share = '<div class="gallery-share"><h4>Share this gallery</h4><a href="/s">Latest galleries</a></div>'
    html = (
        f"{HEAD}{NAV}<h1>{HEADLINE}</h1>"
        f'<div class="single-content bottom-sticky-ad"><div id="infinite-gallery" class="carousel-gallery">'
        f"{slides}{share}</div></div>{FOOT}"
    )
    page = clean_html_page(html)
    assert body_paragraphs(page) == PARAGRAPHS
    assert "Share this gallery" not in page.text


def test_a_comment_thread_is_never_read_as_slides():
    # The same shape named as a comment thread, with a story too short to stand alone: the
    # comments stay furniture.
    comments = "".join(f'<div class="comment"><p>{p}</p></div>' for p in PARAGRAPHS)
    html = f'{HEAD}<h1>{HEADLINE}</h1><p>Ferry back.</p><div class="comments">{comments}</div>{FOOT}'
    assert PARAGRAPHS[0] not in clean_html_page(html).text


def test_paragraphs_a_paywall_hides_in_the_declared_body_are_text():
    hidden = "".join(f'<div class="subscriber-only" style="display:none"><p>{p}</p></div>' for p in PARAGRAPHS[1:])
    body = f'<div itemprop="articleBody"><p>{PARAGRAPHS[0]}</p>{hidden}</div>'
    page = clean_html_page(f"{HEAD}{NAV}<article><h1>{HEADLINE}</h1>{body}</article>{FOOT}")
    assert body_paragraphs(page) == PARAGRAPHS


def test_hidden_faq_answers_outside_the_declared_body_stay_hidden():
    answer = (
        "Free options will not give you everything a paid one does, so make sure that it at "
        "least keeps your data safe and that it has a policy of keeping no logs."
    )
    faq = f'<div class="faq"><h3>What should I look for?</h3><div style="display:none;"><p>{answer}</p></div></div>'
    html = story_html().replace("</article>", f"</article>{faq}")
    assert answer not in clean_html_page(html).text


def test_a_hidden_copy_of_visible_paragraphs_is_not_read_twice():
    copy = "".join(f'<div style="display:none"><p>{p}</p></div>' for p in PARAGRAPHS)
    body = f'<div itemprop="articleBody">{"".join(f"<p>{p}</p>" for p in PARAGRAPHS)}{copy}</div>'
    page = clean_html_page(f"{HEAD}<article><h1>{HEADLINE}</h1>{body}</article>{FOOT}")
    assert body_paragraphs(page) == PARAGRAPHS


def test_a_page_builders_text_widgets_are_the_text():
    # Page builders (Elementor, ...) put each text block in its own "widget" column box.
    widgets = "".join(
        f'<div class="elementor-widget elementor-widget-text-editor"><div class="elementor-widget-container">'
        f"<p>{p}</p></div></div>"
        for p in PARAGRAPHS
    )
    html = f'{HEAD}{NAV}<article><h1>{HEADLINE}</h1><div class="elementor-widget-wrap">{widgets}</div></article>{FOOT}'
    assert body_paragraphs(clean_html_page(html)) == PARAGRAPHS


def test_a_blog_post_rendered_by_a_script_is_read_from_noscript():
    template = "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
    body = (
        f"<div class='post-body' itemprop='articleBody'><script type='text/template'>{template}</script>"
        f"<noscript>{template}</noscript></div>"
    )
    page = clean_html_page(f"{HEAD}<div class='post'><h3>{HEADLINE}</h3>{body}</div>{FOOT}")
    assert body_paragraphs(page) == PARAGRAPHS


def test_a_more_stories_list_of_long_blurbs_under_linked_headlines_is_dropped():
    blurb = (
        "Council members met on the quay to discuss the plans for the new harbour wall, which "
        "would protect the moorings in winter storms and is due to cost more than the ferry repair."
    )
    teasers = "".join(
        f'<div class="item"><div><a href="/{n}">Harbour wall plans go before the council, week {n}</a></div>'
        f"<div>Jane Marsh<br>February {n + 1}, 2024</div><p>{blurb}</p></div>"
        for n in range(4)
    )
    html = story_html().replace("</article>", f"<div>{teasers}</div></article>")
    page = clean_html_page(html)
    assert blurb not in page.text
    assert LATE_PARAGRAPH in page.text


def test_a_listicle_section_under_a_plain_subhead_is_kept():
    # One paragraph per section, each under its own subhead and a "Read our review" link:
    # the story's sections, not a teaser list.
    sections = "".join(
        f'<h2>Boat number {n}</h2><h3><a href="/review/{n}">Read our boat {n} review</a></h3><p>{p}</p>'
        for n, p in enumerate(PARAGRAPHS)
    )
    page = clean_html_page(f"{HEAD}{NAV}<article><h1>{HEADLINE}</h1>{sections}</article>{FOOT}")
    assert all(p in page.text for p in PARAGRAPHS)


def test_the_next_story_of_an_infinitely_scrolling_page_is_left_out():
    next_story = (
        "The council has approved the plans for a new harbour wall after a long meeting on "
        "Thursday night, and work is due to start on the north side of the quay in the spring."
    )
    first = f"<article><h1>{HEADLINE}</h1>{''.join(f'<p>{p}</p>' for p in PARAGRAPHS)}</article>"
    second = f"<article><h1>Council approves the new harbour wall</h1><p>{next_story}</p><p>{next_story}</p></article>"
    page = clean_html_page(f"{HEAD}{NAV}<article class='scroll'>{first}{second}</article>{FOOT}")
    assert body_paragraphs(page) == PARAGRAPHS


def test_a_subhead_after_a_read_more_line_is_kept():
    read_more = '<p><a href="/older">Read more: The ferry breaks down in the spring storm</a></p>'
    subhead = "<p>Fewer winter crossings</p>"
    html = story_html().replace(f"<p>{PARAGRAPHS[3]}</p>", f"{read_more}{subhead}<p>{PARAGRAPHS[3]}</p>")
    page = clean_html_page(html)
    paragraphs = body_paragraphs(page)
    assert paragraphs[paragraphs.index(PARAGRAPHS[3]) - 1] == "Fewer winter crossings"
    assert "Read more" not in page.text
