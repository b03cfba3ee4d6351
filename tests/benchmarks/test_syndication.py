"""The syndication benchmark builds its corpus from the dev data and runs end to end at a
small N (nothing is timed here)."""

from __future__ import annotations

import random
import subprocess
import sys

import pytest

from benchmarks.syndication import MAX_COPIES, dump, split_chrome, story_sizes, syndicated_copy
from tests.conftest import REPO, shared_data


def test_story_sizes_add_up_and_follow_a_long_tail():
    sizes = story_sizes(random.Random(7), 780, 50_000)
    assert sum(sizes) == 50_000 and min(sizes) >= 1 and max(sizes) <= MAX_COPIES
    ordered = sorted(sizes, reverse=True)
    assert ordered[0] >= 500 and ordered[len(ordered) // 2] < ordered[0] / 20  # Zipf-like


def test_a_copy_sits_between_another_page_s_head_and_tail():
    from benchmarks.devsets import load_set

    shared_data("extraction-dev-2023")
    pages = load_set("2023", limit=12)
    cuts = [cut for cut in map(split_chrome, pages) if cut is not None]
    assert len(cuts) >= 8  # most dumps hold their gold body and are cut around it
    page, chrome = pages[0], cuts[1]
    assert chrome.page != page.id
    story_line = page.gold_body.split("\n")[0]
    rng = random.Random(1)
    headline, paragraphs = syndicated_copy(rng, _story(page), edit=False)
    text = dump(rng, chrome, headline, paragraphs)
    assert text.startswith("\n".join(chrome.head[:3])) and text.rstrip().endswith(chrome.tail[-1].rstrip() or "")
    assert " ".join(story_line.split()[:8]) in " ".join(text.split())
    assert headline == page.gold_title and headline in text.split("\n")


def _story(page):
    from benchmarks.syndication import Story, _paragraphs

    return Story(page.id, page.gold_title, _paragraphs(page.gold_body))


@pytest.mark.slow
def test_the_script_runs_the_pipeline_and_prints_its_scores(tmp_path):
    shared_data("extraction-dev")
    shared_data("extraction-dev-2023")
    result = subprocess.run(
        [
            sys.executable,
            str(REPO / "benchmarks" / "syndication.py"),
            "--n",
            "120",
            "--workers",
            "1",
            "--corpus-dir",
            str(tmp_path / "corpus"),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    rows = (line.split("|") for line in result.stdout.splitlines()[2:])
    table = {cells[1].strip(): cells[2].strip() for cells in rows}
    assert table["documents"] == "120"
    assert len(list((tmp_path / "corpus" / "docs").rglob("*.txt"))) == 120
    for measure in ("pairwise precision", "pairwise recall", "ARI"):
        assert 0.0 <= float(table[measure]) <= 1.0
    assert float(table["pairwise precision"]) > 0.9  # copies of one story are what merges
    assert table["title accuracy"].endswith("%") and table["stories split (of those with 2+ documents)"].endswith("%")
    assert float(table["peak RSS of the largest process, MiB"].replace(",", "")) > 50
