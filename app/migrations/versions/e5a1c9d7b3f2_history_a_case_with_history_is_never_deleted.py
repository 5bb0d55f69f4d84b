"""history: a case with history is never deleted; its events never are either

Until now the history guard (workflow migration d4b04414255e) let case_event rows go once their
case was gone, so deleting the case row first erased its history. A registered case is voided
(作废, a workflow step with its reason in the history), never deleted: the database refuses to
delete a case that has events, and the events' guard no longer makes an exception.

Revision ID: e5a1c9d7b3f2
Revises: c3f8a6d2e4b1
Create Date: 2026-12-03 10:00:00

"""
from alembic import op


revision = 'e5a1c9d7b3f2'
down_revision = 'c3f8a6d2e4b1'
branch_labels = None
depends_on = None

_KEEP = "a registered case is never deleted: void it (its history must stay)"
_APPEND_ONLY = "case history is append-only"


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"""
            CREATE FUNCTION petition_case_keeps_history() RETURNS trigger AS $$
            BEGIN
              IF EXISTS (SELECT 1 FROM case_event WHERE case_id = OLD.id) THEN
                RAISE EXCEPTION '{_KEEP}';
              END IF;
              RETURN OLD;
            END $$ LANGUAGE plpgsql
        """)
        op.execute("""
            CREATE TRIGGER petition_case_keeps_history BEFORE DELETE ON petition_case
            FOR EACH ROW EXECUTE FUNCTION petition_case_keeps_history()
        """)
        # The events' guard: no exception for a deleted case any more (same function name, so
        # the UPDATE/DELETE and TRUNCATE triggers keep calling it).
        op.execute(f"""
            CREATE OR REPLACE FUNCTION case_event_append_only() RETURNS trigger AS $$
            BEGIN
              RAISE EXCEPTION '{_APPEND_ONLY}';
            END $$ LANGUAGE plpgsql
        """)
    else:
        op.execute(f"""
            CREATE TRIGGER petition_case_keeps_history BEFORE DELETE ON petition_case
            WHEN EXISTS (SELECT 1 FROM case_event WHERE case_id = OLD.id)
            BEGIN SELECT RAISE(ABORT, '{_KEEP}'); END
        """)
        op.execute("DROP TRIGGER IF EXISTS case_event_no_delete")
        op.execute(f"""
            CREATE TRIGGER case_event_no_delete BEFORE DELETE ON case_event
            BEGIN SELECT RAISE(ABORT, '{_APPEND_ONLY}'); END
        """)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS petition_case_keeps_history ON petition_case")
        op.execute("DROP FUNCTION IF EXISTS petition_case_keeps_history()")
        op.execute(f"""
            CREATE OR REPLACE FUNCTION case_event_append_only() RETURNS trigger AS $$
            BEGIN
              IF TG_OP = 'DELETE' THEN
                IF NOT EXISTS (SELECT 1 FROM petition_case WHERE id = OLD.case_id) THEN
                  RETURN OLD;
                END IF;
              END IF;
              RAISE EXCEPTION '{_APPEND_ONLY}';
            END $$ LANGUAGE plpgsql
        """)
    else:
        op.execute("DROP TRIGGER IF EXISTS petition_case_keeps_history")
        op.execute("DROP TRIGGER IF EXISTS case_event_no_delete")
        op.execute(f"""
            CREATE TRIGGER case_event_no_delete BEFORE DELETE ON case_event
            WHEN EXISTS (SELECT 1 FROM petition_case WHERE id = OLD.case_id)
            BEGIN SELECT RAISE(ABORT, '{_APPEND_ONLY}'); END
        """)
