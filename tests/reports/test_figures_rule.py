"""The figures managers read, checked against the rule (DOMAIN.md "The figures managers read"),
with the expected values counted from the raw rows of each test, never from the code:

- 回复率 = replied ÷ received, 结案率 = closed ÷ received; 到期回复率 / 到期结案率 over the cases
  whose deadline has come; 按期答复率 / 按期办结率 the on-time figures, a separate figure each —
  on seed 004's shape the report page reads 90.7 %, 90.8 %, 85.8 %, 87.1 % for every role;
- each stage keeps its deadline: a late reply stays late after a 不满意 rating or a revoked 复查;
- a case reopened by a 复查 request is not closed;
- the ledger counts of an earlier period use the level the entry had on the period's last day.
"""

from __future__ import annotations

import html
import re
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import insert, select, update

from app.cases.models import Case
from app.core.scoping import Scope
from app.ledgers.models import LedgerEntry, LevelChange
from app.practices import levels
from app.reports import figures as F
from app.reports import overdue
from app.reports.figures import ReportFilters, ReportPeriod
from tests.cases.workflow_support import fresh, ok, register, step, unit
from tests.reports.support import add_cases, org_id
from tests.support import county_now, login

RECEIVED = datetime(2015, 3, 2, 9, 0)
DUE = RECEIVED + timedelta(days=60)
YEAR = ReportPeriod.year(2015)
# Roles that read the rates report, county-level and 城关镇's own: all see 城关镇's cases.
READERS = ["admin", "county_manager", "county_leader", "county_supervisor", "manager", "leader", "supervisor"]


def seed_004_rows(town: int, received: datetime = RECEIVED, due: datetime = DUE, **same: object) -> list[dict]:
    """Seed 004: 247 received; 240 whose reply deadline has come; 224 replied, 218 of them come
    due; 212 closed, 209 of them come due. Seven cases wait on a deadline still ahead (a long
    pause): 3 replied and closed, 3 replied, 1 not yet replied. Some replies come late.
    `same`: columns every row gets (a title, a responsible unit)."""
    now = county_now()
    ahead = now + timedelta(days=30)
    # Five days after the deadline for a late reply, three more to close (less when `due` is recent).
    late_by, closing = min(timedelta(days=5), (now - due) / 3), min(timedelta(days=3), (now - due) / 10)
    on_time = received + min(timedelta(days=20), (due - received) / 3)
    rows = []

    def case(come_due: bool, replied: bool, closed: bool, late: bool = False) -> None:
        reply = due + late_by if late else on_time
        rows.append({
            "township_id": town, "received_at": received, "reply_due_at": due if come_due else ahead,
            "due_at": due if come_due else ahead, "replied_at": reply if replied else None,
            "closed_at": reply + closing if closed else None,
            "status": "closed" if closed else ("replied" if replied else "handling"),
            "satisfaction": "satisfied" if replied else None, **same,
        })

    for i in range(209):
        case(True, True, True, late=i < 20)
    for _ in range(9):
        case(True, True, False)
    for _ in range(22):
        case(True, False, False)
    for _ in range(3):
        case(False, True, True)
    for _ in range(3):
        case(False, True, False)
    case(False, False, False)
    return rows


def shown_figures(html: str) -> dict[str, tuple[str, str]]:
    """{figure code: (value, count)} of the first row of the page's figure cells (the total)."""
    found: dict[str, tuple[str, str]] = {}
    for code, title, value in re.findall(
            r'<td class="xf-figure" data-code="(\w+)"><span class="xf-now"(?: title="([^"]*)")?>([^<]*)</span>', html):
        found.setdefault(code, (value, title))
    return found


