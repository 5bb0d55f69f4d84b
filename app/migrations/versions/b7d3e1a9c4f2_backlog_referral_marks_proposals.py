"""积案 / 上级交办 marks on cases (交办机关, 交办文号, 交办期限); 四联四包 holding proposals; meeting
types; problems solved by receptions and visits (下访)

Revision ID: b7d3e1a9c4f2
Revises: b9e5f3a7c2d8
Create Date: 2026-12-07 03:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = 'b7d3e1a9c4f2'
down_revision = "b9e5f3a7c2d8"
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
    op.create_table(
        'leader_holding_proposal',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('leader_id', sa.Integer(), nullable=False),
        sa.Column('note', sa.Text(), nullable=True),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('holding_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('updated_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['case_id'], ['petition_case.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['leader_id'], ['leader.id']),
        sa.ForeignKeyConstraint(['holding_id'], ['leader_holding.id'], ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['created_by_id'], ['ab_user.id']),
        sa.ForeignKeyConstraint(['updated_by_id'], ['ab_user.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_leader_holding_proposal_case', 'leader_holding_proposal', ['case_id', 'status'])
    op.create_index('ix_leader_holding_proposal_leader', 'leader_holding_proposal', ['leader_id', 'status'])
    op.add_column('joint_meeting', sa.Column('kind', sa.String(length=16), nullable=False, server_default='joint'))
    op.add_column('reception', sa.Column('problems_solved', sa.Integer(), nullable=False, server_default=sa.text('0')))


def downgrade():
    with op.batch_alter_table('reception') as batch:
        batch.drop_column('problems_solved')
    with op.batch_alter_table('joint_meeting') as batch:
        batch.drop_column('kind')
    op.drop_index('ix_leader_holding_proposal_leader', table_name='leader_holding_proposal')
    op.drop_index('ix_leader_holding_proposal_case', table_name='leader_holding_proposal')
    op.drop_table('leader_holding_proposal')
    op.drop_index('ix_case_referred', table_name='petition_case')
    op.drop_index('ix_case_backlog', table_name='petition_case')
    with op.batch_alter_table('petition_case') as batch:
        for column in ('referral_due', 'referral_number', 'referred_by', 'is_referred', 'is_backlog'):
            batch.drop_column(column)
