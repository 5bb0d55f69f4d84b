"""Which rows a demo user should see, computed straight from the raw tables by the rules of
DOMAIN.md ("Who uses the product") and the 条例 — not through the app's `scope_clause` — for the
list-count walk (tests/security/test_list_counts.py).

- 系统管理员 and users of the county, the 信访局 or the 督查室: the whole county;
- a township's users: rows placed in that township or under it (its villages), and rows of the
  township's own unit; a 承办人: what is assigned to their unit (or where it joins a 会审);
- 检举控告 (Art. 30): never shown to the unit reported on, nor to anyone inside it; an accusation
  whose unit is not confirmed yet reports on the county itself, and only the 信访局's clerks
  (who screen it) see it — unless the letter names their own unit;
- 超期督办: open cases past (or within the warning days of) the deadline they wait on now, or
  redone and transferred more than 3 times in all (DOMAIN.md "Deadlines").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from sqlalchemy import text

OPEN = {"registered", "accepted", "proposed", "instructed", "assigned", "returned", "handling",
        "in_review", "approved", "reviewing"}
COUNTY_WIDE = {"county", "bureau", "inspection"}
# Roles that see their place; a 承办人 alone sees what is assigned to their unit.
PLACE_ROLES = {"系统管理员", "乡镇管理员", "登记员", "领导", "督查员", "管理者"}


@dataclass(frozen=True)
class Viewer:
    unit: int
    kind: str
    roles: frozenset[str]
    chain: tuple[int, ...]  # the unit and every unit above it, up to the county
    units: dict[int, tuple[int | None, str]]  # every org unit: (parent, kind)

    @property
    def county_wide(self) -> bool:
        return "系统管理员" in self.roles or self.kind in COUNTY_WIDE

    @property
    def sees_place(self) -> bool:
        return bool(self.roles & PLACE_ROLES) and self.kind == "township"

    @property
    def screener(self) -> bool:
        return self.kind == "bureau" and "登记员" in self.roles and "系统管理员" not in self.roles

    def under(self, unit: int | None, top: int) -> bool:
        """Is `unit` the org unit `top` or below it (walking the parents)?"""
        while unit is not None:
            if unit == top:
                return True
            unit = self.units[unit][0]
        return False

    def in_place(self, *units: int | None) -> bool:
        return self.sees_place and any(self.under(u, self.unit) for u in units)

    def hidden_accusation(self, reported: int | None, claimed: int | None) -> bool:
        lineage = set(self.chain) - ({self.chain[-1]} if self.screener else set())
        return reported in lineage or (self.screener and claimed in lineage)


def viewer(session, username: str) -> Viewer:
    units = {row.id: (row.parent_id, row.kind) for row in session.execute(
        text("SELECT id, parent_id, kind FROM org_unit"))}
    unit = session.execute(text("SELECT org_unit_id FROM ab_user WHERE username = :u"), {"u": username}).scalar()
    roles = frozenset(session.execute(text(
        "SELECT r.name FROM ab_role r JOIN ab_user_role ur ON ur.role_id = r.id "
        "JOIN ab_user u ON u.id = ur.user_id WHERE u.username = :u"), {"u": username}).scalars())
    chain, at = [], unit
    while at is not None:
        chain.append(at)
        at = units[at][0]
    assert units[unit][1] in COUNTY_WIDE | {"township", "department"}, "a demo user of another kind: extend the rule"
    return Viewer(unit, units[unit][1], roles, tuple(chain), units)


def visible_case_ids(session, who: Viewer) -> set[int]:
    co_units: dict[int, set[int]] = {}
    for case_id, unit_id in session.execute(text("SELECT case_id, unit_id FROM case_joint_review_unit")):
        co_units.setdefault(case_id, set()).add(unit_id)
    seen = set()
    for row in session.execute(text(
            "SELECT id, township_id, village_id, responsible_unit_id, reported_unit_id, "
            "claimed_reported_unit_id FROM petition_case")):
        if who.hidden_accusation(row.reported_unit_id, row.claimed_reported_unit_id):
            continue
        ours = row.responsible_unit_id == who.unit or who.unit in co_units.get(row.id, ())
        if who.county_wide or ours or who.in_place(row.township_id, row.village_id):
            seen.add(row.id)
    return seen


def visible_count(session, who: Viewer, table: str, place: tuple[str, ...], unit: str) -> int:
    """Rows of `table` placed (columns `place`) in the viewer's township or under it, or whose
    unit column `unit` is the viewer's own unit (or, for a place, a unit inside it)."""
    columns = ", ".join((*place, unit))
    count = 0
    for row in session.execute(text(f"SELECT {columns} FROM {table}")):  # noqa: S608 — test's own names
        values = tuple(row)
        if who.county_wide or values[-1] == who.unit or who.in_place(*values):
            count += 1
    return count


def watched_case_ids(session, moment: datetime) -> set[int]:
    """超期督办's rows before the scope: see the module docstring. Each open case waits on the
    deadline of its stage (acceptance, reply, review answer) and, while assigned, on the unit's
    receipt (Art. 23) and a complex case's plan (seed 003); a paused clock holds the case's own
    deadline unless it had already run out."""
    days, kind = session.execute(text("SELECT days, day_kind FROM deadline_rule WHERE code = 'warning'")).one()
    assert kind == "calendar", "the demo county warns in calendar days; a working-day threshold needs the calendar here"
    boundary = datetime.combine(moment.date() + timedelta(days=days + 1), time.min)
    assignments: dict[int, tuple] = {}
    for row in session.execute(text(
            "SELECT case_id, assigned_at, received_at, receipt_due_at, is_complex, plan_due_at "
            "FROM case_assignment WHERE returned_at IS NULL ORDER BY assigned_at, id")):
        assignments[row.case_id] = row  # the latest one wins
    reviews = {row.case_id: row.due_at for row in session.execute(text(
        "SELECT case_id, due_at FROM case_review WHERE decided_at IS NULL ORDER BY id"))}
    plans: dict[int, list[datetime]] = {}
    for case_id, at in session.execute(text(
            "SELECT case_id, held_at FROM case_joint_review UNION ALL SELECT case_id, reported_at FROM case_progress")):
        plans.setdefault(case_id, []).append(_moment(at))
    watched = set()
    for row in session.execute(text(
            "SELECT id, status, accept_due_at, due_at, paused_since, redo_count, transfer_count FROM petition_case")):
        if row.status not in OPEN:
            continue
        if row.redo_count + row.transfer_count > 3:
            watched.add(row.id)
            continue
        paused = _moment(row.paused_since)
        own = {"registered": row.accept_due_at, "accepted": row.accept_due_at, "proposed": row.accept_due_at,
               "instructed": row.accept_due_at, "reviewing": reviews.get(row.id)}.get(row.status, row.due_at)
        running = []
        if own is not None and not (paused is not None and _moment(own) >= paused):
            running.append(_moment(own))
        assignment = assignments.get(row.id)
        if assignment is not None and row.status == "assigned" and assignment.received_at is None:
            running.append(_moment(assignment.receipt_due_at))
        if (assignment is not None and row.status == "handling" and assignment.is_complex
                and assignment.plan_due_at is not None):
            since = _moment(assignment.received_at or assignment.assigned_at)
            if not any(at >= since for at in plans.get(row.id, ())):
                running.append(_moment(assignment.plan_due_at))
        if running and min(running) < boundary:
            watched.add(row.id)
    return watched


def _moment(value) -> datetime | None:
    """A raw DateTime column (SQLite hands back text)."""
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value))
