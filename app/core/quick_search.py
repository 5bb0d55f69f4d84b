"""The quick-search bar above a list: its inputs (`QuickSearch`) and how their conditions reach
Flask-AppBuilder's query (`Criterion` in a `CriterionFilter`, `ClauseFilter`, `QueryStep`)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from flask import request
from flask_appbuilder.models.filters import BaseFilter
from sqlalchemy.sql.elements import ColumnElement


class ClauseFilter(BaseFilter):
    """Applies a ready SQL condition (the value) — how quick-search criteria reach FAB's query.
    A `QueryStep` value is applied as it is (a join the condition needs)."""

    name = "clause"

    def apply(self, query, value):
        if isinstance(value, QueryStep):
            return value.apply(query)
        return query.filter(value)


class QueryStep:
    """A criterion that changes the query itself rather than adding a condition (see
    `QuickSearch.count_build`): `apply(query)` returns the new query."""

    def apply(self, query: Any) -> Any:
        raise NotImplementedError


@dataclass(frozen=True)
class Criterion:
    """One quick-search input as it reaches the query: its condition for the list's rows, the
    one the list's count uses (`QuickSearch.count_build`), and where that count may stop."""

    listed: ColumnElement | None
    counted: ColumnElement | QueryStep | None
    count_cap: int | None = None


class CriterionFilter(ClauseFilter):
    """A `Criterion` among FAB's filters: the rows get its `listed` condition (the count its
    `counted` one, through `counting_filters`)."""

    name = "quick search"

    def apply(self, query, value):
        return query if value.listed is None else super().apply(query, value.listed)


def counting_filters(filters: Any) -> Any:
    """`filters` as the list's count applies them: each criterion's `counted` condition."""
    if not any(isinstance(v, Criterion) for v in filters.values):
        return filters
    counting = filters.copy()
    counting.values = [Criterion(v.counted, v.counted, v.count_cap) if isinstance(v, Criterion) else v
                       for v in filters.values]
    return counting


def count_caps(filters: Any) -> list[int]:
    """The caps of the count the used quick-search inputs ask for (`QuickSearch.count_cap`)."""
    return [v.count_cap for v in filters.values if isinstance(v, Criterion) and v.count_cap]


@dataclass(frozen=True)
class QuickSearch:
    """One input of the quick-search bar above a list.

    `build(value)` returns the SQL condition for a non-empty value (or None to ignore it);
    `choices` (a callable returning (value, label) pairs) makes the input a select box;
    `kind` is "text", "select" or "date".
    """

    name: str
    label: Any
    build: Callable[[str], ColumnElement | None]
    kind: str = "text"
    choices: Callable[[], list[tuple[str, str]]] | None = None
    placeholder: Any = ""
    width: int = 2  # bootstrap columns
    # While this input is used, the list's count stops here (e.g. a common keyword: counting
    # its thousands of matches costs more than finding the page).
    count_cap: int | None = None
    # The criterion the count uses instead of `build`'s when this input is the only one used and
    # another form counts faster: a keyword's matches read off the search index in its own order
    # (next to other inputs, the list's indexes narrow faster). A condition or a QueryStep.
    count_build: Callable[[str], ColumnElement | QueryStep | None] | None = None

    def options(self) -> list[tuple[str, str]]:
        return self.choices() if self.choices else []


class QuickSearchList:
    """The quick search of a list view (mixed into `ScopedModelView`): the values typed in the
    address (`q_<name>`) and the conditions they make."""

    quick_search: Sequence[QuickSearch] = ()

    def quick_search_values(self) -> dict[str, str]:
        return {
            q.name: request.args.get(f"q_{q.name}", "").strip()
            for q in self.quick_search
        }

    def quick_search_filters(self, filters: Any) -> Any:
        """`filters` and a `Criterion` per quick-search input used: the condition for the list,
        and the one for its count (the same, unless a single input is used that counts another
        way: `QuickSearch.count_build`)."""
        values = self.quick_search_values()
        used = [q for q in self.quick_search if values[q.name]]
        if not used:
            return filters
        filters = filters.copy()
        for q in used:
            listed = q.build(values[q.name])
            counted = q.count_build(values[q.name]) if len(used) == 1 and q.count_build is not None else listed
            filters.add_filter("id", CriterionFilter, Criterion(listed, counted, q.count_cap))
        return filters
