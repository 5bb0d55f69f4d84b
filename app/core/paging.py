"""Flask-AppBuilder's `SQLAInterface`, scoped and fast on big tables. FAB's own views call it for
the list (`query`), show, edit, delete and actions (`get`), so its path applies the scope:

- `ScopedInterface`: every query it builds keeps to the user's scope (`scope_clause`), and a
  list whose scope has several branches is counted and paged branch by branch;
- `ListInterface` (its base, also for county-wide tables): a capped count ("10,000+"), deep pages
  read in two steps, and the quick search's own count criteria (`Criterion`).

Views declare `datamodel = ScopedInterface(Model)` (ScopedModelView refuses a scoped model served
any other way)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask import current_app
from flask_appbuilder.models.filters import Filters
from flask_appbuilder.models.sqla.interface import SQLAInterface
from sqlalchemy import false, func, select

from app.core.quick_search import ClauseFilter, count_caps, counting_filters
from app.core.scoping import disjoint_scope_parts, scope_clause
from app.extensions import db

# From this many rows skipped on, a list page is read in two steps (see ListInterface.page_rows).
DEEP_PAGE_OFFSET = 200
# Up to this many rows from the start, the page of a scope with several branches is found branch
# by branch (see ScopedInterface.page_query); config LIST_BRANCH_PAGE_ROWS.
BRANCH_PAGE_ROWS = 1_000


class CappedCount(int):
    """A row count that stopped counting: reads "10,000+" on the page, counts as a number."""

    def __str__(self) -> str:
        return f"{int(self) - 1:,}+"


def count_disjoint(inners: Iterable[Any], cap: int) -> int:
    """The rows of the disjoint selects (or ORM queries) `inners` together, each counted as far
    as the cap still allows; past the cap a CappedCount. Part by part, each count can be one
    indexed read where their OR would not be."""
    counted = 0
    for inner in inners:
        counted += db.session.execute(
            select(func.count()).select_from(inner.limit(cap + 1 - counted).subquery())
        ).scalar()
        if counted > cap:
            return CappedCount(counted)
    return counted


class ListInterface(SQLAInterface):
    """FAB's interface with a list page read fast: a capped count and deep pages in two steps."""

    # Counting every matching row of a big list costs more than showing the page (388,000 rows
    # of one township: ~40 ms in SQLite). Past this many rows the list says "10,000+" instead
    # (config LIST_COUNT_CAP); the count stays exact below it, and always reaches past the page.
    count_cap: int | None = 10_000

    def query(self, filters=None, order_column="", order_direction="", page=None, page_size=None,
              select_columns=None, outer_default_load=False):
        """FAB's (count, rows) of a list page."""
        if select_columns:
            return super().query(filters, order_column, order_direction, page, page_size, select_columns,
                                 outer_default_load)
        filters = filters if filters is not None else Filters(self.filter_converter_class, self)
        query = self.session.query(self.obj)
        count = self.capped_count(query, filters, page or 0, page_size or 0)
        return count, self.page_rows(query, filters, order_column or "", order_direction, page or 0, page_size)

    def get_related_interface(self, col_name: str) -> SQLAInterface:
        """FAB's plain interface for a related model (select boxes, related filters): what may
        be chosen there is the view's `*_query_rel_fields` rules' business (app/org/choices.py)."""
        return SQLAInterface(self.get_related_model(col_name))

    def capped_count(self, query: Any, filters: Filters, page: int, page_size: int) -> int:
        counting = counting_filters(filters)
        cap = current_app.config.get("LIST_COUNT_CAP", self.count_cap)
        if not cap:
            return self.query_count(query, counting)
        cap = max(min([cap, *count_caps(filters)]), (page + 2) * page_size)
        # The primary key, not a constant: with nothing to filter (a county-wide user's scope is
        # everything) `SELECT 1` would lose its FROM and count one row.
        key = self.get_pk()
        return count_disjoint(
            (self.apply_filters(query, part).with_entities(key) for part in self.scope_parts(counting)), cap
        )

    def page_rows(self, query: Any, filters: Filters, order_column: str, order_direction: str,
                  page: int, page_size: int | None) -> list[Any]:
        paged = self.page_query(query, filters, order_column, order_direction, page, page_size)
        if page * (page_size or 0) >= DEEP_PAGE_OFFSET and "." not in order_column:
            # Deep pages: find the page's keys on the index alone, then load those rows with
            # their related names. Loading them in one go would join every skipped row too.
            key = self.get_pk()
            keys = [k for (k,) in paged.with_entities(key)]
            found = {getattr(r, key.key): r for r in query.filter(key.in_(keys))} if keys else {}
            return [found[k] for k in keys if k in found]
        return paged.all()

    def page_query(self, query: Any, filters: Filters, order_column: str, order_direction: str,
                   page: int, page_size: int | None) -> Any:
        return self.apply_all(query, filters, order_column, order_direction, page=page, page_size=page_size)

    def scope_parts(self, filters: Filters) -> list[Filters]:
        """The filters once per part of the rows read on their own (see ScopedInterface)."""
        return [filters]


