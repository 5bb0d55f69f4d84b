"""Every list counts and pages correctly, for every demo role (issue 15, "Lists for county-wide
users").

Walks every registered list view × every demo login (county-level ones included), reads the
"记录数" the page shows, then walks the pages and counts the rows actually listed. Two
independent counts must agree with what is shown:
- the rows listed over all pages (what a user paging through would see);
- COUNT(*) over the raw table by the rule, not by the app: county-wide tables (dictionaries,
  rules, reference texts, the audit log for those granted it) every row; cases, ledger entries,
  mediation records, supervision orders and the 超期督办 list by the scope and watch rules
  written independently in tests/security/expected_rows.py; the remaining scoped lists
  COUNT(*) under the user's scope condition. A list with none of these fails the test.
A county user once saw "记录数: 1" on nearly every list: the count lost its table.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import g
from sqlalchemy import func, select, text

from app.core.paging import ScopedInterface
from app.core.scoping import ScopeFilter, scope_clause
from seed.data import DEMO_USERS, EXTRA_DEMO_USERS
from tests.security.expected_rows import viewer, visible_case_ids, visible_count, watched_case_ids
from tests.support import DEMO_PASSWORD, county_now, login

LOGINS = [row[0] for row in DEMO_USERS + EXTRA_DEMO_USERS]
PAGE_SIZE = 100
_COUNT = re.compile(r"<strong>记录数目?:</strong>\s*([\d,]+)(\+?)")
_ROW = re.compile(r"<tr>\s*(?:<td>\s*<input[^>]*name=\"rowid\"|<td><center>)")


def list_views(app: Any) -> list[Any]:
    from flask_appbuilder import ModelView

    return [v for v in app.appbuilder.baseviews
            if isinstance(v, ModelView) and "can_list" in (v.base_permissions or ())]


def rows_on(body: str) -> int:
    table = body.split("</thead>", 1)
    if len(table) < 2:
        return 0
    return len(_ROW.findall(table[1].split("</table>", 1)[0]))


def only_scoped(view: Any) -> bool:
    """Is the view's list exactly the user's scope: a ScopedInterface with no base filter of its
    own, or (the user list) the scope as its only base filter?"""
    filters = view._base_filters.filters
    if isinstance(view.datamodel, ScopedInterface):
        return not filters
    return len(filters) == 1 and isinstance(filters[0], ScopeFilter)


@pytest.fixture(scope="module")
def shared_app(module_app):
    return module_app


# County-wide tables (dictionaries, rules, reference texts, the role list): every role that may open
# them reads every row.
COUNTY_TABLES = {
    "ReadOnlyRoleView": "ab_role", "SubjectView": "subject", "SweepRuleView": "sweep_rule",
    "RiskPeriodView": "risk_period", "ReceptionRotaView": "reception_rota", "DutyItemView": "leader_duty_item",
    "ScoreRuleView": "leader_score_rule", "PolicyDocumentView": "policy_document",
    "PolicyAnswerView": "policy_answer", "ReplyTemplateView": "reply_template",
    "DeadlineRuleView": "deadline_rule", "HolidayOverrideView": "holiday_override",
    # The audit log: every entry, for the roles granted it (entries about a record the reader may
    # not open are listed with their summary hidden, not left out).
    "AuditEntryView": "audit_entry",
}
# The main township-scoped lists: (table, place columns, unit column), counted by the rule in
# tests/security/expected_rows.py rather than by the app's scope_clause.
PLACED_TABLES = {
    "LedgerEntryView": ("ledger_entry", ("township_id", "village_id"), "responsible_unit_id"),
    "MediationRecordView": ("mediation_record", ("township_id", "village_id", "org_unit_id"), "org_unit_id"),
    "SupervisionOrderView": ("supervision_order", ("issuer_township_id", "unit_id"), "unit_id"),
}


def independent_counts(session, username: str) -> dict[str, int]:
    """The count each list should show `username`, from the raw rows and the rules."""
    who = viewer(session, username)
    counts = {name: session.execute(text(f"SELECT COUNT(*) FROM {table}")).scalar()  # noqa: S608
              for name, table in COUNTY_TABLES.items()}
    cases = visible_case_ids(session, who)
    counts["CaseView"] = len(cases)
    counts["OverdueView"] = len(cases & watched_case_ids(session, county_now()))
    for name, (table, place, unit) in PLACED_TABLES.items():
        counts[name] = visible_count(session, who, table, place, unit)
    return counts


@pytest.mark.parametrize("username", LOGINS)
def test_every_list_counts_and_pages_its_rows(shared_app, username):
    from app.extensions import db
    from app.security.models import AppUser

    client = shared_app.test_client()
    login(client, username, DEMO_PASSWORD)
    with shared_app.app_context():
        expected_counts = independent_counts(db.session, username)
        db.session.remove()
    wrong: list[str] = []
    seen_views = 0
    for view in list_views(shared_app):
        name = type(view).__name__
        with shared_app.test_request_context():
            url = f"/{view.route_base.strip('/')}/list/"
        response = client.get(f"{url}?psize_{name}={PAGE_SIZE}")
        if response.status_code == 403:
            continue  # not granted to this role (the authorization matrix checks which)
        assert response.status_code == 200, f"{username} {name}: {response.status_code}"
        seen_views += 1
        body = response.get_data(as_text=True)
        shown_match = _COUNT.search(body)
        listed = rows_on(body)
        if shown_match is None:
            if listed:
                wrong.append(f"{name}: {listed} rows listed but no count shown")
            continue
        shown = int(shown_match.group(1).replace(",", ""))
        page = 1
        total = listed
        while listed == PAGE_SIZE:
            more = client.get(f"{url}?psize_{name}={PAGE_SIZE}&page_{name}={page}")
            assert more.status_code == 200, f"{username} {name} page {page}"
            listed = rows_on(more.get_data(as_text=True))
            total += listed
            page += 1
        if shown != total:
            wrong.append(f"{name}: shows {shown}, lists {total} rows over {page} page(s)")
        if name in expected_counts:
            expected = expected_counts[name]
            if name == "AuditEntryView":
                # Opening the list writes entries of its own (the login, page reads) after the
                # count was taken: the count shown lies between the two readings.
                with shared_app.app_context():
                    after = db.session.execute(text("SELECT COUNT(*) FROM audit_entry")).scalar()
                    db.session.remove()
                if expected <= shown <= after:
                    expected = shown
        elif only_scoped(view):
            # The other scoped lists: COUNT(*) under the user's scope condition.
            with shared_app.test_request_context():
                g.user = db.session.execute(
                    select(AppUser).where(AppUser.username == username)).scalars().one()
                model = view.datamodel.obj
                expected = db.session.execute(
                    select(func.count()).select_from(model).where(scope_clause(model))
                ).scalar()
                db.session.remove()
        else:
            wrong.append(f"{name}: no independent count for this list (add its rule to the test)")
            continue
        if shown != expected:
            wrong.append(f"{name}: shows {shown}, COUNT(*) of the rows the rule gives is {expected}")
    assert seen_views, f"{username} can open no list at all"
    assert wrong == [], f"{username}:\n" + "\n".join(wrong)
