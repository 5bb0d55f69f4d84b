"""What a user keeps of a list: the columns they chose and their saved views (filters and sort).

Both are per list (`view`: the list view's class name, e.g. "CaseView") so other lists can use
them later. A saved view holds only the list's query string — quick-search values, sort, the
list's own filters — never rows: whoever opens it sees the list in their own scope.
"""

from __future__ import annotations

from flask_appbuilder import Model
from sqlalchemy import Column, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint

from app.core.clock import now


class ListColumnChoice(Model):
    """The columns one user shows in one list (comma-separated names, in the list's order)."""

    __tablename__ = "list_column_choice"

    user_id = Column(Integer, ForeignKey("ab_user.id", ondelete="CASCADE"), primary_key=True)
    view = Column(String(64), primary_key=True)
    columns = Column(String(500), nullable=False, default="")


class SavedListView(Model):
    """A named set of filters and a sort of one list: the owner's, or shared with a unit."""

    __tablename__ = "saved_list_view"
    __table_args__ = (
        UniqueConstraint("owner_id", "view", "name", name="uq_saved_list_view_owner_name"),
        Index("ix_saved_list_view_unit", "shared_unit_id", "view"),
    )

    id = Column(Integer, primary_key=True)
    view = Column(String(64), nullable=False)
    name = Column(String(60), nullable=False)
    owner_id = Column(Integer, ForeignKey("ab_user.id", ondelete="CASCADE"), nullable=False)
    # Shared with the users of this org unit (a 管理者 shares with their own unit); None: personal.
    shared_unit_id = Column(Integer, ForeignKey("org_unit.id", ondelete="CASCADE"), nullable=True)
    query = Column(Text, nullable=False, default="")
    created_at = Column(DateTime, nullable=False, default=now)
