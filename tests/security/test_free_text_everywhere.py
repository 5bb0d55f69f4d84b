"""Phones and ID numbers people write into free text (issue 16 item 6) are masked for roles that
see masks on every page that shows such text — the custom pages of holdings, 督办单, 问责,
联席会议, 包案 coverage, a case's void and pause reasons, a ledger entry's history — and in every
export; a role with the grant 办理信访人个人信息 reads them as written.

The masks are README's (138****5678, 3201**********1234), computed here from the digits."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from sqlalchemy import select

from app.cases.models import Case
from app.org.models import OrgUnit
from tests.support import county_now, page_text

WRITTEN = "已联系信访人，电话138 1234 5678，身份证320102199001011234。"
IN_FULL = ("138 1234 5678", "320102199001011234")
MASKED = ("138****5678", "3201**********1234")


def _org(db_session, name: str) -> OrgUnit:
    return db_session.execute(select(OrgUnit).where(OrgUnit.name == name)).scalars().one()


def _write_everywhere(db_session) -> dict[str, str]:
    """The text written into one record of each kind; the pages that show it, by name."""
    from app.cases.models import OPEN_STATUSES
    from app.cases.workflow_models import CaseEvent, Pause
    from app.leaders.models import Holding, HoldingNote, HoldingProposal, Leader
    from app.ledgers.models import LevelChange
    from app.supervision.models import (
        AccountabilityRecord,
        JointMeeting,
        MeetingTask,
        SupervisionOrder,
    )
    from tests.ledgers.support import make_entry

    town, rsj = _org(db_session, "城关镇"), _org(db_session, "县人力资源和社会保障局")
    now = county_now().replace(tzinfo=None)
    holding = db_session.execute(select(Holding).join(Leader, Holding.leader_id == Leader.id)
                                 .where(Leader.org_unit_id == town.id).order_by(Holding.id)).scalars().first()
    holding.goal = "目标：" + WRITTEN
    db_session.add(HoldingNote(holding_id=holding.id, noted_on=now.date(), text="走访：" + WRITTEN, created_at=now))
    order = db_session.execute(select(SupervisionOrder).where(SupervisionOrder.unit_id == rsj.id,
                                                              SupervisionOrder.answers.any())).scalars().first()
    order.requirement = "要求：" + WRITTEN
    order.answers[0].text = "答复：" + WRITTEN
    record = db_session.execute(select(AccountabilityRecord).where(AccountabilityRecord.township_id == town.id)
                                ).scalars().first()
    record.reason = "问责理由：" + WRITTEN
    meeting = db_session.execute(select(JointMeeting).where(JointMeeting.tasks.any(MeetingTask.unit_id == rsj.id))
                                 ).scalars().first()
    for task in meeting.tasks:
        task.description = "任务：" + WRITTEN
        task.done_note = "完成：" + WRITTEN
    proposal = db_session.execute(select(HoldingProposal)).scalars().first()
    proposal.note = "建议：" + WRITTEN
    case = db_session.execute(select(Case).where(
        Case.township_id == town.id, Case.category != "accusation",
        Case.status.in_([str(getattr(s, "value", s)) for s in OPEN_STATUSES])).order_by(Case.id)).scalars().first()
    db_session.add(Pause(case_id=case.id, reason_kind="other", reason="中止：" + WRITTEN, started_at=now))
    db_session.add(CaseEvent(case_id=case.id, step="void", from_status=case.status, to_status=case.status,
                             actor_name="测试", occurred_at=now, recorded_at=now, text="作废：" + WRITTEN))
    db_session.commit()
    entry = make_entry(db_session, measures="措施：" + WRITTEN)
    db_session.add(LevelChange(entry_id=entry.id, from_level="2", to_level="1", reason="调级：" + WRITTEN))
    db_session.commit()
    return {
        "holding": f"/leaders/holdings/show/{holding.id}",
        "order": f"/supervision/orders/show/{order.id}",
        "answer files": f"/attachments/answer/{order.answers[0].id}",
        "accountability": f"/supervision/accountability/show/{record.id}",
        "meeting": f"/supervision/meetings/show/{meeting.id}",
        "coverage": "/leaders/coverage/",
        "case": f"/cases/show/{case.id}",
        "entry": f"/ledgers/entries/show/{entry.id}",
    }


def _masked(text: str, where: str) -> None:
    assert not any(number in text for number in IN_FULL), where
    assert all(mask in text for mask in MASKED), where


def _csv(response) -> str:
    assert response.status_code == 200
    return "\n".join(",".join(row) for row in csv.reader(io.StringIO(response.get_data(as_text=True))))


def test_numbers_in_free_text_are_masked_on_every_page_and_export_for_roles_that_see_masks(client_as, db_session):
    pages = _write_everywhere(db_session)
    # The town leader reads what concerns the town; a county order to a county bureau is not theirs.
    hidden_from = {"leader": {"order": 404, "answer files": 404}}
    # …nor the county's proposals that a county leader take a case (the page opens, without them).
    not_listed = {("leader", "coverage")}
    for username in ("admin", "county_leader", "leader"):
        client = client_as(username)
        for name, url in pages.items():
            response = client.get(url)
            expected = hidden_from.get(username, {}).get(name, 200)
            assert response.status_code == expected, (username, name)
            if (username, name) in not_listed:
                assert not any(number in page_text(response) for number in IN_FULL), (username, name)
            elif expected == 200:
                _masked(page_text(response), f"{username} {name}")
        # Exports: a list's declared free-text column (the ledger entry's measures) and a report
        # table's cells (the accountability reason).
        _masked(_csv(client.post("/ledgers/entries/export/csv")), f"{username} ledger export")
        _masked(_csv(client.post("/reports/accountability/export/records/csv")), f"{username} report export")
    _masked(_csv(client_as("county_supervisor").post("/supervision/orders/export/csv")), "orders export")

    # Those with the grant read the text as written: the bureau's handler its order and meeting,
    # the town's clerk the case, the ledger entry and the ledger's export.
    handler = client_as("handler_rsj")
    for name in ("order", "meeting"):
        text = page_text(handler.get(pages[name]))
        assert all(number in text for number in IN_FULL), name
    clerk = client_as("clerk")
    for name in ("case", "entry"):
        text = page_text(clerk.get(pages[name]))
        assert all(number in text for number in IN_FULL), name
    assert all(number in _csv(clerk.post("/ledgers/entries/export/csv")) for number in IN_FULL)


# --- every template: free text is shown through the `free_text` filter -----------------------------

# Attributes that share a free-text column's name but hold no one's writing on these pages:
# a workflow step's description, a queue section's heading, a figure's printed value, a role's
# description (written by the administrator), a message template's body.
NOT_WRITTEN_BY_PEOPLE = {
    ("cases/_steps.html", "s.description"),
    ("home.html", "section.title"),
    ("security/roles.html", "r.description"),
    ("security/role_form.html", "values.description"),
    ("notifications/templates.html", "e.body"),
}
NOT_WRITTEN_BY_PEOPLE |= {("reports/bulletin.html", expression) for expression in (
    "week_figures.value(total, fig.code).text", "week_figures.value(total, fig.code, 'previous').text",
    "v.text", "table.value(total, fig.code, 'previous').text")}


def test_every_template_shows_free_text_through_the_filter(module_app):
    """A template printing a free-text field (`free_text_columns` of any model) prints it through
    `|free_text` — so a page added later cannot show a written phone in full by forgetting it."""
    from flask_appbuilder import Model

    from app.core.privacy import free_text_columns

    not_prose = {"name", "label", "path", "url", "username", "password", "email", "filename", "original_name",
                 "content_type", "key_hash", "lookup_hash", "scopes", "holder", "worker", "columns", "query",
                 "unit_name", "unit_names", "case_numbers", "order_numbers", "committee_names", "mediator_names",
                 "post", "specialty", "doc_number", "issuer", "registration_hash", "mailbox_name", "errors",
                 "message", "last_error", "subject", "recipient", "recipients", "actor_unit", "expert", "referred_by",
                 "petitioner_names", "targets_summary", "parties_summary", "place", "subjects", "convener",
                 "decided_by", "person_post", "detail", "details", "basis"}
    with module_app.app_context():
        prose = {name for mapper in Model.registry.mappers for name in free_text_columns(mapper.class_)} - not_prose
    root = Path(module_app.root_path) / "templates" / "xf"
    raw = []
    for path in sorted(root.rglob("*.html")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            for match in re.finditer(r"\{\{(.*?)\}\}", line):
                expression = match.group(1).strip()
                head = re.split(r"\||\bor\b|\bif\b", expression)[0].strip()
                attribute = re.search(r"\.(\w+)$", head)
                where = (str(path.relative_to(root)), expression)
                if ("free_text" in expression or not attribute or attribute.group(1) not in prose
                        or "label.text" in head or where in NOT_WRITTEN_BY_PEOPLE):
                    continue
                raw.append(f"{where[0]}:{number}: {expression}")
    assert raw == []
