"""The package's modules import one way: from the payoff language up to the command line.

The graph is read from the source (every import statement, those inside functions too), so an
import hidden in a function to dodge a loop counts as much as one at the top.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "model"


def _modules() -> dict[str, Path]:
    out = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out[name] = path
    return out


MODULES = _modules()


def _targets(module: str, node: ast.Import | ast.ImportFrom) -> list[str]:
    if isinstance(node, ast.Import):
        return [a.name for a in node.names]
    package = module if MODULES[module].name == "__init__.py" else module.rsplit(".", 1)[0]
    if node.level:
        parts = package.split(".")
        base = ".".join(parts[:len(parts) - node.level + 1] + ([node.module] if node.module
                                                                else []))
    else:
        base = node.module or ""
    return [f"{base}.{a.name}" if f"{base}.{a.name}" in MODULES else base for a in node.names]


def _graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for module, path in MODULES.items():
        deps: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                deps.update(t for t in _targets(module, node) if t in MODULES and t != module)
        graph[module] = deps
    return graph


GRAPH = _graph()


def test_the_graph_is_read() -> None:
    assert "model.solvers.equilibria" in GRAPH["model"]
    assert "model.payoffs.compile" in GRAPH["model.load"]
    assert len(GRAPH) > 50


def test_no_module_imports_itself_back() -> None:
    """No cycle, however long (Tarjan's strongly connected components)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    cycles: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in sorted(GRAPH[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                cycles.append(sorted(comp))

    for v in sorted(GRAPH):
        if v not in index:
            visit(v)
    assert cycles == []


def test_the_solvers_stand_on_their_own() -> None:
    """model.solvers needs nothing of the package but its errors and limits."""
    allowed = {"model.errors", "model.limits"}
    for module, deps in GRAPH.items():
        if module.startswith("model.solvers"):
            outside = {d for d in deps if not d.startswith("model.solvers")} - allowed
            assert not outside, f"{module} imports {sorted(outside)}"


def test_only_the_command_line_imports_the_command_line() -> None:
    for module, deps in GRAPH.items():
        if module.startswith("model.cli") or module == "model.__main__":
            continue
        bad = {d for d in deps if d.startswith("model.cli")}
        assert not bad, f"{module} imports {sorted(bad)}"


def test_only_the_command_line_asks_for_pictures() -> None:
    """Pictures are made by model.report.plots (the map's by model.report.map_plot, which
    plots re-exports) and asked for by the front ends only (the command line, the app): no
    computing module draws."""
    pictures = {"model.report.plots", "model.report.map_plot"}
    front_ends = ("model.cli", "model.app")
    callers = {m for m, deps in GRAPH.items() if pictures & set(deps)
               and not m.startswith(front_ends) and m not in pictures}
    assert callers == set(), sorted(callers)


# The stages of the data's way, lowest first. A module imports only from its own stage and the
# stages below it; modules of one row are independent of each other's rows only where the
# test above says so (the solvers), not here.
STAGES: list[tuple[str, ...]] = [
    ("model._version", "model.errors", "model.lifeline", "model.limits", "model.io", "model.text"),
    ("model.solvers", "model.payoffs"),
    ("model.game", "model._assemble", "model.setting", "model.provenance", "model.rules",
     "model.load", "model.nfg"),
    ("model.analysis", "model.negotiation"),
    ("model.dynamics", "model.sensitivity"),
    ("model.episodes", "model.api"),
    ("model.report",),
    ("model.app",),
    ("model.cli", "model.__main__"),
]


def _stage(module: str) -> int:
    if module == "model":
        return len(STAGES)
    for k, prefixes in enumerate(STAGES):
        if any(module == p or module.startswith(p + ".") for p in prefixes):
            return k
    raise AssertionError(f"{module} belongs to no stage: add it to STAGES")


def test_every_module_has_a_stage() -> None:
    for module in GRAPH:
        _stage(module)


def test_no_module_imports_from_a_stage_above_it() -> None:
    upward = sorted(f"{m} (stage {_stage(m)}) imports {d} (stage {_stage(d)})"
                    for m, deps in GRAPH.items() for d in deps if _stage(d) > _stage(m))
    assert upward == [], "\n".join(upward)


def test_the_payoff_language_stands_on_its_own() -> None:
    for module, deps in GRAPH.items():
        if module.startswith("model.payoffs"):
            outside = {d for d in deps if _stage(d) != 0 and not d.startswith("model.payoffs")}
            assert not outside, f"{module} imports {sorted(outside)}"
