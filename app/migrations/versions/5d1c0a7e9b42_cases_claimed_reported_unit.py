"""cases: the unit an online accusation names, kept until the petition office confirms it

Revision ID: 5d1c0a7e9b42
Revises: b6f3d0e8a421
Create Date: 2026-12-07 05:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5d1c0a7e9b42'
down_revision = 'b6f3d0e8a421'
branch_labels = None
depends_on = None


def upgrade():
    # As 463ead5dea87 did for reported_unit_id: SQLite a plain ADD COLUMN … REFERENCES (a batch
    # rebuild of petition_case would trip the case_event guard triggers); PostgreSQL the column
    # and a named foreign key.
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        columns = {c["name"] for c in sa.inspect(bind).get_columns("petition_case")}
        if "claimed_reported_unit_id" in columns:  # left by a downgrade (see below)
            return
        op.execute("ALTER TABLE petition_case ADD COLUMN claimed_reported_unit_id INTEGER "
                   "CONSTRAINT fk_case_claimed_reported_unit REFERENCES org_unit (id)")
    else:
        op.add_column("petition_case", sa.Column("claimed_reported_unit_id", sa.Integer(), nullable=True))
        op.create_foreign_key("fk_case_claimed_reported_unit", "petition_case", "org_unit",
                              ["claimed_reported_unit_id"], ["id"])


def downgrade():
    if op.get_bind().dialect.name == "sqlite":
        op.execute("UPDATE petition_case SET claimed_reported_unit_id = NULL")
    else:
        op.drop_constraint("fk_case_claimed_reported_unit", "petition_case", type_="foreignkey")
        op.drop_column("petition_case", "claimed_reported_unit_id")
