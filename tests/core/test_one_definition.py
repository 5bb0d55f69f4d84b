"""Rules and helpers that had drifted apart as copies now have one definition each: a second
copy under its old name fails here (issue 17, "Rules written twice")."""

from __future__ import annotations

import ast
from pathlib import Path

APP = Path(__file__).resolve().parents[2] / "app"

# name → the one module allowed to define it (None: no module defines it any more).
ONE_HOME = {
    "may": "security/access.py",
    "has_permission": None,
    "_may": None,
    "_can": None,
    "run_step": "core/record_page.py",
    "show_problems": "core/record_page.py",
    "ShowsEveryProblem": "core/record_page.py",
    "due_cell": "cases/cells.py",
    "_due_cell": None,
    "flag_cell": "cases/cells.py",
    "_flag_cell": None,
    "display": "core/display.py",
    "cell": None,
    "notice_title": "cases/notices.py",
    "person_clause": "core/privacy.py",
    "raise_problems": "core/errors.py",
}


def _definitions() -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for path in sorted(APP.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) and node.name in ONE_HOME:
                found.setdefault(node.name, []).append(path.relative_to(APP).as_posix())
    return found


def test_each_rule_and_helper_is_defined_once_in_its_home():
    found = _definitions()
    for name, home in ONE_HOME.items():
        expected = [home] if home else []
        assert found.get(name, []) == expected, (name, found.get(name))


def test_views_ask_permissions_through_may():
    """Area views and the API ask `security.access.may`, not the security manager directly
    (app/core/views.py and listing.py keep FAB's own call: core is not to depend on the areas)."""
    allowed = {"security/access.py", "core/views.py", "core/listing.py"}
    asking = sorted(
        path.relative_to(APP).as_posix() for path in APP.rglob("*.py")
        if "sm.has_access(" in path.read_text(encoding="utf-8") and path.relative_to(APP).as_posix() not in allowed
    )
    assert asking == []


def test_problems_are_raised_through_one_helper():
    """"Every problem of a form, then one DomainErrors" is `errors.raise_problems`, not a copy of it."""
    copies = sorted(
        path.relative_to(APP).as_posix() for path in APP.rglob("*.py")
        if "raise DomainErrors(problems)" in path.read_text(encoding="utf-8")
        and path.relative_to(APP).as_posix() != "core/errors.py"
    )
    assert copies == []
