"""users: a session epoch, so that every session of a user can be ended at once

Revision ID: a5e2c9d7f310
Revises: 9c1f4b7e2a60
Create Date: 2026-12-03 09:00:00

Every browser session and access token carries the epoch its user had when it was issued;
logout, a password change, deactivation, a role change and an administrator's "sign out
everywhere" raise it, and older sessions stop working (app/core/sessions.py).
"""
from alembic import op
import sqlalchemy as sa


revision = 'a5e2c9d7f310'
down_revision = '9c1f4b7e2a60'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('ab_user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_epoch', sa.Integer(), server_default=sa.text('0'), nullable=False))


def downgrade():
    with op.batch_alter_table('ab_user', schema=None) as batch_op:
        batch_op.drop_column('session_epoch')
