"""knowledge: policy_document (政策法规), policy_answer (政策问答), reply_template (答复模板),
with keyword indexes over the documents' and answers' texts (FTS5 trigram / pg_trgm);
roles made in the role editor that hold grants on "cases" get the same on "practices" (a case's
agents, meetings, opinions and plans had been under "cases" until they got a group of their own)

Revision ID: c4a7e2d9f1b3
Revises: c4e7a9d2b1f3
Create Date: 2026-12-07 08:00:00

"""
import sqlalchemy as sa
from alembic import op

from app.core.search import drop_text_search, ensure_text_search

revision = "c4a7e2d9f1b3"
down_revision = "c4e7a9d2b1f3"
branch_labels = None
depends_on = None

KNOWLEDGE_TABLES = ("policy_document", "policy_answer")


def _stamps():
    return [
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), sa.ForeignKey("ab_user.id"), nullable=True),
        sa.Column("updated_by_id", sa.Integer(), sa.ForeignKey("ab_user.id"), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
    ]


def upgrade():
    op.create_table(
        "policy_document",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("doc_number", sa.String(length=100), nullable=True),
        sa.Column("issuer", sa.String(length=100), nullable=True),
        sa.Column("issued_on", sa.Date(), nullable=True),
        sa.Column("subject_id", sa.Integer(), sa.ForeignKey("subject.id"), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        *_stamps(),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_policy_document_subject", "policy_document", ["subject_id", "status"])
    op.create_table(
        "policy_answer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("question", sa.String(length=500), nullable=False),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("subject_id", sa.Integer(), sa.ForeignKey("subject.id"), nullable=True),
        sa.Column("source_case_id", sa.Integer(), sa.ForeignKey("petition_case.id", ondelete="SET NULL"),
                  nullable=True),
        *_stamps(),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_policy_answer_subject", "policy_answer", ["subject_id"])
    op.create_table(
        "reply_template",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("subject_id", sa.Integer(), sa.ForeignKey("subject.id"), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("active", sa.Boolean(), server_default=sa.true(), nullable=False),
        *_stamps(),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    ensure_text_search(op.get_bind(), only=KNOWLEDGE_TABLES)
    _copy_case_grants_to_practices()


# The levels of "cases" the practice records offer (their views: list, show, add, edit, delete,
# export). Built-in roles are rewritten by `flask xf sync-roles` from app/security/roles.py.
PRACTICE_LEVELS = ("view", "add", "edit", "delete", "export")
role_grant = sa.table("role_grant", sa.column("role_id", sa.Integer), sa.column("group", sa.String),
                      sa.column("level", sa.String))
role_profile = sa.table("role_profile", sa.column("role_id", sa.Integer), sa.column("built_in", sa.Boolean))


def _copy_case_grants_to_practices():
    bind = op.get_bind()
    rows = bind.execute(
        sa.select(role_grant.c.role_id, role_grant.c.level)
        .select_from(role_grant.join(role_profile, role_profile.c.role_id == role_grant.c.role_id))
        .where(role_grant.c.group == "cases", role_grant.c.level.in_(PRACTICE_LEVELS),
               role_profile.c.built_in.is_(False))
    ).all()
    if rows:
        bind.execute(role_grant.insert(), [{"role_id": r.role_id, "group": "practices", "level": r.level}
                                           for r in rows])


def downgrade():
    op.execute(role_grant.delete().where(role_grant.c.group == "practices"))
    drop_text_search(op.get_bind(), only=KNOWLEDGE_TABLES)
    op.drop_table("reply_template")
    op.drop_index("ix_policy_answer_subject", table_name="policy_answer")
    op.drop_table("policy_answer")
    op.drop_index("ix_policy_document_subject", table_name="policy_document")
    op.drop_table("policy_document")
