"""Files of ledger entries, mediation records, 督办 answers and joint meetings (issue 19): uploaded
from the record's page by whoever does that record's work, downloaded by exactly those who may
open the record (its township, its unit; DOMAIN.md "Who uses the product"), refused as a 404 to
another township's user who types the URL — on the pages and through the API.

Expected statuses are written from the rules, role by role, not read from the code:
- the dispute ledger and mediation are read by every role of the place; supervision orders and
  joint meetings by handlers, leaders, supervisors and managers (not by clerks or 乡镇管理员: 403);
- county-level users (the county, the 信访局, the 督查室) see the whole county; a township's users
  their township; a unit's 承办人 what is assigned to their unit (城关镇's handler: records whose
  responsible/addressed unit or task is 城关镇; 人社局's handler: none of these).
"""

from __future__ import annotations

import io
import re
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from app.attachments.models import (
    AnswerAttachment,
    LedgerAttachment,
    MediationAttachment,
    MeetingAttachment,
)
from app.cases.models import Case
from app.ledgers.models import LedgerEntry, LedgerParty
from app.mediation.models import MediationRecord
from app.org.models import OrgUnit
from app.supervision.models import JointMeeting, MeetingTask, OrderAnswer, SupervisionOrder
from tests.conftest import make_app
from tests.support import DEMO_PASSWORD, login

PDF = b"%PDF-1.7\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
OTHER_PDF = "%PDF-1.4\n% 河东镇\n%%EOF\n".encode()

COUNTY = ("admin", "county_leader", "county_supervisor", "county_manager")
PLACE = ("xz_admin", "clerk", "leader", "supervisor", "manager")
USERS = (*COUNTY, "handler_rsj", *PLACE, "handler", "clerk2", "leader_hd")


def expected(seen_by: set[str], refused: set[str]) -> dict[str, int]:
    """200 for who sees the record, 403 for roles that never open this kind, 404 for the rest."""
    return {u: 200 if u in seen_by else 403 if u in refused else 404 for u in USERS}


NOT_SUPERVISION = {"xz_admin", "clerk", "clerk2"}
KINDS = {
    # kind: (url prefix, model, parent key, uploader, a reader who may not upload, who sees 城关镇's record)
    "ledger": ("/attachments/ledger", LedgerAttachment, "entry_id", "clerk", "manager",
               expected({*COUNTY, *PLACE, "handler"}, set())),
    # The record's committee is a village's: 城关镇's handler (the township's unit) has none of it.
    "mediation": ("/attachments/mediation", MediationAttachment, "record_id", "clerk", "leader",
                  expected({*COUNTY, *PLACE}, set())),
    "answer": ("/attachments/answer", AnswerAttachment, "answer_id", "leader", "supervisor",
               expected({*COUNTY, "leader", "supervisor", "manager", "handler"}, NOT_SUPERVISION)),
    "meeting": ("/attachments/meeting", MeetingAttachment, "meeting_id", "supervisor", "leader",
                expected({*COUNTY, "leader", "supervisor", "manager", "handler"}, NOT_SUPERVISION)),
}
# Who sees 河东镇's record of each kind: the county, and 河东镇's own users whose role reads it.
THEIRS = {
    "ledger": expected({*COUNTY, "clerk2", "leader_hd"}, set()),
    "mediation": expected({*COUNTY, "clerk2", "leader_hd"}, set()),
    "answer": expected({*COUNTY, "leader_hd"}, NOT_SUPERVISION),
    "meeting": expected({*COUNTY, "leader_hd"}, NOT_SUPERVISION),
}
# Who uploads to 河东镇's record of each kind (a user of that township, or the administrator).
OTHER_UPLOADER = {"ledger": "clerk2", "mediation": "clerk2", "answer": "leader_hd", "meeting": "admin"}
API_RESOURCE = {"ledger": "ledger-entries", "mediation": "mediation-records", "answer": "supervision-answers",
                "meeting": "joint-meetings"}


@pytest.fixture
def uploads(tmp_path) -> Path:
    return tmp_path / "uploads"


