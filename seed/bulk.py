"""Bulk cases for benchmarks: `flask seed bulk --cases 1000000`.

Writes straight through the DB-API (executemany on SQLite, COPY on PostgreSQL): going through
the ORM would take an hour for a million rows. The rows look like the demo's (same county,
subjects, matters, channel mix, statuses by age, one to three petitioners with valid ID
numbers), numbered from the same per-year counter, so the app treats them as real cases.
Secondary indexes are dropped during the load and rebuilt after it (much faster than
maintaining them row by row), then the planner statistics are refreshed.
"""

from __future__ import annotations

import io
import random
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from app.cases.models import Case, CaseStatus, Category, Channel, Petitioner, Subject
from app.cases.numbering import format_number, reserve_numbers
from app.core.validators import id_number_checksum
from app.extensions import db
from app.models import metadata
from app.org.models import OrgKind, OrgUnit
from seed import data

BATCH = 20_000
STATUS_BY_AGE = [
    (90, [CaseStatus.CLOSED] * 80 + [CaseStatus.REPLIED] * 6 + [CaseStatus.NOT_ACCEPTED] * 6
     + [CaseStatus.HANDLING] * 5 + [CaseStatus.IN_REVIEW] * 3),
    (30, [CaseStatus.CLOSED] * 35 + [CaseStatus.REPLIED] * 20 + [CaseStatus.HANDLING] * 25
     + [CaseStatus.APPROVED] * 8 + [CaseStatus.IN_REVIEW] * 7 + [CaseStatus.NOT_ACCEPTED] * 5),
    (10, [CaseStatus.HANDLING] * 35 + [CaseStatus.ASSIGNED] * 20 + [CaseStatus.INSTRUCTED] * 10
     + [CaseStatus.IN_REVIEW] * 10 + [CaseStatus.REPLIED] * 15 + [CaseStatus.ACCEPTED] * 10),
    (-1, [CaseStatus.REGISTERED] * 30 + [CaseStatus.ACCEPTED] * 25 + [CaseStatus.PROPOSED] * 15
     + [CaseStatus.ASSIGNED] * 15 + [CaseStatus.HANDLING] * 15),
]
CHANNELS = ([Channel.VISIT] * 35 + [Channel.LETTER] * 18 + [Channel.PHONE] * 15 + [Channel.ONLINE] * 20
            + [Channel.EMAIL] * 3 + [Channel.REFERRED] * 6 + [Channel.MAILBOX] * 3)

CASE_COLUMNS = [
    "id", "number", "channel", "received_at", "township_id", "village_id", "responsible_unit_id",
    "category", "subject_id", "title", "content", "demands", "people_count", "is_collective",
    "is_repeat", "skips_levels", "status", "petitioner_names", "version", "created_at", "updated_at",
]
PETITIONER_COLUMNS = ["id", "case_id", "name", "id_number", "phone", "address", "sort_order"]


def _secondary_indexes(table_name: str) -> list[Any]:
    table = metadata.tables[table_name]
    return [ix for ix in table.indexes]


def generate(count: int, years: float = 3.0, seed: int = 7, progress: Callable[[int], None] | None = None) -> dict[str, Any]:
    """Append `count` cases (and their petitioners) to the database; returns timings."""
    started = time.perf_counter()
    session = db.session
    rng = random.Random(seed)
    townships = session.execute(
        select(OrgUnit).where(OrgUnit.kind == OrgKind.TOWNSHIP.value).order_by(OrgUnit.id)
    ).scalars().all()
    if not townships:
        raise RuntimeError("load the demo county first (flask seed demo)")
    villages: dict[int, list[OrgUnit]] = {}
    for v in session.execute(select(OrgUnit).where(OrgUnit.kind == OrgKind.VILLAGE.value)).scalars():
        villages.setdefault(v.township_id, []).append(v)
    units = {u.name: u.id for u in session.execute(select(OrgUnit)).scalars()}
    subjects = [(s.id, s.name) for s in session.execute(select(Subject).order_by(Subject.id)).scalars()]
    matters = [(sid, m, units.get(data.SUBJECT_UNIT.get(name, ""), None))
               for sid, name in subjects for m in data.MATTERS.get(name, data.MATTERS["城乡建设"])]

    next_case_id = (session.execute(select(db.func.max(Case.id))).scalar() or 0) + 1
    next_person_id = (session.execute(select(db.func.max(Petitioner.id))).scalar() or 0) + 1
    now = datetime.now().replace(microsecond=0)
    span = int(years * 365 * 86400)
    start = now - timedelta(seconds=span)

    # Received times in order, so numbers follow registration order as in real life.
    offsets = sorted(rng.randrange(0, span - 3600) for _ in range(count))
    per_year: dict[int, int] = {}
    for off in offsets:
        y = (start + timedelta(seconds=off)).year
        per_year[y] = per_year.get(y, 0) + 1
    numbers: dict[int, Iterator[int]] = {
        year: iter(reserve_numbers(session, year, n)) for year, n in sorted(per_year.items())
    }
    session.commit()

    surnames, given = data.SURNAMES, data.GIVEN
    area = data.COUNTY[0]

    def rows() -> Iterator[tuple[tuple, list[tuple]]]:
        nonlocal next_person_id
        r = rng.random
        choice = rng.choice
        for i, off in enumerate(offsets):
            received = start + timedelta(seconds=off)
            township = townships[0] if r() < 0.3 else choice(townships)
            village = choice(villages[township.id])
            sid, (title, content, demands), dept = choice(matters)
            responsible = township.id if r() < 0.5 or dept is None else dept
            collective = r() < 0.05
            people = rng.randint(6, 30) if collective else choice((1, 1, 1, 1, 2, 3))
            named = 1 if people == 1 else min(people, 1 + int(r() * 3))
            age = (now - received).days
            statuses = next(s for limit, s in STATUS_BY_AGE if age > limit)
            category = Category.ACCUSATION if r() < 0.06 else Category.SUGGESTION if r() < 0.12 else Category.CLAIM
            case_id = next_case_id + i
            persons = []
            names = []
            for position in range(named):
                name = choice(surnames) + choice(given)
                born = f"{1950 + int(r() * 53)}{1 + int(r() * 12):02d}{1 + int(r() * 28):02d}"
                first17 = f"2301{10 + int(r() * 89)}{born}{int(r() * 1000):03d}"
                persons.append((
                    next_person_id, case_id, name, first17 + id_number_checksum(first17),
                    choice(("13", "15", "18", "17", "19")) + f"{int(r() * 1e9):09d}",
                    f"{area}{township.name}{village.name}{1 + int(r() * 98)}号", position,
                ))
                next_person_id += 1
                names.append(name)
            registered = received + timedelta(minutes=5 + int(r() * 600))
            if registered > now:
                registered = now
            case = (
                case_id, format_number(received.year, next(numbers[received.year])),
                choice(CHANNELS).value, received, township.id, village.id, responsible,
                category.value, sid, title.format(place=village.name), content, demands, people,
                people >= 5, r() < 0.08, r() < 0.03, choice(statuses).value, "、".join(names), 1,
                registered, registered,
            )
            yield case, persons

    dialect = session.get_bind().dialect.name
    loader = _load_postgres if dialect == "postgresql" else _load_sqlite
    loaded = loader(rows(), count, progress)
    return {"cases": count, "seconds": round(time.perf_counter() - started, 1), **loaded}


