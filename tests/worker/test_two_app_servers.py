"""Production's shape (README "Production"): two app servers (gunicorn, real subprocesses) and one
worker against one PostgreSQL database. A 督办单 issued over HTTP on one server is seen on the
other; the worker reminds its answer due exactly once, however many slots it runs. On SQLite (one
machine, one writer) the same journey runs with one app server."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import requests
from sqlalchemy import func, select

from app.notifications.models import Notification
from app.security.models import AppUser
from app.worker.models import JobRun, ReminderSent
from seed.data import DEMO_PASSWORD
from tests.conftest import PG_URL
from tests.supervision.support import latest_orders, make_case
from tests.support import county_today
from tests.worker.test_two_workers import start_worker

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = str(Path(sys.executable).with_name("gunicorn"))
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(database_uri: str, tmp_path: Path, name: str, port: int) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": database_uri,
        "SECRET_KEY": "test-secret-key-not-for-production",
        "XF_INSTANCE_DIR": str(tmp_path / name),
        "RATELIMIT_ENABLED": "0",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": "1",
        "GUNICORN_THREADS": "2",
    }
    log = (tmp_path / f"{name}.log").open("w")
    # Each server its own control socket (or none): by default both would take ~/.gunicorn/gunicorn.ctl.
    return subprocess.Popen([GUNICORN, "-c", "gunicorn.conf.py", "--no-control-socket", "run:app"], cwd=ROOT, env=env,
                            stdout=log, stderr=subprocess.STDOUT)


def wait_until_up(base: str, process: subprocess.Popen, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, "the app server stopped"
        try:
            if requests.get(f"{base}/login/", timeout=30).status_code == 200:
                return
        except (requests.ConnectionError, requests.Timeout):
            pass
        time.sleep(0.5)
    raise AssertionError(f"{base} did not answer")


def csrf(page: str) -> str:
    found = CSRF.search(page)
    assert found, "the form carries a CSRF token"
    return found.group(1) or found.group(2)


def login(base: str, username: str) -> requests.Session:
    browser = requests.Session()
    token = csrf(browser.get(f"{base}/login/", timeout=30).text)
    response = browser.post(f"{base}/login/", data={"username": username, "password": DEMO_PASSWORD,
                                                    "csrf_token": token}, allow_redirects=False, timeout=30)
    assert response.status_code == 302 and "/login" not in response.headers["Location"], response.text[:500]
    return browser


def test_two_app_servers_and_one_worker_remind_once(database_uri, db_session, tmp_path):
    case = make_case(db_session, title="双服务器督办测试", due_in_days=-3)  # overdue, 城关镇 handles it
    ports = [free_port(), free_port()] if PG_URL else [free_port()]
    servers = [start_server(database_uri, tmp_path, f"web{i}", port) for i, port in enumerate(ports)]
    worker = None
    try:
        bases = [f"http://127.0.0.1:{port}" for port in ports]
        for base, process in zip(bases, servers, strict=True):
            wait_until_up(base, process)
        first, second = bases[0], bases[-1]

        # On the first server the supervisor issues a 督办单 due today (so its answer is due now).
        supervisor = login(first, "supervisor")
        token = csrf(supervisor.get(f"{first}/supervision/orders/issue", timeout=30).text)
        response = supervisor.post(f"{first}/supervision/orders/issue", allow_redirects=False, timeout=60, data={
            "csrf_token": token, "kind": "supervise", "unit": "", "case_numbers": case.number, "entry_numbers": "",
            "requirement": "请当日书面报告办理进展。", "due_on": county_today().isoformat()})
        assert response.status_code == 302, response.text[:2000]
        order = latest_orders(db_session)[0]

        # On the second server the handler of the addressed unit sees it in their notifications.
        handler = login(second, "handler")
        listing = handler.get(f"{second}/notifications/?kind=order_received", timeout=30)
        assert listing.status_code == 200 and order.number in listing.text

        # One worker runs the reminders every 2 seconds: several slots see the order due.
        worker = start_worker(database_uri, tmp_path, "worker")
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            db_session.rollback()
            runs = db_session.execute(select(func.count()).select_from(JobRun).where(
                JobRun.name == "reminders", JobRun.outcome == "done")).scalar()
            if runs >= 3:
                break
            assert worker.poll() is None, (tmp_path / "worker.log").read_text()
            time.sleep(0.5)
        assert runs >= 3, (tmp_path / "worker.log").read_text()
    finally:
        for process in [*servers, worker]:
            if process is not None:
                process.send_signal(signal.SIGTERM)
        for process in [*servers, worker]:
            if process is not None:
                process.wait(timeout=60)

    db_session.rollback()
    sent = db_session.execute(select(ReminderSent).where(
        ReminderSent.subject == "order", ReminderSent.subject_id == order.id)).scalars().all()
    assert [(s.kind, s.due_on) for s in sent] == [("near", county_today())]
    handler_id = db_session.execute(select(AppUser.id).where(AppUser.username == "handler")).scalar_one()
    assert set(json.loads(sent[0].recipients)) >= {handler_id}
    notes = db_session.execute(select(Notification.kind).where(
        Notification.user_id == handler_id, Notification.record_id == order.id,
        Notification.kind.in_(["order_received", "order_due"]))).scalars().all()
    assert sorted(notes) == ["order_due", "order_received"]
    # The order's deadline is today: not overdue yet, so nothing else was due for it.
    assert order.due_on - county_today() == timedelta(0)
