"""Clean raw HTML news pages with BeautifulSoup: headline, metadata and main text.

The path of a page through this module:

1. ``prune_markup``: linear string passes drop what can never be text (scripts, styles,
   comments, form widgets, images), unwrap inline formatting tags, drop whitespace before
   block tags and collapse bare-link menus to a placeholder, so the tree BeautifulSoup
   builds is about half the size. JSON-LD is read before its scripts go.
2. One BeautifulSoup parse (lxml builder), then one iterative walk (``_render``) that renders
   the page to blocks (the text between two block-tag boundaries) with each block's word,
   stopword and link counts, records every element's span of blocks and whether it is page
   furniture (menus, share bars, comments: by tag, role, style and class/id words), and
   collects <meta>, <link>, <title>, heading and <time> elements for the metadata.
3. The headline is the page's heading that matches the declared title (og:title, JSON-LD,
   <title>); furniture spans are marked (never the one holding the headline; side columns
   only when they do not hold most of the prose); the article container is the element
   whose span maximises prose words minus link-list and furniture words; its prose blocks,
   and the short blocks between prose (subheads, one-line quotes), are the body.

Rules and thresholds live in ``parsers.html_rules``. Nothing is fetched, no script runs, and
no step recurses, so deeply nested pages cannot exhaust the stack.
"""

from __future__ import annotations

import html as html_module
import json
import re
import warnings
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from itertools import accumulate, compress

from bs4 import (
    BeautifulSoup,
    MarkupResemblesLocatorWarning,
    NavigableString,
    Tag,
    XMLParsedAsHTMLWarning,
)

from parsers import html_rules as hr
from parsers.language import SAMPLE_CHARS, ProseMeter, prose_meter
from parsers.metadata import parse_date
from parsers.page import ARTICLE, DENSITY, JSONLD, MAIN, MICRODATA, CleanPage
from parsers.rules import STOPWORDS
from parsers.text_dump import normalise_line

# Pages that look like a file name or start with <?xml are still parsed as HTML, quietly.
warnings.filterwarnings("ignore", category=MarkupResemblesLocatorWarning)
warnings.filterwarnings("ignore", category=XMLParsedAsHTMLWarning)

_WORD = re.compile(r"\w+")
_CAMEL = re.compile(r"([a-z])([A-Z])")
_CLASS_TOKEN = re.compile(r"[a-z0-9]+")

# One alternation finds the start of every raw element to drop, comment or JSON-LD block.
# The tag's ">" is optional and the scan possessive: a "<script" never closed swallows the
# rest of the page in one step instead of being retried at every later "<script" (quadratic).
# A tag name ends at a space, "/" or ">": <template-search-results> is a custom element, not a
# <template> (a word boundary would stop at the "-" and drop the rest of the page).
_TAG_NAME_END = r"(?=[\s/>]|$)"
_RAW_OPEN = re.compile(
    r"<!--|<(" + "|".join(hr.RAW_DROP_ELEMENTS) + r")" + _TAG_NAME_END + r"[^>]*+>?",
    re.I,
)
# An end tag runs to the next ">" as in a browser: "</svg\n</span>" (the ">" forgotten) ends
# the <svg> at the ">" of "</span>" instead of leaving it open to swallow the page.
_RAW_CLOSE = {name: re.compile(rf"</{name}(?=[\s/>])[^>]*+>", re.I) for name in hr.RAW_DROP_ELEMENTS}
_COMMENT_CLOSE = re.compile(r"-->")
_JSON_LD_TYPE = re.compile(r"""type\s*=\s*["']?application/ld\+json""", re.I)
_UNWRAP = re.compile(
    r"</?(?:" + "|".join(hr.INLINE_UNWRAP_TAGS) + r")(?:\s[^<>]*)?/?>"
    r"|<(?:" + "|".join(hr.VOID_DROP_TAGS) + r")(?:\s[^<>]*)?/?>",
    re.I,
)
# Whitespace-only text between a tag and a block tag: no rendering effect, a third of the nodes.
_SPACE_BEFORE_BLOCK = re.compile(
    r">[ \t\r\n]++<(?=/?(?:"
    + "|".join(sorted(hr.BLOCK_TAGS | hr.BOILERPLATE_TAGS, key=len, reverse=True))
    + r")[\s>/])",
    re.I,
)
# A list whose every item is one short link (a menu). Possessive quantifiers: no backtracking.
_LINK_LIST = re.compile(
    r"<(ul|ol)(?=[\s>])[^<>]{0,2000}+>(?:\s*+<li(?=[\s>])[^<>]{0,2000}+>\s*+<a(?=[\s>])[^<>]{0,2000}+>[^<]{0,120}+</a>\s*+"
    r"(?:</li>)?+)++\s*+</\1>",
    re.I,
)
_LINK_TEXT = re.compile(r">([^<]*)</a>", re.I)
#: A tag inside a JSON-LD text (some sites put the story's HTML in ``articleBody``).
_MARKUP_TAG = re.compile(r"<[^<>]{1,500}>")
#: Attribute of the placeholder a collapsed link list leaves: how many words its links had.
_LINK_WORDS_ATTR = "data-link-words"


def _collapse_link_list(match: re.Match) -> str:
    html = match.group(0)
    if "crumb" in html[: html.find(">")].lower():
        return html  # breadcrumbs are read for the section
    words = sum(len(_WORD.findall(text)) for text in _LINK_TEXT.findall(html))
    return f'<hr {_LINK_WORDS_ATTR}="{words}">'


