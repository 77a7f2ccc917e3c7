"""The package's import graph has no cycles, not even behind function-local imports.

grimp (the graph library under import-linter) records every import statement, including
those inside functions and under ``if TYPE_CHECKING:``; a strongly connected component
of more than one module is a cycle (docs/architecture.md, "No import cycles"). The
components come from scipy's ``connected_components(connection="strong")``.
"""

from __future__ import annotations

import grimp
import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components


def cycles(adj: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one node, each sorted, sorted."""
    nodes = sorted(set(adj) | {b for targets in adj.values() for b in targets})
    index = {m: i for i, m in enumerate(nodes)}
    edges = [(index[a], index[b]) for a, targets in adj.items() for b in targets]
    rows = np.asarray([a for a, _ in edges], dtype=np.int64)
    cols = np.asarray([b for _, b in edges], dtype=np.int64)
    graph = csr_matrix((np.ones(len(edges)), (rows, cols)), shape=(len(nodes), len(nodes)))
    _n, labels = connected_components(graph, directed=True, connection="strong")
    comps: dict[int, list[str]] = {}
    for m, label in zip(nodes, labels, strict=True):
        comps.setdefault(int(label), []).append(m)
    return sorted(sorted(c) for c in comps.values() if len(c) > 1)


def test_cycle_finder_finds_a_planted_cycle() -> None:
    adj = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": set()}
    assert cycles(adj) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []
    # Two separate cycles, one of them through a node only ever imported.
    assert cycles({"x": {"y"}, "y": {"x"}, "p": {"q"}, "q": {"p", "z"}}) == [
        ["p", "q"],
        ["x", "y"],
    ]


def test_cycle_finder_finds_a_cycle_planted_in_the_package_graph() -> None:
    """The finder works on the graph as built from the package, not only on toy input."""
    graph = grimp.build_graph("shieldlab")
    graph.add_import(importer="shieldlab.errors", imported="shieldlab.montecarlo.runner")
    found = cycles(_adjacency(graph))
    assert any({"shieldlab.errors", "shieldlab.montecarlo.runner"} <= set(c) for c in found)


def _adjacency(graph: grimp.ImportGraph) -> dict[str, set[str]]:
    modules = {m for m in graph.modules if m == "shieldlab" or m.startswith("shieldlab.")}
    return {
        m: {x for x in graph.find_modules_directly_imported_by(m) if x in modules} for m in modules
    }


def test_no_import_cycles_in_shieldlab() -> None:
    graph = grimp.build_graph("shieldlab")
    found = cycles(_adjacency(graph))
    detail = [
        f"{a} -> {b} (line {d[0]['line_number']})"
        for comp in found
        for a in comp
        for b in comp
        if (d := graph.get_import_details(importer=a, imported=b))
    ]
    assert found == [], "\n".join(detail)
