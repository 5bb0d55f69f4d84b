"""flags: next_due_at watches the receipt and the plan, and keeps a paused case's passed deadline

Revision ID: 9c1f4b7e2a60
Revises: a1d5e9c3b7f2
Create Date: 2026-12-07 05:00:00

`next_due_at` is now the earliest deadline still running of what a case waits for
(app/cases/workflow.py `pending_deadlines`): besides acceptance, reply and review answer, the
unit's receipt of an assigned case (条例 Art. 23) and a complex case's handling plan (seed 003);
a pause stops the case's clock only if its deadline had not passed yet. Open cases written under
the old rule are brought up to date here; every later step recomputes the column itself. The
临期 threshold's day kind needs no schema change: the `warning` deadline rule has a day kind
already, which the administrator may now set to working days.
"""
from alembic import op
import sqlalchemy as sa


revision = '9c1f4b7e2a60'
down_revision = 'a1d5e9c3b7f2'
branch_labels = None
depends_on = None

# Statuses whose case clock is the reply deadline (petition_case.due_at).
_REPLY_CLOCK = "('assigned', 'returned', 'handling', 'in_review', 'approved')"

# The current assignment's plan, still owed: complex, and neither a joint review nor a progress
# report since the unit confirmed receipt.
_PLAN_OWED = (
    "FROM case_assignment a WHERE a.case_id = petition_case.id AND a.returned_at IS NULL "
    "AND a.is_complex = :yes AND a.plan_due_at IS NOT NULL "
    "AND NOT EXISTS (SELECT 1 FROM case_joint_review j WHERE j.case_id = a.case_id "
    "AND j.held_at >= COALESCE(a.received_at, a.assigned_at)) "
    "AND NOT EXISTS (SELECT 1 FROM case_progress p WHERE p.case_id = a.case_id "
    "AND p.reported_at >= COALESCE(a.received_at, a.assigned_at))"
)
_RECEIPT_OWED = (
    "FROM case_assignment a WHERE a.case_id = petition_case.id AND a.returned_at IS NULL "
    "AND a.received_at IS NULL"
)
_OPEN_REVIEW = "FROM case_review r WHERE r.case_id = petition_case.id AND r.decided_at IS NULL"


def recompute(bind) -> None:
    """Open cases' next_due_at under the new rule (each statement keeps the earliest deadline)."""
    # Paused after the deadline had passed: that deadline runs again (time overdue stays overdue).
    bind.execute(sa.text(
        "UPDATE petition_case SET next_due_at = due_at WHERE paused_since IS NOT NULL "
        f"AND next_due_at IS NULL AND due_at IS NOT NULL AND due_at < paused_since AND status IN {_REPLY_CLOCK}"))
    bind.execute(sa.text(
        f"UPDATE petition_case SET next_due_at = (SELECT MIN(r.due_at) {_OPEN_REVIEW}) "
        "WHERE paused_since IS NOT NULL AND next_due_at IS NULL AND status = 'reviewing' "
        f"AND EXISTS (SELECT 1 {_OPEN_REVIEW} AND r.due_at < petition_case.paused_since)"))
    # Assigned, receipt not confirmed (Art. 23).
    bind.execute(sa.text(
        f"UPDATE petition_case SET next_due_at = (SELECT MIN(a.receipt_due_at) {_RECEIPT_OWED}) "
        f"WHERE status = 'assigned' AND EXISTS (SELECT 1 {_RECEIPT_OWED} "
        "AND (petition_case.next_due_at IS NULL OR a.receipt_due_at < petition_case.next_due_at))"))
    # Complex case in handling, plan still owed (seed 003).
    bind.execute(sa.text(
        f"UPDATE petition_case SET next_due_at = (SELECT MIN(a.plan_due_at) {_PLAN_OWED}) "
        f"WHERE status = 'handling' AND EXISTS (SELECT 1 {_PLAN_OWED} "
        "AND (petition_case.next_due_at IS NULL OR a.plan_due_at < petition_case.next_due_at))"),
        {"yes": True})


def upgrade():
    recompute(op.get_bind())


def downgrade():
    # The old rule's values come back with each case's next step; nothing to undo in the schema.
    pass
