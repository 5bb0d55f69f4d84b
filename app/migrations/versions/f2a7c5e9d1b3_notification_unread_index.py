"""notification: the unread index also orders by time (the unread list newest first)

Revision ID: f2a7c5e9d1b3
Revises: c4e8a1f3d9b6
Create Date: 2026-12-07 01:30:00

"""
from alembic import op

revision = 'f2a7c5e9d1b3'
down_revision = 'c4e8a1f3d9b6'
branch_labels = None
depends_on = None


def upgrade():
    op.drop_index('ix_notification_user_unread', table_name='notification')
    op.create_index('ix_notification_user_unread', 'notification', ['user_id', 'read_at', 'created_at'])


def downgrade():
    op.drop_index('ix_notification_user_unread', table_name='notification')
    op.create_index('ix_notification_user_unread', 'notification', ['user_id', 'read_at'])
