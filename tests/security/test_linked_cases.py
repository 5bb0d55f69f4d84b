"""Linked cases show only to those who may open them (信访工作条例 Art. 30, DOMAIN.md scoping).

A 检举控告 against 城关镇 is registered by the 信访局, and county-level records name it beside an
ordinary 城关镇 case and a 河东镇 case: a 城关镇 leader's holdings (包案), supervision orders
(督办单), a county joint meeting (联席会议), accountability records (问责), receptions (接访), a
case linked as its repeat. Walking every page, export and report that prints linked cases:

- 城关镇's users (the unit reported on) never read the accusation's number, title or accuser;
- 河东镇's users never read 城关镇's cases at all, though a county order or meeting names them;
- and both still read the cases they may open (the walk is not vacuous).

The walk also reads what carries one case rather than a list of them: a duty log entry the
accusation was registered from, a mediation record settling it, a 政策问答 taken from it, a case
registered as its repeat (重信重访, whose history names the earlier case), the 一案一档 page, the
四联四包 page, the reply template filled from a case — and the API's resources carrying a case
(mediation records, 督办 answers, joint meetings, attachments, a case's events).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.support import case_form, county_now, county_today, login, page_text, valid_id_number

ACCUSATION_TITLE = "举报镇干部虚报冒领危房改造补助"
ACCUSER = "检举人乙"
HIDDEN = "（无权查看的信访件）"
REPEAT_TITLE = "再次反映危房改造补助发放问题"
ACCUSED_UNIT_USERS = ("clerk", "handler", "leader", "supervisor", "manager", "xz_admin")
OTHER_TOWNSHIP_USERS = ("clerk2", "handler_hd", "leader_hd")


def _org(session, name: str):
    from app.org.models import OrgUnit

    return session.execute(select(OrgUnit).where(OrgUnit.name == name)).scalars().one()


def _user(session, username: str):
    from app.security.models import AppUser

    return session.execute(select(AppUser).where(AppUser.username == username)).scalars().one()


def _open_case(session, township_id: int, *exclude: int):
    from app.cases.models import OPEN_STATUSES, Case, Category

    found = session.execute(
        select(Case).where(
            Case.township_id == township_id, Case.category != Category.ACCUSATION.value,
            Case.status.in_([s.value for s in OPEN_STATUSES]), Case.id.not_in(exclude or [0]),
        ).order_by(Case.id)
    ).scalars().first()
    assert found is not None, township_id
    return found


@pytest.fixture(scope="module")
def world(module_app):
    """The accusation, and every kind of record that links cases, naming it (arranged once)."""
    from app.extensions import db
    from app.leaders import rules as leader_rules
    from app.leaders.models import Holding, Leader, Reception
    from app.supervision import accountability, meetings, orders
    from app.supervision.models import AccountabilityRecord, JointMeeting

    admin = module_app.test_client()
    login(admin, "admin")
    with module_app.app_context():
        session = db.session
        town, hedong = _org(session, "城关镇"), _org(session, "河东镇")
        form = case_form(town.id, category="accusation", title=ACCUSATION_TITLE, reported_unit=str(town.id),
                         content="镇村建办工作人员虚报冒领危房改造补助资金。",
                         **{"petitioners-0-name": ACCUSER,
                            "petitioners-0-id_number": valid_id_number("19700303", "313")})
        assert admin.post("/cases/add", data=form).status_code == 302
        from app.cases.models import Case

        accusation = session.execute(select(Case).where(Case.title == ACCUSATION_TITLE)).scalars().one()
        own = _open_case(session, town.id)  # 城关镇's own: its users see it, 河东镇's do not
        theirs = _open_case(session, hedong.id)  # 河东镇's own
        repeat = _open_case(session, town.id, own.id)
        repeat.repeat_of_id, repeat.is_repeat = accusation.id, True

        leader_cg = session.execute(select(Leader).where(Leader.user_id == _user(session, "leader").id)).scalar_one()
        leader_hd = session.execute(
            select(Leader).where(Leader.user_id == _user(session, "leader_hd").id)).scalar_one()
        today = county_today()
        holdings = []
        for case in (accusation, own):
            holding = Holding(leader=leader_cg, case=case, taken_on=today, goal="包案化解")
            leader_rules.start_holding(session, holding)
            session.add(holding)
            holdings.append(holding)

        supervisor = _user(session, "county_supervisor")
        # An order about the accusation cannot be addressed to 城关镇 any more (orders refuse it); one
        # from before that rule still exists in a database: 城关镇 must not read the accusation through it.
        order_cg, = orders.issue_orders(session, supervisor, kind="supervise", requirement="限期查处并书面报告",
                                        due_on=today + timedelta(days=7), cases=[own], unit=town)
        order_cg.targets.clear()
        orders._set_targets(order_cg, [accusation, own])
        order_hd, = orders.issue_orders(session, supervisor, kind="urge", requirement="限期办结",
                                        due_on=today + timedelta(days=7), cases=[own, theirs], unit=hedong)

        meeting = JointMeeting(title="全县信访联席会议", held_on=today, convener="县委副书记", township_id=None)
        meeting.units = [town, hedong]
        meeting.cases = [accusation, own, theirs]
        meetings.summarize(meeting)
        session.add(meeting)

        records = []
        for unit, cases in ((town, [accusation, own]), (hedong, [own, theirs])):
            record = AccountabilityRecord(kind="criticism", unit=unit, township_id=unit.id, reason="办理超期",
                                          decided_by="县委县政府督查室", decided_on=today)
            record.cases = cases
            accountability.summarize(record)
            session.add(record)
            records.append(record)

        receptions = []
        for leader, unit, cases in ((leader_cg, town, [accusation, own]), (leader_hd, hedong, [own, theirs])):
            reception = Reception(kind="reception", leader=leader, held_on=today, place="接访大厅", township=unit,
                                  batches=1, persons=1)
            reception.cases = cases
            leader_rules.fill_reception(reception)
            session.add(reception)
            receptions.append(reception)

        from app.duty.models import DutyLogEntry
        from app.knowledge.models import PolicyAnswer, ReplyTemplate
        from app.mediation.models import MediationRecord

        # The accusation was phoned in to 城关镇's duty line, and registered from the log entry.
        log = DutyLogEntry(org_unit_id=town.id, received_at=county_now() - timedelta(hours=2), caller="某群众",
                           summary="来电反映情况", case_id=accusation.id)
        session.add(log)
        # A mediation record of 城关镇 names the accusation (an old link: the rules refuse it now).
        mediation = session.execute(select(MediationRecord).where(MediationRecord.township_id == town.id)
                                    .order_by(MediationRecord.id)).scalars().first()
        mediation.case_id, mediation.case_number = accusation.id, accusation.number
        answer = PolicyAnswer(question="危房改造补助如何申请？", answer="向村委会提出申请。", source_case_id=accusation.id)
        session.add(answer)
        template = session.execute(select(ReplyTemplate).where(ReplyTemplate.active.is_(True))
                                   .order_by(ReplyTemplate.id)).scalars().first()
        session.commit()
        world = {
            "accusation": (accusation.id, accusation.number), "own": own.number, "theirs": theirs.number,
            "repeat": repeat.id, "leaders": (leader_cg.id, leader_hd.id), "holding": holdings[0].id,
            "orders": (order_cg.id, order_hd.id), "meeting": meeting.id,
            "records": tuple(r.id for r in records), "receptions": tuple(r.id for r in receptions),
            "log": log.id, "mediation": mediation.id, "answer": answer.id, "template": template.id,
            "own_id": own.id, "town": town.id,
        }
    # The county petition office registers a new letter as a repeat (重信重访) of the accusation:
    # an ordinary case of 城关镇 (the same ID number: the repeat check offers the accusation), whose
    # history names the earlier case.
    county = module_app.test_client()
    login(county, "county_clerk")
    response = county.post("/cases/add", data=case_form(
        world["town"], title=REPEAT_TITLE, repeat_of=str(world["accusation"][0]),
        **{"petitioners-0-name": "来信人丙", "petitioners-0-id_number": valid_id_number("19700303", "313")}))
    assert response.status_code == 302, page_text(response)[:500]
    with module_app.app_context():
        from app.cases.models import Case

        repeat = db.session.execute(select(Case).where(Case.title == REPEAT_TITLE)).scalars().one()
        assert repeat.repeat_of_id == world["accusation"][0]
        world["registered_repeat"] = repeat.id
    return world


def _pages(world) -> tuple[list[str], list[str]]:
    """Every page (GET) and export (POST) that prints linked cases."""
    acc_id, acc_number = world["accusation"]
    leader_cg, leader_hd = world["leaders"]
    order_cg, order_hd = world["orders"]
    record_cg, record_hd = world["records"]
    rec_cg, rec_hd = world["receptions"]
    meeting = world["meeting"]
    pages = [
        "/",
        f"/leaders/leaders/show/{leader_cg}", f"/leaders/leaders/show/{leader_hd}",
        "/leaders/holdings/list/", f"/leaders/holdings/show/{world['holding']}",
        f"/leaders/score/{leader_cg}?from=2000-01-01",
        "/leaders/receptions/list/",
        *[f"/leaders/receptions/{kind}/{pk}" for pk in (rec_cg, rec_hd) for kind in ("show", "edit")],
        "/supervision/orders/list/", f"/supervision/orders/list/?q_case={acc_number}",
        *[f"/supervision/orders/show/{pk}" for pk in (order_cg, order_hd)],
        "/supervision/meetings/list/", f"/supervision/meetings/show/{meeting}", f"/supervision/meetings/edit/{meeting}",
        "/supervision/accountability/list/", f"/supervision/accountability/list/?q_case={acc_number}",
        *[f"/supervision/accountability/{kind}/{pk}" for pk in (record_cg, record_hd) for kind in ("show", "edit")],
        "/reports/supervision/", "/reports/accountability/",
        f"/cases/show/{world['repeat']}",
        # Records carrying one case, and the pages gathering what links a case.
        "/duty/log/list/", f"/duty/log/show/{world['log']}",
        "/mediation/records/list/", f"/mediation/records/show/{world['mediation']}",
        f"/knowledge/answers/show/{world['answer']}",
        f"/knowledge/fill/{world['template']}/{acc_id}", f"/knowledge/fill/{world['template']}/{world['own_id']}",
        f"/cases/show/{world['registered_repeat']}", f"/casefile/case/{world['registered_repeat']}",
        f"/casefile/case/{world['own_id']}", "/leaders/coverage/",
        # The API's resources that carry a case (a session may read the API).
        f"/api/v1/mediation-records/{world['mediation']}", "/api/v1/mediation-records/?page_size=200",
        f"/api/v1/mediation-records/{world['mediation']}/attachments",
        "/api/v1/supervision-answers/?page_size=200", f"/api/v1/joint-meetings/{meeting}",
        f"/api/v1/joint-meetings/{meeting}/attachments", f"/api/v1/cases/{acc_id}/attachments",
        f"/api/v1/cases/{world['registered_repeat']}", f"/api/v1/cases/{world['registered_repeat']}/events",
    ]
    exports = [
        "/leaders/holdings/export/csv", "/leaders/receptions/export/csv", "/supervision/orders/export/csv",
        "/supervision/meetings/export/csv", "/supervision/accountability/export/csv",
        "/reports/supervision/export/orders/csv", "/reports/accountability/export/records/csv",
    ]
    return pages, exports


def _walk(module_app, world, username: str) -> dict[str, str]:
    """The text of every page and export the user may open (403/404 ones are left out)."""
    client = module_app.test_client()
    login(client, username)
    pages, exports = _pages(world)
    seen: dict[str, str] = {}
    for url in pages:
        response = client.get(url)
        assert response.status_code in (200, 403, 404), (url, response.status_code)
        if response.status_code == 200:
            seen[url] = page_text(response)
    for url in exports:
        response = client.post(url)
        assert response.status_code in (200, 403, 404), (url, response.status_code)
        if response.status_code == 200:
            seen[url] = response.get_data(as_text=True)
    return seen


@pytest.mark.parametrize("username", ACCUSED_UNIT_USERS)
def test_the_accused_unit_reads_the_accusation_through_no_linked_record(module_app, world, username):
    _acc_id, acc_number = world["accusation"]
    seen = _walk(module_app, world, username)
    assert seen, username
    for url, text in seen.items():
        for secret in (acc_number, ACCUSATION_TITLE, ACCUSER):
            assert secret not in text, (username, url, secret)


@pytest.mark.parametrize("username", OTHER_TOWNSHIP_USERS)
def test_another_township_reads_no_case_of_cheng_guan_through_county_records(module_app, world, username):
    _acc_id, acc_number = world["accusation"]
    seen = _walk(module_app, world, username)
    assert seen, username
    for url, text in seen.items():
        for secret in (acc_number, ACCUSATION_TITLE, ACCUSER, world["own"]):
            assert secret not in text, (username, url, secret)


def test_the_walk_reads_the_cases_each_viewer_may_open(module_app, world):
    """The same pages still show what the viewer may open, and say that something is hidden."""
    order_cg, order_hd = world["orders"]
    record_cg, _record_hd = world["records"]
    supervisor = _walk(module_app, world, "supervisor")  # 城关镇's 督查员
    for url in (f"/supervision/orders/show/{order_cg}", f"/supervision/meetings/show/{world['meeting']}",
                f"/supervision/accountability/show/{record_cg}", "/supervision/orders/list/",
                "/supervision/orders/export/csv"):
        assert world["own"] in supervisor[url], url
        assert HIDDEN in supervisor[url], url
    leader = _walk(module_app, world, "leader")
    assert world["own"] in leader[f"/leaders/leaders/show/{world['leaders'][0]}"]
    assert world["own"] in leader["/leaders/holdings/list/"]
    assert HIDDEN in leader[f"/cases/show/{world['repeat']}"]
    other = _walk(module_app, world, "clerk2")
    for url in (f"/supervision/orders/show/{order_hd}", f"/supervision/meetings/show/{world['meeting']}"):
        if url in other:
            assert world["theirs"] in other[url], url
    county = _walk(module_app, world, "county_supervisor")
    assert world["accusation"][1] in county[f"/supervision/orders/show/{order_cg}"]
    assert ACCUSATION_TITLE in county[f"/supervision/meetings/show/{world['meeting']}"]


def test_records_carrying_one_case_show_it_only_to_who_may_open_it(module_app, world):
    """A duty log entry, a mediation record (page and API), a 问答 and a repeat's history: the
    accusation in full for the county, "（无权查看的信访件）" or nothing for 城关镇."""
    acc_id, acc_number = world["accusation"]
    mediation, repeat = world["mediation"], world["registered_repeat"]
    clerk = module_app.test_client()
    login(clerk, "clerk")  # 城关镇's clerk: sees the mediation record and the repeat, not the accusation
    record = clerk.get(f"/api/v1/mediation-records/{mediation}")
    assert record.status_code == 200
    assert (record.get_json()["result"]["case_id"], record.get_json()["result"]["case_number"]) == (None, HIDDEN)
    listed = {r["id"]: r for r in clerk.get("/api/v1/mediation-records/?page_size=200").get_json()["result"]}
    assert (listed[mediation]["case_id"], listed[mediation]["case_number"]) == (None, HIDDEN)
    assert HIDDEN in page_text(clerk.get(f"/mediation/records/show/{mediation}"))
    assert HIDDEN in page_text(clerk.get(f"/knowledge/answers/show/{world['answer']}"))
    history = page_text(clerk.get(f"/cases/show/{repeat}"))
    assert "重信重访" in history and acc_number not in history
    events = clerk.get(f"/api/v1/cases/{repeat}/events")
    assert events.status_code == 200
    registered = [e for e in events.get_json()["result"] if e["step"] == "register"]
    assert registered and "earlier" not in registered[0]["details"], registered
    # The duty log entry is the accusation's business: not in 城关镇's log at all.
    assert clerk.get(f"/duty/log/show/{world['log']}").status_code == 404

    admin = module_app.test_client()
    login(admin, "admin")  # registered the accusation (县信访局): reads every link in full
    record = admin.get(f"/api/v1/mediation-records/{mediation}").get_json()["result"]
    assert (record["case_id"], record["case_number"]) == (acc_id, acc_number)
    assert acc_number in page_text(admin.get(f"/duty/log/show/{world['log']}"))
    assert acc_number in page_text(admin.get("/duty/log/list/"))
    assert acc_number in page_text(admin.get(f"/knowledge/answers/show/{world['answer']}"))
    assert f"重信重访，原件：{acc_number}" in page_text(admin.get(f"/cases/show/{repeat}"))
    registered = [e for e in admin.get(f"/api/v1/cases/{repeat}/events").get_json()["result"]
                  if e["step"] == "register"]
    assert registered[0]["details"]["earlier"] == acc_number


def test_an_edit_keeps_the_links_the_editor_cannot_see(module_app, world):
    """城关镇's supervisor edits the 问责 record naming the accusation: the form shows only
    their own case, and saving it keeps the accusation linked (it was never shown, never dropped)."""
    from app.extensions import db
    from app.supervision.models import AccountabilityRecord

    record_cg = world["records"][0]
    with module_app.app_context():
        record = db.session.get(AccountabilityRecord, record_cg)
        version, unit_id = record.version, record.unit_id
    local = module_app.test_client()
    login(local, "supervisor")
    form = local.get(f"/supervision/accountability/edit/{record_cg}")
    assert form.status_code == 200
    body = form.get_data(as_text=True)
    assert world["accusation"][1] not in body and world["own"] in body
    response = local.post(f"/supervision/accountability/edit/{record_cg}", data={
        "kind": "criticism", "unit": str(unit_id), "person_name": "", "person_post": "", "reason": "办理超期（补充）",
        "case_numbers": world["own"], "order_numbers": "", "decided_by": "县委县政府督查室",
        "decided_on": county_today().isoformat(), "document_number": "", "row_version": str(version),
    })
    assert response.status_code == 302, page_text(response)[:500]
    with module_app.app_context():
        record = db.session.get(AccountabilityRecord, record_cg)
        assert {c.number for c in record.cases} == {world["accusation"][1], world["own"]}


def test_a_link_the_scope_would_ignore_stops_the_start(module_app):  # noqa: ARG001 — the org policy
    """`requires` holds for every ScopeSpec (a duty log entry has no parent, yet hides the entry
    of a 检举控告 from the unit it reports on); a link naming no column or no scoped model is
    refused when the app starts, not silently left out of the condition."""
    from sqlalchemy.sql import visitors

    from app.cases.models import Case
    from app.core.scoping import Scope, ScopeSpec, check_scope_specs, scope_clause
    from app.duty.models import DutyLogEntry

    township = Scope(township_ids=frozenset({1}), lineage=frozenset({1}))
    assert Case.__table__ in set(visitors.iterate(scope_clause(DutyLogEntry, township)))
    for requires in ((("case_ref", "Case"),), (("case_id", "NoSuchModel"),)):
        broken = type("BrokenLog", (), {
            "__scope__": ScopeSpec(org_unit="org_unit_id", requires=requires), "registry": DutyLogEntry.registry,
            "org_unit_id": DutyLogEntry.org_unit_id, "case_id": DutyLogEntry.case_id,
        })
        with pytest.raises(TypeError, match="BrokenLog"):
            check_scope_specs([broken])