@dataclass
class _Block:
    """A paragraph of the rendered page."""

    text: str
    words: int  # words, or their equivalent in characters for unspaced scripts (``_measure``)
    link_density: float
    tag: str  # the block element that ended it (p, li, td, h2, ...)
    furniture: bool = False  # inside <nav>, <footer>, a share bar, a comment thread, ...
    #: Reads like running text: stopword density (or punctuation) of the page's language.
    prose_signal: bool = False
    #: The block's lowercase ``\w+`` words, until ``_measure`` has read them.
    tokens: list[str] | None = None

    @property
    def is_prose(self) -> bool:
        return (
            self.words >= hr.MIN_PROSE_WORDS
            and self.prose_signal
            and self.link_density <= hr.MAX_PROSE_LINK_DENSITY
            and (
                self.tag not in hr.HEADING_TAGS
                or self.words >= hr.MIN_HEADING_PROSE_WORDS
                or self.text.endswith(hr.SENTENCE_END)
            )
        )

    @property
    def is_link_list(self) -> bool:
        return self.link_density > hr.MAX_LINK_DENSITY


@dataclass
class _Rendered:
    """What one walk over the tree collects."""

    blocks: list[_Block] = field(default_factory=list)
    #: (first block, end block, depth, furniture kind) of every element that spans blocks.
    spans: list[tuple[int, int, int, int]] = field(default_factory=list)
    meta: dict[str, str] = field(default_factory=dict)
    canonical: str | None = None
    title: str | None = None
    headings: list[tuple[str, int]] = field(default_factory=list)  # (text, block index)
    times: list[str] = field(default_factory=list)
    breadcrumbs: list[list[str]] = field(default_factory=list)
    #: (path, first block, end block) of the elements that say they hold the story:
    #: ``itemprop="articleBody"`` ("microdata"), ``<article>`` and ``<main>`` ("article").
    containers: list[tuple[str, int, int]] = field(default_factory=list)
    #: (first block, end block) of the elements marked ``itemprop="articleBody"``.
    bodies: list[tuple[int, int]] = field(default_factory=list)


def prune_markup(html: str) -> tuple[str, list[str]]:
    """Drop raw-text elements (scripts, styles, ...) and comments, unwrap inline tags, drop
    whitespace before block tags and collapse menus (lists of bare links) to a placeholder
    ``<hr data-link-words="N">`` that still counts as N words of links.

    Returns the pruned HTML and the JSON-LD script bodies found on the way. Linear in the
    input: an unclosed ``<script>`` swallows the rest of the page, as in a browser.
    """
    parts: list[str] = []
    json_ld: list[str] = []
    position = 0
    while True:
        match = _RAW_OPEN.search(html, position)
        if match is None:
            parts.append(html[position:])
            break
        parts.append(html[position : match.start()])
        name = match.group(1)
        closer = _COMMENT_CLOSE if name is None else _RAW_CLOSE[name.lower()]
        end = closer.search(html, match.end())
        content_end = end.start() if end else len(html)
        if name and name.lower() == "script" and _JSON_LD_TYPE.search(match.group(0)):
            json_ld.append(html[match.end() : content_end])
        parts.append(" ")
        if end is None:
            break
        position = end.end()
    pruned = _UNWRAP.sub("", "".join(parts))
    pruned = _SPACE_BEFORE_BLOCK.sub("><", pruned)
    return _LINK_LIST.sub(_collapse_link_list, pruned), json_ld


def _class_words(tag: Tag) -> frozenset[str]:
    """Lower-case words of the element's class and id ("shareBar-top" -> share, bar, top)."""
    attrs = tag.attrs
    return _words_of_names(f"{attrs.get('class') or ''} {attrs.get('id') or ''}")


@lru_cache(maxsize=8192)
def _words_of_names(value: str) -> frozenset[str]:
    # Cached: a page repeats the same few hundred class names on thousands of elements.
    # A BEM modifier ("field--label-hidden", "layout--ad", "body--image-gallery") says how a
    # block looks, not what it is: only the block's own name counts.
    value = " ".join(v.split("--", 1)[0] for v in value.split() if not hr.ATOMIC_CSS_CLASS.search(v))
    return frozenset(_CLASS_TOKEN.findall(_CAMEL.sub(r"\1 \2", value).lower()))


#: Furniture kinds: by tag or role (``_FURNITURE``); by a class/id word only
#: (``_NAMED_FURNITURE``: a story's own container may carry such a word, "tone-comment",
#: and a story told in gallery slides has each slide so named; ``_NAMED_THREAD``: a comment
#: thread's words, never slides of the story); a side column or widget (``_LAYOUT``: some
#: themes so name the story's column); hidden by an inline style (``_HIDDEN``: a paywall
#: hides the story's later paragraphs that way until a script shows them).
_NOT_FURNITURE, _LAYOUT, _FURNITURE, _NAMED_FURNITURE, _NAMED_THREAD, _HIDDEN = 0, 1, 2, 3, 4, 5
_NAMED = (_NAMED_FURNITURE, _NAMED_THREAD)


