"""`flask seed …`: the demo county and bulk data for benchmarks."""

from __future__ import annotations

import click
from flask.cli import with_appcontext


@click.group()
def seed() -> None:
    """Load demonstration or benchmark data."""


@seed.command("demo")
@click.option("--cases", default=500, show_default=True, help="How many demo cases.")
@with_appcontext
def demo(cases: int) -> None:
    """Load the demo county (refuses if the database already has an org tree)."""
    from app.core.cli import refuse_demo_data_in_production
    from app.core.database import write_transactions
    from seed.demo import database_is_empty, demo_logins, load_demo

    refuse_demo_data_in_production()
    with write_transactions():
        if not database_is_empty():
            raise click.ClickException("the database already holds an org tree; not loading the demo")
        load_demo(cases=cases)
    click.echo(f"demo county loaded with {cases} cases")
    for login, role, org in demo_logins():
        click.echo(f"  {login:<18} {role:<6} {org}")


@seed.command("bulk")
@click.option("--cases", "count", type=int, required=True, help="How many cases to add.")
@click.option("--years", default=3.0, show_default=True, help="Spread them over this many years.")
@with_appcontext
def bulk(count: int, years: float) -> None:
    """Add COUNT generated cases quickly (benchmarks); the demo county must exist."""
    from app.core.cli import refuse_demo_data_in_production
    from seed.bulk import generate

    refuse_demo_data_in_production()  # fictitious petitioners never enter a production database

    def progress(done: int) -> None:
        click.echo(f"\r  {done:>10,} / {count:,}", nl=False)

    result = generate(count, years=years, progress=progress)
    click.echo(f"\n{result['cases']:,} cases in {result['seconds']} s (indexes {result['index_seconds']} s)")


@seed.command("notifications")
@click.option("--count", type=int, required=True, help="How many notifications to add.")
@with_appcontext
def notifications(count: int) -> None:
    """Add COUNT notifications about existing cases (benchmarks of the bell and the list)."""
    from app.core.cli import refuse_demo_data_in_production
    from seed.bulk import generate_notifications

    refuse_demo_data_in_production()

    result = generate_notifications(count)
    click.echo(f"{result['notifications']:,} notifications in {result['seconds']} s")
