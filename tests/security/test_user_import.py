"""批量导入用户 (issue 20): a township administrator creates their township's users from an Excel
sheet — within their own area and grants — and each imported user must choose a password at the
first login; the initial passwords are handed out once. Also the account actions (deactivate,
unlock, reset password) of a 乡镇管理员 on their township's users only, and of the 系统管理员 on
everyone's; and role names, unique in the whole county, refused with the reason.

Expectations come from the issue and DOMAIN.md (a 乡镇管理员 manages their township's users and
grants only the non-admin built-in roles and their township's roles), not from the code.
"""

from __future__ import annotations

import io

import openpyxl
from flask_appbuilder.security.sqla.models import Role
from sqlalchemy import func, select

from app.audit.models import AuditEntry
from app.org.models import OrgUnit
from app.security.models import AppUser
from tests.forms import form_values
from tests.ledgers.support import make_user, upload, wait_for_job, workbook
from tests.support import DEMO_PASSWORD, form_errors, login, page_text, table_rows

URL = "/users/import"
STRONG = "Neu!Pass2026x"


def users(db_session) -> int:
    return db_session.execute(select(func.count()).select_from(AppUser)).scalar()


def account(db_session, username: str) -> AppUser | None:
    db_session.expire_all()
    return db_session.execute(select(AppUser).where(AppUser.username == username)).unique().scalar_one_or_none()


def job_url(response) -> str:
    assert response.status_code == 302, page_text(response)[:500]
    return response.headers["Location"].split("?")[0].rstrip("/")


def errors_by_row(client, url: str) -> dict[tuple[int, str], str]:
    rows = table_rows(client.get(url).get_data(as_text=True), "import-errors")
    return {(int(r[0]), r[1]): r[3] for r in rows}