def _furniture_kind(tag: Tag) -> int:
    """``_FURNITURE`` for menus, share bars, comments, hidden boxes...; ``_LAYOUT`` for side
    columns and widgets (which some themes also call the story's column); else 0."""
    name = tag.name
    if name in hr.BOILERPLATE_TAGS:
        return _FURNITURE
    if name in hr.CONTENT_TAGS:
        return _NOT_FURNITURE
    attrs = tag.attrs
    if not attrs:
        return _LAYOUT if name in hr.LAYOUT_TAGS else _NOT_FURNITURE
    role = attrs.get("role")
    if role in hr.CONTENT_ROLES or attrs.get("itemprop") in hr.CONTENT_ITEMPROPS:
        return _NOT_FURNITURE
    if role in hr.BOILERPLATE_ROLES or attrs.get("aria-hidden") == "true" or "hidden" in attrs:
        return _FURNITURE
    style = attrs.get("style")
    if style and hr.HIDDEN_STYLE.search(style):
        return _HIDDEN
    if name in hr.PAGE_TAGS:
        return _NOT_FURNITURE  # <body class="cookies-not-set has-nav">: the page, not a box in it
    words = _class_words(tag)
    if not hr.BOILERPLATE_CLASS_WORDS.isdisjoint(words):
        return _NAMED_FURNITURE if hr.THREAD_CLASS_WORDS.isdisjoint(words) else _NAMED_THREAD
    if name in hr.LAYOUT_TAGS or role in hr.LAYOUT_ROLES or not hr.LAYOUT_CLASS_WORDS.isdisjoint(words):
        return _LAYOUT
    return _NOT_FURNITURE


def _render(root: Tag) -> _Rendered:
    """Walk the tree once, without recursion (pages nest 10,000 levels deep)."""
    out = _Rendered()
    blocks = out.blocks
    parts: list[str] = []
    link_chars = 0
    in_link = 0
    block_tag = "body"

    def flush() -> None:
        nonlocal link_chars
        if parts:
            text = normalise_line("".join(parts))
            parts.clear()
            if text:
                words = _WORD.findall(text.lower())
                density = min(1.0, link_chars / len(text))
                blocks.append(_Block(text, len(words), density, block_tag, tokens=words))
        link_chars = 0

    # Stack items: a node to open, or (tag, first block, depth, furniture) to close it.
    stack: list = [root]
    depth = 0
    while stack:
        item = stack.pop()
        if type(item) is tuple:
            tag, first, tag_depth, furniture = item
            depth = tag_depth - 1
            name = tag.name
            if name in hr.BLOCK_TAGS or (furniture and name not in hr.INLINE_TAGS):
                block_tag = name
                flush()
            if name == "a":
                in_link -= 1
            end = len(blocks)
            if end > first:
                out.spans.append((first, end, tag_depth, furniture))
                if name in hr.STORY_TAGS:
                    out.containers.append((ARTICLE, first, end))
                elif tag.attrs and tag.attrs.get("itemprop") in hr.CONTENT_ITEMPROPS:
                    out.containers.append((MICRODATA, first, end))
                    if tag.attrs["itemprop"] == "articleBody":
                        out.bodies.append((first, end))
                if name in hr.HEADING_TAGS:
                    out.headings.append((blocks[end - 1].text, end - 1))
            continue
        name = item.name
        if name is None:
            if type(item) is NavigableString:
                parts.append(item)
                if in_link:
                    link_chars += len(item.strip())
            continue
        if name in hr.BLOCK_TAGS:
            flush()
            if name == "hr" and _LINK_WORDS_ATTR in item.attrs:  # a menu collapsed by prune_markup
                count = str(item.attrs[_LINK_WORDS_ATTR])
                blocks.append(_Block("", int(count) if count.isdigit() else 0, 1.0, "ul"))
                continue
        elif name == "a":
            in_link += 1
        elif name in ("meta", "link", "title", "time"):
            _collect_head_element(item, out)
            if name == "title":
                continue
        furniture = _furniture_kind(item)
        if furniture:
            if name not in hr.INLINE_TAGS:
                flush()  # a furniture box (<aside> in a paragraph) is a block of its own
            if not _class_words(item).isdisjoint(hr.BREADCRUMB_CLASS_WORDS):
                crumbs = [normalise_line(a.get_text(" ")) for a in item.find_all("a")]
                out.breadcrumbs.append([c for c in crumbs if c])
        depth += 1
        stack.append((item, len(blocks), depth, furniture))
        stack.extend(reversed(item.contents))
    block_tag = "body"
    flush()
    return out


def _measure(blocks: list[_Block]) -> ProseMeter:
    """Detect the page's language once, on its longest blocks that are not link lists (the
    candidate prose), then give every block its prose signal in that language and its size
    (in characters for unspaced scripts)."""
    candidates = sorted(
        (
            b.text
            for b in blocks
            if b.tokens and b.link_density <= hr.MAX_PROSE_LINK_DENSITY and not hr.LEAKED_MARKUP.search(b.text)
        ),
        key=len,
        reverse=True,
    )
    # A few blocks, each cut short: one odd block (a list of numbers) cannot decide alone.
    sample, size = [], 0
    for text in candidates:
        sample.append(text[: hr.LANGUAGE_SAMPLE_BLOCK_CHARS])
        size += len(sample[-1]) + 1
        if size >= SAMPLE_CHARS:
            break
    meter = prose_meter(" ".join(sample), STOPWORDS)
    for block in blocks:
        tokens = block.tokens
        if tokens is None:
            continue
        block.tokens = None
        block.words = meter.size(block.text, block.words)
        if block.words >= hr.MIN_PROSE_WORDS:
            block.prose_signal = meter.is_prose_like(block.text, tokens, block.words, hr.MIN_STOPWORD_DENSITY)
    return meter


def _collect_head_element(tag: Tag, out: _Rendered) -> None:
    attrs = tag.attrs
    name = tag.name
    if name == "meta":
        key = attrs.get("property") or attrs.get("name") or attrs.get("itemprop")
        content = attrs.get("content")
        if key and content:
            out.meta.setdefault(str(key).lower(), normalise_line(str(content)))
    elif name == "link":
        if "canonical" in str(attrs.get("rel") or "").lower() and attrs.get("href"):
            out.canonical = out.canonical or str(attrs["href"])
    elif name == "title":
        title = normalise_line(tag.get_text(" "))
        if out.title is None and len(title) <= hr.MAX_TITLE_CHARS:  # unclosed <title> eats the page
            out.title = title
    elif name == "time":
        value = attrs.get("datetime") or attrs.get("content")
        out.times.append(str(value) if value else tag.get_text(" "))