@pytest.mark.parametrize("role", READERS)
def test_seed_004_figures_on_the_report_page(role, client_as, db_session):
    town = org_id(db_session, "城关镇")
    rows = seed_004_rows(town)
    add_cases(db_session, rows)
    # Counted from the rows: received, come due, replied, closed.
    now = county_now()
    due = [r for r in rows if r["reply_due_at"] < now]
    replied = [r for r in rows if r["replied_at"]]
    closed = [r for r in rows if r["closed_at"]]
    assert (len(rows), len(due), len(replied), len(closed)) == (247, 240, 224, 212)
    due_replied = [r for r in due if r["replied_at"]]
    due_closed = [r for r in due if r["closed_at"]]
    on_time = [r for r in replied if r["replied_at"] <= r["reply_due_at"]]
    due_unanswered = [r for r in due if not r["replied_at"]]
    assert (len(due_replied), len(due_closed), len(on_time), len(due_unanswered)) == (218, 209, 204, 22)

    page = client_as(role).get("/reports/rates/?start=2015-01-01&end=2015-12-31")
    assert page.status_code == 200
    shown = shown_figures(page.get_data(as_text=True))
    assert shown["volume"][0] == "247"
    assert shown["reply_rate"] == ("90.7%", "224 / 247")
    assert shown["due_reply_rate"] == ("90.8%", "218 / 240")
    assert shown["closure_rate"] == ("85.8%", "212 / 247")
    assert shown["due_closure_rate"] == ("87.1%", "209 / 240")
    # 按期答复率: replied by the reply deadline ÷ replied (224), or come due without a reply (22).
    assert shown["on_time_reply"] == ("82.9%", "204 / 246")
    # 按期办结率: closed by the handling deadline ÷ closed, or open with that deadline passed.
    closed_on_time = [r for r in closed if r["closed_at"] <= r["due_at"]]
    open_past_due = [r for r in rows if not r["closed_at"] and r["due_at"] < now]
    assert (len(closed_on_time), len(open_past_due)) == (192, 31)
    assert shown["on_time_completion"] == ("79.0%", "192 / 243")
    # Each shown under its own name, with its definition in the footnotes.
    html = page.get_data(as_text=True)
    for name in ("回复率", "到期回复率", "结案率", "到期结案率", "按期答复率", "按期办结率"):
        assert f">{name}<sup>" in html, name


def expected_figures(db_session, ids: set[int]) -> dict[str, tuple[str, str]]:
    """The figures over these cases, counted from their raw rows by the shown definitions:
    {code: (value, "numerator / denominator")}."""
    now = county_now()
    rows = db_session.execute(select(Case.reply_due_at, Case.due_at, Case.replied_at, Case.closed_at)
                              .where(Case.id.in_(ids))).all()
    replied = [r for r in rows if r.replied_at]
    closed = [r for r in rows if r.closed_at]
    come_due = [r for r in rows if r.reply_due_at < now]
    # 按期办结率: closed by the handling deadline ÷ closed, or open with that deadline passed.
    closed_on_time = [r for r in closed if r.closed_at <= r.due_at]
    open_past_due = [r for r in rows if not r.closed_at and r.due_at < now]

    def rate(part: list, whole: list) -> tuple[str, str]:
        return f"{100 * len(part) / len(whole):.1f}%", f"{len(part)} / {len(whole)}"

    return {
        "reply_rate": rate(replied, rows), "closure_rate": rate(closed, rows),
        "due_reply_rate": rate([r for r in come_due if r.replied_at], come_due),
        "due_closure_rate": rate([r for r in come_due if r.closed_at], come_due),
        "on_time_completion": rate(closed_on_time, closed + open_past_due),
    }


def bulletin_figures(html: str, table_id: str) -> dict[str, tuple[str, str]]:
    body = html.split(f'id="{table_id}"', 1)[1].split("</table>", 1)[0]
    return {code: (value.strip(), detail.strip()) for code, value, detail in re.findall(
        r'<tr data-code="(\w+)"><td>.*?</td><td>([^<]*)</td><td>([^<]*)</td>', body)}


