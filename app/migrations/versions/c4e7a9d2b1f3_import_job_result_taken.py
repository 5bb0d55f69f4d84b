"""imports: import_job.result_taken_at — when the uploader took an import's one-time result
(the initial passwords of imported users); it is not offered again

Revision ID: c4e7a9d2b1f3
Revises: b8e4d1f7a2c6
Create Date: 2026-12-07 07:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'c4e7a9d2b1f3'
down_revision = 'b8e4d1f7a2c6'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('import_job') as batch_op:
        batch_op.add_column(sa.Column('result_taken_at', sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table('import_job') as batch_op:
        batch_op.drop_column('result_taken_at')
