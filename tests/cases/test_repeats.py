"""Repeat petitions (重信重访) at registration, linking, Art. 19's warning, and merging duplicates."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app.cases.models import Case, CaseStatus, Subject
from app.cases.workflow_models import CaseEvent
from tests.cases.workflow_support import fresh, ok, refused, register, step, steps_of, unit
from tests.support import case_form, county_now, form_errors, page_text, valid_id_number

PERSON_ID = valid_id_number("19650304", "517")


def _first(db_session, clerk, title: str, **fields) -> Case:
    return register(clerk, db_session, title=title, **{"petitioners-0-id_number": PERSON_ID, **fields})


def test_same_petitioner_must_be_decided_and_can_be_linked(clerk_client, db_session):
    earlier = _first(db_session, clerk_client, "首次反映：低保被拒")
    town = unit(db_session, "城关镇")
    data = case_form(town.id, title="再次反映：低保被拒", repeat_of=None,
                     **{"petitioners-0-id_number": PERSON_ID, "petitioners-0-name": "另一个名字"})
    response = clerk_client.post("/cases/add", data=data)
    assert response.status_code == 200, "nothing is saved before the clerk decides"
    assert "该信访人此前有信访记录" in " ".join(form_errors(response))
    body = page_text(response)
    assert earlier.number in body and "同一信访人（身份证号相同）" in body
    assert "仍在办理中" in body  # Art. 19: the earlier case is still open
    assert "再次反映：低保被拒" in response.get_data(as_text=True), "the input is kept"
    assert db_session.execute(select(Case).where(Case.title == "再次反映：低保被拒")).first() is None

    data["repeat_of"] = str(earlier.id)
    response = clerk_client.post("/cases/add", data=data, follow_redirects=True)
    assert "仍在办理中" in page_text(response) and earlier.number in page_text(response)
    case = db_session.execute(select(Case).where(Case.title == "再次反映：低保被拒")).scalar_one()
    assert case.is_repeat and case.repeat_of_id == earlier.id
    event = db_session.execute(select(CaseEvent).where(CaseEvent.case_id == case.id)).scalar_one()
    assert event.details["earlier"] == earlier.number


def test_a_new_matter_of_the_same_petitioner_registers_as_first_petition(clerk_client, db_session):
    _first(db_session, clerk_client, "首次反映：路灯不亮")
    case = register(clerk_client, db_session, title="新事项：医保报销", repeat_of="new",
                    **{"petitioners-0-id_number": PERSON_ID})
    assert not case.is_repeat and case.repeat_of_id is None


def test_name_and_phone_identify_a_petitioner_without_id_number(clerk_client, db_session):
    earlier = register(clerk_client, db_session, title="无身份证首访",
                       **{"petitioners-0-id_number": "", "petitioners-0-name": "钱多多",
                          "petitioners-0-phone": "13912340000"})
    town = unit(db_session, "城关镇")
    response = clerk_client.post("/cases/add", data=case_form(
        town.id, title="无身份证再访", repeat_of=None,
        **{"petitioners-0-id_number": "", "petitioners-0-name": "钱多多", "petitioners-0-phone": "13912340000"}))
    assert response.status_code == 200
    assert earlier.number in page_text(response)
    assert "同一信访人（姓名和电话相同）" in page_text(response)


def test_live_check_shows_same_place_and_subject_within_a_year(clerk_client, db_session):
    town, village = unit(db_session, "城关镇"), unit(db_session, "红旗村")
    subject = db_session.execute(select(Subject).where(Subject.name == "交通运输")).scalar_one()
    recent = register(clerk_client, db_session, title="红旗村客运班线停运", village=str(village.id),
                      subject=str(subject.id))
    old = register(clerk_client, db_session, title="红旗村班车停运（两年前）", village=str(village.id),
                   subject=str(subject.id))
    old.received_at = county_now() - timedelta(days=400)
    db_session.commit()
    params = {"township": town.id, "village": village.id, "subject": subject.id,
              "received_at": county_now().strftime("%Y-%m-%d %H:%M"),
              "petitioners-0-name": "新来的人", "petitioners-0-id_number": "", "petitioners-0-phone": ""}
    body = page_text(clerk_client.get("/cases/repeats", query_string=params))
    assert recent.number in body and "一年内同一地点同类事项" in body
    assert old.number not in body
    # Same place and subject alone does not hold up the registration.
    case = register(clerk_client, db_session, title="红旗村班车问题新登记", repeat_of=None,
                    village=str(village.id), subject=str(subject.id),
                    **{"petitioners-0-name": "新来的人", "petitioners-0-id_number": valid_id_number("19900101", "222")})
    assert not case.is_repeat


def test_live_check_is_scoped_to_the_clerks_area(client_as, db_session):
    _first(db_session, client_as("clerk"), "城关镇的首访")
    clerk2 = client_as("clerk2")
    town2 = unit(db_session, "河东镇")
    params = {"township": town2.id, "petitioners-0-name": "某人", "petitioners-0-id_number": PERSON_ID}
    body = page_text(clerk2.get("/cases/repeats", query_string=params))
    assert "城关镇的首访" not in body
    # And 河东镇's clerk registers the same person without being held up by 城关镇's case.
    case = register(clerk2, db_session, township="河东镇", title="河东镇登记", repeat_of=None,
                    **{"petitioners-0-id_number": PERSON_ID})
    assert not case.is_repeat


def test_link_as_repeat_after_registration(clerk_client, db_session):
    earlier = register(clerk_client, db_session, title="先登记的件")
    later = register(clerk_client, db_session, title="后登记的件",
                     received_at=(county_now() - timedelta(minutes=10)).strftime("%Y-%m-%d %H:%M:%S"),
                     **{"petitioners-0-id_number": valid_id_number("19720202", "333")})
    refused(step(clerk_client, later.id, "link_repeat", earlier="XF0000-000000"), "没有此编号")
    ok(step(clerk_client, later.id, "link_repeat", earlier=earlier.number))
    later = fresh(db_session, later.id)
    assert later.is_repeat and later.repeat_of_id == earlier.id
    refused(step(clerk_client, earlier.id, "link_repeat", earlier=later.number), "须早于本件收到")


def test_merge_keeps_both_histories(client_as, db_session):
    clerk = client_as("clerk")
    kept = register(clerk, db_session, title="保留的登记")
    ok(step(clerk, kept.id, "accept"))
    duplicate = register(clerk, db_session, title="重复的登记", repeat_of="new",
                         **{"petitioners-0-name": "赵四", "petitioners-0-id_number": valid_id_number("19800808", "444")})
    ok(step(clerk, duplicate.id, "accept", note="误作新件受理"))
    refused(step(clerk, duplicate.id, "merge", target=duplicate.number), "不能合并到自身")
    ok(step(clerk, duplicate.id, "merge", target=kept.number, note="同一事项重复登记"))
    duplicate, kept = fresh(db_session, duplicate.id), fresh(db_session, kept.id)
    assert duplicate.status == CaseStatus.MERGED.value and duplicate.merged_into_id == kept.id
    assert steps_of(db_session, duplicate.id) == ["register", "accept", "merge"]
    assert steps_of(db_session, kept.id) == ["register", "accept", "merge_in"]
    assert "赵四" in [p.name for p in kept.petitioners], "the duplicate's petitioner joins the kept case"
    text = page_text(clerk.get(f"/cases/show/{kept.id}"))
    assert f"来自{duplicate.number}" in text and "误作新件受理" in text, "the kept case shows both histories"
    assert "重复登记并入" in text
    # A merged case takes no more steps.
    refused(step(clerk, duplicate.id, "propose", proposal="x"), "不能“拟办意见”")


def test_merge_target_outside_the_area_is_not_found(client_as, db_session):
    other = register(client_as("clerk"), db_session, title="城关镇的件")
    clerk2 = client_as("clerk2")
    mine = register(clerk2, db_session, township="河东镇", title="河东镇的件", repeat_of="new")
    refused(step(clerk2, mine.id, "merge", target=other.number), "没有此编号")
    assert fresh(db_session, mine.id).status == CaseStatus.REGISTERED.value
