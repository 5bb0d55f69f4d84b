"""`flask xf …`: set-up commands (database, roles, first start)."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext


@click.group()
def xf() -> None:
    """Set-up and maintenance of the 信访 platform."""


@xf.command("sync-roles")
@with_appcontext
def sync_roles() -> None:
    """Create the permissions and the seven roles exactly as app/security/roles.py says."""
    current_app.appbuilder.sm.sync_roles()
    click.echo("roles synchronised")


@xf.command("init")
@click.option("--demo/--no-demo", default=True, help="Load the demo county when the database is empty.")
@with_appcontext
def init(demo: bool) -> None:
    """Upgrade the schema, synchronise roles and, on first start, load the demo county."""
    from flask_migrate import upgrade

    from app.core.database import write_transactions
    from seed.demo import database_is_empty, load_demo

    upgrade()
    with write_transactions():
        current_app.appbuilder.sm.sync_roles()
        if demo and database_is_empty():
            click.echo("first start: loading the demo county …")
            load_demo()
            click.echo("demo county loaded")


@xf.command("unlock")
@click.argument("username")
@with_appcontext
def unlock(username: str) -> None:
    """Lift the lockout of USERNAME (after too many wrong passwords)."""
    from app.core.database import write_transactions
    from app.extensions import db

    sm = current_app.appbuilder.sm
    with write_transactions():
        user = sm.find_user(username=username)
        if user is None:
            raise click.ClickException(f"no user {username!r}")
        sm.unlock_user(user)
        db.session.commit()
    click.echo(f"{username} unlocked")


@xf.command("logins")
@click.option("--url", default="http://127.0.0.1:5000", help="Where the app is served.")
@with_appcontext
def logins(url: str) -> None:
    """Print the demo logins (only in demo mode)."""
    from seed.data import DEMO_PASSWORD
    from seed.demo import demo_logins

    if not current_app.config.get("DEMO_MODE"):
        return
    click.echo(f"\n  信访工作管理平台 — {url}\n  Demo logins (password {DEMO_PASSWORD}):")
    for login, role, org in demo_logins():
        click.echo(f"    {login:<18} {role:<6} {org}")
    click.echo("")


@xf.command("worker")
@click.option("--tick", default=10.0, show_default=True,
              help="Seconds between tries of each job (each job still runs once per slot).")
@with_appcontext
def worker(tick: float) -> None:
    """Run the scheduled jobs and the Excel imports until stopped (Ctrl-C or SIGTERM).

    Run one or more beside the web servers, against the same database (app/worker/)."""
    import logging

    from app.worker.runner import run_worker

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("apscheduler").setLevel(logging.WARNING)  # not a line per try
    run_worker(current_app._get_current_object(), tick=tick)
