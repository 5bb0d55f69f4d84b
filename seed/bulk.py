"""Bulk cases for benchmarks: `flask seed bulk --cases 1000000`.

Writes straight through the DB-API (executemany on SQLite, COPY on PostgreSQL): going through
the ORM would take an hour for a million rows. The rows look like the demo's (same county,
subjects, matters, channel mix, statuses by age, one to three petitioners with valid ID
numbers), numbered from the same per-year counter, so the app treats them as real cases.
Secondary indexes are dropped during the load and rebuilt after it (much faster than
maintaining them row by row), then the planner statistics are refreshed.

Each case also gets the workflow's denormalised columns, consistent with its status (accepted,
assigned, replied, followed up, closed; deadlines by the default rules on the county's working
calendar; some late, extended, redone or transferred), so reports and work queues have real
figures to compute. The step-by-step history (case_event and the step tables) is not generated
here: the demo county has it; a million cases of it would only slow the load.
"""

from __future__ import annotations

import io
import random
import time
from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta
from operator import mul
from typing import Any

from sqlalchemy import select

from app.cases.models import Case, CaseStatus, Category, Channel, Petitioner, Subject
from app.cases.numbering import format_number, reserve_numbers
from app.core import clock
from app.core.calendar import DayKind, deadline
from app.deadlines.policy import load_policy
from app.extensions import db
from app.models import metadata
from app.org.models import OrgKind, OrgUnit
from seed import data

BATCH = 20_000
STATUS_BY_AGE = [
    (90, [CaseStatus.CLOSED] * 80 + [CaseStatus.REPLIED] * 6 + [CaseStatus.NOT_ACCEPTED] * 6
     + [CaseStatus.HANDLING] * 5 + [CaseStatus.IN_REVIEW] * 2 + [CaseStatus.REVIEWING] * 1),
    (30, [CaseStatus.CLOSED] * 35 + [CaseStatus.REPLIED] * 20 + [CaseStatus.HANDLING] * 25
     + [CaseStatus.APPROVED] * 6 + [CaseStatus.IN_REVIEW] * 7 + [CaseStatus.NOT_ACCEPTED] * 5
     + [CaseStatus.REVIEWING] * 2),
    (10, [CaseStatus.HANDLING] * 35 + [CaseStatus.ASSIGNED] * 18 + [CaseStatus.INSTRUCTED] * 10
     + [CaseStatus.IN_REVIEW] * 10 + [CaseStatus.REPLIED] * 15 + [CaseStatus.ACCEPTED] * 10
     + [CaseStatus.RETURNED] * 2),
    (-1, [CaseStatus.REGISTERED] * 30 + [CaseStatus.ACCEPTED] * 25 + [CaseStatus.PROPOSED] * 15
     + [CaseStatus.ASSIGNED] * 15 + [CaseStatus.HANDLING] * 15),
]
CHANNELS = ([Channel.VISIT] * 35 + [Channel.LETTER] * 18 + [Channel.PHONE] * 15 + [Channel.ONLINE] * 20
            + [Channel.EMAIL] * 3 + [Channel.REFERRED] * 6 + [Channel.MAILBOX] * 3)

WORKFLOW_COLUMNS = [
    "accept_due_at", "accepted_at", "refusal_reason", "instruction_count", "assigned_at", "due_at",
    "reply_due_at", "due_kind", "extended", "extension_days", "extension_pending", "paused_days", "reply_text",
    "replied_at", "followed_up_at", "satisfaction", "closed_at", "closure", "redo_count",
    "transfer_count", "review_count", "repeat_of_id", "next_due_at", "last_step_at",
]
_ACCEPTED_ON = frozenset(set(CaseStatus) - {CaseStatus.REGISTERED, CaseStatus.NOT_ACCEPTED, CaseStatus.MERGED})
_ASSIGNED_ON = frozenset({CaseStatus.ASSIGNED, CaseStatus.RETURNED, CaseStatus.HANDLING, CaseStatus.IN_REVIEW,
                          CaseStatus.APPROVED, CaseStatus.REPLIED, CaseStatus.REVIEWING, CaseStatus.CLOSED})
_INSTRUCTED_ON = _ASSIGNED_ON | {CaseStatus.INSTRUCTED}
_REPLIED_ON = frozenset({CaseStatus.REPLIED, CaseStatus.REVIEWING, CaseStatus.CLOSED})
_WAITS_FOR_ACCEPTANCE = frozenset({CaseStatus.REGISTERED, CaseStatus.ACCEPTED, CaseStatus.PROPOSED,
                                   CaseStatus.INSTRUCTED})