def test_seed_004_figures_on_the_home_cards_and_bulletins(client_as, db_session):
    """The same figures on the home page's cards (this year) and in the 周报 / 通报, for every role
    that reads them. Two copies of seed 004's shape this year, both in 城关镇: one handled by the
    town, one by 县人社局 — so a town's handler and handler_rsj each see one copy, the others both,
    and everyone reads the same rates. The demo county's own cases of this year move to 2010."""
    from tests.security.expected_rows import viewer, visible_case_ids
    from tests.security.test_list_counts import LOGINS

    now = county_now()
    db_session.execute(update(Case).where(Case.received_at >= datetime(now.year, 1, 1))
                       .values(received_at=datetime(2010, 6, 1, 9)))
    db_session.commit()
    town, rsj = org_id(db_session, "城关镇"), org_id(db_session, "县人力资源和社会保障局")
    received = max(datetime(now.year, 1, 1, 0, 5), now - timedelta(days=100))
    due = received + (now - received) * 0.6
    for unit_id, title in ((town, "种子004形状·城关镇办理"), (rsj, "种子004形状·县人社局办理")):
        add_cases(db_session, seed_004_rows(town, received, due, responsible_unit_id=unit_id, title=title))
    ours = set(db_session.execute(select(Case.id).where(Case.title.like("种子004形状%"))).scalars())
    assert len(ours) == 2 * 247
    week = received.date().isoformat()
    bimonthly = f"year={received.year}&part={(received.month + 1) // 2}"
    shown_to: dict[str, list[str]] = {"cards": [], "bulletins": []}
    seed_rates = {"reply_rate": "90.7%", "due_reply_rate": "90.8%", "closure_rate": "85.8%",
                  "due_closure_rate": "87.1%"}
    for user in LOGINS:
        seen = ours & visible_case_ids(db_session, viewer(db_session, user))
        if not seen:
            continue
        expected = expected_figures(db_session, seen)
        assert {code: expected[code][0] for code in seed_rates} == seed_rates, user  # the seed's shape
        client = client_as(user)
        cards = client.get("/reports/dashboard/data")
        if cards.status_code != 403:
            assert cards.status_code == 200, user
            shown_to["cards"].append(user)
            on_cards = {c["code"]: (c["text"], c["detail"]) for c in cards.get_json()["cards"]}
            for code in seed_rates:
                assert on_cards[code] == expected[code], (user, code, on_cards[code])
        weekly = client.get(f"/reports/bulletins/weekly?week={week}")
        if weekly.status_code == 403:
            continue
        shown_to["bulletins"].append(user)
        period = client.get(f"/reports/bulletins/bimonthly?{bimonthly}")
        assert (weekly.status_code, period.status_code) == (200, 200), user
        for page, table in ((weekly, "ytd-figures"), (period, "period-figures")):
            in_bulletin = bulletin_figures(page.get_data(as_text=True), table)
            for code in (*seed_rates, "on_time_completion"):
                assert in_bulletin[code] == expected[code], (user, table, code, in_bulletin[code])
    assert {"clerk", "handler", "county_clerk", "handler_rsj", "admin", "county_leader", "county_supervisor",
            "county_manager"} <= set(shown_to["cards"]), shown_to
    assert {"admin", "leader", "supervisor", "manager", "county_leader", "county_supervisor",
            "county_manager"} <= set(shown_to["bulletins"]), shown_to


def test_figures_of_another_township_are_not_shown(client_as, db_session):
    add_cases(db_session, seed_004_rows(org_id(db_session, "河东镇")))
    shown = shown_figures(client_as("manager").get("/reports/rates/?start=2015-01-01&end=2015-12-31")
                          .get_data(as_text=True))
    assert shown["volume"][0] == "0"
    assert shown["reply_rate"][0] == shown["due_reply_rate"][0] == "—"


def test_a_month_not_yet_due_does_not_collapse(app, db_session):
    """A month whose cases are mostly within their deadline: 回复率 counts what was answered,
    到期回复率 what came due; the on-time figure does not count cases still in time."""
    town = org_id(db_session, "城关镇")
    ahead = county_now() + timedelta(days=40)
    add_cases(db_session, [
        *({"township_id": town, "reply_due_at": ahead, "due_at": ahead, "replied_at": RECEIVED + timedelta(days=5),
           "status": "replied"} for _ in range(3)),
        *({"township_id": town, "reply_due_at": ahead, "due_at": ahead} for _ in range(6)),
        {"township_id": town, "reply_due_at": DUE, "due_at": DUE, "replied_at": DUE - timedelta(days=1),
         "status": "replied"},
    ])
    f = ReportFilters(ReportPeriod.month(2015, 3), township_id=town, scope=Scope.all())
    with app.app_context():
        assert F.reply_rate(f).detail == "4 / 10"
        assert F.figure(F.DUE_REPLY_RATE, f).detail == "1 / 1"
        assert F.figure(F.ON_TIME_REPLY, f).detail == "4 / 4"


