"""What a run did and what a dataset holds, as text for people: the CLI prints it and the
flow publishes it as Prefect artifacts."""

from __future__ import annotations

from collections import Counter

import pyarrow as pa
import pyarrow.compute as pc

from storage.commit import RunSummary
from storage.dataset import Dataset


def run_markdown(summary: RunSummary) -> str:
    """The run summary as markdown: counts, rejects by reason, duplicate rate, time per stage."""
    placed = summary.articles + summary.duplicates
    rate = summary.duplicates / placed if placed else 0.0
    lines = [
        f"# Ingest run `{summary.run_id}`",
        "",
        f"Output: `{summary.output}`",
        "",
        "| measure | count |",
        "|---|---:|",
        f"| files read | {summary.files_read} |",
        f"| files unchanged since an earlier run (skipped) | {summary.files_unchanged} |",
        f"| files of other types (skipped) | {sum(summary.other_types.values())} |",
        f"| records read | {summary.records_read} |",
        f"| articles kept | {summary.articles} |",
        f"| duplicates set aside | {summary.duplicates} |",
        f"| rejects | {summary.rejects} |",
        f"| records already ingested (skipped) | {summary.skipped_known} |",
        f"| duplicate rate | {rate:.1%} |",
        "",
    ]
    if summary.rejects_by_reason:
        lines += ["## Rejects by reason", "", "| reason | count |", "|---|---:|"]
        lines += [f"| {reason} | {count} |" for reason, count in summary.rejects_by_reason.items()]
        lines.append("")
    if summary.other_types:
        lines += ["## Files of other types (skipped)", "", "| type | files |", "|---|---:|"]
        lines += [f"| {kind} | {count} |" for kind, count in summary.other_types.items()]
        lines.append("")
    if summary.seconds_by_stage:
        lines += ["## Time per stage", "", "| stage | seconds |", "|---|---:|"]
        lines += [f"| {stage} | {seconds:.2f} |" for stage, seconds in summary.seconds_by_stage.items()]
    return "\n".join(lines)


def largest_clusters(dataset: Dataset, run_id: str | None = None, limit: int = 10) -> list[dict]:
    """The stories with the most copies (those a run added, if ``run_id`` is given).

    Returns rows of ``article_id``, ``title``, ``source_path``, ``cluster_size`` and
    ``copies`` (source paths of the duplicates), largest first.
    """
    duplicates = dataset.read("duplicates", ["canonical_id", "source_path", "run_id"])
    if duplicates is None or duplicates.num_rows == 0:
        return []
    if run_id is not None:
        duplicates = duplicates.filter(pc.equal(duplicates["run_id"], run_id))
    copies: dict[str, list[str]] = {}
    for canonical, source in zip(
        duplicates["canonical_id"].to_pylist(), duplicates["source_path"].to_pylist(), strict=True
    ):
        copies.setdefault(canonical, []).append(source)
    top = [canonical for canonical, _ in Counter({c: len(s) for c, s in copies.items()}).most_common(limit)]
    articles = dataset.read("articles", ["article_id", "title", "source_path", "cluster_size"])
    wanted = articles.filter(pc.is_in(articles["article_id"], value_set=pa.array(top, pa.string())))
    by_id = {row["article_id"]: row for row in wanted.to_pylist()}
    return [{**by_id[c], "copies": sorted(copies[c])} for c in top if c in by_id]


def dataset_markdown(dataset: Dataset) -> str:
    """A dataset's contents: table sizes, rejects by reason, runs."""
    counts = {t: dataset.count(t) for t in ("articles", "duplicates", "rejects")}
    lines = [
        f"Dataset {dataset.root}",
        f"  articles:   {counts['articles']:,}",
        f"  duplicates: {counts['duplicates']:,}",
        f"  rejects:    {counts['rejects']:,}",
    ]
    rejects = dataset.read("rejects", ["reason"])
    if rejects is not None and rejects.num_rows:
        for reason, count in sorted(Counter(rejects["reason"].to_pylist()).items()):
            lines.append(f"    {reason}: {count:,}")
    runs = dataset.read("runs", ["run_id", "started_at", "files_read", "articles", "duplicates", "rejects"])
    if runs is not None and runs.num_rows:
        lines.append(f"  runs:       {runs.num_rows:,}")
        for run in sorted(runs.to_pylist(), key=lambda r: r["started_at"])[-5:]:
            lines.append(
                f"    {run['run_id']}  {run['started_at']:%Y-%m-%d %H:%M} UTC  {run['files_read']} files -> "
                f"{run['articles']} articles, {run['duplicates']} duplicates, {run['rejects']} rejects"
            )
    settings = dataset.manifest.signature_settings
    if settings:
        lines.append("  signatures: " + ", ".join(f"{k.removeprefix('newsdedup.')}={v}" for k, v in settings.items()))
    return "\n".join(lines)
