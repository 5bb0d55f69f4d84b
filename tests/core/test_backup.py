"""`flask backup` / `flask restore`: a round trip brings back the data and the attachments."""

from __future__ import annotations

import io
import tarfile

import pytest
from sqlalchemy import func, select

from app.attachments.models import CaseAttachment
from app.audit.models import AuditEntry
from app.cases.models import Case, Petitioner
from app.org.models import OrgUnit
from tests.conftest import make_app
from tests.isolated import database
from tests.support import login

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 80


@pytest.fixture
def backup_app(database_uri, tmp_path):
    application = make_app(database_uri, UPLOAD_FOLDER=str(tmp_path / "uploads"))
    yield application
    with application.app_context():
        from app.extensions import db

        db.session.remove()
        db.engine.dispose()


def snapshot(app) -> dict:
    with database(app) as s:
        return {
            "cases": s.execute(select(func.count()).select_from(Case)).scalar(),
            "titles": dict(s.execute(select(Case.id, Case.title)).all()),
            "petitioners": sorted(s.execute(select(Petitioner.id)).scalars()),
            "attachments": sorted(s.execute(select(CaseAttachment.original_name)).scalars()),
            "audit": s.execute(select(func.count()).select_from(AuditEntry)).scalar(),
        }


def test_backup_and_restore_round_trip(backup_app, tmp_path):
    app = backup_app
    clerk = app.test_client()
    login(clerk, "clerk")
    with database(app) as s:
        town = s.execute(select(OrgUnit).where(OrgUnit.name == "城关镇")).scalar_one()
        case_id = s.execute(select(Case.id).where(Case.township_id == town.id).limit(1)).scalar()
    response = clerk.post(
        f"/attachments/case/{case_id}/upload",
        data={"file": (io.BytesIO(PNG), "现场.png")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    before = snapshot(app)
    runner = app.test_cli_runner()

    archive = tmp_path / "backup" / "xf-backup.tar.gz"
    result = runner.invoke(args=["backup", str(archive)])
    assert result.exit_code == 0, result.output
    assert archive.is_file() and oct(archive.stat().st_mode & 0o777) == "0o600"
    with tarfile.open(archive) as tar:
        names = tar.getnames()
    assert "manifest.json" in names
    assert any(n.startswith("uploads/") for n in names)

    # Damage: a case edited, a petitioner deleted (a case is never deleted: it is voided), the
    # attachment deleted (file and row).
    admin = app.test_client()
    login(admin, "admin")
    with database(app) as s:
        victim = s.execute(select(Petitioner).where(Petitioner.case_id != case_id).limit(1)).scalar_one()
        victim_id = victim.id
        s.get(Case, case_id).title = "被改坏的标题"
        s.delete(victim)
        s.commit()
        attachment_id = s.execute(select(CaseAttachment.id)).scalar()
    assert admin.post(f"/attachments/delete/{attachment_id}").status_code == 302
    assert snapshot(app) != before

    refused = runner.invoke(args=["restore", str(archive)], input="n\n")
    assert refused.exit_code != 0
    assert snapshot(app)["titles"][case_id] == "被改坏的标题"

    result = runner.invoke(args=["restore", str(archive), "--yes"])
    assert result.exit_code == 0, result.output
    after = snapshot(app)
    # Everything as it was when the backup was taken (its own "backup" entry included), plus
    # one entry saying that the database was restored.
    assert {**after, "audit": after["audit"] - 2} == before
    assert victim_id in after["petitioners"]
    with database(app) as s:
        kinds = s.execute(select(AuditEntry.kind).order_by(AuditEntry.id.desc()).limit(2)).scalars().all()
    assert kinds == ["restore", "backup"]

    # The restored attachment is served again, byte for byte, and the app keeps working.
    with database(app) as s:
        attachment_id = s.execute(select(CaseAttachment.id)).scalar()
    clerk = app.test_client()
    login(clerk, "clerk")
    download = clerk.get(f"/attachments/download/{attachment_id}")
    assert download.status_code == 200 and download.data == PNG
    assert clerk.get("/cases/list/").status_code == 200


def test_restore_refuses_what_is_not_a_backup(backup_app, tmp_path):
    bogus = tmp_path / "bogus.tar.gz"
    bogus.write_bytes(b"not an archive")
    before = snapshot(backup_app)
    result = backup_app.test_cli_runner().invoke(args=["restore", str(bogus), "--yes"])
    assert result.exit_code != 0
    assert "not a backup" in result.output
    assert snapshot(backup_app) == before
