"""Two worker processes against one database (real subprocesses, `flask xf worker`): each
scheduled job runs exactly once per slot, one that ends is taken over by the other, and a reminder
is recorded once."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select, update

from app.cases.models import Case
from app.core.clock import now
from app.worker.models import JobRun, ReminderSent

ROOT = Path(__file__).resolve().parents[2]
FLASK = str(Path(sys.executable).with_name("flask"))


def start_worker(database_uri: str, tmp_path: Path, name: str) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": database_uri,
        "SECRET_KEY": "test-secret-key-not-for-production",
        "XF_INSTANCE_DIR": str(tmp_path / name),
        "XF_WORKER_INTERVALS": json.dumps({"reminders": 2, "outbox": 2, "imports": 1}),
        "RATELIMIT_ENABLED": "0",
    }
    log = (tmp_path / f"{name}.log").open("w")
    return subprocess.Popen([FLASK, "--app", "run", "xf", "worker", "--tick", "0.3"], cwd=ROOT, env=env,
                            stdout=log, stderr=subprocess.STDOUT)


def wait_for_runs(db_session, workers, enough) -> list[tuple[str, str]]:
    """Poll the job runs until `enough(runs)`; if nothing satisfies it in 300 s, make the
    workers print their threads' stacks into their logs (SIGUSR1) for the failure."""
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        runs = db_session.execute(select(JobRun.name, JobRun.holder).where(JobRun.outcome == "done")).all()
        if enough(runs):
            return runs
        time.sleep(0.5)
    for worker in workers:
        if worker.poll() is None:
            worker.send_signal(signal.SIGUSR1)
    time.sleep(2)
    return runs


def test_two_workers_run_each_job_once_per_slot(database_uri, db_session, tmp_path):
    # One case past its deadline: the reminders job has something to record.
    case_id = db_session.execute(
        select(Case.id).where(Case.status == "handling", Case.responsible_unit_id.is_not(None))
        .order_by(Case.id).limit(1)).scalar_one()
    db_session.execute(update(Case).where(Case.id == case_id).values(next_due_at=now() - timedelta(days=1)))
    workers = [start_worker(database_uri, tmp_path, name) for name in ("w1", "w2")]
    try:
        # Both run side by side; each slot goes to whoever comes first — with fixed ticks that
        # can be the same process every time. Then the one that ran most stops, and the other
        # must carry on with the next slots (a worker that ends is taken over). On a loaded
        # machine a first run may take long: up to 300 s per phase, stacks dumped if nothing moves.
        reminders = wait_for_runs(db_session, workers, lambda runs: sum(n == "reminders" for n, _h in runs) >= 4)
        first = Counter(h for _n, h in reminders).most_common(1)[0][0]
        leaving = next(w for w in workers if first.rsplit(":", 2)[1] == str(w.pid))
        leaving.send_signal(signal.SIGTERM)
        leaving.wait(timeout=60)
        wait_for_runs(db_session, workers, lambda runs: sum(n == "reminders" and h != first for n, h in runs) >= 2)
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.send_signal(signal.SIGTERM)
        for worker in workers:
            worker.wait(timeout=60)
    logs = "\n".join((tmp_path / f"{n}.log").read_text() for n in ("w1", "w2"))
    assert all(w.returncode == 0 for w in workers), logs
    runs = db_session.execute(select(JobRun)).scalars().all()
    per_slot = Counter((r.name, r.slot_at) for r in runs)
    assert per_slot and max(per_slot.values()) == 1, sorted(per_slot.items())
    slots = Counter(name for name, _slot in per_slot)
    assert slots["reminders"] >= 3 and slots["outbox"] >= 3, (slots, logs)
    assert {r.outcome for r in runs} == {"done"}, [(r.name, r.detail) for r in runs if r.outcome != "done"]
    # Both processes took part: the second carried on when the first ended.
    assert len({r.holder for r in runs}) == 2, logs
    # The overdue case was reminded once, however many runs saw it.
    sent = db_session.execute(select(ReminderSent).where(
        ReminderSent.subject == "case", ReminderSent.subject_id == case_id)).scalars().all()
    assert [(s.kind, s.stage) for s in sent] == [("overdue", "handling")]
    assert json.loads(sent[0].recipients), "the holders of the case are named"
