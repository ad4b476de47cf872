"""The import contract: lower layers never import higher ones, no cycles, lazy imports only of heavy libraries."""

from __future__ import annotations

import collections

from tests.contract.importgraph import Import, imports

# Lowest first. A module may import its own layer and any layer below it, never one above.
LAYERS: tuple[frozenset[str], ...] = (
    frozenset({"wfhaudit", "wfhaudit.errors", "wfhaudit.reasons", "wfhaudit.util"}),
    frozenset({"wfhaudit.facts", "wfhaudit.crypto"}),
    frozenset({"wfhaudit.policy"}),
    frozenset({"wfhaudit.host"}),
    frozenset({"wfhaudit.probes"}),
    frozenset({"wfhaudit.evaluate"}),
    frozenset({"wfhaudit.report"}),
    frozenset({"wfhaudit.judge"}),
    frozenset({"wfhaudit.trust"}),
    frozenset({"wfhaudit.verify"}),
    frozenset({"wfhaudit.fleet"}),
    frozenset({"wfhaudit.store", "wfhaudit.schedule"}),
    frozenset({"wfhaudit.app"}),
    frozenset({"wfhaudit.cli", "wfhaudit.__main__"}),
)
# Imported inside functions on purpose: heavy to import and not needed on every path.
LAZY_ALLOWED = frozenset({"rich", "jinja2", "cryptography", "speedtest", "jsonschema", "psutil",
                          "platformdirs", "rfc8785", "resource", "psycopg"})


def layer_of(module: str) -> int:
    """Index of the layer a module belongs to (its longest matching prefix)."""
    best, found = -1, -1
    for i, layer in enumerate(LAYERS):
        for prefix in layer:
            if (module == prefix or module.startswith(prefix + ".")) and len(prefix) > best:
                best, found = len(prefix), i
    assert found >= 0, f"{module} is in no layer: add it to LAYERS"
    return found


def _internal(found: list[Import]) -> list[Import]:
    return [i for i in found if i.target == "wfhaudit" or i.target.startswith("wfhaudit.")]


def test_lower_layers_never_import_higher_ones() -> None:
    bad = [f"{i.module}:{i.line} imports {i.target}" for i in _internal(imports())
           if layer_of(i.target) > layer_of(i.module)]
    assert not bad, "\n".join(bad)


def test_click_only_in_the_cli() -> None:
    bad = [f"{i.module}:{i.line}" for i in imports() if i.target.split(".")[0] == "click"
           and layer_of(i.module) != layer_of("wfhaudit.cli")]
    assert not bad, bad


def test_no_import_cycles() -> None:
    graph: dict[str, set[str]] = collections.defaultdict(set)
    for i in _internal(imports()):
        if i.target != i.module:
            graph[i.module].add(i.target)
    state: dict[str, int] = {}
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt):], nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        path.pop()
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state:
            cycle = visit(start)
            assert cycle is None, " -> ".join(cycle)


def test_function_level_imports_only_for_heavy_libraries() -> None:
    bad = [f"{i.module}:{i.line} imports {i.target} inside a function" for i in imports()
           if i.nested and i.target.split(".")[0] not in LAZY_ALLOWED]
    assert not bad, "\n".join(bad)


def test_the_contract_sees_the_package() -> None:
    found = imports()
    assert len({i.module for i in found}) > 100
    assert any(i.nested for i in found)  # the lazy imports are seen, so the rule can fail
