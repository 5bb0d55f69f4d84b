"""Dependencies run one way: the areas build on `app/core`, never the reverse (issue 17). Areas
hand core what it needs when the app is created (`app/registry.py`, hooks in core), so a core
module never imports an area package — not at the top, not inside a function."""

from __future__ import annotations

import ast
from pathlib import Path

APP = Path(__file__).resolve().parents[2] / "app"
CORE = APP / "core"

# What core may import from app/: itself and the shared extension objects.
ALLOWED = ("app.core", "app.extensions")

# Core modules still importing an area, left to the change that owns them: none left (scoping
# and privacy get the org policy and the personal-data grant by registration, app/registry.py).
NOT_YET: set[str] = set()


def _imports(path: Path) -> list[str]:
    """Every module `path` imports, relative imports made absolute."""
    package = ["app", *path.relative_to(APP).parent.parts]
    names = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            module = ".".join([*base, *([node.module] if node.module else [])])
            names.append(module)
            names.extend(f"{module}.{alias.name}" for alias in node.names)  # `from app import cases`
    return names


def _is_area(module: str) -> bool:
    parts = module.split(".")
    if parts[0] != "app" or len(parts) < 2:
        return False
    return not any(module == allowed or module.startswith(allowed + ".") for allowed in ALLOWED)


def _area_imports() -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for path in sorted(CORE.rglob("*.py")):
        modules = sorted({m for m in _imports(path) if _is_area(m)})
        if modules:
            found[path.relative_to(APP).as_posix()] = modules
    return found


def test_core_imports_no_area():
    found = {name: modules for name, modules in _area_imports().items() if name not in NOT_YET}
    assert found == {}


def test_the_exceptions_are_still_needed():
    """A file on the list that no longer imports an area comes off it."""
    found = _area_imports()
    assert sorted(name for name in NOT_YET if name not in found) == []
