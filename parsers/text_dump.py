"""Clean plain-text renderings of news pages (text-browser dumps): find headline, section and body.

No markup is left in a dump, so the signals are the text's own: line shapes (bullets,
brackets, utility links), stopword density, sentence punctuation, the headline's position
above the body, and lines that recur across the documents of a batch (page templates).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from parsers import rules
from parsers.metadata import find_date, find_url


@dataclass
class CleanPage:
    """What cleaning found in one page."""

    title: str | None
    text: str
    section: str | None = None
    url: str | None = None
    published: object | None = None  # datetime; typed loosely to keep parsers light
    extra: dict = field(default_factory=dict)


@dataclass
class Block:
    """A paragraph of the dump: consecutive non-blank lines, joined."""

    lines: list[str]
    first_line: int

    @property
    def text(self) -> str:
        return " ".join(line.strip() for line in self.lines)


_WORD = re.compile(r"\w+", re.UNICODE)


def normalise_line(line: str) -> str:
    """A line with runs of whitespace (including no-break spaces) collapsed and trimmed."""
    return " ".join(line.split())


def is_chrome_line(line: str, template_lines: frozenset[str] = frozenset()) -> bool:
    """True for lines that are page furniture whatever their context: bullets, bracketed
    placeholders, utility links, legal notices, and lines of the batch's template."""
    stripped = normalise_line(line)
    if not stripped:
        return False
    return bool(
        rules.BULLET_LINE.match(line)
        or rules.BRACKET_ONLY.match(stripped)
        or rules.UTILITY_LINE.match(stripped)
        or rules.LEGAL_LINE.search(stripped)
        or stripped in template_lines
    )


def split_blocks(lines: list[str], template_lines: frozenset[str]) -> list[Block]:
    """Group lines into blocks; chrome lines end a block and are dropped."""
    blocks: list[Block] = []
    current: list[str] = []
    start = 0
    for number, line in enumerate(lines):
        if not line.strip() or is_chrome_line(line, template_lines):
            if current:
                blocks.append(Block(current, start))
                current = []
            continue
        if not current:
            start = number
        current.append(line)
    if current:
        blocks.append(Block(current, start))
    return blocks


def stopword_density(words: list[str]) -> float:
    if not words:
        return 0.0
    return sum(1 for w in words if w.lower() in rules.STOPWORDS) / len(words)


def is_prose(text: str) -> bool:
    """A block that reads as running text: long enough, full of function words, and ending
    like a sentence (a long headline has the words but not the full stop)."""
    words = _WORD.findall(text)
    return (
        len(words) >= rules.MIN_PROSE_WORDS
        and stopword_density(words) >= rules.MIN_STOPWORD_DENSITY
        and (text.rstrip().endswith(rules.SENTENCE_ENDINGS) or len(words) >= rules.MIN_UNPUNCTUATED_PROSE_WORDS)
    )


def _body_span(blocks: list[Block]) -> tuple[int, int] | None:
    """Indices (first, last) of the longest run of prose blocks, allowing short inner blocks."""
    prose = [is_prose(b.text) for b in blocks]
    best: tuple[int, int] | None = None
    best_words = 0
    index = 0
    while index < len(blocks):
        if not prose[index]:
            index += 1
            continue
        first = last = index
        words = 0
        probe = index
        while probe < len(blocks):
            text = blocks[probe].text
            if prose[probe]:
                last = probe
                words += len(text.split())
            elif len(text.split()) < rules.MIN_INNER_WORDS:
                break
            elif not any(prose[probe + 1 : probe + 3]):
                break
            probe += 1
        if words > best_words:
            best, best_words = (first, last), words
        index = last + 1
    return best


def _looks_like_title(line: str) -> bool:
    words = line.split()
    low, high = rules.TITLE_WORDS
    return (
        low <= len(words) <= high
        and not line.endswith((".", ",", ":", ";"))
        and not rules.BREADCRUMB.match(line)
        and not rules.DATE_PATTERNS[1].search(line[:40])
    )


def _find_title_and_section(lines: list[str], body_start: int) -> tuple[str | None, str | None]:
    """The headline is the nearest title-shaped line above the body; a breadcrumb above
    the headline (or at the top of the dump) is the section."""
    title, title_line = None, body_start
    for number in range(body_start - 1, max(-1, body_start - rules.TITLE_LOOKBACK_LINES), -1):
        line = normalise_line(lines[number])
        if not line or is_chrome_line(lines[number]):
            continue
        if _looks_like_title(line):
            title, title_line = line, number
            break
    section = None
    for number in range(title_line - 1, -1, -1):
        line = normalise_line(lines[number])
        if line and rules.BREADCRUMB.match(line):
            section = line
            break
    return title, section


def _strip_trailing_utility(paragraph: str) -> str:
    return rules.TRAILING_UTILITY.sub("", paragraph).rstrip()


def clean_text_dump(text: str, template_lines: frozenset[str] = frozenset()) -> CleanPage:
    """Extract headline, section, body and metadata from a plain-text page dump.

    Args:
        text: the whole dump, decoded.
        template_lines: normalised lines that recur across the batch (see ``template_lines``).

    Returns:
        A ``CleanPage``; its ``text`` is empty when no article body was found.
    """
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    blocks = split_blocks(lines, template_lines)
    span = _body_span(blocks)
    if span is None:
        return CleanPage(title=None, text="")
    first, last = span
    body_blocks = blocks[first : last + 1]
    title, section = _find_title_and_section(lines, body_blocks[0].first_line)
    paragraphs = [_strip_trailing_utility(normalise_line(b.text)) for b in body_blocks]
    if title and paragraphs and paragraphs[0] == title:
        paragraphs = paragraphs[1:]
    body = "\n\n".join(p for p in paragraphs if p)
    head = "\n".join(lines[: body_blocks[0].first_line])
    return CleanPage(
        title=title,
        text=body,
        section=section,
        url=find_url(head),
        published=find_date(head),
    )


def template_lines(documents: Iterable[str]) -> frozenset[str]:
    """Lines that recur across many documents of a batch: page templates, not article text.

    A line counts once per document; it is template when it appears in at least
    ``TEMPLATE_MIN_SHARE`` of the documents and in at least ``TEMPLATE_MIN_DOCS`` of them.
    """
    counts: Counter[str] = Counter()
    total = 0
    for document in documents:
        total += 1
        counts.update({normalise_line(line) for line in document.splitlines() if line.strip()})
    needed = max(rules.TEMPLATE_MIN_DOCS, rules.TEMPLATE_MIN_SHARE * total)
    return frozenset(line for line, count in counts.items() if count >= needed)