# --- each stage keeps its deadline --------------------------------------------------------------------


def _to_handling(client_as, db_session, title: str) -> Case:
    clerk, leader, handler = client_as("clerk"), client_as("leader"), client_as("handler")
    town = unit(db_session, "城关镇")
    case = register(clerk, db_session, title=title)
    for client, code, fields in [
        (clerk, "accept", {}), (clerk, "propose", {"proposal": "交城关镇"}), (leader, "instruct", {"text": "请办理"}),
        (clerk, "assign", {"unit": str(town.id)}), (handler, "receive", {}),
    ]:
        ok(step(client, case.id, code, **fields))
    return fresh(db_session, case.id)


def _reply_late(client_as, db_session, case: Case) -> Case:
    """The reply deadline ran out yesterday (the case was assigned two months ago), then the reply."""
    yesterday = county_now() - timedelta(days=1)
    db_session.execute(update(Case).where(Case.id == case.id).values(due_at=yesterday, reply_due_at=yesterday,
                                                                      next_due_at=yesterday))
    db_session.commit()
    leader, handler = client_as("leader"), client_as("handler")
    ok(step(handler, case.id, "submit_findings", findings="已处理", reply_draft="已解决"))
    ok(step(leader, case.id, "approve"))
    ok(step(leader, case.id, "sign_reply", reply_text="经核实，已解决。"))
    return fresh(db_session, case.id)


def _offered(code: str, case_id: int, client_as):
    """The leader the case page offers the step to (the 复查 is decided by the level the rule
    names: Art. 35)."""
    for name in ("leader", "county_leader"):
        client = client_as(name)
        if f"/cases/step/{case_id}/{code}" in client.get(f"/cases/show/{case_id}").get_data(as_text=True):
            return client
    raise AssertionError(f"no leader is offered {code}")


def _this_year(town: int) -> ReportFilters:
    today = county_now().date()
    return ReportFilters(ReportPeriod.year(today.year), township_id=town, scope=Scope.all())


def test_a_late_reply_stays_late_after_an_unsatisfied_follow_up(app, client_as, db_session):
    case = _to_handling(client_as, db_session, "不满意后按期答复率测试")
    first_deadline = fresh(db_session, case.id).reply_due_at
    assert first_deadline == case.due_at
    case = _reply_late(client_as, db_session, case)
    reply_deadline, replied = case.reply_due_at, case.replied_at
    assert replied > reply_deadline
    # The report's moment is fixed, so the other cases of the year count the same both times.
    moment = county_now() + timedelta(hours=1)
    with app.app_context():
        before = F.figure(F.ON_TIME_REPLY, _this_year(case.township_id), now=moment)
    ok(step(client_as("clerk"), case.id, "follow_up", satisfaction="unsatisfied", method="visit", note="补偿未到位"))
    case = fresh(db_session, case.id)
    # The redo has a deadline of its own, ten days ahead; the reply's stays where it was.
    assert case.due_at > county_now() + timedelta(days=9)
    assert case.reply_due_at == reply_deadline and case.replied_at == replied
    with app.app_context():
        after = F.figure(F.ON_TIME_REPLY, _this_year(case.township_id), now=moment)
        # The late reply is not counted on time: nothing more above the line, the same below.
        assert (after.numerator, after.denominator) == (before.numerator, before.denominator)
        late = F.figure(F.ON_TIME_REPLY, ReportFilters(_this_year(case.township_id).period, scope=Scope.all()),
                        now=moment)
        assert late.denominator >= 1


