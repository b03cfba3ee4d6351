"""The extraction benchmark's scoring and set loading helpers, on small made-up pages."""

from __future__ import annotations

from benchmarks.devsets import in_fold, site_of
from benchmarks.scoring import SnippetCounts, leaks_furniture, snippet_counts


def test_snippets_count_as_trafilatura_counts_them():
    output = "Nicaragua closed 2021 with a debt\nof 14 billion.\n\nRead more: other news"
    counts = snippet_counts(
        output,
        ["Nicaragua closed 2021 with a debt of 14 billion.", "The central bank said so."],
        ["Read more: other news", "Subscribe now"],
    )
    assert counts == SnippetCounts(true_positives=1, false_negatives=1, false_positives=1)
    total = counts + SnippetCounts(3, 0, 0)
    score = total.score()
    assert (score.precision, score.recall) == (4 / 5, 4 / 5)
    assert SnippetCounts().score().f1 == 0.0


def test_furniture_leaks_only_beyond_what_the_gold_has():
    gold = "The minister said the newsletter was related to the case."
    assert not leaks_furniture(gold, gold)
    assert leaks_furniture(gold + "\n\nSubscribe to our newsletter", gold)
    assert leaks_furniture("Share this story. " + gold, gold)


def test_sites_come_from_urls_and_fall_in_one_fold():
    assert site_of("https://www.nytimes.com/2023/12/22/opinion/x.html") == "nytimes.com"
    assert site_of("hard::100noticias.com-millones.html") == "100noticias.com"
    assert site_of("recall::elnuevoherald.com-miami.html") == "elnuevoherald.com"
    folds = [in_fold("example.com", fold, 3) for fold in range(3)]
    assert folds.count(True) == 1