_WAITS_FOR_REPLY = frozenset({CaseStatus.ASSIGNED, CaseStatus.RETURNED, CaseStatus.HANDLING,
                              CaseStatus.IN_REVIEW, CaseStatus.APPROVED})
SATISFACTION = (["satisfied"] * 78 + ["basically"] * 14 + ["not_rated"] * 8)


class _Deadlines:
    """Deadlines by start date, memoised: a million cases share about a thousand start days."""

    def __init__(self, calendar: Any) -> None:
        self.calendar = calendar
        self.memo: dict[tuple[date, int], datetime] = {}

    def due(self, start: datetime, days: int) -> datetime:
        key = (start.date(), days)
        found = self.memo.get(key)
        if found is None:
            found = deadline(start, days, DayKind.CALENDAR, self.calendar)
            self.memo[key] = found
        return found


def _workflow(status: CaseStatus, received: datetime, registered: datetime, now: datetime,
              r: Callable[[], float], dl: _Deadlines) -> tuple:
    """Plausible workflow columns for a case in `status` (the same rules as the workflow)."""
    accept_due = dl.due(received, 15)
    accepted = assigned = due = replied = followed = closed = None
    satisfaction = closure = refusal = due_kind = None
    instructions = extension_days = redo = transfer = review = 0
    last = registered

    def at(start: datetime, low: float, high: float) -> datetime:
        moment = start + timedelta(days=low + (high - low) * r())
        return moment if moment < now else now

    if status == CaseStatus.NOT_ACCEPTED:
        last = at(registered, 0.3, 5)
        refusal = "该事项应当通过诉讼、仲裁等法定途径解决。"
    if status in _ACCEPTED_ON:
        accepted = last = at(registered, 0.2, 3)
    if status in _INSTRUCTED_ON:
        instructions = 1 + (r() < 0.4) + (r() < 0.1)
        last = at(last, 0.3, 2)
    if status in _ASSIGNED_ON:
        assigned = last = at(last, 0.1, 1)
        if r() < 0.25:
            due = dl.due(assigned, 10)  # fast track
        else:
            due = dl.due(accepted, 60)
        due_kind = DayKind.CALENDAR.value
        if r() < 0.05:
            extension_days = 20 if r() < 0.5 else 30
            due = dl.due(due, extension_days)
        transfer = 1 if r() < 0.04 else 0
        redo = 1 if r() < 0.08 else 0
    if status in _REPLIED_ON:
        late = r() < 0.12
        replied = last = at(assigned, 50, 75) if late else at(assigned, 5, 45)
        if status != CaseStatus.REPLIED or r() < 0.3:
            followed = last = at(replied, 2, 8)
            satisfaction = SATISFACTION[int(r() * len(SATISFACTION))]
    if status == CaseStatus.CLOSED:
        closed = last = at(followed, 0.5, 5)
        closure = "reply"
    if status == CaseStatus.REVIEWING:
        review = 1
        last = at(last, 1, 20)
    if status in _WAITS_FOR_ACCEPTANCE:
        next_due = accept_due
    elif status in _WAITS_FOR_REPLY:
        next_due = due
    elif status == CaseStatus.REVIEWING:
        next_due = dl.due(last, 30)
    else:
        next_due = None
    # Times as text, converted here: the database driver's own datetime adapter is a Python
    # call per value, and a million cases carry a dozen times each.
    return (
        accept_due.isoformat(" "), accepted and accepted.isoformat(" "), refusal, instructions,
        # No redo round gets a deadline of its own here: the reply's is the handling's.
        assigned and assigned.isoformat(" "), due and due.isoformat(" "), due and due.isoformat(" "), due_kind,
        extension_days > 0, extension_days, False, 0,
        None,  # the reply text: a million paragraphs would only slow the load down
        replied and replied.isoformat(" "), followed and followed.isoformat(" "), satisfaction,
        closed and closed.isoformat(" "), closure, redo, transfer, review, None,
        next_due and next_due.isoformat(" "), last.isoformat(" "),
    )


