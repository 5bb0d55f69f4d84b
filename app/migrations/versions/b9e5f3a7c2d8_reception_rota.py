"""leaders: the reception rota (reception_rota, reception_rota_leader) and the slots it generates

Revision ID: b9e5f3a7c2d8
Revises: a8d4e2c6f1b7
Create Date: 2026-12-07 03:30:00

"""
import sqlalchemy as sa
from alembic import op


revision = 'b9e5f3a7c2d8'
down_revision = 'a8d4e2c6f1b7'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'reception_rota',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=100), nullable=False),
        sa.Column('place', sa.String(length=100), nullable=False),
        sa.Column('start_time', sa.String(length=5), nullable=False),
        sa.Column('end_time', sa.String(length=5), nullable=False),
        sa.Column('subjects', sa.String(length=200), nullable=True),
        sa.Column('starts_on', sa.Date(), nullable=False),
        sa.Column('ends_on', sa.Date(), nullable=True),
        sa.Column('working_days_only', sa.Boolean(), nullable=False),
        sa.Column('weekdays', sa.String(length=20), nullable=False),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('updated_by_id', sa.Integer(), nullable=True),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['created_by_id'], ['ab_user.id'], ),
        sa.ForeignKeyConstraint(['updated_by_id'], ['ab_user.id'], ),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_table(
        'reception_rota_leader',
        sa.Column('rota_id', sa.Integer(), nullable=False),
        sa.Column('leader_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['rota_id'], ['reception_rota.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['leader_id'], ['leader.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('rota_id', 'leader_id'),
    )
    op.create_index('ix_reception_rota_leader_leader', 'reception_rota_leader', ['leader_id'], unique=False)
    with op.batch_alter_table('reception_slot') as batch:
        batch.add_column(sa.Column('rota_id', sa.Integer(), nullable=True))
        batch.create_foreign_key('fk_reception_slot_rota', 'reception_rota', ['rota_id'], ['id'], ondelete='SET NULL')


def downgrade():
    with op.batch_alter_table('reception_slot') as batch:
        batch.drop_constraint('fk_reception_slot_rota', type_='foreignkey')
        batch.drop_column('rota_id')
    op.drop_index('ix_reception_rota_leader_leader', table_name='reception_rota_leader')
    op.drop_table('reception_rota_leader')
    op.drop_table('reception_rota')
