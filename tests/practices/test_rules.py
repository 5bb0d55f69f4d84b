"""The practices' rules straight from seed 003, on the real database.

- 小事不出村、大事不出镇、难事不出县: a closed case's level follows the unit that resolved it
  (village → 村, township or its office → 镇, a county department → 县), is cleared when the case
  reopens, and the figure equals a count over the raw rows.
- 初信初访倒查: a first claim petition is flagged to its township unless the township's ledger held
  the same person (ID number, or name + phone) or the same village and kind of dispute before it.
- 集体访: five people or more tell the county office at once.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta
from types import SimpleNamespace

from sqlalchemy import select

from app.org.models import OrgKind, ResolutionLevel
from app.practices import levels


def unit(kind: OrgKind) -> SimpleNamespace:
    return SimpleNamespace(kind=kind.value)


def test_the_level_follows_the_resolving_units_kind():
    expected = {
        OrgKind.VILLAGE: ResolutionLevel.VILLAGE, OrgKind.HAMLET: ResolutionLevel.VILLAGE,
        OrgKind.TOWNSHIP: ResolutionLevel.TOWNSHIP, OrgKind.OFFICE: ResolutionLevel.TOWNSHIP,
        OrgKind.DEPARTMENT: ResolutionLevel.COUNTY, OrgKind.BUREAU: ResolutionLevel.COUNTY,
        OrgKind.DISCIPLINE: ResolutionLevel.COUNTY, OrgKind.COUNTY: ResolutionLevel.COUNTY,
    }
    for kind, level in expected.items():
        assert levels.level_of_unit(unit(kind)) == level, kind
    assert levels.level_of_unit(None) == ResolutionLevel.COUNTY


def test_a_ledger_entry_without_a_unit_is_resolved_where_it_sits():
    in_village = SimpleNamespace(responsible_unit=None, village_id=7)
    in_township = SimpleNamespace(responsible_unit=None, village_id=None)
    by_department = SimpleNamespace(responsible_unit=unit(OrgKind.DEPARTMENT), village_id=7)
    assert levels.entry_level(in_village) == ResolutionLevel.VILLAGE
    assert levels.entry_level(in_township) == ResolutionLevel.TOWNSHIP
    assert levels.entry_level(by_department) == ResolutionLevel.COUNTY


def _org(session, name):
    from app.org.models import OrgUnit

    return session.execute(select(OrgUnit).where(OrgUnit.name == name)).scalar_one()


def _case(session, township, *, village=None, unit=None, people=1, category="claim", subject=None,
          petitioner=("赵某", None, None), received=None):
    from app.cases.models import Case, Petitioner

    case = Case(channel="visit", received_at=received or datetime.now() - timedelta(hours=1),
                township=township, village=village, responsible_unit=unit, category=category,
                subject=subject, title="测试事项", content="内容", people_count=people)
    name, id_number, phone = petitioner
    case.petitioners.append(Petitioner(name=name, id_number=id_number, phone=phone))
    session.add(case)
    session.flush()
    return case


def test_closing_sets_the_level_reopening_clears_it_and_an_edit_stays(app):
    from app.extensions import db

    with app.app_context():
        town = _org(db.session, "城关镇")
        dept = _org(db.session, "县人力资源和社会保障局")
        case = _case(db.session, town, unit=dept)
        assert case.resolution_level is None
        case.closed_at = datetime(2026, 11, 2, 10, 0)
        db.session.flush()
        assert case.resolution_level == "county"
        case.closed_at = None  # 复查 reopens it
        db.session.flush()
        assert case.resolution_level is None
        case.responsible_unit = town
        case.closed_at = datetime(2026, 11, 20, 10, 0)
        db.session.flush()
        assert case.resolution_level == "township"
        case.resolution_level = "village"  # the clerk corrects it
        case.title = "改个标题"
        db.session.flush()
        assert case.resolution_level == "village"
        db.session.rollback()


def test_the_figure_by_level_is_a_count_over_the_raw_rows(app):
    from app.cases.models import Case
    from app.extensions import db
    from app.ledgers.models import LedgerEntry

    start, end = date(2020, 1, 1), date(2030, 12, 31)
    with app.app_context():
        townships = list(db.session.execute(select(Case.township_id).distinct()).scalars())
        rows = levels.by_township(db.session, townships, start, end)
        cases = Counter()
        for c in db.session.execute(select(Case)).scalars():
            if c.status in ("merged", "voided") or c.closed_at is None or c.resolution_level is None:
                continue
            cases[(c.township_id, c.resolution_level)] += 1
        entries = Counter()
        for e in db.session.execute(select(LedgerEntry)).scalars():
            if e.resolution_level and e.resolved_on and start <= e.resolved_on <= end:
                entries[(e.township_id, e.resolution_level)] += 1
        assert sum(cases.values()) > 0 and sum(entries.values()) > 0  # the demo resolves matters
        for row in rows:
            for level in ResolutionLevel:
                assert row.cases.get(level.value, 0) == cases[(row.township_id, level.value)]
                assert row.entries.get(level.value, 0) == entries[(row.township_id, level.value)]
            if row.case_total:
                assert abs(sum(row.case_share(level.value) for level in ResolutionLevel) - 1) < 1e-9


def test_the_look_back_flags_only_a_first_claim_the_ledger_did_not_hold(app):
    from app.cases.models import Subject
    from app.extensions import db
    from app.ledgers.models import LedgerEntry, LedgerParty
    from app.practices.lookback import missed_by_sweep
    from tests.support import valid_id_number

    with app.app_context():
        s = db.session
        town, other = _org(s, "城关镇"), _org(s, "河东镇")
        village = s.execute(select(type(town)).where(type(town).township_id == town.id,
                                                     type(town).kind == "village")).scalars().first()
        wages = s.execute(select(Subject).where(Subject.name == "劳动社保")).scalar_one()
        suggestion_subject = s.execute(select(Subject).where(Subject.name == "城乡建设")).scalar_one()
        known_id = valid_id_number("19700101", "777")
        entry = LedgerEntry(title="工资纠纷", dispute_type="wages", found_on=date(2026, 1, 5),
                            township=town, village=village, people_count=1, level="2")
        entry.parties.append(LedgerParty(name="钱某", id_number=known_id, phone="13900001111"))
        s.add(entry)
        s.flush()
        received = datetime(2026, 3, 1, 9, 0)
        # Held by ID number; by name + phone; by village + kind of dispute.
        assert not missed_by_sweep(s, _case(s, town, petitioner=("钱某", known_id, None), received=received))
        assert not missed_by_sweep(s, _case(s, town, petitioner=("钱某", None, "13900001111"), received=received))
        assert not missed_by_sweep(s, _case(s, town, village=village, subject=wages, received=received))
        # Not held: another person, another kind, or the entry found only after the petition.
        assert missed_by_sweep(s, _case(s, town, petitioner=("孙某", None, "13900002222"), received=received))
        assert missed_by_sweep(s, _case(s, town, village=village, subject=suggestion_subject, received=received))
        assert missed_by_sweep(s, _case(s, town, petitioner=("钱某", known_id, None),
                                        received=datetime(2026, 1, 4, 9, 0)))
        # Another township's ledger does not hold it for this one.
        assert missed_by_sweep(s, _case(s, other, petitioner=("钱某", known_id, None), received=received))
        # Suggestions, accusations and repeat petitions are not looked back on.
        assert not missed_by_sweep(s, _case(s, town, category="suggestion", received=received))
        assert not missed_by_sweep(s, _case(s, town, category="accusation", received=received))
        repeat = _case(s, town, received=received)
        repeat.is_repeat = True
        assert not missed_by_sweep(s, repeat)
        s.rollback()


def test_a_ledger_entry_resolved_by_the_rule_gets_its_level_and_loses_it_when_it_flares_up(app):
    from app.extensions import db
    from app.ledgers.models import LedgerEntry
    from app.ledgers.rules import change_level, resolve_entry

    with app.app_context():
        town = _org(db.session, "城关镇")
        village = db.session.execute(select(type(town)).where(type(town).township_id == town.id,
                                                              type(town).kind == "village")).scalars().first()
        entry = LedgerEntry(title="地界纠纷", dispute_type="land", found_on=date(2026, 10, 1), township=town,
                            village=village, people_count=2, level="2", status="unresolved")
        db.session.add(entry)
        db.session.flush()
        assert entry.resolution_level is None
        resolve_entry(entry, date(2026, 10, 20), "村调委会现场调解，双方签订协议")
        db.session.flush()
        assert entry.resolution_level == "village"  # no unit named: the village where it sits
        change_level(entry, "3", "矛盾再次激化")
        db.session.flush()
        assert entry.resolution_level is None
        db.session.rollback()
