"""Property-based tests (hypothesis): whatever the bytes, every input record is accounted for
exactly once and nothing raises."""

from __future__ import annotations

import gzip
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dedup.stage import sign_documents
from newsdedup.config import IngestConfig
from parsers.batch import parse_files
from parsers.discover import discover_inputs

_words = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=0, max_size=12)
_prose = st.lists(_words, min_size=0, max_size=300).map(" ".join)
_tags = st.sampled_from(["p", "div", "li", "a", "h1", "script", "nav", "table", "td", "span", "br"])


@st.composite
def _html(draw) -> str:
    parts = []
    for _ in range(draw(st.integers(0, 40))):
        tag = draw(_tags)
        parts.append(f"<{tag}>{draw(_prose)}" + (f"</{tag}>" if draw(st.booleans()) else ""))
    return "<html><head><title>" + draw(_words) + "</title></head><body>" + "".join(parts)


_contents = st.one_of(
    st.binary(max_size=3000).map(lambda b: ("txt", b)),
    _prose.map(lambda t: ("txt", t.encode("utf-8"))),
    st.lists(_prose, max_size=12).map(lambda ps: ("txt", "\n\n".join(ps).encode("utf-8"))),
    _html().map(lambda h: ("html", h.encode("utf-8"))),
    _html().map(lambda h: ("html", h.encode("utf-16"))),
    _prose.map(lambda t: ("txt.gz", gzip.compress(t.encode("utf-8")))),
    st.binary(max_size=200).map(lambda b: ("txt.gz", b"\x1f\x8b" + b)),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_contents, min_size=1, max_size=8))
def test_every_file_is_one_document_or_one_reject(contents):
    with tempfile.TemporaryDirectory() as directory:
        for number, (suffix, data) in enumerate(contents):
            Path(directory, f"f{number:02d}.{suffix}").write_bytes(data)
        files = discover_inputs([directory])
        documents, rejects = parse_files(files, IngestConfig().limits)
        hashvalues, counts = sign_documents(documents, IngestConfig().dedup)

    seen = sorted([d.source_path for d in documents] + [r.source_path for r in rejects])
    assert seen == sorted(f.source_path for f in files)
    assert len(hashvalues) == len(counts) == len(documents)
    assert all(d.text.strip() and d.article_id for d in documents)
    assert all(r.reason and r.detail for r in rejects)