def test_a_late_reply_stays_late_after_a_revoked_review(app, client_as, db_session):
    case = _to_handling(client_as, db_session, "复查撤销后按期答复率测试")
    case = _reply_late(client_as, db_session, case)
    reply_deadline = case.reply_due_at
    clerk = client_as("clerk")
    ok(step(clerk, case.id, "follow_up", satisfaction="satisfied", method="phone"))
    ok(step(clerk, case.id, "close"))
    moment = county_now() + timedelta(hours=1)
    with app.app_context():
        before = F.figure(F.ON_TIME_REPLY, _this_year(case.township_id), now=moment)
    ok(step(clerk, case.id, "request_recheck", reason="对处理结果不服"))
    ok(step(_offered("decide_review", case.id, client_as), case.id, "decide_review", outcome="revoked",
            decision="原处理意见撤销，重新办理。"))
    case = fresh(db_session, case.id)
    assert case.due_at > county_now() + timedelta(days=29)  # a new handling round
    assert case.reply_due_at == reply_deadline
    with app.app_context():
        after = F.figure(F.ON_TIME_REPLY, _this_year(case.township_id), now=moment)
        assert (after.numerator, after.denominator) == (before.numerator, before.denominator)


def test_on_time_reply_reads_the_reply_deadline_not_the_redo(app, db_session):
    """From raw rows: replied late (day 70 of 60), then a redo with a deadline of day 120."""
    town = org_id(db_session, "城关镇")
    add_cases(db_session, [
        {"township_id": town, "reply_due_at": DUE, "due_at": RECEIVED + timedelta(days=120), "redo_count": 1,
         "replied_at": RECEIVED + timedelta(days=70), "status": "handling"},
        {"township_id": town, "reply_due_at": DUE, "due_at": DUE, "replied_at": RECEIVED + timedelta(days=50),
         "status": "replied"},
    ])
    f = ReportFilters(YEAR, township_id=town, scope=Scope.all())
    with app.app_context():
        assert F.figure(F.ON_TIME_REPLY, f).detail == "1 / 2"


# --- a case reopened by a review is not closed ----------------------------------------------------------


def test_a_review_request_reopens_the_case(app, client_as, db_session):
    case = _to_handling(client_as, db_session, "复查后不再计为结案测试")
    leader, handler, clerk = client_as("leader"), client_as("handler"), client_as("clerk")
    ok(step(handler, case.id, "submit_findings", findings="已处理", reply_draft="已解决"))
    ok(step(leader, case.id, "approve"))
    ok(step(leader, case.id, "sign_reply", reply_text="已解决。"))
    ok(step(clerk, case.id, "follow_up", satisfaction="basically", method="phone"))
    ok(step(clerk, case.id, "close"))
    moment = county_now() + timedelta(hours=1)
    filters = _this_year(case.township_id)
    with app.app_context():
        closed_before = F.closure_rate(filters, now=moment)
    ok(step(clerk, case.id, "request_recheck", reason="对答复不服，申请复查"))
    case = fresh(db_session, case.id)
    assert case.status == "reviewing" and case.closed_at is None
    with app.app_context():
        closed_after = F.closure_rate(filters, now=moment)
        first_time = F.first_time_rate(filters, now=moment)
    assert closed_after.numerator == closed_before.numerator - 1
    assert closed_after.denominator == closed_before.denominator
    # Counted from the rows: the closed cases of the year in 城关镇, ours no longer among them.
    low, high = filters.period.bounds
    closed_rows = db_session.execute(select(Case.id).where(
        Case.township_id == case.township_id, Case.received_at >= low, Case.received_at < high,
        Case.status == "closed")).scalars().all()
    assert case.id not in closed_rows
    assert closed_after.numerator == len(closed_rows) == first_time.denominator


# --- the ledger: the level on the period's last day ------------------------------------------------------


