"""A corpus of N HTML pages made from the dev set's real pages by syndicated copies.

The dev set (``extraction-dev/html/<folder>/<name>.html``, third-party pages read in place,
never copied into the repository) has a few hundred real news pages. To reach ``N`` pages
they are repeated in order: page ``i`` is source ``i % S`` (``S`` distinct sources), copy
``i // S``. Copy 0 is the page byte for byte; later copies are what a partner site that
republishes the story serves: its name appended to the ``<title>`` and a credit paragraph
added before ``</body>``. Every file's bytes therefore differ (nothing is skipped as an
unchanged file), while the article text stays the same (copies are duplicates to find).

    from benchmarks.html_corpus import build_html_corpus
    pages_dir = build_html_corpus(Path("../shared/data/extraction-dev/html"), Path("/tmp/c"), 3600)

writes ``DIR/pages/copy-NNN/<folder>/<name>.html``.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

#: Appended to a copy's headline: republishers brand the <title> with their site's name.
TITLE_SUFFIX = " | Partner Site {copy}"
#: Added at the end of a copy's body: the credit line republishers add under the story.
CREDIT_NOTE = '<p class="credit">This story first appeared on another site; republished by Partner Site {copy}.</p>'

_TITLE_END = re.compile(rb"</title\s*>", re.IGNORECASE)
_BODY_END = re.compile(rb"</body\s*>", re.IGNORECASE)


def source_pages(html_dir: Path, distinct: int | None = None) -> list[Path]:
    """The dev set's HTML pages in (folder, name) order.

    Args:
        html_dir: the ``extraction-dev/html`` directory (one sub-folder per crawl year).
        distinct: use only this many pages, spread evenly over the sorted list (so every
            crawl year is represented), or all when None.
    """
    pages = sorted(html_dir.glob("*/*.html"))
    if not pages:
        raise FileNotFoundError(f"no */*.html pages under {html_dir}")
    if distinct is None or distinct >= len(pages):
        return pages
    return [pages[i * len(pages) // distinct] for i in range(distinct)]


def syndicated_copy(html: bytes, copy: int) -> bytes:
    """The page as republished by partner site ``copy`` (copy 0: the page unchanged).

    Works on bytes: the pages' encodings vary, and the inserted markup is ASCII.

    >>> syndicated_copy(b"<title>Rain</title><body><p>Wet.</p></body>", 2)[:28]
    b'<title>Rain | Partner Site 2'
    """
    if copy == 0:
        return html
    suffix = TITLE_SUFFIX.format(copy=copy).encode("ascii")
    html = _TITLE_END.sub(lambda end: suffix + end.group(0), html, count=1)
    note = CREDIT_NOTE.format(copy=copy).encode("ascii")
    ends = list(_BODY_END.finditer(html))
    if not ends:
        return html + note
    cut = ends[-1].start()
    return html[:cut] + note + html[cut:]


def build_html_corpus(html_dir: Path, directory: Path, pages: int, distinct: int | None = None) -> Path:
    """Write ``pages`` HTML files into ``directory/pages`` (made once, then reused).

    Args:
        html_dir: the dev set's ``html/`` directory, read in place.
        directory: where the corpus goes; replaced when it holds another corpus.
        pages: how many files to write.
        distinct: how many distinct source pages to repeat (None: all of them).

    Returns the ``pages`` directory, ready to pass to ``newsdedup ingest``.
    """
    marker = directory / f"complete-html-{pages}-{distinct or 'all'}"
    root = directory / "pages"
    if marker.exists():
        return root
    shutil.rmtree(directory, ignore_errors=True)
    sources = source_pages(html_dir, distinct)
    for index in range(pages):
        source = sources[index % len(sources)]
        copy = index // len(sources)
        target = root / f"copy-{copy:03d}" / source.parent.name / source.name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(syndicated_copy(source.read_bytes(), copy))
    marker.touch()
    return root
