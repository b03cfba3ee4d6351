"""Clean plain-text renderings of news pages (text-browser dumps): find headline, section and body.

No markup is left in a dump, so the signals are the text's own. Cleaning runs in four steps:

1. ``linearise_columns``: a table layout rendered side by side (navigation | article | sidebar)
   is cut at its column gutters and read column by column, so each column's text is contiguous.
2. ``split_blocks``: lines become blocks (paragraphs). A paragraph ends at a blank line, at a
   page-furniture line (``is_chrome_line``: short bullet items, placeholders, rules, utility
   links, legal lines, the batch's template lines), or where a wrapped line stops short
   although the next word would have fitted (text browsers wrap at a fixed width). Comment
   openers ("Post a comment") become barriers, link-list headings ("Top Stories") costs.
3. ``score_blocks``: each block is classed like jusText does (length, stopword density, final
   punctuation; captions, bylines, time-stamped items, Title Case headlines and paragraphs
   printed twice are not prose), short blocks take their neighbours' class, and ``body_span``
   takes the run of blocks with the highest total score (prose for, furniture against).
4. ``find_title_and_section``: the headline is a title-shaped block above (or early in) the
   body whose words recur in the body's prose; of near-best candidates the topmost wins
   (captions and boxes sit between headline and text). A breadcrumb above it is the section;
   a date and a written-out URL are looked for around it.

Text that is already clean (``clean_paragraphs``: one-line paragraphs separated by one blank
line, no furniture: what this module and the HTML cleaner write, and article text from JSONL)
skips these steps and comes out whole, so cleaning is idempotent: a cleaned page, written out
as headline, blank line and text, cleans to itself. A dump's kept paragraph that would be
furniture on its own is dropped, so a dump's cleaned text is always clean text.

``template_lines`` finds the lines that recur across a batch's dumps (menus, footers, archive
banners) without taking the shared text of syndicated copies of one story; ``split_dump``
splits a dump into its lines once for both (``parsers.batch.parse_files`` does). Every
pattern and threshold lives in ``parsers.rules``.
"""

from __future__ import annotations

import functools
import heapq
import itertools
import math
import operator
import re
from bisect import bisect_right
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from parsers import rules
from parsers.language import SAMPLE_CHARS, UNSPACED_CHARS_PER_WORD, ProseMeter, prose_meter
from parsers.metadata import find_date
from parsers.page import CleanPage


@dataclass(slots=True)
class Block:
    """A paragraph of the dump (its normalised lines joined by single spaces), or a run of
    furniture lines (``chrome``)."""

    text: str
    first_line: int
    line_count: int = 1
    chrome: bool = False
    bullet: bool = False
    #: Starts a comment section: a body run never continues past it.
    barrier: bool = False
    #: A link list's heading ("More on Politics:"): what follows is another story or a list.
    heading: bool = False
    score: float = 0.0
    #: Lowercase words of ``text`` (``_WORD``) once scoring has read them, for the headline
    #: search to reuse (None: not read, as for blocks too short to judge alone, or not kept).
    words: list[str] | None = None


_T = TypeVar("_T")

_WORD = re.compile(r"\w+", re.UNICODE)
#: ASCII text with its characters that are not word characters (``_WORD``) made spaces and
#: its capitals lowercased (``_words``): a byte table, as bytes translate several times faster.
_ASCII_WORD_BYTES = bytes(
    ord(c.lower()) if c.isalnum() or c == "_" else ord(" ") for c in map(chr, range(128))
) + bytes(range(128, 256))
#: Typographic punctuation common in English text (quotes, dashes, ellipsis, no-break space).
_COMMON_PUNCTUATION = "“”‘’–—…\xa0"


def _words(lower: str) -> list[str]:
    """The words of a lowercase text (``_WORD.findall``). Text that is ASCII once common
    punctuation is replaced by spaces is split on its non-word characters instead: about
    three times faster than the regex, and the words are the same."""
    if not lower.isascii():
        for mark in _COMMON_PUNCTUATION:
            if mark in lower:
                lower = lower.replace(mark, " ")
        if not lower.isascii():
            return _WORD.findall(lower)
    return _ascii_words(lower)


def _ascii_words(text: str) -> list[str]:
    """The lowercase words of an ASCII text."""
    return text.encode("ascii").translate(_ASCII_WORD_BYTES).decode("ascii").split()


def _text_words(text: str) -> list[str]:
    """``_words(text.lower())``: the lowercase words of a text. Text that is ASCII once common
    punctuation is replaced by spaces is lowercased and split in one pass."""
    if not text.isascii():
        spaced = text
        for mark in _COMMON_PUNCTUATION:
            if mark in spaced:
                spaced = spaced.replace(mark, " ")
        if not spaced.isascii():
            return _words(text.lower())
        text = spaced
    return _ascii_words(text)


_INNER_CELL = re.compile(r"(?<=\S) {2,}(?=\S)")


def normalise_line(line: str) -> str:
    """A line with runs of whitespace (including no-break spaces) collapsed and trimmed."""
    stripped = line.strip()
    if stripped.isascii() and "  " not in stripped and "\t" not in stripped:
        return stripped  # fast path: single spaces only, nothing to collapse
    return " ".join(stripped.split())


def dump_lines(text: str) -> list[str]:
    """The lines of a dump: any line ending (\\n, \\r\\n, \\r) ends a line, tabs become spaces."""
    # The tests first: most dumps have neither carriage returns nor tabs, and each pass copies the text.
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if "\t" in text:
        text = text.expandtabs()
    return text.split("\n")


@dataclass(frozen=True, slots=True)
class SplitDump:
    """A dump split into lines once, for both the batch's template search (``template_lines``)
    and cleaning (``clean_text_dump``), which would otherwise each split and normalise it."""

    text: str
    #: ``dump_lines(text)`` (tuples: the garbage collector need not walk a batch's lines).
    lines: tuple[str, ...]
    #: ``normalise_line`` of each of ``lines``.
    normalised: tuple[str, ...]
    #: How many lines normalising changed more than trimming them: at least as many as hold
    #: a run of spaces inside, as the rows of a table layout do (see ``linearise_columns``).
    collapsed: int
    #: The odd whitespace characters (``_ODD_SPACES``) the text holds: usually none.
    odd_spaces: str


#: Whitespace that is neither a space nor a line end of ``dump_lines``: the tab, the line
#: breaks of ``str.splitlines`` that ``dump_lines`` keeps within a line, and the unit separator.
_ODD_SPACES = "\t\x0b\x0c\x1c\x1d\x1e\x1f\x85\u2028\u2029"
#: Of those, the ASCII controls that ``normalise_line`` keeps inside an ASCII line.
_CONTROL_SPACES = "\x0b\x0c\x1c\x1d\x1e\x1f"


def split_dump(text: str) -> SplitDump:
    """``text`` split into its lines and their normalised forms (see ``SplitDump``)."""
    lines = dump_lines(text)
    trimmed = list(map(str.strip, lines))
    normalised = _normalise_trimmed(trimmed)
    # (a line that normalising left as it was is the same object: the comparison is quick)
    collapsed = sum(map(operator.ne, trimmed, normalised))
    odd_spaces = "".join([c for c in _ODD_SPACES if c in text])
    return SplitDump(text, tuple(lines), tuple(normalised), collapsed, odd_spaces)


# --- step 1: columns ---------------------------------------------------------------------


def _column_gutters(lines: Sequence[str]) -> tuple[list[int], dict[int, set[int]]]:
    """Positions where many lines start a cell after a run of spaces (table column starts),
    and each such line's inner cell starts."""
    inner: dict[int, set[int]] = {}
    counts: Counter[int] = Counter()
    for number, line in enumerate(lines):
        if "  " in line and "  " in line.strip():  # (most lines have no double space at all)
            starts = {m.end() for m in _INNER_CELL.finditer(line)}
            inner[number] = starts
            counts.update(starts)
    return sorted(p for p, n in counts.items() if n >= rules.MIN_COLUMN_LINES), inner


