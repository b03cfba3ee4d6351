"""storage/ is the ground floor: it imports none of the floors above it."""

from __future__ import annotations

import ast

from tests.conftest import REPO

#: Packages above storage/ (docs/design.md, "The layers"): storage must not import them.
ABOVE = {"parsers", "dedup", "newsdedup", "flows", "benchmarks"}


def imported_packages(path) -> set[str]:
    """Top-level packages a module imports (at any depth of its code, type-checking blocks included)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found


def test_storage_imports_neither_parsers_nor_dedup_nor_anything_above():
    modules = sorted((REPO / "storage").glob("*.py"))
    assert len(modules) >= 5
    offending = {path.name: sorted(imported_packages(path) & ABOVE) for path in modules}
    assert {name: above for name, above in offending.items() if above} == {}


def test_the_scan_sees_an_import_from_above(tmp_path):
    module = tmp_path / "bad.py"
    module.write_text("def f():\n    from dedup.partitioned import KNOWN\n    import parsers.discover\n")
    assert imported_packages(module) == {"dedup", "parsers"}
