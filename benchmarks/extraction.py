"""Extraction benchmark: our cleaners against baselines on the dev set, in one table.

Runs on the same pages, side by side: the text-dump cleaner on ``text/`` (with the batch's
template lines, as the pipeline does), the HTML cleaner on ``html/``, and the baselines
(the dump as-is, BeautifulSoup ``get_text()``, jusText, trafilatura; the last two are skipped
when not installed). Scores are token precision/recall/F1 of the body against the gold body
(see ``benchmarks.scoring``), title accuracy where the method finds a title, and pages per
second of CPU time spent extracting (batch preparation included, scoring excluded).

Usage::

    python benchmarks/extraction.py [--data DIR] [--limit N] [--split]
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the repository root importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.scoring import (  # noqa: E402
    DEFAULT_DATA,
    DevPage,
    Score,
    load_dev_set,
    mean_score,
    title_matches,
    token_scores,
)
from parsers.text_dump import clean_text_dump, template_lines  # noqa: E402

#: An extractor takes the input (text or HTML) and returns (title or None, body text).
Extractor = Callable[[str], tuple[str | None, str]]


@dataclass
class Method:
    """One row of the table: which input it reads and how it extracts."""

    kind: str  # "text" (w3m dump) or "html"
    name: str
    extract: Extractor
    #: Called once per crawl-year folder with that folder's inputs (batch-level state).
    prepare: Callable[[list[str]], None] | None = None


@dataclass
class Result:
    scores: list[Score]
    titles: list[bool]
    seconds: float
    has_title: bool


def _text_cleaner() -> Method:
    state: dict[str, frozenset[str]] = {"templates": frozenset()}

    def prepare(inputs: list[str]) -> None:
        state["templates"] = template_lines(inputs)

    def extract(text: str) -> tuple[str | None, str]:
        page = clean_text_dump(text, state["templates"])
        return page.title, page.text

    return Method("text", "newsdedup clean_text_dump", extract, prepare)


def _text_cleaner_single() -> Method:
    def extract(text: str) -> tuple[str | None, str]:
        page = clean_text_dump(text)
        return page.title, page.text

    return Method("text", "newsdedup clean_text_dump (no batch)", extract)


def _html_cleaner() -> Method | None:
    try:
        from parsers.html_page import clean_html_page
    except ImportError as error:  # another engineer may be mid-rewrite
        logging.warning("HTML cleaner unavailable: %s", error)
        return None

    def extract(html: str) -> tuple[str | None, str]:
        page = clean_html_page(html)
        return page.title, page.text

    return Method("html", "newsdedup clean_html_page", extract)


def _as_is() -> Method:
    return Method("text", "dump as-is", lambda text: (None, text))


def _soup_text() -> Method:
    from bs4 import BeautifulSoup

    def extract(html: str) -> tuple[str | None, str]:
        return None, BeautifulSoup(html, "lxml").get_text("\n")

    return Method("html", "BeautifulSoup get_text", extract)


def _justext_methods() -> list[Method]:
    try:
        import justext
    except ImportError:
        logging.warning("jusText not installed: skipped")
        return []
    stoplist = justext.get_stoplist("English")

    def on_html(html: str) -> tuple[str | None, str]:
        paragraphs = justext.justext(html.encode("utf-8", "replace"), stoplist)
        return None, "\n\n".join(p.text for p in paragraphs if not p.is_boilerplate)

    def on_text(text: str) -> tuple[str | None, str]:
        # Blank-line paragraphs as <p> elements: jusText then scores them as usual.
        from html import escape

        blocks = [b for b in text.split("\n\n") if b.strip()]
        html = "<html><body>" + "".join(f"<p>{escape(b)}</p>" for b in blocks) + "</body></html>"
        return on_html(html)

    return [Method("text", "jusText (blank-line paragraphs)", on_text), Method("html", "jusText", on_html)]


def _trafilatura_methods() -> list[Method]:
    try:
        import trafilatura
    except ImportError:
        logging.warning("trafilatura not installed: skipped")
        return []
    logging.getLogger("trafilatura").setLevel(logging.CRITICAL)

    def on_html(html: str) -> tuple[str | None, str]:
        body = trafilatura.extract(html, include_comments=False, include_tables=False) or ""
        meta = trafilatura.extract_metadata(html)
        return (meta.title if meta else None), body

    def on_text(text: str) -> tuple[str | None, str]:
        from html import escape

        blocks = [b for b in text.split("\n\n") if b.strip()]
        html = "<html><body>" + "".join(f"<p>{escape(b)}</p>" for b in blocks) + "</body></html>"
        return None, trafilatura.extract(html, include_comments=False) or ""

    return [
        Method("text", "trafilatura (blank-line paragraphs)", on_text),
        Method("html", "trafilatura extract", on_html),
    ]


def all_methods() -> list[Method]:
    """Every method of the table, ours first; optional baselines only when installed."""
    methods = [_text_cleaner(), _text_cleaner_single(), _as_is()]
    methods += [m for m in _justext_methods() if m.kind == "text"]
    methods += [m for m in _trafilatura_methods() if m.kind == "text"]
    html_cleaner = _html_cleaner()
    methods += [html_cleaner] if html_cleaner else []
    methods += [_soup_text()]
    methods += [m for m in _justext_methods() if m.kind == "html"]
    methods += [m for m in _trafilatura_methods() if m.kind == "html"]
    return methods


def run_method(method: Method, pages: list[DevPage]) -> dict[str, Result]:
    """Run one method over ``pages``, one crawl-year folder (batch) at a time.

    Returns a ``Result`` per folder (batch preparation included in its time).
    """
    results: dict[str, Result] = {}
    for folder in sorted({p.folder for p in pages}):
        batch = [p for p in pages if p.folder == folder]
        inputs = [(p.html if method.kind == "html" else p.text) or "" for p in batch]
        scores: list[Score] = []
        titles: list[bool] = []
        has_title = False
        started = time.process_time()  # CPU time of extraction only (not scoring)
        if method.prepare:
            method.prepare(inputs)
        outputs = [method.extract(source) for source in inputs]
        seconds = time.process_time() - started
        for page, (title, body) in zip(batch, outputs, strict=True):
            scores.append(token_scores(body, page.gold_body))
            titles.append(title_matches(title, page.gold_title))
            has_title = has_title or title is not None
        results[folder] = Result(scores, titles, seconds, has_title)
    return results


def merge_results(results: list[Result]) -> Result:
    """One result over several folders."""
    return Result(
        [s for r in results for s in r.scores],
        [t for r in results for t in r.titles],
        sum(r.seconds for r in results),
        any(r.has_title for r in results),
    )


def format_table(rows: list[tuple[str, str, str, Result]]) -> str:
    """The results as one fixed-width table (split, input, method, P, R, F1, title, pages/s)."""
    header = f"{'split':<8} {'input':<5} {'method':<38} {'P':>6} {'R':>6} {'F1':>6} {'title':>6} {'pages/s':>8}"
    lines = [header, "-" * len(header)]
    for split, kind, name, result in rows:
        mean = mean_score(result.scores)
        title = f"{sum(result.titles) / len(result.titles):.3f}" if result.has_title else "-"
        speed = len(result.scores) / result.seconds if result.seconds > 1e-3 else None
        lines.append(
            f"{split:<8} {kind:<5} {name:<38} {mean.precision:>6.3f} {mean.recall:>6.3f} "
            f"{mean.f1:>6.3f} {title:>6} {f'{speed:.0f}' if speed else '-':>8}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--data", type=Path, default=DEFAULT_DATA, help="the extraction-dev directory (html/, text/, gold/)"
    )
    parser.add_argument("--limit", type=int, default=None, help="score at most N pages")
    parser.add_argument("--split", action="store_true", help="also report each crawl-year folder on its own")
    parser.add_argument("--only", default=None, help="run only methods whose name contains this string")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(message)s")
    warnings.filterwarnings("ignore")

    pages = list(load_dev_set(args.data, args.limit))
    if not pages:
        print(f"no pages found under {args.data}", file=sys.stderr)
        return 1
    methods = [m for m in all_methods() if not args.only or args.only in m.name]
    rows: list[tuple[str, str, str, Result]] = []
    for method in methods:
        usable = [p for p in pages if method.kind == "text" or p.html is not None]
        per_folder = run_method(method, usable)
        rows.append(("all", method.kind, method.name, merge_results(list(per_folder.values()))))
        if args.split:
            rows += [(folder, method.kind, method.name, r) for folder, r in per_folder.items()]
    print(f"{len(pages)} pages from {args.data}")
    print(format_table(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