def _json_ld_objects(scripts: list[str]) -> list[dict]:
    """Every JSON object in the page's JSON-LD, flattened out of lists and @graph."""
    found: list[dict] = []
    for script in scripts:
        try:
            data = json.loads(script.strip().removeprefix("<![CDATA[").removesuffix("]]>"))
        except (ValueError, RecursionError):
            continue
        pending = [data]
        while pending and len(found) < 100:
            item = pending.pop()
            if isinstance(item, list):
                pending.extend(item)
            elif isinstance(item, dict):
                found.append(item)
                if isinstance(item.get("@graph"), list):
                    pending.extend(item["@graph"])
    return found


def _ld_type(item: dict) -> str:
    kind = item.get("@type", "")
    return " ".join(map(str, kind)) if isinstance(kind, list) else str(kind)


def _classify(rendered: _Rendered, headline_at: int | None) -> None:
    """Mark blocks inside furniture elements. An element holding the headline is never
    furniture (a story's head styled as a "promo" zone). An element that is furniture by a
    class/id word only is not when it holds, outside the such elements nested in it, most of
    the page's prose (the story's own container called "tone-comment" or "article-overlay";
    a comment thread's prose sits in its comments, each one named furniture too). A layout
    element (side column, widget) is not when it holds most of the prose outside furniture (a
    story column named "leftRail"). Flags are painted on byte arrays: nested elements cost C time."""
    blocks = rendered.blocks
    at = -1 if headline_at is None else headline_at
    marked = [(first, end, kind) for first, end, _, kind in rendered.spans if kind and not first <= at < end]
    flags = bytearray(len(blocks))
    hidden = [(first, end) for first, end, kind in marked if kind == _HIDDEN]
    bodies = rendered.bodies
    shown = _hidden_story_text(blocks, hidden, bodies) if hidden and bodies else set()
    for first, end, kind in marked:
        if kind == _FURNITURE or (kind == _HIDDEN and (first, end) not in shown):
            flags[first:end] = b"\x01" * (end - first)
    base = bytearray(flags)
    named = [(first, end) for first, end, kind in marked if kind in _NAMED]
    kept = _story_containers(blocks, flags, named)
    named_flags = bytearray(flags)
    for first, end in named:
        if (first, end) not in kept:
            named_flags[first:end] = b"\x01" * (end - first)
    free = sum(b.words for b, flag in zip(blocks, named_flags, strict=True) if b.is_prose and not flag)
    if free < hr.MIN_FREE_PROSE_WORDS:
        # Too little prose outside named furniture to be the story: it may be told in
        # slides, each named furniture ("gallery-slide") like the list that holds them.
        slides = [(first, end) for first, end, kind in marked if kind == _NAMED_FURNITURE]
        kept |= _story_in_slides(blocks, flags, slides)
        named_flags = bytearray(flags)
        for first, end in named:
            if (first, end) not in kept:
                named_flags[first:end] = b"\x01" * (end - first)
    flags = named_flags
    prose = (b.words if b.is_prose and not flag else 0 for b, flag in zip(blocks, flags, strict=True))
    prose_sums = list(accumulate(prose, initial=0))
    total = prose_sums[-1]
    for first, end, kind in marked:
        if kind == _LAYOUT:
            inside = prose_sums[end] - prose_sums[first]
            if inside == 0 or inside < hr.LAYOUT_MIN_PROSE_SHARE * total:
                flags[first:end] = b"\x01" * (end - first)
    free = sum(b.words for b, flag in zip(blocks, flags, strict=True) if b.is_prose and not flag)
    if free < hr.MIN_FREE_PROSE_WORDS and any(kind in (_LAYOUT, _NAMED_FURNITURE) for _, _, kind in marked):
        # Too little prose outside furniture to make a story: it may sit in boxes so named.
        flags = _story_in_boxes(blocks, base, marked)
    for block, flag in zip(blocks, flags, strict=True):
        block.furniture = bool(flag)


def _story_in_boxes(blocks: list[_Block], base: bytearray, marked: list[tuple[int, int, int]]) -> bytearray:
    """The furniture flags of a page whose prose all sits in boxes named furniture or
    layout (page builders put each text block in a "widget", a recipe site each step in a
    "print-step"): ``base`` (furniture by tag, role or style), comment threads, and the
    named or layout boxes without prose; the boxes holding prose are left to the choice of
    the article container."""
    prose = [b.words if b.is_prose and not flag else 0 for b, flag in zip(blocks, base, strict=True)]
    sums = list(accumulate(prose, initial=0))
    flags = bytearray(base)
    for first, end, kind in marked:
        if kind == _NAMED_THREAD or (kind in (_LAYOUT, _NAMED_FURNITURE) and sums[end] == sums[first]):
            flags[first:end] = b"\x01" * (end - first)
    return flags


def _hidden_story_text(
    blocks: list[_Block], hidden: list[tuple[int, int]], bodies: list[tuple[int, int]]
) -> set[tuple[int, int]]:
    """The spans of ``hidden`` (elements hidden by an inline style) inside an element marked
    ``itemprop="articleBody"`` (``bodies``) that hold only prose paragraphs shown nowhere
    else on the page: the story's paragraphs a paywall script reveals. A hidden copy of
    visible text (a mobile layout's) stays hidden, and so do the hidden answers of a FAQ
    accordion outside the declared body."""
    seen: dict[str, int] = {}
    for block in blocks:
        seen[block.text] = seen.get(block.text, 0) + 1
    return {
        (first, end)
        for first, end in hidden
        if any(a <= first and end <= b for a, b in bodies)
        and all(b.tag == "p" and b.is_prose and seen[b.text] == 1 for b in blocks[first:end])
    }