@pytest.fixture
def files_app(database_uri, uploads):
    application = make_app(database_uri, UPLOAD_FOLDER=str(uploads))
    yield application
    with application.app_context():
        from app.extensions import db

        db.session.remove()
        db.engine.dispose()


def _unit(s, name: str) -> OrgUnit:
    return s.execute(select(OrgUnit).where(OrgUnit.name == name)).scalar_one()


def _records(s) -> dict[str, tuple[int, int]]:
    """kind → (城关镇's record, 河东镇's record), arranged so the rules above apply plainly."""
    cg, hd = _unit(s, "城关镇"), _unit(s, "河东镇")
    found: dict[str, tuple[int, int]] = {}
    entries = []
    for town in (cg, hd):
        entry = s.execute(select(LedgerEntry).where(LedgerEntry.township_id == town.id)
                          .order_by(LedgerEntry.id).limit(1)).scalar_one()
        entry.responsible_unit_id = town.id  # 属事 the township itself
        entries.append(entry.id)
    found["ledger"] = (entries[0], entries[1])
    villages = select(OrgUnit.id).where(OrgUnit.township_id == cg.id, OrgUnit.id != cg.id)
    found["mediation"] = (
        s.execute(select(MediationRecord.id).where(MediationRecord.township_id == cg.id,
                                                   MediationRecord.org_unit_id.in_(villages))
                  .order_by(MediationRecord.id).limit(1)).scalar_one(),
        s.execute(select(MediationRecord.id).where(MediationRecord.township_id == hd.id)
                  .order_by(MediationRecord.id).limit(1)).scalar_one(),
    )
    answers, meetings = [], []
    now = datetime(2026, 11, 2, 9, 0)
    for town in (cg, hd):
        order = SupervisionOrder(kind="supervise", unit_id=town.id, issuer_township_id=town.id, issued_at=now,
                                 requirement="请于五个工作日内书面答复办理情况。", due_on=now.date() + timedelta(days=7),
                                 status="answered", answered_at=now + timedelta(days=2))
        answer = OrderAnswer(order=order, unit_id=town.id, answered_at=now + timedelta(days=2),
                             text="已约谈当事双方，达成初步调解意向。")
        meeting = JointMeeting(title=f"{town.name}矛盾纠纷联席会议", held_on=now.date(), convener="张书记",
                               township_id=town.id, decisions="由镇综治中心牵头化解。")
        meeting.tasks.append(MeetingTask(unit_id=town.id, description="走访当事人", due_on=now.date()))
        s.add_all([order, answer, meeting])
        s.flush()
        answers.append(answer.id)
        meetings.append(meeting.id)
    found["answer"] = (answers[0], answers[1])
    found["meeting"] = (meetings[0], meetings[1])
    s.commit()
    return found


def _upload(client, url: str, content: bytes, name: str):
    return client.post(url, data={"file": (io.BytesIO(content), name), "description": "签字版"},
                       content_type="multipart/form-data")


def _attachment_id(s, model, key: str, parent_id: int) -> int:
    return s.execute(select(model.id).where(getattr(model, key) == parent_id)
                     .order_by(model.id.desc()).limit(1)).scalar_one()


