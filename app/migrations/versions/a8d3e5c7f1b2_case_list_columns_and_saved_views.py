"""case list: the columns each user chose, and saved views (filters and sort)

Revision ID: a8d3e5c7f1b2
Revises: b7d3e1a9c4f2
Create Date: 2026-12-07 03:10:00

"""
import sqlalchemy as sa
from alembic import op

revision = 'a8d3e5c7f1b2'
down_revision = "b7d3e1a9c4f2"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'list_column_choice',
        sa.Column('user_id', sa.Integer(), sa.ForeignKey('ab_user.id', ondelete='CASCADE'), primary_key=True),
        sa.Column('view', sa.String(length=64), primary_key=True),
        sa.Column('columns', sa.String(length=500), nullable=False),
    )
    op.create_table(
        'saved_list_view',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('view', sa.String(length=64), nullable=False),
        sa.Column('name', sa.String(length=60), nullable=False),
        sa.Column('owner_id', sa.Integer(), sa.ForeignKey('ab_user.id', ondelete='CASCADE'), nullable=False),
        sa.Column('shared_unit_id', sa.Integer(), sa.ForeignKey('org_unit.id', ondelete='CASCADE'), nullable=True),
        sa.Column('query', sa.Text(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.UniqueConstraint('owner_id', 'view', 'name', name='uq_saved_list_view_owner_name'),
    )
    op.create_index('ix_saved_list_view_unit', 'saved_list_view', ['shared_unit_id', 'view'])


def downgrade():
    op.drop_index('ix_saved_list_view_unit', table_name='saved_list_view')
    op.drop_table('saved_list_view')
    op.drop_table('list_column_choice')
