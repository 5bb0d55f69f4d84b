"""cases: one partial index for "redone or transferred more than 3 times in all"

The supervision watch (sum > 3, its own index) and the 督查督办 report (either count > 3, another
index) read two different rules; both now read `Case.reworked_often` and this one index.

Revision ID: a1d5e9c3b7f2
Revises: c8e4a7f1d2b9
Create Date: 2026-12-06 21:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = 'a1d5e9c3b7f2'
down_revision = 'c8e4a7f1d2b9'
branch_labels = None
depends_on = None

PREDICATE = "redo_count + transfer_count > 3"


def upgrade():
    op.drop_index('ix_case_needs_supervision', table_name='petition_case')
    op.drop_index('ix_case_repeatedly_returned', table_name='petition_case')
    op.create_index('ix_case_reworked_often', 'petition_case', ['township_id', 'status'], unique=False,
                    sqlite_where=sa.text(PREDICATE), postgresql_where=sa.text(PREDICATE))


def downgrade():
    op.drop_index('ix_case_reworked_often', table_name='petition_case')
    op.create_index('ix_case_repeatedly_returned', 'petition_case', ['id'], unique=False,
                    sqlite_where=sa.text("redo_count > 3 OR transfer_count > 3"),
                    postgresql_where=sa.text("redo_count > 3 OR transfer_count > 3"))
    op.create_index('ix_case_needs_supervision', 'petition_case', ['township_id', 'status'], unique=False,
                    sqlite_where=sa.text(PREDICATE), postgresql_where=sa.text(PREDICATE))
