"""The demo county's reception rota (seeds 003/004): the county leaders take turns at the county
hall, one each working day, 08:00–17:00; the next four weeks are published through the rule."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from app.deadlines.policy import load_policy
from app.extensions import db
from app.leaders import rota as rules
from app.leaders.models import Leader, LeaderRank, ReceptionRota


def load_demo_rota(now: datetime) -> None:
    today = now.date()
    leaders = db.session.execute(
        select(Leader).where(Leader.rank == LeaderRank.COUNTY.value, Leader.active.is_(True))
        .order_by(Leader.sort_order, Leader.id)
    ).scalars().all()
    if not leaders:
        return
    rota = ReceptionRota(
        name="县级领导信访接待大厅轮流接访", place="县信访局接待大厅", start_time="08:00", end_time="17:00",
        subjects="各类信访事项", starts_on=today - timedelta(days=today.weekday()), ends_on=None,
        working_days_only=True, weekdays="0,1,2,3,4", active=True,
    )
    rota.leaders = list(leaders)
    db.session.add(rota)
    db.session.flush()
    rules.generate(db.session, rota, today, rules.HORIZON_DAYS, load_policy(db.session).calendar)
