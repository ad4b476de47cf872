"""Read the package's import graph from source (AST): module-level and function-level imports."""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src"


@dataclass(frozen=True)
class Import:
    """One import statement: who imports what, and whether it sits inside a function."""

    module: str
    target: str
    line: int
    nested: bool


def module_name(path: Path) -> str:
    """Dotted module name of a source file under src/."""
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _targets(node: ast.Import | ast.ImportFrom, known: set[str]) -> list[str]:
    if isinstance(node, ast.Import):
        return [a.name for a in node.names]
    base = node.module or ""
    out = []
    for alias in node.names:
        full = f"{base}.{alias.name}"
        out.append(full if full in known else base)
    return out


def _type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def imports(package: str = "wfhaudit") -> list[Import]:
    """Every import in the package, TYPE_CHECKING blocks left out (they never run)."""
    files = sorted((SRC / package).rglob("*.py"))
    known = {module_name(f) for f in files}
    found: list[Import] = []
    for path in files:
        name = module_name(path)
        tree = ast.parse(path.read_text(encoding="utf-8"))

        def walk(node: ast.AST, nested: bool, mod: str = name) -> None:
            for child in ast.iter_child_nodes(node):
                if isinstance(child, ast.If) and _type_checking(child):
                    continue
                if isinstance(child, (ast.Import, ast.ImportFrom)):
                    found.extend(Import(mod, target, child.lineno, nested)
                                 for target in _targets(child, known))
                inner = nested or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef))
                walk(child, inner)

        walk(tree, False)
    return found
