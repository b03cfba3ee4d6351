"""A generated corpus of text-browser news dumps with a known share of near-duplicates.

Nothing here is real news: words are drawn from English function words and a made-up
vocabulary with a Zipf-like distribution, so the cleaner sees prose and dedup sees realistic
shingle statistics. Each dump has site chrome (menus, breadcrumb, share bar, related links,
footer) from one of several made-up sites. Copies of a story are syndicated: other site
chrome, a new headline, sometimes a cut tail, a few copy edits and different line wrapping.

How many copies a story has (``copies``):

* ``uniform``: about ``duplicate_share`` of the documents are copies of an earlier story
  chosen uniformly, so clusters stay small (most 1-5 documents).
* ``syndication`` (a week of a news feed): most stories run once, story sizes follow a
  Zipf-like tail (P(size) ~ size**-2.5, up to ``TAIL_MAX`` documents), and one wire story
  per ``WIRE_EVERY`` documents runs on 500-2,000 sites; about half of the documents are
  copies (``copy_share`` measures a corpus). A wire copy also gets a dateline.

    python benchmarks/synthetic.py OUT_DIR --n 10000 [--copies syndication] [--duplicate-share 0.2] [--seed 7]

writes ``OUT_DIR/docs/NNNN/NNNNNNN.txt`` and ``OUT_DIR/labels.csv`` (``file,cluster``).
"""

from __future__ import annotations

import argparse
import collections
import functools
import itertools
import os
import random
import textwrap
from dataclasses import dataclass

from parsers.rules import STOPWORDS

_SYLLABLES = ("ka ri to ne mo sa lu vi pe da ro mi te no ba ki su ha ya ze an el or un is at en ar om ul").split()
_SECTIONS = [
    "News / Politics",
    "World / Asia",
    "Business / Markets",
    "Sport",
    "Science / Space",
    "Culture / Books",
    "Local / City",
    "Health",
]
#: Share of a story's headline words taken from its lead: in the 9-site dev set's gold, the median
#: headline has 80% of its content words in the body's first 300 words.
_HEADLINE_FROM_LEAD = 0.7


def _make_word(rng: random.Random) -> str:
    return "".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 4)))


@dataclass
class _Vocabulary:
    stopwords: list[str]
    words: list[str]
    cum_weights: list[float]

    @classmethod
    def build(cls, rng: random.Random, size: int = 30_000) -> _Vocabulary:
        words = sorted({_make_word(rng) for _ in range(size)})
        rng.shuffle(words)
        cum_weights = list(itertools.accumulate(1.0 / (rank + 1) ** 0.9 for rank in range(len(words))))
        return cls(sorted(STOPWORDS), words, cum_weights)

    def sentence(self, rng: random.Random) -> str:
        length = rng.randint(12, 28)
        content = rng.choices(self.words, cum_weights=self.cum_weights, k=length)
        tokens = [rng.choice(self.stopwords) if rng.random() < 0.45 else w for w in content]
        if rng.random() < 0.15:
            tokens[rng.randrange(length)] = str(rng.randint(2, 2030))
        tokens[0] = tokens[0].capitalize()
        text = " ".join(tokens) + "."
        if rng.random() < 0.1:
            text = "\u201c" + text + "\u201d said " + rng.choice(self.words).capitalize() + "."
        return text

    def headline(self, rng: random.Random, lead: str = "") -> str:
        """6-13 capitalised-ish words. Given the story's ``lead`` paragraphs, most of them
        (``_HEADLINE_FROM_LEAD``) are its content words, as in real news: the headline's words
        recur in the body, which is how a cleaner tells the headline from other short lines."""
        count = rng.randint(6, 13)
        story_words = [w for w in (t.strip(".,\u201c\u201d").lower() for t in lead.split()) if w.isalpha()]
        story_words = [w for w in story_words if w not in STOPWORDS]
        if story_words:
            words = [
                rng.choice(story_words)
                if rng.random() < _HEADLINE_FROM_LEAD
                else rng.choices(self.words, cum_weights=self.cum_weights)[0]
                for _ in range(count)
            ]
        else:  # site names and related-story teasers: any words
            words = rng.choices(self.words, cum_weights=self.cum_weights, k=count)
        return " ".join(w.capitalize() if i == 0 or rng.random() < 0.3 else w for i, w in enumerate(words))


@dataclass
class _Site:
    name: str
    menu: list[str]
    related: list[str]