def linearise_columns(lines: Sequence[str]) -> Sequence[str]:
    """Read side-by-side table columns one after the other.

    Column starts (gutters) are found across the page; a line is cut at a gutter when no word
    crosses it and a line nearby really starts a cell there. A line with a word across a
    gutter is full-width and ends the table region. Within a region, column 0 is emitted
    first, then column 1, and so on, with a blank line between columns. Pages without
    columns come back unchanged.
    """
    gutters, inner = _column_gutters(lines)
    if not gutters:
        return lines
    # For each gutter, the lines with a cell starting there (or indented to it) close by.
    window = rules.COLUMN_EVIDENCE_LINES
    evidence: dict[int, set[int]] = {gutter: set() for gutter in gutters}
    for number, line in enumerate(lines):
        for start in inner.get(number, ()):
            if start in evidence:
                evidence[start].update(range(number - window, number + window + 1))
        indent = len(line) - len(line.lstrip())
        if indent in evidence:
            evidence[indent].update(range(number - window, number + window + 1))
    out: list[str] = []
    region: list[list[str]] = []  # region[column] -> lines of that column

    def flush() -> None:
        for column in region:
            if any(part.strip() for part in column):
                out.extend(column)
                out.append("")
        region.clear()

    for number, line in enumerate(lines):
        if not line.strip():
            for column in region:
                column.append("")
            if not region:
                out.append("")
            continue
        cuts = [0]
        crosses = False
        for gutter in gutters:
            if gutter >= len(line):
                break
            if line[gutter - 1] != " ":
                if line[gutter] != " ":
                    crosses = True
                continue
            if number in evidence[gutter]:
                cuts.append(gutter)
        if crosses and len(cuts) == 1:
            flush()
            out.append(line)
            continue
        cuts.append(len(line))
        while len(region) < len(gutters) + 1:
            region.append([])
        filled = set()
        for start, end in zip(cuts, cuts[1:], strict=False):
            part = line[start:end].rstrip()
            if part.strip():
                column = bisect_right(gutters, start + len(part) - len(part.lstrip()))
                column = min(column, len(region) - 1)
                region[column].append(part)
                filled.add(column)
        for column, parts in enumerate(region):
            if column not in filled and parts and parts[-1] != "":
                parts.append("")
    flush()
    return out


# --- step 2: lines and blocks ------------------------------------------------------------


_BULLET_STARTS = frozenset(rules.BULLET_CHARS)


def is_chrome_line(line: str, template_lines: frozenset[str] = frozenset()) -> bool:
    """True for lines that are page furniture whatever their context: short bullet items,
    bracketed placeholders, rules, utility links, legal notices, and the batch's template."""
    stripped = normalise_line(line)
    if not stripped:
        return False
    known = (
        _may_match(stripped, stripped.lower(), rules.LEGAL_KEYWORDS) and rules.LEGAL_LINE.search(stripped) is not None
    ) or (len(stripped) <= rules.UTILITY_MAX_CHARS and rules.UTILITY_LINE.match(stripped) is not None)
    return _is_chrome(stripped, template_lines, known)


#: Characters that case-insensitive patterns match to ASCII letters although they do not
#: lowercase to them (dotted İ, dotless ı, long ſ; the Kelvin sign lowercases to k).
_ODD_CASE = ("\u0130", "\u0131", "\u017f")


def _may_match(text: str, lower: str, keywords: tuple[str, ...]) -> bool:
    """False when a case-insensitive pattern whose every match holds one of ``keywords``
    (lowercase; as ``LEGAL_KEYWORDS`` for ``LEGAL_LINE``) cannot match ``text`` (``lower``:
    ``text.lower()``): a few substring tests instead of the pattern's search."""
    for keyword in keywords:  # noqa: SIM110 (a loop: faster than any() here)
        if keyword in lower:
            return True
    if text.isascii():
        return False
    return any(odd in text for odd in _ODD_CASE)


def _is_chrome(stripped: str, template_lines: frozenset[str], known: bool) -> bool:
    """``is_chrome_line`` of a normalised, non-empty line whose legal-notice and utility-link
    tests are done (``known``: one of them matched)."""
    if known or stripped in template_lines:
        return True
    first = stripped[0]
    if first in _BULLET_STARTS:
        bullet = rules.BULLET_LINE.match(stripped)
        if bullet:
            item = stripped[bullet.end() :]
            return item.count(" ") + 1 < rules.MIN_BULLET_TEXT_WORDS or is_chrome_line(item)
    # Cheap gates first: most lines are prose or menu text, and each pattern has a shape.
    if (first == "[" and rules.BRACKET_ONLY.match(stripped) and not rules.BRACKETED_SENTENCE.match(stripped)) or (
        not first.isalnum() and rules.RULE_LINE.match(stripped)
    ):
        return True
    if " | " in stripped and rules.PIPE_MENU.match(stripped):
        return True
    if (first in "SPsp" and rules.SPONSORED_LINE.match(stripped)) or (
        first.isdigit() and rules.TIME_AGO_LINE.match(stripped)
    ):
        return True
    return "[" in stripped and rules.FORM_LINE.search(stripped) is not None


def _is_legal(stripped: str, keywords: tuple[str, ...] = rules.LEGAL_KEYWORDS) -> bool:
    """A legal notice (``LEGAL_LINE``), tested only when one of its key words is in the line
    (of ``keywords``: those the line may hold, see ``_ascii_keywords``)."""
    if not keywords:
        return False
    lower = stripped.lower()
    for keyword in keywords:  # a loop, not any(...): this runs for most lines
        if keyword in lower:
            return rules.LEGAL_LINE.search(stripped) is not None
    return False


