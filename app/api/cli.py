"""`flask xf reissue-api-keys` (added to the `xf` group by app/registry.py)."""

from __future__ import annotations

import click
from flask.cli import with_appcontext


@click.command("reissue-api-keys")
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
