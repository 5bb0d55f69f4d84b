"""Helpers shared by the tests: logging in, building form posts, reading pages."""

from __future__ import annotations

import csv
import html
import io
import os
import re
import shutil
import subprocess
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from flask.testing import FlaskClient

from seed.data import DEMO_PASSWORD

Client = FlaskClient

# The demo county keeps Beijing time whatever the server's zone (the suite runs with TZ=UTC):
# tests read the county's clock straight from the tz database, not through the app's helper.
BEIJING = ZoneInfo("Asia/Shanghai")


def county_now() -> datetime:
    """Beijing wall-clock time, naive, to the second: what the app stores and shows."""
    return datetime.now(BEIJING).replace(tzinfo=None, microsecond=0)


def county_today() -> date:
    return datetime.now(BEIJING).date()

__all__ = ["DEMO_PASSWORD", "Client", "case_form", "county_now", "county_today", "form_errors", "libreoffice_csv", "login",
           "page_text", "table_rows", "valid_id_number"]


def login(client: FlaskClient, username: str, password: str = DEMO_PASSWORD) -> None:
    response = client.post("/login/", data={"username": username, "password": password})
    assert response.status_code == 302, f"login as {username} failed: {response.status_code}"
    assert "/login" not in response.headers.get("Location", ""), f"login as {username} refused"


def page_text(response: Any) -> str:
    """The visible text of an HTML response, tags stripped and entities decoded."""
    body = response.get_data(as_text=True)
    body = re.sub(r"<script.*?</script>|<style.*?</style>", " ", body, flags=re.S)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", body))).strip()


def form_errors(response: Any) -> list[str]:
    """The messages shown next to form fields (and danger flashes) on a page."""
    body = response.get_data(as_text=True)
    found = re.findall(
        r'class="(?:help-block xf-field-error|alert alert-danger[^"]*)"[^>]*>(.*?)</(?:span|div)>',
        body,
        flags=re.S,
    )
    return [re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", f))).strip() for f in found]


def table_rows(html_text: str, table_id: str) -> list[list[str]]:
    """The text of each body row's cells of the table with this id."""
    body = html_text.split(f'id="{table_id}"', 1)[1].split("</table>", 1)[0].split("<tbody>", 1)[1]
    rows = []
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S):
        cells = re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row, re.S)
        rows.append([re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", c))).strip() for c in cells])
    return rows


def libreoffice_csv(xlsx: bytes, tmp_path: Any) -> list[list[str]]:
    """The first sheet of an .xlsx as LibreOffice reads it (converted to UTF-8 CSV).

    `make test` installs LibreOffice (Makefile, system-deps), so a missing one is a failure; set
    XF_TEST_WITHOUT_LIBREOFFICE=1 to skip these checks on a machine deliberately without it."""
    if os.environ.get("XF_TEST_WITHOUT_LIBREOFFICE") == "1":
        pytest.skip("XF_TEST_WITHOUT_LIBREOFFICE=1: LibreOffice deliberately absent")
    program = shutil.which("libreoffice") or shutil.which("soffice")
    assert program, "LibreOffice is not installed (make system-deps); XF_TEST_WITHOUT_LIBREOFFICE=1 skips this"
    source = tmp_path / "export.xlsx"
    source.write_bytes(xlsx)
    subprocess.run(
        [program, "--headless", "--convert-to", "csv:Text - txt - csv (StarCalc):44,34,76",
         "--outdir", str(tmp_path), str(source)],
        check=True, capture_output=True, timeout=120, env={"HOME": str(tmp_path), "PATH": "/usr/bin:/bin"},
    )
    return list(csv.reader(io.StringIO((tmp_path / "export.csv").read_text(encoding="utf-8"))))


def valid_id_number(birth: str = "19800101", seq: str = "123") -> str:
    from app.core.validators import id_number_checksum

    first17 = f"230101{birth}{seq}"
    return first17 + id_number_checksum(first17)


def case_form(township_id: int, subject_id: int | None = None, **overrides: Any) -> dict[str, Any]:
    """A valid case registration form post (one petitioner), overridable field by field."""
    data: dict[str, Any] = {
        "channel": "visit",
        "received_at": (county_now() - timedelta(hours=1)).strftime("%Y-%m-%d %H:%M:%S"),
        "category": "claim",
        "subject": str(subject_id) if subject_id else "__None",
        "title": "反映村道施工长期停工",
        "content": "村里通往镇上的水泥路停工半年，雨天无法通行。",
        "demands": "尽快恢复施工",
        "people_count": "1",
        "township": str(township_id),
        "village": "__None",
        "responsible_unit": "__None",
        "petitioners-0-name": "王小明",
        "petitioners-0-id_number": valid_id_number(),
        "petitioners-0-phone": "13812345678",
        "petitioners-0-address": "城关镇红旗村",
        "petitioners-0-id": "",
        # The clerk's answer to the repeat check (重信重访): "new", or an earlier case's id.
        "repeat_of": "new",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}
