"""cases: the reply stage's own deadline (reply_due_at); a case reopened by a review is not closed

Each stage keeps its deadline: `due_at` moves to a redo's deadline after an unsatisfied
follow-up or a revoked 复查, `reply_due_at` keeps the deadline the first reply was due by.
Backfill: every case's reply deadline is its handling deadline, except for cases answered and
then sent back (redo or review), whose reply deadline is the last one set before the first
reply, read from their history (the `deadline` of the assign / extension / resume events).
Cases under review or sent back by one after being closed are no longer closed.
The monthly case figures gain 到期回复率, 到期结案率 and 按期答复率, and case_due_month counts the
cases by the month of their reply deadline (a report subtracts those not yet due): env.py's
ensure_case_rollup installs the tables' triggers and counts them from the cases.

Revision ID: e5f1a9c3b7d2
Revises: e5a1c9d7b3f2
Create Date: 2026-12-06 21:00:00

"""
from datetime import datetime, time

import sqlalchemy as sa
from alembic import op


revision = 'e5f1a9c3b7d2'
down_revision = 'e5a1c9d7b3f2'
branch_labels = None
depends_on = None

END_OF_DAY = time(23, 59, 59)
DEADLINE_STEPS = ('assign', 'decide_extension', 'resume')
PLACE = ("month", "township_id", "unit_id", "category", "reported_unit_id")
KEYS = (*PLACE, "due_month")
COUNTERS_BEFORE = (
    "volume_n", "reply_rate_n", "reply_rate_d", "closure_rate_n", "closure_rate_d",
    "on_time_acceptance_n", "on_time_acceptance_d", "on_time_completion_n", "on_time_completion_d",
    "first_time_rate_n", "first_time_rate_d", "satisfaction_rate_n", "satisfaction_rate_d",
    "participation_rate_n", "participation_rate_d", "repeat_rate_n", "repeat_rate_d",
    "skip_level_rate_n", "skip_level_rate_d", "collective_count_n",
    "sat_satisfied", "sat_basically", "sat_unsatisfied", "sat_not_rated", "on_time_completion_p",
)
COUNTERS_AFTER = (
    "volume_n", "reply_rate_n", "due_reply_rate_n", "due_reply_rate_d", "closure_rate_n", "due_closure_rate_n",
    "on_time_acceptance_n", "on_time_acceptance_d", "on_time_reply_n", "on_time_reply_p",
    "on_time_completion_n", "on_time_completion_d", "on_time_completion_p", "first_time_rate_n",
    "satisfaction_rate_n", "satisfaction_rate_d", "participation_rate_n", "participation_rate_d",
    "repeat_rate_n", "skip_level_rate_n", "collective_count_n",
    "sat_satisfied", "sat_basically", "sat_unsatisfied", "sat_not_rated",
)
DUE_KEYS = ("reply_due_month", *PLACE)
DUE_COUNTERS = ("reply_due", "due_reply_rate_n", "due_closure_rate_n", "on_time_reply_p")


def _drop_triggers(name):
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(f'DROP TRIGGER IF EXISTS {name} ON petition_case')
        op.execute(f'DROP FUNCTION IF EXISTS {name}_apply()')
    else:
        for suffix in ('ai', 'ad', 'au'):
            op.execute(f'DROP TRIGGER IF EXISTS {name}_{suffix}')


def _counts_table(name, keys, counters):
    op.create_table(
        name,
        *(sa.Column(key, sa.String(16) if key == 'category' else sa.Integer(), autoincrement=False,
                    nullable=False) for key in keys),
        *(sa.Column(counter, sa.Integer(), server_default='0', nullable=False) for counter in counters),
        sa.PrimaryKeyConstraint(*keys),
    )


def _figure_table(counters):
    """case_figure_month made again with these counters (its triggers dropped first: env.py
    installs them again and counts the table from the cases)."""
    _drop_triggers('case_rollup')
    op.drop_table('case_figure_month')
    _counts_table('case_figure_month', KEYS, counters)


def _reply_deadlines(bind, case_ids):
    """{case id: the reply deadline} from the histories of these cases."""
    import json

    events = sa.table('case_event', sa.column('id'), sa.column('case_id'), sa.column('step'),
                      sa.column('details'))
    found = {}
    replied = set()
    for start in range(0, len(case_ids), 500):
        chunk = case_ids[start:start + 500]
        rows = bind.execute(
            sa.select(events.c.case_id, events.c.step, events.c.details)
            .where(events.c.case_id.in_(chunk), events.c.step.in_((*DEADLINE_STEPS, 'sign_reply')))
            .order_by(events.c.case_id, events.c.id)
        )
        for case_id, step, details in rows:
            if case_id in replied:
                continue
            if step == 'sign_reply':
                replied.add(case_id)
                continue
            if isinstance(details, str):
                details = json.loads(details)
            day = (details or {}).get('deadline')
            if day:
                found[case_id] = datetime.combine(datetime.strptime(day, '%Y-%m-%d').date(), END_OF_DAY)
    return found


def upgrade():
    op.add_column('petition_case', sa.Column('reply_due_at', sa.DateTime(), nullable=True))
    bind = op.get_bind()
    cases = sa.table('petition_case', sa.column('id'), sa.column('due_at'), sa.column('reply_due_at'),
                     sa.column('replied_at'), sa.column('redo_count'), sa.column('review_count'),
                     sa.column('status'), sa.column('closed_at'), sa.column('closure'))
    bind.execute(cases.update().where(cases.c.due_at.is_not(None)).values(reply_due_at=cases.c.due_at))
    sent_back = bind.execute(sa.select(cases.c.id).where(
        cases.c.replied_at.is_not(None), sa.or_(cases.c.redo_count > 0, cases.c.review_count > 0))).scalars().all()
    for case_id, due in _reply_deadlines(bind, list(sent_back)).items():
        bind.execute(cases.update().where(cases.c.id == case_id).values(reply_due_at=due))
    bind.execute(cases.update().where(cases.c.closed_at.is_not(None), cases.c.status.not_in(('closed', 'merged')))
                 .values(closed_at=None, closure=None))
    # The figures' reply deadlines passing this month (app/reports/rollup.py).
    op.create_index('ix_case_reply_due', 'petition_case', ['reply_due_at', 'received_at'], unique=False)
    _figure_table(COUNTERS_AFTER)
    _counts_table('case_due_month', DUE_KEYS, DUE_COUNTERS)


def downgrade():
    _drop_triggers('case_due_rollup')
    op.drop_table('case_due_month')
    _figure_table(COUNTERS_BEFORE)
    op.drop_index('ix_case_reply_due', table_name='petition_case')
    # Not a batch (SQLite would make the table again, and the history's triggers refer to it).
    op.execute('ALTER TABLE petition_case DROP COLUMN reply_due_at')
