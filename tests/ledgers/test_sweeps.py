"""Sweeps: periods, zero reports in one click, who has not reported, roll-ups."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import select

from app.core.scoping import Scope
from app.ledgers import sweeps
from app.ledgers.models import LedgerEntry, SweepReport
from tests.ledgers.support import make_entry, org
from tests.support import county_today, page_text


def quiet_week(weeks_back: int = 30) -> date:
    """A Monday long before the demo's reports, whose week holds neither the 1st nor the 16th
    (so only the villages' weekly period starts in it)."""
    monday = county_today() - timedelta(days=county_today().weekday() + 7 * weeks_back)
    while any((monday + timedelta(days=i)).day in (1, 16) for i in range(7)):
        monday -= timedelta(days=7)
    return monday


def test_periods_follow_the_rules():
    weekly = sweeps.Rule("village", "weekly", 4, "16:00")
    period = sweeps.period_containing(weekly, date(2026, 3, 11))  # a Wednesday
    assert (period.start, period.end) == (date(2026, 3, 9), date(2026, 3, 15))
    assert period.due_at == datetime(2026, 3, 13, 16, 0)  # Friday 16:00
    assert sweeps.previous_period(weekly, period).start == date(2026, 3, 2)
    half = sweeps.Rule("township", "half_monthly", 4, "16:00")
    assert sweeps.period_containing(half, date(2026, 2, 20)).end == date(2026, 2, 28)
    assert sweeps.period_containing(half, date(2026, 2, 15)).due_at == datetime(2026, 2, 15, 16, 0)
    monthly = sweeps.Rule("county", "monthly", 4, "09:30")
    assert sweeps.period_containing(monthly, date(2026, 4, 2)).due_at == datetime(2026, 4, 30, 9, 30)
    assert [p.start.day for p in sweeps.periods_between(half, date(2026, 1, 10), date(2026, 2, 20))] == [16, 1, 16]


def test_pending_before_the_cutoff_missing_after(app, db_session):
    from app.extensions import db

    village = org(db_session, "红旗村")
    monday = quiet_week()
    with app.test_request_context():
        rule = sweeps.rules(db.session)["village"]
        period = sweeps.period_containing(rule, monday)
        scope = Scope(township_ids=frozenset({village.township_id}))
        before = sweeps.period_status(db.session, period, scope, moment=period.due_at - timedelta(minutes=1))
        after = sweeps.period_status(db.session, period, scope, moment=period.due_at + timedelta(minutes=1))
    assert {s.state for s in before} == {"pending"}
    assert {s.state for s in after} == {"missing"}
    assert len(after) == 10  # 城关镇's villages and communities


def test_zero_report_in_one_click_and_the_missing_view(clerk_client, db_session):
    village = org(db_session, "红旗村")
    period = quiet_week().isoformat()
    page = page_text(clerk_client.get(f"/sweeps/?level=village&period={period}"))
    assert "逾期未报" in page
    response = clerk_client.post("/sweeps/zero", data={"unit": village.id, "period": period})
    assert response.status_code == 302
    db_session.rollback()
    report = db_session.execute(select(SweepReport).where(SweepReport.org_unit_id == village.id,
                                                          SweepReport.period_start == date.fromisoformat(period))
                                ).scalar_one()
    assert report.is_zero and report.is_late  # filed long after its cut-off
    # Filing again is refused; still one report.
    clerk_client.post("/sweeps/zero", data={"unit": village.id, "period": period})
    db_session.rollback()
    assert len(db_session.execute(select(SweepReport).where(
        SweepReport.org_unit_id == village.id, SweepReport.period_start == date.fromisoformat(period))).all()) == 1
    missing = clerk_client.get(f"/sweeps/?level=village&period={period}&missing=1").get_data(as_text=True)
    assert 'data-unit="红旗村"' not in missing
    assert 'data-unit="团结村"' in missing
    assert 'data-unit="沿河村"' not in missing  # another township's village


def test_zero_report_refused_when_the_ledger_holds_disputes_found(clerk_client, db_session):
    village = org(db_session, "团结村")
    monday = quiet_week()
    entry = make_entry(db_session, village="团结村", found_on=monday + timedelta(days=1))
    response = clerk_client.post("/sweeps/zero", data={"unit": village.id, "period": monday.isoformat()},
                                 follow_redirects=True)
    assert "零报告" in page_text(response) and "1" in page_text(response)
    db_session.rollback()
    assert db_session.execute(select(SweepReport).where(SweepReport.org_unit_id == village.id,
                                                        SweepReport.period_start == monday)).first() is None
    # A report listing the dispute instead.
    page = clerk_client.get(f"/sweeps/file?unit={village.id}&period={monday.isoformat()}")
    assert entry.title in page_text(page)
    response = clerk_client.post("/sweeps/file", data={
        "unit": village.id, "period": monday.isoformat(), "entry": [str(entry.id)], "summary": "排查发现1件",
    })
    assert response.status_code == 302
    db_session.rollback()
    report = db_session.execute(select(SweepReport).where(SweepReport.org_unit_id == village.id,
                                                          SweepReport.period_start == monday)).scalar_one()
    assert (report.is_zero, report.entries_found, report.people_involved) == (False, 1, 1)
    assert db_session.get(LedgerEntry, entry.id).sweep_report_id == report.id


def test_another_township_cannot_file_for_my_villages(clerk2_client, db_session):
    village = org(db_session, "红旗村")
    period = quiet_week().isoformat()
    assert clerk2_client.post("/sweeps/zero", data={"unit": village.id, "period": period}).status_code == 404
    assert clerk2_client.get(f"/sweeps/file?unit={village.id}&period={period}").status_code == 404
    db_session.rollback()
    assert db_session.execute(select(SweepReport).where(SweepReport.org_unit_id == village.id,
                                                        SweepReport.period_start == date.fromisoformat(period))
                              ).first() is None


def _row(html: str, name: str) -> list[str]:
    import re

    match = re.search(rf'<tr[^>]*data-name="{re.escape(name)}"[^>]*>(.*?)</tr>', html, flags=re.S)
    assert match, f"no row {name}"
    return [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", match.group(1), re.S)]


def test_rollup_township_sees_villages_county_sees_townships(clerk_client, admin_client, clerk2_client, db_session):
    monday = quiet_week(34)
    sunday = monday + timedelta(days=6)
    for name in ("红旗村", "团结村"):
        assert clerk_client.post("/sweeps/zero", data={"unit": org(db_session, name).id,
                                                       "period": monday.isoformat()}).status_code == 302
    entry = make_entry(db_session, village="前进村", found_on=monday + timedelta(days=2),
                       parties=[("甲", None, None), ("乙", None, None)])
    assert clerk_client.post("/sweeps/file", data={
        "unit": org(db_session, "前进村").id, "period": monday.isoformat(), "entry": [str(entry.id)],
    }).status_code == 302
    span = f"from={monday.isoformat()}&to={sunday.isoformat()}"

    township = clerk_client.get(f"/sweeps/rollup/?{span}").get_data(as_text=True)
    # columns: name, due, filed, zero, late, missing, disputes found, people
    assert _row(township, "红旗村") == ["红旗村", "1", "1", "1", "1", "0", "0", "0"]
    assert _row(township, "前进村") == ["前进村", "1", "1", "0", "1", "0", "1", "2"]
    assert _row(township, "新民村") == ["新民村", "1", "0", "0", "0", "1", "0", "0"]
    assert _row(township, "total") == ["合计", "10", "3", "2", "3", "7", "1", "2"]
    assert "沿河村" not in township

    county = admin_client.get(f"/sweeps/rollup/?{span}").get_data(as_text=True)
    assert _row(county, "城关镇") == ["城关镇", "10", "3", "2", "3", "7", "1", "2"]
    assert _row(county, "河东镇")[:3] == ["河东镇", "9", "0"]
    drill = admin_client.get(f"/sweeps/rollup/?township={org(db_session, '城关镇').id}&{span}").get_data(as_text=True)
    assert _row(drill, "前进村")[6] == "1"
    # Another township's clerk cannot drill into 城关镇.
    assert clerk2_client.get(f"/sweeps/rollup/?township={org(db_session, '城关镇').id}").status_code == 404
