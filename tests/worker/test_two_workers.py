"""Two worker processes against one database (real subprocesses, `flask xf worker`): each
scheduled job runs exactly once per slot, and a reminder is recorded once."""

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


def test_two_workers_run_each_job_once_per_slot(database_uri, db_session, tmp_path):
    # One case past its deadline: the reminders job has something to record.
    case_id = db_session.execute(
        select(Case.id).where(Case.status == "handling", Case.responsible_unit_id.is_not(None))
        .order_by(Case.id).limit(1)).scalar_one()
    db_session.execute(update(Case).where(Case.id == case_id).values(next_due_at=now() - timedelta(days=1)))
    workers = [start_worker(database_uri, tmp_path, name) for name in ("w1", "w2")]
    try:
        # Let both start (creating the app takes a few seconds), then run several slots. On a
        # loaded machine (CI: two cores, the rest of the suite beside) a first run may take long:
        # wait while runs keep finishing, and dump both workers' stacks if nothing moves.
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            holders = db_session.execute(select(JobRun.name, JobRun.holder)).all()
            if len({h for _n, h in holders}) == 2 and sum(n == "reminders" for n, _h in holders) >= 4:
                break
            time.sleep(0.5)
        else:
            for worker in workers:
                worker.send_signal(signal.SIGUSR1)
            time.sleep(2)
    finally:
        for worker in workers:
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
    # Both processes took part (each slot goes to whoever comes first).
    assert len({r.holder for r in runs}) == 2, logs
    # The overdue case was reminded once, however many runs saw it.
    sent = db_session.execute(select(ReminderSent).where(
        ReminderSent.subject == "case", ReminderSent.subject_id == case_id)).scalars().all()
    assert [(s.kind, s.stage) for s in sent] == [("overdue", "handling")]
    assert json.loads(sent[0].recipients), "the holders of the case are named"