def _sites(rng: random.Random, vocabulary: _Vocabulary, count: int = 24) -> list[_Site]:
    sites = []
    for _ in range(count):
        name = f"The {vocabulary.headline(rng).split()[0]} {rng.choice(['Post', 'Times', 'Herald', 'Courier'])}"
        menu = ["Home", *(w.capitalize() for w in rng.sample(vocabulary.words[:300], 8)), "Sign in"]
        related = [vocabulary.headline(rng) for _ in range(5)]
        sites.append(_Site(name, menu, related))
    return sites


@functools.lru_cache(maxsize=600_000)
def _wrapped(paragraph: str, width: int) -> str:
    return "\n".join(textwrap.wrap(paragraph, width))


def _page(site: _Site, section: str, headline: str, paragraphs: list[str], width: int, day: int) -> str:
    lines = [site.name, ""]
    lines += [f"  \u2022 {item}" for item in site.menu]
    lines += [
        "",
        "[Search            ] [Go]",
        "",
        section,
        "",
        headline,
        "",
        f"Published March {day}, 2026",
        "",
        "  \u25a1 Share",
        "  \u25a1 Print",
        "",
    ]
    for paragraph in paragraphs:
        lines += [_wrapped(paragraph, width), ""]
    lines += ["Related stories", ""] + [f"  \u2022 {r}" for r in site.related]
    lines += ["", f"\u00a9 2026 {site.name}. All rights reserved.", ""]
    return "\n".join(lines)


