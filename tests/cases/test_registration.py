"""Registering a petition through the generated form: numbers, petitioners, bad input."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from app.cases.models import Case, Petitioner, Subject
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



def count_cases(db_session) -> int:
    db_session.expire_all()
    return db_session.execute(select(func.count()).select_from(Case)).scalar()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("petitioners-0-id_number", "230101198001011235", "校验位不正确"),
        ("petitioners-0-id_number", "23010119801301123X", "出生日期无效"),
        ("petitioners-0-id_number", "12345", "应为18位"),
        ("petitioners-0-phone", "1381234567", "11位手机号码"),
        ("petitioners-0-phone", "电话号码", "11位手机号码"),
        ("title", "", "必填"),
        ("content", "", "必填"),
        ("received_at", "2999-01-01 09:00:00", "晚于当前时间"),
        ("title", "长" * 201, "200"),
        ("people_count", "0", "至少为1"),
        ("petitioners-0-name", "", "至少填写一名信访人"),
    ],
)
def test_bad_input_is_refused_beside_the_field_and_nothing_saved(
    clerk_client, db_session, field, value, message
):
    town = township(db_session, "城关镇")
    data = case_form(town.id, **{field: value})
    if field == "petitioners-0-name":
        data.update({"petitioners-0-id_number": "", "petitioners-0-phone": "", "petitioners-0-address": ""})
    before = count_cases(db_session)
    response = clerk_client.post("/cases/add", data=data)
    assert response.status_code == 200
    errors = " ".join(form_errors(response))
    assert message in errors, errors
    assert count_cases(db_session) == before
    # The input comes back in the form.
    body = response.get_data(as_text=True)
    if value and field != "people_count":
        kept = value[:10] if field == "received_at" else value[:30]
        assert kept in body


def test_valid_id_number_with_x_checksum_is_accepted(clerk_client, db_session):
    # 11010519491231002X is the standard's own example of an X checksum.
    town = township(db_session, "城关镇")
    data = case_form(town.id, **{"petitioners-0-id_number": "11010519491231002x"})
    response = clerk_client.post("/cases/add", data=data)
    assert response.status_code == 302, form_errors(response)
    db_session.expire_all()
    case = db_session.execute(select(Case).order_by(Case.id.desc()).limit(1)).scalar_one()
    assert case.petitioners[0].id_number == "11010519491231002X"


def test_people_count_smaller_than_petitioners_is_refused(clerk_client, db_session):
    town = township(db_session, "城关镇")
    data = case_form(town.id, people_count="1", **{"petitioners-1-name": "李四", "petitioners-1-id": ""})
    response = clerk_client.post("/cases/add", data=data)
    assert "少于已填写的信访人" in " ".join(form_errors(response))


def test_village_must_belong_to_township(clerk_client, db_session):
    town = township(db_session, "城关镇")
    # 城关镇's clerk cannot even choose 河东镇's villages: the select refuses the id.
    foreign_village = township(db_session, "沿河村")
    response = clerk_client.post("/cases/add", data=case_form(town.id, village=str(foreign_village.id)))
    assert response.status_code == 200
    assert form_errors(response)


def test_collective_flag_follows_people_count(clerk_client, db_session):
    town = township(db_session, "城关镇")
    response = clerk_client.post("/cases/add", data=case_form(town.id, people_count="6", title="集体反映欠薪"))
    assert response.status_code == 302
    db_session.expire_all()
    case = db_session.execute(select(Case).where(Case.title == "集体反映欠薪")).scalar_one()
    assert case.is_collective is True


def test_numbers_are_consecutive_and_unique(clerk_client, db_session):
    town = township(db_session, "城关镇")
    numbers = []
    for i in range(3):
        response = clerk_client.post("/cases/add", data=case_form(town.id, title=f"连续编号测试{i}"))
        assert response.status_code == 302
        db_session.expire_all()
        numbers.append(
            db_session.execute(select(Case.number).where(Case.title == f"连续编号测试{i}")).scalar_one()
        )
    values = [int(n.split("-")[1]) for n in numbers]
    assert values == [values[0], values[0] + 1, values[0] + 2]


def test_editing_keeps_petitioners_and_updates_them(clerk_client, db_session):
    town = township(db_session, "城关镇")
    clerk_client.post("/cases/add", data=case_form(town.id, title="编辑信访人测试"))
    db_session.expire_all()
    case = db_session.execute(select(Case).where(Case.title == "编辑信访人测试")).scalar_one()
    person = case.petitioners[0]
    form = clerk_client.get(f"/cases/edit/{case.id}").get_data(as_text=True)
    version = re.search(r'name="row_version"[^>]*value="(\d+)"', form) or re.search(
        r'value="(\d+)"[^>]*name="row_version"', form
    )
    data = case_form(
        town.id,
        title="编辑信访人测试",
        row_version=version.group(1),
        **{"petitioners-0-id": str(person.id), "petitioners-0-phone": "13900000000",
           "petitioners-1-name": "新增人", "petitioners-1-id": "", "people_count": "2"},
    )
    response = clerk_client.post(f"/cases/edit/{case.id}", data=data)
    assert response.status_code == 302, form_errors(response)
    db_session.expire_all()
    case = db_session.get(Case, case.id)
    assert [p.name for p in case.petitioners] == ["王小明", "新增人"]
    assert case.petitioners[0].id == person.id, "the existing person is updated, not replaced"
    assert case.petitioners[0].phone == "13900000000"
    assert db_session.execute(select(func.count()).select_from(Petitioner).where(Petitioner.case_id == case.id)).scalar() == 2
