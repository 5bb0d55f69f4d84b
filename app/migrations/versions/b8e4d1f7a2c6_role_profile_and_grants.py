"""security: roles made by administrators — role_profile (built in or not, township, description)
and role_grant (permission group × access level)

Built-in roles get their rows from `flask xf sync-roles` (run after every migration).

Revision ID: b8e4d1f7a2c6
Revises: a8d3f1c6e2b7
Create Date: 2026-12-07 03:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'b8e4d1f7a2c6'
down_revision = "a8d3f1c6e2b7"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'role_profile',
        sa.Column('role_id', sa.Integer(), nullable=False),
        sa.Column('org_unit_id', sa.Integer(), nullable=True),
        sa.Column('built_in', sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column('description', sa.String(length=255), nullable=True),
        sa.ForeignKeyConstraint(['role_id'], ['ab_role.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['org_unit_id'], ['org_unit.id']),
        sa.PrimaryKeyConstraint('role_id'),
    )
    op.create_index('ix_role_profile_org_unit_id', 'role_profile', ['org_unit_id'])
    op.create_table(
        'role_grant',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('role_id', sa.Integer(), nullable=False),
        sa.Column('group', sa.String(length=64), nullable=False),
        sa.Column('level', sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(['role_id'], ['ab_role.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('role_id', 'group', 'level', name='uq_role_grant'),
    )
    op.create_index('ix_role_grant_role_id', 'role_grant', ['role_id'])


def downgrade():
    op.drop_index('ix_role_grant_role_id', table_name='role_grant')
    op.drop_table('role_grant')
    op.drop_index('ix_role_profile_org_unit_id', table_name='role_profile')
    op.drop_table('role_profile')