def _copy_edit(rng: random.Random, paragraph: str, vocabulary: _Vocabulary) -> str:
    words = paragraph.split(" ")
    for _ in range(max(1, len(words) // 60)):
        position = rng.randrange(len(words))
        if words[position].isalpha():
            words[position] = rng.choice(vocabulary.words)
    return " ".join(words)


#: Largest story of the Zipf-like tail of the syndication corpus (documents).
TAIL_MAX = 300
#: Exponent of the tail: P(size) ~ size**-TAIL_EXPONENT (~75% of stories run once).
TAIL_EXPONENT = 2.5
#: One wire story with 500-2,000 copies per this many documents (at least one).
WIRE_EVERY = 25_000
WIRE_COPIES = (500, 2000)
#: Wire copies carry a dateline such as "KARIMO (Wire Service) -- ".
_AGENCIES = ("Wire Service", "Press Agency", "News Wire")


def syndication_plan(rng: random.Random, n: int) -> list[int]:
    """The story of each of ``n`` documents, in document order (a story's first document is
    its original): wire stories of ``WIRE_COPIES`` documents (at most a quarter of ``n``
    together), the rest sized by the Zipf-like tail, all interleaved at random."""
    sizes = []
    for _ in range(max(1, round(n / WIRE_EVERY))):
        size = min(rng.randint(*WIRE_COPIES), n // 4 - sum(sizes))
        if size > 1:
            sizes.append(size)
    weights = list(itertools.accumulate(size**-TAIL_EXPONENT for size in range(1, TAIL_MAX + 1)))
    remaining = n - sum(sizes)
    while remaining > 0:
        size = min(remaining, rng.choices(range(1, TAIL_MAX + 1), cum_weights=weights)[0])
        sizes.append(size)
        remaining -= size
    plan = [story for story, size in enumerate(sizes) for _ in range(size)]
    rng.shuffle(plan)
    return plan


def copy_share(labels: list[tuple[str, str]]) -> float:
    """Share of the documents that are copies of another (all but one per story)."""
    return 1 - len({cluster for _, cluster in labels}) / len(labels) if labels else 0.0


def generate(
    out_dir: str, n: int, duplicate_share: float = 0.2, seed: int = 7, copies: str = "uniform"
) -> list[tuple[str, str]]:
    """Write ``n`` dumps under ``out_dir/docs`` and their story labels; return the labels.

    ``copies``: ``uniform`` (about ``duplicate_share`` of the documents are copies of an
    earlier story) or ``syndication`` (see the module docstring; ``duplicate_share`` unused).
    """
    if copies == "syndication":
        return _generate_syndication(out_dir, n, seed)
    if copies != "uniform":
        raise ValueError(f"copies must be uniform or syndication, not {copies!r}")
    rng = random.Random(seed)
    vocabulary, sites, pool = _material(rng, n)
    stories: list[tuple[str, str, list[int]]] = []  # (cluster, section, paragraph ids)
    labels = []
    docs_dir = os.path.join(out_dir, "docs")
    for index in range(n):
        site = rng.choice(sites)
        if stories and rng.random() < duplicate_share:
            cluster, section, paragraph_ids = rng.choice(stories)
            paragraphs = _copy_paragraphs(rng, pool, paragraph_ids, vocabulary)
            width = rng.choice([72, 80, 100])
        else:
            cluster, section, paragraph_ids = _new_story(rng, pool, index)
            stories.append((cluster, section, paragraph_ids))
            paragraphs = [pool[i] for i in paragraph_ids]
            width = 100
        headline = vocabulary.headline(rng, " ".join(paragraphs[:2]))
        name = _write_page(docs_dir, index, _page(site, section, headline, paragraphs, width, 1 + index % 28))
        labels.append((name, cluster))
    _write_labels(out_dir, labels)
    return labels


def _generate_syndication(out_dir: str, n: int, seed: int) -> list[tuple[str, str]]:
    """``generate`` with ``copies="syndication"``."""
    rng = random.Random(seed)
    vocabulary, sites, pool = _material(rng, n)
    plan = syndication_plan(rng, n)
    sizes = collections.Counter(plan)
    stories: dict[int, tuple[str, str, list[int]]] = {}  # story -> (cluster, section, paragraph ids)
    labels = []
    docs_dir = os.path.join(out_dir, "docs")
    for index, story in enumerate(plan):
        site = rng.choice(sites)
        if story in stories:
            cluster, section, paragraph_ids = stories[story]
            paragraphs = _copy_paragraphs(rng, pool, paragraph_ids, vocabulary)
            if sizes[story] >= WIRE_COPIES[0]:
                dateline = f"{rng.choice(vocabulary.words).upper()} ({rng.choice(_AGENCIES)}) — "
                paragraphs[0] = dateline + paragraphs[0]
            width = rng.choice([72, 80, 100])
        else:
            cluster, section, paragraph_ids = stories[story] = _new_story(rng, pool, index)
            paragraphs = [pool[i] for i in paragraph_ids]
            width = 100
        headline = vocabulary.headline(rng, " ".join(paragraphs[:2]))
        name = _write_page(docs_dir, index, _page(site, section, headline, paragraphs, width, 1 + index % 28))
        labels.append((name, cluster))
    _write_labels(out_dir, labels)
    return labels


def _new_story(rng: random.Random, pool: list[str], index: int) -> tuple[str, str, list[int]]:
    """A new story for document ``index``: its cluster label, section and paragraph ids."""
    section = rng.choice(_SECTIONS)
    return f"s{index:07d}", section, [rng.randrange(len(pool)) for _ in range(rng.randint(6, 14))]


def _material(rng: random.Random, n: int) -> tuple[_Vocabulary, list, list[str]]:
    """The vocabulary, the sites and the pool of paragraphs a corpus of ``n`` dumps draws on.

    A pool of paragraphs keeps generation fast at a million documents; it is large enough
    that two distinct stories rarely share a paragraph.
    """
    vocabulary = _Vocabulary.build(rng)
    sites = _sites(rng, vocabulary)
    pool = [
        " ".join(vocabulary.sentence(rng) for _ in range(rng.randint(2, 4)))
        for _ in range(min(200_000, max(2_000, n * 2)))
    ]
    return vocabulary, sites, pool


def _copy_paragraphs(
    rng: random.Random, pool: list[str], paragraph_ids: list[int], vocabulary: _Vocabulary
) -> list[str]:
    """A syndicated copy's paragraphs: sometimes a cut tail, and copy edits in about a fifth."""
    if rng.random() < 0.3 and len(paragraph_ids) > 4:
        paragraph_ids = paragraph_ids[: len(paragraph_ids) - rng.randint(1, 2)]  # cut tail
    return [_copy_edit(rng, pool[i], vocabulary) if rng.random() < 0.2 else pool[i] for i in paragraph_ids]


def _write_page(docs_dir: str, index: int, page: str) -> str:
    """Write dump ``index`` under ``docs_dir``; return its name relative to it."""
    name = f"{index // 1000:04d}/{index:07d}.txt"
    path = os.path.join(docs_dir, name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(page)
    return name


def _write_labels(out_dir: str, labels: list[tuple[str, str]]) -> None:
    with open(os.path.join(out_dir, "labels.csv"), "w", encoding="utf-8") as handle:
        handle.write("file,cluster\n")
        handle.writelines(f"{name},{cluster}\n" for name, cluster in labels)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out_dir")
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--copies", choices=["uniform", "syndication"], default="uniform")
    parser.add_argument("--duplicate-share", type=float, default=0.2, help="uniform copies only")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    labels = generate(args.out_dir, args.n, args.duplicate_share, args.seed, args.copies)
    print(f"{len(labels)} documents, {copy_share(labels):.1%} copies")


if __name__ == "__main__":
    main()
