"""The audit log never reads out a 检举控告 to the unit it reports on (信访工作条例 Art. 30).

An accusation against 县信访局 is hidden from the 信访局's own 系统管理员 (its case page answers
404). The audit log keeps the registration — title, content, the accuser's name — but shows the
administrator only "（保密）" with the record's id, in the list, on the entry's page and in the
export; so is the duty log entry it was registered from. Entries of records they may open read as
before.
"""

from __future__ import annotations

from sqlalchemy import select

from app.audit.models import AuditEntry
from app.cases.models import Case, Petitioner
from app.duty.models import DutyLogEntry
from app.org.models import OrgUnit
from tests.support import case_form, county_now, form_errors, page_text, valid_id_number

TITLE = "举报县信访局工作人员泄露信访人信息"
CONTENT = "县信访局某工作人员将信访人材料转给被反映人。"
ACCUSER = "检举人己"
ORDINARY = "反映小区电梯长期停运"
CALL = "来电称县信访局有人泄露材料"
CONFIDENTIAL = "（保密）"


def _org(db_session, name: str) -> OrgUnit:
    return db_session.execute(select(OrgUnit).where(OrgUnit.name == name)).scalars().one()


def test_the_audit_log_hides_an_accusation_from_the_unit_it_reports_on(clerk_client, admin_client, db_session):
    town, bureau = _org(db_session, "城关镇"), _org(db_session, "县信访局")
    for data in (
        case_form(town.id, category="accusation", title=TITLE, content=CONTENT, reported_unit=str(bureau.id),
                  **{"petitioners-0-name": ACCUSER, "petitioners-0-id_number": valid_id_number("19690909", "919")}),
        case_form(town.id, title=ORDINARY),
    ):
        response = clerk_client.post("/cases/add", data=data)
        assert response.status_code == 302, form_errors(response)
    accusation = db_session.execute(select(Case).where(Case.title == TITLE)).scalar_one()
    ordinary = db_session.execute(select(Case).where(Case.title == ORDINARY)).scalar_one()
    accuser = db_session.execute(select(Petitioner).where(Petitioner.case_id == accusation.id)).scalar_one()
    assert admin_client.get(f"/cases/show/{accusation.id}").status_code == 404

    def entry_of(table: str, record_id: int) -> AuditEntry:
        return db_session.execute(
            select(AuditEntry).where(AuditEntry.model == table, AuditEntry.record_id == str(record_id))
            .order_by(AuditEntry.id)
        ).scalars().first()

    # The 信访局's duty line took the call the accusation was registered from: the log entry is
    # the accusation's business (ScopeSpec.requires, though a duty log entry has no parent).
    log = DutyLogEntry(org_unit_id=bureau.id, received_at=county_now(), caller="某群众", summary=CALL,
                       case_id=accusation.id)
    db_session.add(log)
    db_session.commit()
    hidden = [entry_of("petition_case", accusation.id), entry_of("petitioner", accuser.id),
              entry_of("duty_log_entry", log.id)]
    assert all(e is not None for e in hidden)
    secrets = (TITLE, CONTENT, ACCUSER, accusation.number, CALL)

    for url in ("/audit/list/", "/audit/list/?q_model=petition_case", f"/audit/list/?q_record={accusation.id}",
                "/audit/list/?q_model=duty_log_entry"):
        text = page_text(admin_client.get(url))
        assert CONFIDENTIAL in text, url
        assert not any(s in text for s in secrets), url
    for entry in hidden:
        page = admin_client.get(f"/audit/show/{entry.id}")
        assert page.status_code == 200
        text = page_text(page)
        assert CONFIDENTIAL in text and entry.record_id in text
        assert not any(s in text for s in secrets), entry.model
    export = admin_client.post("/audit/export/csv").get_data(as_text=True)
    assert CONFIDENTIAL in export
    assert not any(s in export for s in secrets)

    # A record the administrator may open reads in full.
    visible = entry_of("petition_case", ordinary.id)
    text = page_text(admin_client.get(f"/audit/show/{visible.id}"))
    assert ORDINARY in text and CONFIDENTIAL not in text
    assert ORDINARY in export
