"""Extraction benchmark: newsdedup's cleaners and their peers on the three dev sets, side by side.

Every method reads the same pages: the text-dump methods the w3m dumps (``text/``), the HTML
methods the raw pages (``html/``). newsdedup's text cleaner gets the template lines of the page's
batch, as the pipeline does (``benchmarks.devsets``). Peers run when installed (``.[bench]``):
trafilatura (default and ``favor_precision``), jusText (with the stoplist of the page's language),
readability-lxml, resiliparse, BeautifulSoup ``get_text``; on dumps, jusText and trafilatura over
blank-line paragraphs, and the dump as it is.

Columns (see ``benchmarks.scoring``): P/R/F1 (token scores averaged over pages on the gold sets;
snippet counts summed over pages on ``multilingual``), ``title`` (share of pages whose headline
matches the gold one), ``no article`` (share of pages with an article, gold of 50 words or more,
for which the method returned nothing), ``leaks`` (share of pages whose output holds more
furniture words than the gold text; on ``multilingual``, pages where a ``without`` passage was
found) and ``pages/CPU-s`` (extraction only, scoring excluded).

Usage::

    python benchmarks/extraction.py [--sets 9site,2023,multilingual] [--kind html|text]
        [--only NAME] [--limit N] [--fold I/K | --fold-out I/K] [--split] [--by-site] [--worst N]

``--fold 0/2`` scores only the pages of the sites in fold 0 of 2 (sites hashed into folds, see
``benchmarks.devsets.in_fold``), ``--fold-out 0/2`` the others: fit on one, report on the other.
"""

from __future__ import annotations

import argparse
import logging
import statistics
import sys
import time
import warnings
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from html import escape
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the repository root importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.devsets import SET_FOLDERS, DevPage, in_fold, load_set  # noqa: E402
from benchmarks.scoring import (  # noqa: E402
    SHARED_DATA,
    Score,
    SnippetCounts,
    leaks_furniture,
    mean_score,
    snippet_counts,
    title_matches,
    token_scores,
)
from parsers.language import detect_language  # noqa: E402

#: An extractor takes the input (a dump or HTML) and returns (title or None, body text).
Extractor = Callable[[str], tuple[str | None, str]]
#: Gold bodies of at least this many words are articles a method must not lose.
ARTICLE_WORDS = 50


@dataclass
class Method:
    """One row of the table: which input it reads and how it extracts."""

    kind: str  # "text" (w3m dump) or "html"
    name: str
    extract: Extractor
    #: Called once per batch with the batch's inputs (the text cleaner's template search).
    prepare: Callable[[list[str]], None] | None = None
    ours: bool = False


@dataclass
class PageResult:
    page: DevPage
    title: str | None
    body: str

    @property
    def score(self) -> Score:
        """Token score against the gold body (gold sets), or snippet score (snippet set)."""
        if self.page.gold_body is not None:
            return token_scores(self.body, self.page.gold_body)
        return self.snippets.score()

    @property
    def snippets(self) -> SnippetCounts:
        return snippet_counts(self.body, self.page.with_snippets, self.page.without_snippets)

    @property
    def lost(self) -> bool:
        """An article page for which nothing came out."""
        has_article = self.page.gold_body is None or len(self.page.gold_body.split()) >= ARTICLE_WORDS
        return has_article and not self.body.strip()

    @property
    def leaks(self) -> bool:
        if self.page.gold_body is not None:
            return leaks_furniture(self.body, self.page.gold_body)
        return self.snippets.false_positives > 0


@dataclass
class Result:
    pages: list[PageResult] = field(default_factory=list)
    seconds: float = 0.0

    def summary(self) -> Score:
        if self.pages and self.pages[0].page.gold_body is None:
            total = SnippetCounts()
            for page in self.pages:
                total += page.snippets
            return total.score()
        return mean_score([p.score for p in self.pages])


# --- methods -----------------------------------------------------------------------------------


def _ours() -> list[Method]:
    from parsers.html_page import clean_html_page
    from parsers.text_dump import clean_text_dump, template_lines

    state: dict[str, frozenset[str]] = {"templates": frozenset()}

    def prepare(inputs: list[str]) -> None:
        state["templates"] = template_lines(inputs)

    def on_text(text: str) -> tuple[str | None, str]:
        page = clean_text_dump(text, state["templates"])
        return page.title, page.text

    def on_html(html: str) -> tuple[str | None, str]:
        page = clean_html_page(html)
        return page.title, page.text

    return [
        Method("html", "newsdedup", on_html, ours=True),
        Method("text", "newsdedup", on_text, prepare, ours=True),
    ]


