"""practices (seed 003): resolution level on cases and ledger entries; agents, sweep misses
(初信初访倒查), consultation meetings, expert opinions, contingency plans

Revision ID: a8d3f1c6e2b7
Revises: b8e4d1a6c2f0
Create Date: 2026-12-07 03:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = 'a8d3f1c6e2b7'
down_revision = "b8e4d1a6c2f0"
branch_labels = None
depends_on = None


def _stamped():
    return [
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.Column('created_by_id', sa.Integer(), sa.ForeignKey('ab_user.id'), nullable=True),
        sa.Column('updated_by_id', sa.Integer(), sa.ForeignKey('ab_user.id'), nullable=True),
        sa.Column('version', sa.Integer(), nullable=False),
    ]


def _case():
    return sa.Column('case_id', sa.Integer(), sa.ForeignKey('petition_case.id', ondelete='CASCADE'), nullable=False)


def upgrade():
    # Plain ADD COLUMN (nullable, no constraint): no batch rebuild, which on SQLite would make the
    # tables again under the history's and the figures' triggers.
    op.add_column('petition_case', sa.Column('resolution_level', sa.String(length=8), nullable=True))
    op.add_column('ledger_entry', sa.Column('resolution_level', sa.String(length=8), nullable=True))
    op.create_table(
        'case_agent',
        sa.Column('id', sa.Integer(), nullable=False),
        _case(),
        sa.Column('name', sa.String(length=50), nullable=False),
        sa.Column('relation', sa.String(length=16), nullable=False),
        sa.Column('phone', sa.String(length=24), nullable=True),
        sa.Column('note', sa.String(length=200), nullable=True),
        *_stamped(),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_case_agent_case', 'case_agent', ['case_id'])
    op.create_table(
        'sweep_miss',
        sa.Column('id', sa.Integer(), nullable=False),
        _case(),
        sa.Column('township_id', sa.Integer(), sa.ForeignKey('org_unit.id'), nullable=False),
        sa.Column('flagged_at', sa.DateTime(), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('ledger_entry_id', sa.Integer(), sa.ForeignKey('ledger_entry.id', ondelete='SET NULL'),
                  nullable=True),
        sa.Column('note', sa.Text(), nullable=True),
        *_stamped(),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('uq_sweep_miss_case', 'sweep_miss', ['case_id'], unique=True)
    op.create_index('ix_sweep_miss_township_flagged', 'sweep_miss', ['township_id', 'flagged_at'])
    op.create_table(
        'consultation_meeting',
        sa.Column('id', sa.Integer(), nullable=False),
        _case(),
        sa.Column('held_on', sa.Date(), nullable=False),
        sa.Column('place', sa.String(length=200), nullable=False),
        sa.Column('participants', sa.Text(), nullable=False),
        sa.Column('opinions', sa.Text(), nullable=False),
        sa.Column('follow_up', sa.Text(), nullable=True),
        *_stamped(),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_consultation_meeting_case', 'consultation_meeting', ['case_id', 'held_on'])
    op.create_table(
        'expert_opinion',
        sa.Column('id', sa.Integer(), nullable=False),
        _case(),
        sa.Column('expert', sa.String(length=100), nullable=False),
        sa.Column('expert_kind', sa.String(length=16), nullable=False),
        sa.Column('given_on', sa.Date(), nullable=False),
        sa.Column('opinion', sa.Text(), nullable=False),
        *_stamped(),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_expert_opinion_case', 'expert_opinion', ['case_id', 'given_on'])
    op.create_table(
        'contingency_plan',
        sa.Column('id', sa.Integer(), nullable=False),
        _case(),
        sa.Column('drawn_up_on', sa.Date(), nullable=False),
        sa.Column('measures', sa.Text(), nullable=False),
        sa.Column('responsible_person', sa.String(length=50), nullable=False),
        *_stamped(),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_contingency_plan_case', 'contingency_plan', ['case_id'])


def downgrade():
    for table, index in (('contingency_plan', 'ix_contingency_plan_case'),
                         ('expert_opinion', 'ix_expert_opinion_case'),
                         ('consultation_meeting', 'ix_consultation_meeting_case'),
                         ('case_agent', 'ix_case_agent_case')):
        op.drop_index(index, table_name=table)
        op.drop_table(table)
    op.drop_index('ix_sweep_miss_township_flagged', table_name='sweep_miss')
    op.drop_index('uq_sweep_miss_case', table_name='sweep_miss')
    op.drop_table('sweep_miss')
    # Not a batch (see upgrade); SQLite ≥ 3.35 and PostgreSQL drop a plain column in place.
    op.execute('ALTER TABLE ledger_entry DROP COLUMN resolution_level')
    op.execute('ALTER TABLE petition_case DROP COLUMN resolution_level')
