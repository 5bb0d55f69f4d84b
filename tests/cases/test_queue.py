"""Work queues on the home page (待办, soonest deadline first, 临期/超期 counts) and bulk assignment."""

from __future__ import annotations

import re
from datetime import timedelta

from app.cases.models import CaseStatus
from tests.cases.workflow_support import fresh, ok, register, step, steps_of, unit
from tests.support import county_now, form_errors, page_text


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
    now = county_now()
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


def test_queue_read_status_by_status_is_the_soonest_deadlines_first(app, client_as, db_session):
    """The queue is read status by status (each on its index, in deadline order); together they
    are exactly ORDER BY deadline (none last), number — ties and cases without a deadline too."""
    from sqlalchemy import select

    from app.cases.models import Case
    from app.cases.workflow import queue_clause, queue_statuses
    from app.home.views import most_urgent
    from app.security.models import AppUser
    from tests.reports.support import add_cases

    town = unit(db_session, "城关镇").id
    tie = county_now() + timedelta(days=3)
    rows = []
    for i in range(90):
        status = ("registered", "accepted", "replied", "returned")[i % 4]
        due = None if i % 7 == 0 else (tie if i % 3 == 0 else tie + timedelta(hours=i - 45))
        rows.append({"township_id": town, "status": status, "next_due_at": due, "title": f"排序测试{i}",
                     "received_at": county_now() - timedelta(days=1)})
    add_cases(db_session, rows)
    clerk = db_session.execute(select(AppUser).where(AppUser.username == "clerk")).scalar_one()
    with app.app_context():
        from app.extensions import db

        user = db.session.get(AppUser, clerk.id)
        waiting = queue_clause(user)
        for limit in (1, 7, 50, 400):
            expected = db.session.execute(
                select(Case.id).where(waiting).order_by(Case.next_due_at.asc().nulls_last(), Case.id).limit(limit)
            ).scalars().all()
            assert most_urgent(waiting, queue_statuses(user), limit) == expected


def test_home_counts_stop_at_a_thousand(client_as, db_session, monkeypatch):
    """A backlog past the cap reads "1,000+" (as lists read "10,000+"), the queue still lists the
    most urgent."""
    from app.home import views as home
    from tests.reports.support import add_cases

    monkeypatch.setattr(home, "COUNT_CAP", 20)  # the same code path, a smaller number to reach
    clerk = client_as("clerk")
    town = unit(db_session, "城关镇").id
    add_cases(db_session, [{"township_id": town, "status": "registered", "title": "积压的待办",
                            "next_due_at": county_now() - timedelta(days=1),
                            "received_at": county_now() - timedelta(days=30)} for _ in range(30)])
    body = clerk.get("/").get_data(as_text=True)
    assert re.search(r'id="queue-total">[^<]*20\+', body)
    assert re.search(r'id="queue-overdue">[^<]*20\+', body)
    assert len(_queue_numbers(clerk.get("/"))) > 0