def test_files_follow_their_record_for_every_role(files_app, db_session, uploads):
    records = _records(db_session)
    clients = {}
    for username in USERS:
        clients[username] = files_app.test_client()
        login(clients[username], username, DEMO_PASSWORD)
    wrong = []
    for kind, (prefix, model, key, uploader, reader, seen) in KINDS.items():
        ours, theirs = records[kind]
        up = clients[uploader]
        assert _upload(up, f"{prefix}/{ours}/upload", PDF, "协议书.pdf").status_code == 302, kind
        # A reader who does not do this record's work does not upload.
        assert _upload(clients[reader], f"{prefix}/{ours}/upload", PDF, "x.pdf").status_code == 403, kind
        aid = _attachment_id(db_session, model, key, ours)
        assert _upload(clients[OTHER_UPLOADER[kind]], f"{prefix}/{theirs}/upload", OTHER_PDF,
                       "河东.pdf").status_code == 302, kind
        their_aid = _attachment_id(db_session, model, key, theirs)
        for username, want in seen.items():
            c = clients[username]
            page, download = c.get(f"{prefix}/{ours}"), c.get(f"{prefix}/download/{aid}")
            if (page.status_code, download.status_code) != (want, want):
                wrong.append(f"{kind} {username}: page {page.status_code}, file {download.status_code}, want {want}")
            elif want == 200 and download.data != PDF:
                wrong.append(f"{kind} {username}: other bytes")
            # 河东镇's file by its id: only county-level users (and 河东镇's own) ever find it.
            other = c.get(f"{prefix}/download/{their_aid}")
            want_other = THEIRS[kind][username]
            if other.status_code != want_other:
                wrong.append(f"{kind} {username}: 河东镇's file {other.status_code}, want {want_other}")
    assert wrong == []

    # The record pages link to their files; a bad file is refused next to the field, nothing kept.
    clerk = clients["clerk"]
    entry_id = records["ledger"][0]
    assert f'href="/attachments/ledger/{entry_id}"' in clerk.get(f"/ledgers/entries/show/{entry_id}").get_data(as_text=True)
    mediation_id = records["mediation"][0]
    assert f'href="/attachments/mediation/{mediation_id}"' in clerk.get(
        f"/mediation/records/show/{mediation_id}").get_data(as_text=True)
    order_page = clients["leader"].get(f"/supervision/orders/show/{_order_of(db_session, records['answer'][0])}")
    assert f'href="/attachments/answer/{records["answer"][0]}"' in order_page.get_data(as_text=True)
    meeting_id = records["meeting"][0]
    assert f'href="/attachments/meeting/{meeting_id}"' in clients["leader"].get(
        f"/supervision/meetings/show/{meeting_id}").get_data(as_text=True)
    refused = _upload(clerk, f"/attachments/ledger/{entry_id}/upload", b"MZ\x90\x00run", "照片.pdf")
    assert refused.status_code == 400
    assert re.search(r'xf-field-error">只能上传图片（JPEG、PNG）、PDF 和 Word/Excel 文档', refused.get_data(as_text=True))

    # Deleting asks first; a clerk may not, the administrator may (the file goes too).
    page = clients["admin"].get(f"/attachments/ledger/{entry_id}").get_data(as_text=True)
    aid = _attachment_id(db_session, LedgerAttachment, "entry_id", entry_id)
    assert re.search(rf'action="/attachments/ledger/delete/{aid}"[^>]*\s+data-confirm="[^"]+"', page)
    stored = db_session.get(LedgerAttachment, aid).stored_name
    assert clerk.post(f"/attachments/ledger/delete/{aid}").status_code == 403
    assert clients["clerk2"].post(f"/attachments/ledger/delete/{aid}").status_code == 403
    assert clients["admin"].post(f"/attachments/ledger/delete/{aid}").status_code == 302
    db_session.expire_all()
    assert db_session.get(LedgerAttachment, aid) is None
    assert not (uploads / stored[:2] / stored).exists()


def _order_of(s, answer_id: int) -> int:
    return s.execute(select(OrderAnswer.order_id).where(OrderAnswer.id == answer_id)).scalar_one()


def _token(client, username: str) -> dict[str, str]:
    response = client.post("/api/v1/auth/login", json={"username": username, "password": DEMO_PASSWORD})
    return {"Authorization": f"Bearer {response.get_json()['result']['access_token']}"}


