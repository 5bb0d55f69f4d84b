"""`flask xf send-outbox` (added to the `xf` group by app/registry.py)."""

from __future__ import annotations

import click
from flask.cli import with_appcontext


@click.command("send-outbox")
@click.option("--limit", default=200, show_default=True, help="At most this many messages in one run.")
@with_appcontext
def send_outbox(limit: int) -> None:
    """Send the e-mails and text messages that are due (with retries); prints the counts."""
    from app.core.clock import now
    from app.extensions import db
    from app.notifications import deliver_outbox

    report = deliver_outbox(db.session, now(), limit=limit)
    click.echo(f"sent {report.sent}, failed {report.failed}, still due {report.remaining}")