def test_a_township_administrator_imports_users_of_the_township(app, client_as, db_session):
    xz = client_as("xz_admin")
    before = users(db_session)
    template = openpyxl.load_workbook(io.BytesIO(xz.get(f"{URL}/template").data))
    assert [c.value for c in template.worksheets[0][1]] == ["姓名", "用户名", "所属机构", "角色", "手机", "邮箱"]
    # Row 2 is good; every other row breaks one rule, in the column that says why.
    bad = workbook(xz, URL, [
        ["欧阳小明", "ouyang_xm", "城关镇", "登记员、村级信访信息员", "13800138001", "ouyang@example.cn"],
        ["王五", "wang_wu", "河东镇", "登记员", "13800138002", None],            # another township
        ["赵六", "zhao_liu", "城关镇", "乡镇管理员", "13800138003", None],       # a role beyond theirs
        ["钱七", "clerk", "城关镇", "登记员", "13800138004", None],              # login name taken
        ["孙八", "sun_ba", "红旗村", "不存在的角色", "13800138007", None],       # unknown role
        ["周九", "ouyang_xm", "城关镇", "登记员", "13800138005", None],          # twice in the file
        ["吴十", "wu_shi", "城关镇", "登记员", "12345", None],                   # not a mobile number
    ])
    state = wait_for_job(xz, job := job_url(upload(xz, URL, bad, "用户.xlsx")))
    assert state["status"] == "failed"
    errors = errors_by_row(xz, job)
    assert errors == {
        (3, "所属机构"): "「河东镇」不在您的管辖范围内",
        (4, "角色"): "你不能把角色乡镇管理员授予该机构的用户",
        (5, "用户名"): "用户名「clerk」已被使用",
        (6, "角色"): "没有名为「不存在的角色」的角色",
        (7, "用户名"): "「ouyang_xm」在文件中出现了两次",
        (8, "手机"): "请输入11位手机号码。",
    }
    assert users(db_session) == before  # all or nothing

    # The good row alone: imported, name split family-first, in the township, with both roles.
    good = workbook(xz, URL, [
        ["欧阳小明", "ouyang_xm", "城关镇", "登记员、村级信访信息员", "138 0013 8001", "ouyang@example.cn"],
        ["单 于明", "shan_ym", "城关镇/红旗村", "承办人", "13800138006", None],
    ])
    state = wait_for_job(xz, job := job_url(upload(xz, URL, good)))
    assert (state["status"], state["imported"]) == ("done", 2), state
    town = db_session.execute(select(OrgUnit).where(OrgUnit.name == "城关镇")).scalars().one()
    village = db_session.execute(select(OrgUnit).where(OrgUnit.name == "红旗村")).scalars().one()
    ouyang, shan = account(db_session, "ouyang_xm"), account(db_session, "shan_ym")
    assert (ouyang.last_name, ouyang.first_name, ouyang.org_unit_id, ouyang.mobile, ouyang.email) == (
        "欧阳", "小明", town.id, "13800138001", "ouyang@example.cn")
    assert sorted(r.name for r in ouyang.roles) == ["村级信访信息员", "登记员"]
    assert (shan.last_name, shan.first_name, shan.org_unit_id, [r.name for r in shan.roles]) == (
        "单", "于明", village.id, ["承办人"])
    assert ouyang.must_change_password and shan.must_change_password
    listed = page_text(xz.get("/users/list/?_flt_0_username=ouyang_xm"))
    # The list's columns: family name, given name, login name, org unit, roles.
    assert "欧阳 小明 ouyang_xm 城关镇 登记员、村级信访信息员" in listed
    # Importing the same file again skips what is there.
    state = wait_for_job(xz, job_url(upload(xz, URL, good)))
    assert (state["status"], state["imported"], state["skipped"]) == ("done", 0, 2), state

    # Before the passwords are handed out nobody signs in as them, whatever they type.
    for guess in ("!imported", DEMO_PASSWORD):
        refused = app.test_client().post("/login/", data={"username": "ouyang_xm", "password": guess})
        assert refused.headers["Location"] == "/login/?next=/", guess
    # The initial passwords, once, to the uploader alone.
    assert 'id="import-result-form"' in xz.get(job).get_data(as_text=True)
    clerk2 = client_as("clerk2")
    assert clerk2.post(f"{job}/result").status_code == 403
    taken = xz.post(f"{job}/result")
    assert taken.status_code == 200 and taken.headers["Cache-Control"] == "no-store"
    sheet = openpyxl.load_workbook(io.BytesIO(taken.data)).worksheets[0]
    rows = [[c.value for c in row] for row in sheet.iter_rows(min_row=2, max_row=3)]
    assert [r[:4] for r in rows] == [["欧阳小明", "ouyang_xm", "城关镇", "登记员、村级信访信息员"],
                                     ["单于明", "shan_ym", "红旗村", "承办人"]]
    again = xz.post(f"{job}/result")
    assert again.status_code == 302 and again.headers["Location"].endswith(job.split("/users/import")[1])
    page = xz.get(job).get_data(as_text=True)
    assert 'id="import-result-form"' not in page and 'id="import-result-taken"' in page

    # The imported user signs in with it and must choose their own password first.
    person = app.test_client()
    login(person, "ouyang_xm", rows[0][4])
    assert person.get("/cases/list/").headers["Location"].endswith("/resetmypassword/form")
    changed = person.post("/resetmypassword/form", data={
        "current_password": rows[0][4], "password": STRONG, "conf_password": STRONG})
    assert changed.status_code == 302, form_errors(changed)
    assert person.get("/cases/list/").status_code == 200
    assert not account(db_session, "ouyang_xm").must_change_password

    audit = db_session.execute(select(AuditEntry.summary, AuditEntry.username).where(
        AuditEntry.model.in_(["ab_user", "import_job"]), AuditEntry.username == "xz_admin")).all()
    summaries = [s for s, _ in audit]
    assert "Excel导入：用户账号，2 条记录" in summaries and "已发放初始密码" in summaries


