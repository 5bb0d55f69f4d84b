"""Personal data by role: full ID numbers and phones only on the case page (and the API's case
detail) to those handling the case, each view logged; masked for everyone else and in every list.
A search by a full number must not confirm whose number it is to a role that only sees masks."""

from __future__ import annotations

from sqlalchemy import select

from app.audit.models import AuditEntry
from app.cases.models import Case, Petitioner
from app.core.privacy import mask_id_number, mask_phone
from app.org.models import OrgUnit
from tests.api.support import token
from tests.support import page_text


def _case_with_person(db_session) -> tuple[Case, Petitioner]:
    town = db_session.execute(select(OrgUnit).where(OrgUnit.name == "城关镇")).scalars().one()
    case = db_session.execute(
        select(Case).where(Case.township_id == town.id, Case.id.in_(
            select(Petitioner.case_id).where(Petitioner.id_number.is_not(None), Petitioner.phone.is_not(None))
        )).order_by(Case.id).limit(1)
    ).scalars().one()
    return case, next(p for p in case.petitioners if p.id_number and p.phone)


def _last_audit(db_session) -> int:
    return db_session.execute(select(AuditEntry.id).order_by(AuditEntry.id.desc()).limit(1)).scalar() or 0


def test_case_page_full_for_the_clerk_and_logged(clerk_client, db_session):
    case, person = _case_with_person(db_session)
    before = _last_audit(db_session)
    text = page_text(clerk_client.get(f"/cases/show/{case.id}"))
    assert person.id_number in text and person.phone in text
    kinds = db_session.execute(select(AuditEntry.kind).where(AuditEntry.id > before)).scalars().all()
    assert "personal_data" in kinds or any("personal" in k for k in kinds), kinds


def test_case_page_masked_for_readers_of_the_same_township(client_as, db_session):
    """领导, 督查员, 管理者 and 乡镇管理员 read the case but do not handle petitioners."""
    case, person = _case_with_person(db_session)
    for username in ("leader", "supervisor", "manager", "xz_admin", "admin"):
        text = page_text(client_as(username).get(f"/cases/show/{case.id}"))
        assert person.id_number not in text and person.phone not in text, username
        assert mask_id_number(person.id_number) in text and mask_phone(person.phone) in text, username


def test_api_lists_are_masked_even_for_the_clerk(clerk_client, db_session):
    case, person = _case_with_person(db_session)
    rows = clerk_client.get("/api/v1/cases/?page_size=200", headers=token(clerk_client, "clerk")).get_json()["result"]
    listed = next(r for r in rows if r["id"] == case.id)
    assert listed["personal_data_masked"] is True
    assert person.id_number not in {p["id_number"] for p in listed["petitioners"]}


def test_search_by_full_number_only_for_roles_that_handle_petitioners(client_as, db_session):
    case, person = _case_with_person(db_session)
    found = page_text(client_as("clerk").get(f"/cases/list/?q_person={person.phone}"))
    assert case.number in found
    for username in ("leader", "manager", "supervisor"):
        for value in (person.phone, person.id_number):
            text = page_text(client_as(username).get(f"/cases/list/?q_person={value}"))
            assert case.number not in text, (username, value)
            assert "只有具有“办理信访人个人信息”权限的角色可以按身份证号或电话查询" in text
    # By name the readers still find people.
    assert case.number in page_text(client_as("leader").get(f"/cases/list/?q_person={person.name}"))


def test_ledger_search_by_number_refused_to_readers(client_as, db_session):
    from app.ledgers.models import LedgerParty

    party = db_session.execute(
        select(LedgerParty).where(LedgerParty.phone.is_not(None)).order_by(LedgerParty.id).limit(1)
    ).scalars().first()
    if party is None:
        return
    text = page_text(client_as("manager").get(f"/ledgers/entries/list/?q_party={party.phone}"))
    assert "只有具有“办理信访人个人信息”权限的角色可以按身份证号或电话查询" in text


# --- edit forms (issue 16 item 5): the page's masking rule, and a mask sent back keeps the number ---


def _masked_id(value: str) -> str:  # README: 3201**********1234
    return value[:4] + "*" * 10 + value[-4:]


def _masked_phone(value: str) -> str:  # README: 138****5678
    return value[:3] + "****" + value[-4:]


