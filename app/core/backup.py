"""`flask backup FILE` / `flask restore FILE`: the whole database and the attachments, in one file.

The backup is a gzip'd tar archive:

- ``manifest.json`` — format, database kind, schema revision, when;
- ``database.sqlite3`` (SQLite's online backup API: a consistent copy while the app runs) or
  ``database.pgdump`` (``pg_dump -Fc`` of the same major version as the server);
- ``uploads/…`` — the attachment files.

Restore replaces the database's content in one transaction (SQLite: the backup API writes the
copy into the live file; PostgreSQL: the schema is dropped and the dump replayed by ``psql
--single-transaction``, so a failure leaves the database as it was), then swaps the upload
folder. Stop the app's other processes first; run ``flask db upgrade`` afterwards if the backup
is from an older release (the command says so).

Both tell listeners (the audit log, app/audit/backups.py): `backup_starting` before the copy is
made, `restored` after the restore.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess  # noqa: S404 — runs pg_dump/pg_restore/psql with fixed arguments, no shell
import tarfile
import tempfile
from pathlib import Path
from typing import Any

import click
from blinker import Namespace
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import text
from sqlalchemy.engine import make_url

from app.core import clock

FORMAT = 1
SQLITE_NAME = "database.sqlite3"
PG_NAME = "database.pgdump"

signals = Namespace()
# sender: the backup file; sent before the copy is made.
backup_starting = signals.signal("backup-starting")
# sender: the backup file; with `manifest` (what the backup says of itself) and `engine`.
restored = signals.signal("restored")


class BackupError(click.ClickException):
    """A backup or restore that cannot go on; the message says why."""


# --- helpers ------------------------------------------------------------------------------------


def _engine():
    from app.extensions import db

    return db.engine


def _dialect() -> str:
    return _engine().dialect.name


def _revision() -> str | None:
    with _engine().connect() as conn:
        try:
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
        except Exception:  # noqa: BLE001 — an unmigrated database has no revision
            return None


def _upload_folder() -> Path:
    return Path(current_app.config["UPLOAD_FOLDER"])


def _release_connections() -> None:
    """No pooled connection may hold the database while it is copied over."""
    from app.extensions import db

    db.session.remove()
    db.engine.dispose()


def _sqlite_path() -> str:
    database = _engine().url.database
    if not database or database == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up")
    return database


def _pg_env() -> dict[str, str]:
    """libpq settings for the app's database (the password travels in the environment, not argv)."""
    url = make_url(str(_engine().url.render_as_string(hide_password=False)))
    env = dict(os.environ)
    for key, value in (
        ("PGHOST", url.host),
        ("PGPORT", str(url.port) if url.port else None),
        ("PGUSER", url.username),
        ("PGPASSWORD", url.password),
        ("PGDATABASE", url.database),
    ):
        if value:
            env[key] = value
    return env


def pg_binary(name: str) -> str:
    """`name` (pg_dump, pg_restore, psql) of the server's major version or newer.

    pg_dump refuses to dump a newer server, and Debian installs each major version side by
    side under /usr/lib/postgresql/N/bin; PG_BIN_DIR overrides the search.
    """
    override = current_app.config.get("PG_BIN_DIR") or os.environ.get("PG_BIN_DIR")
    if override:
        return str(Path(override) / name)
    with _engine().connect() as conn:
        server_major = int(conn.execute(text("SHOW server_version_num")).scalar()) // 10000
    candidates = []
    for directory in Path("/usr/lib/postgresql").glob("*/bin"):
        try:
            major = int(directory.parent.name)
        except ValueError:
            continue
        if major >= server_major and (directory / name).exists():
            candidates.append((major, directory / name))
    if candidates:
        return str(min(candidates)[1])
    found = shutil.which(name)
    if found:
        return found
    raise BackupError(f"{name} (PostgreSQL {server_major} or newer) was not found; set PG_BIN_DIR")


def _run(args: list[str]) -> None:
    result = subprocess.run(args, env=_pg_env(), capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode != 0:
        raise BackupError(f"{Path(args[0]).name} failed: {result.stderr.strip()[-2000:]}")


# --- backup ---------------------------------------------------------------------------------------


def create_backup(target: Path) -> dict[str, Any]:
    """Write the backup archive to `target`; returns its manifest."""
    dialect = _dialect()
    if dialect not in ("sqlite", "postgresql"):
        raise BackupError(f"backups of {dialect} databases are not supported")
    manifest = {
        "format": FORMAT,
        "dialect": dialect,
        "revision": _revision(),
        "created_at": clock.now().isoformat(timespec="seconds"),
    }
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="xf-backup-") as work:
        work_dir = Path(work)
        if dialect == "sqlite":
            dump = work_dir / SQLITE_NAME
            source = sqlite3.connect(_sqlite_path())
            copy = sqlite3.connect(dump)
            try:
                source.backup(copy)
            finally:
                copy.close()
                source.close()
        else:
            dump = work_dir / PG_NAME
            _run([pg_binary("pg_dump"), "--format=custom", "--no-owner", "--no-privileges", "-f", str(dump)])
        (work_dir / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2))
        partial = target.with_name(target.name + ".partial")
        with tarfile.open(partial, "w:gz") as archive:
            archive.add(work_dir / "manifest.json", arcname="manifest.json")
            archive.add(dump, arcname=dump.name)
            uploads = _upload_folder()
            if uploads.is_dir():
                archive.add(uploads, arcname="uploads", filter=_skip_partial_uploads)
        os.replace(partial, target)
    target.chmod(0o600)
    return manifest


