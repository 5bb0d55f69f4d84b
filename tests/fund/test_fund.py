"""The hard-case fund (信访积案化解专项资金, seed 000): amounts exact, one open draw per case,
approval by a county leader, disbursements within the approval and the balance, scoping, roles,
and the report's sums (oracle: the Decimal rows themselves)."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.cases.models import OPEN_STATUSES, Case, Category
from app.fund import rules
from app.fund.models import ApplicationStatus, Fund, FundApplication, FundDisbursement
from app.org.models import OrgUnit
from tests.support import case_form, county_today, form_errors, page_text, valid_id_number


def _org(db_session, name: str) -> OrgUnit:
    return db_session.execute(select(OrgUnit).where(OrgUnit.name == name)).scalar_one()


def _free_case(db_session, township: str) -> Case:
    """An open ordinary case of the township with no application to the fund yet."""
    applied = select(FundApplication.case_id)
    return db_session.execute(
        select(Case).where(
            Case.township_id == _org(db_session, township).id, Case.category != Category.ACCUSATION.value,
            Case.status.in_([s.value for s in OPEN_STATUSES]), Case.id.not_in(applied),
        ).order_by(Case.id)
    ).scalars().first()


def _count(db_session, model) -> int:
    return db_session.execute(select(func.count()).select_from(model)).scalar_one()


def _latest(db_session, case: Case) -> FundApplication:
    db_session.expire_all()
    return db_session.execute(
        select(FundApplication).where(FundApplication.case_id == case.id).order_by(FundApplication.id.desc())
    ).scalars().first()


def apply_form(case: Case, **overrides: str) -> dict[str, str]:
    data = {"case_number": case.number, "kind": "nail", "amount": "12000.50",
            "reason": "历史遗留问题，拟一次性救助化解", "applied_on": county_today().isoformat()}
    data.update(overrides)
    return data


def pay_form(application: FundApplication, **overrides: str) -> dict[str, str]:
    data = {"application": str(application.id), "amount": "1000.00", "paid_on": county_today().isoformat(),
            "recipient": "当事人王某", "purpose": "困难救助"}
    data.update(overrides)
    return data


# --- the rules, called directly ------------------------------------------------------------------


def test_amounts_are_positive_exact_yuan_and_fen(app):
    with app.test_request_context():
        assert rules.amount_error(Decimal("12000.50")) is None
        assert rules.amount_error(Decimal("0.01")) is None
        assert "大于零" in rules.amount_error(Decimal("-1"))
        assert "大于零" in rules.amount_error(Decimal("0"))
        assert "两位小数" in rules.amount_error(Decimal("100.005"))
        assert rules.amount_error(Decimal("1000000000000")) is not None
        assert rules.parse_amount("1,200.50") == Decimal("1200.50")
        assert rules.parse_amount(" ") is None
        with pytest.raises(rules.DomainError):
            rules.parse_amount("一万")
        with pytest.raises(rules.DomainError):
            rules.parse_amount("NaN")
    position = rules.FundPosition(total=Decimal("500000.00"), disbursed=Decimal("160000.00"),
                                  committed=Decimal("55000.75"))
    assert position.balance == Decimal("340000.00")
    assert position.available == Decimal("284999.25")


def test_disbursements_never_exceed_the_approval_nor_the_balance(db_session):
    """Two approvals that together overdraw a small fund (only possible by going round the
    approval rule, as here): the second payment is refused for the balance."""
    county = _org(db_session, "青山县")
    first_case, second_case = _free_case(db_session, "城关镇"), _free_case(db_session, "河东镇")
    fund = Fund(county_id=county.id, year=county_today().year - 1, total=Decimal("100.00"))
    db_session.add(fund)
    one = FundApplication(fund=fund, case=first_case, kind="bone", amount=Decimal("100.00"), reason="x",
                          applied_on=county_today(), status=ApplicationStatus.APPROVED.value)
    two = FundApplication(fund=fund, case=second_case, kind="bone", amount=Decimal("50.00"), reason="y",
                          applied_on=county_today(), status=ApplicationStatus.APPROVED.value)
    db_session.add_all([one, two])
    db_session.flush()
    over = FundDisbursement(application=one, amount=Decimal("100.01"), paid_on=county_today(),
                            recipient="甲", purpose="救助")
    assert [p.field for p in rules.disbursement_problems(db_session, over)] == ["amount"]
    over.application = None  # refused: not kept
    paid = FundDisbursement(application=one, amount=Decimal("100.00"), paid_on=county_today(),
                            recipient="甲", purpose="救助")
    assert rules.disbursement_problems(db_session, paid) == []
    db_session.add(paid)
    db_session.flush()
    assert rules.fund_position(db_session, fund).balance == Decimal("0.00")
    late = FundDisbursement(application=two, amount=Decimal("50.00"), paid_on=county_today(),
                            recipient="乙", purpose="救助")
    problems = rules.disbursement_problems(db_session, late)
    assert [p.field for p in problems] == ["amount"] and "结余" in problems[0].message
    late.application = None
    # A case fully paid may apply again; one with money still to draw may not.
    assert rules.open_application(db_session, first_case.id) is None
    assert rules.open_application(db_session, second_case.id).id == two.id


# --- through the pages ---------------------------------------------------------------------------


def test_apply_approve_disburse_and_no_second_draw(client_as, db_session):
    case = _free_case(db_session, "城关镇")
    clerk = client_as("clerk")
    response = clerk.post("/fund/applications/add", data=apply_form(case))
    assert response.status_code == 302, form_errors(response)
    application = _latest(db_session, case)
    assert (application.amount, application.status) == (Decimal("12000.50"), ApplicationStatus.PENDING.value)
    assert application.fund.year == county_today().year

    # While it awaits approval, the case cannot apply again.
    before = _count(db_session, FundApplication)
    response = clerk.post("/fund/applications/add", data=apply_form(case, amount="100.00"))
    assert any("已有一笔正在使用专项资金的申请" in e for e in form_errors(response)), form_errors(response)
    assert _count(db_session, FundApplication) == before

    # Nothing is paid before approval (the application is not even offered).
    paid_before = _count(db_session, FundDisbursement)
    response = clerk.post("/fund/disbursements/add", data=pay_form(application))
    assert form_errors(response) and _count(db_session, FundDisbursement) == paid_before

    # 城关镇's own leader may not approve the county's money; the county leader does.
    leader = client_as("leader")
    assert 'id="approve-application"' not in leader.get(f"/fund/applications/show/{application.id}").get_data(
        as_text=True)
    response = leader.post(f"/fund/applications/decide/{application.id}", data={"decision": "approve"},
                           follow_redirects=True)
    assert "专项资金申请只能由县级领导审批" in page_text(response)
    assert _latest(db_session, case).status == ApplicationStatus.PENDING.value
    county_leader = client_as("county_leader")
    assert 'id="approve-application"' in county_leader.get(f"/fund/applications/show/{application.id}").get_data(
        as_text=True)
    county_leader.post(f"/fund/applications/decide/{application.id}",
                       data={"decision": "approve", "opinion": "同意，专款专用"})
    application = _latest(db_session, case)
    assert application.status == ApplicationStatus.APPROVED.value
    assert application.decided_by.username == "county_leader" and application.decided_at is not None
    assert application.opinion == "同意，专款专用"
    # Decided once: a second decision is refused.
    response = county_leader.post(f"/fund/applications/decide/{application.id}", data={"decision": "refuse",
                                  "opinion": "改变主意"}, follow_redirects=True)
    assert "已经审批" in page_text(response) or "已审批" in page_text(response)
    assert _latest(db_session, case).status == ApplicationStatus.APPROVED.value

    # More than approved: refused next to the amount, nothing saved.
    response = clerk.post("/fund/disbursements/add", data=pay_form(application, amount="12000.51"))
    assert any("超过批准金额的未拨付部分（12000.50 元）" in e for e in form_errors(response)), form_errors(response)
    assert _count(db_session, FundDisbursement) == paid_before
    response = clerk.post("/fund/disbursements/add", data=pay_form(application, amount="7000.00"))
    assert response.status_code == 302, form_errors(response)
    # Approved and not fully paid: still no second application.
    response = clerk.post("/fund/applications/add", data=apply_form(case, amount="100.00"))
    assert any("已有一笔正在使用专项资金的申请" in e for e in form_errors(response)), form_errors(response)
    response = clerk.post("/fund/disbursements/add", data=pay_form(application, amount="5000.50"))
    assert response.status_code == 302, form_errors(response)
    application = _latest(db_session, case)
    assert application.disbursed == Decimal("12000.50") and application.undisbursed == Decimal("0.00")
    # Fully paid: a new application (to be approved anew) is accepted.
    response = clerk.post("/fund/applications/add", data=apply_form(case, amount="300.00"))
    assert response.status_code == 302, form_errors(response)
    assert _latest(db_session, case).status == ApplicationStatus.PENDING.value


@pytest.mark.parametrize(("amount", "message"), [
    ("-100", "金额必须大于零"),
    ("0", "金额必须大于零"),
    ("100.001", "金额最多保留两位小数（到分）"),
    ("一万元", "请以元为单位填写金额，例如 12000.50"),
    ("600000.00", "超过本年度专项资金尚可批准的金额"),
])
def test_bad_amounts_are_refused_next_to_the_field(client_as, db_session, amount, message):
    case = _free_case(db_session, "城关镇")
    before = _count(db_session, FundApplication)
    response = client_as("clerk").post("/fund/applications/add", data=apply_form(case, amount=amount))
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    field = re.search(r'id="amount".*?</div>\s*</td>', body, flags=re.S) or re.search(
        r'id="amount"[\s\S]{0,1500}', body)
    assert message in page_text_of(field.group(0)), form_errors(response)
    assert f'value="{amount}"' in body  # the input is kept as typed
    assert _count(db_session, FundApplication) == before


def page_text_of(fragment: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", fragment))


def test_a_refusal_needs_its_reason_and_frees_the_case(client_as, db_session):
    case = _free_case(db_session, "城关镇")
    clerk, county_leader = client_as("clerk"), client_as("county_leader")
    assert clerk.post("/fund/applications/add", data=apply_form(case)).status_code == 302
    application = _latest(db_session, case)
    response = county_leader.post(f"/fund/applications/decide/{application.id}", data={"decision": "refuse"},
                                  follow_redirects=True)
    assert "请填写不同意的理由" in page_text(response)
    assert _latest(db_session, case).status == ApplicationStatus.PENDING.value
    county_leader.post(f"/fund/applications/decide/{application.id}",
                       data={"decision": "refuse", "opinion": "诉求超出政策"})
    assert _latest(db_session, case).status == ApplicationStatus.REFUSED.value
    # A refused application can no longer be edited, and the case may apply anew.
    refused = _latest(db_session, case)
    response = clerk.post(f"/fund/applications/edit/{application.id}",
                          data=apply_form(case, amount="1.00", row_version=str(refused.version)))
    assert any("已审批的申请不能再修改" in e for e in form_errors(response)), form_errors(response)
    assert clerk.post("/fund/applications/add", data=apply_form(case)).status_code == 302


# --- scoping -------------------------------------------------------------------------------------


def test_another_township_sees_none_of_chengguan_s_fund_use(client_as, db_session):
    chengguan = _org(db_session, "城关镇")
    theirs = db_session.execute(
        select(FundApplication).join(Case).where(Case.township_id == chengguan.id)
    ).scalars().all()
    assert theirs, "the demo has 城关镇 applications"
    paid = [d for a in theirs for d in a.disbursements]
    assert paid, "and payments on them"
    numbers = [a.case.number for a in theirs]
    clerk2 = client_as("clerk2")
    listed = page_text(clerk2.get("/fund/applications/list/"))
    assert "资金申请" in listed
    assert not [n for n in numbers if n in listed]
    for application in theirs:
        assert clerk2.get(f"/fund/applications/show/{application.id}").status_code == 404
        assert clerk2.get(f"/fund/applications/edit/{application.id}").status_code == 404
        assert clerk2.post(f"/fund/applications/decide/{application.id}",
                           data={"decision": "approve"}).status_code == 403  # clerks apply; they never decide
    for payment in paid:
        assert clerk2.get(f"/fund/disbursements/show/{payment.id}").status_code == 404
    assert not [n for n in numbers if n in page_text(clerk2.get("/fund/disbursements/list/"))]
    for base in ("/fund/applications", "/fund/disbursements"):
        response = clerk2.post(f"{base}/export/csv")
        assert response.status_code == 200
        exported = response.get_data(as_text=True)
        assert not [n for n in numbers if n in exported]
    # Paying against another township's application is refused (it is not offered either).
    approved = next(a for a in theirs if a.status == ApplicationStatus.APPROVED.value)
    before = _count(db_session, FundDisbursement)
    response = clerk2.post("/fund/disbursements/add", data=pay_form(approved))
    assert form_errors(response) and _count(db_session, FundDisbursement) == before
    # 河东镇's leader reads the report: 河东镇's row, not 城关镇's.
    report = page_text(client_as("leader_hd").get("/fund/report/"))
    assert "河东镇" in report and "城关镇" not in report
    # 城关镇's own clerk sees them all.
    mine = page_text(client_as("clerk").get("/fund/applications/list/"))
    assert all(n in mine for n in numbers)


def test_an_accusation_s_application_never_reaches_the_accused_township(client_as, db_session):
    """检举控告 against 城关镇 (Art. 30): who cannot open the case cannot see its application."""
    chengguan = _org(db_session, "城关镇")
    title = "举报镇干部截留救助资金"
    form = case_form(chengguan.id, category="accusation", title=title, reported_unit=str(chengguan.id),
                     content="镇民政办工作人员截留困难群众救助资金。",
                     **{"petitioners-0-name": "检举人丙",
                        "petitioners-0-id_number": valid_id_number("19700404", "414")})
    assert client_as("admin").post("/cases/add", data=form).status_code == 302
    accusation = db_session.execute(select(Case).where(Case.title == title)).scalar_one()
    response = client_as("county_clerk").post("/fund/applications/add", data=apply_form(accusation))
    assert response.status_code == 302, form_errors(response)
    application = _latest(db_session, accusation)
    for username in ("clerk", "leader", "supervisor", "manager"):
        c = client_as(username)
        assert accusation.number not in page_text(c.get("/fund/applications/list/")), username
        assert c.get(f"/fund/applications/show/{application.id}").status_code == 404, username
    county_leader = client_as("county_leader")
    assert county_leader.get(f"/fund/applications/show/{application.id}").status_code == 200
    assert accusation.number in page_text(county_leader.get("/fund/applications/list/"))


# --- roles ---------------------------------------------------------------------------------------

# username → (applications list, apply, disbursements list, record payment, report, yearly funds)
ACCESS = {
    "admin": (200, 200, 200, 200, 200, 200),
    "county_clerk": (200, 200, 200, 200, 403, 403),
    "county_leader": (200, 403, 200, 403, 200, 200),
    "county_supervisor": (200, 403, 200, 403, 200, 200),
    "county_manager": (200, 403, 200, 403, 200, 200),
    "clerk": (200, 200, 200, 200, 403, 403),
    "clerk2": (200, 200, 200, 200, 403, 403),
    "handler": (403, 403, 403, 403, 403, 403),
    "leader": (200, 403, 200, 403, 200, 200),
    "supervisor": (200, 403, 200, 403, 200, 200),
    "manager": (200, 403, 200, 403, 200, 200),
    "xz_admin": (403, 403, 403, 403, 403, 403),
}
PAGES = ("/fund/applications/list/", "/fund/applications/add", "/fund/disbursements/list/",
         "/fund/disbursements/add", "/fund/report/", "/fund/years/list/")


def test_every_demo_role_s_access(client_as, db_session):
    pending = db_session.execute(
        select(FundApplication).where(FundApplication.status == ApplicationStatus.PENDING.value)
    ).scalars().first()
    wrong = []
    for username, expected in ACCESS.items():
        c = client_as(username)
        got = tuple(c.get(url).status_code for url in PAGES)
        if got != expected:
            wrong.append(f"{username}: {got} != {expected}")
        # Deciding: the permission (leaders, admin) and then the rule (county leaders, admin).
        status = c.post(f"/fund/applications/decide/{pending.id}", data={"decision": "refuse"}).status_code
        # (a refusal without its reason: refused by the rule, so nothing changes either way)
        want = 302 if username in ("admin", "county_leader", "leader") else 403
        if status != want:
            wrong.append(f"{username} decide: {status} != {want}")
    assert not wrong, "\n".join(wrong)
    assert db_session.get(FundApplication, pending.id).status == ApplicationStatus.PENDING.value


# --- the report ----------------------------------------------------------------------------------


def _cells(html: str, table_id: str) -> dict[str, list[str]]:
    table = re.search(rf'<table[^>]*id="{table_id}".*?</table>', html, flags=re.S).group(0)
    rows = {}
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", table, flags=re.S):
        cells = [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row, re.S)]
        rows[cells[0]] = cells[1:]
    return rows


def test_the_report_sums_are_exact(client_as, db_session):
    year = county_today().year
    fund = db_session.execute(select(Fund).where(Fund.year == year)).scalar_one()
    applications = db_session.execute(select(FundApplication).where(FundApplication.fund_id == fund.id)).scalars().all()
    by_township: dict[str, list[Decimal]] = {}
    for a in applications:
        approved = a.status == ApplicationStatus.APPROVED.value
        paid = sum((d.amount for d in a.disbursements), Decimal("0")) if approved else Decimal("0")
        row = by_township.setdefault(a.case.township.name, [0, Decimal("0"), 0, Decimal("0"), Decimal("0")])
        row[0] += 1
        row[1] += a.amount
        row[2] += 1 if approved else 0
        row[3] += a.amount if approved else Decimal("0")
        row[4] += paid
    html = client_as("county_manager").get(f"/fund/report/?year={year}").get_data(as_text=True)
    cells = _cells(html, "use-by-township")
    for name, (n, applied, n_approved, approved, paid) in by_township.items():
        assert cells[name] == [str(n), f"{applied:,.2f}", str(n_approved), f"{approved:,.2f}", f"{paid:,.2f}",
                               f"{approved - paid:,.2f}"], name
    disbursed = sum((d.amount for a in applications for d in a.disbursements), Decimal("0"))
    assert re.search(r'id="fund-total">([^<]*)<', html).group(1) == f"{fund.total:,.2f}"
    assert re.search(r'id="fund-disbursed">([^<]*)<', html).group(1) == f"{disbursed:,.2f}"
    assert re.search(r'id="fund-balance">([^<]*)<', html).group(1) == f"{fund.total - disbursed:,.2f}"
    kinds = _cells(html, "use-by-kind")
    assert kinds["合计"][0] == str(len(applications))


def test_the_administrator_sets_up_each_year_once(client_as, db_session):
    admin = client_as("admin")
    year = county_today().year
    before = _count(db_session, Fund)
    response = admin.post("/fund/years/add", data={"year": str(year), "total": "500000", "note": ""})
    assert any("本年度专项资金已设立" in e for e in form_errors(response)), form_errors(response)
    response = admin.post("/fund/years/add", data={"year": str(year + 1), "total": "500000.005", "note": ""})
    assert any("两位小数" in e for e in form_errors(response)), form_errors(response)
    assert _count(db_session, Fund) == before
    response = admin.post("/fund/years/add", data={"year": str(year + 1), "total": "500000", "note": "下年度"})
    assert response.status_code == 302, form_errors(response)
    created = db_session.execute(select(Fund).where(Fund.year == year + 1)).scalar_one()
    assert created.total == Decimal("500000.00") and created.county.name == "青山县"
    # This year's total cannot go below what is already paid out and approved.
    fund = db_session.execute(select(Fund).where(Fund.year == year)).scalar_one()
    response = admin.post(f"/fund/years/edit/{fund.id}", data={
        "year": str(year), "total": "1000.00", "note": "", "row_version": str(fund.version)})
    assert any("少于已拨付和已批准的金额" in e for e in form_errors(response)), form_errors(response)
    db_session.expire_all()
    assert db_session.get(Fund, fund.id).total == Decimal("500000.00")
