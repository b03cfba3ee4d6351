"""Syndicated copies of real stories under real page chrome: dedup recall where it is hard.

    python benchmarks/syndication.py --n 10000 [--chrome-fold 1/2] [--seed 7] [--corpus-dir DIR] [--workers 0]

The corpus comes from the dev data only. A story is a page's gold text (first line the
headline, the rest the body) of ``../shared/data/extraction-dev`` or ``extraction-dev-2023``.
Each copy of a story is placed inside another page's real w3m dump from those sets' ``text/``:
the dump is split around its own gold body (what precedes it is the head chrome: menus,
trending lists, the site's headline; what follows is the tail chrome: teasers, comments,
sponsored links, footer), the other page's headline line is replaced by the copy's, and
the copy's body goes in between. Copies but a story's first get the syndication edits: a new
headline, a dateline, a cut tail, copy edits, typos, an appended note; every copy is
re-wrapped. Story sizes are Zipf-like (the largest runs to hundreds or thousands of copies,
most stories to a few), ``--n`` documents in all, the seed fixed.

``--chrome-fold K/F`` takes the chrome only from pages whose site is in fold ``K`` of ``F``
(``benchmarks.devsets.in_fold``): fit on one fold, report on another. The default, ``1/2``,
is the report fold; thresholds were fitted with ``0/2``.

The script runs ``newsdedup ingest`` as a user does (a child process: documents/s and the
peak RSS of the largest process include Prefect's start-up) and prints pairwise precision
and recall, the adjusted Rand index, the share of stories split over several clusters and
title accuracy: a document's stored title, or its canonical's, is the story's headline or
the headline one of its copies was given (compared as lower-case ``\\w+`` tokens).
"""

from __future__ import annotations

import argparse
import csv
import itertools
import json
import random
import re
import shutil
import sys
import tempfile
import textwrap
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from benchmarks.dedup import score  # noqa: E402
from benchmarks.devsets import DevPage, in_fold, load_set  # noqa: E402
from benchmarks.scoring import SHARED_DATA  # noqa: E402

#: The largest story, in documents (the Zipf tail is cut here and the rest spread).
MAX_COPIES = 2000
#: Story sizes are proportional to rank ** -ZIPF_EXPONENT.
ZIPF_EXPONENT = 1.0
#: Shortest gold body (words) used as a story, and as the body a chrome page is split around.
MIN_BODY_WORDS = 80
#: Tokens of a gold body's first (last) words looked for in its dump to find where it starts (ends).
ANCHOR_TOKENS = 6

_WORD = re.compile(r"\w+")
_CITIES = ("WASHINGTON", "NEW YORK", "LONDON", "LOS ANGELES", "CHICAGO", "PARIS", "BERLIN", "TOKYO", "ATLANTA")
_AGENCIES = ("AP", "Reuters", "AFP", "Bloomberg", "CNN Wire")
_HEADLINE_PREFIXES = ("UPDATE: ", "Report: ", "WATCH: ", "Analysis: ", "BREAKING: ")
_NOTES = (
    "This story was originally published by {agency}.",
    "{agency} contributed to this report.",
    "Copyright 2023 {agency}. All rights reserved. This material may not be published, broadcast, "
    "rewritten or redistributed.",
    "This article first appeared on {agency} and is republished here under a licence.",
    "Have a news tip? Contact our newsroom. Reporting by {agency}; editing by the news desk.",
)


@dataclass(frozen=True)
class Chrome:
    """A real dump cut around its gold body: the lines before (with the index of the page's
    own headline line among them, or -1) and the lines after."""

    page: str
    head: list[str]
    headline_line: int
    tail: list[str]


@dataclass(frozen=True)
class Story:
    page: str
    headline: str
    paragraphs: list[str]


