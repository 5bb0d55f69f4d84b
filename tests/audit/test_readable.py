"""The administrator's pages read in Chinese, with no raw Python or FAB text: a user's roles as a
list of names (not "[系统管理员]"), FAB's visitors' role as 公众（未登录）, permissions in the audit
log as 菜单访问 · 节假日与调休 (not "menu access on Holidays"), a meeting's follow-up task by
its unit and text (not "<app.supervision.models.MeetingTask object at 0x…>"), and the fields
every record has (创建时间, 版本号) not "Created At" / "Version"."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app.audit.models import AuditEntry
from app.supervision.models import JointMeeting
from tests.supervision.support import org
from tests.support import county_today, form_errors, page_text

RAW = ("<app.", "object at 0x", "Created At", "Version", "menu access on", "can list on")


def assert_readable(text: str) -> None:
    for raw in RAW:
        assert raw not in text, raw


def test_user_and_role_lists_read_as_names(client_as):
    admin = client_as("admin")
    users = page_text(admin.get("/users/list/"))
    assert "系统管理员" in users and "登记员" in users
    assert "[" not in users and "]" not in users
    roles = page_text(admin.get("/roles/list/"))
    assert "公众（未登录）" in roles and "Public" not in roles


def test_audit_log_names_permissions_in_chinese(client_as):
    admin = client_as("admin")
    text = page_text(admin.get("/audit/list/?_flt_0_model=ab_permission_view&psize_AuditEntryView=100"))
    assert "菜单访问 · 节假日与调休" in text and "菜单访问 · 办理时限" in text and "菜单访问 · 接口客户端" in text
    assert_readable(text)
    for raw in ("Holidays", "Deadline rules", "ApiClients"):
        assert raw not in text


def test_meeting_task_and_its_audit_entries_read_plainly(client_as, db_session):
    supervisor, admin = client_as("county_supervisor"), client_as("admin")
    meeting = db_session.execute(select(JointMeeting).limit(1)).scalar_one()
    response = supervisor.post(f"/supervision/meetings/task/{meeting.id}", data={
        "unit": str(org(db_session, "城关镇").id), "description": "逐件落实包案领导",
        "due_on": (county_today() + timedelta(days=7)).isoformat()})
    assert response.status_code == 302, form_errors(response)
    page = page_text(admin.get(f"/supervision/meetings/show/{meeting.id}"))
    assert "逐件落实包案领导" in page
    assert_readable(page)
    listed = page_text(admin.get("/audit/list/?_flt_0_model=joint_meeting_task"))
    assert "城关镇：逐件落实包案领导" in listed
    assert_readable(listed)
    entry_ids = db_session.execute(
        select(AuditEntry.id).where(AuditEntry.model.in_(("joint_meeting_task", "joint_meeting")))
    ).scalars().all()
    assert entry_ids
    for entry_id in entry_ids:
        assert_readable(page_text(admin.get(f"/audit/show/{entry_id}")))
