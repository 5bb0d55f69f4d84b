"""A joint meeting's minutes (issue 19): the county supervisor opens the meeting, follows 附件,
uploads the minutes, downloads them, and deletes them — asked first, a "no" keeps the file."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.e2e.conftest import browser_login, untranslated_words

pytestmark = pytest.mark.e2e

PDF = b"%PDF-1.7\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"


def test_meeting_minutes_uploaded_downloaded_and_deleted(page, live_server, tmp_path):
    base = live_server.url
    with live_server.app.app_context():
        from app.extensions import db
        from app.supervision.models import JointMeeting

        meeting_id = db.session.execute(select(JointMeeting.id).order_by(JointMeeting.id).limit(1)).scalar_one()
        db.session.remove()

    browser_login(page, base, "county_supervisor")
    page.goto(f"{base}/supervision/meetings/show/{meeting_id}")
    page.click("#meeting-attachments")
    page.wait_for_url(re.compile(rf"/attachments/meeting/{meeting_id}$"))
    minutes = tmp_path / "会议纪要.pdf"
    minutes.write_bytes(PDF)
    page.set_input_files("#file", str(minutes))
    page.fill("#description", "第三次联席会议纪要（签字版）")
    with page.expect_navigation():
        page.click("#upload-submit")
    assert "会议纪要.pdf" in page.inner_text("table.xf-attachments")
    assert untranslated_words(page) == []
    with page.expect_download() as download_info:
        page.click('table.xf-attachments a:has-text("会议纪要.pdf")')
    assert Path(download_info.value.path()).read_bytes() == PDF

    # Deleting asks first: "cancel" keeps the file, "OK" deletes it.
    page.once("dialog", lambda dialog: dialog.dismiss())
    page.click("table.xf-attachments button:has-text(\"删除\")")
    assert "会议纪要.pdf" in page.inner_text("table.xf-attachments")
    asked: list[str] = []
    page.on("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    with page.expect_navigation():
        page.click("table.xf-attachments button:has-text(\"删除\")")
    assert "会议纪要.pdf" not in page.inner_text("table.xf-attachments")
    assert len(asked) == 1, asked  # asked once, not once per submit handler
    page.click("#attachments-back")
    page.wait_for_url(re.compile(rf"/supervision/meetings/show/{meeting_id}$"))
    assert page.js_errors == []