def _paragraph_page(text: str) -> str:
    """A dump's blank-line paragraphs as ``<p>`` elements, for HTML extractors."""
    blocks = [b for b in text.split("\n\n") if b.strip()]
    return "<html><body>" + "".join(f"<p>{escape(b)}</p>" for b in blocks) + "</body></html>"


def _visible_text(html: str) -> str:
    from bs4 import BeautifulSoup

    return BeautifulSoup(html, "lxml").get_text("\n")


def _justext() -> list[Method]:
    try:
        import justext
    except ImportError:
        logging.warning("jusText not installed: skipped")
        return []
    from parsers.language import _JUSTEXT_STOPLISTS

    def on_html(html: str) -> tuple[str | None, str]:
        # jusText needs the page's language: as a user would, name the one the page is in.
        language = detect_language(" ".join(_visible_text(html).split()[200:600]))
        stoplist = justext.get_stoplist(_JUSTEXT_STOPLISTS.get(language or "", "English"))
        paragraphs = justext.justext(html.encode("utf-8", "replace"), stoplist)
        return None, "\n\n".join(p.text for p in paragraphs if not p.is_boilerplate)

    return [
        Method("html", "jusText", on_html),
        Method("text", "jusText (blank-line paragraphs)", lambda text: on_html(_paragraph_page(text))),
    ]


def _trafilatura() -> list[Method]:
    try:
        import trafilatura
    except ImportError:
        logging.warning("trafilatura not installed: skipped")
        return []
    logging.getLogger("trafilatura").setLevel(logging.CRITICAL)

    def extractor(**options) -> Extractor:
        def on_html(html: str) -> tuple[str | None, str]:
            body = trafilatura.extract(html, include_comments=False, **options) or ""
            meta = trafilatura.extract_metadata(html)
            return (meta.title if meta else None), body

        return on_html

    plain = extractor()
    return [
        Method("html", "trafilatura", plain),
        Method("html", "trafilatura favor_precision", extractor(favor_precision=True)),
        Method("text", "trafilatura (blank-line paragraphs)", lambda text: (None, plain(_paragraph_page(text))[1])),
    ]


def _readability() -> list[Method]:
    try:
        from readability import Document
    except ImportError:
        logging.warning("readability-lxml not installed: skipped")
        return []
    logging.getLogger("readability").setLevel(logging.CRITICAL)

    def on_html(html: str) -> tuple[str | None, str]:
        document = Document(html)
        return document.short_title(), _visible_text(document.summary(html_partial=True)).strip()

    return [Method("html", "readability-lxml", on_html)]


def _resiliparse() -> list[Method]:
    try:
        from resiliparse.extract.html2text import extract_plain_text
    except ImportError:
        logging.warning("resiliparse not installed: skipped")
        return []

    def on_html(html: str) -> tuple[str | None, str]:
        return None, extract_plain_text(html, main_content=True)

    return [Method("html", "resiliparse main_content", on_html)]


def _baselines() -> list[Method]:
    return [
        Method("html", "BeautifulSoup get_text", lambda html: (None, _visible_text(html))),
        Method("text", "dump as is", lambda text: (None, text)),
    ]


def all_methods() -> list[Method]:
    """Every method of the table, ours first; peers only when installed."""
    return _ours() + _trafilatura() + _justext() + _readability() + _resiliparse() + _baselines()


# --- running and reporting ---------------------------------------------------------------------


def run_method(method: Method, pages: Sequence[DevPage]) -> Result:
    """Run ``method`` over the ``pages`` that have its kind of input, batch by batch."""
    result = Result()
    batches: dict[str, list[DevPage]] = defaultdict(list)
    for page in pages:
        if (page.html if method.kind == "html" else page.text) is not None:
            batches[page.batch].append(page)
    for batch in batches.values():
        inputs = [(p.html if method.kind == "html" else p.text) or "" for p in batch]
        started = time.process_time()
        if method.prepare:
            method.prepare(inputs)
        outputs = [method.extract(source) for source in inputs]
        result.seconds += time.process_time() - started
        result.pages += [PageResult(p, title, body or "") for p, (title, body) in zip(batch, outputs, strict=True)]
    return result


def _share(flags: Sequence[bool]) -> str:
    return f"{sum(flags) / len(flags):.3f}" if flags else "-"


