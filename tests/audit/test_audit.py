"""The audit log: an entry for each kind of event, append-only, and the administrator's view."""

from __future__ import annotations

import io
import json
from dataclasses import dataclass

import pytest
from openpyxl import load_workbook
from sqlalchemy import delete, func, select, text, update

from app.audit.capture import AuditLogIsAppendOnly
from app.audit.models import AuditEntry
from app.cases.models import Case, Petitioner
from app.org.models import OrgUnit
from app.security.models import AppUser
from tests.forms import form_values
from tests.isolated import database
from tests.support import DEMO_PASSWORD, case_form, form_errors, page_text, valid_id_number


def entries(app, **where) -> list[AuditEntry]:
    stmt = select(AuditEntry).order_by(AuditEntry.id)
    for column, value in where.items():
        stmt = stmt.where(getattr(AuditEntry, column) == value)
    with database(app) as s:
        found = list(s.execute(stmt).scalars())
        s.expunge_all()
    return found


def last_id(app) -> int:
    with database(app) as s:
        return s.execute(select(func.max(AuditEntry.id))).scalar() or 0


def newer(app, since: int, **where) -> list[AuditEntry]:
    return [e for e in entries(app, **where) if e.id > since]


@dataclass
class CaseInfo:
    id: int
    number: str
    title: str
    township_id: int
    first_petitioner: str


def chengguan_case(app) -> CaseInfo:
    with database(app) as s:
        town = s.execute(select(OrgUnit).where(OrgUnit.name == "城关镇")).scalar_one()
        case = s.execute(
            select(Case)
            .where(Case.township_id == town.id, Case.id.in_(select(Petitioner.case_id)))
            # A finished case's registration can no longer be edited (the workflow's rule).
            .where(Case.status.not_in(("closed", "merged", "not_accepted")))
            .order_by(Case.id)
            .limit(1)
        ).scalar_one()
        return CaseInfo(case.id, case.number, case.title, town.id, case.petitioners[0].name)


def scalar(app, statement, **params):
    with database(app) as s:
        return s.execute(text(statement) if isinstance(statement, str) else statement, params).scalar()


# --- logins ---------------------------------------------------------------------------------------


def test_logins_logouts_and_failures_are_logged(app, client):
    start = last_id(app)
    client.post("/login/", data={"username": "clerk", "password": "wrong-password"})
    client.post("/login/", data={"username": "nobody-here", "password": "whatever"})
    client.post("/login/", data={"username": "clerk", "password": DEMO_PASSWORD})
    client.post("/logout/")

    failed = newer(app, start, kind="login_failed")
    assert [(e.username, json.loads(e.details)["reason"]) for e in failed] == [
        ("clerk", "wrong password"),
        (None, "unknown user"),
    ]
    assert failed[1].summary == "nobody-here"  # the login name that was tried
    with database(app) as s:
        clerk = s.execute(select(AppUser).where(AppUser.username == "clerk")).scalar_one()
        clerk_id, clerk_org = clerk.id, clerk.org_unit_id
    login = newer(app, start, kind="login")
    assert [(e.username, e.user_id, e.path) for e in login] == [("clerk", clerk_id, "/login/")]
    assert login[0].org_unit_id == clerk_org
    assert [e.username for e in newer(app, start, kind="logout")] == ["clerk"]
    # The login statistics FAB keeps on the user are not logged as changes of the user.
    assert newer(app, start, kind="update", model="ab_user") == []


# --- changes ----------------------------------------------------------------------------------------


