"""Optimistic lock on every editable leaders/supervision record: of two people who opened the
same edit form, the second to save is told (in Chinese, on the form, input kept) and nothing of
theirs is saved."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.leaders.models import Holding, Leader, Reception, ReceptionSlot
from app.supervision.models import AccountabilityRecord, JointMeeting
from tests.forms import form_values
from tests.leaders.test_leaders import holding_form, own_leader
from tests.supervision.support import make_case, org
from tests.support import form_errors

STALE = "已有其他人修改"


def _own(db_session, model, *where):
    db_session.rollback()
    return db_session.execute(select(model).where(*where).order_by(model.id.desc()).limit(1)).scalars().first()


@pytest.mark.parametrize(("login", "base", "field"), [
    ("xz_admin", "/leaders/leaders", "post"),
    ("leader", "/leaders/holdings", "goal"),
    ("clerk", "/leaders/slots", "place"),
    ("clerk", "/leaders/receptions", "summary"),
    ("supervisor", "/supervision/meetings", "decisions"),
    ("supervisor", "/supervision/accountability", "reason"),
])
def test_second_save_of_the_same_version_is_refused(client_as, app, db_session, login, base, field):
    town = org(db_session, "城关镇")
    if base == "/leaders/holdings":
        case = make_case(db_session, title="并发修改测试", due_in_days=10)
        assert client_as("leader").post(f"{base}/add", data=holding_form(own_leader(db_session), case.number)
                                        ).status_code == 302
    model, where = {
        "/leaders/leaders": (Leader, [Leader.org_unit_id == town.id]),
        "/leaders/holdings": (Holding, [Holding.target_title == "并发修改测试"]),
        "/leaders/slots": (ReceptionSlot, [ReceptionSlot.township_id == town.id]),
        "/leaders/receptions": (Reception, [Reception.township_id == town.id]),
        "/supervision/meetings": (JointMeeting, [JointMeeting.township_id.is_(None)]),
        "/supervision/accountability": (AccountabilityRecord, [AccountabilityRecord.township_id == town.id]),
    }[base]
    record = _own(db_session, model, *where)
    first, second = client_as(login), client_as(login)
    if base == "/supervision/meetings":  # the county's meeting: the county supervisor keeps it
        first, second = client_as("county_supervisor"), client_as("county_supervisor")
    mine, theirs = (form_values(c.get(f"{base}/edit/{record.id}")) for c in (first, second))
    assert mine["row_version"] == theirs["row_version"] == str(record.version)
    theirs[field] = "他人先保存的内容"
    saved = second.post(f"{base}/edit/{record.id}", data=theirs)
    assert saved.status_code == 302, form_errors(saved)
    mine[field] = "我后保存的内容"
    refused = first.post(f"{base}/edit/{record.id}", data=mine)
    assert refused.status_code == 200
    assert any(STALE in e for e in form_errors(refused)), form_errors(refused)
    assert "我后保存的内容" in refused.get_data(as_text=True)  # the input is kept
    db_session.rollback()
    assert getattr(db_session.get(model, record.id), field) == "他人先保存的内容"