def _skip_partial_uploads(info: tarfile.TarInfo) -> tarfile.TarInfo | None:
    return None if Path(info.name).name.startswith(".upload-") else info


# --- restore --------------------------------------------------------------------------------------


def restore_backup(source: Path) -> dict[str, Any]:
    """Replace the database and the attachments with the content of the archive `source`."""
    dialect = _dialect()
    with tempfile.TemporaryDirectory(prefix="xf-restore-") as work:
        work_dir = Path(work)
        try:
            with tarfile.open(source, "r:gz") as archive:
                archive.extractall(work_dir, filter="data")
        except (tarfile.TarError, OSError) as exc:
            raise BackupError(f"{source} is not a backup made by `flask backup`: {exc}") from exc
        manifest_path = work_dir / "manifest.json"
        if not manifest_path.is_file():
            raise BackupError(f"{source} has no manifest: not a backup made by `flask backup`")
        manifest = json.loads(manifest_path.read_text())
        if manifest.get("format") != FORMAT:
            raise BackupError(f"unknown backup format {manifest.get('format')!r}")
        if manifest.get("dialect") != dialect:
            raise BackupError(
                f"this backup is of a {manifest.get('dialect')} database; the app uses {dialect}"
            )
        _release_connections()
        if dialect == "sqlite":
            _restore_sqlite(work_dir / SQLITE_NAME)
        else:
            _restore_postgresql(work_dir / PG_NAME)
        _release_connections()
        _swap_uploads(work_dir / "uploads")
    return manifest


def _restore_sqlite(dump: Path) -> None:
    if not dump.is_file():
        raise BackupError("the backup holds no SQLite database")
    source = sqlite3.connect(dump)
    target = sqlite3.connect(_sqlite_path(), timeout=30)
    try:
        # The online backup API writes the copy into the live database in one transaction.
        source.backup(target)
    finally:
        target.close()
        source.close()


def _restore_postgresql(dump: Path) -> None:
    if not dump.is_file():
        raise BackupError("the backup holds no PostgreSQL dump")
    with tempfile.NamedTemporaryFile("w+", suffix=".sql", delete=False) as script:
        script_path = Path(script.name)
    try:
        _run([pg_binary("pg_restore"), "--no-owner", "--no-privileges", "-f", str(script_path), str(dump)])
        body = script_path.read_text()
        # Replace everything in one transaction: if any statement fails, nothing changed.
        script_path.write_text(
            "DROP SCHEMA IF EXISTS public CASCADE;\nCREATE SCHEMA public;\n" + body
        )
        _run([pg_binary("psql"), "--no-psqlrc", "--quiet", "--single-transaction",
              "-v", "ON_ERROR_STOP=1", "-f", str(script_path)])
    finally:
        script_path.unlink(missing_ok=True)


def _swap_uploads(restored: Path) -> None:
    folder = _upload_folder()
    previous = folder.with_name(folder.name + ".before-restore")
    if previous.exists():
        shutil.rmtree(previous)
    if folder.exists():
        folder.rename(previous)
    if restored.is_dir():
        shutil.copytree(restored, folder)
    else:
        folder.mkdir(parents=True, exist_ok=True)
    if previous.exists():
        shutil.rmtree(previous)


# --- commands -------------------------------------------------------------------------------------


@click.command("backup")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def backup(file: Path) -> None:
    """Back up the database and the attachments into FILE (a .tar.gz archive)."""
    # Sent first, so that the backup itself holds the audit entry saying it was taken.
    backup_starting.send(file)
    manifest = create_backup(file)
    click.echo(f"backup written to {file} ({manifest['dialect']}, revision {manifest['revision']})")


@click.command("restore")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@with_appcontext
def restore(file: Path, yes: bool) -> None:
    """Replace the database and the attachments with the backup FILE."""
    if not yes:
        click.confirm(
            "This replaces ALL data in the database and the attachments with the backup. Go on?",
            abort=True,
        )
    manifest = restore_backup(file)
    click.echo(f"restored {file} (made {manifest['created_at']}, revision {manifest['revision']})")
    restored.send(file, manifest=manifest, engine=_engine())
    from alembic.script import ScriptDirectory
    from flask_migrate import Migrate  # noqa: F401 — the extension holds the migration folder

    config = current_app.extensions["migrate"].migrate.get_config()
    head = ScriptDirectory.from_config(config).get_current_head()
    if manifest.get("revision") != head:
        click.echo("the backup is from another schema revision: run `flask db upgrade` now")
