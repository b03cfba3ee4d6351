"""Dedup decisions on small real-looking pages, through the plain pipeline functions (read,
clean, sign, place; no Prefect): which copies merge, how, and which stories stay apart."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest

from dedup.clusters import CONTAINED, EXACT, NEAR, MatchRules, Placement, StoryIndex, estimated_jaccard
from dedup.partitioned import StoredStories
from dedup.signatures import SignatureSettings, sign_token_lists
from newsdedup.config import DedupSettings, IngestConfig
from newsdedup.pipeline import place_batches, stage_batch
from newsdedup.workers import WorkerPool
from parsers.discover import discover_inputs
from tests.conftest import SEEDS
from tests.dedup.stories import (
    LIBRARY,
    LIBRARY_TITLE,
    SITE_FOOTER,
    TRAM,
    TRAM_TITLE,
    html_page,
    syndicated,
    text_dump,
    write,
)


def place_folder(folder: Path, scratch: Path, **settings) -> dict[str, tuple[str, Placement]]:
    """Read, clean, sign and place every file under ``folder`` as one batch of a first run.

    Returns ``source_path -> (article_id, placement)``.
    """
    config = IngestConfig(dedup=replace(DedupSettings(), **settings), workers=1)
    files = discover_inputs([str(folder)])
    staged = stage_batch(files, 0, str(scratch), "test-run", datetime.now(UTC), config)
    (decided,) = place_batches([staged], StoredStories.empty(), config, str(scratch), WorkerPool()).files
    placements = [
        Placement(row["canonical_id"], row["similarity"], row["method"]) if row["canonical_id"] else Placement(None)
        for row in decided.to_pylist()
    ]
    table = pq.read_table(staged.documents_path, columns=["source_path", "article_id"])
    return {
        path: (article_id, placement)
        for path, article_id, placement in zip(
            table["source_path"].to_pylist(), table["article_id"].to_pylist(), placements, strict=True
        )
    }


def canonical(placed: dict[str, tuple[str, Placement]], path: str) -> str:
    article_id, placement = placed[path]
    return placement.canonical_id or article_id


def test_the_two_seed_stories_stay_apart_and_the_syndicated_seed_joins_its_story(tmp_path):
    # 000 and 003: two stories on the same diplomats in the same week, related, not copies.
    # 007: 000 syndicated under another site's chrome (new headline, dateline, cut tail, copy edits).
    placed = place_folder(SEEDS, tmp_path)

    story, other, copy = "000_29ba8e55fe1d1bfc.txt", "003_809269d57f52441b.txt", "007_25c652977c5c76e0.txt"
    assert set(placed) == {story, other, copy}
    assert placed[story][1].canonical_id is None and placed[other][1].canonical_id is None
    assert placed[copy][1].canonical_id == placed[story][0] and placed[copy][1].method == "near"


def test_syndicated_copy_with_other_chrome_and_headline_merges(tmp_path):
    inbox = tmp_path / "in"
    write(inbox, "courier/tram.txt", text_dump(TRAM_TITLE, TRAM))
    write(
        inbox,
        "globe/airport-tram-delay.txt",
        text_dump(
            "Airport tram delayed until 2028 as costs soar",
            syndicated(TRAM),
            section="Transport / Cities",
            width=72,
            site="The Morning Globe",
        ),
    )
    write(inbox, "courier/library.txt", text_dump(LIBRARY_TITLE, LIBRARY))

    placed = place_folder(inbox, tmp_path / "staging")

    # Canonical rule: the longest text (here the copy, with its dateline and note) is the article.
    (canonical_id, first), (copy_id, copy) = placed["globe/airport-tram-delay.txt"], placed["courier/tram.txt"]
    assert first == Placement(None)
    assert copy.canonical_id == canonical_id != copy_id
    assert copy.method in (NEAR, CONTAINED) and 0.5 <= copy.similarity <= 1.0
    assert placed["courier/library.txt"][1] == Placement(None)


def test_html_page_and_text_dump_of_one_story_merge(tmp_path):
    inbox = tmp_path / "in"
    write(inbox, "courier/tram.txt", text_dump(TRAM_TITLE, TRAM))
    write(inbox, "post/tram.html", html_page(TRAM_TITLE, TRAM, site="Evening Post"))
    write(inbox, "post/library.html", html_page(LIBRARY_TITLE, LIBRARY, site="Evening Post"))

    placed = place_folder(inbox, tmp_path / "staging")

    assert canonical(placed, "courier/tram.txt") == canonical(placed, "post/tram.html")
    assert canonical(placed, "post/library.html") != canonical(placed, "post/tram.html")


#: More of the tram story, for a long original of which a partner ran only the start.
TRAM_FOLLOW_UP = [
    "Passenger groups said the authority should publish the full list of risks that remain, "
    "including the signalling contract that was signed only in March after two failed tenders.",
    "The airport operator said it would keep the express bus running at its current frequency "
    "until the tram has carried passengers for at least six months without serious faults.",
    "Cyclists asked for the promised bicycle lanes beside the tracks to be finished first, since "
    "the temporary route along the ring road has seen four collisions since the works began.",
    "A spokesman for the electricians' union said training places at the technical college had "
    "been cut two years ago, and that the shortage had been predictable long before the works.",
]


def test_copy_cut_short_merges_as_contained(tmp_path):
    inbox = tmp_path / "in"
    write(inbox, "courier/tram.txt", text_dump(TRAM_TITLE, TRAM + TRAM_FOLLOW_UP))
    # The partner ran only the first five paragraphs: about a third of the whole, so the
    # Jaccard similarity (~0.36) is far below the threshold while nearly all of it is inside.
    write(
        inbox,
        "herald/tram-short.txt",
        text_dump("Airport tram two years late", syndicated(TRAM[:5]), site="Valley Herald"),
    )

    placed = place_folder(inbox, tmp_path / "staging")

    short = placed["herald/tram-short.txt"][1]
    assert short.canonical_id == placed["courier/tram.txt"][0]
    assert short.method == CONTAINED
    assert short.similarity >= DedupSettings().containment_threshold


def test_exact_copy_merges_by_content_hash(tmp_path):
    inbox = tmp_path / "in"
    write(inbox, "courier/library.txt", text_dump(LIBRARY_TITLE, LIBRARY))
    # Same words, another site's page: curly quotes and wrapping differ, tokens do not.
    write(
        inbox,
        "metro/library.txt",
        text_dump(
            LIBRARY_TITLE, [p.replace("\u201c", '"').replace("\u201d", '"') for p in LIBRARY], width=64, site="Metro"
        ),
    )

    placed = place_folder(inbox, tmp_path / "staging")

    (first_id, first), (second_id, second) = placed["courier/library.txt"], placed["metro/library.txt"]
    assert first_id == second_id  # the id is the normalised text's hash
    assert {first.method, second.method} == {"", EXACT}
    copy = second if second.method == EXACT else first
    assert copy.similarity == 1.0 and copy.canonical_id == first_id


def test_distinct_stories_under_the_same_leftover_footer_stay_apart(tmp_path):
    # The cleaner left a site's sign-up footer under each of its stories.
    inbox = tmp_path / "in"
    for name, paragraphs in (("tram", TRAM[:6]), ("tram-follow-up", TRAM[6:]), ("library", LIBRARY)):
        write(inbox, f"site/{name}.txt", text_dump(f"The {name} story", paragraphs + SITE_FOOTER))

    placed = place_folder(inbox, tmp_path / "staging")

    assert all(p.canonical_id is None for _, p in placed.values())


def test_a_story_syndicated_ten_times_ends_as_one_article(tmp_path):
    inbox = tmp_path / "in"
    for number in range(10):
        copy = syndicated(TRAM[: 12 - number % 3], dateline=f"CITY {number} \u2014 ")
        write(inbox, f"site-{number}/tram.txt", text_dump(f"Tram news {number}", copy, site=f"Paper {number}"))

    placed = place_folder(inbox, tmp_path / "staging")

    assert len({canonical(placed, path) for path in placed}) == 1
    assert sum(p.canonical_id is None for _, p in placed.values()) == 1


def _sign(paragraphs: list[str], settings: SignatureSettings) -> tuple[np.ndarray, int]:
    from dedup.shingles import normalise_tokens

    values, counts = sign_token_lists([normalise_tokens(" ".join(paragraphs))], settings)
    return values[0], int(counts[0])


def test_a_chain_of_overlapping_texts_does_not_pull_in_a_distinct_story():
    # A: the tram story; C: a distinct story that reuses two of its paragraphs as background;
    # B: a round-up stitched from the middle of both, similar to each.
    a, b, c = TRAM[0:8], TRAM[3:8] + LIBRARY[0:3], TRAM[6:8] + LIBRARY[0:6]
    settings = SignatureSettings(num_perm=256, shingle_size=2)
    rules = MatchRules(threshold=0.4, containment_threshold=0.8, min_containment_shingles=150)
    (va, na), (vb, nb), (vc, nc) = (_sign(x, settings) for x in (a, b, c))
    assert estimated_jaccard(va, vb) >= 0.4 and estimated_jaccard(vb, vc) >= 0.4
    assert estimated_jaccard(va, vc) < 0.4

    index = StoryIndex(settings, rules, lsh_threshold=0.2)
    assert index.place("a", "hash-a", va, na) == Placement(None)
    placed_b = index.place("b", "hash-b", vb, nb)
    placed_c = index.place("c", "hash-c", vc, nc)

    assert placed_b.canonical_id == "a" and placed_b.method == NEAR
    assert placed_c == Placement(None)  # B is a member, never a canonical: C is not pulled in
    assert len(index) == 2


def test_a_text_without_shingles_is_never_a_copy():
    settings = SignatureSettings(num_perm=64, shingle_size=2)
    index = StoryIndex(settings, MatchRules(0.5, 0.7, 150), lsh_threshold=0.2)
    empty, count = sign_token_lists([[]], settings)
    assert index.place("x", "hash-x", empty[0], int(count[0])) == Placement(None)
    assert index.place("y", "hash-y", empty[0], int(count[0])) == Placement(None)


def test_bands_and_rows_must_fit_in_the_permutations():
    with pytest.raises(ValueError, match="bands x rows must be at most"):
        StoryIndex(SignatureSettings(num_perm=128), MatchRules(0.5, 0.7, 150), 0.2, bands=20, rows=10)
