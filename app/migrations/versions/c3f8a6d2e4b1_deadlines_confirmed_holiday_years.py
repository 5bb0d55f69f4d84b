"""deadlines: years whose holiday list the administrator has confirmed (no longer 待核)

Its rows feed the process caches of the deadline policy: app.core.refcache lists the table,
and env.py installs its triggers after this migration runs.

Revision ID: c3f8a6d2e4b1
Revises: b7e2c4a9d1f3
Create Date: 2026-12-10 12:00:00

"""
import sqlalchemy as sa
from alembic import op


revision = 'c3f8a6d2e4b1'
down_revision = 'b7e2c4a9d1f3'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'holiday_year',
        sa.Column('year', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('confirmed_at', sa.DateTime(), nullable=False),
        sa.Column('confirmed_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['confirmed_by_id'], ['ab_user.id'], name='fk_holiday_year_confirmed_by'),
        sa.PrimaryKeyConstraint('year'),
    )


def downgrade():
    op.drop_table('holiday_year')
