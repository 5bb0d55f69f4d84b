"""core: the reference version (app.core.refcache) — process caches of permissions, org choices,
subjects and the deadline policy know when those tables changed

The row and the triggers on the tracked tables are installed by
app.core.refcache.ensure_reference_triggers, which env.py runs after every migration run.

Revision ID: f3b9d2e6a1c4
Revises: a7d3e9c41b20
Create Date: 2026-12-02 14:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'f3b9d2e6a1c4'
down_revision = 'a7d3e9c41b20'
branch_labels = None
depends_on = None

TRACKED = (
    "ab_permission", "ab_view_menu", "ab_permission_view", "ab_permission_view_role",
    "org_unit", "subject", "deadline_rule", "holiday_override",
)


def upgrade():
    op.create_table(
        'reference_version',
        sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('version', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )


def downgrade():
    bind = op.get_bind()
    for table in TRACKED:
        if bind.dialect.name == "sqlite":
            for suffix in ("ai", "au", "ad"):
                op.execute(f"DROP TRIGGER IF EXISTS xf_refver_{table}_{suffix}")
        else:
            op.execute(f"DROP TRIGGER IF EXISTS xf_refver_{table} ON {table}")
    if bind.dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS xf_bump_reference_version()")
    op.drop_table('reference_version')
