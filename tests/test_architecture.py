"""The architecture, checked from the source as text: layers import only downwards, no module imports itself back
through others, no function is longer than a screen, and the public API is exactly ``qbalance.__all__``.

The checks read the code with :mod:`ast` (nothing is imported), count every import — module level, inside functions
and under ``TYPE_CHECKING`` alike — and are themselves tested on small packages written to ``tmp_path``: one that
obeys the rules and one with an upward import and a cycle, so a broken checker cannot pass silently.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "qbalance"

LAYERS: list[tuple[str, ...]] = [
    ("_base", "_kernels"),  # errors, safe documents, vocabulary | pure numpy kernels
    ("_units",),
    ("_dsl",),
    ("_packs",),
    ("_data",),
    ("_engine",),
    ("_report",),
    ("_api",),
    ("_workflow",),
    ("_cli",),
]
"""Bottom to top. A package may import its own modules and packages of a lower rank, never one of the same or a
higher rank. Kept in step with the table in docs/design.md (checked below)."""

TOP_LEVEL = {"__init__": None, "__main__": None, "_version": -1}
"""Modules outside the layer packages: the public facade and ``python -m qbalance`` (may import anything) and the
version (imports nothing)."""

MAX_FUNCTION_LINES = 80


def _module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__" and len(parts) > 1:
        parts = parts[:-1]
    return ".".join(parts)


def _targets(tree: ast.AST, module: str, is_package: bool) -> set[str]:
    """Every module of the package named by an import in ``tree`` (relative imports resolved)."""
    base = module.split(".") if is_package else module.split(".")[:-1]
    if module == "__init__":
        base = []
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                anchor = base[: len(base) - (node.level - 1)] if node.level > 1 else base
                stem = ".".join(anchor + ([node.module] if node.module else []))
            elif node.module == "qbalance":
                stem = "__init__"  # the public facade, from inside the package
            elif node.module and node.module.startswith("qbalance."):
                stem = node.module.removeprefix("qbalance.")
            else:
                continue
            out.add(stem)
            if stem != "__init__":
                out.update(f"{stem}.{a.name}" if stem else a.name for a in node.names)
        elif isinstance(node, ast.Import):
            out.update(a.name.removeprefix("qbalance.") for a in node.names if a.name.startswith("qbalance."))
            out.update("__init__" for a in node.names if a.name == "qbalance")
    return out


def import_graph(root: Path) -> dict[str, set[str]]:
    """Module → the modules of the same package it imports (by name relative to the package root)."""
    files = {_module_name(f, root): f for f in sorted(root.rglob("*.py"))}
    graph: dict[str, set[str]] = {}
    for name, f in files.items():
        tree = ast.parse(f.read_text(encoding="utf-8"))
        found = _targets(tree, name, f.name == "__init__.py" and name != "__init__")
        graph[name] = {t for t in found if t in files and t != name}
    return graph


def _rank(module: str, layers: list[tuple[str, ...]]) -> int | None:
    top = module.split(".")[0]
    for i, group in enumerate(layers):
        if top in group:
            return i
    return None


def layer_violations(graph: dict[str, set[str]], layers: list[tuple[str, ...]]) -> list[str]:
    """Imports that go sideways or upwards between layer packages, and modules that belong to no layer."""
    problems: list[str] = []
    for module, targets in sorted(graph.items()):
        if module in TOP_LEVEL:
            if TOP_LEVEL[module] == -1 and targets:
                problems.append(f"{module} must import nothing from the package, imports {sorted(targets)}")
            continue
        rank = _rank(module, layers)
        if rank is None:
            problems.append(f"{module} is in no layer package")
            continue
        for target in sorted(targets):
            if target in TOP_LEVEL:
                if TOP_LEVEL[target] is None:
                    problems.append(f"{module} imports the public facade {target}")
                continue
            trank = _rank(target, layers)
            same_package = target.split(".")[0] == module.split(".")[0]
            if not same_package and (trank is None or trank >= rank):
                problems.append(f"{module} (layer {rank}) imports {target} (layer {trank})")
    return problems


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def long_functions(root: Path, limit: int = MAX_FUNCTION_LINES) -> list[str]:
    """Functions and methods longer than ``limit`` lines (decorators excluded, docstrings included)."""
    out: list[str] = []
    for f in sorted(root.rglob("*.py")):
        for node in ast.walk(ast.parse(f.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.end_lineno is not None:
                n = node.end_lineno - node.lineno + 1
                if n > limit:
                    out.append(f"{f.relative_to(root)}:{node.lineno} {node.name} ({n} lines)")
    return out


# -- the checker, on packages made for the purpose -------------------------------------------------------------------

TOY_LAYERS: list[tuple[str, ...]] = [("_low",), ("_high",)]


def _toy(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def test_the_checker_accepts_a_package_that_imports_downwards(tmp_path: Path) -> None:
    root = _toy(
        tmp_path / "toy",
        {
            "__init__.py": "from ._high.b import f\n",
            "_version.py": "v = 1\n",
            "_low/__init__.py": '"""low"""\n',
            "_low/a.py": "X = 1\n",
            "_low/c.py": "from .a import X\n",
            "_high/__init__.py": '"""high"""\n',
            "_high/b.py": "from .._low.a import X\nfrom .._version import v\ndef f():\n    from .._low.c import X\n",
        },
    )
    graph = import_graph(root)
    assert graph["_high.b"] == {"_low.a", "_low.c", "_version"}
    assert layer_violations(graph, TOY_LAYERS) == []
    assert cycles(graph) == []


def test_the_checker_reports_an_upward_import_and_a_cycle(tmp_path: Path) -> None:
    # _low.a imports _high.b inside a function, and _high.b imports _low.a: an upward import that closes a cycle.
    root = _toy(
        tmp_path / "toy",
        {
            "__init__.py": "",
            "_low/__init__.py": "",
            "_low/a.py": "def g():\n    from .._high.b import f\n",
            "_high/__init__.py": "",
            "_high/b.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .._low.a import g\n",
            "_high/x.py": "from .y import Y\n",
            "_high/y.py": "import qbalance\nfrom .x import X\n",
            "stray.py": "",
        },
    )
    graph = import_graph(root)
    assert layer_violations(graph, TOY_LAYERS) == [
        "_high.y imports the public facade __init__",  # `import qbalance` from inside reaches every layer
        "_low.a (layer 0) imports _high.b (layer 1)",
        "stray is in no layer package",
    ]
    assert cycles(graph) == [["_high.b", "_low.a"], ["_high.x", "_high.y"]]


def test_the_checker_finds_long_functions(tmp_path: Path) -> None:
    body = "".join(f"    x{i} = {i}\n" for i in range(80))
    root = _toy(tmp_path / "toy", {"m.py": f"def short():\n    pass\n\n\ndef long():\n{body}"})
    assert long_functions(root) == ["m.py:5 long (81 lines)"]


# -- the real package ------------------------------------------------------------------------------------------------


def test_layers_import_only_downwards() -> None:
    assert layer_violations(import_graph(SRC), LAYERS) == []


def test_no_import_cycles_between_modules() -> None:
    assert cycles(import_graph(SRC)) == []


def test_no_function_longer_than_a_screen() -> None:
    assert long_functions(SRC) == []


def test_every_layer_package_says_what_it_owns_and_may_import() -> None:
    for group in LAYERS:
        for package in group:
            doc = ast.get_docstring(ast.parse((SRC / package / "__init__.py").read_text(encoding="utf-8")))
            assert doc is not None and "May import" in doc, package


def test_layer_packages_export_nothing() -> None:
    # The public API is qbalance.*; a layer's __init__ is only its docstring, so no second way in exists.
    for group in LAYERS:
        for package in group:
            tree = ast.parse((SRC / package / "__init__.py").read_text(encoding="utf-8"))
            assert [type(n).__name__ for n in tree.body] == ["Expr"], package


def test_design_doc_names_the_packages_as_they_are() -> None:
    text = (SRC.parents[1] / "docs" / "design.md").read_text(encoding="utf-8")
    packages = {p.name for p in SRC.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    assert packages == {p for group in LAYERS for p in group}
    for package in packages:
        row = next((ln for ln in text.splitlines() if ln.startswith(f"| `{package}/` |")), None)
        assert row is not None, package
        listed = set(re.findall(r"`([\w.]+/?)`", row.split(" | ")[1]))
        directory = SRC / package
        actual = {f.name for f in directory.iterdir() if f.suffix in (".py", ".txt") and f.name != "__init__.py"}
        actual |= {f.name + "/" for f in directory.iterdir() if (f / "__init__.py").exists()}
        assert listed == actual, package


@pytest.mark.parametrize("module", sorted(import_graph(SRC)))
def test_every_module_has_a_docstring(module: str) -> None:
    path = SRC / (module.replace(".", "/") + ".py")
    if not path.exists():
        path = SRC / module.replace(".", "/") / "__init__.py"
    assert ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))), module
