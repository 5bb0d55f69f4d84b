"""worker: job leases, the run log, reminders sent; import jobs claimed by a worker

Revision ID: b7d3e9a2c5f1
Revises: e5b8c1d4f702
Create Date: 2026-12-03 10:00:00

"""
import sqlalchemy as sa
from alembic import op


revision = 'b7d3e9a2c5f1'
down_revision = 'e5b8c1d4f702'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'job_lease',
        sa.Column('name', sa.String(length=40), nullable=False),
        sa.Column('holder', sa.String(length=100), nullable=False),
        sa.Column('expires_at', sa.DateTime(), nullable=False),
        sa.Column('slot_at', sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint('name'),
    )
    op.create_table(
        'job_run',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=40), nullable=False),
        sa.Column('slot_at', sa.DateTime(), nullable=False),
        sa.Column('holder', sa.String(length=100), nullable=False),
        sa.Column('started_at', sa.DateTime(), nullable=False),
        sa.Column('finished_at', sa.DateTime(), nullable=True),
        sa.Column('outcome', sa.String(length=16), nullable=False),
        sa.Column('detail', sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_job_run_name_slot', 'job_run', ['name', 'slot_at'], unique=False)
    op.create_table(
        'reminder_sent',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('subject', sa.String(length=16), nullable=False),
        sa.Column('subject_id', sa.Integer(), nullable=False),
        sa.Column('stage', sa.String(length=24), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('due_on', sa.Date(), nullable=False),
        sa.Column('sent_at', sa.DateTime(), nullable=False),
        sa.Column('recipients', sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('subject', 'subject_id', 'stage', 'kind', 'due_on', name='uq_reminder_sent'),
    )
    with op.batch_alter_table('import_job') as batch:
        batch.add_column(sa.Column('worker', sa.String(length=100), nullable=True))
        batch.add_column(sa.Column('attempts', sa.Integer(), nullable=False, server_default='0'))


def downgrade():
    with op.batch_alter_table('import_job') as batch:
        batch.drop_column('attempts')
        batch.drop_column('worker')
    op.drop_table('reminder_sent')
    op.drop_index('ix_job_run_name_slot', table_name='job_run')
    op.drop_table('job_run')
    op.drop_table('job_lease')