def _story_in_slides(blocks: list[_Block], flags: bytearray, slides: list[tuple[int, int]]) -> set[tuple[int, int]]:
    """The story told in slides: the innermost span of ``slides`` (named furniture, not
    comment threads) holding ``NAMED_FURNITURE_MIN_PROSE_SHARE`` of the prose outside
    ``flags``, the spans around it holding as much, and the slides nested in it that hold
    prose (captions and share bars without prose stay furniture). Empty when no span holds
    that much."""
    prose = [b.words if b.is_prose and not flag else 0 for b, flag in zip(blocks, flags, strict=True)]
    sums = list(accumulate(prose, initial=0))
    needed = hr.NAMED_FURNITURE_MIN_PROSE_SHARE * sums[-1]
    holding = [span for span in slides if sums[span[1]] - sums[span[0]] >= needed > 0]
    if not holding:
        return set()
    first, end = min(holding, key=lambda s: s[1] - s[0])
    outer = {(a, b) for a, b in holding if a <= first and end <= b}  # the list's own wrappers
    return outer | {(a, b) for a, b in slides if first <= a and b <= end and sums[b] - sums[a] > 0}


def _story_containers(blocks: list[_Block], flags: bytearray, named: list[tuple[int, int]]) -> set[tuple[int, int]]:
    """The spans of ``named`` (furniture by a class word) that are the story's container: they
    hold ``NAMED_FURNITURE_MIN_PROSE_SHARE`` of the prose outside ``flags`` (the furniture by
    tag, role or style) once the named spans nested in them that are not containers are left
    out (innermost first, so a container inside a container counts for it)."""
    prose = [b.words if b.is_prose and not flag else 0 for b, flag in zip(blocks, flags, strict=True)]
    sums = list(accumulate(prose, initial=0))
    needed = hr.NAMED_FURNITURE_MIN_PROSE_SHARE * sums[-1]
    if not needed:
        return set()
    # Only a span that holds that much prose at all can be a container: a few, nested.
    candidates = sorted({span for span in named if sums[span[1]] - sums[span[0]] >= needed}, key=lambda s: s[1] - s[0])
    kept: set[tuple[int, int]] = set()
    for first, end in candidates:
        own = bytearray(b"\x01") * (end - first)  # blocks not inside nested named furniture
        for inner in named:
            if first <= inner[0] and inner[1] <= end and inner != (first, end) and inner not in kept:
                own[inner[0] - first : inner[1] - first] = bytes(inner[1] - inner[0])
        if sum(compress(prose[first:end], own)) >= needed:
            kept.add((first, end))
    return kept


def _article_span(rendered: _Rendered) -> tuple[int, int] | None:
    """The span of the element maximising prose words minus link-list and furniture words.

    A run of furniture blocks costs at most ``MAX_FURNITURE_PENALTY`` words: a photo gallery
    or comment thread set among the story's paragraphs must not split the story.
    """
    blocks = rendered.blocks
    values = [0.0] * len(blocks)
    run: list[int] = []
    for index, block in enumerate(blocks + [None]):  # None closes the last furniture run
        if block is not None and block.furniture:
            run.append(index)
            continue
        if run:
            words = sum(blocks[i].words for i in run)
            scale = hr.BAD_TEXT_PENALTY * min(1.0, hr.MAX_FURNITURE_PENALTY / words) if words else 0.0
            for i in run:
                values[i] = -scale * blocks[i].words
            run = []
        if block is None:
            break
        if block.is_link_list:
            values[index] = -hr.BAD_TEXT_PENALTY * block.words
        elif block.is_prose:
            values[index] = block.words
    sums = list(accumulate(values, initial=0.0))
    best: tuple[int, int] | None = None
    best_score = 0.0
    best_depth = -1
    for first, end, depth, _ in rendered.spans:
        score = sums[end] - sums[first]
        if score > best_score or (score == best_score and best and depth > best_depth):
            best, best_score, best_depth = (first, end), score, depth
    return best


def _before_next_story(rendered: _Rendered, span: tuple[int, int], headline_at: int) -> tuple[int, int]:
    """``span`` cut before the first ``<article>`` in it, after the headline, whose own
    ``<h1>`` is another headline: the next story an infinitely scrolling page appended."""
    first, end = span
    headline = _words(rendered.blocks[headline_at].text)
    h1s = [index for _, index in rendered.headings if rendered.blocks[index].tag == "h1"]
    for kind, start, stop in rendered.containers:
        if kind != ARTICLE or not (headline_at < start < end and stop <= end):
            continue
        for index in h1s:
            if start <= index < stop and _words(rendered.blocks[index].text) != headline:
                end = start
                break
    return first, end


_GOOD, _SHORT, _BAD = 1, 0, -1


def _block_class(block: _Block) -> int:
    """Prose is good; link lists, furniture and utility lines are bad; the rest is short
    (captions, subheads, datelines) and is decided by its neighbours."""
    if block.furniture or block.is_link_list:
        return _BAD
    text = block.text
    if hr.UTILITY_BLOCK.match(text) or hr.LEAKED_MARKUP.search(text):
        return _BAD
    if block.words <= hr.MAX_BYLINE_WORDS and hr.BYLINE_BLOCK.match(text):
        return _BAD
    if block.words <= hr.MAX_LEGAL_WORDS and hr.LEGAL_BLOCK.search(text):
        return _BAD
    if block.words <= hr.MAX_CONTACT_WORDS and hr.AUTHOR_CONTACT_BLOCK.search(text):
        return _BAD
    return _GOOD if block.is_prose else _SHORT