def _open_case_with_person(db_session) -> tuple[Case, Petitioner]:
    """A 城关镇 case still open to edits (a closed case's registration is final)."""
    from app.cases.models import OPEN_STATUSES

    town = db_session.execute(select(OrgUnit).where(OrgUnit.name == "城关镇")).scalars().one()
    case = db_session.execute(
        select(Case).where(Case.township_id == town.id, Case.category != "accusation",
                           Case.status.in_([str(getattr(s, "value", s)) for s in OPEN_STATUSES]),
                           Case.id.in_(select(Petitioner.case_id).where(Petitioner.id_number.is_not(None),
                                                                        Petitioner.phone.is_not(None))))
        .order_by(Case.id).limit(1)
    ).scalars().one()
    return case, next(p for p in case.petitioners if p.id_number and p.phone)


def _row_of(values: dict, prefix: str, row_id: int) -> str:
    """The form's row prefix ("petitioners-0-") of the stored person `row_id`."""
    return next(k[: -len("id")] for k, v in values.items()
                if k.startswith(prefix) and k.endswith("-id") and v == str(row_id))


def test_case_edit_form_masks_for_the_administrator_and_keeps_what_it_masked(client_as, db_session):
    from tests.forms import form_values

    case, person = _open_case_with_person(db_session)
    admin = client_as("admin")
    page = admin.get(f"/cases/edit/{case.id}")
    assert page.status_code == 200
    assert person.id_number not in page.get_data(as_text=True) and person.phone not in page.get_data(as_text=True)
    values = form_values(page)
    row = _row_of(values, "petitioners-", person.id)
    assert (values[row + "id_number"], values[row + "phone"]) == (_masked_id(person.id_number),
                                                                 _masked_phone(person.phone))
    # Shown again after a refusal: still masks.
    refused = admin.post(f"/cases/edit/{case.id}", data={**values, "title": ""})
    assert refused.status_code == 200
    assert person.id_number not in refused.get_data(as_text=True)
    assert person.phone not in refused.get_data(as_text=True)
    # Saved with the masks untouched: the numbers are kept, the change is made.
    saved = admin.post(f"/cases/edit/{case.id}", data={**values, "title": "管理员改过的标题"})
    assert saved.status_code == 302
    db_session.expire_all()
    stored = db_session.get(Petitioner, person.id)
    assert (stored.id_number, stored.phone) == (person.id_number, person.phone)
    assert db_session.get(Case, case.id).title == "管理员改过的标题"


def test_a_number_typed_over_the_mask_is_saved(client_as, db_session):
    from tests.forms import form_values

    case, person = _open_case_with_person(db_session)
    admin = client_as("admin")
    values = form_values(admin.get(f"/cases/edit/{case.id}"))
    row = _row_of(values, "petitioners-", person.id)
    response = admin.post(f"/cases/edit/{case.id}", data={**values, row + "phone": "13700001234"})
    assert response.status_code == 302
    db_session.expire_all()
    stored = db_session.get(Petitioner, person.id)
    assert (stored.id_number, stored.phone) == (person.id_number, "13700001234")


def test_case_edit_form_in_full_for_the_clerk_handling_it(client_as, db_session):
    from tests.forms import form_values

    case, person = _open_case_with_person(db_session)
    before = _last_audit(db_session)
    values = form_values(client_as("clerk").get(f"/cases/edit/{case.id}"))
    row = _row_of(values, "petitioners-", person.id)
    assert (values[row + "id_number"], values[row + "phone"]) == (person.id_number, person.phone)
    kinds = db_session.execute(select(AuditEntry.kind).where(AuditEntry.id > before)).scalars().all()
    assert "personal_data" in kinds


