"""`flask xf …`: set-up commands (database, roles, first start).

Areas add their own commands to the `xf` group when the app is created (`app/registry.py`
`AREA_COMMANDS`): core knows none of them."""

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


def refuse_demo_data_in_production() -> None:
    """Demo data (published logins and password, fictitious petitioners) never enters a
    production database."""
    from app.core.doctor import is_production

    if is_production():
        raise click.ClickException(
            "XF_ENV=production: refusing to load demo data (published logins and password). "
            "生产环境不加载演示数据。"
        )


@xf.command("init")
@click.option(
    "--demo/--no-demo", default=None,
    help="Load the demo county when the database is empty (default: yes, except with XF_ENV=production).",
)
@with_appcontext
def init(demo: bool | None) -> None:
    """Upgrade the schema, synchronise roles and, on first start, load the demo county."""
    from flask_migrate import upgrade

    from app.core.database import write_transactions
    from app.core.doctor import is_production
    from seed.demo import database_is_empty, load_demo

    if demo is None:
        demo = not is_production()
    if demo:
        refuse_demo_data_in_production()
    upgrade()
    with write_transactions():
        current_app.appbuilder.sm.sync_roles()
        if demo and database_is_empty():
            click.echo("first start: loading the demo county …")
            load_demo()
            click.echo("demo county loaded")
            from seed.demo_portal import CODES

            # Drawn at random (a code in the source would open the demo letters anywhere): shown once.
            for code, tail in CODES.values():
                click.echo(f"  demo query code {code}, phone ending {tail}: /portal/query")


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


@xf.command("doctor")
@with_appcontext
def doctor() -> None:
    """Check that this installation is fit for production (exit 1 if anything is not)."""
    from app.core.doctor import examine

    findings = examine()
    for finding in findings:
        mark = "✓" if finding.ok else "✗"
        click.echo(f"{mark} {finding.name}：{finding.explanation}")
    failed = [f for f in findings if not f.ok]
    if failed:
        raise click.ClickException(f"{len(failed)} / {len(findings)}")