def table_row(dataset: str, method: Method, result: Result) -> str:
    """One markdown row: set, input, method, P, R, F1, title, no article, leaks, pages/CPU-s."""
    score = result.summary()
    titled = [p for p in result.pages if p.page.gold_title is not None]
    has_titles = any(p.title for p in titled)
    title = _share([title_matches(p.title, p.page.gold_title) for p in titled]) if has_titles else "-"
    speed = f"{len(result.pages) / result.seconds:.0f}" if result.seconds > 1e-3 else "-"
    name = f"**{method.name}**" if method.ours else method.name
    return (
        f"| {dataset} | {method.kind} | {name} | {score.precision:.3f} | {score.recall:.3f} | {score.f1:.3f} "
        f"| {title} | {_share([p.lost for p in result.pages])} | {_share([p.leaks for p in result.pages])} | {speed} |"
    )


TABLE_HEADER = (
    "| set | input | method | P | R | F1 | title | no article | leaks | pages/CPU-s |\n"
    "|---|---|---|---|---|---|---|---|---|---|"
)


def site_spread(result: Result) -> str:
    """F1 per site (pages of a site averaged; snippet sets: the site's summed counts): the
    lowest, the 10th percentile, the median, and how many sites score under 0.8."""
    by_site: dict[str, Result] = defaultdict(Result)
    for page in result.pages:
        by_site[page.page.site].pages.append(page)
    scores = sorted(r.summary().f1 for r in by_site.values())
    if not scores:
        return "no sites"
    tenth = scores[len(scores) // 10]
    under = sum(s < 0.8 for s in scores)
    return (
        f"{len(scores)} sites: min {scores[0]:.3f}, p10 {tenth:.3f}, median {statistics.median(scores):.3f}, "
        f"{under} under 0.8"
    )


def worst_pages(result: Result, count: int) -> list[str]:
    """The ``count`` pages with the lowest score: set, id, site, P/R/F1, words out and in gold."""
    ranked = sorted(result.pages, key=lambda p: (p.score.f1, p.page.id))[:count]
    lines = []
    for p in ranked:
        score = p.score
        gold = len(p.page.gold_body.split()) if p.page.gold_body is not None else len(p.page.with_snippets)
        lines.append(
            f"{p.page.dataset} {p.page.id} ({p.page.site}): P {score.precision:.2f} R {score.recall:.2f} "
            f"F1 {score.f1:.2f}, {len(p.body.split())} words out, gold {gold}"
        )
    return lines


def _fold(value: str) -> tuple[int, int]:
    fold, folds = (int(part) for part in value.split("/"))
    if not 0 <= fold < folds:
        raise argparse.ArgumentTypeError(f"fold {value}: want I/K with 0 <= I < K")
    return fold, folds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=SHARED_DATA, help="the folder holding the dev sets")
    parser.add_argument("--sets", default=",".join(SET_FOLDERS), help="comma-separated: 9site, 2023, multilingual")
    parser.add_argument("--kind", choices=("html", "text"), help="only methods reading this input")
    parser.add_argument("--only", help="only methods whose name contains this string")
    parser.add_argument("--limit", type=int, help="at most N pages of each set")
    folds = parser.add_mutually_exclusive_group()
    folds.add_argument("--fold", type=_fold, help="I/K: only the sites of fold I of K")
    folds.add_argument("--fold-out", type=_fold, help="I/K: only the sites not in fold I of K")
    parser.add_argument("--split", action="store_true", help="also report each batch (crawl year) on its own")
    parser.add_argument("--by-site", action="store_true", help="print the per-site spread of F1")
    parser.add_argument("--worst", type=int, default=0, help="print newsdedup's N worst pages of each set")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(message)s")
    warnings.filterwarnings("ignore")

    methods = [m for m in all_methods() if (not args.kind or m.kind == args.kind)]
    methods = [m for m in methods if not args.only or args.only in m.name]
    print(TABLE_HEADER)
    notes: list[str] = []
    for dataset in args.sets.split(","):
        try:
            pages = load_set(dataset, args.data, args.limit)
        except FileNotFoundError as error:
            print(error, file=sys.stderr)
            return 1
        if args.fold or args.fold_out:
            fold, count = args.fold or args.fold_out
            pages = [p for p in pages if in_fold(p.site, fold, count) == bool(args.fold)]
        for method in methods:
            result = run_method(method, pages)
            if not result.pages:
                continue
            print(table_row(dataset, method, result), flush=True)
            if args.split:
                for batch in sorted({p.page.batch for p in result.pages}):
                    part = Result([p for p in result.pages if p.page.batch == batch])
                    print(table_row(f"{dataset} {batch}", method, part))
            if args.by_site:
                notes.append(f"{dataset} {method.kind} {method.name}: {site_spread(result)}")
            if args.worst and method.ours:
                notes.append(f"worst {dataset} {method.kind} pages of {method.name}:")
                notes += [f"  {line}" for line in worst_pages(result, args.worst)]
    if notes:
        print("\n" + "\n".join(notes))
    return 0


if __name__ == "__main__":
    sys.exit(main())