def test_ledger_edit_form_masks_for_the_administrator_and_keeps_what_it_masked(client_as, db_session):
    from app.ledgers.models import LedgerEntry, LedgerParty
    from tests.forms import form_values
    from tests.ledgers.support import make_entry

    made = make_entry(db_session, parties=[("赵一", "110101199003074514", "13912345678"), ("钱二", None, None)])
    party = db_session.execute(
        select(LedgerParty).where(LedgerParty.entry_id == made.id, LedgerParty.name == "赵一")).scalar_one()
    for username, full in (("admin", False), ("clerk", True)):
        page = client_as(username).get(f"/ledgers/entries/edit/{made.id}")
        values = form_values(page)
        row = _row_of(values, "parties-", party.id)
        shown = (values[row + "id_number"], values[row + "phone"])
        if full:
            assert shown == ("110101199003074514", "13912345678")
        else:
            assert shown == ("1101**********4514", "139****5678")
            assert "110101199003074514" not in page.get_data(as_text=True)
    admin = client_as("admin")
    values = form_values(admin.get(f"/ledgers/entries/edit/{made.id}"))
    response = admin.post(f"/ledgers/entries/edit/{made.id}", data={**values, "measures": "管理员补充措施"})
    assert response.status_code == 302
    db_session.expire_all()
    stored = db_session.get(LedgerParty, party.id)
    assert (stored.id_number, stored.phone) == ("110101199003074514", "13912345678")
    assert db_session.get(LedgerEntry, made.id).measures == "管理员补充措施"


# --- free text (issue 16 item 6): numbers written into the letter and the notes ----------------------

WRITTEN_IN = "请联系我，电话138.1234.5678，身份证320102 19900101 1234，座机(0451)82345678。"
# README's masks of those three numbers, computed here from the digits.
MASKED_IN = ("138****5678", "3201**********1234", "0451****5678")
IN_FULL = ("138.1234.5678", "320102 19900101 1234", "(0451)82345678")


def _write_into_case(db_session) -> Case:
    case, _person = _open_case_with_person(db_session)
    case.content = "邻居占用楼道。" + WRITTEN_IN
    case.demands = "尽快处理，" + WRITTEN_IN
    db_session.commit()
    return case


def test_numbers_in_a_letter_are_masked_on_the_page_for_roles_that_see_masks(client_as, db_session):
    case = _write_into_case(db_session)
    clerk_text = page_text(client_as("clerk").get(f"/cases/show/{case.id}"))
    assert all(number in clerk_text for number in IN_FULL)
    for username in ("leader", "supervisor", "manager", "xz_admin", "admin", "county_leader", "county_supervisor",
                     "county_manager"):
        text = page_text(client_as(username).get(f"/cases/show/{case.id}"))
        assert "邻居占用楼道" in text, username
        assert not any(number in text for number in IN_FULL), username
        assert all(text.count(mask) >= 2 for mask in MASKED_IN), username  # content and demands


def test_numbers_in_a_letter_are_masked_in_the_api_for_roles_that_see_masks(client_as, db_session):
    case = _write_into_case(db_session)
    clerk = client_as("clerk")
    full = clerk.get(f"/api/v1/cases/{case.id}", headers=token(clerk, "clerk")).get_json()["result"]
    assert full["content"].endswith(WRITTEN_IN)
    listed = clerk.get("/api/v1/cases/?page_size=200", headers=token(clerk, "clerk")).get_json()["result"]
    assert not any(number in next(r for r in listed if r["id"] == case.id)["content"] for number in IN_FULL)
    for username in ("leader", "manager", "county_manager"):
        client = client_as(username)
        answer = client.get(f"/api/v1/cases/{case.id}", headers=token(client, username)).get_json()["result"]
        for field in ("content", "demands"):
            assert not any(number in answer[field] for number in IN_FULL), (username, field)
            assert all(mask in answer[field] for mask in MASKED_IN), (username, field)


def test_numbers_in_a_ledger_entry_are_masked_for_roles_that_see_masks(client_as, db_session):
    from tests.ledgers.support import make_entry

    entry = make_entry(db_session, description="双方争执。" + WRITTEN_IN, measures="已电话联系 138 1234 5678")
    assert all(number in page_text(client_as("clerk").get(f"/ledgers/entries/show/{entry.id}")) for number in IN_FULL)
    for username in ("admin", "manager", "leader", "county_manager"):
        client = client_as(username)
        text = page_text(client.get(f"/ledgers/entries/show/{entry.id}"))
        assert "双方争执" in text and "138 1234 5678" not in text, username
        assert not any(number in text for number in IN_FULL) and all(m in text for m in MASKED_IN), username
        answer = client.get(f"/api/v1/ledger-entries/{entry.id}", headers=token(client, username)).get_json()
        if "result" in answer:  # a role with the API
            assert not any(number in answer["result"]["description"] for number in IN_FULL), username
