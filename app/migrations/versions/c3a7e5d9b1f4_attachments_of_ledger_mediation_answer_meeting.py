"""attachments: files kept with ledger entries, mediation records, 督办 answers and joint meetings
(one table per owner kind, the columns of case_attachment)

Revision ID: c3a7e5d9b1f4
Revises: c4a7e2d9f1b3
Create Date: 2026-12-07 07:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'c3a7e5d9b1f4'
down_revision = "c4a7e2d9f1b3"
branch_labels = None
depends_on = None

# table → (owner column, owner table)
OWNERS = {
    'ledger_entry_attachment': ('entry_id', 'ledger_entry'),
    'mediation_record_attachment': ('record_id', 'mediation_record'),
    'supervision_answer_attachment': ('answer_id', 'supervision_order_answer'),
    'joint_meeting_attachment': ('meeting_id', 'joint_meeting'),
}


def upgrade():
    for table, (column, owner) in OWNERS.items():
        op.create_table(
            table,
            sa.Column('id', sa.Integer(), nullable=False),
            sa.Column(column, sa.Integer(), nullable=False),
            sa.Column('original_name', sa.String(length=255), nullable=False),
            sa.Column('stored_name', sa.String(length=64), nullable=False),
            sa.Column('content_type', sa.String(length=100), nullable=False),
            sa.Column('size', sa.Integer(), nullable=False),
            sa.Column('sha256', sa.String(length=64), nullable=False),
            sa.Column('description', sa.String(length=200), nullable=True),
            sa.Column('created_at', sa.DateTime(), nullable=False),
            sa.Column('updated_at', sa.DateTime(), nullable=False),
            sa.Column('created_by_id', sa.Integer(), nullable=True),
            sa.Column('updated_by_id', sa.Integer(), nullable=True),
            sa.ForeignKeyConstraint([column], [f'{owner}.id'], ondelete='CASCADE'),
            sa.ForeignKeyConstraint(['created_by_id'], ['ab_user.id']),
            sa.ForeignKeyConstraint(['updated_by_id'], ['ab_user.id']),
            sa.PrimaryKeyConstraint('id'),
        )
        op.create_index(f'ix_{table}_{column}', table, [column], unique=False)
        op.create_index(f'uq_{table}_stored_name', table, ['stored_name'], unique=True)


def downgrade():
    for table, (column, _owner) in OWNERS.items():
        op.drop_index(f'uq_{table}_stored_name', table_name=table)
        op.drop_index(f'ix_{table}_{column}', table_name=table)
        op.drop_table(table)
