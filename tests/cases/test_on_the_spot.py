"""当场办结 / 当日办结 (seed 003 "当场解决、当日解决"): a simple matter registered, answered and
closed in one form by the clerk; a leader approves it from the queue in one click, or where the
subject's rule allows, it closes at once. Same history events, notices and figures as the long
road; checked against the figures' own functions and an oracle over the raw rows."""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import func, select

from app.cases.models import Case, Subject
from app.cases.workflow_models import CaseEvent
from app.core.scoping import Scope
from app.reports import figures as F
from app.reports.figures import ReportFilters, ReportPeriod
from tests.cases.workflow_support import fresh, unit
from tests.support import county_now, page_text

LONG_ROAD = ["register", "accept", "sign_reply", "follow_up", "close"]


def _form(db_session, town: str = "城关镇", **overrides) -> dict:
    subject = db_session.execute(select(Subject).where(Subject.name == "劳动社保")).scalar_one()
    return {"channel": "visit", "township": str(unit(db_session, town).id), "category": "claim",
            "subject": str(subject.id), "title": "咨询养老保险转移接续", "content": "询问养老保险关系转移手续。",
            "name": "王秀英", "phone": "13800138000", "reply_text": "已当场告知办理流程及所需材料。",
            "satisfaction": "satisfied", **overrides}


def _latest(db_session, title: str) -> Case | None:
    db_session.expire_all()
    return db_session.execute(select(Case).where(Case.title == title).order_by(Case.id.desc()).limit(1)).scalar_one_or_none()


def _steps(db_session, case_id: int) -> list[str]:
    return list(db_session.execute(select(CaseEvent.step).where(CaseEvent.case_id == case_id)
                                   .order_by(CaseEvent.id)).scalars())


def _figures(app, town_id: int) -> dict[str, tuple[int, int | None]]:
    moment = county_now()
    f = ReportFilters(ReportPeriod.month(moment.year, moment.month), township_id=town_id, scope=Scope.all())
    with app.app_context():
        values = {"reply": F.reply_rate(f), "closure": F.closure_rate(f), "on_time_reply": F.figure(F.ON_TIME_REPLY, f),
                  "on_time_completion": F.figure(F.ON_TIME_COMPLETION, f), "volume": F.volume(f)}
    return {k: (v.numerator, v.denominator) for k, v in values.items()}


def _oracle(db_session, town_id: int) -> dict[str, tuple[int, int]]:
    """回复率 and 结案率 counted straight from the rows: received this month in the township,
    neither voided nor merged; answered = replied_at set; closed = status closed."""
    moment = county_now()
    start = datetime(moment.year, moment.month, 1)
    rows = db_session.execute(select(Case.status, Case.replied_at, Case.closure, Case.merged_into_id).where(
        Case.township_id == town_id, Case.received_at >= start, Case.received_at <= moment)).all()
    counted = [r for r in rows if r.status != "voided" and r.merged_into_id is None]
    answered = sum(1 for r in counted if r.replied_at is not None or r.closure == "agreement")
    closed = sum(1 for r in counted if r.status == "closed")
    return {"reply": (answered, len(counted)), "closure": (closed, len(counted))}


def test_one_form_with_quick_approval_and_by_rule(app, client_as, db_session):
    clerk, leader = client_as("clerk"), client_as("leader")
    town = unit(db_session, "城关镇").id
    before = _figures(app, town)
    # 1. A leader approves: the case waits in the place leaders' queue with a one-click button.
    response = clerk.post("/cases/on-the-spot/", data=_form(db_session, title="当场答复待审批"))
    assert response.status_code == 302
    case = _latest(db_session, "当场答复待审批")
    assert (case.status, case.on_the_spot, case.accepted_at is not None, case.replied_at) == ("approved", True, True, None)
    home = leader.get("/").get_data(as_text=True)
    button = re.search(rf'action="(/cases/step/{case.id}/approve_at_window)".*?name="version" value="(\d+)".*?'
                       rf'name="token" value="([^"]+)"', home, re.S)
    assert button, "the leader's queue offers the one-click approval"
    assert client_as("clerk").get("/").status_code == 200
    response = leader.post(button.group(1), data={"version": button.group(2), "token": button.group(3)})
    assert response.status_code == 302
    case = fresh(db_session, case.id)
    assert case.status == "closed" and case.reply_signed_by.username == "leader" and case.satisfaction == "satisfied"
    assert [s for s in _steps(db_session, case.id) if s in LONG_ROAD] == LONG_ROAD
    # The same click again (a second leader's stale page): refused as changed, nothing applied.
    again = client_as("county_leader").post(button.group(1), data={"version": button.group(2)})
    assert again.status_code == 409
    # The notices: 受理告知书 and the 答复意见书 print like any case's.
    for kind in ("acceptance", "reply"):
        assert clerk.get(f"/cases/notice/{case.id}/{kind}").status_code == 200

    # 2. The subject's rule lets the clerk close at once.
    subject = db_session.execute(select(Subject).where(Subject.name == "劳动社保")).scalar_one()
    subject.on_the_spot_allowed = True
    db_session.commit()
    response = clerk.post("/cases/on-the-spot/", data=_form(db_session, title="当场答复直接办结"))
    assert response.status_code == 302
    direct = _latest(db_session, "当场答复直接办结")
    assert direct.status == "closed" and direct.reply_signed_by.username == "clerk"
    assert [s for s in _steps(db_session, direct.id) if s in LONG_ROAD] == LONG_ROAD

    # The figures count both as received, replied on time and closed on time.
    after = _figures(app, town)
    assert after["volume"][0] == before["volume"][0] + 2
    for key in ("reply", "closure"):
        assert after[key] == (before[key][0] + 2, before[key][1] + 2)
        assert after[key] == _oracle(db_session, town)[key]
    for key in ("on_time_reply", "on_time_completion"):
        assert after[key] == (before[key][0] + 2, (before[key][1] or 0) + 2)


def test_refusals_change_nothing(client_as, db_session):
    count = db_session.execute(select(func.count()).select_from(Case)).scalar()
    clerk = client_as("clerk")
    # Another township's clerk may not register for 城关镇.
    response = client_as("clerk2").post("/cases/on-the-spot/", data=_form(db_session, title="越权当场办结"))
    assert response.status_code == 422
    assert "您无权为该乡镇登记信访件" in page_text(response)
    # Not satisfied, an accusation, a missing reply: a message next to the field, nothing saved.
    for overrides, message in (({"satisfaction": "unsatisfied"}, "不满意的不能当场办结"),
                               ({"category": "accusation"}, "检举控告类信访事项不得当场办结"),
                               ({"reply_text": ""}, "当场答复意见")):
        response = clerk.post("/cases/on-the-spot/", data=_form(db_session, title="不能当场办结", **overrides))
        assert response.status_code == 422, overrides
        assert message in page_text(response)
    assert db_session.execute(select(func.count()).select_from(Case)).scalar() == count
    # Who may open the form at all.
    for login, status in (("clerk", 200), ("county_clerk", 200), ("admin", 200), ("handler", 403),
                          ("handler_rsj", 403), ("leader", 403), ("county_leader", 403),
                          ("county_supervisor", 403), ("county_manager", 403), ("manager", 403)):
        assert client_as(login).get("/cases/on-the-spot/").status_code == status, login