def test_the_import_stays_in_the_importers_township_and_grants(app, client_as, db_session):
    """Another township's administrator (河东镇; the demo has none, so one is made) cannot place
    users in 城关镇 nor give them 城关镇's own role; the 系统管理员 imports anywhere, but a
    township's role only to that township's users."""
    make_user(app, "xz_hd", "乡镇管理员", "河东镇")
    hd = app.test_client()
    login(hd, "xz_hd", DEMO_PASSWORD)
    sheet = workbook(hd, URL, [
        ["吴一", "wu_yi", "城关镇", "登记员", "13800138011", None],
        ["郑二", "zheng_er", "沿河村", "村级信访信息员", "13800138012", None],
        ["冯三", "feng_san", "沿河村", "承办人、系统管理员", "13800138013", None],
    ])
    job = job_url(upload(hd, URL, sheet))
    assert wait_for_job(hd, job)["status"] == "failed"
    assert errors_by_row(hd, job) == {
        (2, "所属机构"): "「城关镇」不在您的管辖范围内",
        (3, "角色"): "没有名为「村级信访信息员」的角色",
        (4, "角色"): "你不能把角色系统管理员授予该机构的用户",
    }
    # A job is its uploader's: 城关镇's administrator does not find it.
    xz = client_as("xz_admin")
    assert xz.get(job).status_code == 404
    assert xz.post(f"{job}/result").status_code == 404

    admin = client_as("admin")
    sheet = workbook(admin, URL, [
        ["吴一", "wu_yi", "沿河村", "村级信访信息员", "13800138011", None],
        ["郑二", "zheng_er", "县信访局", "管理者", "13800138012", "clerk@example.cn"],
    ])
    job = job_url(upload(admin, URL, sheet))
    assert wait_for_job(admin, job)["status"] == "failed"
    taken_email = account(db_session, "clerk").email
    expected = {(2, "角色"): "你不能把角色村级信访信息员授予该机构的用户"}
    if taken_email == "clerk@example.cn":
        expected[(3, "邮箱")] = "邮箱「clerk@example.cn」已被使用"
    assert errors_by_row(admin, job) == expected
    assert account(db_session, "wu_yi") is None and account(db_session, "zheng_er") is None
    # The role name is the county's: 河东镇 cannot name a role like 城关镇's, and is told why.
    taken = hd.post("/rolegrants/add", data={"name": "村级信访信息员", "grant": ["cases:view"]})
    assert taken.status_code == 422
    assert form_errors(taken) == ["角色名称在全县唯一：「村级信访信息员」已是其他乡镇或县级角色的名称。"
                                  "请另取一个名称，例如「河东镇村级信访信息员」"]
    builtin = hd.post("/rolegrants/add", data={"name": "登记员", "grant": ["cases:view"]})
    assert builtin.status_code == 422 and form_errors(builtin) == ["「登记员」是内置角色的名称，请另取一个名称"]
    assert db_session.execute(select(func.count()).select_from(Role).where(Role.name == "河东镇村级信访信息员")).scalar() == 0
    made = hd.post("/rolegrants/add", data={"name": "河东镇村级信访信息员", "grant": ["cases:view"]})
    assert made.status_code == 302


def test_account_actions_of_a_township_administrator_and_of_the_administrator(app, client_as, db_session):
    from app.core.clock import now

    for name in ("clerk", "clerk2"):
        account(db_session, name).locked_at = now()
    db_session.commit()
    clerk, clerk2 = account(db_session, "clerk"), account(db_session, "clerk2")
    clerk2_password = clerk2.password
    xz = client_as("xz_admin")
    # Another township's user, by id: not found, and nothing changes.
    assert xz.post("/users/action_post", data={"action": "unlock", "rowid": [str(clerk2.id)]}).status_code == 404
    assert xz.post(f"/resetpassword/form?pk={clerk2.id}",
                   data={"password": STRONG, "conf_password": STRONG}).status_code == 404
    assert xz.post(f"/users/edit/{clerk2.id}", data={"active": ""}).status_code == 404
    after = account(db_session, "clerk2")
    assert after.locked_at is not None and after.active and after.password == clerk2_password
    # Their own township's user: unlocked, password reset, deactivated.
    assert xz.post("/users/action_post", data={"action": "unlock", "rowid": [str(clerk.id)]}).status_code == 302
    assert account(db_session, "clerk").locked_at is None
    assert xz.post(f"/resetpassword/form?pk={clerk.id}",
                   data={"password": STRONG, "conf_password": STRONG}).status_code == 302
    person = app.test_client()
    login(person, "clerk", STRONG)
    values = form_values(xz.get(f"/users/edit/{clerk.id}"))
    values.pop("active", None)
    assert xz.post(f"/users/edit/{clerk.id}", data=values).status_code == 302
    assert account(db_session, "clerk").active is False
    refused = app.test_client().post("/login/", data={"username": "clerk", "password": STRONG})
    assert (refused.status_code, refused.headers["Location"]) == (302, "/login/?next=/")
    # The 系统管理员: anyone's.
    admin = client_as("admin")
    assert admin.post("/users/action_post", data={"action": "unlock", "rowid": [str(clerk2.id)]}).status_code == 302
    assert admin.post(f"/resetpassword/form?pk={clerk2.id}",
                      data={"password": STRONG, "conf_password": STRONG}).status_code == 302
    values = form_values(admin.get(f"/users/edit/{clerk2.id}"))
    values.pop("active", None)
    assert admin.post(f"/users/edit/{clerk2.id}", data=values).status_code == 302
    after = account(db_session, "clerk2")
    assert (after.locked_at, after.active) == (None, False) and after.password != clerk2_password
