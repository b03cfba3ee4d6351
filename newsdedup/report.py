"""What a run did and what a dataset holds, as text for people: the CLI prints it and the
flow publishes it as Prefect artifacts."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import TYPE_CHECKING

from storage import clusters
from storage.dataset import Dataset

if TYPE_CHECKING:  # (newsdedup.commit imports dedup, datasketch and scipy: ~130 MiB that stats and show do not need)
    from newsdedup.commit import RunSummary


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
        f"| LSH candidate pairs verified | {summary.dedup_candidates} |",
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
    """The stories with the most copies (those a run added the most copies to, if ``run_id``
    is given).

    Returns rows of ``article_id``, ``title``, ``source_path``, ``cluster_size`` (current,
    from ``clusters/``) and ``copies`` (source paths of the duplicates; of the run's, if
    ``run_id`` is given), largest first. Only the rows of those stories are read.
    """
    if run_id is None:
        top = clusters.largest(dataset, limit)
    else:
        grown = clusters.run_growth(dataset, run_id)
        if grown is None or grown.num_rows == 0:
            return []
        rows = zip(grown["article_id"].to_pylist(), grown["copies_added"].to_pylist(), strict=True)
        top = sorted(rows, key=lambda row: (-row[1], row[0]))[:limit]
    if not top:
        return []
    ids = [article_id for article_id, _ in top]
    sizes = clusters.cluster_sizes(dataset, ids)
    duplicates = dataset.read_matching("duplicates", "canonical_id", ids, ["canonical_id", "source_path", "run_id"])
    copies: dict[str, list[str]] = {}
    for row in [] if duplicates is None else duplicates.to_pylist():
        if run_id is None or row["run_id"] == run_id:
            copies.setdefault(row["canonical_id"], []).append(row["source_path"])
    articles = dataset.read_matching("articles", "article_id", ids, ["article_id", "title", "source_path"])
    by_id = {row["article_id"]: row for row in ([] if articles is None else articles.to_pylist())}
    return [
        {**by_id[c], "cluster_size": sizes.get(c, 1), "copies": sorted(copies.get(c, []))} for c in ids if c in by_id
    ]


#: Runs ``dataset_summary`` lists (the latest): a scheduled output gathers thousands.
RECENT_RUNS = 5

#: Article columns ``show`` prints, in order, after the title (and before the text).
SHOWN_FIELDS = ("article_id", "source_path", "format", "section", "url", "published", "word_count", "cluster_size")


def dataset_summary(dataset: Dataset, clusters: int = 5) -> dict:
    """What a dataset holds, as plain values (JSON-ready): table sizes, rejects by reason,
    the number of runs and the latest ``RECENT_RUNS``, the signature settings and the
    ``clusters`` largest duplicate clusters."""
    summary: dict = {"dataset": dataset.root}
    summary.update({t: dataset.count(t) for t in ("articles", "duplicates", "rejects")})
    rejects = dataset.read("rejects", ["reason"])
    reasons = Counter(rejects["reason"].to_pylist()) if rejects is not None else Counter()
    summary["rejects_by_reason"] = dict(sorted(reasons.items()))
    runs = dataset.read("runs", ["run_id", "started_at", "files_read", "articles", "duplicates", "rejects"])
    ordered = sorted(runs.to_pylist(), key=lambda r: r["started_at"]) if runs is not None else []
    summary["runs"] = len(ordered)
    summary["recent_runs"] = [{**run, "started_at": run["started_at"].isoformat()} for run in ordered[-RECENT_RUNS:]]
    settings = dataset.manifest.signature_settings or {}
    summary["signature_settings"] = {k.removeprefix("newsdedup."): v for k, v in settings.items()}
    summary["files"] = {table: len(files) for table, files in dataset.manifest.files.items()}
    summary["largest_clusters"] = [
        {key: cluster[key] for key in ("article_id", "title", "source_path", "cluster_size")}
        for cluster in largest_clusters(dataset, limit=clusters)
    ]
    return summary


def dataset_markdown(summary: dict) -> str:
    """A dataset's contents (``dataset_summary``) as text: table sizes, rejects by reason,
    runs, signature settings and the largest clusters."""
    lines = [
        f"Dataset {summary['dataset']}",
        f"  articles:   {summary['articles']:,}",
        f"  duplicates: {summary['duplicates']:,}",
        f"  rejects:    {summary['rejects']:,}",
    ]
    lines += [f"    {reason}: {count:,}" for reason, count in summary["rejects_by_reason"].items()]
    if summary["runs"]:
        lines.append(f"  runs:       {summary['runs']:,}")
        for run in summary["recent_runs"]:
            started = datetime.fromisoformat(run["started_at"])
            lines.append(
                f"    {run['run_id']}  {started:%Y-%m-%d %H:%M} UTC  {run['files_read']} files -> "
                f"{run['articles']} articles, {run['duplicates']} duplicates, {run['rejects']} rejects"
            )
    if summary.get("files"):
        lines.append("  files:      " + ", ".join(f"{table} {count:,}" for table, count in summary["files"].items()))
    if summary["signature_settings"]:
        lines.append("  signatures: " + ", ".join(f"{k}={v}" for k, v in summary["signature_settings"].items()))
    if summary["largest_clusters"]:
        lines.append("  largest clusters:")
        for cluster in summary["largest_clusters"]:
            lines.append(f"    {cluster['cluster_size']:>4}  {cluster['article_id']}  {_text(cluster['title'])}")
    return "\n".join(lines)


def article_with_copies(dataset: Dataset, article_id: str) -> dict | None:
    """One article (``SHOWN_FIELDS``, title and text) and its duplicates (method,
    similarity, source path, title), or None if ``article_id`` is not in ``dataset``.

    Only the columns shown are read, and of the text only the row groups that hold the
    article (``Dataset.read_matching``): not the whole table.
    """
    wanted = ["title", *SHOWN_FIELDS, "text"]
    found = dataset.read_matching("articles", "article_id", [article_id], wanted)
    if found is None or found.num_rows == 0:
        return None
    article = found.slice(0, 1).to_pylist()[0]
    article["cluster_size"] = clusters.cluster_sizes(dataset, [article_id]).get(article_id, 1)  # the current size
    columns = ["method", "similarity", "source_path", "title"]
    copies = dataset.read_matching("duplicates", "canonical_id", [article_id], columns)
    article["duplicates"] = copies.to_pylist() if copies is not None else []
    return article


def article_json(article: dict) -> dict:
    """``article_with_copies``'s article with its timestamps as ISO 8601 strings."""
    return {k: v.isoformat() if isinstance(v, datetime) else v for k, v in article.items()}


def article_text(article: dict) -> str:
    """``article_with_copies``'s article as text for people; missing fields are left empty."""
    lines = [_text(article["title"]), ""]
    lines += [f"{name + ':':14}{_text(article[name])}".rstrip() for name in SHOWN_FIELDS]
    lines += ["", _text(article["text"]), "", f"duplicates ({len(article['duplicates'])}):"]
    lines += [
        f"  {copy['method']:9} {copy['similarity']:.2f}  {copy['source_path']}  {_text(copy['title'])}"
        for copy in article["duplicates"]
    ]
    return "\n".join(lines)


def _text(value: object) -> str:
    """A field as printed: empty when missing (never ``None``)."""
    return "" if value is None else str(value)
