"""Pages that write an audit entry while showing data (GET) keep working under concurrent use.

On SQLite a read transaction cannot later become a write once another connection has
committed (SQLITE_BUSY_SNAPSHOT, no busy timeout helps): the recording API must never try.
Several readers open case pages (each view of personal data is logged) while clerks save edits.
"""

from __future__ import annotations

import threading

from sqlalchemy import func, select

from app.audit.models import AuditEntry
from app.cases.models import Case
from app.org.models import OrgUnit
from tests.forms import form_values
from tests.isolated import database
from tests.support import login

READERS, VIEWS_EACH = 4, 12
WRITERS, EDITS_EACH = 2, 6


def test_views_are_logged_while_others_write(app):
    with database(app) as s:
        town = s.execute(select(OrgUnit.id).where(OrgUnit.name == "城关镇")).scalar()
        case_ids = list(
            s.execute(
                select(Case.id)
                .where(Case.township_id == town)
                # Finished cases keep their registration (the workflow's rule): edit open ones.
                .where(Case.status.not_in(("closed", "merged", "not_accepted")))
                .order_by(Case.id)
                .limit(4)
            ).scalars()
        )
        before = s.execute(
            select(func.count()).where(AuditEntry.kind == "personal_data")
        ).scalar()
    problems: list[str] = []
    edit_pages = []
    start = threading.Barrier(READERS + WRITERS)

    def reader(n: int) -> None:
        client = app.test_client()
        # Clerk and handler: the roles that see (and so are logged seeing) petitioners in full.
        login(client, "clerk")
        start.wait()
        for i in range(VIEWS_EACH):
            response = client.get(f"/cases/show/{case_ids[(n + i) % len(case_ids)]}")
            if response.status_code != 200:
                problems.append(f"reader {n}: {response.status_code}")

    def writer(n: int) -> None:
        client = app.test_client()
        login(client, "clerk")
        start.wait()
        case_id = case_ids[n]
        for i in range(EDITS_EACH):
            page = client.get(f"/cases/edit/{case_id}")
            edit_pages.append(page.status_code)
            data = form_values(page)
            data["title"] = f"并发编辑 {n}-{i}"
            response = client.post(f"/cases/edit/{case_id}", data=data)
            if response.status_code != 302:
                problems.append(f"writer {n}: {response.status_code}")

    threads = [threading.Thread(target=reader, args=(n,)) for n in range(READERS)]
    threads += [threading.Thread(target=writer, args=(n,)) for n in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert problems == []
    with database(app) as s:
        logged = s.execute(select(func.count()).where(AuditEntry.kind == "personal_data")).scalar()
        edits = s.execute(
            select(func.count()).where(AuditEntry.kind == "update", AuditEntry.model == "petition_case")
        ).scalar()
    # Every case page and every edit form showed personal data in full: one entry each.
    assert logged - before == READERS * VIEWS_EACH + len(edit_pages)
    assert edits >= WRITERS * EDITS_EACH
