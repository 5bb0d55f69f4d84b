"""The demo county's 风险期 (seed 003): two periods with a daily sweep by 16:00.

- 冬季供暖期供热质量排查: running now (from 3 days ago to 10 days ahead) in 石桥镇 and 白沙镇; the
  past days' daily reports are filed through the real rule (zero reports, one a little late), so
  the sweep page shows their own daily period beside the others' half-monthly one.
- 春节前农民工工资集中排查: every township, the 25 days before the coming Spring Festival.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from app.core.errors import DomainError
from app.core.scoping import Scope
from app.extensions import db
from app.ledgers import sweeps
from app.ledgers.models import RiskPeriod
from app.org.models import OrgUnit

# 春节 (the first day of the lunar year): the demo runs whatever year it is loaded in.
SPRING_FESTIVALS = [date(2026, 2, 17), date(2027, 2, 6), date(2028, 1, 26), date(2029, 2, 13),
                    date(2030, 2, 3), date(2031, 1, 23), date(2032, 2, 11)]
HEATING_TOWNSHIPS = ("石桥镇", "白沙镇")


def load_demo_risk(org: dict[str, OrgUnit], now: datetime) -> None:
    today = now.date()
    heating = RiskPeriod(
        name="冬季供暖期供热质量排查", starts_on=today - timedelta(days=3), ends_on=today + timedelta(days=10),
        all_townships=False, frequency="daily", due_weekday="4", cutoff="16:00",
        note="紧盯供热质量，各乡镇每日16时前报送排查情况，无情况报零报告。",
    )
    heating.townships = [org[name] for name in HEATING_TOWNSHIPS]
    festival = next((d for d in SPRING_FESTIVALS if d > today + timedelta(days=1)), None)
    rows = [heating]
    if festival is not None:
        rows.append(RiskPeriod(
            name="春节前农民工工资集中排查", starts_on=festival - timedelta(days=25), ends_on=festival - timedelta(days=1),
            all_townships=True, frequency="daily", due_weekday="4", cutoff="16:00",
            note="春节前农民工工资发放矛盾集中，各乡镇每日排查在建工地和用工企业欠薪情况。",
        ))
    db.session.add_all(rows)
    db.session.flush()
    for index, name in enumerate(HEATING_TOWNSHIPS):
        township = org[name]
        for back in (3, 2, 1):
            day = today - timedelta(days=back)
            period = sweeps.township_period(db.session, township.id, day)
            late = index == 1 and back == 2
            moment = datetime(day.year, day.month, day.day, 17 if late else 15, 20)
            try:
                sweeps.file_zero_report(db.session, township, period, Scope.all(), moment)
            except DomainError:
                continue  # disputes were logged that day (or a report stands): the ledger's own report
    db.session.flush()