def _tokens(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def same_title(a: str | None, b: str) -> bool:
    """Titles equal up to case, spacing and punctuation (lower-case ``\\w+`` tokens)."""
    return a is not None and _tokens(a) == _tokens(b)


def _line_of_tokens(lines: list[str]) -> tuple[list[str], list[int]]:
    """All tokens of ``lines`` and the line each comes from."""
    tokens, line_of = [], []
    for number, line in enumerate(lines):
        words = _tokens(line)
        tokens += words
        line_of += [number] * len(words)
    return tokens, line_of


def _find(tokens: list[str], anchor: list[str], last: bool) -> int:
    """Index of the first (``last``: the last) occurrence of ``anchor`` in ``tokens``, or -1."""
    size = len(anchor)
    hits = [i for i in range(len(tokens) - size + 1) if tokens[i] == anchor[0] and tokens[i : i + size] == anchor]
    if not hits:
        return -1
    return hits[-1] if last else hits[0]


def split_chrome(page: DevPage) -> Chrome | None:
    """The page's dump cut around its gold body, or None if the body is not found in it."""
    if not page.text or not page.gold_body:
        return None
    lines = page.text.replace("\r\n", "\n").split("\n")
    tokens, line_of = _line_of_tokens(lines)
    body = _tokens(page.gold_body)
    if len(body) < MIN_BODY_WORDS:
        return None
    start = end = -1
    for shift in range(0, 30):  # the first words may be a dateline or a caption the dump lacks
        start = _find(tokens, body[shift : shift + ANCHOR_TOKENS], last=False)
        if start >= 0:
            break
    for shift in range(0, 30):
        anchor = body[len(body) - ANCHOR_TOKENS - shift : len(body) - shift]
        end = _find(tokens, anchor, last=True)
        if end >= 0:
            end += ANCHOR_TOKENS - 1
            break
    if start < 0 or end < start:
        return None
    head, tail = lines[: line_of[start]], lines[line_of[end] + 1 :]
    title = _tokens(page.gold_title or "")
    headline_line = next((i for i in range(len(head) - 1, -1, -1) if title and _tokens(head[i]) == title), -1)
    return Chrome(page.id, head, headline_line, tail)


def _paragraphs(body: str) -> list[str]:
    blocks = re.split(r"\n\s*\n", body.strip())
    return [" ".join(block.split()) for block in blocks if block.strip()]


def load_material(
    chrome_fold: tuple[int, int] | None, data: Path = SHARED_DATA, with_chrome: bool = True
) -> tuple[list[Story], list[Chrome]]:
    """The stories (every gold text long enough) and the chrome (dumps of the fold's sites
    that could be cut around their gold body; none without ``with_chrome``)."""
    pages = [*load_set("9site", data), *load_set("2023", data)]
    stories = [
        Story(page.id, page.gold_title, _paragraphs(page.gold_body))
        for page in pages
        if page.gold_title and page.gold_body and len(page.gold_body.split()) >= MIN_BODY_WORDS
    ]
    chrome = []
    for page in pages:
        if with_chrome and (chrome_fold is None or in_fold(page.site, *chrome_fold)):
            cut = split_chrome(page)
            if cut is not None:
                chrome.append(cut)
    return stories, chrome


def story_sizes(rng: random.Random, stories: int, n: int) -> list[int]:
    """Documents per story: ``n`` in all, Zipf-like over the stories in a random order
    (at least one each, at most ``MAX_COPIES``)."""
    stories = min(stories, n)
    ranks = list(range(1, stories + 1))
    rng.shuffle(ranks)
    weights = [rank**-ZIPF_EXPONENT for rank in ranks]
    sizes = [1] * stories
    capped: set[int] = set()
    remaining = n - stories
    while remaining > 0:  # spread what is left by weight; the capped stories take no more
        free = [i for i in range(stories) if i not in capped]
        total = sum(weights[i] for i in free)
        shares = {i: remaining * weights[i] / total for i in free}
        added = 0
        for i in free:
            extra = min(int(shares[i]), MAX_COPIES - sizes[i])
            sizes[i] += extra
            added += extra
            if sizes[i] >= MAX_COPIES:
                capped.add(i)
        if added == 0:  # rounding left a few: one each to the heaviest free stories
            for i in sorted(free, key=lambda i: -weights[i])[:remaining]:
                sizes[i] += 1
                added += 1
        remaining -= added
    return sizes


def _typo(rng: random.Random, word: str) -> str:
    if len(word) < 4 or not word.isalpha():
        return word
    i = rng.randrange(len(word) - 1)
    return word[:i] + word[i + 1] + word[i] + word[i + 2 :]


def _copy_edit(rng: random.Random, paragraph: str, story_words: list[str]) -> str:
    """Replace, drop or insert a word or two (an editor's changes)."""
    words = paragraph.split(" ")
    for _ in range(max(1, len(words) // 40)):
        position = rng.randrange(len(words))
        action = rng.random()
        if action < 0.4:
            words[position] = rng.choice(story_words)
        elif action < 0.7 and len(words) > 3:
            del words[position]
        else:
            words.insert(position, rng.choice(story_words))
    return " ".join(words)


def edited_headline(rng: random.Random, headline: str, story_words: list[str]) -> str:
    """A syndicating site's headline for the story: a prefix, a cut, or a reworded word."""
    words = headline.split()
    choice = rng.random()
    if choice < 0.3:
        return rng.choice(_HEADLINE_PREFIXES) + headline
    if choice < 0.6 and len(words) > 5:
        return " ".join(words[: rng.randint(4, len(words) - 1)])
    position = rng.randrange(len(words))
    words[position] = rng.choice(story_words).capitalize()
    return " ".join(words)


def syndicated_copy(rng: random.Random, story: Story, edit: bool) -> tuple[str, list[str]]:
    """A copy's headline and paragraphs; ``edit`` applies the syndication edits."""
    if not edit:
        return story.headline, list(story.paragraphs)
    story_words = [w for p in story.paragraphs for w in p.split() if w.isalpha()] or ["the"]
    headline = edited_headline(rng, story.headline, story_words) if rng.random() < 0.6 else story.headline
    paragraphs = list(story.paragraphs)
    if len(paragraphs) > 4 and rng.random() < 0.35:  # cut tail
        paragraphs = paragraphs[: max(3, round(len(paragraphs) * rng.uniform(0.55, 0.9)))]
    if rng.random() < 0.6:
        paragraphs = [_copy_edit(rng, p, story_words) if rng.random() < 0.25 else p for p in paragraphs]
    if rng.random() < 0.35:
        paragraphs = [" ".join(_typo(rng, w) if rng.random() < 0.01 else w for w in p.split(" ")) for p in paragraphs]
    if rng.random() < 0.4:
        paragraphs[0] = f"{rng.choice(_CITIES)} ({rng.choice(_AGENCIES)}) — {paragraphs[0]}"
    if rng.random() < 0.35:
        paragraphs.append(rng.choice(_NOTES).format(agency=rng.choice(_AGENCIES)))
    return headline, paragraphs


def dump(rng: random.Random, chrome: Chrome, headline: str, paragraphs: list[str]) -> str:
    """The copy as a text dump: the chrome's head (its headline line replaced by the copy's),
    the re-wrapped body, the chrome's tail."""
    head = list(chrome.head)
    if chrome.headline_line >= 0:
        head[chrome.headline_line] = headline
    else:
        head += [headline, ""]
    width = rng.choice([0, 60, 72, 79, 80, 100])  # 0: a paragraph per line
    body = []
    for paragraph in paragraphs:
        body += (textwrap.wrap(paragraph, width) if width else [paragraph]) + [""]
    return "\n".join([*head, "", *body, *chrome.tail]) + "\n"


def generate(out_dir: Path, n: int, seed: int, chrome_fold: tuple[int, int] | None) -> dict[str, tuple[str, str]]:
    """Write ``n`` dumps under ``out_dir/docs`` and ``out_dir/labels.csv`` (``file,cluster,
    headline``); return ``file -> (story, headline given)``."""
    stories, chrome = load_material(chrome_fold)
    if not stories or len(chrome) < 2:
        raise SystemExit(f"not enough dev pages under {SHARED_DATA} (stories {len(stories)}, chrome {len(chrome)})")
    rng = random.Random(seed)
    sizes = story_sizes(rng, len(stories), n)
    plan = [story for story, size in enumerate(sizes) for _ in range(size)]
    rng.shuffle(plan)
    seen: set[int] = set()
    labels: dict[str, tuple[str, str]] = {}
    for index, number in enumerate(plan):
        story = stories[number]
        headline, paragraphs = syndicated_copy(rng, story, edit=number in seen)
        seen.add(number)
        page = rng.choice(chrome)
        while page.page == story.page:
            page = rng.choice(chrome)
        name = f"{index // 1000:04d}/{index:07d}.txt"
        path = out_dir / "docs" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(dump(rng, page, headline, paragraphs), encoding="utf-8")
        labels[name] = (story.page, headline)
    with open(out_dir / "labels.csv", "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["file", "cluster", "headline"])
        writer.writerows([name, story, headline] for name, (story, headline) in labels.items())
    return labels


def read_corpus_labels(path: Path) -> dict[str, tuple[str, str]]:
    with open(path, encoding="utf-8", newline="") as handle:
        return {row["file"]: (row["cluster"], row["headline"]) for row in csv.DictReader(handle)}


def corpus(directory: Path, n: int, seed: int, chrome_fold: tuple[int, int] | None) -> dict[str, tuple[str, str]]:
    """The corpus in ``directory`` (made once per settings, then reused)."""
    fold = f"{chrome_fold[0]}of{chrome_fold[1]}" if chrome_fold else "all"
    marker = directory / f"complete-{n}-{seed}-{fold}"
    if marker.exists():
        return read_corpus_labels(directory / "labels.csv")
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True)
    labels = generate(directory, n, seed, chrome_fold)
    marker.touch()
    return labels


def stored_titles(output: Path) -> tuple[dict[str, str], dict[str, str | None], dict[str, str | None], Counter]:
    """From a written dataset: ``source_path -> cluster`` (an article's id, a duplicate's
    canonical), ``source_path -> stored title``, ``article_id -> title`` and the duplicates'
    methods."""
    from storage.dataset import Dataset

    cluster, title, by_id, methods = {}, {}, {}, Counter()
    with Dataset.open(str(output)) as dataset:
        articles = dataset.read("articles", ["article_id", "source_path", "title"])
        duplicates = dataset.read("duplicates", ["canonical_id", "source_path", "title", "method"])
        rejects = dataset.read("rejects", ["source_path"])
    if articles is not None:
        for row in articles.to_pylist():
            cluster[row["source_path"]] = row["article_id"]
            title[row["source_path"]] = by_id[row["article_id"]] = row["title"]
    if duplicates is not None:
        for row in duplicates.to_pylist():
            cluster[row["source_path"]] = row["canonical_id"]
            title[row["source_path"]] = row["title"]
            methods[row["method"]] += 1
    if rejects is not None:
        for path in rejects["source_path"].to_pylist():
            cluster[path] = f"<reject {path}>"
    return cluster, title, by_id, methods


#: A document whose stored text has at least this share of its 2-shingles in its story's
#: gold text counts as cleaned well (the rest is mostly chrome the cleaner left in).
MOSTLY_STORY = 0.5


def story_shares(output: Path, stories: dict[str, str], labels: dict[str, tuple[str, str]]) -> dict[str, float]:
    """``source_path -> share`` of the stored text's word 2-shingles that are in its story's
    gold text (``stories``: story -> gold body): how much of what dedup compares is the story."""
    from dedup.shingles import normalise_tokens
    from storage.dataset import Dataset

    gold: dict[str, set] = {}
    shares = {}
    with Dataset.open(str(output)) as dataset:
        for table in ("articles", "duplicates"):
            rows = dataset.read(table, ["source_path", "text"])
            for path, text in zip(rows["source_path"].to_pylist(), rows["text"].to_pylist(), strict=True):
                story = labels[path][0]
                if story not in gold:
                    words = normalise_tokens(stories[story])
                    gold[story] = set(zip(words, words[1:], strict=False))
                words = normalise_tokens(text)
                shingles = set(zip(words, words[1:], strict=False))
                shares[path] = len(shingles & gold[story]) / len(shingles) if shingles else 0.0
    return shares


def quality(labels: dict[str, tuple[str, str]], output: Path, stories: dict[str, str] | None = None) -> dict:
    """Pairwise P/R, ARI, share of stories split, title accuracy, duplicates by method; given
    the stories' gold texts, also the share of documents cleaned well (``MOSTLY_STORY``) and
    pairwise P/R among those alone (what dedup can be asked to join)."""
    cluster, title, by_id, methods = stored_titles(output)
    truth = {name: story for name, (story, _) in labels.items()}
    scores = score(truth, cluster)
    cleaned: dict[str, float] = {}
    if stories is not None:
        shares = story_shares(output, stories, labels)
        well = {name: story for name, story in truth.items() if shares.get(name, 0.0) >= MOSTLY_STORY}
        kept = score(well, {name: cluster[name] for name in well})
        cleaned = {"well_cleaned": len(well) / len(truth), "well_precision": kept.precision, "well_recall": kept.recall}
    headlines: dict[str, set[str]] = {}
    for story, headline in labels.values():
        headlines.setdefault(story, set()).add(headline)
    clusters_of: dict[str, set[str]] = {}
    for name, story in truth.items():
        clusters_of.setdefault(story, set()).add(cluster.get(name, name))
    multi = [story for story, names in Counter(truth.values()).items() if names > 1]
    right = sum(
        any(same_title(t, h) for t in (title.get(name), by_id.get(cluster.get(name, ""))) for h in headlines[story])
        for name, (story, _) in labels.items()
    )
    return {
        "precision": scores.precision,
        "recall": scores.recall,
        "ari": scores.ari,
        "split": sum(len(clusters_of[s]) > 1 for s in multi) / len(multi) if multi else 0.0,
        "stories": len(headlines),
        "multi": len(multi),
        "titles": right / len(labels),
        "methods": methods,
        **cleaned,
    }


def parse_fold(text: str) -> tuple[int, int] | None:
    """``"1/2"`` -> ``(1, 2)``; ``"all"`` -> None."""
    if text == "all":
        return None
    fold, folds = (int(x) for x in text.split("/"))
    if not 0 <= fold < folds:
        raise argparse.ArgumentTypeError(f"fold must be K/F with 0 <= K < F, not {text}")
    return fold, folds


def main(argv: list[str] | None = None) -> int:
    from benchmarks.throughput import print_table, run_cli

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=10_000, help="documents")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--chrome-fold", type=parse_fold, default=(1, 2), help="K/F: chrome from sites of fold K of F, or 'all'"
    )
    parser.add_argument("--corpus-dir", type=Path, help="where the corpus is made and reused (default: a temp dir)")
    parser.add_argument("--workers", type=int, default=0, help="newsdedup --workers (0 = one per CPU)")
    parser.add_argument("--keep", type=Path, help="write the pipeline's output here and keep it")
    parser.add_argument("--score-only", action="store_true", help="score the output kept in --keep again, not rerun")
    args = parser.parse_args(argv)
    scratch = Path(tempfile.mkdtemp(prefix="newsdedup-syndication-"))
    try:
        corpus_dir = args.corpus_dir or scratch / "corpus"
        labels = corpus(corpus_dir, args.n, args.seed, args.chrome_fold)
        output = args.keep or scratch / "out"
        if output.exists() and not args.score_only:
            shutil.rmtree(output)
        if args.score_only:
            summary, wall, peak = json.loads((output / ".benchmark-summary.json").read_text()), float("nan"), 0
        else:
            summary, wall, peak, _ = run_cli(corpus_dir / "docs", output, args.workers)
            if args.keep:
                (output / ".benchmark-summary.json").write_text(json.dumps(summary))
        stories, _ = load_material(None, with_chrome=False)
        q = quality(labels, output, {story.page: "\n\n".join(story.paragraphs) for story in stories})
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    sizes = sorted(Counter(story for story, _ in labels.values()).values(), reverse=True)
    fold = "all sites" if args.chrome_fold is None else f"fold {args.chrome_fold[0]}/{args.chrome_fold[1]}"
    records = f"{summary['duplicates']:,} / {summary['rejects']:,}"
    methods = ", ".join(f"{m} {c:,}" for m, c in sorted(q["methods"].items()))
    print_table(
        [
            ("documents", f"{len(labels):,}"),
            ("stories (with 2+ documents)", f"{q['stories']:,} ({q['multi']:,})"),
            ("largest stories, documents", ", ".join(f"{s:,}" for s in itertools.islice(sizes, 5))),
            ("chrome from", fold),
            ("articles / duplicates / rejects", f"{summary['articles']:,} / {records}"),
            *([("duplicates by method", methods)] if methods else []),
            ("pairwise precision", f"{q['precision']:.4f}"),
            ("pairwise recall", f"{q['recall']:.4f}"),
            ("ARI", f"{q['ari']:.4f}"),
            ("stories split (of those with 2+ documents)", f"{q['split']:.1%}"),
            ("title accuracy", f"{q['titles']:.1%}"),
            (f"documents whose stored text is >= {MOSTLY_STORY:.0%} their story", f"{q['well_cleaned']:.1%}"),
            ("  among those: pairwise precision / recall", f"{q['well_precision']:.4f} / {q['well_recall']:.4f}"),
            ("wall s (incl. start-up)", f"{wall:,.1f}"),
            ("documents/s end to end", f"{len(labels) / wall:,.0f}"),
            ("peak RSS of the largest process, MiB", f"{peak / 2**20:,.0f}"),
        ]
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