def test_registering_a_case_logs_the_case_and_masked_petitioners(app, clerk_client):
    town_id = chengguan_case(app).township_id
    start = last_id(app)
    id_number = valid_id_number("19850203", "456")
    response = clerk_client.post(
        "/cases/add", data=case_form(town_id, **{"petitioners-0-id_number": id_number})
    )
    assert response.status_code == 302, form_errors(response)
    with database(app) as s:
        case_id, number = s.execute(
            select(Case.id, Case.number).order_by(Case.id.desc()).limit(1)
        ).one()

    [created] = newer(app, start, kind="create", model="petition_case")
    assert created.record_id == str(case_id)
    assert created.summary == number
    assert created.username == "clerk" and created.path == "/cases/add"
    details = json.loads(created.details)
    assert details["title"] == {"new": "反映村道施工长期停工"}
    assert details["township_id"] == {"new": town_id}
    [person] = newer(app, start, kind="create", model="petitioner")
    person_details = json.loads(person.details)
    # Personal data is masked in the log as in any list; the full value is not copied.
    assert person_details["id_number"] == {"new": id_number[:4] + "*" * 10 + id_number[-4:]}
    assert person_details["phone"] == {"new": "138****5678"}
    assert id_number not in person.details


def test_editing_a_case_logs_old_and_new_values_once(app, clerk_client):
    case = chengguan_case(app)
    with database(app) as s:
        # The form's date-time input has minute precision: start from a whole minute, so
        # that the only change is the one the clerk makes.
        stored = s.get(Case, case.id)
        stored.received_at = stored.received_at.replace(second=0)
        s.commit()
    data = form_values(clerk_client.get(f"/cases/edit/{case.id}"))
    data["title"] = "标题已更正：村道停工问题"
    start = last_id(app)
    response = clerk_client.post(f"/cases/edit/{case.id}", data=data)
    assert response.status_code == 302, form_errors(response)

    [changed] = newer(app, start, model="petition_case")
    assert changed.kind == "update"
    assert changed.username == "clerk"
    assert changed.path == f"/cases/edit/{case.id}"
    # Only what changed (no version bump, no updated_at), old and new side by side.
    assert json.loads(changed.details) == {
        "title": {"old": case.title, "new": "标题已更正：村道停工问题"}
    }


def test_deleting_a_record_logs_its_last_values(app, admin_client):
    subject_id = scalar(app, "SELECT max(id) FROM subject")
    name = scalar(app, "SELECT name FROM subject WHERE id = :i", i=subject_id)
    with database(app) as s:
        s.execute(text("UPDATE petition_case SET subject_id = NULL WHERE subject_id = :i"), {"i": subject_id})
        s.commit()
    start = last_id(app)
    response = admin_client.post(f"/subjects/delete/{subject_id}")
    assert response.status_code == 302
    [deleted] = newer(app, start, kind="delete")
    assert (deleted.model, deleted.record_id, deleted.username) == ("subject", str(subject_id), "admin")
    assert json.loads(deleted.details)["name"] == {"old": name}


def test_role_grants_are_logged_as_permission_changes(app, xz_admin_client):
    handler_id = scalar(app, "SELECT id FROM ab_user WHERE username = 'handler'")
    leader_role = scalar(app, "SELECT id FROM ab_role WHERE name = '领导'")
    data = form_values(xz_admin_client.get(f"/users/edit/{handler_id}"))
    data["roles"] = [data["roles"], str(leader_role)] if data.get("roles") else [str(leader_role)]
    start = last_id(app)
    response = xz_admin_client.post(f"/users/edit/{handler_id}", data=data)
    assert response.status_code == 302, form_errors(response)

    [grant] = newer(app, start, model="ab_user")
    assert grant.kind == "permission"
    assert grant.username == "xz_admin"
    assert grant.record_id == str(handler_id)
    assert json.loads(grant.details)["roles"] == {"added": ["领导"]}


def test_orm_bulk_statements_are_logged(app):
    from app.core.database import write_transactions

    start = last_id(app)
    with app.test_request_context("/jobs/recount"), write_transactions(), database(app) as s:
        s.execute(update(Case).where(Case.status == "closed").values(is_repeat=True))
        s.commit()
    [bulk] = newer(app, start, model="petition_case")
    details = json.loads(bulk.details)
    assert bulk.kind == "update" and details["bulk"] is True
    assert bulk.path == "/jobs/recount"
    assert details["values"] == {"is_repeat": True}
    assert "closed" in details["where"]
    closed = scalar(app, select(func.count()).where(Case.status == "closed"))
    assert details["rows"] == closed > 0


