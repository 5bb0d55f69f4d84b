"""Work queues on the home page (待办, soonest deadline first, 临期/超期 counts) and bulk assignment."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from app.cases.models import CaseStatus
from tests.cases.workflow_support import fresh, ok, register, step, steps_of, unit
from tests.support import form_errors, page_text


def _queue_numbers(response) -> list[str]:
    body = response.get_data(as_text=True)
    queue = body.split('id="queue"', 1)[1].split("</table>", 1)[0] if 'id="queue"' in body else ""
    return re.findall(r"XF\d{4}-\d{6}", queue)


def _counts(response) -> tuple[int, int, int]:
    body = response.get_data(as_text=True)

    def badge(name: str) -> int:
        found = re.search(rf'id="queue-{name}">[^<\d]*(\d+)', body)
        return int(found.group(1)) if found else 0

    return badge("total"), badge("near"), badge("overdue")


def test_the_case_moves_from_queue_to_queue(client_as, db_session):
    clerk, leader, handler, other_handler = (client_as(n) for n in ("clerk", "leader", "handler", "handler_hd"))
    town = unit(db_session, "城关镇")
    case = register(clerk, db_session, title="待办流转测试")
    assert case.number in _queue_numbers(clerk.get("/"))
    assert case.number not in _queue_numbers(leader.get("/"))
    ok(step(clerk, case.id, "accept"))
    assert case.number in _queue_numbers(clerk.get("/"))  # the proposal is next
    ok(step(clerk, case.id, "propose", proposal="交城关镇"))
    assert case.number not in _queue_numbers(clerk.get("/"))
    assert case.number in _queue_numbers(leader.get("/"))
    ok(step(leader, case.id, "instruct", text="请办理"))
    assert case.number in _queue_numbers(clerk.get("/"))
    ok(step(clerk, case.id, "assign", unit=str(town.id)))
    assert case.number in _queue_numbers(handler.get("/"))
    assert case.number not in _queue_numbers(other_handler.get("/"))
    assert case.number not in _queue_numbers(clerk.get("/"))


def test_queue_is_sorted_by_deadline_and_counts_near_and_overdue(client_as, db_session):
    clerk = client_as("clerk")
    before = _counts(clerk.get("/"))
    late = register(clerk, db_session, title="超期的待办")
    soon = register(clerk, db_session, title="临期的待办")
    calm = register(clerk, db_session, title="从容的待办")
    now = datetime.now()
    for case, due in ((late, now - timedelta(days=2)), (soon, now + timedelta(days=2)),
                      (calm, now + timedelta(days=12))):
        case.accept_due_at = case.next_due_at = due.replace(hour=23, minute=59, second=59)
    db_session.commit()
    response = clerk.get("/")
    total, near, overdue = _counts(response)
    assert (total, near, overdue) == (before[0] + 3, before[1] + 1, before[2] + 1)
    numbers = _queue_numbers(response)
    assert numbers.index(late.number) < numbers.index(soon.number) < numbers.index(calm.number)
    rows = response.get_data(as_text=True)
    row = rows.split(late.number, 1)[0].rsplit("<tr", 1)[1]
    assert "超期" in row
    # The case list filters the same way.
    listing = page_text(clerk.get("/cases/list/?q_due=overdue&psize_CaseView=100"))
    assert late.number in listing and soon.number not in listing
    listing = page_text(clerk.get("/cases/list/?q_due=near&psize_CaseView=100"))
    assert soon.number in listing and calm.number not in listing


def test_readers_have_no_queue_but_see_their_area(client_as):
    for login in ("supervisor", "manager"):
        text = page_text(client_as(login).get("/"))
        assert "暂无待办事项" in text
        assert "辖区信访件" in text and "超期" in text


def _instructed(clerk, leader, db_session, title: str, township: str = "城关镇"):
    case = register(clerk, db_session, township=township, title=title)
    for client, code, fields in [
        (clerk, "accept", {}), (clerk, "propose", {"proposal": "交办"}), (leader, "instruct", {"text": "请办理"}),
    ]:
        ok(step(client, case.id, code, **fields))
    return fresh(db_session, case.id)


def test_bulk_assign_assigns_all_selected_cases(client_as, db_session):
    clerk, leader = client_as("clerk"), client_as("leader")
    first = _instructed(clerk, leader, db_session, "批量交办一")
    second = _instructed(clerk, leader, db_session, "批量交办二")
    rsj = unit(db_session, "县人力资源和社会保障局")
    form = clerk.post("/cases/action_post", data={"action": "bulk_assign", "rowid": [str(first.id), str(second.id)]})
    assert form.status_code == 200
    text = page_text(form)
    assert first.number in text and second.number in text and "已选择2件" in text
    body = form.get_data(as_text=True)
    versions = re.findall(r'name="version" value="(\d+)"', body)
    response = clerk.post("/cases/bulk_assign", data={
        "rowid": [str(first.id), str(second.id)], "version": versions, "unit": str(rsj.id),
        "rule": "handle", "note": "请按期办理",
    })
    assert response.status_code == 302, form_errors(response)
    for case in (first, second):
        case = fresh(db_session, case.id)
        assert case.status == CaseStatus.ASSIGNED.value and case.responsible_unit_id == rsj.id
        assert steps_of(db_session, case.id)[-1] == "assign"


def test_bulk_assign_is_all_or_nothing(client_as, db_session):
    clerk, leader = client_as("clerk"), client_as("leader")
    ready = _instructed(clerk, leader, db_session, "可交办的件")
    not_ready = register(clerk, db_session, title="未批示的件")
    town = unit(db_session, "城关镇")
    response = clerk.post("/cases/bulk_assign", data={
        "rowid": [str(ready.id), str(not_ready.id)], "unit": str(town.id), "rule": "handle",
    })
    assert response.status_code == 422
    assert not_ready.number in " ".join(form_errors(response))
    assert fresh(db_session, ready.id).status == CaseStatus.INSTRUCTED.value
    assert fresh(db_session, not_ready.id).status == CaseStatus.REGISTERED.value


def test_bulk_assign_refuses_cases_of_another_township(client_as, db_session):
    clerk, leader, clerk2 = client_as("clerk"), client_as("leader"), client_as("clerk2")
    theirs = _instructed(clerk, leader, db_session, "城关镇待交办")
    mine = _instructed(clerk2, client_as("leader_hd"), db_session, "河东镇待交办", township="河东镇")
    hd = unit(db_session, "河东镇")
    ids = [str(mine.id), str(theirs.id)]
    assert clerk2.post("/cases/action_post", data={"action": "bulk_assign", "rowid": ids}).status_code == 404
    response = clerk2.post("/cases/bulk_assign", data={"rowid": ids, "unit": str(hd.id), "rule": "handle"})
    assert response.status_code == 404
    assert fresh(db_session, theirs.id).status == CaseStatus.INSTRUCTED.value
    assert fresh(db_session, mine.id).status == CaseStatus.INSTRUCTED.value


def test_bulk_assign_needs_the_permission(client_as, db_session):
    handler = client_as("handler")
    town = unit(db_session, "城关镇")
    response = handler.post("/cases/bulk_assign", data={"rowid": ["1"], "unit": str(town.id)})
    assert response.status_code == 403
    assert handler.post("/cases/action_post", data={"action": "bulk_assign", "rowid": ["1"]}).status_code == 403
