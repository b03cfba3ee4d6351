"""What a cleaner found in one page: the record every cleaner (text dump, HTML) returns."""

from __future__ import annotations

from dataclasses import dataclass, field

#: ``extraction`` of text found by a cleaner's main pass.
MAIN = "main"
#: ... and of the fallbacks the HTML cleaner tries, in order, when the main pass finds no
#: convincing article: JSON-LD ``articleBody``, microdata ``itemprop="articleBody"``, the page's
#: ``<article>`` or ``<main>``, the densest run of prose blocks.
JSONLD = "jsonld"
MICRODATA = "microdata"
ARTICLE = "article"
DENSITY = "density"


@dataclass
class CleanPage:
    """What cleaning found in one page.

    ``text`` holds the article's paragraphs separated by a blank line (empty when no article
    was found); ``extraction`` names the path that produced it (``MAIN``, or a fallback);
    ``language`` is the ISO 639-1 code the cleaner detected, or None when it did not (the
    batch then detects it from ``text``).
    """

    title: str | None
    text: str
    section: str | None = None
    url: str | None = None
    published: object | None = None  # datetime; typed loosely to keep parsers light
    extra: dict = field(default_factory=dict)
    extraction: str = MAIN
    language: str | None = None
