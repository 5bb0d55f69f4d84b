"""fund: the hard-case fund (信访积案化解专项资金): yearly funds, applications, disbursements

Revision ID: dd6c8e29d129
Revises: 057af2706d44
Create Date: 2026-12-07 00:30:00

"""
import sqlalchemy as sa
from alembic import op


revision = 'dd6c8e29d129'
down_revision = '057af2706d44'
branch_labels = None
depends_on = None


def _stamped():
    return [
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.Column('created_by_id', sa.Integer(), sa.ForeignKey('ab_user.id'), nullable=True),
        sa.Column('updated_by_id', sa.Integer(), sa.ForeignKey('ab_user.id'), nullable=True),
        sa.Column('version', sa.Integer(), nullable=False),
    ]


def upgrade():
    op.create_table(
        'hardcase_fund',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('county_id', sa.Integer(), sa.ForeignKey('org_unit.id'), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('total', sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column('note', sa.Text(), nullable=True),
        *_stamped(),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('county_id', 'year', name='uq_hardcase_fund_year'),
    )
    op.create_table(
        'hardcase_fund_application',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('fund_id', sa.Integer(), sa.ForeignKey('hardcase_fund.id'), nullable=False),
        sa.Column('case_id', sa.Integer(), sa.ForeignKey('petition_case.id'), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('amount', sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('applied_on', sa.Date(), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('decided_by_id', sa.Integer(), sa.ForeignKey('ab_user.id'), nullable=True),
        sa.Column('decided_at', sa.DateTime(), nullable=True),
        sa.Column('opinion', sa.Text(), nullable=True),
        *_stamped(),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_hardcase_fund_application_case', 'hardcase_fund_application', ['case_id', 'status'])
    op.create_index('ix_hardcase_fund_application_fund', 'hardcase_fund_application', ['fund_id', 'status'])
    op.create_table(
        'hardcase_fund_disbursement',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('application_id', sa.Integer(), sa.ForeignKey('hardcase_fund_application.id'), nullable=False),
        sa.Column('amount', sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column('paid_on', sa.Date(), nullable=False),
        sa.Column('recipient', sa.String(length=100), nullable=False),
        sa.Column('purpose', sa.String(length=300), nullable=False),
        *_stamped(),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_hardcase_fund_disbursement_application', 'hardcase_fund_disbursement', ['application_id'])


def downgrade():
    op.drop_index('ix_hardcase_fund_disbursement_application', table_name='hardcase_fund_disbursement')
    op.drop_table('hardcase_fund_disbursement')
    op.drop_index('ix_hardcase_fund_application_fund', table_name='hardcase_fund_application')
    op.drop_index('ix_hardcase_fund_application_case', table_name='hardcase_fund_application')
    op.drop_table('hardcase_fund_application')
    op.drop_table('hardcase_fund')
