"""The README's downstream-reading examples run, as written, against a real dataset."""

from __future__ import annotations

import contextlib
import io
import re
import shutil

from tests.conftest import REPO, SEEDS


def readme_examples() -> list[str]:
    readme = (REPO / "README.md").read_text()
    section = readme.split("## Reading the data", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```python\n(.*?)```", section, flags=re.S)


def test_readme_has_examples_for_every_reader():
    examples = "\n".join(readme_examples())
    for reader in ("import pyarrow.dataset", "import pandas", "import duckdb", "import polars"):
        assert reader in examples


def test_readme_examples_run_on_a_dataset(run_ingest, tmp_path, monkeypatch):
    inbox = tmp_path / "inbox"
    shutil.copytree(SEEDS, inbox)
    (inbox / "copy.txt").write_text((SEEDS / "003_809269d57f52441b.txt").read_text())
    (inbox / "empty.txt").write_text("")
    run_ingest([inbox], tmp_path / "out")
    monkeypatch.chdir(tmp_path)

    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        for example in readme_examples():
            exec(compile(example, "README.md", "exec"), {})
    output = printed.getvalue()
    assert "2 articles of more than 100 words" in output
    assert "Kono hurries to meet Pompeo" in output  # pandas and DuckDB joins
    assert "empty" in output  # Polars: rejects by reason
