"""users: how many times the account was locked since its last login (growing lock times)

Revision ID: b6f3d0e8a421
Revises: a5e2c9d7f310
Create Date: 2026-12-03 10:00:00

Each lock lasts AUTH_LOCKOUT_MINUTES times 2^(locks since the last login − 1); the count also
tells the user, at their next login, that someone tried their password (app/security/auth.py).
"""
from alembic import op
import sqlalchemy as sa


revision = 'b6f3d0e8a421'
down_revision = 'a5e2c9d7f310'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('ab_user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('lockout_count', sa.Integer(), server_default=sa.text('0'), nullable=False))


def downgrade():
    with op.batch_alter_table('ab_user', schema=None) as batch_op:
        batch_op.drop_column('lockout_count')
