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


@xf.command("reissue-api-keys")
@click.option("--source", default=None, help="Only the API client with this source.")
@click.option("--yes", is_flag=True, help="Do not ask first (for scripts).")
@with_appcontext
def reissue_api_keys(source: str | None, yes: bool) -> None:
    """After a change of SECRET_KEY: revoke every client's keys and issue each a new one.

    A new SECRET_KEY makes every API key already handed out invalid (app/api/keys.py says why).
    The new keys are printed once: hand each to its platform.
    """
    from app.api.keys import reissue_keys
    from app.core.database import write_transactions

    if not yes:
        click.confirm(
            "Revoke the API keys of every active client and issue new ones? "
            "吊销所有接口客户端的现有密钥并签发新密钥？",
            abort=True,
        )
    with write_transactions():
        done = reissue_keys(source)
    if not done:
        click.echo("no API client holds a live key; nothing re-issued / 没有需要重新签发的密钥")
        return
    for item in done:
        click.echo(f"{item.client} ({item.source}): {item.key}   [revoked {item.revoked}]")
    click.echo("Each key is shown only now: hand it to its platform. 新密钥仅显示这一次，请交给对应平台。")


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


@xf.command("send-outbox")
@click.option("--limit", default=200, show_default=True, help="At most this many messages in one run.")
@with_appcontext
def send_outbox(limit: int) -> None:
    """Send the e-mails and text messages that are due (with retries); prints the counts."""
    from app.core.clock import now
    from app.extensions import db
    from app.notifications import deliver_outbox

    report = deliver_outbox(db.session, now(), limit=limit)
    click.echo(f"sent {report.sent}, failed {report.failed}, still due {report.remaining}")


@xf.command("worker")
@click.option("--tick", default=10.0, show_default=True,
              help="Seconds between tries of each job (each job still runs once per slot).")
@with_appcontext
def worker(tick: float) -> None:
    """Run the scheduled jobs and the Excel imports until stopped (Ctrl-C or SIGTERM).

    Run one or more beside the web servers, against the same database (app/worker/).
    `kill -USR1 <pid>` prints every thread's stack (to see what a slow job is waiting on)."""
    import faulthandler
    import logging
    import signal

    from app.worker.runner import run_worker

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("apscheduler").setLevel(logging.WARNING)  # not a line per try
    faulthandler.register(signal.SIGUSR1, all_threads=True)
    run_worker(current_app._get_current_object(), tick=tick)
