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

from app.cases import workflow
from app.cases.models import Case, CaseStatus, Category, Channel, Petitioner, Subject
from app.cases.numbering import format_number, reserve_numbers
from app.core import clock
from app.core.validators import id_number_checksum
from app.deadlines.policy import load_policy
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
    """The demo logins and the county's staff; returns (login, role, org unit) for printing."""
    from werkzeug.security import generate_password_hash

    sm = current_app.appbuilder.sm
    created = []
    # One hash for the one demo password: hashing it per user costs seconds at first start.
    hashed = generate_password_hash(
        data.DEMO_PASSWORD,
        method=current_app.config.get("FAB_PASSWORD_HASH_METHOD", "scrypt"),
        salt_length=current_app.config.get("FAB_PASSWORD_HASH_SALT_LENGTH", 16),
    )
    for login, family, given, role_name, org_name in (
        data.DEMO_USERS + data.EXTRA_DEMO_USERS + data.STAFF_USERS
    ):
        if sm.find_user(username=login):
            continue
        role = sm.find_role(role_name)
        user = sm.add_user(
            username=login,
            first_name=given,
            last_name=family,
            email=f"{login}@demo.qingshan.gov.cn",
            role=role,
            hashed_password=hashed,
            commit=False,
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
    """Where a case of this age stands: old ones mostly closed, some still open (overdue)."""
    if days > 90:
        return _weighted(rng, [(CaseStatus.CLOSED, 80), (CaseStatus.REPLIED, 6), (CaseStatus.NOT_ACCEPTED, 6),
                               (CaseStatus.HANDLING, 5), (CaseStatus.IN_REVIEW, 2), (CaseStatus.REVIEWING, 1)])
    if days > 30:
        return _weighted(rng, [(CaseStatus.CLOSED, 35), (CaseStatus.REPLIED, 20), (CaseStatus.HANDLING, 25),
                               (CaseStatus.APPROVED, 6), (CaseStatus.IN_REVIEW, 7), (CaseStatus.NOT_ACCEPTED, 5),
                               (CaseStatus.REVIEWING, 2)])
    if days > 10:
        return _weighted(rng, [(CaseStatus.HANDLING, 35), (CaseStatus.ASSIGNED, 18), (CaseStatus.INSTRUCTED, 10),
                               (CaseStatus.IN_REVIEW, 10), (CaseStatus.REPLIED, 15), (CaseStatus.ACCEPTED, 10),
                               (CaseStatus.RETURNED, 2)])
    return _weighted(rng, [(CaseStatus.REGISTERED, 30), (CaseStatus.ACCEPTED, 25), (CaseStatus.PROPOSED, 15),
                           (CaseStatus.ASSIGNED, 15), (CaseStatus.HANDLING, 15)])


def build_cases(org: dict[str, OrgUnit], subjects: dict[str, Subject], count: int, rng: random.Random,
                now: datetime) -> list[tuple[Case, CaseStatus, OrgUnit]]:
    """Register `count` cases; returns each with the status it should reach and its unit."""
    from seed.histories import Cast

    townships = [org[name] for name, _ in data.TOWNSHIPS]
    villages = {name: [org[v] for v in vs] for name, vs in data.TOWNSHIPS}
    start = now - timedelta(days=548)
    clerks = Cast.load(db.session).clerks
    policy = load_policy(db.session)
    plans = []
    for _ in range(count):
        township = townships[0] if rng.random() < 0.35 else rng.choice(townships)
        received = start + timedelta(seconds=rng.randint(0, int((now - start).total_seconds()) - 3600))
        received = received.replace(microsecond=0)
        plans.append((received, township))
    plans.sort(key=lambda p: p[0])

    cases = []
    per_year: dict[int, list[Case]] = {}
    by_place: dict[tuple[int, int], list[Case]] = {}
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
            # 条例 Art. 30: reports of wrongdoing go to the discipline organs; the demo's letters
            # report on their village's committee (the unit never sees them).
            responsible = org["县纪委监委"]
        elif rng.random() < 0.12:
            category = Category.SUGGESTION
        else:
            category = Category.CLAIM
        registered = received + timedelta(minutes=rng.randint(5, 600))
        if registered > now:
            registered = now
        clerk = clerks[township.id]
        case = Case(
            channel=_weighted(rng, CHANNEL_WEIGHTS).value,
            received_at=received,
            township_id=township.id,
            township=township,
            village_id=village.id,
            responsible_unit_id=responsible.id,
            reported_unit_id=village.id if category == Category.ACCUSATION else None,
            category=category.value,
            subject_id=subjects[subject_name].id,
            subject=subjects[subject_name],
            title=title.format(place=village.name),
            content=content,
            demands=demands,
            people_count=people,
            is_repeat=False,
            skips_levels=rng.random() < 0.03,
            status=CaseStatus.REGISTERED.value,
            created_at=registered,
            updated_at=registered,
            created_by_id=clerk.id,
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
        earlier = _repeat_of(case, by_place, rng)
        workflow.register(case, clerk, now=registered, policy=policy, repeat_of=earlier)
        target = _status_for_age(rng, (now - received).total_seconds() / 86400)
        per_year.setdefault(registered.year, []).append(case)
        cases.append((case, target, responsible))
    # Numbers in registration order, per year, from the same counter the forms use.
    for year, year_cases in per_year.items():
        for case, value in zip(year_cases, reserve_numbers(db.session, year, len(year_cases)), strict=True):
            case.number = format_number(year, value)
    db.session.add_all([c for c, _, _ in cases])
    db.session.flush()
    return cases


def _repeat_of(case: Case, by_place: dict[tuple[int, int], list[Case]], rng: random.Random) -> Case | None:
    """Some petitioners come back about the same matter (重信重访): the same person, linked."""
    key = (case.village_id, case.subject_id)
    earlier = by_place.setdefault(key, [])
    found = None
    if earlier and rng.random() < 0.25:
        first = rng.choice(earlier)
        if first.received_at < case.received_at:
            original, person = first.petitioners[0], case.petitioners[0]
            person.name, person.id_number, person.phone = original.name, original.id_number, original.phone
            found = first
    earlier.append(case)
    return found


def _load_demo(cases: int, seed: int) -> dict[str, Any]:
    from seed.histories import write_histories

    rng = random.Random(seed)
    now = clock.now()
    org = build_org()
    subjects = build_subjects()
    users = build_users(org)
    planned = build_cases(org, subjects, cases, rng, now)
    write_histories(db.session, planned, rng, load_policy(db.session), now)
    __import__("seed.demo_ledgers", fromlist=["*"]).load_demo_ledgers(org, rng)
    __import__("seed.demo_supervision", fromlist=["*"]).load_demo_supervision(org, rng, now)
    __import__("seed.demo_backlog", fromlist=["*"]).load_demo_backlog(org, now)
    __import__("seed.demo_duty", fromlist=["*"]).load_demo_duty(org, rng, now)
    __import__("seed.demo_risk", fromlist=["*"]).load_demo_risk(org, now)
    __import__("seed.demo_rota", fromlist=["*"]).load_demo_rota(now)
    __import__("seed.demo_portal", fromlist=["*"]).load_demo_portal(now)
    __import__("seed.demo_fund", fromlist=["*"]).load_demo_fund(now)
    __import__("seed.demo_lists", fromlist=["*"]).load_demo_lists()
    __import__("seed.demo_ownership", fromlist=["*"]).load_demo_ownership(now)
    __import__("seed.demo_practices", fromlist=["*"]).load_demo_practices(org, rng, now)
    __import__("seed.demo_knowledge", fromlist=["*"]).load_demo_knowledge()
    __import__("seed.demo_roles", fromlist=["*"]).load_demo_roles()
    db.session.commit()
    return {"users": users, "cases": cases}


def load_demo(cases: int = DEMO_CASES, seed: int = 2026) -> dict[str, Any]:
    """Load the whole demo county in one transaction.

    The audit log records none of it: every row is fiction, and capturing some 20,000 changes
    would double the load time (tests build their template database with it too).
    """
    from app.audit.capture import paused

    with paused():
        return _load_demo(cases, seed)


def demo_logins() -> list[tuple[str, str, str]]:
    return [(login, role, org) for login, _f, _g, role, org in data.DEMO_USERS + data.EXTRA_DEMO_USERS]
