"""Clean raw HTML news pages with BeautifulSoup: headline, metadata and main text.

The page is parsed once; metadata comes from <head> (Open Graph, article meta, JSON-LD),
the body is rendered to paragraphs (one per block element, link-heavy blocks marked as
menu items) and the same block scoring as for text dumps picks the article.
"""

from __future__ import annotations

import json
import warnings

from bs4 import BeautifulSoup, Comment, MarkupResemblesLocatorWarning, NavigableString, Tag

from parsers.metadata import parse_date
from parsers.text_dump import CleanPage, clean_text_dump, normalise_line

#: Elements that never hold article text.
DROP_TAGS = ("script", "style", "noscript", "iframe", "svg", "form", "button", "select",
             "nav", "footer", "aside", "template", "object", "embed", "canvas", "input")
#: Elements that start a new paragraph when rendered.
BLOCK_TAGS = frozenset(
    "p div li h1 h2 h3 h4 h5 h6 td th tr table ul ol section article header blockquote pre "
    "dd dt dl figure figcaption br hr main center address".split()
)
#: Share of a block's characters inside links above which it is a menu/link list.
MAX_LINK_DENSITY = 0.5

warnings.filterwarnings("ignore", category=MarkupResemblesLocatorWarning)


def _meta(soup: BeautifulSoup, *names: str) -> str | None:
    for name in names:
        tag = soup.find("meta", attrs={"property": name}) or soup.find("meta", attrs={"name": name})
        if tag and tag.get("content"):
            return normalise_line(str(tag["content"]))
    return None


def _json_ld(soup: BeautifulSoup) -> dict:
    """The first JSON-LD object describing an article (NewsArticle, Article, ...)."""
    for script in soup.find_all("script", attrs={"type": "application/ld+json"}):
        try:
            data = json.loads(script.string or "")
        except (ValueError, TypeError):
            continue
        items = data if isinstance(data, list) else data.get("@graph", [data]) if isinstance(data, dict) else []
        for item in items:
            if isinstance(item, dict) and "Article" in str(item.get("@type", "")):
                return item
    return {}


def _render_blocks(body: Tag) -> list[str]:
    """Render the body as lines: one paragraph per block element, link-heavy blocks as
    bullet items (the same shape a text browser gives menus)."""
    lines: list[str] = []
    text_parts: list[str] = []
    link_chars = 0

    def flush() -> None:
        nonlocal link_chars
        text = normalise_line("".join(text_parts))
        if text:
            total = len(text)
            if total and link_chars / total > MAX_LINK_DENSITY:
                lines.append("• " + text)
            else:
                lines.append(text)
            lines.append("")
        text_parts.clear()
        link_chars = 0

    # Iterative walk (deeply nested pages must not hit the recursion limit).
    stack: list[tuple[object, bool]] = [(body, False)]
    while stack:
        node, closing = stack.pop()
        if closing:
            flush()
            continue
        if isinstance(node, Comment):
            continue
        if isinstance(node, NavigableString):
            text = str(node)
            text_parts.append(text)
            parent = node.parent
            while parent is not None and parent is not body:
                if parent.name == "a":
                    link_chars += len(normalise_line(text))
                    break
                if parent.name in BLOCK_TAGS:
                    break
                parent = parent.parent
            continue
        if not isinstance(node, Tag):
            continue
        is_block = node.name in BLOCK_TAGS
        if is_block:
            flush()
            stack.append((node, True))
        stack.extend((child, False) for child in reversed(node.contents))
    flush()
    return lines


def clean_html_page(html: str) -> CleanPage:
    """Extract headline, section, URL, publication date and body text from an HTML page.

    Returns a ``CleanPage``; its ``text`` is empty when no article body was found.
    """
    soup = BeautifulSoup(html, "lxml")
    article = _json_ld(soup)
    headline = _meta(soup, "og:title", "twitter:title") or article.get("headline")
    heading = soup.find("h1")
    if heading and normalise_line(heading.get_text(" ")):
        headline = normalise_line(heading.get_text(" "))
    if not headline and soup.title:
        headline = normalise_line(soup.title.get_text(" "))
    url = None
    canonical = soup.find("link", attrs={"rel": "canonical"})
    if canonical and canonical.get("href"):
        url = str(canonical["href"])
    url = url or _meta(soup, "og:url") or article.get("url")
    published = parse_date(
        _meta(soup, "article:published_time", "datePublished", "pubdate", "date", "DC.date.issued")
        or str(article.get("datePublished") or "")
    )
    section = _meta(soup, "article:section") or article.get("articleSection")
    if isinstance(section, list):
        section = " / ".join(str(s) for s in section)

    for tag in soup.find_all(DROP_TAGS):
        tag.decompose()
    body = soup.body or soup
    page = clean_text_dump("\n".join(_render_blocks(body)))
    if page.text and headline:
        paragraphs = page.text.split("\n\n")
        if normalise_line(paragraphs[0]) == headline:
            page.text = "\n\n".join(paragraphs[1:])
    return CleanPage(
        title=headline or page.title,
        text=page.text,
        section=section or page.section,
        url=url,
        published=published or page.published,
    )
