"""Boilerplate rules as data: word lists, patterns and thresholds, each with the case it handles.

The code that applies them lives in ``parsers.text_dump`` and ``parsers.html_page``.
Rules here must be general (no site names, nothing keyed to one page).
"""

from __future__ import annotations

import re

#: English function words (jusText's signal): prose has many, menus and link lists few.
STOPWORDS = frozenset(
    """a about above after again against all also am an and any are as at be because been
    before being below between both but by can could did do does doing down during each
    few for from further had has have having he her here hers herself him himself his how
    i if in into is it its itself just me more most my myself no nor not now of off on
    once only or other our ours ourselves out over own same she should so some such than
    that the their theirs them themselves then there these they this those through to too
    under until up very was we were what when where which while who whom why will with
    would you your yours yourself yourselves said says who's it's that's there's""".split()
)

#: Bullet glyphs text browsers draw in front of list items (menus, related links, tags).
BULLET_CHARS = "•□☆◦▪▫●○■‣⁃*·-–»›>"

#: A line that is only a bullet item: "  • Trending", "□ Print".
BULLET_LINE = re.compile(rf"^\s*[{re.escape(BULLET_CHARS)}]\s+\S")

#: Bracketed placeholders of images, inputs and buttons: "[SUBMIT]", "[0_68_320di]".
BRACKET_ONLY = re.compile(r"^\s*(\[[^\]]*\]\s*)+$")

#: Section breadcrumbs: "National / Politics", "News > World > Asia", "Home | Business".
BREADCRUMB = re.compile(r"^\s*[A-Z][\w&'.-]*(?: [\w&'.-]+){0,3}(?:\s+[/>|»›]\s+[A-Z][\w&'.-]*(?: [\w&'.-]+){0,3}){1,4}\s*$")

#: Utility links that recur on news pages, alone on a line or glued to a paragraph's end
#: ("...Africa.print PRINT"). Matched case-insensitively against the whole line.
UTILITY_LINE = re.compile(
    r"^\s*(print( print)?|share( this( article| story)?)?|e-?mail( this)?|tweet|comments?( \(\d+\))?"
    r"|sign in|log ?in|sign up|subscribe( now)?|register|read more|more news|advertisement"
    r"|see more|related( stories| articles| links)?|close|skip to (main )?content|menu|search"
    r"|back to top|next|previous|top|home|trending( now)?)\s*$",
    re.I,
)
#: A utility link glued to the end of the last paragraph by the page's markup.
TRAILING_UTILITY = re.compile(r"(?<=[.!?\"”’])\s*(print PRINT|PRINT|Print|Share|SHARE)\s*$")

#: Lines about cookies, consent, copyright and legal small print.
LEGAL_LINE = re.compile(
    r"(cookies?\b.*\b(use|accept|policy|consent)|all rights reserved|©|\(c\) \d{4}|copyright \d{4}"
    r"|terms of (use|service)|privacy policy|may not be (published|reproduced))",
    re.I,
)

#: Dates in bylines and datelines: "Friday, September 18, 2009", "Sep 18, 2009", "2009-09-18".
DATE_PATTERNS = (
    re.compile(r"\b(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2}))?"),
    re.compile(
        r"\b(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.? (\d{1,2}),? (\d{4})\b"
    ),
    re.compile(
        r"\b(\d{1,2}) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.? (\d{4})\b"
    ),
)
#: URLs written out in a dump.
URL_PATTERN = re.compile(r"https?://[^\s\]\[<>\"']+")

# --- thresholds for scoring a block (a paragraph: lines between blank lines) ---
#: Words a block needs to count as prose on its own.
MIN_PROSE_WORDS = 12
#: Stopword share above which a block reads as prose (jusText uses ~0.30 for English).
MIN_STOPWORD_DENSITY = 0.25
#: How running text ends (quotes and brackets after the full stop included).
SENTENCE_ENDINGS = tuple(".!?:;\"”’')…")
#: A block this long is prose even without final punctuation (a paragraph cut by the page).
MIN_UNPUNCTUATED_PROSE_WORDS = 40
#: Shorter blocks between two prose blocks are kept if they have at least this many words
#: (subheads and one-line quotes inside an article).
MIN_INNER_WORDS = 4
#: A headline has between these many words.
TITLE_WORDS = (3, 30)
#: How many lines above the body the headline is looked for.
TITLE_LOOKBACK_LINES = 40
#: A line that recurs in at least this share of a batch's documents (and at least
#: ``TEMPLATE_MIN_DOCS`` of them) is page template, not article text.
TEMPLATE_MIN_SHARE = 0.3
TEMPLATE_MIN_DOCS = 5
