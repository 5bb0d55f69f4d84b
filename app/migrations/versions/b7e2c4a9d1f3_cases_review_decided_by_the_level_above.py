"""cases: who decides each 复查/复核 — the level above the body that answered (Art. 35–36)

Reviews requested before have neither column set and stay decidable by any leader of the area.

Revision ID: b7e2c4a9d1f3
Revises: a1d5e9c3f7b2
Create Date: 2026-12-10 11:00:00

"""
import sqlalchemy as sa
from alembic import op


revision = 'b7e2c4a9d1f3'
down_revision = 'a1d5e9c3f7b2'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('case_review', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reviewer_unit_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('reviewer_above_county', sa.Boolean(),
                                      server_default=sa.false(), nullable=False))
        batch_op.create_foreign_key('fk_case_review_reviewer_unit', 'org_unit',
                                    ['reviewer_unit_id'], ['id'])


def downgrade():
    with op.batch_alter_table('case_review', schema=None) as batch_op:
        batch_op.drop_constraint('fk_case_review_reviewer_unit', type_='foreignkey')
        batch_op.drop_column('reviewer_above_county')
        batch_op.drop_column('reviewer_unit_id')
