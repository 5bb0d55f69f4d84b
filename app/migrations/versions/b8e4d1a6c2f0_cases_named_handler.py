"""cases: the named handler (首办责任人) inside the responsible unit; 当场办结 (a matter answered
and closed at the window) and the subjects where a clerk may close it without a leader; 点名交办
(a leader named by the 批示 signs the reply, or the person they delegate to)

Revision ID: b8e4d1a6c2f0
Revises: a8d3e5c7f1b2
Create Date: 2026-12-07 03:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'b8e4d1a6c2f0'
down_revision = "a8d3e5c7f1b2"
branch_labels = None
depends_on = None


def _add_user_column(bind, name: str, constraint: str) -> None:
    # As 5d1c0a7e9b42: SQLite a plain ADD COLUMN … REFERENCES (a batch rebuild of petition_case
    # would trip the case_event guard triggers); PostgreSQL the column and a named foreign key.
    if bind.dialect.name == "sqlite":
        columns = {c["name"] for c in sa.inspect(bind).get_columns("petition_case")}
        if name in columns:  # left by a downgrade (see below)
            return
        op.execute(f"ALTER TABLE petition_case ADD COLUMN {name} INTEGER "
                   f"CONSTRAINT {constraint} REFERENCES ab_user (id)")
    else:
        op.add_column("petition_case", sa.Column(name, sa.Integer(), nullable=True))
        op.create_foreign_key(constraint, "petition_case", "ab_user", [name], ["id"])


def _drop_user_column(bind, name: str, constraint: str) -> None:
    if bind.dialect.name == "sqlite":
        op.execute(f"UPDATE petition_case SET {name} = NULL")
    else:
        op.drop_constraint(constraint, "petition_case", type_="foreignkey")
        op.drop_column("petition_case", name)


def upgrade():
    bind = op.get_bind()
    _add_user_column(bind, "handler_id", "fk_case_handler")
    _add_user_column(bind, "reply_delegate_id", "fk_case_reply_delegate")
    # 我的信访件: a handler's open cases, soonest deadline first.
    op.create_index("ix_case_handler_status_due", "petition_case", ["handler_id", "status", "next_due_at"])
    # Plain ADD COLUMN with a server default: no table rebuild on SQLite (where a downgrade
    # leaves the columns in place, see below).
    existing = {c["name"] for c in sa.inspect(bind).get_columns("petition_case")}
    for name in ("on_the_spot", "leader_named"):
        if name not in existing:
            op.add_column("petition_case", sa.Column(name, sa.Boolean(), nullable=False,
                                                     server_default=sa.false()))
    op.add_column("subject", sa.Column("on_the_spot_allowed", sa.Boolean(), nullable=False,
                                       server_default=sa.false()))


def downgrade():
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        op.execute("UPDATE petition_case SET on_the_spot = 0, leader_named = 0")
    else:
        op.drop_column("petition_case", "on_the_spot")
        op.drop_column("petition_case", "leader_named")
    with op.batch_alter_table("subject") as batch_op:
        batch_op.drop_column("on_the_spot_allowed")
    op.drop_index("ix_case_handler_status_due", table_name="petition_case")
    _drop_user_column(bind, "handler_id", "fk_case_handler")
    _drop_user_column(bind, "reply_delegate_id", "fk_case_reply_delegate")
