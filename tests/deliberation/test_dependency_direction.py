"""Deliberation never imports the voting app: voting depends on deliberation, and what
deliberation needs of elections it asks through its ballot port (deliberation/ballot.py), which
voting registers at start-up."""

from __future__ import annotations

import ast
from pathlib import Path

import deliberation

ROOT = Path(deliberation.__file__).parent
# Ways to reach a module by its name at run time instead of by an import statement.
DYNAMIC = {"import_module", "__import__", "get_model", "get_app_config"}


def voting_references(source: str) -> list[str]:
    """Each import of ``voting`` (or a module under it) in ``source``, at any depth, and each
    ``import_module("voting…")`` / ``apps.get_model("voting", …)`` style lookup."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            modules = [node.module or ""]
        elif isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            modules = [
                arg.value
                for arg in node.args[:1]
                if name in DYNAMIC and isinstance(arg, ast.Constant) and isinstance(arg.value, str)
            ]
        else:
            continue
        found += [f"line {node.lineno}: {m}" for m in modules if m.split(".")[0] == "voting"]
    return found


def test_no_deliberation_module_imports_voting():
    offending = {
        str(path.relative_to(ROOT.parent)): refs
        for path in sorted(ROOT.rglob("*.py"))
        if (refs := voting_references(path.read_text(encoding="utf-8")))
    }
    assert offending == {}


def test_the_check_sees_imports_hidden_in_functions_and_lookups_by_name():
    source = (
        "from django.apps import apps\n"
        "def place():\n"
        "    from voting.models import Option\n"
        "    import voting.services.drafting\n"
        "    return apps.get_model('voting', 'Question')\n"
    )
    assert voting_references(source) == [
        "line 3: voting.models",
        "line 4: voting.services.drafting",
        "line 5: voting",
    ]
    assert voting_references("from votingx import y\nimport convention.models\n") == []