def _neighbours(classes: list[int]) -> tuple[list[int | None], list[int | None]]:
    """The nearest non-short class before and after every block (None at the edges)."""
    before: list[int | None] = []
    last: int | None = None
    for cls in classes:
        before.append(last)
        if cls != _SHORT:
            last = cls
    after: list[int | None] = [None] * len(classes)
    last = None
    for index in range(len(classes) - 1, -1, -1):
        after[index] = last
        if classes[index] != _SHORT:
            last = classes[index]
    return before, after


def _opens_text(block: _Block) -> bool:
    """A short block that may open the story without prose above it: a subhead, or a
    sentence-long block short of function words (a dateline-heavy first paragraph)."""
    return block.tag in hr.HEADING_TAGS or (block.words >= hr.MIN_PROSE_WORDS and block.text.endswith(hr.SENTENCE_END))


def _under_linked_headline(blocks: list[_Block], start: int, index: int) -> bool:
    """Whether a linked headline (a link-list block of headline length, not furniture), and no
    plain subhead, stands among the blocks ``start:index`` (those since the previous prose
    block): a listicle's section has a subhead of its own above a "Read our review" link."""
    low, high = hr.HEADLINE_WORDS
    between = [b for b in blocks[max(start, index - 6) : index] if not b.furniture]
    return any(b.is_link_list and low <= b.words <= high for b in between) and not any(
        b.tag in hr.HEADING_TAGS and not b.is_link_list for b in between
    )


def _select_paragraphs(blocks: list[_Block], headline: str | None) -> list[str]:
    """The text of the article span's blocks that are prose, or short blocks standing
    between prose (jusText's context rule: a caption or subhead inside the story)."""
    classes = [_block_class(b) for b in blocks]
    before, after = _neighbours(classes)
    # A prose block alone between link lists or furniture is a teaser's blurb when its
    # neighbours are too: short ones two in a row, any length ``MIN_TEASER_RUN`` in a row (a
    # "more stories" list: linked headline, blurb, byline, linked headline, ...). One alone
    # is a story paragraph next to a "Read the report" link.
    alone = [
        cls == _GOOD and prev != _GOOD and nxt != _GOOD for cls, prev, nxt in zip(classes, before, after, strict=True)
    ]
    goods = [index for index, cls in enumerate(classes) if cls == _GOOD]
    # A long blurb counts only under a linked headline (a section of a listicle is one
    # paragraph under a plain subhead, between photo credits and shop links).
    blurb = [
        alone[index] and _under_linked_headline(blocks, goods[p - 1] + 1 if p else 0, index)
        for p, index in enumerate(goods)
    ]
    run_of = [0] * len(goods)  # length of the run of lone goods each lone good is part of
    position = 0
    while position < len(goods):
        end = position
        while end < len(goods) and blurb[end]:
            end += 1
        for inside in range(position, end):
            run_of[inside] = end - position
        position = max(end, position + 1)
    for position, index in enumerate(goods):
        if not alone[index]:
            continue
        short = blocks[index].words < hr.MAX_TEASER_WORDS
        neighbours = goods[max(0, position - 1) : position] + goods[position + 1 : position + 2]
        if run_of[position] >= hr.MIN_TEASER_RUN or (
            short and any(alone[n] and blocks[n].words < hr.MAX_TEASER_WORDS for n in neighbours)
        ):
            classes[index] = _BAD
    # A lone "Read more: <linked headline>" line between two prose blocks is part of the
    # story's flow: a subhead right after it still stands between prose.
    before, after = _neighbours(classes)
    context = [
        _SHORT if cls == _BAD and b.is_link_list and not b.furniture and prev == _GOOD and nxt == _GOOD else cls
        for b, cls, prev, nxt in zip(blocks, classes, before, after, strict=True)
    ]
    before, after = _neighbours(context)
    wanted = normalise_line(headline or "").lower()
    kept = []
    for block, cls, prev, nxt in zip(blocks, classes, before, after, strict=True):
        if block.text.lower() == wanted:
            continue
        if cls == _GOOD or (cls == _SHORT and nxt == _GOOD and (prev == _GOOD or _opens_text(block))):
            kept.append(block.text)
    return kept


def _strip_site_name(title: str) -> str:
    """A <title> without the site name: "Story - Site", "Site | Story", "Site.com: Story".

    A colon splits only after a domain-like site name ("Ferry strike: what it means" stays).
    """
    title = hr.SITE_NAME_PREFIX.sub("", title)
    parts = [p.strip() for p in hr.TITLE_SEPARATORS.split(title) if p and p.strip()]
    if len(parts) <= 1:
        return title
    parts = [p for p in parts if not hr.SITE_NAME_PART.search(p)] or parts
    return max(parts, key=lambda p: len(p.split()))


def _words(text: str) -> set[str]:
    return {w.lower() for w in _WORD.findall(text)}


