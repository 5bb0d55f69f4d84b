"""`flask xf worker` (added to the `xf` group by app/registry.py)."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext


@click.command("worker")
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
