"""keyword search: FTS5 trigram index (SQLite), pg_trgm GIN index (PostgreSQL)

Revision ID: e7a1c2f9b3d5
Revises: 5ee58b173328
Create Date: 2026-11-23 16:40:00

The objects are created by app.core.search.ensure_text_search, which env.py also runs after every
migration (SQLite table rebuilds drop triggers). They are outside the models on purpose.
"""
from alembic import op

from app.core.search import drop_text_search, ensure_text_search

revision = "e7a1c2f9b3d5"
down_revision = "5ee58b173328"
branch_labels = None
depends_on = None


def upgrade():
    ensure_text_search(op.get_bind(), only=("petition_case",))


def downgrade():
    drop_text_search(op.get_bind(), only=("petition_case",))
