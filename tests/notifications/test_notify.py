"""In-app notifications: whoever a case now waits for is told (the bell's count, the list with a
link to the record); nobody else — and never a unit a 检举控告 reports on."""

from __future__ import annotations

import re

from sqlalchemy import select

from app.cases.models import Case
from app.notifications.models import Notification, OutboxMessage
from app.security.models import AppUser
from tests.cases.workflow_support import ok, register, step, unit
from tests.support import case_form, page_text


def bell(client) -> int:
    body = client.get("/notifications/").get_data(as_text=True)
    assert 'id="xf-bell"' in body
    found = re.search(r'id="xf-bell-count">(\d+)<', body)
    return int(found.group(1)) if found else 0


def test_the_next_actor_is_told_and_opens_the_case(client_as, db_session):
    clerk, leader, handler_rsj, handler = (client_as(n) for n in ("clerk", "leader", "handler_rsj", "handler"))
    before = {name: bell(c) for name, c in (("leader", leader), ("rsj", handler_rsj), ("handler", handler))}
    case = register(clerk, db_session, title="通知流转测试")
    ok(step(clerk, case.id, "accept"))
    ok(step(clerk, case.id, "propose", proposal="交县人社局"))
    assert bell(leader) == before["leader"] + 1  # a 批示 awaited from the township's leaders
    assert "待您批示" in page_text(leader.get("/notifications/?kind=instruction_awaited"))
    ok(step(leader, case.id, "instruct", text="请县人社局办理"))
    rsj = unit(db_session, "县人力资源和社会保障局")
    ok(step(clerk, case.id, "assign", unit=str(rsj.id)))
    assert bell(handler_rsj) == before["rsj"] + 1
    assert bell(handler) == before["handler"]  # 城关镇's handler holds nothing of it
    listing = handler_rsj.get("/notifications/?state=unread").get_data(as_text=True)
    assert f"{case.number} 等待 县人力资源和社会保障局 签收" in listing
    note = db_session.execute(
        select(Notification).join(AppUser, AppUser.id == Notification.user_id)
        .where(AppUser.username == "handler_rsj", Notification.record_id == case.id)
    ).scalar_one()
    assert note.kind == "case_assigned"
    opened = handler_rsj.get(f"/notifications/open/{note.id}")
    assert opened.status_code == 302 and opened.headers["Location"].endswith(f"/cases/show/{case.id}")
    assert bell(handler_rsj) == before["rsj"]
    # Another user cannot open (or learn of) it.
    assert handler.get(f"/notifications/open/{note.id}").status_code == 404
    assert handler_rsj.post("/notifications/read-all").status_code == 302
    assert bell(handler_rsj) == 0
    # The petitioner (phone given at registration) got the acceptance SMS, in the outbox.
    sms = db_session.execute(
        select(OutboxMessage).where(OutboxMessage.case_id == case.id, OutboxMessage.template == "petition_accepted")
    ).scalar_one()
    assert sms.recipient == "13812345678" and case.number in sms.body and "已受理" in sms.body
    assert sms.status == "pending"


def test_the_unit_an_accusation_reports_on_is_never_told(app, client_as, db_session):
    from app.extensions import db
    from app.notifications import notify
    from app.security.roles import RoleName

    admin = client_as("admin")
    town = unit(db_session, "城关镇")
    form = case_form(town.id, category="accusation", title="举报城关镇干部测试", reported_unit=str(town.id))
    assert admin.post("/cases/add", data=form).status_code == 302
    with app.app_context():
        session = db.session
        case = session.execute(select(Case).where(Case.title == "举报城关镇干部测试")).scalar_one()
        town_users = session.execute(select(AppUser).where(AppUser.org_unit_id == town.id)).unique().scalars().all()
        assert town_users
        created = notify(session, "case_assigned", record=case, units=[town.id], users=town_users,
                         title=f"{case.number} 测试", url=f"/cases/show/{case.id}")
        assert created == []
        # A user who may open it is told.
        county_clerk = session.execute(select(AppUser).where(AppUser.username == "county_clerk")).unique().scalar_one()
        told = notify(session, "case_assigned", record=case, users=[county_clerk], roles=[RoleName.CLERK],
                      title=f"{case.number} 测试", url=f"/cases/show/{case.id}")
        assert [n.user_id for n in told] == [county_clerk.id]
        session.commit()
    for name in ("clerk", "leader", "handler", "supervisor", "manager"):
        assert "举报城关镇干部测试" not in page_text(client_as(name).get("/notifications/"))
