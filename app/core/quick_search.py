"""The quick-search bar above a list: its inputs (`QuickSearch`) and how their conditions reach
Flask-AppBuilder's query (`ClauseFilter`, `QueryStep`)."""

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

    def quick_search_clauses(self) -> list[ColumnElement]:
        return self.quick_search_criteria()[0]

    def quick_search_criteria(self) -> tuple[list[ColumnElement], list[ColumnElement | QueryStep]]:
        """The quick search's conditions for the list, and those for its count (the same, unless
        a single input is used that counts another way: `QuickSearch.count_build`)."""
        values = self.quick_search_values()
        used = [q for q in self.quick_search if values[q.name]]
        listed = [c for c in (q.build(values[q.name]) for q in used) if c is not None]
        if len(used) == 1 and used[0].count_build is not None:
            counting = used[0].count_build(values[used[0].name])
            return listed, [counting] if counting is not None else []
        return listed, listed
