"""The demo county: org tree, units, the demo logins and ~500 realistic cases over 18 months.

Loaded by `make run` on first start (`flask xf init`) and by `flask seed demo`. Deterministic
(fixed random seed), so screenshots and tests see the same county every time.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import func, select

from app.cases.models import Case, CaseStatus, Category, Channel, Petitioner, Subject
from app.cases.numbering import format_number, reserve_numbers
from app.core.validators import id_number_checksum
from app.extensions import db
from app.org.models import OrgKind, OrgUnit
from app.security.models import AppUser
from seed import data

DEMO_CASES = 500


def database_is_empty() -> bool:
    return not db.session.execute(select(func.count()).select_from(OrgUnit)).scalar()


# --- people ---------------------------------------------------------------------------------------


def fake_id_number(rng: random.Random, born: datetime | None = None) -> str:
    """A well-formed (checksummed) ID number in a fictional region code."""
    born = born or datetime(rng.randint(1950, 2003), rng.randint(1, 12), rng.randint(1, 28))
    first17 = f"2301{rng.randint(10, 99)}{born:%Y%m%d}{rng.randint(0, 999):03d}"
    return first17 + id_number_checksum(first17)


def fake_mobile(rng: random.Random) -> str:
    return rng.choice(["13", "15", "18", "17", "19"]) + f"{rng.randint(0, 999999999):09d}"


def fake_name(rng: random.Random) -> str:
    return rng.choice(data.SURNAMES) + rng.choice(data.GIVEN)


# --- org tree -------------------------------------------------------------------------------------


def build_org() -> dict[str, OrgUnit]:
    """Create the county, its townships/villages/hamlets and units; return them by name."""
    by_name: dict[str, OrgUnit] = {}

    def add(name: str, kind: OrgKind, parent: OrgUnit | None, order: int, code: str | None = None) -> OrgUnit:
        unit = OrgUnit(name=name, kind=kind.value, sort_order=order, code=code, active=True)
        db.session.add(unit)
        db.session.flush()
        unit.set_parent(parent)
        by_name.setdefault(name, unit)
        return unit

    county_name, county_code = data.COUNTY
    county = add(county_name, OrgKind.COUNTY, None, 0, county_code)
    for order, (name, kind) in enumerate(data.COUNTY_UNITS, start=1):
        add(name, OrgKind(kind), county, order)
    for t_order, (township_name, villages) in enumerate(data.TOWNSHIPS, start=1):
        township = add(township_name, OrgKind.TOWNSHIP, county, 100 + t_order, f"{county_code}{t_order:02d}")
        for o_order, office in enumerate(data.TOWNSHIP_OFFICES, start=1):
            add(f"{township_name}{office}", OrgKind.OFFICE, township, o_order)
        for v_order, village_name in enumerate(villages, start=1):
            village = add(village_name, OrgKind.VILLAGE, township, 10 + v_order)
            for h_order, hamlet in enumerate(data.HAMLETS.get(village_name, []), start=1):
                add(hamlet, OrgKind.HAMLET, village, h_order)
    return by_name


def build_subjects() -> dict[str, Subject]:
    subjects = {}
    for order, name in enumerate(data.SUBJECTS, start=1):
        subject = Subject(name=name, sort_order=order, active=True)
        db.session.add(subject)
        subjects[name] = subject
    db.session.flush()
    return subjects


def build_users(org: dict[str, OrgUnit]) -> list[tuple[str, str, str]]:
    """The demo logins; returns (login, role, org unit) for printing."""
    sm = current_app.appbuilder.sm
    created = []
    for login, family, given, role_name, org_name in data.DEMO_USERS + data.EXTRA_DEMO_USERS:
        if sm.find_user(username=login):
            continue
        role = sm.find_role(role_name)
        user = sm.add_user(
            username=login,
            first_name=given,
            last_name=family,
            email=f"{login}@demo.qingshan.gov.cn",
            role=role,
            password=data.DEMO_PASSWORD,
        )
        user = db.session.get(AppUser, user.id)
        user.org_unit_id = org[org_name].id
        # Outside demo mode the published demo password must be replaced at first login.
        user.must_change_password = not current_app.config.get("DEMO_MODE", True)
        created.append((login, role_name, org_name))
    db.session.flush()
    return created


# --- cases ----------------------------------------------------------------------------------------

CHANNEL_WEIGHTS = [
    (Channel.VISIT, 35), (Channel.LETTER, 18), (Channel.PHONE, 15), (Channel.ONLINE, 20),
    (Channel.EMAIL, 3), (Channel.REFERRED, 6), (Channel.MAILBOX, 3),
]
ACCUSATION_SUBJECTS = {"涉法涉诉", "征地拆迁", "民政救助"}


def _weighted(rng: random.Random, pairs: list[tuple[Any, int]]) -> Any:
    return rng.choices([p[0] for p in pairs], weights=[p[1] for p in pairs])[0]


def _status_for_age(rng: random.Random, days: float) -> CaseStatus:
    if days > 90:
        return _weighted(rng, [(CaseStatus.CLOSED, 80), (CaseStatus.REPLIED, 6), (CaseStatus.NOT_ACCEPTED, 6),
                               (CaseStatus.HANDLING, 5), (CaseStatus.IN_REVIEW, 3)])
    if days > 30:
        return _weighted(rng, [(CaseStatus.CLOSED, 35), (CaseStatus.REPLIED, 20), (CaseStatus.HANDLING, 25),
                               (CaseStatus.APPROVED, 8), (CaseStatus.IN_REVIEW, 7), (CaseStatus.NOT_ACCEPTED, 5)])
    if days > 10:
        return _weighted(rng, [(CaseStatus.HANDLING, 35), (CaseStatus.ASSIGNED, 20), (CaseStatus.INSTRUCTED, 10),
                               (CaseStatus.IN_REVIEW, 10), (CaseStatus.REPLIED, 15), (CaseStatus.ACCEPTED, 10)])
    return _weighted(rng, [(CaseStatus.REGISTERED, 30), (CaseStatus.ACCEPTED, 25), (CaseStatus.PROPOSED, 15),
                           (CaseStatus.ASSIGNED, 15), (CaseStatus.HANDLING, 15)])


def build_cases(org: dict[str, OrgUnit], subjects: dict[str, Subject], count: int, rng: random.Random,
                now: datetime) -> list[Case]:
    townships = [org[name] for name, _ in data.TOWNSHIPS]
    villages = {name: [org[v] for v in vs] for name, vs in data.TOWNSHIPS}
    start = now - timedelta(days=548)
    clerks = {u.org_unit_id: u.id for u in db.session.execute(select(AppUser)).scalars() if u.org_unit_id}
    plans = []
    for _ in range(count):
        township = townships[0] if rng.random() < 0.35 else rng.choice(townships)
        received = start + timedelta(seconds=rng.randint(0, int((now - start).total_seconds()) - 3600))
        received = received.replace(microsecond=0)
        plans.append((received, township))
    plans.sort(key=lambda p: p[0])

    cases = []
    per_year: dict[int, list[Case]] = {}
    for received, township in plans:
        village = rng.choice(villages[township.name])
        subject_name = rng.choice(data.SUBJECTS)
        title, content, demands = rng.choice(data.MATTERS[subject_name])
        unit_name = data.SUBJECT_UNIT[subject_name]
        responsible = township if rng.random() < 0.5 else org[unit_name]
        collective = rng.random() < 0.05
        people = rng.randint(6, 30) if collective else rng.choice([1, 1, 1, 1, 2, 3])
        named = 1 if people == 1 else min(people, rng.randint(1, 3))
        if subject_name in ACCUSATION_SUBJECTS and rng.random() < 0.2:
            category = Category.ACCUSATION
        elif rng.random() < 0.12:
            category = Category.SUGGESTION
        else:
            category = Category.CLAIM
        registered = received + timedelta(minutes=rng.randint(5, 600))
        if registered > now:
            registered = now
        case = Case(
            channel=_weighted(rng, CHANNEL_WEIGHTS).value,
            received_at=received,
            township_id=township.id,
            village_id=village.id,
            responsible_unit_id=responsible.id,
            category=category.value,
            subject_id=subjects[subject_name].id,
            title=title.format(place=village.name),
            content=content,
            demands=demands,
            people_count=people,
            is_repeat=rng.random() < 0.08,
            skips_levels=rng.random() < 0.03,
            status=_status_for_age(rng, (now - received).total_seconds() / 86400).value,
            created_at=registered,
            updated_at=registered,
            created_by_id=clerks.get(township.id),
        )
        for position in range(named):
            case.petitioners.append(
                Petitioner(
                    name=fake_name(rng),
                    id_number=fake_id_number(rng) if rng.random() < 0.85 else None,
                    phone=fake_mobile(rng) if rng.random() < 0.95 else None,
                    address=f"{data.COUNTY[0]}{township.name}{village.name}{rng.randint(1, 99)}号",
                    sort_order=position,
                )
            )
        per_year.setdefault(registered.year, []).append(case)
        cases.append(case)
    # Numbers in registration order, per year, from the same counter the forms use.
    for year, year_cases in per_year.items():
        for case, value in zip(year_cases, reserve_numbers(db.session, year, len(year_cases)), strict=True):
            case.number = format_number(year, value)
    db.session.add_all(cases)
    return cases


def load_demo(cases: int = DEMO_CASES, seed: int = 2026) -> dict[str, Any]:
    """Load the whole demo county in one transaction."""
    rng = random.Random(seed)
    org = build_org()
    subjects = build_subjects()
    users = build_users(org)
    build_cases(org, subjects, cases, rng, datetime.now().replace(microsecond=0))
    __import__("seed.demo_ledgers", fromlist=["*"]).load_demo_ledgers(org, rng)
    db.session.commit()
    return {"users": users, "cases": cases}


def demo_logins() -> list[tuple[str, str, str]]:
    return [(login, role, org) for login, _f, _g, role, org in data.DEMO_USERS + data.EXTRA_DEMO_USERS]
