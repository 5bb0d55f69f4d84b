"""notifications: in-app notifications, preferences, the outbox, message templates; a user's
mobile number; a petitioner's opt-out of text messages

Revision ID: e5b8c1d4f702
Revises: e5f1a9c3b7d2
Create Date: 2026-12-05 10:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = 'e5b8c1d4f702'
down_revision = 'e5f1a9c3b7d2'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'notification',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=32), nullable=False),
        sa.Column('title', sa.String(length=300), nullable=False),
        sa.Column('url', sa.String(length=500), nullable=True),
        sa.Column('record_type', sa.String(length=64), nullable=True),
        sa.Column('record_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('read_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['ab_user.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_notification_user_unread', 'notification', ['user_id', 'read_at'])
    op.create_index('ix_notification_user_created', 'notification', ['user_id', 'created_at'])
    op.create_table(
        'notification_preference',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=32), nullable=False),
        sa.Column('email', sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column('sms', sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['ab_user.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('user_id', 'kind', name='uq_notification_preference_user_kind'),
    )
    op.create_table(
        'outbox_message',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('channel', sa.String(length=8), nullable=False),
        sa.Column('recipient', sa.String(length=200), nullable=False),
        sa.Column('subject', sa.String(length=200), nullable=True),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('template', sa.String(length=48), nullable=True),
        sa.Column('status', sa.String(length=8), server_default=sa.text("'pending'"), nullable=False),
        sa.Column('attempts', sa.Integer(), server_default=sa.text('0'), nullable=False),
        sa.Column('last_error', sa.Text(), nullable=True),
        sa.Column('next_attempt_at', sa.DateTime(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('sent_at', sa.DateTime(), nullable=True),
        sa.Column('backend', sa.String(length=16), nullable=True),
        sa.Column('notification_id', sa.Integer(), nullable=True),
        sa.Column('case_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['notification_id'], ['notification.id'], ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['case_id'], ['petition_case.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_outbox_message_due', 'outbox_message', ['status', 'next_attempt_at'])
    op.create_index('ix_outbox_message_case_id', 'outbox_message', ['case_id'])
    op.create_table(
        'message_template',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('code', sa.String(length=48), nullable=False),
        sa.Column('subject', sa.String(length=200), nullable=True),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('code', name='uq_message_template_code'),
    )
    with op.batch_alter_table('ab_user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('mobile', sa.String(length=20), nullable=True))
    # A plain ADD COLUMN (SQLite: a batch rebuild of petition_case would trip the case_event
    # guard triggers); a downgrade on SQLite leaves the column (see below).
    bind = op.get_bind()
    columns = {c["name"] for c in sa.inspect(bind).get_columns("petition_case")}
    if "sms_opt_out" not in columns:
        op.add_column('petition_case', sa.Column('sms_opt_out', sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade():
    if op.get_bind().dialect.name != "sqlite":
        op.drop_column('petition_case', 'sms_opt_out')
    with op.batch_alter_table('ab_user', schema=None) as batch_op:
        batch_op.drop_column('mobile')
    op.drop_table('message_template')
    op.drop_index('ix_outbox_message_case_id', table_name='outbox_message')
    op.drop_index('ix_outbox_message_due', table_name='outbox_message')
    op.drop_table('outbox_message')
    op.drop_table('notification_preference')
    op.drop_index('ix_notification_user_created', table_name='notification')
    op.drop_index('ix_notification_user_unread', table_name='notification')
    op.drop_table('notification')
