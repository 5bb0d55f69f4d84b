"""Registering a petition through the generated form: numbers, petitioners, bad input."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from app.cases.models import Case, Subject
from app.org.models import OrgUnit
from tests.support import case_form, form_errors


def township(db_session, name: str) -> OrgUnit:
    return db_session.execute(select(OrgUnit).where(OrgUnit.name == name)).scalar_one()


def test_clerk_registers_case_with_two_petitioners(clerk_client, db_session):
    town = township(db_session, "城关镇")
    subject = db_session.execute(select(Subject).limit(1)).scalar_one()
    before = db_session.execute(select(func.count()).select_from(Case)).scalar()
    data = case_form(
        town.id,
        subject.id,
        **{
            "petitioners-1-name": "李红",
            "petitioners-1-id_number": "",
            "petitioners-1-phone": "0451-87654321",
            "petitioners-1-address": "",
            "petitioners-1-id": "",
            "people_count": "2",
        },
    )
    response = clerk_client.post("/cases/add", data=data)
    assert response.status_code == 302, form_errors(response)
    db_session.expire_all()
    assert db_session.execute(select(func.count()).select_from(Case)).scalar() == before + 1
    case = db_session.execute(select(Case).order_by(Case.id.desc()).limit(1)).scalar_one()
    assert re.fullmatch(r"XF\d{4}-\d{6}", case.number)
    assert [p.name for p in case.petitioners] == ["王小明", "李红"]
    assert case.petitioner_names == "王小明、李红"
    assert case.township_id == town.id
    assert case.status == "registered"

