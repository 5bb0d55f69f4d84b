"""cases: indexes for the list filtered by status in its default order, per township and unit

Revision ID: c8e4a7f1d2b9
Revises: f3b9d2e6a1c4
Create Date: 2026-12-02 15:00:00

"""
from alembic import op


revision = 'c8e4a7f1d2b9'
down_revision = 'f3b9d2e6a1c4'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_case_township_status_received', 'petition_case',
                    ['township_id', 'status', 'received_at'], unique=False)
    op.create_index('ix_case_unit_status_received', 'petition_case',
                    ['responsible_unit_id', 'status', 'received_at'], unique=False)


def downgrade():
    op.drop_index('ix_case_unit_status_received', table_name='petition_case')
    op.drop_index('ix_case_township_status_received', table_name='petition_case')