def test_files_over_the_api(files_app, db_session):
    records = _records(db_session)
    c = files_app.test_client()
    tokens = {u: _token(c, u) for u in ("clerk", "leader", "supervisor", "manager", "clerk2", "leader_hd",
                                         "county_manager")}
    for kind, (_prefix, model, key, uploader, reader, _seen) in KINDS.items():
        ours, _theirs = records[kind]
        base = f"/api/v1/{API_RESOURCE[kind]}/{ours}/attachments"
        body = {"file": (io.BytesIO(PDF), "会议纪要.pdf"), "description": "扫描件"}
        created = c.post(base, data=body, content_type="multipart/form-data", headers=tokens[uploader])
        assert created.status_code == 201, (kind, created.get_json())
        aid = created.get_json()["result"]["id"]
        assert aid == _attachment_id(db_session, model, key, ours)
        refused = c.post(base, data={"file": (io.BytesIO(PDF), "x.pdf")}, content_type="multipart/form-data",
                         headers=tokens[reader])
        assert refused.status_code == 403, kind
        for username in (uploader, "county_manager"):
            listed = c.get(base, headers=tokens[username])
            assert listed.status_code == 200
            assert [row["id"] for row in listed.get_json()["result"]] == [aid]
            download = c.get(f"{base}/{aid}", headers=tokens[username])
            assert (download.status_code, download.data) == (200, PDF), (kind, username)
        # Another township's user, typing the ids: 404 whatever their role reads.
        for username in ("clerk2", "leader_hd"):
            want = 403 if kind in ("answer", "meeting") and username == "clerk2" else 404
            assert c.get(base, headers=tokens[username]).status_code == want, (kind, username)
            assert c.get(f"{base}/{aid}", headers=tokens[username]).status_code == want, (kind, username)
    # Refused input: a note too long, a file of no accepted kind — a message for the field, nothing kept.
    entry_base = f"/api/v1/ledger-entries/{records['ledger'][0]}/attachments"
    before = len(c.get(entry_base, headers=tokens["clerk"]).get_json()["result"])
    for data, field in (({"file": (io.BytesIO(PDF), "a.pdf"), "description": "长" * 201}, "description"),
                        ({"file": (io.BytesIO(b"MZ\x90\x00"), "a.pdf")}, "file")):
        refused = c.post(entry_base, data=data, content_type="multipart/form-data", headers=tokens["clerk"])
        assert (refused.status_code, refused.get_json()["field"]) == (422, field)
    assert len(c.get(entry_base, headers=tokens["clerk"]).get_json()["result"]) == before
    # A file of one record is not reached through another record's id.
    ledger_aid = _attachment_id(db_session, LedgerAttachment, "entry_id", records["ledger"][0])
    other_entry = records["ledger"][1]
    assert c.get(f"/api/v1/ledger-entries/{other_entry}/attachments/{ledger_aid}",
                 headers=tokens["county_manager"]).status_code == 404


def test_the_case_file_lists_the_linked_records_files(files_app, db_session):
    """一案一档: a ledger entry's file shows on the case the entry names, for who may open both."""
    cg = _unit(db_session, "城关镇")
    entry_id = db_session.execute(select(LedgerEntry.id).where(LedgerEntry.township_id == cg.id)
                                  .order_by(LedgerEntry.id).limit(1)).scalar_one()
    case_id = db_session.execute(select(Case.id).where(Case.township_id == cg.id, Case.category != "accusation")
                                 .order_by(Case.id).limit(1)).scalar_one()
    party = LedgerParty(entry_id=entry_id, name="王大山", case_id=case_id)
    db_session.add(party)
    # The case is assigned to 人社局 (its handler opens it); the entry is 城关镇's own business.
    db_session.get(Case, case_id).responsible_unit_id = _unit(db_session, "县人力资源和社会保障局").id
    db_session.get(LedgerEntry, entry_id).responsible_unit_id = cg.id
    db_session.commit()
    clerk = files_app.test_client()
    login(clerk, "clerk", DEMO_PASSWORD)
    assert _upload(clerk, f"/attachments/ledger/{party.entry_id}/upload", PDF, "现场照片.pdf").status_code == 302
    aid = _attachment_id(db_session, LedgerAttachment, "entry_id", party.entry_id)
    response = clerk.get(f"/cases/show/{party.case_id}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    section = page[page.index('id="dossier-table-attachments"'):]
    assert f'href="/attachments/ledger/download/{aid}"' in section[:section.index("</table>")]
    assert clerk.get(f"/attachments/ledger/download/{aid}").data == PDF
    # 人社局's handler opens the case but not the entry: its file is not listed, nor served.
    rsj = files_app.test_client()
    login(rsj, "handler_rsj", DEMO_PASSWORD)
    response = rsj.get(f"/cases/show/{party.case_id}")
    assert response.status_code == 200
    assert f"/attachments/ledger/download/{aid}" not in response.get_data(as_text=True)
    assert rsj.get(f"/attachments/ledger/download/{aid}").status_code == 404
