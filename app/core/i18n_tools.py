"""Catalog maintenance: `python -m app.core.i18n_tools extract|report` (used by `make i18n`).

The zh catalog must cover every string a user can see — ours and Flask-AppBuilder's, whose own
zh catalog is stale (2018, 141 strings, some fuzzy). So extraction reads both our sources and
FAB's package; our catalog, loaded after FAB's, wins for every msgid.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "translations"
POT = TRANSLATIONS / "messages.pot"
ZH_PO = TRANSLATIONS / "zh" / "LC_MESSAGES" / "messages.po"
KEYWORDS = ["_", "gettext", "ngettext:1,2", "lazy_gettext", "_l", "lazy_formatter_gettext"]
# FAB sources whose strings can reach our pages (not its OAuth/LDAP/SAML/registration views).
FAB_EXCLUDE = ("saml", "oauth", "ldap", "register", "charts", "tests")


def fab_dir() -> Path:
    import flask_appbuilder

    return Path(flask_appbuilder.__file__).resolve().parent


def extract() -> None:
    sources = [str(ROOT / "app")]
    fab = fab_dir()
    for path in sorted(fab.rglob("*")):
        rel = path.relative_to(fab).as_posix()
        if path.suffix not in (".py", ".html") or any(part in rel for part in FAB_EXCLUDE):
            continue
        sources.append(str(path))
    args = ["pybabel", "extract", "-F", str(TRANSLATIONS / "babel.cfg"), "-o", str(POT),
            "--sort-by-file", "--no-wrap", "--project", "xinfang", "--add-location", "file"]
    for keyword in KEYWORDS:
        args += ["-k", keyword]
    # Relative paths keep machine-specific venv locations out of the catalog.
    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        CommandLineInterface().run([*args, *[os.path.relpath(s, ROOT) for s in sources]])
    finally:
        os.chdir(cwd)
    if not ZH_PO.exists():
        CommandLineInterface().run(["pybabel", "init", "-i", str(POT), "-d", str(TRANSLATIONS), "-l", "zh", "--no-wrap"])


def untranslated(po_path: Path = ZH_PO) -> list[str]:
    with po_path.open("rb") as fh:
        catalog = read_po(fh)
    missing = []
    for message in catalog:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy or not all(strings):
            missing.append(message.id if isinstance(message.id, str) else message.id[0])
    return missing


def _load(po_path: Path):
    with po_path.open("rb") as fh:
        return read_po(fh)


def _save(catalog, po_path: Path) -> None:
    from babel.messages.pofile import write_po

    with po_path.open("wb") as fh:
        write_po(fh, catalog, width=0, sort_by_file=True)


def fill(source: str) -> None:
    """Set translations from a JSON file {msgid: msgstr} (only where the msgid exists)."""
    import json

    mapping = json.loads(Path(source).read_text(encoding="utf-8"))
    catalog = _load(ZH_PO)
    filled = 0
    for message in catalog:
        if message.id and isinstance(message.id, str) and message.id in mapping:
            message.string = mapping[message.id]
            message.flags.discard("fuzzy")
            filled += 1
    _save(catalog, ZH_PO)
    print(f"filled {filled} of {len(mapping)}")


def import_fab() -> None:
    """Take Flask-AppBuilder's own zh translation for msgids we have not translated yet."""
    theirs = _load(fab_dir() / "translations" / "zh" / "LC_MESSAGES" / "messages.po")
    catalog = _load(ZH_PO)
    taken = 0
    for message in catalog:
        if not message.id or message.string:
            continue
        other = theirs.get(message.id)
        if other is not None and other.string and not other.fuzzy:
            message.string = other.string
            taken += 1
    _save(catalog, ZH_PO)
    print(f"took {taken} translations from Flask-AppBuilder's catalog")


def dump_missing(target: str) -> None:
    """Write the untranslated msgids to a JSON file {msgid: ""} for translating in bulk."""
    import json

    Path(target).write_text(
        json.dumps({m: "" for m in untranslated()}, ensure_ascii=False, indent=1), encoding="utf-8"
    )


def report() -> None:
    missing = untranslated()
    print(f"{ZH_PO.relative_to(ROOT)}: {len(missing)} strings without a Chinese translation")
    for msgid in missing[:50]:
        print("  ", msgid)


if __name__ == "__main__":
    commands = {"extract": extract, "report": report, "fill": fill, "import-fab": import_fab,
                "dump-missing": dump_missing}
    commands[sys.argv[1]](*sys.argv[2:])
