"""users: e-mail optional (NULL when a user has none; still unique)

Revision ID: c4e8a1f3d9b6
Revises: dd6c8e29d129
Create Date: 2026-12-07 00:45:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'c4e8a1f3d9b6'
down_revision = 'dd6c8e29d129'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('ab_user', schema=None) as batch_op:
        batch_op.alter_column('email', existing_type=sa.String(length=320), nullable=True)


def downgrade():
    # Users without an e-mail get a unique placeholder so the column can be NOT NULL again.
    op.execute("UPDATE ab_user SET email = username || '@no-email.invalid' WHERE email IS NULL")
    with op.batch_alter_table('ab_user', schema=None) as batch_op:
        batch_op.alter_column('email', existing_type=sa.String(length=320), nullable=False)