def _headline(rendered: _Rendered, ld: dict) -> tuple[str | None, int | None]:
    """The headline and the index of its block (None when it is not in the body).

    The declared title (og:title, JSON-LD headline, <title>) names the story but often
    carries the site's name; the page's own heading that matches it is the headline.
    """
    meta = rendered.meta
    declared = [meta[k] for k in hr.TITLE_META if meta.get(k)]
    if isinstance(ld.get("headline"), str):
        declared.append(normalise_line(ld["headline"]))
    if rendered.title:
        declared.append(rendered.title)
    if not declared:
        return None, None
    wanted = [w for w in map(_words, declared) if w]
    if not wanted:
        return None, None
    heading_blocks = {index for _, index in rendered.headings}
    best, best_score = None, 0.0
    for index, block in enumerate(rendered.blocks):
        if block.words > hr.MAX_HEADLINE_WORDS:
            continue
        words = _words(block.text)
        if not words:
            continue
        # The title's words the block covers, less the block's words outside the title.
        score = max(len(words & w) / len(w) - len(words - w) / len(words) for w in wanted)
        if index in heading_blocks:
            score += hr.H1_BONUS if block.tag == "h1" else hr.HEADING_BONUS
        if score > best_score:
            best, best_score = index, score
    if best is not None and best_score >= hr.MIN_HEADLINE_MATCH:
        return rendered.blocks[best].text, best
    return _strip_site_name(declared[0]), None


def _looks_like_headline(block: _Block) -> bool:
    low, high = hr.HEADLINE_WORDS
    text = block.text
    return (
        low <= block.words <= high
        and not block.furniture
        and not block.is_link_list
        and not text.endswith((".", ",", ";"))
        and not hr.BYLINE_BLOCK.match(text)
        and not hr.UTILITY_BLOCK.match(text)
        and not hr.DATE_LINE.search(text)
    )


def _headline_near(rendered: _Rendered, first: int) -> int | None:
    """The headline of a page whose declared title matches no block (a <title> that is only
    the site's name, or an edited headline): the <h1> just above or at the top of the
    body, else another heading, else the first headline-shaped block there."""
    blocks = rendered.blocks
    low, high = max(0, first - hr.HEADLINE_LOOKBACK_BLOCKS), min(len(blocks), first + 3)
    headings = [(index, blocks[index].tag) for _, index in rendered.headings if low <= index < high]
    for wanted in (("h1",), tuple(hr.HEADING_TAGS)):
        for index, tag in sorted(headings, key=lambda h: abs(h[0] - first)):
            if tag in wanted and _looks_like_headline(blocks[index]):
                return index
    for index in range(max(0, first - 3), high):
        if _looks_like_headline(blocks[index]):
            return index
    return None


def _published(rendered: _Rendered, ld: dict, anchors: list[int]) -> datetime | None:
    """The publication date: article meta tags, JSON-LD, <time> elements, else the first
    date in a short block (byline, dateline) near the headline or the body's start (the
    block indices ``anchors``)."""
    meta = rendered.meta
    for key in hr.DATE_META:
        date = parse_date(meta.get(key))
        if date:
            return date
    date = parse_date(str(ld.get("datePublished") or ld.get("dateCreated") or ""))
    if date:
        return date
    for value in rendered.times:
        date = parse_date(value)
        if date:
            return date
    low, high = hr.BYLINE_WINDOW
    for anchor in anchors:
        for block in rendered.blocks[max(0, anchor + low) : anchor + high]:
            if block.words <= hr.MAX_DATELINE_WORDS:
                date = parse_date(block.text) or _numeric_date(block.text)
                if date:
                    return date
    return None


def _numeric_date(text: str) -> datetime | None:
    """A byline's numeric date, month first unless the first number cannot be a month."""
    match = hr.NUMERIC_DATE.search(text)
    if not match:
        return None
    first, second, year = int(match[1]), int(match[3]), int(match[4])
    month, day = (first, second) if first <= 12 else (second, first)
    year += 2000 if year < 70 else 1900 if year < 100 else 0
    try:
        return datetime(year, month, day, tzinfo=UTC)
    except ValueError:
        return None


def _crumb_name(element: dict) -> str | None:
    """The name of one JSON-LD ListItem (``{"name": ...}`` or ``{"item": {"name": ...}}``)."""
    item = element.get("item")
    name = element.get("name") or (item.get("name") if isinstance(item, dict) else None)
    return normalise_line(str(name)) if name else None


def _section(rendered: _Rendered, ld_items: list[dict], ld: dict) -> str | None:
    meta = rendered.meta
    section = next((meta[k] for k in hr.SECTION_META if meta.get(k)), None) or ld.get("articleSection")
    if isinstance(section, list):
        section = " / ".join(str(s) for s in section if s)
    if section:
        return normalise_line(str(section))
    for item in ld_items:
        elements = item.get("itemListElement")
        if _ld_type(item) == "BreadcrumbList" and isinstance(elements, list):
            names = [_crumb_name(e) for e in elements if isinstance(e, dict)]
            if any(names):
                return " / ".join(n for n in names if n)
    for crumbs in rendered.breadcrumbs:
        if 1 <= len(crumbs) <= 6:
            return " / ".join(crumbs)
    return None


def _page_url(rendered: _Rendered, ld: dict) -> str | None:
    url = rendered.canonical or next((rendered.meta[k] for k in hr.URL_META if rendered.meta.get(k)), None)
    if not url and isinstance(ld.get("url"), str):
        url = ld["url"]
    if not url:
        return None
    return hr.ARCHIVE_PREFIX.sub("", url.strip())


def _article_paragraphs(
    rendered: _Rendered, span: tuple[int, int], headline: str | None, headline_at: int | None
) -> list[str]:
    """The body: the kept blocks of the article span, from below the headline, and the
    standfirst when it sits between the headline and the span."""
    first, end = span
    paragraphs: list[str] = []
    if headline_at is not None and first <= headline_at < end:
        first = headline_at + 1  # kickers, section labels and dates sit above the headline
    elif headline_at is not None and 0 < first - headline_at <= hr.MAX_LEAD_BLOCKS:
        lead = rendered.blocks[headline_at + 1 : first]
        paragraphs = [b.text for b in lead if _block_class(b) == _GOOD]
    return paragraphs + _select_paragraphs(rendered.blocks[first:end], headline)


