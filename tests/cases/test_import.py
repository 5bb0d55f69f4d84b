"""信访件导入: the same Excel mechanism for cases — numbers, petitioners, idempotency, errors."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select

from app.cases.importing import CASE_IMPORT
from app.cases.models import Case
from tests.ledgers.support import upload, wait_for_job, workbook
from tests.support import county_now, page_text, valid_id_number

URL = "/cases/import"
KEYS = [c.key for c in CASE_IMPORT.columns]


def row(**values: Any) -> list[Any]:
    base = {
        "received_at": county_now() - timedelta(days=3), "channel": "来访",
        "petitioners": "周大海", "township": "城关镇", "village": "红旗村", "category": "申诉求决类",
        "subject": "城乡建设", "title": "反映村道施工停工", "content": "村道停工半年，雨天无法通行。",
    }
    base.update(values)
    return [base.get(key) for key in KEYS]


def cases(db_session) -> int:
    db_session.rollback()
    return db_session.execute(select(func.count()).select_from(Case)).scalar()


def run(client, data: bytes):
    response = upload(client, URL, data, "信访件.xlsx")
    assert response.status_code == 302, page_text(response)
    return wait_for_job(client, response.headers["Location"]), response.headers["Location"]


def test_cases_import_with_numbers_and_petitioners(clerk_client, db_session):
    before = cases(db_session)
    data = workbook(clerk_client, URL, [
        row(reference="QS-2026-001"),
        row(reference="QS-2026-002", petitioners="吴一、郑二", id_numbers=f"{valid_id_number('19700101', '101')}、{valid_id_number('19710101', '102')}",
            phones="13911112222、0451-87654321", people_count=6, title="集体反映拖欠工资"),
    ])
    state, _ = run(clerk_client, data)
    assert (state["status"], state["imported"]) == ("done", 2), state
    assert cases(db_session) == before + 2
    first, second = db_session.execute(select(Case).order_by(Case.id.desc()).limit(2)).scalars().all()[::-1]
    assert re.fullmatch(r"XF\d{4}-\d{6}", first.number) and first.number < second.number
    assert (first.status, first.channel, first.category, first.subject.name) == ("registered", "visit", "claim", "城乡建设")
    assert second.petitioner_names == "吴一、郑二" and second.is_collective
    assert [p.phone for p in second.petitioners] == ["13911112222", "0451-87654321"]
    # The same original numbers again: nothing new, even with a corrected title.
    state, _ = run(clerk_client, workbook(clerk_client, URL, [row(reference="QS-2026-001", title="标题改了")]))
    assert (state["status"], state["imported"], state["skipped"]) == ("done", 0, 1)
    assert cases(db_session) == before + 2


def test_case_rows_use_the_registration_rules(clerk_client, db_session):
    before = cases(db_session)
    data = workbook(clerk_client, URL, [
        row(),
        row(id_numbers="230101198001011234"),
        row(petitioners="甲、乙、丙", people_count=2),
        row(channel="飞鸽传书"),
        row(subject="不存在的分类", village="永安村"),
    ])
    state, job_url = run(clerk_client, data)
    assert state["status"] == "failed"
    assert cases(db_session) == before
    page = page_text(clerk_client.get(job_url))
    assert "身份证号" in page and "校验" in page
    assert "人数（2）少于" in page
    assert "飞鸽传书" in page and "不存在的分类" in page


def test_the_error_report_masks_id_numbers_and_phones_like_every_list(clerk_client):
    """Issue 16 item 6a: the report repeats the cells it refuses — masked, page and workbook."""
    import io

    import openpyxl

    bad_id, bad_phone = "230101198001011234", "1381234567"  # a wrong check digit; ten digits
    written = "请回电13912345678"  # a number written into a free-text cell of a refused row
    data = workbook(clerk_client, URL, [
        row(id_numbers=bad_id, phones=bad_phone),
        row(title=written, channel="飞鸽传书"),
    ])
    state, job_url = run(clerk_client, data)
    assert state["status"] == "failed"
    page = clerk_client.get(job_url).get_data(as_text=True)
    sheet = openpyxl.load_workbook(io.BytesIO(clerk_client.get(f"{job_url}/errors.xlsx").data)).worksheets[0]
    report = " ".join(str(c) for r in sheet.iter_rows(values_only=True) for c in r if c is not None)
    for shown in (page, report):
        assert bad_id not in shown and bad_phone not in shown and "13912345678" not in shown
        # README's masks: the first and last four of an ID number; a phone's last four.
        assert "2301**********1234" in shown and "****4567" in shown
    assert "飞鸽传书" in report  # the report still says what was refused