def test_previous_period_ledger_counts_use_that_days_level(app, db_session):
    town = org_id(db_session, "城关镇")
    base = {"township_id": town, "title": "土地纠纷", "dispute_type": "land", "people_count": 2,
            "status": "unresolved", "closed_on": None, "parties_summary": "", "created_at": RECEIVED,
            "updated_at": RECEIVED, "version": 1, "found_on": date(2015, 1, 5)}
    # A: level 2 from January, raised to 3 in April.  B: level 3 from January, resolved (level 1)
    # in May.  C: level 2 throughout (no later change).  D: no level history at all (its level today).
    ids = []
    for level in ("3", "1", "2", "2"):
        ids.append(db_session.execute(insert(LedgerEntry.__table__).values(**base, level=level)).inserted_primary_key[0])
    changes = [
        (ids[0], None, "2", datetime(2015, 1, 5, 10)), (ids[0], "2", "3", datetime(2015, 4, 10, 16)),
        (ids[1], None, "3", datetime(2015, 1, 5, 10)), (ids[1], "3", "1", datetime(2015, 5, 20, 17)),
        (ids[2], None, "2", datetime(2015, 1, 6, 9)),
    ]
    db_session.execute(insert(LevelChange.__table__), [
        {"entry_id": e, "from_level": a, "to_level": b, "reason": "调整", "changed_at": t} for e, a, b, t in changes])
    db_session.commit()
    codes = ("ledger_level_1", "ledger_level_2", "ledger_level_3")
    with app.app_context():
        table = F.figure_table(ReportFilters(ReportPeriod.month(2015, 6), township_id=town, scope=Scope.all()),
                               F.LEDGER_FIGURES, compare=True)
        # 30 June: A on 3, B on 1, C and D on 2.
        assert [table.value(F.TOTAL, c).text for c in codes] == ["1", "2", "1"]
        # The previous period (May, its last day the 31st): the same — B was resolved on 20 May.
        assert [table.value(F.TOTAL, c, "previous").text for c in codes] == ["1", "2", "1"]
        march = F.figure_table(ReportFilters(ReportPeriod.month(2015, 3), township_id=town, scope=Scope.all()),
                               F.LEDGER_FIGURES, compare=True)
        # 31 March: A on 2 (raised only in April), B on 3, C on 2, D on 2 (its level today).
        assert [march.value(F.TOTAL, c).text for c in codes] == ["0", "3", "1"]
        # 28 February, the same levels.
        assert [march.value(F.TOTAL, c, "previous").text for c in codes] == ["0", "3", "1"]
        may = F.figure_table(ReportFilters(ReportPeriod.month(2015, 5), township_id=town, scope=Scope.all()),
                               F.LEDGER_FIGURES, compare=True)
        # 31 May: A 3, B 1, C 2, D 2; 30 April (previous): A 3, B 3, C 2, D 2.
        assert [may.value(F.TOTAL, c).text for c in codes] == ["1", "2", "1"]
        assert [may.value(F.TOTAL, c, "previous").text for c in codes] == ["0", "2", "2"]


def test_definitions_say_which_rating_and_which_level_count(module_app):
    with module_app.test_request_context(headers={"Accept-Language": "zh"}):
        from flask_babel import refresh

        refresh()
        satisfaction = str(F.SATISFACTION_RATE.definition)
        assert "最近一次回访" in satisfaction and "基本满意" in satisfaction
        for fig in F.LEDGER_FIGURES:
            assert "最后一天" in str(fig.definition), fig.code
        assert "到期" in str(F.DUE_REPLY_RATE.definition)


def test_readme_lists_every_figure_with_its_shown_definition(module_app):
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    with module_app.test_request_context(headers={"Accept-Language": "zh"}):
        from flask_babel import refresh

        refresh()
        for fig in (*F.FIGURES, *F.ACCOUNTABILITY_KIND_FIGURES):
            assert f"| {fig.label} | `{fig.code}` | {fig.definition} |" in readme, fig.code
        # The 三级化解与排查遗漏 page's counts and shares, the 督查督办 report's counts.
        others = {"/practices/figures/": levels.FIGURE_DEFINITIONS, "/reports/supervision/": overdue.SUPERVISION_DEFINITIONS}
        shown = {url: [(code, str(label), str(text)) for code, label, text in defs] for url, defs in others.items()}
    for rows in shown.values():
        for code, label, text in rows:
            assert f"| {label} | `{code}` | {text} |" in readme, code
    # ... and the pages show the same words, under each table and in their footnotes.
    client = module_app.test_client()
    login(client, "county_manager")
    for url, rows in shown.items():
        response = client.get(url)
        assert response.status_code == 200, url
        body = response.get_data(as_text=True)
        footnotes = body.split('id="footnotes"', 1)[1]
        for _code, label, text in rows:
            assert f'title="{html.escape(text)}"' in body, (url, label)
            assert f"<strong>{html.escape(label)}</strong>：{html.escape(text)}" in footnotes, (url, label)
