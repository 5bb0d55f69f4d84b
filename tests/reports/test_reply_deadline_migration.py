"""The migration that gives each case its reply stage's deadline (reply_due_at): from the
history for a case answered and then sent back (its handling deadline moved after the reply),
the handling deadline otherwise; a closed case reopened by a review is no longer closed; the
figure tables are counted again and agree with the cases."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import MetaData, select

from tests.test_migrations import empty_database, mig_app, migrate  # noqa: F401 - fixtures

BEFORE = "c8e4a7f1d2b9"


def test_reply_deadlines_are_filled_from_the_history(mig_app):  # noqa: F811
    migrate(mig_app, BEFORE)
    received = datetime(2026, 3, 2, 9, 0)
    with mig_app.app_context():
        from app.extensions import db

        tables = MetaData()
        tables.reflect(db.engine)
        t = tables.tables
        with db.engine.begin() as conn:

            def add(table: str, **values) -> int:
                return conn.execute(t[table].insert().values(**values).returning(t[table].c.id)).scalar()

            county = add("org_unit", name="青山县", kind="county", path="/", sort_order=0, active=True)
            town = add("org_unit", name="城关镇", kind="township", parent_id=county, path="/", sort_order=1,
                       active=True)

            def case(number: str, **values) -> int:
                base = {"number": number, "channel": "visit", "received_at": received, "township_id": town,
                        "category": "claim", "title": "测试", "content": "测试", "people_count": 1,
                        "is_collective": False, "is_repeat": False, "skips_levels": False,
                        "petitioner_names": "张三", "created_at": received, "updated_at": received, "version": 1}
                return add("petition_case", **{**base, **values})

            def event(case_id: int, step: str, day: str | None = None) -> None:
                add("case_event", case_id=case_id, step=step, from_status="handling", to_status="handling",
                    actor_name="", actor_unit="", occurred_at=received, recorded_at=received,
                    details={"deadline": day} if day else {})

            # 1: replied late (deadline 5 May, extended to 20 May), then 不满意: a redo due 30 June.
            redone = case("XF2026-000001", status="handling", due_at=datetime(2026, 6, 30, 23, 59, 59),
                          replied_at=datetime(2026, 5, 25, 10, 0), redo_count=1)
            event(redone, "assign", "2026-05-05")
            event(redone, "decide_extension", "2026-05-20")
            event(redone, "sign_reply")
            event(redone, "follow_up", "2026-06-30")
            # 2: never sent back: its handling deadline is its reply deadline.
            plain = case("XF2026-000002", status="replied", due_at=datetime(2026, 5, 1, 23, 59, 59),
                         replied_at=datetime(2026, 4, 20, 10, 0))
            # 3: closed, then a 复查 was asked: under review, no longer closed.
            reviewed = case("XF2026-000003", status="reviewing", due_at=datetime(2026, 5, 1, 23, 59, 59),
                            replied_at=datetime(2026, 4, 20, 10, 0), closed_at=datetime(2026, 4, 25, 10, 0),
                            closure="reply", review_count=1)
            # 4: closed and still closed.
            closed = case("XF2026-000004", status="closed", due_at=datetime(2026, 5, 1, 23, 59, 59),
                          replied_at=datetime(2026, 4, 20, 10, 0), closed_at=datetime(2026, 4, 25, 10, 0),
                          closure="reply")

    migrate(mig_app)
    with mig_app.app_context():
        from app.cases.models import Case
        from app.extensions import db
        from app.reports import rollup

        rows = {c.id: c for c in db.session.execute(select(Case)).scalars()}
        assert rows[redone].reply_due_at == datetime(2026, 5, 20, 23, 59, 59)
        assert rows[redone].due_at == datetime(2026, 6, 30, 23, 59, 59)
        assert rows[plain].reply_due_at == rows[plain].due_at
        assert rows[reviewed].closed_at is None and rows[reviewed].closure is None
        assert rows[closed].closed_at == datetime(2026, 4, 25, 10, 0)
        assert rollup.check(db.session.connection()) == []
        assert rollup.is_ready() and rollup.DUE.is_ready()
