"""The extraction dev sets in ``../shared/data``, loaded as one kind of page.

=================  =========================================================================
``9site``          ``extraction-dev``: 360 pages of 9 news sites (2005-2017). ``html/<year>/``,
                   ``text/<year>/`` (w3m dumps), ``gold/<year>/`` (headline, then body).
``2023``           ``extraction-dev-2023``: 421 news pages of 2023, 210 sites. ``html/<id>.html.gz``,
                   ``text/<id>.txt``, ``gold/<id>.txt``.
``multilingual``   ``extraction-dev-multilingual``: 500 pages of 445 sites in many languages.
                   ``html/<id>.html.gz`` and ``snippets.jsonl`` (``with``/``without`` passages);
                   no text dumps, no gold text.
=================  =========================================================================

Each page names its ``site`` (from ``pages.csv``; from the URL where that column is empty), so
that thresholds can be fitted on some sites and scored on the others (``in_fold``).
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from benchmarks.scoring import SHARED_DATA, split_gold
from parsers.reading import decode_bytes

#: Folder of each set under ``../shared/data``.
SET_FOLDERS = {
    "9site": "extraction-dev",
    "2023": "extraction-dev-2023",
    "multilingual": "extraction-dev-multilingual",
}


@dataclass(frozen=True)
class DevPage:
    """One page of a dev set: its inputs and what a good extraction holds.

    ``batch`` groups pages the way a run would meet them together (the text cleaner's
    template search reads a batch): a crawl year of the 9-site set, a whole set otherwise.
    Gold text sets have ``gold_title``/``gold_body``; the snippet set has ``with_snippets``
    and ``without_snippets`` instead.
    """

    dataset: str
    id: str
    site: str
    batch: str
    html: str | None
    text: str | None
    gold_title: str | None = None
    gold_body: str | None = None
    language: str | None = None
    with_snippets: tuple[str, ...] = ()
    without_snippets: tuple[str, ...] = ()


def _decoded(raw: bytes, is_html: bool) -> str | None:
    decoded = decode_bytes(raw, is_html)
    return decoded[0] if decoded else None


def _read(path: Path, is_html: bool) -> str | None:
    """A file's decoded text (gunzipped first for ``.gz``), or None if it is missing."""
    if not path.is_file():
        return None
    raw = path.read_bytes()
    return _decoded(gzip.decompress(raw) if path.suffix == ".gz" else raw, is_html)


_HOST = re.compile(r"^(?:[a-z]+::|https?://)?(?:www\.)?([^/]+?)(?:-[^/]*\.html)?(?:/|$)")


def site_of(url: str) -> str:
    """The host a page's URL names (``hard::example.com-title.html`` names ``example.com``)."""
    match = _HOST.match(url.strip().lower())
    return match.group(1) if match else url


def _rows(folder: Path) -> list[dict[str, str]]:
    with open(folder / "pages.csv", encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _nine_sites(folder: Path) -> Iterator[DevPage]:
    for row in _rows(folder):
        year, name = row["id"].split("/", 1)
        gold = _read(folder / "gold" / year / f"{name}.txt", is_html=False)
        text = _read(folder / "text" / year / f"{name}.txt", is_html=False)
        if gold is None or text is None:
            continue
        title, body = split_gold(gold)
        html = _read(folder / "html" / year / f"{name}.html", is_html=True)
        yield DevPage("9site", row["id"], row["site"], year, html, text, title, body, "en")


def _pages_2023(folder: Path) -> Iterator[DevPage]:
    for row in _rows(folder):
        gold = _read(folder / "gold" / f"{row['id']}.txt", is_html=False)
        if gold is None:
            continue
        title, body = split_gold(gold)
        html = _read(folder / "html" / f"{row['id']}.html.gz", is_html=True)
        text = _read(folder / "text" / f"{row['id']}.txt", is_html=False)
        yield DevPage("2023", row["id"], row["site"] or site_of(row["url"]), "2023", html, text, title, body)


def _multilingual(folder: Path) -> Iterator[DevPage]:
    rows = {row["id"]: row for row in _rows(folder)}
    with open(folder / "snippets.jsonl", encoding="utf-8") as handle:
        for line in handle:
            item = json.loads(line)
            row = rows[item["id"]]
            html = _read(folder / "html" / f"{item['id']}.html.gz", is_html=True)
            yield DevPage(
                "multilingual",
                item["id"],
                row["site"] or site_of(row["url"]),
                "multilingual",
                html,
                None,
                language=row["language"] or None,
                with_snippets=tuple(item["with"]),
                without_snippets=tuple(item["without"]),
            )


_LOADERS = {"9site": _nine_sites, "2023": _pages_2023, "multilingual": _multilingual}


def load_set(name: str, data: Path = SHARED_DATA, limit: int | None = None) -> list[DevPage]:
    """The pages of set ``name`` (``SET_FOLDERS``), in ``pages.csv`` order (at most ``limit``).

    Raises:
        FileNotFoundError: the set is not under ``data``.
    """
    folder = data / SET_FOLDERS[name]
    if not (folder / "pages.csv").is_file():
        raise FileNotFoundError(f"no dev set {name!r} at {folder} (expected pages.csv there)")
    pages = []
    for page in _LOADERS[name](folder):
        if limit is not None and len(pages) >= limit:
            break
        pages.append(page)
    return pages


def in_fold(site: str, fold: int, folds: int) -> bool:
    """Whether ``site`` falls in fold ``fold`` of ``folds`` (0-based; by a hash of the site's
    name, so every page of a site is in the same fold, whatever the set)."""
    return int(hashlib.blake2b(site.encode(), digest_size=8).hexdigest(), 16) % folds == fold
