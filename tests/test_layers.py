"""The layers import downward only, read from the source with `ast` (nothing is imported).

faces:      api/ (HTTP), cli/ (command line)   may use everything below, never each other's
                                               insides except cli -> api (it runs the app)
sides:      indexer/ (write)                   never imports api/ or cli/
foundation: vectors/, graph/, kg/              never import api/, cli/ or indexer/
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# package -> the top-level packages of this project it must not import
FORBIDDEN = {
    "api": {"indexer", "cli"},
    "indexer": {"api", "cli"},
    "vectors": {"api", "cli", "indexer"},
    "graph": {"api", "cli", "indexer"},
    "kg": {"api", "cli", "indexer", "vectors"},
}


def _imports(path: Path) -> list[tuple[int, str]]:
    """(line, top-level module) of every import in a file, including function-local ones."""
    tree = ast.parse(path.read_text("utf-8"), str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name.split(".")[0]) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module.split(".")[0]))
    return found


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_package_imports_only_downward(package: str) -> None:
    files = sorted((ROOT / package).rglob("*.py"))
    assert files, f"{package}/ has no modules"
    wrong = [
        f"{path.relative_to(ROOT)}:{line} imports {module}"
        for path in files
        for line, module in _imports(path)
        if module in FORBIDDEN[package]
    ]
    assert not wrong, "\n".join(wrong)


def test_the_walker_sees_local_imports(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from indexer.store import X\n    import api.app\n")
    assert _imports(module) == [(2, "indexer"), (3, "api")]