def test_a_refused_change_leaves_no_entry(app, clerk_client):
    town_id = chengguan_case(app).township_id
    start = last_id(app)
    response = clerk_client.post("/cases/add", data=case_form(town_id, people_count="0"))
    assert response.status_code == 200 and form_errors(response)
    assert newer(app, start, kind="create") == []


# --- views of personal data -----------------------------------------------------------------------


def test_full_view_of_personal_data_is_logged(app, clerk_client, client_as):
    case = chengguan_case(app)
    start = last_id(app)
    page = clerk_client.get(f"/cases/show/{case.id}")
    assert page.status_code == 200
    assert case.first_petitioner in page_text(page)
    [viewed] = newer(app, start, kind="personal_data")
    assert (viewed.username, viewed.model, viewed.record_id) == ("clerk", "petition_case", str(case.id))
    assert viewed.summary == case.number
    assert json.loads(viewed.details)["fields"] == ["id_number", "phone"]
    assert viewed.path == f"/cases/show/{case.id}" and viewed.method == "GET"

    clerk_client.get(f"/cases/edit/{case.id}")  # the edit form shows them in full too
    assert len(newer(app, start, kind="personal_data")) == 2

    # Another township's clerk cannot open the case: nothing shown, nothing logged.
    assert client_as("clerk2").get(f"/cases/show/{case.id}").status_code == 404
    assert len(newer(app, start, kind="personal_data")) == 2


# --- append-only ------------------------------------------------------------------------------------


def test_entries_cannot_be_changed_or_deleted_through_the_orm(app):
    from app.core.database import write_transactions

    with app.test_request_context("/"), write_transactions(), database(app) as s:
        entry = s.execute(select(AuditEntry).limit(1)).scalar_one()
        entry.summary = "rewritten"
        with pytest.raises(AuditLogIsAppendOnly):
            s.flush()
        s.rollback()
        entry = s.execute(select(AuditEntry).limit(1)).scalar_one()
        s.delete(entry)
        with pytest.raises(AuditLogIsAppendOnly):
            s.flush()
        s.rollback()
        with pytest.raises(AuditLogIsAppendOnly):
            s.execute(delete(AuditEntry))
        s.rollback()
        with pytest.raises(AuditLogIsAppendOnly):
            s.execute(update(AuditEntry).values(summary="x"))
        s.rollback()
    assert entries(app, summary="rewritten") == []


def test_database_refuses_updates_and_deletes_of_entries(app):
    from sqlalchemy.exc import DBAPIError

    count = select(func.count()).select_from(AuditEntry)
    before = scalar(app, count)
    assert before > 0
    with app.app_context():
        from app.extensions import db

        engine = db.engine
        statements = ["UPDATE audit_entry SET summary = 'rewritten'", "DELETE FROM audit_entry"]
        if engine.dialect.name == "postgresql":
            statements.append("TRUNCATE audit_entry")
        for statement in statements:
            with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
                conn.execute(text(statement))
    assert scalar(app, count) == before
    assert entries(app, summary="rewritten") == []


# --- the administrator's view ------------------------------------------------------------------


def test_only_the_administrator_reads_the_audit_log(admin_client, client_as):
    assert admin_client.get("/audit/list/").status_code == 200
    assert "审计日志" in page_text(admin_client.get("/"))
    for login in ("xz_admin", "clerk", "handler", "leader", "supervisor", "manager",
                  "county_clerk", "county_leader", "county_supervisor", "county_manager"):
        user_client = client_as(login)
        assert user_client.get("/audit/list/").status_code == 403, login
        assert user_client.get("/audit/show/1").status_code == 403, login
        assert user_client.post("/audit/export/xlsx").status_code == 403, login
        assert "审计日志" not in page_text(user_client.get("/")), login


