"""Two users on one case at once, and the double click: one step applies once, the other is
told the case changed, and nothing is half-applied."""

from __future__ import annotations

import threading

from sqlalchemy import func, select

from app.cases.models import CaseStatus
from app.cases.workflow_models import CaseEvent, Instruction
from tests.cases.workflow_support import (
    fresh,
    ok,
    page_state,
    refused,
    register,
    step,
    steps_of,
    unit,
)
from tests.support import login, page_text


def _instructed_case(client_as, db_session, title: str):
    clerk, leader = client_as("clerk"), client_as("leader")
    case = register(clerk, db_session, title=title)
    for client, code, fields in [
        (clerk, "accept", {}), (clerk, "propose", {"proposal": "交城关镇"}),
        (leader, "instruct", {"text": "请办理"}),
    ]:
        ok(step(client, case.id, code, **fields))
    return fresh(db_session, case.id)


def test_second_user_with_an_old_page_is_told_the_case_changed(client_as, db_session):
    case = _instructed_case(client_as, db_session, "并发交办测试")
    first, second = client_as("clerk"), client_as("clerk")
    town, rsj = unit(db_session, "城关镇"), unit(db_session, "县人力资源和社会保障局")
    version_first, _ = page_state(first, case.id)
    version_second, _ = page_state(second, case.id)
    ok(step(first, case.id, "assign", version=version_first, unit=str(town.id)))
    late = step(second, case.id, "assign", version=version_second, unit=str(rsj.id))
    assert late.status_code == 409
    refused(late, "已被他人办理", "未生效")
    case = fresh(db_session, case.id)
    assert case.responsible_unit_id == town.id
    assert steps_of(db_session, case.id).count("assign") == 1


def test_a_stale_instruction_does_not_half_apply(client_as, db_session):
    """The refused step wrote neither its event nor its instruction row."""
    case = _instructed_case(client_as, db_session, "半执行测试")
    leader = client_as("leader")
    old_version, _ = page_state(leader, case.id)
    ok(step(client_as("clerk"), case.id, "assign", unit=str(unit(db_session, "城关镇").id)))
    before = db_session.execute(
        select(func.count()).select_from(Instruction).where(Instruction.case_id == case.id)
    ).scalar()
    refused(step(leader, case.id, "instruct", version=old_version, text="迟到的批示"), "已被他人办理")
    after = db_session.execute(
        select(func.count()).select_from(Instruction).where(Instruction.case_id == case.id)
    ).scalar()
    assert before == after
    assert fresh(db_session, case.id).instruction_count == 1


def test_double_click_applies_once(client_as, db_session):
    case = _instructed_case(client_as, db_session, "双击测试")
    leader = client_as("leader")
    version, token = page_state(leader, case.id)
    first = step(leader, case.id, "instruct", version=version, token=f"{token}-instruct", text="请加快办理")
    second = step(leader, case.id, "instruct", version=version, token=f"{token}-instruct", text="请加快办理")
    ok(first)
    assert second.status_code == 302, "the repeated click is answered, not refused"
    assert "此操作已经办理" in page_text(leader.get(second.headers["Location"]))
    assert fresh(db_session, case.id).instruction_count == 2
    assert steps_of(db_session, case.id).count("instruct") == 2  # the first 批示 and this one


def test_simultaneous_steps_on_one_case_apply_exactly_once(app, client_as, db_session):
    case = _instructed_case(client_as, db_session, "同时交办测试")
    town = unit(db_session, "城关镇")
    clients = []
    for _ in range(4):
        c = app.test_client()
        login(c, "clerk")
        clients.append(c)
    versions = [page_state(c, case.id)[0] for c in clients]
    barrier = threading.Barrier(len(clients))
    codes: list[int] = []
    lock = threading.Lock()

    def go(client, version):
        barrier.wait()
        response = step(client, case.id, "assign", version=version, unit=str(town.id))
        with lock:
            codes.append(response.status_code)

    threads = [threading.Thread(target=go, args=(c, v)) for c, v in zip(clients, versions, strict=True)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(codes) == [302, 409, 409, 409]
    assert fresh(db_session, case.id).status == CaseStatus.ASSIGNED.value
    assigns = db_session.execute(
        select(func.count()).select_from(CaseEvent).where(CaseEvent.case_id == case.id, CaseEvent.step == "assign")
    ).scalar()
    assert assigns == 1
