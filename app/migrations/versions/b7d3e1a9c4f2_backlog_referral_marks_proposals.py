"""积案 / 上级交办 marks on cases (交办机关, 交办文号, 交办期限)

Revision ID: b7d3e1a9c4f2
Revises: f2a7c5e9d1b3
Create Date: 2026-12-07 03:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = 'b7d3e1a9c4f2'
down_revision = 'f2a7c5e9d1b3'
branch_labels = None
depends_on = None


def upgrade():
    # Plain ADD COLUMNs (no table rebuild on SQLite: the case triggers stay as they are).
    op.add_column('petition_case', sa.Column('is_backlog', sa.Boolean(), nullable=False, server_default=sa.false()))
    op.add_column('petition_case', sa.Column('is_referred', sa.Boolean(), nullable=False, server_default=sa.false()))
    op.add_column('petition_case', sa.Column('referred_by', sa.String(length=100), nullable=True))
    op.add_column('petition_case', sa.Column('referral_number', sa.String(length=50), nullable=True))
    op.add_column('petition_case', sa.Column('referral_due', sa.Date(), nullable=True))
    op.create_index('ix_case_backlog', 'petition_case', ['is_backlog', 'status'])
    op.create_index('ix_case_referred', 'petition_case', ['is_referred', 'referral_due'])


def downgrade():
    op.drop_index('ix_case_referred', table_name='petition_case')
    op.drop_index('ix_case_backlog', table_name='petition_case')
    with op.batch_alter_table('petition_case') as batch:
        for column in ('referral_due', 'referral_number', 'referred_by', 'is_referred', 'is_backlog'):
            batch.drop_column(column)
