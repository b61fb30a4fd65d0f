"""The voting app's modules import one another one way only: no cycle, not even through an
import tucked inside a function. Services hand work to tasks by name (``voting.outbox``);
drafting and the lifecycle share the definition's checks (``voting.services.definition``)."""

from __future__ import annotations

import ast
from pathlib import Path

import voting

ROOT = Path(voting.__file__).parent


def module_name(path: Path, root: Path) -> str:
    parts = path.relative_to(root.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _type_checking(node: ast.AST) -> bool:
    test = getattr(node, "test", None)
    return isinstance(node, ast.If) and (
        (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING")
        or (isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")
    )


def _runtime_nodes(tree: ast.AST):
    """Every node of ``tree`` except what sits under ``if TYPE_CHECKING:`` (never run)."""
    for child in ast.iter_child_nodes(tree):
        if _type_checking(child):
            yield from (n for e in child.orelse for n in [e, *_runtime_nodes(e)])
            continue
        yield child
        yield from _runtime_nodes(child)


def imported_names(path: Path, root: Path) -> set[str]:
    """Every module ``path`` imports when run, at module level or inside a function; for
    ``from a import b`` both ``a`` and ``a.b`` (``b`` may be a module)."""
    here = module_name(path, root)
    package = here if path.name == "__init__.py" else here.rpartition(".")[0]
    names: set[str] = set()
    for node in _runtime_nodes(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module or ""
            names.add(source)
            names.update(f"{source}.{alias.name}" for alias in node.names)
    return names


def import_graph(paths: list[Path], root: Path = ROOT) -> dict[str, set[str]]:
    """Module → the modules among ``paths`` it imports."""
    modules = {module_name(p, root): p for p in paths}
    return {
        name: {other for other in imported_names(path, root) if other in modules and other != name}
        for name, path in modules.items()
    }


def find_cycle(graph: dict[str, set[str]]) -> list[str]:
    """One cycle of ``graph`` as a path of module names, or [] if there is none."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str]:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return path[path.index(nxt) :] + [nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        state[node] = 2
        path.pop()
        return []

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return []


def voting_modules() -> list[Path]:
    return [p for p in ROOT.rglob("*.py") if "migrations" not in p.parts]


def test_voting_modules_import_each_other_without_a_cycle():
    graph = import_graph(voting_modules())
    assert "voting.services.lifecycle" in graph["voting.services.drafting"]
    assert "voting.services.tally" in graph["voting.tasks"]
    assert find_cycle(graph) == []


def test_services_name_tasks_instead_of_importing_them():
    graph = import_graph(voting_modules())
    for name, imports in graph.items():
        if name.startswith("voting.services") or name == "voting.outbox":
            assert "voting.tasks" not in imports, name


def test_the_cycle_finder_finds_a_cycle_hidden_in_a_function(tmp_path):
    """The check itself can fail: two modules importing each other, one of them lazily."""
    package = tmp_path / "voting"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("from voting import b\n")
    (package / "b.py").write_text("def f():\n    from . import a\n    return a\n")
    (package / "c.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import voting.d\n"
    )
    (package / "d.py").write_text("import voting.c\n")
    graph = import_graph(list(package.glob("*.py")), package)
    assert graph["voting.c"] == set()  # an import only type checkers run is no edge
    assert find_cycle(graph) == ["voting.a", "voting.b", "voting.a"]
