"""Excel imports run in the worker, not in the web request: the upload only records the job,
the worker claims it (one worker per job), and a job whose worker died is resumed once, then
marked failed with the reason."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select, update

from app.core.clock import now
from app.core.imports import MAX_ATTEMPTS, STALE_AFTER, ImportJob, claim_job, run_pending_imports
from app.ledgers.models import LedgerEntry
from tests.core.test_imports import URL, row
from tests.ledgers.support import upload, workbook
from tests.support import page_text


def entries(db_session) -> int:
    return db_session.execute(select(func.count()).select_from(LedgerEntry)).scalar()


def queued_upload(client, db_session, title: str) -> tuple[int, str]:
    response = upload(client, URL, workbook(client, URL, [row(title=title)]))
    assert response.status_code == 302, page_text(response)
    job_url = response.headers["Location"]
    return int(job_url.rsplit("/", 1)[1]), job_url


def job(db_session, job_id: int) -> ImportJob:
    db_session.expire_all()
    return db_session.get(ImportJob, job_id)


def test_the_upload_only_records_the_job_and_the_worker_imports_it(clerk_client, db_session):
    before = entries(db_session)
    job_id, job_url = queued_upload(clerk_client, db_session, "工人进程导入测试")
    # The web request has returned: nothing is imported until a worker runs.
    state = clerk_client.get(f"{job_url}/status").get_json()
    assert (state["status"], state["finished"]) == ("queued", False)
    assert entries(db_session) == before
    assert run_pending_imports(clerk_client.application, "worker-a") == 1
    done = job(db_session, job_id)
    assert (done.status, done.worker, done.attempts, done.imported_count) == ("done", "worker-a", 1, 1)
    assert entries(db_session) == before + 1
    # Nothing left: a second worker finds no work.
    assert run_pending_imports(clerk_client.application, "worker-b") == 0
    assert "已导入" in page_text(clerk_client.get(job_url))


def test_a_job_is_claimed_by_one_worker_only(clerk_client, db_session):
    job_id, _ = queued_upload(clerk_client, db_session, "只被一个工人领取")
    with clerk_client.application.app_context():
        assert claim_job(job_id, "worker-a") is True
        assert claim_job(job_id, "worker-b") is False
    assert job(db_session, job_id).worker == "worker-a"


def _worker_died(db_session, job_id: int, attempts: int) -> None:
    """A worker claimed the job and stopped writing STALE_AFTER ago (killed mid-import)."""
    db_session.execute(update(ImportJob).where(ImportJob.id == job_id).values(
        status="validating", worker="dead-worker", attempts=attempts,
        heartbeat_at=now() - STALE_AFTER - timedelta(minutes=1)))


def test_a_job_whose_worker_died_is_resumed_by_another_worker(clerk_client, db_session):
    before = entries(db_session)
    job_id, job_url = queued_upload(clerk_client, db_session, "工人中断后续导")
    _worker_died(db_session, job_id, attempts=1)
    message = clerk_client.get(f"{job_url}/status").get_json()["message"]
    assert "停止" in message, message
    assert run_pending_imports(clerk_client.application, "worker-b") == 1
    resumed = job(db_session, job_id)
    assert (resumed.status, resumed.worker, resumed.attempts) == ("done", "worker-b", 2)
    assert entries(db_session) == before + 1


def test_a_job_whose_worker_died_too_often_is_failed_with_the_reason(clerk_client, db_session):
    before = entries(db_session)
    job_id, job_url = queued_upload(clerk_client, db_session, "工人多次中断")
    _worker_died(db_session, job_id, attempts=MAX_ATTEMPTS)
    assert run_pending_imports(clerk_client.application, "worker-b") == 0
    failed = job(db_session, job_id)
    assert failed.status == "failed" and failed.payload is None
    state = clerk_client.get(f"{job_url}/status").get_json()
    assert state["finished"]
    assert "工作进程" in state["message"] and "未导入" in state["message"], state
    assert entries(db_session) == before
