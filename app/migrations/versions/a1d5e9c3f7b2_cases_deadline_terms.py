"""cases: the period each reply and review deadline comes from (app.core.calendar.Term)

An extension or a pause lengthens the period, which then rolls past rest days once; holidays
entered later recompute the deadline from it. Rows written before have none: their deadline
stands for itself.

Revision ID: a1d5e9c3f7b2
Revises: 5d1c0a7e9b42
Create Date: 2026-12-10 10:00:00

"""
import sqlalchemy as sa
from alembic import op


revision = 'a1d5e9c3f7b2'
down_revision = '5d1c0a7e9b42'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('petition_case', sa.Column('due_term', sa.JSON(none_as_null=True), nullable=True))
    op.add_column('case_review', sa.Column('due_term', sa.JSON(none_as_null=True), nullable=True))


def downgrade():
    # SQLite's own DROP COLUMN (3.35+): a batch rebuild of petition_case would trip the
    # case_event triggers that name it (workflow migration).
    op.execute('ALTER TABLE case_review DROP COLUMN due_term')
    op.execute('ALTER TABLE petition_case DROP COLUMN due_term')