CASE_COLUMNS = [
    "id", "number", "channel", "received_at", "township_id", "village_id", "responsible_unit_id",
    "category", "subject_id", "title", "content", "demands", "people_count", "is_collective",
    "is_repeat", "skips_levels", "status", "petitioner_names", "version", "created_at", "updated_at",
    # The workflow's denormalised columns (see app/cases/models.py), filled by `_workflow`.
    *WORKFLOW_COLUMNS,
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
    now = clock.now()
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
    deadlines = _Deadlines(load_policy(session).calendar)
    discipline = units.get("县纪委监委")

    # Plain tuples and strings from here on: ORM attributes and enum lookups in a loop that
    # runs a million times cost more than everything else together.
    towns = [(t.id, t.name, [(v.id, v.name) for v in villages[t.id]]) for t in townships]
    status_codes = [(limit, [st for st in statuses]) for limit, statuses in STATUS_BY_AGE]
    channel_codes = [c.value for c in CHANNELS]
    prefix = format_number(2000, 0)[:-len("2000-000000")]
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    check = "10X98765432"
    mobile_heads = ("13", "15", "18", "17", "19")
    accusation, suggestion, claim = (Category.ACCUSATION.value, Category.SUGGESTION.value,
                                     Category.CLAIM.value)

    def rows() -> Iterator[tuple[tuple, list[tuple]]]:
        nonlocal next_person_id
        r = rng.random

        def pick(seq):
            return seq[int(r() * len(seq))]

        for i, off in enumerate(offsets):
            received = start + timedelta(seconds=off)
            town_id, town_name, town_villages = towns[0] if r() < 0.3 else pick(towns)
            village_id, village_name = pick(town_villages)
            sid, (title, content, demands), dept = pick(matters)
            responsible = town_id if r() < 0.5 or dept is None else dept
            collective = r() < 0.05
            people = 6 + int(r() * 25) if collective else pick((1, 1, 1, 1, 2, 3))
            named = 1 if people == 1 else min(people, 1 + int(r() * 3))
            age = (now - received).days
            statuses = next(st for limit, st in status_codes if age > limit)
            category = accusation if r() < 0.06 else suggestion if r() < 0.12 else claim
            if category == accusation and discipline is not None:
                responsible = discipline  # 条例 Art. 30
            case_id = next_case_id + i
            persons = []
            names = []
            for position in range(named):
                name = pick(surnames) + pick(given)
                first17 = (f"2301{10 + int(r() * 89)}{1950 + int(r() * 53)}{1 + int(r() * 12):02d}"
                           f"{1 + int(r() * 28):02d}{int(r() * 1000):03d}")
                total = sum(map(mul, map(int, first17), weights))
                persons.append((
                    next_person_id, case_id, name, first17 + check[total % 11],
                    pick(mobile_heads) + f"{int(r() * 1e9):09d}",
                    f"{area}{town_name}{village_name}{1 + int(r() * 98)}号", position,
                ))
                next_person_id += 1
                names.append(name)
            registered = received + timedelta(minutes=5 + int(r() * 600))
            if registered > now:
                registered = now
            status = pick(statuses)
            shown_title = title.format(place=village_name)
            flow = _workflow(status, received, registered, now, r, deadlines)
            year = received.year
            case = (
                case_id, f"{prefix}{year}-{next(numbers[year]):06d}",
                pick(channel_codes), received.isoformat(" "), town_id, village_id, responsible,
                category, sid, shown_title, content, demands, people,
                people >= 5, r() < 0.08, r() < 0.03, status.value, "、".join(names), 1,
                registered.isoformat(" "), flow[-1], *flow,
            )
            yield case, persons

    from app.reports.rollup import drop_case_rollup_triggers, ensure_case_rollup

    dialect = session.get_bind().dialect.name
    loader = _load_postgres if dialect == "postgresql" else _load_sqlite
    # The monthly figures (app/reports/rollup/) are counted once after the load, not by their
    # triggers a million times.
    session.commit()
    with db.engine.begin() as connection:
        drop_case_rollup_triggers(connection)
    loaded = loader(rows(), count, progress)
    counted = time.perf_counter()
    with db.engine.begin() as connection:
        ensure_case_rollup(connection, force=True)
    loaded["figures_seconds"] = round(time.perf_counter() - counted, 1)
    if dialect == "postgresql":
        _settle_postgres()
    return {"cases": count, "seconds": round(time.perf_counter() - started, 1), **loaded}


def _settle_postgres() -> None:
    """After a bulk load: VACUUM (ANALYZE) every table, so autovacuum does not do it in the first
    hour of work, and the freshly loaded pages are marked all-visible (counts over an index — a
    queue, the deadline cards — read the index alone, not the table too); then a CHECKPOINT, so
    the gigabyte of loaded pages is written now, not while staff are working."""
    import psycopg

    raw = db.engine.raw_connection()
    try:
        raw.driver_connection.autocommit = True
        cur = raw.cursor()
        cur.execute("VACUUM (ANALYZE)")
        try:
            cur.execute("CHECKPOINT")
        except psycopg.errors.InsufficientPrivilege:
            pass  # CHECKPOINT needs a superuser (or pg_checkpoint): the server then writes in its own time
    finally:
        raw.driver_connection.autocommit = False
        raw.close()


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
        # The keyword index (FTS5, app/core/search.py) is rebuilt once after the load rather
        # than updated by its triggers a million times.
        cur.execute("SELECT count(*) FROM sqlite_master WHERE name = 'case_fts'")
        has_fts = bool(cur.fetchone()[0])
        for trigger in ("case_fts_ai", "case_fts_ad", "case_fts_au"):
            cur.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        cur.execute("PRAGMA synchronous=OFF")
        # A large page cache and in-memory sort space: rebuilding the indexes sorts a million rows.
        cur.execute("PRAGMA cache_size=-262144")
        cur.execute("PRAGMA temp_store=MEMORY")
        cur.execute("PRAGMA threads=4")  # the index rebuild may sort on several cores
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
        if has_fts:
            cur.execute("INSERT INTO case_fts(case_fts) VALUES ('rebuild')")
            with engine.connect() as connection:
                from app.core.search import repair_text_search_triggers

                repair_text_search_triggers(connection)
                connection.commit()
        cur.execute("PRAGMA analysis_limit=0")  # full statistics (a second at a million): sampled ones misled the planner
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
        cur.execute("SELECT to_regclass('ix_case_text_trgm') IS NOT NULL")
        has_trgm = bool(cur.fetchone()[0])
        cur.execute("DROP INDEX IF EXISTS ix_case_text_trgm")
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
        if has_trgm:
            cur.execute("SET maintenance_work_mem = '512MB'")
            cur.execute(
                "CREATE INDEX ix_case_text_trgm ON petition_case "
                "USING gin ((title || ' ' || content) gin_trgm_ops)"
            )
        for table in ("petition_case", "petitioner"):
            cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
        raw.commit()
        return {"index_seconds": round(time.perf_counter() - load_done, 1)}
    finally:
        raw.close()



# The user who gets the most notifications in the benchmark database: the bell and the list are
# measured as that user (a township handler: every case of the township assigned to them).
HEAVY_USER = "handler"
HEAVY_SHARE = 0.2


def generate_notifications(count: int, seed: int = 7) -> dict[str, Any]:
    """Add `count` notifications about cases each recipient may open: a fifth to HEAVY_USER, the
    rest spread over every active user; about 70 % already read, newest in the last 90 days."""
    from sqlalchemy import insert

    from app.notifications.models import Notification, NotificationKind
    from app.security.models import AppUser

    started = time.perf_counter()
    session = db.session
    rng = random.Random(seed)
    users = session.execute(select(AppUser).where(AppUser.active.is_(True)).order_by(AppUser.id)).unique().scalars().all()
    if not users:
        raise RuntimeError("load the demo county first (flask seed demo)")
    from app.core.scoping import scope_clause
    from app.org.scoping import scope_for_user

    samples: dict[int, list[tuple[int, str]]] = {}

    def cases_for(user: Any) -> list[tuple[int, str]]:
        """Recent cases the user may open (their scope, as the list will check it)."""
        if user.id not in samples:
            scope = scope_for_user(user)
            samples[user.id] = [] if scope.is_empty else session.execute(
                select(Case.id, Case.number).where(scope_clause(Case, scope))
                .order_by(Case.id.desc()).limit(2000)).all()
        return samples[user.id]

    heavy = next((u for u in users if u.username == HEAVY_USER), users[0])
    kinds = NotificationKind.codes()
    now = clock.now()
    rows: list[dict[str, Any]] = []
    for _ in range(count):
        user = heavy if rng.random() < HEAVY_SHARE else users[rng.randrange(len(users))]
        pool = cases_for(user)
        if not pool:
            continue
        case_id, number = pool[rng.randrange(len(pool))]
        created = now - timedelta(seconds=rng.randrange(90 * 86400))
        rows.append({
            "user_id": user.id, "kind": kinds[rng.randrange(len(kinds))], "title": f"{number} 等待 本单位 签收",
            "url": f"/cases/show/{case_id}", "record_type": "Case", "record_id": case_id, "created_at": created,
            "read_at": created + timedelta(hours=2) if rng.random() < 0.7 else None,
        })
        if len(rows) >= BATCH:
            session.execute(insert(Notification), rows)
            rows.clear()
    if rows:
        session.execute(insert(Notification), rows)
    session.commit()
    return {"notifications": count, "seconds": round(time.perf_counter() - started, 1)}
