"""The monthly case figures (app/reports/rollup/) give exactly what counting the cases gives.

A few hundred random cases in 2014–2016 (every status, deadline, rating and place), changed
afterwards through the ORM, plain SQL and deletes — the database's triggers must follow every
write — then every case figure and chart count is computed both ways, over whole years, odd-day
periods and single months, for several scopes, filters and report moments, and compared.
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import delete, func, select, update

from app.cases.models import Case, CaseStatus, Satisfaction
from app.cases.workflow_models import JointReview, JointReviewUnit
from app.core.scoping import Scope, scope_clause
from app.reports import counting, from_cases, rollup
from app.reports import figures as F
from app.reports.figures import ReportFilters, ReportPeriod
from app.reports.periods import report_periods
from tests.reports.support import add_cases, org_id

PERIODS = [
    (ReportPeriod.year(2015), True),
    (ReportPeriod(date(2015, 2, 10), date(2015, 7, 20)), True),  # odd days at both ends
    (ReportPeriod.month(2015, 3), False),
    (ReportPeriod(date(2015, 3, 5), date(2015, 3, 20)), False),  # no whole month at all
]
MOMENTS = [datetime(2016, 6, 1, 12, 0), datetime(2015, 4, 15, 10, 0), datetime(2015, 8, 3, 8, 0)]


def random_cases(rng: random.Random, towns: list[int], units: list[int], count: int) -> list[dict]:
    start = datetime(2014, 1, 1)
    rows = []
    for _ in range(count):
        received = start + timedelta(minutes=rng.randrange(0, 3 * 365 * 24 * 60))
        accepted = received + timedelta(days=rng.randrange(0, 25)) if rng.random() < 0.8 else None
        due = received + timedelta(days=rng.randrange(20, 120)) if rng.random() < 0.85 else None
        closed = received + timedelta(days=rng.randrange(5, 150)) if rng.random() < 0.5 else None
        replied = received + timedelta(days=rng.randrange(3, 140)) if rng.random() < 0.6 else None
        rows.append({
            "received_at": received, "township_id": rng.choice(towns),
            "responsible_unit_id": rng.choice([None, *units]),
            "reported_unit_id": rng.choice([None] * 6 + units[:2]),
            "category": rng.choice(["claim", "suggestion", "accusation"]),
            "status": rng.choice(CaseStatus.codes()),
            "accepted_at": accepted, "accept_due_at": received + timedelta(days=15),
            "due_at": due, "closed_at": closed, "replied_at": replied,
            # After a redo round the reply's deadline is an earlier one than the handling's.
            "reply_due_at": due - timedelta(days=rng.randrange(0, 40)) if due and rng.random() < 0.3 else due,
            "satisfaction": rng.choice([None, *Satisfaction.codes()]),
            "redo_count": rng.choice([0, 0, 1]), "transfer_count": rng.choice([0, 0, 1]),
            "review_count": rng.choice([0, 0, 0, 1]),
            "is_repeat": rng.random() < 0.2, "skips_levels": rng.random() < 0.1,
            "is_collective": rng.random() < 0.1,
        })
    return rows


@pytest.fixture
def random_county(app, db_session):
    rng = random.Random(20261202)
    towns = [org_id(db_session, "城关镇"), org_id(db_session, "河东镇")]
    units = [org_id(db_session, "县自然资源局"), org_id(db_session, "县住房和城乡建设局"), towns[0]]
    add_cases(db_session, random_cases(rng, towns, units, 360))
    ids = db_session.execute(
        select(Case.id).where(Case.received_at < datetime(2017, 1, 1)).order_by(Case.id)).scalars().all()
    # Later work on the cases, written every way the application (or an administrator) writes.
    with app.app_context():
        from app.extensions import db

        for case_id in rng.sample(ids, 40):  # through the ORM, as the workflow does
            case = db.session.get(Case, case_id)
            case.status = rng.choice(["closed", "merged", "voided", "replied", "handling"])
            case.closed_at = case.received_at + timedelta(days=rng.randrange(1, 90)) if case.status == "closed" else None
            case.satisfaction = rng.choice(Satisfaction.codes())
            case.township_id = rng.choice(towns)
            case.responsible_unit_id = rng.choice([None, *units])
            if case.reply_due_at is not None and rng.random() < 0.5:  # a later round kept its own deadline
                case.reply_due_at = case.received_at + timedelta(days=rng.randrange(20, 90))
        db.session.commit()
        db.session.execute(  # plain SQL over many rows at once
            update(Case).where(Case.id.in_(rng.sample(ids, 30))).values(due_at=datetime(2015, 4, 20), closed_at=None,
                                                                        reply_due_at=datetime(2015, 4, 2))
        )
        db.session.execute(delete(Case).where(Case.id.in_(rng.sample(ids, 5))))
        db.session.commit()
        # 会审: the second department sits as co-unit on cases led by others — its handler sees
        # them, and the monthly table (which knows only the responsible unit) cannot say so.
        remaining = db.session.execute(select(Case.id).where(Case.id.in_(ids))).scalars().all()
        for case_id in rng.sample(remaining, 25):
            review = JointReview(case_id=case_id, held_at=datetime(2015, 5, 1), lead_unit_id=units[0], plan="联合处置")
            db.session.add(review)
            db.session.flush()
            db.session.add(JointReviewUnit(joint_review_id=review.id, case_id=case_id, unit_id=units[1]))
        db.session.commit()
    return towns, units


def live(filters: ReportFilters, compare: bool, moment: datetime) -> from_cases.Groups:
    periods = report_periods(filters, compare)
    groups = from_cases.count_cases_live(filters, list(F.CASE_FIGURES), [(k, *p.bounds) for k, p in periods.items()], moment)
    counting.year_on_year(groups, list(F.CASE_FIGURES))
    return groups


def scopes(towns: list[int], units: list[int]) -> dict[str, Scope]:
    return {
        "county": Scope.all(),
        "county, reported-on unit's staff": Scope.all(lineage=frozenset({units[0]})),
        "township clerk": Scope(township_ids=frozenset({towns[0]}), unit_ids=frozenset({towns[0]}),
                                units_within_place=True, lineage=frozenset({towns[0]})),
        "department handler": Scope(unit_ids=frozenset({units[1]}), lineage=frozenset({units[1]})),
    }


def test_every_case_figure_equals_a_count_of_the_cases(app, random_county):
    towns, units = random_county
    with app.app_context():
        from app.extensions import db

        assert rollup.check(db.session.connection()) == []
        assert rollup.is_ready()
        compared = 0
        for name, scope in scopes(towns, units).items():
            variants = [{}, {"township_id": towns[1]}, {"unit_id": units[0]}, {"category": "claim"}]
            for period, compare in PERIODS:
                for extra in variants:
                    filters = ReportFilters(period, scope=scope, **extra)
                    if period.whole_months:
                        # The monthly table really serves these (else this test compares a path with itself).
                        served = rollup.count_cases(filters, list(F.CASE_FIGURES), {"current": period}, MOMENTS[0])
                        assert served is not None, name
                        # … and for the handler, together with the co-unit cases it does not hold.
                        plan = rollup.plan(filters)
                        assert (plan.remainder is not None) == (name == "department handler"), name
                    for moment in MOMENTS:
                        expected = live(filters, compare, moment)
                        got = counting.count_cases(filters, F.CASE_FIGURES, compare, moment)
                        assert got == expected, (name, period, extra, moment)
                        compared += 1
        assert compared == 4 * 4 * 4 * 3


def test_chart_counts_equal_a_count_of_the_cases(app, random_county):
    towns, units = random_county
    with app.app_context():
        from app.extensions import db

        for name, scope in scopes(towns, units).items():
            for period, _ in PERIODS:
                filters = ReportFilters(period, scope=scope)
                conditions = from_cases.received_in(filters, period)
                for column in (Case.category, Case.township_id, Case.satisfaction):
                    expected = dict(db.session.execute(select(column, func.count()).where(*conditions).group_by(column)).all())
                    assert dict(F.volume_by(filters, column)) == expected, (name, period, column.key)
                # The home page's status cards.
                served = rollup.status_counts(scope)
                assert served is not None, name
                expected = dict(db.session.execute(
                    select(Case.status, func.count()).where(scope_clause(Case, scope)).group_by(Case.status)).all())
                assert served == expected, name
                months = F.volume_by_month(ReportFilters(ReportPeriod(date(2015, 12, 1), date(2015, 12, 31)), scope=scope))
                assert len(months) == 12
                for start, count in months:
                    month = ReportPeriod.month(start.year, start.month)
                    low, high = month.bounds
                    expected = db.session.execute(select(func.count()).where(
                        *from_cases.received_in(ReportFilters(month, scope=scope), month))).scalar()
                    assert count == expected, (name, start)


def test_lost_triggers_are_noticed_and_put_back(app, random_county):
    """A SQLite table rebuild (batch migration) drops triggers: the reports then count the cases,
    and the next migration run reinstalls the triggers and recounts the table."""
    towns, _ = random_county
    filters = ReportFilters(ReportPeriod.year(2015), scope=Scope.all())
    with app.app_context():
        from app.extensions import db

        before = counting.count_cases(filters, F.CASE_FIGURES, True, MOMENTS[0])
        rollup.drop_case_rollup_triggers(db.session.connection())
        db.session.commit()
    with app.app_context():
        from app.extensions import db

        assert not rollup.is_ready()
        db.session.execute(update(Case).where(Case.received_at < datetime(2015, 7, 1),
                                              Case.received_at >= datetime(2015, 1, 1)).values(is_repeat=True))
        db.session.commit()
        unserved = counting.count_cases(filters, F.CASE_FIGURES, True, MOMENTS[0])
        assert unserved != before  # the change counts at once, from the cases
        assert rollup.ensure_case_rollup(db.session.connection()) is True
        db.session.commit()
        assert rollup.is_ready()
        assert rollup.check(db.session.connection()) == []
        assert counting.count_cases(filters, F.CASE_FIGURES, True, MOMENTS[0]) == unserved
        assert rollup.ensure_case_rollup(db.session.connection()) is False  # nothing to do the second time


def test_stored_counts_are_the_figure_definitions():
    """The table's columns are exactly the counts the figures need (a new figure needs a column
    and a migration)."""
    assert rollup.counter_names() == list(rollup.COUNTERS)
    assert [c.name for c in rollup.case_figure_month.columns] == [*rollup.KEYS, *rollup.COUNTERS]
    assert rollup.due_counter_names() == list(rollup.DUE_COUNTERS)
    assert [c.name for c in rollup.case_due_month.columns] == [*rollup.DUE_KEYS, *rollup.DUE_COUNTERS]


def test_a_reused_report_statement_follows_the_moment_and_the_scope(app, db_session, random_county):
    """The report's statements are built once per shape and reused (app/core/statements.py):
    asked again a fortnight later, the same report counts the deadline that passed meanwhile;
    asked for another township, it counts that township's cases — never the first one's."""
    from app.core import statements

    towns, units = random_county
    # Open, accepted, due on 10 August 2015: past due on the 20th, not yet on the 3rd.
    add_cases(db_session, [{"received_at": datetime(2015, 6, 1, 9, 0), "township_id": towns[0],
                            "responsible_unit_id": towns[0], "due_at": datetime(2015, 8, 10, 18, 0)}])
    early, late = datetime(2015, 8, 3, 8, 0), datetime(2015, 8, 20, 8, 0)
    place = {town: Scope(township_ids=frozenset({town}), unit_ids=frozenset({town}), units_within_place=True,
                         lineage=frozenset({town})) for town in towns}
    statements.clear()
    with app.app_context():
        first = ReportFilters(ReportPeriod.year(2015), scope=place[towns[0]])
        before = counting.count_cases(first, F.CASE_FIGURES, True, early)
        built = len(statements._statements)
        assert built >= 2  # the monthly table's statement and the pending parts'
        after = counting.count_cases(first, F.CASE_FIGURES, True, late)
        assert len(statements._statements) == built  # nothing built again: reused
        assert before == live(first, True, early)
        assert after == live(first, True, late)

        def due_base(groups: from_cases.Groups) -> int:
            return sum(v[F.ON_TIME_COMPLETION.code].denominator for k, v in groups.items() if k[0] == "current")

        assert due_base(after) > due_base(before)  # the deadlines passed meanwhile count (ours among them)
        second = ReportFilters(ReportPeriod.year(2015), scope=place[towns[1]])
        other = counting.count_cases(second, F.CASE_FIGURES, True, late)
        assert other == live(second, True, late)
        assert {k[1] for k in other} == {towns[1]}
        assert len(statements._statements) > built  # another scope, statements of its own
