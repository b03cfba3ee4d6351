"""Stories in scripts without spaces are shingled by characters: a Chinese story has as many
shingles as characters, its edited copies are one story and other Chinese stories are not."""

from __future__ import annotations

from dedup.clusters import NEAR, StoryIndex
from dedup.stage import match_rules, sign_documents, signature_settings
from newsdedup.config import DedupSettings
from storage.schema import Document
from tests.parsers.multilingual_pages import CHINESE_HARVEST, CHINESE_METRO


def place(texts: list[str]) -> tuple[list, list, list[str]]:
    """Sign ``texts`` with the default settings and place them in order: their placements,
    shingle counts and article ids."""
    settings = DedupSettings()
    documents = [Document(f"d{i}.txt", 0, "txt", "", text, f"k{i}") for i, text in enumerate(texts)]
    values, counts = sign_documents(documents, settings)
    index = StoryIndex(signature_settings(settings), match_rules(settings), settings.lsh_threshold)
    placements = [index.place(d.article_id, d.content_hash, values[i], int(counts[i])) for i, d in enumerate(documents)]
    return placements, counts, [d.article_id for d in documents]


def edited(paragraphs: tuple[str, ...]) -> str:
    """A syndicated copy: a dateline, two figures changed, a sentence cut, a note added."""
    changed = list(paragraphs)
    changed[0] = "新华社电 " + changed[0]
    changed[1] = changed[1].replace("四十分钟", "三十五分钟").replace("六点", "五点半")
    changed[-1] = changed[-1][: len(changed[-1]) // 2]
    return "\n\n".join([*changed, "本报将继续关注后续进展，欢迎读者提供新闻线索。"])


def test_a_chinese_story_has_a_shingle_per_pair_of_characters():
    text = "\n\n".join(CHINESE_METRO.paragraphs)
    _, counts, _ = place([text])
    characters = sum(c.isalnum() for c in text)
    assert counts[0] > 0.8 * characters  # a clause per token gave about 25


def test_edited_copies_of_a_chinese_story_are_one_story_and_another_story_is_not():
    metro = "\n\n".join(CHINESE_METRO.paragraphs)
    harvest = "\n\n".join(CHINESE_HARVEST.paragraphs)
    (original, copy, other, other_copy), _, ids = place(
        [metro, edited(CHINESE_METRO.paragraphs), harvest, edited(CHINESE_HARVEST.paragraphs)]
    )
    assert original.canonical_id is None and other.canonical_id is None
    assert copy.method == NEAR and other_copy.method == NEAR
    assert copy.canonical_id == ids[0] and other_copy.canonical_id == ids[2]
