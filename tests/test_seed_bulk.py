"""`flask seed bulk`: the benchmarks' generated county is a working database afterwards.

The bulk load writes around the ORM and the triggers (COPY / executemany, indexes and keyword
index rebuilt once, monthly figures recounted once): after it, lists, keyword search and the
figures must see every generated case exactly as if it had been registered one by one.
"""

from __future__ import annotations

from sqlalchemy import func, select

from app.cases.models import Case, Petitioner
from app.reports import rollup
from tests.support import login, page_text


def test_bulk_cases_are_counted_searchable_and_listed(app, client, db_session):
    before = db_session.execute(select(func.count()).select_from(Case)).scalar()
    with app.app_context():
        from app.extensions import db
        from seed.bulk import generate

        result = generate(400, years=1.0, seed=11)
        assert result["cases"] == 400
        connection = db.session.connection()
        # Every generated case is in the monthly figures and the status cards, and the
        # triggers are back for the writes that follow.
        assert rollup.check(connection) == []
        assert rollup.is_ready() and rollup.STATUSES.is_ready()
        db.session.commit()
    assert db_session.execute(select(func.count()).select_from(Case)).scalar() == before + 400
    newest = db_session.execute(select(Case).order_by(Case.id.desc()).limit(1)).scalar_one()
    assert db_session.execute(select(func.count()).where(Petitioner.case_id == newest.id)).scalar() >= 1

    # The keyword index knows the new titles: it finds exactly what reading every row finds.
    word = newest.title[:4]
    with app.app_context():
        from app.core.search import keyword_clause
        from app.extensions import db

        indexed = db.session.execute(select(func.count()).where(keyword_clause(Case, word))).scalar()
        scanned = db.session.execute(select(func.count()).where(
            Case.title.contains(word) | Case.content.contains(word))).scalar()
        assert indexed == scanned > 0
    login(client, "county_manager")
    page = client.get("/cases/list/", query_string={"q_keyword": word})
    assert page.status_code == 200
    assert word in page_text(page)