def _load_sqlite(rows: Iterator[tuple[tuple, list[tuple]]], count: int,
                 progress: Callable[[int], None] | None) -> dict[str, Any]:
    engine = db.engine
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        dropped = []
        for table in ("petition_case", "petitioner"):
            for ix in _secondary_indexes(table):
                cur.execute(f'DROP INDEX IF EXISTS "{ix.name}"')
                dropped.append(ix)
        cur.execute("PRAGMA synchronous=OFF")
        case_sql = (f"INSERT INTO petition_case ({', '.join(CASE_COLUMNS)}) "
                    f"VALUES ({', '.join('?' * len(CASE_COLUMNS))})")
        person_sql = (f"INSERT INTO petitioner ({', '.join(PETITIONER_COLUMNS)}) "
                      f"VALUES ({', '.join('?' * len(PETITIONER_COLUMNS))})")
        done = 0
        batch_cases: list[tuple] = []
        batch_people: list[tuple] = []
        cur.execute("BEGIN")
        for case, persons in rows:
            batch_cases.append(case)
            batch_people.extend(persons)
            if len(batch_cases) >= BATCH:
                cur.executemany(case_sql, batch_cases)
                cur.executemany(person_sql, batch_people)
                done += len(batch_cases)
                batch_cases, batch_people = [], []
                if progress:
                    progress(done)
        if batch_cases:
            cur.executemany(case_sql, batch_cases)
            cur.executemany(person_sql, batch_people)
            done += len(batch_cases)
        cur.execute("COMMIT")
        load_done = time.perf_counter()
        from sqlalchemy.schema import CreateIndex

        for ix in dropped:
            cur.execute(str(CreateIndex(ix).compile(engine)))
        cur.execute("ANALYZE")
        cur.execute("PRAGMA synchronous=NORMAL")
        raw.commit()
        return {"index_seconds": round(time.perf_counter() - load_done, 1)}
    finally:
        raw.close()


def _copy_text(value: Any) -> str:
    if value is None:
        return r"\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    s = str(value)
    return s.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def _load_postgres(rows: Iterator[tuple[tuple, list[tuple]]], count: int,
                   progress: Callable[[int], None] | None) -> dict[str, Any]:
    engine = db.engine
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        dropped = []
        for table in ("petition_case", "petitioner"):
            for ix in _secondary_indexes(table):
                cur.execute(f'DROP INDEX IF EXISTS "{ix.name}"')
                dropped.append(ix)
        done = 0
        case_buf, person_buf = io.StringIO(), io.StringIO()

        def flush() -> None:
            with cur.copy(f"COPY petition_case ({', '.join(CASE_COLUMNS)}) FROM STDIN") as copy:
                copy.write(case_buf.getvalue())
            with cur.copy(f"COPY petitioner ({', '.join(PETITIONER_COLUMNS)}) FROM STDIN") as copy:
                copy.write(person_buf.getvalue())
            case_buf.seek(0)
            case_buf.truncate()
            person_buf.seek(0)
            person_buf.truncate()

        pending = 0
        for case, persons in rows:
            case_buf.write("\t".join(_copy_text(v) for v in case) + "\n")
            for p in persons:
                person_buf.write("\t".join(_copy_text(v) for v in p) + "\n")
            pending += 1
            if pending >= BATCH * 5:
                flush()
                done += pending
                pending = 0
                if progress:
                    progress(done)
        if pending:
            flush()
        raw.commit()
        load_done = time.perf_counter()
        from sqlalchemy.schema import CreateIndex

        for ix in dropped:
            cur.execute(str(CreateIndex(ix).compile(engine)))
        for table in ("petition_case", "petitioner"):
            cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
        cur.execute("ANALYZE petition_case")
        cur.execute("ANALYZE petitioner")
        raw.commit()
        return {"index_seconds": round(time.perf_counter() - load_done, 1)}
    finally:
        raw.close()

