"""Parse a batch of input files into cleaned documents and rejects."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from newsdedup.config import JsonlFields, ReadLimits
from parsers import rules
from parsers.containers import read_input
from parsers.discover import InputFile
from parsers.html_page import clean_html_page
from parsers.language import detect_language
from parsers.metadata import parse_date
from parsers.page import CleanPage
from parsers.reading import RawRecord
from parsers.text_dump import SplitDump, clean_text_dump, split_dump, template_lines
from storage.schema import Document, Reject

log = logging.getLogger(__name__)

#: Reason codes of records that were read but held no usable article.
NO_ARTICLE = "no_article"
PARSE_ERROR = "parse_error"
#: The cleaned text is longer than ``ReadLimits.max_words``: a whole dump kept as one page.
TOO_LONG = "too_long"


def clean_record(
    record: RawRecord,
    templates: frozenset[str] = frozenset(),
    dump: SplitDump | None = None,
    max_words: int = ReadLimits.max_words,
) -> Document | Reject:
    """Clean one raw record into a document, or reject it if no article text is found or
    the text has more than ``max_words`` words. ``dump`` is a text record's content already
    split (``split_dump``), if it was."""
    try:
        if record.format == "html":
            page: CleanPage = clean_html_page(record.content)
        else:
            page = clean_text_dump(dump if dump is not None else record.content, templates)
    except Exception as error:  # a parser bug or pathological markup: reject, keep going
        log.exception("cleaning %s failed", record.source_path)
        detail = f"the {record.format} could not be parsed: {error!r}"[:500]
        return Reject(record.source_path, record.source_record, PARSE_ERROR, detail, record.record_key)
    if not page.text.strip():
        return Reject(
            record.source_path,
            record.source_record,
            NO_ARTICLE,
            "no article text found (only menus, links or boilerplate)",
            record.record_key,
        )
    # (a text of n characters has at most n words: most texts need no counting here)
    words = len(page.text.split()) if len(page.text) > max_words else 0
    if words > max_words:
        return Reject(
            record.source_path,
            record.source_record,
            TOO_LONG,
            f"{words:,} words ({len(page.text):,} characters) of text, over the {max_words:,}-word limit",
            record.record_key,
        )
    return Document(
        source_path=record.source_path,
        source_record=record.source_record,
        format=record.container or record.format,
        title=record.title or page.title or "",
        text=page.text,
        record_key=record.record_key,
        section=page.section,
        url=record.url or page.url,
        published=parse_date(record.published) or page.published,
        language=page.language or detect_language(page.text),
        extraction=page.extraction,
    )


def parse_files(
    files: Sequence[InputFile], limits: ReadLimits, fields: JsonlFields | None = None
) -> tuple[list[Document], list[Reject]]:
    """Read and clean every record of ``files``.

    Lines that recur across many plain-text dumps of a window of ``TEMPLATE_WINDOW_FILES``
    files are treated as page template (see ``parsers.text_dump.template_lines``).
    ``fields`` maps JSONL fields (default names if None).

    Returns:
        The cleaned documents and the rejects, each in input order.
    """
    documents: list[Document] = []
    rejects: list[Reject] = []
    window = rules.TEMPLATE_WINDOW_FILES
    for start in range(0, len(files), window):
        _parse_window(files[start : start + window], limits, fields or JsonlFields(), documents, rejects)
    log.info("parsed %d files: %d documents, %d rejects", len(files), len(documents), len(rejects))
    return documents, rejects


def _parse_window(
    files: Sequence[InputFile],
    limits: ReadLimits,
    fields: JsonlFields,
    documents: list[Document],
    rejects: list[Reject],
) -> None:
    """Read and clean the records of ``files``, one template window, into ``documents`` and ``rejects``."""
    records: list[RawRecord] = []
    for item in files:
        for record in read_input(item, limits, fields):
            (rejects if isinstance(record, Reject) else records).append(record)
    # Text dumps are split into lines once, for the template search and for cleaning.
    dumps = [split_dump(r.content) if r.format == "txt" else None for r in records]
    templates = template_lines(d for d in dumps if d is not None)
    for record, dump in zip(records, dumps, strict=True):
        result = clean_record(record, templates, dump, limits.max_words)
        (rejects if isinstance(result, Reject) else documents).append(result)
