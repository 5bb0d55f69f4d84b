"""Case attachments: type by content, size limit, random names outside static, scoped serving."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.attachments.models import CaseAttachment
from app.audit.models import AuditEntry
from app.cases.models import Case
from app.org.models import OrgUnit
from tests.isolated import database
from tests.support import login, page_text

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00\x10JFIF" + b"\x00" * 64
PDF = b"%PDF-1.7\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"


def docx_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


def plain_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("run.exe", b"MZ\x90\x00")
    return buffer.getvalue()


@pytest.fixture
def uploads(tmp_path) -> Path:
    return tmp_path / "uploads"


@pytest.fixture
def att_app(app, uploads):
    """The worker's app with this test's upload folder and a 64 KB limit (undone after)."""
    app.config.update(UPLOAD_FOLDER=str(uploads), ATTACHMENT_MAX_BYTES=64 * 1024)
    return app


def as_user(app, username: str):
    client = app.test_client()
    login(client, username)
    return client


def case_in(app, township: str) -> int:
    with database(app) as s:
        town = s.execute(select(OrgUnit).where(OrgUnit.name == township)).scalar_one()
        return s.execute(
            select(Case.id).where(Case.township_id == town.id).order_by(Case.id).limit(1)
        ).scalar()


def upload(client, case_id: int, content: bytes, name: str, description: str = ""):
    return client.post(
        f"/attachments/case/{case_id}/upload",
        data={"file": (io.BytesIO(content), name), "description": description},
        content_type="multipart/form-data",
    )


def attachments(app, case_id: int) -> list[CaseAttachment]:
    with database(app) as s:
        found = list(
            s.execute(select(CaseAttachment).where(CaseAttachment.case_id == case_id)).scalars()
        )
        s.expunge_all()
        return found


def test_clerk_attaches_a_photo_and_downloads_it(att_app, uploads):
    clerk = as_user(att_app, "clerk")
    case_id = case_in(att_app, "城关镇")
    response = upload(clerk, case_id, PNG, "现场照片.png", "道路停工现场")
    assert response.status_code == 302
    [stored] = attachments(att_app, case_id)
    assert (stored.original_name, stored.content_type, stored.size) == ("现场照片.png", "image/png", len(PNG))
    assert stored.description == "道路停工现场"

    # Kept under the upload folder with a random name: nothing of the user's name in the path.
    files = [p for p in uploads.rglob("*") if p.is_file()]
    assert len(files) == 1
    assert files[0].name == stored.stored_name and len(stored.stored_name) == 32
    assert "现场" not in str(files[0]) and "static" not in str(files[0])
    assert files[0].read_bytes() == PNG

    page = clerk.get(f"/attachments/case/{case_id}")
    assert "现场照片.png" in page_text(page) and "道路停工现场" in page_text(page)
    assert f"/attachments/case/{case_id}" in clerk.get(f"/cases/show/{case_id}").get_data(as_text=True)

    download = clerk.get(f"/attachments/download/{stored.id}")
    assert download.status_code == 200 and download.data == PNG
    assert download.headers["Content-Type"] == "image/png"
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in download.headers["Cache-Control"]

    with database(att_app) as s:
        entry = s.execute(
            select(AuditEntry).where(AuditEntry.model == "case_attachment", AuditEntry.kind == "create")
        ).scalar_one()
        assert entry.username == "clerk"
        assert json.loads(entry.details)["original_name"] == {"new": "现场照片.png"}


@pytest.mark.parametrize(
    ("content", "name"),
    [
        (JPEG, "scan.jpg"),
        (JPEG, "scan.JPEG"),
        (PDF, "答复意见书.pdf"),
        (None, "调查报告.docx"),
    ],
)
def test_accepted_types(att_app, content, name):
    clerk = as_user(att_app, "clerk")
    case_id = case_in(att_app, "城关镇")
    response = upload(clerk, case_id, content if content is not None else docx_bytes(), name)
    assert response.status_code == 302, page_text(response)
    assert [a.original_name for a in attachments(att_app, case_id)] == [name]


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"MZ\x90\x00\x03" + b"\x00" * 100, "tool.exe", "只能上传"),
        (b"<html><script>alert(1)</script></html>", "page.html", "只能上传"),
        (b"<html><script>alert(1)</script></html>", "fake.pdf", "只能上传"),
        (b"MZ\x90\x00\x03" + b"\x00" * 100, "photo.png", "只能上传"),
        (PNG, "looks-like.pdf", "不符"),
        (plain_zip(), "archive.docx", "只能上传"),
        (b"", "empty.pdf", "空"),
        (b"%PDF-1.7\n" + b"0" * (65 * 1024), "big.pdf", "超过"),
    ],
)
def test_refused_uploads_store_nothing(att_app, uploads, content, name, message):
    clerk = as_user(att_app, "clerk")
    case_id = case_in(att_app, "城关镇")
    response = upload(clerk, case_id, content, name)
    assert response.status_code == 400
    assert message in page_text(response), page_text(response)
    assert attachments(att_app, case_id) == []
    assert not [p for p in uploads.rglob("*") if p.is_file()]


def test_another_township_gets_404_everywhere(att_app):
    clerk = as_user(att_app, "clerk")
    case_id = case_in(att_app, "城关镇")
    upload(clerk, case_id, PNG, "photo.png")
    [stored] = attachments(att_app, case_id)

    clerk2 = as_user(att_app, "clerk2")  # 河东镇
    assert clerk2.get(f"/attachments/case/{case_id}").status_code == 404
    assert clerk2.get(f"/attachments/download/{stored.id}").status_code == 404
    assert upload(clerk2, case_id, PNG, "other.png").status_code == 404
    assert len(attachments(att_app, case_id)) == 1
    admin = as_user(att_app, "admin")
    assert admin.post(f"/attachments/delete/{stored.id + 1000}").status_code == 404


def test_readers_download_but_do_not_upload_or_delete(att_app, uploads):
    clerk = as_user(att_app, "clerk")
    case_id = case_in(att_app, "城关镇")
    upload(clerk, case_id, PDF, "reply.pdf")
    [stored] = attachments(att_app, case_id)

    leader = as_user(att_app, "leader")  # 城关镇, reads cases
    assert leader.get(f"/attachments/download/{stored.id}").data == PDF
    page = leader.get(f"/attachments/case/{case_id}")
    assert 'id="upload-form"' not in page.get_data(as_text=True)
    assert upload(leader, case_id, PNG, "x.png").status_code == 403
    assert leader.post(f"/attachments/delete/{stored.id}").status_code == 403
    assert clerk.post(f"/attachments/delete/{stored.id}").status_code == 403
    assert len(attachments(att_app, case_id)) == 1

    admin = as_user(att_app, "admin")
    assert admin.post(f"/attachments/delete/{stored.id}").status_code == 302
    assert attachments(att_app, case_id) == []
    assert not [p for p in uploads.rglob("*") if p.is_file()]
    with database(att_app) as s:
        deleted = s.execute(
            select(func.count()).where(
                AuditEntry.model == "case_attachment", AuditEntry.kind == "delete",
                AuditEntry.username == "admin",
            )
        ).scalar()
        assert deleted == 1


def test_files_are_not_reachable_as_static_files(att_app, uploads):
    clerk = as_user(att_app, "clerk")
    case_id = case_in(att_app, "城关镇")
    upload(clerk, case_id, PNG, "photo.png")
    [stored] = attachments(att_app, case_id)
    for path in (
        f"/static/{stored.stored_name}",
        f"/static/uploads/{stored.stored_name[:2]}/{stored.stored_name}",
        f"/uploads/{stored.stored_name}",
    ):
        assert clerk.get(path).status_code == 404
