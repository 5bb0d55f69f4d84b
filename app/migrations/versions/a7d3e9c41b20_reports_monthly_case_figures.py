"""reports: monthly case figures and status counts kept by triggers; indexes for deadlines

The table's triggers are generated from the figure definitions and installed (and the table
filled) by app.reports.rollup.ensure_case_rollup, which env.py runs after every migration run.

Revision ID: a7d3e9c41b20
Revises: 463ead5dea87
Create Date: 2026-12-02 08:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'a7d3e9c41b20'
down_revision = '463ead5dea87'
branch_labels = None
depends_on = None

KEYS = ("month", "township_id", "unit_id", "category", "reported_unit_id", "due_month")
COUNTERS = (
    "volume_n", "reply_rate_n", "reply_rate_d", "closure_rate_n", "closure_rate_d",
    "on_time_acceptance_n", "on_time_acceptance_d", "on_time_completion_n", "on_time_completion_d",
    "first_time_rate_n", "first_time_rate_d", "satisfaction_rate_n", "satisfaction_rate_d",
    "participation_rate_n", "participation_rate_d", "repeat_rate_n", "repeat_rate_d",
    "skip_level_rate_n", "skip_level_rate_d", "collective_count_n",
    "sat_satisfied", "sat_basically", "sat_unsatisfied", "sat_not_rated", "on_time_completion_p",
)


# Queue and deadline indexes gain the columns their counts also test (reported-on unit, mailbox).
WIDER = {
    'ix_case_township_status_due': (['township_id', 'status', 'next_due_at'],
                                    ['township_id', 'status', 'next_due_at', 'reported_unit_id', 'mailbox']),
    'ix_case_unit_status_due': (['responsible_unit_id', 'status', 'next_due_at'],
                                ['responsible_unit_id', 'status', 'next_due_at', 'reported_unit_id']),
    'ix_case_due_status': (['next_due_at', 'status'], ['next_due_at', 'status', 'reported_unit_id']),
}


def upgrade():
    for name, (_before, after) in WIDER.items():
        op.drop_index(name, table_name='petition_case')
        op.create_index(name, 'petition_case', after, unique=False)
    op.create_table(
        'case_figure_month',
        *(sa.Column(name, sa.String(16) if name == 'category' else sa.Integer(), autoincrement=False,
                    nullable=False) for name in KEYS),
        *(sa.Column(name, sa.Integer(), server_default='0', nullable=False) for name in COUNTERS),
        sa.PrimaryKeyConstraint(*KEYS),
    )
    op.create_table(
        'case_status_count',
        sa.Column('township_id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('unit_id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('reported_unit_id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('status', sa.String(16), nullable=False),
        sa.Column('cases', sa.Integer(), server_default='0', nullable=False),
        sa.PrimaryKeyConstraint('township_id', 'unit_id', 'reported_unit_id', 'status'),
    )
    op.create_index('ix_case_open_due', 'petition_case', ['due_at'], unique=False,
                    sqlite_where=sa.text('closed_at IS NULL'), postgresql_where=sa.text('closed_at IS NULL'))


def downgrade():
    bind = op.get_bind()
    for trigger in ('case_rollup', 'case_status_rollup'):
        if bind.dialect.name == 'postgresql':
            op.execute(f'DROP TRIGGER IF EXISTS {trigger} ON petition_case')
            op.execute(f'DROP FUNCTION IF EXISTS {trigger}_apply()')
        else:
            for suffix in ('ai', 'ad', 'au'):
                op.execute(f'DROP TRIGGER IF EXISTS {trigger}_{suffix}')
    op.drop_index('ix_case_open_due', table_name='petition_case')
    for name, (before, _after) in WIDER.items():
        op.drop_index(name, table_name='petition_case')
        op.create_index(name, 'petition_case', before, unique=False)
    op.drop_table('case_status_count')
    op.drop_table('case_figure_month')
