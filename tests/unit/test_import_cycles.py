"""No import circles: in the SDK package, between the server apps, and across the two.

The graph is read from the source with `ast`, every import counted wherever it is written: at
the top of a module, inside a function (an import put there to dodge a circle is still one) or
under `if TYPE_CHECKING:`. The server reaches into the SDK only through `skylift.contract`.
"""

from __future__ import annotations

import ast
from pathlib import Path

from tests.unit.source_ast import parse

REPO = Path(__file__).resolve().parents[2]
SDK_ROOT = REPO / "clients" / "python"
SERVER_APPS = [
    "accounts",
    "apps",
    "billing",
    "builds",
    "config",
    "functions",
    "hosts",
    "processes",
    "vault",
    "state",
    "volumes",
    "web",
]


def _modules(root: Path, package: str) -> dict[str, Path]:
    found = {}
    for path in sorted((root / package).rglob("*.py")):
        parts = path.relative_to(root).with_suffix("").parts
        if "migrations" in parts or "_api" in parts:  # generated code
            continue
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


def _imports(name: str, path: Path, known: dict[str, Path]) -> set[str]:
    """The modules of `known` that the module `name` imports, anywhere in its body."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    targets: set[str] = set()
    for node in ast.walk(parse(path)):
        if isinstance(node, ast.Import):
            targets.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                submodule = f"{base}.{alias.name}"
                targets.add(submodule if submodule in known else base)
    edges = set()
    for target in targets:
        # `import a.b.c` runs a.b.c; the closest module we know stands for it.
        while target and target not in known:
            target = target.rpartition(".")[0]
        # A module's own package is already being imported when the module runs: not an edge.
        if target and target != name and not name.startswith(target + "."):
            edges.add(target)
    return edges


def _graph(modules: dict[str, Path]) -> dict[str, set[str]]:
    return {name: _imports(name, path, modules) for name, path in modules.items()}


def _cycles(graph: dict[str, set[str]]) -> list[set[str]]:
    """The strongly connected components with more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[set[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.add(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(component)

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def _sdk() -> dict[str, Path]:
    return _modules(SDK_ROOT, "skylift")


def _server() -> dict[str, Path]:
    modules: dict[str, Path] = {}
    for app in SERVER_APPS:
        modules.update(_modules(REPO, app))
    return modules


def test_it_finds_a_circle_hidden_in_a_function(tmp_path):
    # given two modules that import each other, one of them inside a function
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("")
    (tmp_path / "pkg" / "a.py").write_text("from . import b\n")
    (tmp_path / "pkg" / "b.py").write_text("def f():\n    from .a import x\n    return x\n")
    (tmp_path / "pkg" / "c.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import pkg.a\n"
    )
    # when
    cycles = _cycles(_graph(_modules(tmp_path, "pkg")))
    # then
    assert cycles == [{"pkg.a", "pkg.b"}]


def test_it_has_no_import_circle_in_the_sdk():
    assert _cycles(_graph(_sdk())) == []


def test_it_has_no_import_circle_in_the_server():
    assert _cycles(_graph(_server())) == []


def test_it_has_the_server_import_the_sdk_only_through_its_contract():
    sdk = _sdk()
    server = _server()
    reached = {
        (name, target)
        for name, path in server.items()
        for target in _imports(name, path, {**server, **sdk})
        if target.startswith("skylift")
    }
    # `skylift` itself too: the host agent mounts the package's folder into containers.
    allowed = {"skylift", "skylift.contract"} | {name for name in sdk if name.startswith("skylift.contract.")}
    assert sorted((name, target) for name, target in reached if target not in allowed) == []