class ScopePart(ClauseFilter):
    """A disjoint part of the scope (`disjoint_scope_parts`), in place of the whole scope."""

    name = "scope part"
    applies_scope = True


class ScopedInterface(ListInterface):
    """Every query FAB builds through it keeps to the user's scope — lists and their counts,
    records looked up by id (show, edit, delete, actions), exports and related lists.

    A filter whose class says `applies_scope = True` brings the scope in its own condition (a
    part of it, or the scope joined with the view's rows — supervision's WatchFilter) and then
    stands in for the whole scope."""

    def __init__(self, obj: Any, session: Any = None) -> None:
        if getattr(obj, "__scope__", None) is None:
            raise TypeError(f"{obj.__name__} has no __scope__; it cannot be served scoped")
        super().__init__(obj, session)

    def apply_filters(self, query: Any, filters: Filters | None) -> Any:
        query = super().apply_filters(query, filters)
        if filters is not None and any(getattr(f, "applies_scope", False) for f in filters.filters):
            return query
        return query.filter(scope_clause(self.obj))

    def scope_parts(self, filters: Filters) -> list[Filters]:
        """The list's filters, one copy per disjoint part of the scope: each part is one indexed
        read where the OR of the parts would not be. One part: the filters as they are."""
        if any(getattr(f, "applies_scope", False) for f in filters.filters):
            return [filters]
        scope_parts = disjoint_scope_parts(self.obj)
        if len(scope_parts) < 2:
            return [filters]
        return [filters.copy().add_filter("id", ScopePart, part) for part in scope_parts]

    def page_query(self, query: Any, filters: Filters, order_column: str, order_direction: str,
                   page: int, page_size: int | None) -> Any:
        """The query of the page shown. When the scope has several branches (a handler's unit,
        and its 会审 co-unit cases) and the page is near the start, each branch's first rows
        are read on its own index and the page is ordered from those candidates: SQLite would
        otherwise gather every row of the OR and sort them all before the first page (31 → 3 ms
        for a unit with 12,000 cases in handling). The order is the database's either way."""
        reach = (page + 1) * (page_size or 0)
        limit = current_app.config.get("LIST_BRANCH_PAGE_ROWS", BRANCH_PAGE_ROWS)
        parts = self.scope_parts(filters) if 0 < reach <= limit and "." not in order_column else []
        if len(parts) > 1:
            key = self.get_pk()
            candidates: set[Any] = set()
            for part in parts:
                first = self.apply_all(query, part, order_column, order_direction, page=0, page_size=reach)
                candidates.update(k for (k,) in first.with_entities(key))
            filters = filters.copy().add_filter("id", ClauseFilter, key.in_(candidates) if candidates else false())
        return super().page_query(query, filters, order_column, order_direction, page, page_size)
