"""sweeps: 风险期 (risk_period, risk_period_township) with their sweep cadence

Revision ID: a8d4e2c6f1b7
Revises: f2a7c5e9d1b3
Create Date: 2026-12-07 03:00:00

"""
import sqlalchemy as sa
from alembic import op


revision = 'a8d4e2c6f1b7'
down_revision = 'f2a7c5e9d1b3'
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
        'risk_period',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=100), nullable=False),
        sa.Column('starts_on', sa.Date(), nullable=False),
        sa.Column('ends_on', sa.Date(), nullable=False),
        sa.Column('all_townships', sa.Boolean(), nullable=False),
        sa.Column('frequency', sa.String(length=16), nullable=False),
        sa.Column('due_weekday', sa.String(length=1), nullable=False),
        sa.Column('cutoff', sa.String(length=5), nullable=False),
        sa.Column('subject_id', sa.Integer(), nullable=True),
        sa.Column('origin', sa.String(length=16), nullable=False),
        sa.Column('basis', sa.Text(), nullable=True),
        sa.Column('note', sa.Text(), nullable=True),
        *_stamps(),
        sa.ForeignKeyConstraint(['subject_id'], ['subject.id'], ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['created_by_id'], ['ab_user.id'], ),
        sa.ForeignKeyConstraint(['updated_by_id'], ['ab_user.id'], ),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_risk_period_dates', 'risk_period', ['starts_on', 'ends_on'], unique=False)
    op.create_table(
        'risk_period_township',
        sa.Column('risk_period_id', sa.Integer(), nullable=False),
        sa.Column('org_unit_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['risk_period_id'], ['risk_period.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['org_unit_id'], ['org_unit.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('risk_period_id', 'org_unit_id'),
    )
    op.create_index('ix_risk_period_township_unit', 'risk_period_township', ['org_unit_id'], unique=False)


def downgrade():
    op.drop_index('ix_risk_period_township_unit', table_name='risk_period_township')
    op.drop_table('risk_period_township')
    op.drop_index('ix_risk_period_dates', table_name='risk_period')
    op.drop_table('risk_period')