def test_nobody_can_edit_or_delete_entries_through_the_product(app, admin_client):
    entry_id = last_id(app)
    assert admin_client.get(f"/audit/edit/{entry_id}").status_code == 404
    assert admin_client.post(f"/audit/edit/{entry_id}", data={"summary": "x"}).status_code == 404
    assert admin_client.post(f"/audit/delete/{entry_id}").status_code == 404
    assert admin_client.get("/audit/add").status_code == 404
    response = admin_client.post("/audit/action_post", data={"action": "muldelete", "rowid": [entry_id]})
    assert response.status_code == 404
    body = admin_client.get("/audit/list/").get_data(as_text=True)
    assert "/audit/edit/" not in body and "/audit/delete/" not in body
    [entry] = entries(app, id=entry_id)
    assert entry.summary != "x"


def test_audit_list_filters_and_entry_page(app, admin_client, clerk_client):
    case = chengguan_case(app)
    clerk_client.get(f"/cases/show/{case.id}")
    listed = page_text(admin_client.get("/audit/list/?q_kind=personal_data&q_username=clerk"))
    rows = listed.split("记录数", 1)[1]  # the table, after the filter form's options
    assert rows.startswith(": 1 ")
    assert "查看个人信息 clerk 信访件" in rows and case.number in rows
    entry = newer(app, 0, kind="personal_data", username="clerk")[-1]
    shown = page_text(admin_client.get(f"/audit/show/{entry.id}"))
    assert case.number in shown and "信访件" in shown and "clerk" in shown

    # A change entry reads as field labels with before/after values.
    data = form_values(clerk_client.get(f"/cases/edit/{case.id}"))
    data["title"] = "新标题"
    clerk_client.post(f"/cases/edit/{case.id}", data=data)
    change = newer(app, entry.id, kind="update", model="petition_case")[-1]
    shown = page_text(admin_client.get(f"/audit/show/{change.id}"))
    assert "标题" in shown and "新标题" in shown and case.title in shown and "修改前" in shown


def test_export_of_the_audit_log_is_a_workbook_and_is_itself_logged(app, admin_client):
    for name in ("审计导出甲", "审计导出乙"):  # demo data is not audited: make entries to export
        response = admin_client.post("/subjects/add", data={"name": name, "sort_order": "90", "active": "y"})
        assert response.status_code == 302
    matching = len(entries(app, kind="create", model="subject"))
    assert matching == 2
    response = admin_client.post("/audit/export/xlsx?q_kind=create&q_model=subject&q_username=")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("时间", "类型", "登录名", "对象类型")
    assert len(rows) - 1 == matching
    assert {r[1] for r in rows[1:]} == {"新增"}
    assert {r[3] for r in rows[1:]} == {"问题分类"}  # the record type by name, not "subject"

    # Two entries (the log is append-only): the start, before the first byte, and the end.
    [start, end] = entries(app, kind="export")
    for entry in (start, end):
        assert (entry.username, entry.model, entry.path) == ("admin", "audit_entry", "/audit/export/xlsx")
    listed = {"list": "审计日志", "filters": {"q_kind": "create", "q_model": "subject"}, "format": "xlsx"}
    assert json.loads(start.details) == {**listed, "result": "开始导出"}
    assert json.loads(end.details) == {**listed, "rows": matching, "result": f"完成，{matching} 行", "start": start.id}


def test_every_list_export_is_logged(app, client_as):
    manager = client_as("manager")
    response = manager.post("/cases/export/csv?q_status=closed")
    assert response.status_code == 200
    lines = response.get_data(as_text=True).strip().splitlines()
    [start, end] = entries(app, kind="export")
    for entry in (start, end):
        assert (entry.username, entry.model, entry.summary) == ("manager", "petition_case", "信访件")
    assert json.loads(end.details) == {
        "list": "信访件",
        "filters": {"q_status": "closed"},
        "format": "csv",
        "rows": len(lines) - 1,
        "result": f"完成，{len(lines) - 1} 行",
        "start": start.id,
    }
