"""Every figure on a small fixed dataset, with the values computed by hand (see each comment).

Cases are received on 2015-03-02 09:00 unless said otherwise; by default a case is accepted two
days later (acceptance deadline: 15 days), has its reply deadline 60 days after receipt, and is
open. The report is made on 2016-06-01, after every default deadline.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import insert, select

from app.core.scoping import Scope
from app.ledgers.models import LedgerEntry
from app.mediation.models import MediationCommittee, MediationRecord
from app.reports import figures as F
from app.reports.figures import ReportFilters, ReportPeriod
from tests.reports.support import add_cases, org_id

RECEIVED = datetime(2015, 3, 2, 9, 0)
NOW = datetime(2016, 6, 1, 12, 0)
YEAR = ReportPeriod.year(2015)


def d(days: int) -> datetime:
    return RECEIVED + timedelta(days=days)


@pytest.fixture
def dataset(db_session):
    town, other = org_id(db_session, "城关镇"), org_id(db_session, "河东镇")
    add_cases(db_session, [
        # c1: on time everywhere, satisfied.
        {"township_id": town, "status": "closed", "replied_at": d(30), "closed_at": d(40),
         "satisfaction": "satisfied"},
        # c2: accepted late, replied and closed late, unsatisfied once (redo).
        {"township_id": town, "status": "closed", "accepted_at": d(20), "replied_at": d(70),
         "closed_at": d(75), "satisfaction": "unsatisfied", "redo_count": 1},
        # c3: replied in time, not closed, did not rate; its deadline (extended) not reached.
        {"township_id": town, "status": "replied", "replied_at": d(30), "due_at": datetime(2016, 12, 31),
         "satisfaction": "not_rated"},
        # c4: accepted, never answered, deadline passed.
        {"township_id": town},
        # c5: still awaiting acceptance, past the acceptance deadline.
        {"township_id": town, "status": "registered", "accepted_at": None, "due_at": None},
        # c6: not accepted.
        {"township_id": town, "status": "not_accepted", "accepted_at": None, "due_at": None},
        # c7: a duplicate merged into another case: not counted anywhere.
        {"township_id": town, "status": "merged", "accepted_at": None, "due_at": None, "is_repeat": True},
        # c8: ended by a mediation agreement (no written reply); repeat, collective, skipped levels.
        {"township_id": town, "status": "closed", "closed_at": d(20), "closure": "agreement",
         "is_repeat": True, "is_collective": True, "people_count": 6, "skips_levels": True},
        # c9: transferred once, replied and closed in time, basically satisfied; a repeat.
        {"township_id": town, "status": "closed", "replied_at": d(10), "closed_at": d(12),
         "satisfaction": "basically", "transfer_count": 1, "is_repeat": True},
        # c10: another township, all on time.
        {"township_id": other, "status": "closed", "replied_at": d(5), "closed_at": d(6),
         "satisfaction": "satisfied"},
    ])
    # The year before: 10 cases in 城关镇 (for 同比).
    add_cases(db_session, [{"township_id": town, "received_at": datetime(2014, 5, 1)} for _ in range(10)])
    return town, other


def town_filters(town: int, period: ReportPeriod = YEAR) -> ReportFilters:
    return ReportFilters(period, township_id=town, scope=Scope.all())


def test_each_case_figure_by_hand(app, dataset):
    town, _ = dataset
    f = town_filters(town)
    with app.app_context():
        # 城关镇 counts c1–c6, c8, c9 (c7 merged): 8 cases, 6 accepted (c1–c4, c8, c9).
        assert F.volume(f, now=NOW).text == "8"
        # answered, on time or not: c1, c2, c3, c8 (closure by agreement), c9 → 5 / 8 received.
        assert (F.reply_rate(f, now=NOW).numerator, F.reply_rate(f, now=NOW).denominator) == (5, 8)
        assert F.reply_rate(f, now=NOW).text == "62.5%"
        # closed: c1, c2, c8, c9 → 4 / 8.
        assert F.closure_rate(f, now=NOW).text == "50.0%"
        # come due (reply deadline passed): c1, c2, c4, c8, c9 (c3's not yet); answered among
        # them: c1, c2, c8, c9 → 4 / 5; closed among them: the same four → 4 / 5.
        assert F.figure(F.DUE_REPLY_RATE, f, now=NOW).detail == "4 / 5"
        assert F.figure(F.DUE_CLOSURE_RATE, f, now=NOW).detail == "4 / 5"
        # answered by the reply deadline: c1, c3, c8, c9 (c2 late); below: the five answered
        # plus c4, unanswered past its deadline → 4 / 6.
        assert F.figure(F.ON_TIME_REPLY, f, now=NOW).text == "66.7%"
        # accepted in time: c1, c3, c4, c8, c9 (c2 late) → 5; below: 6 accepted + c5 overdue = 7.
        assert F.on_time_acceptance_rate(f, now=NOW).detail == "5 / 7"
        assert F.on_time_acceptance_rate(f, now=NOW).text == "71.4%"
        # come due or closed: c1, c2, c4, c8, c9 (c3's deadline not reached) → 3 closed in time / 5.
        assert F.on_time_completion_rate(f, now=NOW).text == "60.0%"
        # closed: c1, c2, c8, c9; with no redo, transfer or review: c1, c8 → 2 / 4.
        assert F.first_time_rate(f, now=NOW).text == "50.0%"
        # rated: c1 satisfied, c2 unsatisfied, c9 basically (c3 did not rate) → 2 / 3.
        assert F.satisfaction_rate(f, now=NOW).text == "66.7%"
        # answered with a reply: c1, c2, c3, c9; rated among them: c1, c2, c9 → 3 / 4.
        assert F.participation_rate(f, now=NOW).text == "75.0%"
        # repeats: c8, c9 (c7 merged away) → 2 / 8; skipped levels: c8 → 1 / 8.
        assert F.repeat_rate(f, now=NOW).text == "25.0%"
        assert F.skip_level_rate(f, now=NOW).text == "12.5%"
        assert F.collective_count(f, now=NOW).text == "1"
        # 8 this year against 10 the year before → −20.0%.
        assert F.volume_year_on_year(f, now=NOW).text == "−20.0%"
        assert F.volume_year_on_year(f, now=NOW).rate == pytest.approx(-0.2)


def test_figures_per_township_and_county(app, dataset):
    town, other = dataset
    county = ReportFilters(YEAR, scope=Scope.all())
    with app.app_context():
        per_town = F.reply_rate(county, by="township", now=NOW)
        assert per_town[town].text == "62.5%"
        assert per_town[other].text == "100.0%"
        # the county adds them up (not an average of rates): (5 + 1) / (8 + 1).
        assert F.reply_rate(county, now=NOW).text == "66.7%"
        # 同比 per township: 河东镇 had no case the year before → "—".
        yoy = F.volume_year_on_year(county, by="township", now=NOW)
        assert yoy[town].text == "−20.0%" and yoy[other].text == "—"


def test_previous_period_beside_the_current(app, dataset):
    town, _ = dataset
    with app.app_context():
        table = F.figure_table(town_filters(town), F.CASE_FIGURES, compare=True, now=NOW)
        assert table.value(F.TOTAL, "volume").text == "8"
        assert table.value(F.TOTAL, "volume", "previous").text == "10"
        # 2014's ten cases are open and past due: accepted, nothing answered → 0 / 10.
        assert table.value(F.TOTAL, "reply_rate", "previous").text == "0.0%"
        # a month: the previous period is the month before, not the year before.
        march = F.figure_table(town_filters(town, ReportPeriod.month(2015, 3)), (F.VOLUME,), compare=True, now=NOW)
        assert march.value(F.TOTAL, "volume").text == "8"
        assert march.value(F.TOTAL, "volume", "previous").text == "0"


def test_filters_by_category_and_unit(app, dataset, db_session):
    town, _ = dataset
    with app.app_context():
        f = ReportFilters(YEAR, township_id=town, category="suggestion", scope=Scope.all())
        assert F.volume(f, now=NOW).text == "0"
        unit = org_id(db_session, "县人力资源和社会保障局")
        assert F.volume(ReportFilters(YEAR, unit_id=unit, scope=Scope.all()), now=NOW).text == "0"


def test_empty_period_reads_dash_not_zero_percent(app, dataset):
    town, _ = dataset
    f = town_filters(town, ReportPeriod.year(2013))
    with app.app_context():
        for fn in (F.reply_rate, F.closure_rate, F.satisfaction_rate, F.participation_rate,
                   F.on_time_acceptance_rate, F.on_time_completion_rate, F.first_time_rate,
                   F.repeat_rate, F.skip_level_rate, F.volume_year_on_year, F.resolution_rate):
            value = fn(f, now=NOW)
            assert value.rate is None and value.text == "—", fn.__name__
        assert F.volume(f, now=NOW).text == "0"
        assert F.collective_count(f, now=NOW).text == "0"


def test_scope_limits_the_figures(app, dataset):
    town, other = dataset
    with app.app_context():
        county = ReportFilters(YEAR, scope=Scope(township_ids=frozenset({other})))
        assert F.volume(county, now=NOW).text == "1"
        assert F.volume(ReportFilters(YEAR, township_id=town, scope=Scope(township_ids=frozenset({other}))),
                        now=NOW).text == "0"


def test_mediation_resolution_rate(app, db_session):
    town = org_id(db_session, "城关镇")
    committee = db_session.execute(select(MediationCommittee).limit(1)).scalar_one()
    base = {"committee_id": committee.id, "org_unit_id": committee.org_unit_id, "township_id": town,
            "title": "邻里纠纷", "dispute_type": "neighbours", "parties": "甲、乙", "method": "at_office",
            "applied_on": date(2015, 2, 1), "mediator_names": "", "created_at": RECEIVED,
            "updated_at": RECEIVED, "version": 1}
    outcomes = [("success", date(2015, 3, 1))] * 3 + [("failed", date(2015, 4, 1)),
                                                       ("pending", None), ("success", date(2016, 1, 5))]
    db_session.execute(insert(MediationRecord.__table__),
                       [{**base, "outcome": o, "concluded_on": c} for o, c in outcomes])
    db_session.commit()
    with app.app_context():
        # concluded in 2015: 3 succeeded, 1 failed (pending and 2016 not counted) → 3 / 4.
        value = F.resolution_rate(town_filters(town), now=NOW)
        assert (value.numerator, value.denominator, value.text) == (3, 4, "75.0%")
        by_unit = F.resolution_rate(ReportFilters(YEAR, scope=Scope.all()), by="unit", now=NOW)
        assert by_unit[committee.org_unit_id].text == "75.0%"


def test_ledger_counts_per_level(app, db_session):
    town = org_id(db_session, "城关镇")
    base = {"township_id": town, "title": "土地纠纷", "dispute_type": "land", "people_count": 2,
            "status": "unresolved", "closed_on": None, "parties_summary": "", "created_at": RECEIVED, "updated_at": RECEIVED,
            "version": 1}
    rows = [
        {"level": "1", "found_on": date(2015, 1, 5), "status": "resolved"},
        {"level": "1", "found_on": date(2015, 6, 5), "status": "resolved"},
        {"level": "3", "found_on": date(2015, 7, 5)},
        {"level": "2", "found_on": date(2015, 2, 5), "status": "closed", "closed_on": date(2015, 8, 1)},
        {"level": "2", "found_on": date(2016, 2, 5)},  # found after the period
    ]
    db_session.execute(insert(LedgerEntry.__table__), [{**base, **r} for r in rows])
    db_session.commit()
    with app.app_context():
        counts = F.ledger_counts(town_filters(town))
        assert [counts[c].text for c in ("ledger_level_1", "ledger_level_2", "ledger_level_3")] == ["2", "0", "1"]


def test_every_figure_has_a_definition():
    for fig in F.FIGURES:
        assert str(fig.label) and len(str(fig.definition)) > 30, fig.code
    assert len({f.code for f in F.FIGURES}) == len(F.FIGURES)
