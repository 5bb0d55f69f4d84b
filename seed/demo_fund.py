"""The demo county's hard-case fund (信访积案化解专项资金, seed 000): 50万 for the year, a handful of
applications from three townships — approved and paid, approved and partly paid, awaiting the
county leader, refused — so the fund's pages and its report show a year of use."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import select

from app.cases.models import Case, Category
from app.extensions import db
from app.fund.models import ApplicationStatus, Fund, FundApplication, FundDisbursement, HardCaseKind
from app.org.models import OrgUnit
from app.security.models import AppUser
from seed import data

# township, kind, amount, reason, status, [(amount paid, recipient, purpose)], opinion
PLAN: list[tuple[str, HardCaseKind, str, str, ApplicationStatus, list[tuple[str, str, str]], str]] = [
    ("城关镇", HardCaseKind.NAIL, "80000.00", "拆迁安置补偿遗留问题，当事人多年信访，拟一次性救助化解",
     ApplicationStatus.APPROVED, [("50000.00", "当事人王某", "困难救助（第一笔）"), ("30000.00", "当事人王某", "困难救助（结清）")],
     "同意，按程序拨付，做好息诉罢访协议"),
    ("城关镇", HardCaseKind.HEADLESS, "45000.50", "企业改制后职工社保断缴，原单位已注销，无责任主体",
     ApplicationStatus.APPROVED, [("20000.00", "城关镇社保所", "代缴社保补差")], "同意，分期拨付"),
    ("城关镇", HardCaseKind.BONE, "120000.00", "宅基地纠纷历经多年诉讼，需聘请第三方评估并救助",
     ApplicationStatus.PENDING, [], ""),
    ("河东镇", HardCaseKind.BONE, "60000.00", "农民工工资拖欠，包工头失联，项目已竣工",
     ApplicationStatus.APPROVED, [("60000.00", "河东镇劳动保障所", "代发拖欠工资")], "同意，专款专用"),
    ("河东镇", HardCaseKind.NAIL, "200000.00", "要求按城市标准补偿承包地",
     ApplicationStatus.REFUSED, [], "诉求超出政策，不予支持，继续做好解释疏导"),
    ("石桥镇", HardCaseKind.HEADLESS, "30000.25", "水库移民后扶资金发放遗漏，经办人已退休",
     ApplicationStatus.APPROVED, [], "同意"),
]


def _clamp(day: date, today: date) -> date:
    return min(day, today)


def load_demo_fund(now: datetime) -> None:
    today = now.date()
    county = db.session.execute(select(OrgUnit).where(OrgUnit.name == data.COUNTY[0])).scalar_one()
    admin = db.session.execute(select(AppUser).where(AppUser.username == "admin")).scalar_one()
    leader = db.session.execute(select(AppUser).where(AppUser.username == "county_leader")).scalar_one()
    clerk = db.session.execute(select(AppUser).where(AppUser.username == "county_clerk")).scalar_one()
    fund = Fund(county_id=county.id, year=today.year, total=Decimal("500000.00"),
                note="县委县政府设立，用于化解无头案、钉子案、骨头案", created_by_id=admin.id)
    db.session.add(fund)
    year_start = date(today.year, 1, 1)
    used: dict[str, int] = {}
    for township_name, kind, amount, reason, status, payments, opinion in PLAN:
        township = db.session.execute(select(OrgUnit).where(OrgUnit.name == township_name)).scalar_one()
        cases = db.session.execute(
            select(Case).where(
                Case.township_id == township.id, Case.category == Category.CLAIM.value, Case.counted,
                Case.received_at >= datetime.combine(year_start, time()),
            ).order_by(Case.received_at).limit(used.get(township_name, 0) + 1)
        ).scalars().all()
        if len(cases) <= used.get(township_name, 0):
            continue  # a tiny demo (tests) may not have enough cases in every township
        case = cases[used.get(township_name, 0)]
        used[township_name] = used.get(township_name, 0) + 1
        applied = _clamp(max(case.received_at.date(), year_start) + timedelta(days=20), today)
        application = FundApplication(
            fund=fund, case=case, kind=kind.value, amount=Decimal(amount), reason=reason, applied_on=applied,
            status=status.value, opinion=opinion or None, created_by_id=clerk.id,
        )
        if status != ApplicationStatus.PENDING:
            decided = _clamp(applied + timedelta(days=3), today)
            application.decided_by_id = leader.id
            application.decided_at = datetime.combine(decided, time(10, 0))
        db.session.add(application)
        for i, (paid, recipient, purpose) in enumerate(payments):
            db.session.add(FundDisbursement(
                application=application, amount=Decimal(paid), recipient=recipient, purpose=purpose,
                paid_on=_clamp(applied + timedelta(days=10 + 30 * i), today), created_by_id=clerk.id,
            ))
    db.session.flush()