def _json_ld_body(ld_items: list[dict]) -> list[str]:
    """The paragraphs of the longest JSON-LD ``articleBody`` (markup and entities some sites
    leave in it removed; a line break ends a paragraph)."""
    bodies = [item["articleBody"] for item in ld_items if isinstance(item.get("articleBody"), str)]
    if not bodies:
        return []
    text = html_module.unescape(_MARKUP_TAG.sub("\n", max(bodies, key=len)))
    return [line for line in map(normalise_line, text.splitlines()) if line]


def _loose_paragraphs(blocks: list[_Block]) -> list[str]:
    """The blocks of a fallback container that read as text: not furniture, link lists or
    utility lines, and long enough to say something (``MIN_FALLBACK_BLOCK_WORDS``)."""
    return [
        b.text for b in blocks if _block_class(b) != _BAD and (b.is_prose or b.words >= hr.MIN_FALLBACK_BLOCK_WORDS)
    ]


def _densest_prose(blocks: list[_Block]) -> list[str]:
    """The run of long, link-poor blocks with the most words (Kadane: a long block adds its
    words, any other block costs ``DENSITY_GAP_COST``), whatever their stopwords say."""
    best: tuple[int, int] | None = None
    best_total = total = 0.0
    start = 0
    for index, block in enumerate(blocks):
        long_text = (
            not block.furniture
            and block.words >= hr.MIN_PROSE_WORDS
            and block.link_density <= hr.MAX_PROSE_LINK_DENSITY
            and _block_class(block) != _BAD
        )
        value = block.words if long_text else -hr.DENSITY_GAP_COST
        if total <= 0:
            total, start = 0.0, index
        total += value
        if total > best_total:
            best, best_total = (start, index + 1), total
    if best is None:
        return []
    return _loose_paragraphs(blocks[best[0] : best[1]])


def _fallback(
    rendered: _Rendered, ld_items: list[dict], main_words: int, headline: str | None
) -> tuple[str, list[str]] | None:
    """When the main pass found no convincing article (fewer than ``MIN_MAIN_WORDS`` words),
    the first of these that holds more words (the headline left out): JSON-LD
    ``articleBody``, microdata ``articleBody``, ``<article>``/``<main>``, the densest run of
    prose. Returns (path, paragraphs) or None."""
    wanted = normalise_line(headline or "").lower()
    candidates = [
        (JSONLD, lambda: _json_ld_body(ld_items)),
        (MICRODATA, lambda: _container_text(rendered, MICRODATA)),
        (ARTICLE, lambda: _container_text(rendered, ARTICLE)),
        (DENSITY, lambda: _densest_prose(rendered.blocks)),
    ]
    for path, paragraphs_of in candidates:
        paragraphs = [p for p in paragraphs_of() if p.lower() != wanted]
        words = _words_in(paragraphs)
        if words >= hr.MIN_FALLBACK_WORDS and words > main_words:
            return path, paragraphs
    return None


def _container_text(rendered: _Rendered, path: str) -> list[str]:
    """The text of the page's container of kind ``path`` (``_Rendered.containers``) with the
    most words: a page may list teasers as <article>s besides the story's own."""
    texts = [_loose_paragraphs(rendered.blocks[first:end]) for kind, first, end in rendered.containers if kind == path]
    return max(texts, key=_words_in, default=[])


def _words_in(paragraphs: list[str]) -> int:
    return sum(len(p.split()) for p in paragraphs)


def clean_html_page(html: str) -> CleanPage:
    """Extract headline, section, URL, publication date and body text from an HTML page.

    Args:
        html: the page's markup, decoded.

    Returns:
        A ``CleanPage`` whose ``text`` holds the article's paragraphs separated by blank
        lines; ``text`` is empty when no article body was found.
    """
    pruned, json_ld = prune_markup(html)
    soup = BeautifulSoup(pruned, "lxml", multi_valued_attributes=None)
    rendered = _render(soup)
    meter = _measure(rendered.blocks)
    ld_items = _json_ld_objects(json_ld)
    ld = next((i for i in ld_items if "Article" in _ld_type(i) or "Posting" in _ld_type(i)), {})
    headline, headline_at = _headline(rendered, ld)
    _classify(rendered, headline_at)
    span = _article_span(rendered)
    if span and headline_at is None:
        headline_at = _headline_near(rendered, span[0])
        if headline_at is not None:
            headline = rendered.blocks[headline_at].text
    if span and headline_at is not None:
        span = _before_next_story(rendered, span, headline_at)
    paragraphs = _article_paragraphs(rendered, span, headline, headline_at) if span else []
    extraction = MAIN
    main_words = _words_in(paragraphs)
    if main_words < hr.MIN_MAIN_WORDS:
        found = _fallback(rendered, ld_items, main_words, headline)
        if found is not None:
            extraction, paragraphs = found
    anchors = [i for i in (headline_at, span[0] if span else None) if i is not None]
    return CleanPage(
        title=headline,
        # One line per paragraph (a <br> or a wrapped source line inside a paragraph is a
        # space), so the text is clean text that re-cleans unchanged.
        text="\n\n".join(" ".join(p.split()) for p in paragraphs),
        section=_section(rendered, ld_items, ld),
        url=_page_url(rendered, ld),
        published=_published(rendered, ld, anchors),
        extraction=extraction,
        language=meter.language,
    )
