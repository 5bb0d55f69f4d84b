"""duty: the 24-hour duty roster (duty_shift) and the duty log (duty_log_entry)

Revision ID: 057af2706d44
Revises: b7d3e9a2c5f1
Create Date: 2026-12-07 00:30:00

"""
import sqlalchemy as sa
from alembic import op


revision = '057af2706d44'
down_revision = 'b7d3e9a2c5f1'
branch_labels = None
depends_on = None


def _stamps():
    return [
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('updated_by_id', sa.Integer(), nullable=True),
        sa.Column('version', sa.Integer(), nullable=False),
    ]


def upgrade():
    op.create_table(
        'duty_shift',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('org_unit_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('person_name', sa.String(length=50), nullable=True),
        sa.Column('phone', sa.String(length=24), nullable=False),
        sa.Column('starts_at', sa.DateTime(), nullable=False),
        sa.Column('ends_at', sa.DateTime(), nullable=False),
        sa.Column('note', sa.String(length=200), nullable=True),
        *_stamps(),
        sa.ForeignKeyConstraint(['org_unit_id'], ['org_unit.id'], ),
        sa.ForeignKeyConstraint(['user_id'], ['ab_user.id'], ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['created_by_id'], ['ab_user.id'], ),
        sa.ForeignKeyConstraint(['updated_by_id'], ['ab_user.id'], ),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_duty_shift_unit_start', 'duty_shift', ['org_unit_id', 'starts_at'], unique=False)
    op.create_index('ix_duty_shift_end', 'duty_shift', ['ends_at'], unique=False)
    op.create_table(
        'duty_log_entry',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('org_unit_id', sa.Integer(), nullable=False),
        sa.Column('shift_id', sa.Integer(), nullable=True),
        sa.Column('received_at', sa.DateTime(), nullable=False),
        sa.Column('caller', sa.String(length=50), nullable=True),
        sa.Column('phone', sa.String(length=24), nullable=True),
        sa.Column('summary', sa.Text(), nullable=False),
        sa.Column('action_taken', sa.Text(), nullable=True),
        sa.Column('case_id', sa.Integer(), nullable=True),
        *_stamps(),
        sa.ForeignKeyConstraint(['org_unit_id'], ['org_unit.id'], ),
        sa.ForeignKeyConstraint(['shift_id'], ['duty_shift.id'], ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['case_id'], ['petition_case.id'], ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['created_by_id'], ['ab_user.id'], ),
        sa.ForeignKeyConstraint(['updated_by_id'], ['ab_user.id'], ),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_duty_log_entry_unit_time', 'duty_log_entry', ['org_unit_id', 'received_at'], unique=False)
    op.create_index('ix_duty_log_entry_case', 'duty_log_entry', ['case_id'], unique=False)
    op.create_index('ix_duty_log_entry_shift', 'duty_log_entry', ['shift_id'], unique=False)


def downgrade():
    op.drop_table('duty_log_entry')
    op.drop_table('duty_shift')
