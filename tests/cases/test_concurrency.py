"""Two clerks at once: nothing is silently overwritten, no number is handed out twice."""

from __future__ import annotations

import re
import threading

from sqlalchemy import select

from app.cases.models import Case
from app.org.models import OrgUnit
from tests.support import case_form, form_errors, login


def _town(db_session, name="城关镇") -> OrgUnit:
    return db_session.execute(select(OrgUnit).where(OrgUnit.name == name)).scalar_one()


def _edit_version(client, case_id: int) -> str:
    form = client.get(f"/cases/edit/{case_id}").get_data(as_text=True)
    tag = re.search(r'<input[^>]*name="row_version"[^>]*>', form).group(0)
    return re.search(r'value="(\d+)"', tag).group(1)


def test_stale_edit_is_refused_and_the_newer_save_kept(app, db_session):
    town = _town(db_session)
    first, second = app.test_client(), app.test_client()
    login(first, "clerk")
    login(second, "clerk")
    first.post("/cases/add", data=case_form(town.id, title="并发修改测试"))
    case = db_session.execute(select(Case).where(Case.title == "并发修改测试")).scalar_one()
    person_id = str(case.petitioners[0].id)

    version_seen_by_first = _edit_version(first, case.id)
    version_seen_by_second = _edit_version(second, case.id)
    saved = second.post(
        f"/cases/edit/{case.id}",
        data=case_form(town.id, title="第二人先保存", row_version=version_seen_by_second,
                       **{"petitioners-0-id": person_id}),
    )
    assert saved.status_code == 302, form_errors(saved)

    late = first.post(
        f"/cases/edit/{case.id}",
        data=case_form(town.id, title="第一人后保存", row_version=version_seen_by_first,
                       **{"petitioners-0-id": person_id}),
    )
    assert late.status_code == 200
    assert "已有其他人修改" in " ".join(form_errors(late))
    assert "第一人后保存" in late.get_data(as_text=True), "the user's input is kept in the form"
    db_session.expire_all()
    assert db_session.get(Case, case.id).title == "第二人先保存"


def test_orm_level_lost_update_is_detected(app):
    """Even without the form's version, a save based on an old copy cannot overwrite unnoticed.

    B loads the case (a request showing a page), A saves a change, then B saves its copy.
    """
    import pytest
    from sqlalchemy.orm import Session
    from sqlalchemy.orm.exc import StaleDataError

    from app.core.database import write_transactions
    from app.extensions import db

    with app.app_context(), write_transactions():
        case_id = db.session.execute(select(Case.id).limit(1)).scalar_one()
        db.session.rollback()
        with Session(db.engine, expire_on_commit=False) as b:
            case_b = b.get(Case, case_id)
            b.commit()
            with Session(db.engine) as a:
                a.get(Case, case_id).title = "A"
                a.commit()
            case_b.title = "B"
            with pytest.raises(StaleDataError):
                b.commit()


def test_simultaneous_registrations_get_distinct_consecutive_numbers(app, db_session):
    town = _town(db_session)
    workers, per_worker = 6, 4
    clients = []
    for _ in range(workers):
        c = app.test_client()
        login(c, "clerk")
        clients.append(c)
    barrier = threading.Barrier(workers)
    statuses: list[int] = []
    lock = threading.Lock()

    def register(client, index: int) -> None:
        barrier.wait()
        for j in range(per_worker):
            response = client.post("/cases/add", data=case_form(town.id, title=f"同时登记{index}-{j}"))
            with lock:
                statuses.append(response.status_code)

    threads = [threading.Thread(target=register, args=(c, i)) for i, c in enumerate(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert statuses == [302] * (workers * per_worker)
    db_session.expire_all()
    numbers = db_session.execute(select(Case.number).where(Case.title.like("同时登记%"))).scalars().all()
    assert len(numbers) == workers * per_worker
    assert len(set(numbers)) == len(numbers)
    values = sorted(int(n.split("-")[1]) for n in numbers)
    assert values == list(range(values[0], values[0] + len(values)))
