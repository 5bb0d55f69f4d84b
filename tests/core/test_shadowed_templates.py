"""Our copies of Flask-AppBuilder's templates (app/templates/appbuilder/) follow the FAB we pin.

A shadowed template replaces FAB's own whole: when an upgrade changes FAB's original (a fix, a
new block, a renamed variable), ours silently keeps the old one. app/templates/appbuilder/
fab_originals.json records the FAB version and the sha256 of each original we shadow; these
tests recompute them from the installed package, so an upgrade is a deliberate review."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import flask_appbuilder

OURS = Path(__file__).resolve().parents[2] / "app" / "templates"
FAB = Path(flask_appbuilder.__file__).resolve().parent / "templates"
RECORD_FILE = OURS / "appbuilder" / "fab_originals.json"
RECORD = json.loads(RECORD_FILE.read_text(encoding="utf-8"))
HOW = (f"compare FAB's template with ours, carry its changes over, then record the new hash and "
       f"version in {RECORD_FILE.relative_to(OURS.parents[1])}")


def shadowed() -> set[str]:
    """Every template of ours that has the path of one of FAB's (so FAB's is never used)."""
    return {str(p.relative_to(OURS)) for p in OURS.rglob("*") if p.is_file() and (FAB / p.relative_to(OURS)).is_file()}


def test_the_installed_fab_is_the_one_recorded():
    assert flask_appbuilder.__version__ == RECORD["flask_appbuilder"], (
        f"Flask-AppBuilder {flask_appbuilder.__version__} is installed, our shadowed templates were "
        f"checked against {RECORD['flask_appbuilder']}: for each template listed, {HOW}")


def test_every_shadowed_template_is_recorded():
    found = shadowed()
    assert found, "app/templates/appbuilder/ shadows FAB's templates: none found, the paths are wrong"
    recorded = set(RECORD["templates"])
    assert found - recorded == set(), f"shadowing FAB templates without a recorded hash: {sorted(found - recorded)}"
    assert recorded - found == set(), f"recorded but no longer shadowed (or gone from FAB): {sorted(recorded - found)}"


def test_fabs_originals_are_unchanged_since_they_were_recorded():
    changed = [name for name, digest in sorted(RECORD["templates"].items())
               if (FAB / name).is_file() and hashlib.sha256((FAB / name).read_bytes()).hexdigest() != digest]
    assert changed == [], (
        f"Flask-AppBuilder {flask_appbuilder.__version__} changed the originals of our shadowed templates "
        f"{changed}: {HOW}")