def _ascii_keywords(normalised: Sequence[str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The legal-notice and caption key words (``LEGAL_KEYWORDS``, ``CAPTION_KEYWORDS``) found
    in a page's ASCII lines, lowercased and joined by spaces. An ASCII line of the page, or a
    paragraph of such lines, holds no other key word, so only these are looked for in them:
    a few searches of the page instead of sixteen of every line and paragraph."""
    text = " ".join(filter(str.isascii, normalised)).lower()
    return _keywords_in(text, rules.LEGAL_KEYWORDS), _keywords_in(text, rules.CAPTION_KEYWORDS)


def _keywords_in(text: str, keywords: tuple[str, ...]) -> tuple[str, ...]:
    """Those of ``keywords`` in ``text``. One that starts with a punctuation mark ("(c) ") is
    looked for only if the text holds the mark: a one-character search is several times faster."""
    return tuple([k for k in keywords if (k[0].isalnum() or k[0] in text) and k in text])


#: What a line of a dump is on its own (``_line_shape``).
_TEXT, _BULLET_TEXT, _CHROME, _COMMENTS, _HEADING = range(5)
_BLANK = -1  # (an empty line)


#: ``COMMENT_WORD`` as a key word (``_may_match``), when it is a plain word matched case-blind.
_COMMENT_KEYWORDS = (
    (rules.COMMENT_WORD.pattern.lower(),)
    if re.fullmatch("[A-Za-z]+", rules.COMMENT_WORD.pattern) and rules.COMMENT_WORD.flags & re.IGNORECASE
    else ()
)


def _special_kind(line: str) -> str | None:
    """Which of ``SPECIAL_LINE``'s shapes a normalised line has ("comments", "heading",
    "utility"), or None. Lines longer than ``HEADING_MAX_CHARS`` have none."""
    if len(line) > rules.HEADING_MAX_CHARS:
        return None
    if (
        _may_match(line, line.lower(), _COMMENT_KEYWORDS) if _COMMENT_KEYWORDS else rules.COMMENT_WORD.search(line)
    ) and rules.COMMENT_NOTICE.match(line):
        return "comments"
    special = rules.SPECIAL_LINE.match(line)
    return special.lastgroup if special else None


def _line_shape(stripped: str, legal_keywords: tuple[str, ...] = rules.LEGAL_KEYWORDS) -> int:
    """What a normalised, non-empty line is on its own, the batch's template aside: a comment
    opener, a link-list heading, furniture (``is_chrome_line``), a bullet item's first line,
    or text. (``legal_keywords``: the legal-notice key words the line may hold, if known.)"""
    kind = _special_kind(stripped)
    if kind == "comments":
        return _COMMENTS
    if kind == "heading":
        return _HEADING
    if _is_chrome(stripped, frozenset(), kind == "utility" or _is_legal(stripped, legal_keywords)):
        return _CHROME
    if stripped[0] in _BULLET_STARTS and rules.BULLET_LINE.match(stripped):
        return _BULLET_TEXT
    return _TEXT


class _Memo(dict):
    """Results remembered by text, bounded: emptied when full (a dict lookup is cheaper than
    ``functools.lru_cache``'s, and a miss may be computed with what the page tells)."""

    def __init__(self, limit: int) -> None:
        super().__init__()
        self.limit = limit

    def remember(self, key: str, value: _T) -> _T:
        """Remember ``value`` for ``key`` and return it."""
        if len(self) >= self.limit:
            self.clear()
        self[key] = value
        return value


#: Short lines (menus, share bars, footers) recur across a batch's pages: their shapes are
#: remembered (long lines are paragraphs, seldom seen twice).
_short_shapes = _Memo(1 << 16)


def _short_line_shape(stripped: str, ascii_legal: tuple[str, ...] = rules.LEGAL_KEYWORDS) -> int:
    """``_line_shape`` of a line up to ``HEADING_MAX_CHARS`` long, remembered (``ascii_legal``:
    the legal-notice key words an ASCII line of the page may hold, see ``_ascii_keywords``)."""
    shape = _short_shapes.get(stripped)
    if shape is None:
        legal = ascii_legal if stripped.isascii() else rules.LEGAL_KEYWORDS
        shape = _short_shapes.remember(stripped, _line_shape(stripped, legal))
    return shape


def _long_line_shape(stripped: str, ascii_legal: tuple[str, ...] = rules.LEGAL_KEYWORDS) -> int:
    """``_line_shape`` of a line longer than ``HEADING_MAX_CHARS`` (``ascii_legal``: the
    legal-notice key words an ASCII line may hold, see ``_ascii_keywords``)."""
    first = stripped[0]
    if first in _BULLET_STARTS or "[" in stripped or (first in "SPsp" and rules.SPONSORED_LINE.match(stripped)):
        return _line_shape(stripped)
    # Neither a bullet item, a sponsored teaser nor a placeholder or form: furniture only if a
    # legal notice or a rule.
    if _is_legal(stripped, ascii_legal if stripped.isascii() else rules.LEGAL_KEYWORDS) or (
        not first.isalnum() and rules.RULE_LINE.match(stripped)
    ):
        return _CHROME
    return _TEXT


#: A character a text browser draws two columns wide (Hangul, CJK, kana, full-width forms).
_WIDE_CHAR = re.compile(
    "[\u1100-\u115f\u2e80-\u303e\u3041-\u33ff\u3400-\u4dbf\u4e00-\u9fff\ua000-\ua4cf"
    "\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]"
)
#: A line break inside a paragraph of a script written without spaces: the text browser cut
#: the line wherever it was full, so the lines join without a space.
_UNSPACED_BREAK = re.compile(
    "(?<=[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3001\u3002\uff0c\u300c\u300d])\n"
    "(?=[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3001\u3002\uff0c\u300c\u300d])"
)


#: A character, and a run of characters, of a script written without spaces (Han, kana, Thai).
_UNSPACED_CHAR = re.compile("[\u0e00-\u0eff\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_FIRST_UNSPACED = "\u0e00"  # (the first character ``_UNSPACED_CHAR`` matches)
_UNSPACED_RUN = re.compile("[\u0e00-\u0eff\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")


def _columns(line: str) -> int:
    """Columns a text browser gave ``line``: wide characters take two."""
    return len(line) if line.isascii() else len(line) + len(_WIDE_CHAR.findall(line))


def _join_wrapped(lines: Sequence[str]) -> str:
    """The lines of one wrapped paragraph as one line: joined by spaces, except where a
    script without spaces was cut (Chinese, Japanese)."""
    text = " ".join(lines)
    if text.isascii() or not _WIDE_CHAR.search(text):
        return text
    return _UNSPACED_BREAK.sub("", "\n".join(lines)).replace("\n", " ")


def _paragraph_ends(lines: Sequence[str]) -> list[int]:
    """For a run of non-blank lines, the indices of the lines that end a paragraph (the last
    line always does). Only the run's first line may be a bullet item: an item starts a run.

    A wrapped line is cut at the wrap width; a line that stops while the next line's first
    word would still have fitted ends its paragraph. Lines longer than any wrap width were
    not wrapped at all and are one paragraph each.
    """
    lengths = list(map(len, lines))
    if not all(map(str.isascii, lines)) and any(map(_WIDE_CHAR.search, lines)):  # (isascii: a flag)
        lengths = list(map(_columns, lines))
    longest = rules.MAX_WRAP_WIDTH
    width = max(lengths)
    if width > longest:
        width = max((n for n in lengths if n <= longest), default=0)
    if width < rules.MIN_WRAP_WIDTH:
        return list(range(len(lines)))  # a stack of short lines is a list, not wrapped text
    room = width - rules.WRAP_SLACK - 1  # a line ends when it and the next line's first word fit in this
    ends = [
        index
        for index, length, next_length, following in zip(
            itertools.count(), lengths, lengths[1:], lines[1:], strict=False
        )
        # (the next line's first word is the whole line when it has one word; a wide
        # character alone when the line starts with one: such scripts wrap anywhere)
        if length > longest
        or next_length > longest
        or length + (2 if _WIDE_CHAR.match(following) else word if (word := following.find(" ")) >= 0 else next_length)
        <= room
    ]
    ends.append(len(lines) - 1)
    return ends


def normalise_lines(lines: Iterable[str]) -> list[str]:
    """``normalise_line`` of every line (one pass: this runs for every line of every page)."""
    return _normalise_trimmed(map(str.strip, lines))


def _normalise_trimmed(lines: Iterable[str]) -> list[str]:
    """``normalise_lines`` of lines already trimmed (``str.strip``). A non-ASCII line that is
    printable (no space but U+0020) and has no double space is already normalised, as
    ``normalise_line`` would find by splitting and joining it."""
    return [
        text
        if "  " not in text and ("\t" not in text if text.isascii() else text.isprintable())
        else " ".join(text.split())
        for text in lines
    ]


def split_blocks(lines: Sequence[str], template_lines: frozenset[str] = frozenset()) -> list[Block]:
    """Group lines into paragraph blocks and furniture blocks, in page order."""
    return _split_normalised(normalise_lines(lines), template_lines)


def _split_normalised(
    stripped_lines: Sequence[str], template_lines: frozenset[str], ascii_legal: tuple[str, ...] = rules.LEGAL_KEYWORDS
) -> list[Block]:
    """``split_blocks`` of lines already normalised (``normalise_lines``; ``ascii_legal``: see
    ``_long_line_shape``)."""
    short = rules.HEADING_MAX_CHARS
    known = _short_shapes.get
    shapes = [
        _BLANK
        if not line
        else (shape if (shape := known(line)) is not None else _short_line_shape(line, ascii_legal))
        if len(line) <= short
        # (``_long_line_shape`` of most lines of a paragraph, inlined)
        else _TEXT
        if not ascii_legal and line.isascii() and line[0].isalnum() and "[" not in line and line[0] not in "SPsp"
        else _long_line_shape(line, ascii_legal)
        for line in stripped_lines
    ]
    if template_lines:
        for number in [n for n, line in enumerate(stripped_lines) if line in template_lines]:
            if shapes[number] in (_TEXT, _BULLET_TEXT):
                shapes[number] = _CHROME
    # Runs of text lines are paragraphs; the lines between them make the other blocks.
    blocks: list[Block] = []
    run_start = 0  # first line of the run of text lines that ends at the next other line
    for number in [n for n, shape in enumerate(shapes) if shape != _TEXT]:
        if number > run_start:
            _add_paragraphs(blocks, stripped_lines, run_start, number)
        shape = shapes[number]
        if shape == _BULLET_TEXT:  # a bullet item starts a run; its indented continuation lines follow it
            run_start = number
            continue
        run_start = number + 1
        if shape == _BLANK:
            continue
        line = stripped_lines[number]
        if shape == _CHROME:
            last = blocks[-1] if blocks else None
            if last is not None and last.chrome and last.first_line + last.line_count >= number - 1:
                last.line_count += 1
                last.text += "\n" + line
            else:
                blocks.append(Block(line, number, 1, True))
        elif shape == _COMMENTS:
            blocks.append(Block(line, number, 1, True, barrier=True))
        else:  # a link-list heading
            blocks.append(Block(line, number, 1, True, heading=True, score=-rules.LIST_HEADING_PENALTY))
    if run_start < len(stripped_lines):
        _add_paragraphs(blocks, stripped_lines, run_start, len(stripped_lines))
    return blocks


def _add_paragraphs(blocks: list[Block], lines: Sequence[str], start: int, end: int) -> None:
    """Append the paragraphs of the run of text lines ``lines[start:end]`` to ``blocks``."""
    if end - start == 1:  # one line, one paragraph: no wrap to check
        text = lines[start]
        bullet = rules.BULLET_LINE.match(text) if text[0] in _BULLET_STARTS else None
        blocks.append(Block(text[bullet.end() :], start, 1, bullet=True) if bullet else Block(text, start, 1))
        return
    run = lines[start:end]
    ends = _paragraph_ends(run)
    first = 0
    for last in ends:
        text = _join_wrapped(run[first : last + 1]) if last > first else run[first]
        bullet = rules.BULLET_LINE.match(text) if text[0] in _BULLET_STARTS else None
        if bullet:
            blocks.append(Block(text[bullet.end() :], start + first, last + 1 - first, bullet=True))
        else:
            blocks.append(Block(text, start + first, last + 1 - first))
        first = last + 1


# --- step 3: scoring -------------------------------------------------------------------


def stopword_density(words: list[str]) -> float:
    """Share of ``words`` (lowercase) that are English function words."""
    if not words:
        return 0.0
    return sum(map(rules.STOPWORDS.__contains__, words)) / len(words)


def _stopwords_reach(words: list[str], share: float) -> bool:
    """``stopword_density(words) >= share``, counting function words only until there are enough."""
    total = len(words)
    if not total:
        return stopword_density(words) >= share
    needed = _needed_count(total, share)
    if needed == 0:
        return True
    return next(itertools.islice(filter(rules.STOPWORDS.__contains__, words), needed - 1, None), None) is not None


@functools.lru_cache(maxsize=1 << 12)  # (block lengths recur: a few hundred)
def _needed_count(total: int, share: float) -> int:
    """The fewest of ``total`` items that make ``share`` of them, as the float division rounds."""
    needed = max(0, math.ceil(share * total))
    while needed > 0 and (needed - 1) / total >= share:
        needed -= 1
    while needed <= total and needed / total < share:
        needed += 1
    return needed


def block_class(block: Block) -> str:
    """jusText-style class of a block: ``good`` (prose), ``near`` (prose-like but short or
    sparse), ``short`` (too short to tell) or ``bad`` (menus, captions, furniture)."""
    return _class_and_size(block)[0]


def _class_and_size(block: Block) -> tuple[str, int, list[str] | None]:
    """``block_class`` of the block, its number of words (0 for furniture) and its lowercase
    words when they were read (see ``_text_class``)."""
    if block.chrome:
        return "bad", 0, None
    if len(block.text) <= _REPEATED_BLOCK_CHARS:
        return _short_text_class(block.text)
    return _text_class(block.text)


def _text_class(
    text: str, caption_keywords: tuple[str, ...] = rules.CAPTION_KEYWORDS, single_spaced: bool | None = None
) -> tuple[str, int, list[str] | None]:
    """``block_class`` of a block of text that is not furniture, its number of words, and its
    lowercase words (``_WORD``; None when the class was decided before reading them). The
    word list may be cached: never change it. ``caption_keywords``: the caption key words
    the text may hold (see ``_ascii_keywords``)."""
    # A block's text is normalised: single spaces split its words, unless an ASCII control
    # character (a form feed) kept by ``normalise_line`` is one more space (``single_spaced``:
    # whether the page has none, if known).
    if single_spaced is None:
        single_spaced = text.isprintable()
    size = text.count(" ") + 1 if single_spaced else len(text.split())
    if size < rules.SHORT_BLOCK_WORDS:
        return "short", size, None  # context decides (subhead or menu item)
    if _halves_equal_text(text, size) if single_spaced else _halves_equal(text.split()):
        return "bad", size, None  # a caption printed with its image's alt text: "A flag ... A flag ..."
    if (
        (caption_keywords and _has_caption_keyword(text.lower(), caption_keywords) and rules.CAPTION_LINE.search(text))
        or rules.BYLINE.match(text)
        or rules.TIMESTAMPED.match(text)
        or (size <= rules.PROMPT_MAX_WORDS and _is_prompt(text))
    ):
        return "bad", size, None
    words = _text_words(text)
    if len(words) < rules.SHORT_BLOCK_WORDS:
        return "short", size, words
    ends_like_sentence = text.endswith(rules.SENTENCE_ENDINGS)
    if not ends_like_sentence and len(words) < rules.MIN_UNPUNCTUATED_PROSE_WORDS:
        capitalised = sum(1 for t in text.split() if t[0].isupper() or t[0].isdigit())
        if capitalised >= rules.HEADLINE_CAPS_SHARE * size:
            return "short", size, words  # a headline: a subhead inside the article, a link elsewhere
    if not _stopwords_reach(words, rules.MIN_STOPWORD_DENSITY):
        return "bad", size, words
    if len(words) >= rules.MIN_PROSE_WORDS and (ends_like_sentence or len(words) >= rules.MIN_UNPUNCTUATED_PROSE_WORDS):
        return "good", size, words
    return "near", size, words


def _is_prompt(text: str) -> bool:
    """``PROMPT_TEXT`` is in ``text`` (searched only when one of its key words is)."""
    lower = text.lower()
    for keyword in rules.PROMPT_KEYWORDS:  # noqa: SIM110 (a loop: faster than any() here)
        if keyword in lower:
            return rules.PROMPT_TEXT.search(text) is not None
    return False


def _text_class_in(
    text: str, meter: ProseMeter, caption_keywords: tuple[str, ...]
) -> tuple[str, int, list[str] | None]:
    """``_text_class`` of a page not in English: stopwords from the page's language's stoplist
    (punctuation without one), size in characters for unspaced scripts (``meter``)."""
    words = _text_words(text)
    size = meter.size(text, len(words))
    if size < rules.SHORT_BLOCK_WORDS:
        return "short", size, words
    if _halves_equal(text.split()):
        return "bad", size, words
    if (
        (caption_keywords and _has_caption_keyword(text.lower(), caption_keywords) and rules.CAPTION_LINE.search(text))
        or rules.BYLINE.match(text)
        or rules.TIMESTAMPED.match(text)
        or (size <= rules.PROMPT_MAX_WORDS and _is_prompt(text))
    ):
        return "bad", size, words
    ends_like_sentence = text.endswith(rules.SENTENCE_ENDINGS)
    if not ends_like_sentence and size < rules.MIN_UNPUNCTUATED_PROSE_WORDS:
        tokens = text.split()
        capitalised = sum(1 for t in tokens if t[0].isupper() or t[0].isdigit())
        if len(tokens) > 1 and capitalised >= rules.HEADLINE_CAPS_SHARE * len(tokens):
            return "short", size, words  # a headline (scripts with capitals only)
    if not meter.is_prose_like(text, words, size, rules.MIN_STOPWORD_DENSITY):
        return "bad", size, words
    if size >= rules.MIN_PROSE_WORDS and (ends_like_sentence or size >= rules.MIN_UNPUNCTUATED_PROSE_WORDS):
        return "good", size, words
    return "near", size, words


#: The classes of short texts of pages not in English, one memo per way of measuring.
_classes_by_meter: dict[ProseMeter, _Memo] = {}


def _meter_text_class(
    text: str, meter: ProseMeter, ascii_captions: tuple[str, ...] = rules.CAPTION_KEYWORDS
) -> tuple[str, int, list[str] | None]:
    """``_text_class_in``, remembered for texts up to ``_REPEATED_BLOCK_CHARS`` long."""
    captions = ascii_captions if text.isascii() else rules.CAPTION_KEYWORDS
    if len(text) > _REPEATED_BLOCK_CHARS:
        return _text_class_in(text, meter, captions)
    memo = _classes_by_meter.get(meter)
    if memo is None:
        if len(_classes_by_meter) >= rules.MAX_LANGUAGE_MEMOS:
            _classes_by_meter.clear()
        memo = _classes_by_meter[meter] = _Memo(1 << 13)
    known = memo.get(text)
    if known is None:
        known = _text_class_in(text, meter, captions)
        memo.remember(text, (known[0], known[1], None))
    return known


def page_meter(blocks: Sequence[Block]) -> ProseMeter:
    """How the page's prose is measured: its language, detected once on its paragraphs of
    ``LANGUAGE_SAMPLE_MIN_CHARS`` or more (``LANGUAGE_SAMPLE_BLOCK_CHARS`` of each, in page
    order, until ``SAMPLE_CHARS``; the longest blocks when it has too few), and that
    language's stoplist. A scan that stops early: this runs for every page."""
    sample, size = [], 0
    for block in blocks:
        if not block.chrome and len(block.text) >= rules.LANGUAGE_SAMPLE_MIN_CHARS:
            sample.append(block.text[: rules.LANGUAGE_SAMPLE_BLOCK_CHARS])
            size += len(sample[-1]) + 1
            if size >= SAMPLE_CHARS:
                break
    if size < rules.LANGUAGE_SAMPLE_MIN_CHARS * 3:  # a page of short lines (or in an unspaced script)
        longest = heapq.nlargest(rules.LANGUAGE_SAMPLE_BLOCKS, (b.text for b in blocks if not b.chrome), key=len)
        sample = [text[: rules.LANGUAGE_SAMPLE_BLOCK_CHARS] for text in longest]
    return prose_meter(" ".join(sample), rules.STOPWORDS)


#: Blocks up to this long (menu entries, headlines, teasers, footers) recur across a batch's
#: pages: three in four blocks of the dev dumps were seen before. Their classes are remembered.
_REPEATED_BLOCK_CHARS = 300
_short_classes = _Memo(1 << 16)


def _short_text_class(
    text: str, ascii_captions: tuple[str, ...] = rules.CAPTION_KEYWORDS, single_spaced: bool | None = None
) -> tuple[str, int, list[str] | None]:
    """``_text_class`` of a text up to ``_REPEATED_BLOCK_CHARS`` long, remembered
    (``ascii_captions``: the caption key words an ASCII text of the page may hold)."""
    known = _short_classes.get(text)
    if known is None:
        known = _text_class(text, ascii_captions if text.isascii() else rules.CAPTION_KEYWORDS, single_spaced)
        # Without the words: those of the few blocks that need them again are read again, and a
        # memo of atomic values is left alone by the garbage collector (word lists are not).
        _short_classes.remember(text, (known[0], known[1], None))
    return known


def _has_caption_keyword(lower: str, keywords: tuple[str, ...] = rules.CAPTION_KEYWORDS) -> bool:
    for keyword in keywords:  # noqa: SIM110 (a loop: faster than any() here)
        if keyword in lower:
            return True
    return False


def _halves_equal(words: list[str]) -> bool:
    half = len(words) // 2
    if half < rules.SHORT_BLOCK_WORDS // 2:
        return False
    return words[:half] == words[half : 2 * half] or words[:half] == words[half + 1 :]


def _halves_equal_text(text: str, size: int) -> bool:
    """``_halves_equal`` of the words of a normalised text of ``size`` words, split only when
    its first two words recur after a space, as they must in a second half repeating the first."""
    half = size // 2
    if half < rules.SHORT_BLOCK_WORDS // 2:
        return False
    if half >= 3:  # (the second copy's first two words are then followed by a third)
        second_space = text.find(" ", text.find(" ") + 1)
        if " " + text[: second_space + 1] not in text:
            return False
    return _halves_equal(text.split(" "))


def _repeats_itself(text: str) -> bool:
    """True when the text's second half repeats its first (caption + identical alt text)."""
    return _halves_equal(text.split())


def score_blocks(
    blocks: list[Block],
    ascii_caption_keywords: tuple[str, ...] = rules.CAPTION_KEYWORDS,
    single_spaced: bool | None = None,
    meter: ProseMeter | None = None,
) -> list[str]:
    """Classify every block and give it a score: prose words count for the body, furniture
    lines and non-prose words against it. Returns the classes. (If known: the caption key
    words the page's ASCII lines hold, see ``_ascii_keywords``, and whether single spaces
    split the words of every block, see ``_text_class``; ``meter``: how a page not in
    English is measured, see ``page_meter``.)"""
    if meter is not None and meter.language != "en":
        decided = [
            ("bad", 0, None) if b.chrome else _meter_text_class(b.text, meter, ascii_caption_keywords) for b in blocks
        ]
    else:
        decided = [
            ("bad", 0, None)
            if b.chrome
            else _short_text_class(b.text, ascii_caption_keywords, single_spaced)
            if len(b.text) <= _REPEATED_BLOCK_CHARS
            else _text_class(
                b.text, ascii_caption_keywords if b.text.isascii() else rules.CAPTION_KEYWORDS, single_spaced
            )
            for b in blocks
        ]
    classes = [cls for cls, _, _ in decided]
    # A paragraph printed twice on a page is a caption or teaser shown in two places (gallery
    # slides, "related" boxes), not article text: the article says each thing once.
    seen: set[str] = set()
    for index, block in enumerate(blocks):
        if block.chrome or classes[index] == "short":
            continue
        if block.text in seen:
            classes[index] = "bad"
        seen.add(block.text)
    # Teaser cards (an image placeholder glued to a headline) in a row are a teaser list.
    cards = [i for i, b in enumerate(blocks) if not b.chrome and b.text[0] == "[" and rules.CARD_START.match(b.text)]
    for before, after in itertools.pairwise(cards):
        if after - before <= rules.CARD_NEIGHBOUR_BLOCKS:
            classes[before] = classes[after] = "bad"
    for index in _teaser_list_blocks(blocks, classes, decided):
        classes[index] = "bad"
    # Context (jusText): a short block between two good blocks is article text (subheads,
    # one-line paragraphs); between bad ones it is furniture.
    resolved = list(classes)
    before_of = _nearest_decided(classes)
    after_of = _nearest_decided(classes[::-1])[::-1]
    for index, cls in enumerate(classes):
        if cls not in ("short", "near"):
            continue
        before, after = before_of[index], after_of[index]
        if before == "good" and after == "good":
            resolved[index] = "good"
        elif cls == "short" and (before == "bad" or after == "bad"):
            resolved[index] = "bad"
    for block, cls, (_, size, words) in zip(blocks, resolved, decided, strict=True):
        block.words = words
        if block.chrome:
            block.score = min(block.score, -rules.CHROME_LINE_PENALTY * block.line_count)
        elif cls == "good":
            block.score = size
        elif cls == "near":
            block.score = size * rules.NEAR_GOOD_WEIGHT
        elif cls == "short":
            block.score = -rules.SHORT_BLOCK_PENALTY
        else:
            block.score = -size * rules.BAD_WORD_WEIGHT - rules.SHORT_BLOCK_PENALTY
    return resolved


def _teaser_list_blocks(blocks: list[Block], classes: list[str], decided: list[tuple[str, int, object]]) -> list[int]:
    """Indices of the blocks of teaser lists: ``TEASER_MIN_ITEMS`` or more title-shaped blocks
    (headlines) in a row, each followed by the same number (at most ``TEASER_GAP_BLOCKS``) of
    short blocks (a one-line summary, a byline, "2H ago") before the next headline: a feed
    repeats one item's shape, an article's headline, captions and subheads do not. Furniture
    lines between them do not count."""
    marked: list[int] = []
    heads: list[int] = []  # positions (in ``kept``) of the current run's headlines
    kept: list[int] = []  # the non-furniture blocks

    def close() -> None:
        if len(heads) >= rules.TEASER_MIN_ITEMS:
            step = heads[1] - heads[0]
            end = min(heads[-1] + step, len(kept))
            marked.extend(kept[heads[0] : end])

    for index, block in enumerate(blocks):
        if block.chrome:
            continue
        kept.append(index)
        here = len(kept) - 1
        size = decided[index][1]
        if (
            classes[index] != "good"
            and rules.TITLE_WORDS[0] <= size <= rules.TITLE_WORDS[1]
            and block.line_count <= rules.TITLE_MAX_LINES
            and not block.text.endswith(rules.TITLE_BAD_ENDINGS)  # (the cheap parts of the test first)
            and not block.text[0].islower()
            and _looks_like_title(block.text)
        ):
            gap = here - heads[-1] if heads else 0
            if heads and (gap - 1 > rules.TEASER_GAP_BLOCKS or (len(heads) > 1 and gap != heads[1] - heads[0])):
                close()
                heads = []
            heads.append(here)
        elif size > rules.TEASER_SUMMARY_WORDS or (heads and here - heads[-1] > rules.TEASER_GAP_BLOCKS):
            close()
            heads = []
    close()
    return marked


def _nearest_decided(classes: list[str]) -> list[str | None]:
    """For each block, the class of the nearest earlier ``good`` or ``bad`` block."""
    nearest: list[str | None] = []
    last: str | None = None
    for cls in classes:
        nearest.append(last)
        if cls in ("good", "bad"):
            last = cls
    return nearest


def mark_comment_headers(blocks: list[Block]) -> None:
    """Make the headers of readers' comments ("NAME on DATE said:", ``COMMENT_HEADER``)
    furniture and comment-thread openers (``barrier``), when the page has at least
    ``COMMENT_HEADER_MIN`` of them: a thread's prose is then never taken for the story."""
    headers = [
        b
        for b in blocks
        if not b.chrome and b.line_count == 1 and len(b.text) <= rules.HEADING_MAX_CHARS and _may_be_header(b.text)
    ]
    if len(headers) >= rules.COMMENT_HEADER_MIN:
        for block in headers:
            block.chrome = block.barrier = True


def _may_be_header(text: str) -> bool:
    """``COMMENT_HEADER`` matches ``text`` (tested only on lines ending as a header does: a digit,
    "m", "M" or a colon)."""
    return text[-1] in "0123456789mM.:" and rules.COMMENT_HEADER.match(text) is not None


def body_span(blocks: list[Block]) -> tuple[int, int] | None:
    """Indices (first, last) of the run of blocks with the highest total score (Kadane),
    where a stretch of furniture scoring below ``-BODY_BREAK_SCORE`` ends a run outright
    (a comment section or a related-stories box after the article is not the article), and
    a comment form or thread (``THREAD_START``) ends the search once a run before it scored
    ``STORY_BEFORE_COMMENTS_SCORE``: a long thread does not outscore a short story."""
    best: tuple[int, int] | None = None
    best_total = 0.0
    total = 0.0
    start = 0
    gap = 0.0  # score of the non-positive stretch since the last positive block
    for index, block in enumerate(blocks):
        if (
            block.barrier
            and best_total >= rules.STORY_BEFORE_COMMENTS_SCORE
            and (rules.THREAD_START.match(block.text) or _may_be_header(block.text))
        ):
            break  # readers' comments follow a story: however long, they are not the article
        gap = gap + block.score if block.score <= 0 else 0.0
        if total <= 0 or gap < -rules.BODY_BREAK_SCORE or block.barrier:
            total, start, gap = 0.0, index, min(gap, 0.0) if block.score <= 0 else 0.0
            if block.score <= 0:
                continue
        total += block.score
        if total > best_total:
            best, best_total = (start, index), total
    return best


# --- step 4: headline and metadata ---------------------------------------------------


#: Menu entries and teasers recur across a batch's pages: their headline shapes are remembered.
_title_shapes = _Memo(1 << 16)


def _looks_like_title(line: str) -> bool:
    """``_title_shape`` of a line, remembered."""
    known = _title_shapes.get(line)
    if known is None:
        known = _title_shapes.remember(line, _title_shape(line))
    return known


def _title_shape(line: str) -> bool:
    """A line shaped like a headline: a few words, no sentence end, not a byline, date,
    caption, breadcrumb or link, and not a fragment of a wrapped sentence (a headline
    neither starts with a lowercase word nor ends on a function word)."""
    words = line.split()
    low, high = rules.TITLE_WORDS
    if not low <= _title_size(line, words) <= high or words[0].islower() or _repeats_itself(line):
        return False
    last = words[-1].strip("\"'’”").lower()
    return (
        last not in rules.TITLE_FRAGMENT_ENDINGS
        and (not line.endswith(rules.TITLE_BAD_ENDINGS) or rules.TITLE_ABBREVIATION_END.search(line) is not None)
        and "|" not in line
        and not line.startswith(("(", "["))
        and not (line[0].isdigit() and rules.TITLE_LIST_ITEM.match(line))
        and not rules.BREADCRUMB.match(line)
        and not rules.BYLINE.match(line)
        and not rules.WIRE_CREDIT.search(line)
        and not (_may_match(line, line.lower(), rules.CAPTION_KEYWORDS) and rules.CAPTION_LINE.search(line))
        and not rules.DATE_LINE.search(line)
        and not rules.UTILITY_LINE.match(line)
    )


def _title_size(line: str, words: list[str]) -> int:
    """Words of a line, or their equivalent in characters for a script without spaces."""
    if line.isascii() or max(line) < _FIRST_UNSPACED:
        return len(words)
    unspaced = len(_UNSPACED_CHAR.findall(line))
    return max(len(words), round(unspaced / UNSPACED_CHARS_PER_WORD)) if unspaced else len(words)


def _unspaced_bigrams(line: str) -> set[str]:
    """Pairs of adjacent characters of the runs of a script without spaces in ``line``: the
    content a Chinese or Japanese headline shares with its text (it has no words to compare)."""
    return {run[i : i + 2] for run in _UNSPACED_RUN.findall(line) for i in range(len(run) - 1)}


def _content_words(text: str) -> set[str]:
    """Content words of ``text``, cut to a short prefix so that a headline's "kills" meets
    the body's "killed" (a crude stemmer, enough to compare a headline with its text)."""
    return _content_prefixes(set(_text_words(text)))


def _content_prefixes(words: set[str]) -> set[str]:
    """``_content_words`` of a set of lowercase words (stopwords and numbers left out)."""
    size = rules.TITLE_WORD_PREFIX
    return {w[:size] for w in words - rules.STOPWORDS if not w.isdigit()}


#: The cut (``_content_prefixes``) of each function word.
_STOP_PREFIXES = frozenset(w[: rules.TITLE_WORD_PREFIX] for w in rules.STOPWORDS)


class _ProseWords:
    """The content words (``_content_words``) of a stretch of prose, to compare headline
    candidates with. A candidate has a few words and the prose a few hundred, so each of a
    candidate's words is looked for in the prose's text; the prose's set of content words is
    made only once many have been asked for."""

    __slots__ = ("_text", "_found", "_prefixes")

    #: Distinct words looked for in the text before making the set (about as costly).
    LOOKUPS = 32

    def __init__(self, words: Iterable[list[str]]) -> None:
        """``words``: lists of the prose's lowercase words (``_words``), in any order."""
        self._text = " " + " ".join(map(" ".join, words)) + " "  # every word between spaces
        self._found: dict[str, bool] = {}
        self._prefixes: set[str] | None = None

    def shared(self, prefixes: set[str]) -> int:
        """How many of ``prefixes`` (a line's ``_content_words``) the prose's content words have."""
        if self._prefixes is None and len(self._found) + len(prefixes) > self.LOOKUPS:
            self._prefixes = _content_prefixes(set(self._text.split()))
        if self._prefixes is not None:
            return len(prefixes & self._prefixes)
        count = 0
        for prefix in prefixes:
            found = self._found.get(prefix)
            if found is None:
                found = self._found[prefix] = self._has(prefix)
            count += found
        return count

    def shared_fragments(self, fragments: set[str]) -> int:
        """How many of ``fragments`` (character pairs of a script without spaces) the prose holds."""
        return sum(1 for fragment in fragments if fragment in self._text)

    def _has(self, prefix: str) -> bool:
        """Whether a content word of the prose starts with ``prefix``, cut as ``_content_prefixes`` cuts."""
        size = rules.TITLE_WORD_PREFIX
        if len(prefix) < size:  # only the word itself is cut to it
            return f" {prefix} " in self._text and prefix not in rules.STOPWORDS and not prefix.isdigit()
        if len(prefix) > size:
            return False
        text, start = self._text, " " + prefix
        if prefix not in _STOP_PREFIXES and not prefix.isdigit():
            return start in text  # every word starting so is a content word
        at = text.find(start)
        while at >= 0:
            end = text.index(" ", at + 1)
            word = text[at + 1 : end]
            if word not in rules.STOPWORDS and not word.isdigit():
                return True
            at = text.find(start, end)
        return False


def _title_score(line: str, distance: int, following: _ProseWords) -> float:
    """How headline-like a title-shaped line is: its content words recur in the text that
    follows it, it sits close above that text, and it is written like a headline."""
    bigrams = set() if line.isascii() or max(line) < _FIRST_UNSPACED else _unspaced_bigrams(line)
    if bigrams:  # Chinese, Japanese: share of the line's character pairs found below
        overlap = following.shared_fragments(bigrams) / max(len(bigrams), rules.TITLE_MIN_CONTENT_WORDS)
    else:
        words = _content_words(line)
        if not words:
            return -1.0
        # Share of the line's words found below, damped for lines of one or two content words
        # (a fragment like "says Mr Jobs" matches fully by chance).
        shared = following.shared(words)
        if shared < max(rules.TITLE_MIN_OVERLAP * len(words), min(rules.TITLE_MIN_SHARED_WORDS, len(words))):
            return -1.0  # written like a headline, but not about this text (another story's, a menu)
        overlap = shared / max(len(words), rules.TITLE_MIN_CONTENT_WORDS)
    tokens = line.split()
    capitalised = sum(1 for t in tokens if t[:1].isupper() or t[:1].isdigit()) / len(tokens)
    return (
        overlap
        + rules.TITLE_CASE_BONUS * capitalised
        - rules.TITLE_DISTANCE_PENALTY * distance
        - (rules.TITLE_SENTENCE_PENALTY if line.count(",") > 1 else 0.0)
        - rules.TITLE_LONG_PENALTY * max(0, len(tokens) - rules.TITLE_USUAL_WORDS)
    )


def find_title_and_section(
    lines: Sequence[str],
    blocks: list[Block],
    classes: list[str],
    span: tuple[int, int],
    template_lines: frozenset[str] = frozenset(),
) -> tuple[str | None, int | None, str | None]:
    """The headline is the best title-shaped short block above the body or early in it:
    its words recur in the prose that follows it and it sits right above that prose;
    bylines, dates, captions and furniture are skipped. A headline found inside the body's
    run means the blocks before it (archive banners, teasers) are not the article. A
    breadcrumb above the headline is the section.

    Args:
        lines: the (linearised) lines of the page; ``blocks`` refer to them.
        blocks, classes: the page's blocks and their classes (see ``score_blocks``).
        span: (first, last) block indices of the body's run.

    Returns:
        (title, index of the title's block, section).
    """
    first, last = span
    # A prose block's score is its number of words (``score_blocks``).
    good_words = [int(b.score) if c == "good" else 0 for b, c in zip(blocks, classes, strict=True)]
    total = sum(good_words[first : last + 1]) or 1
    # Candidates: blocks above the run, and inside it before TITLE_IN_BODY_SHARE of its prose.
    upto, skipped = first, 0
    while upto < last and skipped + good_words[upto] <= total * rules.TITLE_IN_BODY_SHARE:
        skipped += good_words[upto]
        upto += 1
    candidates: list[tuple[float, int, str]] = []
    next_good = None  # index of the first good block after the candidate
    following: dict[int, _ProseWords] = {}  # content words of the prose after a good block
    for index in range(min(upto, len(blocks) - 1), -1, -1):
        block = blocks[index]
        if index + 1 < len(blocks) and classes[index + 1] == "good":
            next_good = index + 1
        if next_good is None:
            continue
        if blocks[first].first_line - block.first_line > rules.TITLE_LOOKBACK_LINES:
            break
        if block.chrome or block.bullet or block.line_count > rules.TITLE_MAX_LINES or classes[index] == "good":
            continue
        line = normalise_line(block.text)
        if line in template_lines:
            continue
        if "[" in line:  # image placeholders glued to a headline: "Title [cb_logo][searc]"
            line = normalise_line(rules.BRACKETED.sub(" ", line))
        if not line or not _looks_like_title(line) or is_furniture_paragraph(line):
            continue  # (a furniture headline would make the cleaned page a dump again)
        # A headline heads the article: compare it with the body run's prose below it.
        target = max(next_good, first)
        distance = blocks[target].first_line - block.first_line - block.line_count
        if target not in following:
            following[target] = _following_words(blocks, classes, target, last)
        score = _title_score(line, distance, following[target])
        if index > first:
            score -= rules.TITLE_SKIPPED_PROSE_PENALTY * sum(good_words[first:index]) / total
        if score >= rules.MIN_TITLE_SCORE:
            candidates.append((score, index, line))
    title, title_index = None, None
    if candidates:
        # Captions, standfirsts and boxes sit between the headline and the text and share its
        # words: of the candidates scoring nearly as well as the best, the topmost is the headline.
        best = max(score for score, _, _ in candidates)
        title_index, title = min(
            (index, line) for score, index, line in candidates if score >= best - rules.TITLE_TOPMOST_MARGIN
        )
    section = None
    title_line = blocks[title_index if title_index is not None else first].first_line
    for number in range(title_line - 1, max(-1, title_line - rules.SECTION_LOOKBACK_LINES), -1):
        line = normalise_line(lines[number])
        if line and rules.BREADCRUMB.match(line) and not rules.DATE_LINE.search(line):
            section = line
            break
    return title, title_index, section


def _following_words(blocks: list[Block], classes: list[str], start: int, last: int) -> _ProseWords:
    """Content words of the prose blocks from ``start`` on (up to TITLE_BODY_WORDS words)."""
    words: list[list[str]] = []
    count = 0
    for index in range(start, min(len(blocks), max(last, start) + 1)):
        if classes[index] == "good":
            block = blocks[index]
            # Scoring read most prose blocks' words; a short block it let its neighbours judge it did not.
            words.append(block.words if block.words is not None else _text_words(block.text))
            count += int(block.score)  # a prose block's score is its number of words
            if count >= rules.TITLE_BODY_WORDS:
                break
    return _ProseWords(words)


def _find_page_url(text: str) -> str | None:
    """The first URL written out as text (not a truncated form-field value like the
    "[http://news.bbc.co.u]" of an archive's address box)."""
    match = rules.PAGE_URL.search(text) if "://" in text else None  # (the substring test is much faster)
    return match.group(0).rstrip(".,;:)") if match else None


def _strip_trailing_utility(paragraph: str) -> str:
    paragraph = paragraph.rstrip()
    if not paragraph.endswith(rules.TRAILING_UTILITY_WORDS):
        return paragraph  # the pattern's search scans the whole paragraph: test its end first
    return rules.TRAILING_UTILITY.sub("", paragraph).rstrip()


# --- clean input ---------------------------------------------------------------------


def is_furniture_paragraph(
    paragraph: str, template_lines: frozenset[str] = frozenset(), legal_keywords: tuple[str, ...] = rules.LEGAL_KEYWORDS
) -> bool:
    """True for a one-line paragraph that is page furniture even in clean text: a bullet item,
    utility link, legal notice, comment opener, link-list heading, placeholder or form field,
    or a template line. A rule ("***", "----") is not: in clean text it is a section break.
    (``legal_keywords``: the legal-notice key words the paragraph may hold, if known.)"""
    if rules.RULE_LINE.match(paragraph):
        return False
    if _special_kind(paragraph) is not None:
        return True
    if paragraph[0] in _BULLET_STARTS and rules.BULLET_LINE.match(paragraph):
        return True
    return _is_chrome(paragraph, template_lines, _is_legal(paragraph, legal_keywords))


def _is_furniture_text(paragraph: str, ascii_legal: tuple[str, ...]) -> bool:
    """``is_furniture_paragraph`` of a kept paragraph of a dump (``ascii_legal``: see
    ``_ascii_keywords``). A long paragraph that starts with a letter or digit and has no
    brackets is furniture only if a legal notice (most paragraphs are so: a quick test)."""
    legal = ascii_legal if paragraph.isascii() else rules.LEGAL_KEYWORDS
    if len(paragraph) > rules.HEADING_MAX_CHARS and paragraph[0].isalnum() and "[" not in paragraph:
        return _is_legal(paragraph, legal)
    return is_furniture_paragraph(paragraph, legal_keywords=legal)


def clean_paragraphs(lines: Sequence[str], template_lines: frozenset[str] = frozenset()) -> list[str] | None:
    """The paragraphs of text that is already clean, or None when it is not.

    Clean text is what this module (and the HTML cleaner) writes: one-line paragraphs, each
    trimmed and with single spaces, separated by exactly one blank line, none of them
    furniture (``is_furniture_paragraph``), and some of them prose. A text-browser dump
    never looks so: it wraps paragraphs over several lines, indents, and stacks menu lines.
    """
    start, end = 0, len(lines)
    while start < end and not lines[start]:
        start += 1
    while end > start and not lines[end - 1]:
        end -= 1
    if start == end or (end - start) % 2 == 0:
        return None
    if any(lines[start + 1 : end : 2]):
        return None  # two lines in a row: a wrapped paragraph, a menu or a list
    paragraphs = list(lines[start:end:2])
    for paragraph in paragraphs:
        if not paragraph or paragraph != normalise_line(paragraph) or is_furniture_paragraph(paragraph, template_lines):
            return None
    if not any(block_class(Block(p, 0)) in ("good", "near") for p in paragraphs):
        return None  # a few short lines: nothing shows they are an article
    return paragraphs


def _clean_input_page(paragraphs: list[str]) -> CleanPage:
    """Clean text comes out whole: its first paragraph is the headline when it is shaped like
    one and its words recur in the text below (as ``find_title_and_section`` asks of a dump's
    headline, compared here with all the text, so a headline found in a dump is found again);
    every other paragraph is the body. A date or URL is looked for in the first two
    paragraphs (a dump's are looked for around its headline, down to the body's first line)."""
    first = paragraphs[0]
    title = None
    if len(paragraphs) > 1 and _looks_like_title(first):
        following = _ProseWords([_text_words(" ".join(paragraphs[1:]))])
        if _title_score(first, 0, following) >= rules.MIN_TITLE_SCORE:
            title = first
    near = "\n".join(paragraphs[:2])
    return CleanPage(
        title=title,
        text="\n\n".join(paragraphs[1:] if title else paragraphs),
        url=_find_page_url(near),
        published=find_date(near),
    )


def clean_text_dump(text: str | SplitDump, template_lines: frozenset[str] = frozenset()) -> CleanPage:
    """Extract headline, section, body and metadata from a plain-text page dump.

    Args:
        text: the whole dump, decoded (or already split by ``split_dump``, as for the
            batch's ``template_lines``).
        template_lines: normalised lines that recur across the batch (see ``template_lines``).

    Returns:
        A ``CleanPage``; its ``text`` (paragraphs separated by a blank line) is empty when no
        article body was found.
    """
    dump = text if isinstance(text, SplitDump) else split_dump(text)
    lines, normalised = dump.lines, dump.normalised
    paragraphs = clean_paragraphs(lines, template_lines)
    if paragraphs is not None:
        return _clean_input_page(paragraphs)
    # A table layout needs many lines with runs of spaces inside (a page without comes back as it was).
    if dump.collapsed >= rules.MIN_COLUMN_LINES:
        columns = linearise_columns(lines)
        if columns is not lines:
            lines, normalised = columns, normalise_lines(columns)
    ascii_legal, ascii_captions = _ascii_keywords(normalised)
    blocks = _split_normalised(normalised, template_lines, ascii_legal)
    # Without ASCII control spaces in the page, single spaces split every block's words.
    single_spaced = all(c not in _CONTROL_SPACES for c in dump.odd_spaces)
    mark_comment_headers(blocks)
    meter = page_meter(blocks)
    classes = score_blocks(blocks, ascii_captions, single_spaced, meter)
    span = body_span(blocks)
    if span is None:
        return CleanPage(title=None, text="", language=meter.language)
    first, last = span
    title, title_index, section = find_title_and_section(lines, blocks, classes, span, template_lines)
    if title_index is not None and title_index >= first:
        first = title_index + 1
    last = story_end(blocks, classes, first, last, title, meter)
    body_start = blocks[min(first, last)].first_line
    kept = [
        b
        for b, cls in zip(blocks[first : last + 1], classes[first : last + 1], strict=True)
        if not b.chrome and cls != "bad"
    ]
    title_line = blocks[title_index].first_line if title_index is not None else body_start
    # A paragraph that is furniture on its own (a legal notice wrapped over two lines) is
    # dropped, so that the text comes out clean and cleaning it again changes nothing.
    paragraphs = [_strip_trailing_utility(b.text) for b in kept]
    paragraphs = [p for p in paragraphs if p and not _is_furniture_text(p, ascii_legal)]
    near = "\n".join(lines[max(0, title_line - rules.DATE_LOOKAROUND_LINES) : body_start + 1])
    return CleanPage(
        title=title,
        text="\n\n".join(paragraphs),
        section=section,
        url=_find_page_url(near) or _find_page_url("\n".join(lines[:body_start])),
        published=find_date(near),
        language=meter.language,
    )


def _topic_terms(text: str, words: list[str] | None, meter: ProseMeter) -> set[str]:
    """The terms a stretch of prose is about: its content words (not the stoplist's, not
    numbers) cut to ``TOPIC_WORD_PREFIX`` letters, or, in a script without spaces, its pairs
    of characters."""
    if meter.unspaced and not text.isascii():
        pairs = _unspaced_bigrams(text)
        if pairs:
            return pairs
    stop = meter.stopwords or rules.STOPWORDS
    size = rules.TOPIC_WORD_PREFIX
    if words is None:
        words = _text_words(text)
    return {w[:size] for w in words if len(w) >= rules.TOPIC_MIN_WORD_CHARS and w not in stop and not w.isdigit()}


def story_end(
    blocks: list[Block], classes: list[str], first: int, last: int, title: str | None, meter: ProseMeter
) -> int:
    """Index of the body's last block once the run is cut where its topic changes.

    A body run found by score may carry on past the story's end into a next story (pages
    that scroll on), a teaser list or an author's box: prose, but about something else. The
    run is cut into segments at stretches of furniture (scoring under ``-TOPIC_BREAK_SCORE``,
    or holding a link list's heading and ending on a headline); its first
    ``TOPIC_SEED_WORDS`` words of prose (after the headline) set the story's terms
    (``_topic_terms``), and a later segment belongs to the story when at least
    ``TOPIC_MIN_OVERLAP`` of its terms (or of the story's, if fewer) are the story's so far.
    Segments that do not are left out, and once more than
    ``TOPIC_MAX_SKIP_WORDS`` words of them follow the story's last segment, the story has
    ended: the run ends at its last related segment.
    """
    if first >= last:
        return last
    # Segments: (start, end) of stretches between furniture gaps.
    segments: list[tuple[int, int]] = []
    start, gap, end, heading = first, 0.0, first, False
    for index in range(first, last + 1):
        score = blocks[index].score
        if score > 0:
            # (A link list's heading, then a headline: the next story of a page that scrolls on.)
            headed = heading and not blocks[index - 1].chrome and _looks_like_title(blocks[index - 1].text)
            if (gap < -rules.TOPIC_BREAK_SCORE or headed) and index > start:
                segments.append((start, end))
                start = index
            gap, heading = 0.0, False
            end = index
        else:
            gap += score
            heading = heading or blocks[index].heading
    segments.append((start, end))
    if len(segments) == 1:
        return last

    def prose_of(seg: tuple[int, int]) -> tuple[set[str], int]:
        terms: set[str] = set()
        size = 0
        for index in range(seg[0], seg[1] + 1):
            if classes[index] in ("good", "near") and not blocks[index].chrome:
                block = blocks[index]
                terms |= _topic_terms(block.text, block.words, meter)
                size += max(int(block.score), 1)
        return terms, size

    story = _topic_terms(title, None, meter) if title else set()
    story_last, story_words, skipped = first, 0, 0
    for seg in segments:
        terms, size = prose_of(seg)
        if not terms:
            continue
        if story_words < rules.TOPIC_SEED_WORDS:  # the story's opening sets its terms
            story |= terms
            story_last, story_words = seg[1], story_words + size
            continue
        overlap = len(terms & story) / max(min(len(terms), len(story)), rules.TOPIC_MIN_TERMS)
        if overlap >= rules.TOPIC_MIN_OVERLAP:
            story |= terms
            story_last, story_words, skipped = seg[1], story_words + size, 0
        else:
            skipped += size
            if skipped > rules.TOPIC_MAX_SKIP_WORDS:
                break
    return story_last


def template_lines(documents: Iterable[str]) -> frozenset[str]:
    """Lines that recur across many documents of a batch: page templates, not article text.

    A line counts once per document. It is a candidate when it appears in at least
    ``TEMPLATE_MIN_DOCS`` documents and ``TEMPLATE_MIN_SHARE`` of the batch. Syndicated
    copies of one story also share lines (its headline and paragraphs), so long lines must
    recur in more documents (``TEMPLATE_LONG_MIN_DOCS``), and a candidate is template only
    when the documents holding it otherwise differ: their sets of long lines overlap by less
    than ``TEMPLATE_COPY_OVERLAP`` on average. Menus and footers recur in different
    stories; a story's text recurs only in its copies.

    Args:
        documents: the batch's plain-text dumps (or the dumps split by ``split_dump``, so that
            cleaning them does not split them again).

    Returns:
        Normalised template lines (compare with ``normalise_line(line)``).
    """
    documents_lines: list[set[str]] = []  # each document's distinct normalised lines
    for document in documents:
        unique = _distinct_lines(document)
        unique.discard("")  # blank lines
        documents_lines.append(unique)
    counts = Counter(itertools.chain.from_iterable(documents_lines))  # (one count of all lines, in C)
    total = len(documents_lines)
    needed = max(rules.TEMPLATE_MIN_DOCS, rules.TEMPLATE_MIN_SHARE * total)
    needed_long = max(needed, rules.TEMPLATE_LONG_MIN_DOCS)
    frequent = itertools.compress(counts.items(), map(operator.le, itertools.repeat(needed), counts.values()))
    candidates = {
        line for line, count in frequent if count >= needed_long or line.count(" ") < rules.TEMPLATE_LONG_WORDS
    }
    # Which documents hold each candidate; only candidates are followed (most lines are not).
    holders: dict[str, list[int]] = {line: [] for line in candidates}
    for number, unique in enumerate(documents_lines):
        for line in unique & candidates:
            holders[line].append(number)
    by_holders: dict[tuple[int, ...], list[str]] = {}
    for line, numbers in holders.items():
        by_holders.setdefault(tuple(numbers), []).append(line)
    long_lines: dict[int, frozenset[str]] = {}  # a document's long lines, made when first compared

    def long_lines_of(number: int) -> frozenset[str]:
        if number not in long_lines:
            long_lines[number] = frozenset(
                line for line in documents_lines[number] if line.count(" ") >= rules.TEMPLATE_LONG_WORDS
            )
        return long_lines[number]

    template: set[str] = set()
    for docs, lines in by_holders.items():
        sample = [long_lines_of(d) for d in docs[: rules.TEMPLATE_JACCARD_SAMPLE + 1]]  # what _mean_overlap reads
        if _mean_overlap(sample) < rules.TEMPLATE_COPY_OVERLAP:
            template.update(lines)
    return frozenset(template)


def _distinct_lines(document: str | SplitDump) -> set[str]:
    """The distinct normalised lines of a document, split by ``str.splitlines``."""
    if isinstance(document, SplitDump):
        # The lines cleaning split are the same unless the text holds a tab or another break.
        if document.odd_spaces in ("", "\x1f"):
            return set(document.normalised)
        text = document.text
    else:
        text = document
    return set(normalise_lines(text.splitlines()))


def _mean_overlap(sets: list[frozenset[str]]) -> float:
    """Mean overlap |a & b| / min(|a|, |b|) of consecutive pairs (a cheap sample of pairs)."""
    sample = sets[: rules.TEMPLATE_JACCARD_SAMPLE + 1]
    pairs = list(zip(sample, sample[1:], strict=False))
    if not pairs:
        return 0.0
    return sum(len(a & b) / (min(len(a), len(b)) or 1) for a, b in pairs) / len(pairs)
