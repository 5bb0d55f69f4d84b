"""Figure tables: the counted groups added up per township, per unit and in total."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from app.reports.counting import count_groups
from app.reports.definitions import BY_CODE, FIGURES, FigureDef
from app.reports.from_cases import Groups
from app.reports.periods import ReportFilters, previous_is_year_before
from app.reports.values import ZEROS, Value

TOTAL = "total"


@dataclass
class FigureTable:
    """Figures per row (a township, a unit, or the total) for the current and previous period."""

    figures: list[FigureDef]
    current: dict[Any, dict[str, Value]] = field(default_factory=dict)
    previous: dict[Any, dict[str, Value]] = field(default_factory=dict)

    def value(self, row: Any, code: str, period: str = "current") -> Value:
        table = self.current if period == "current" else self.previous
        value = table.get(row, {}).get(code)
        return ZEROS[BY_CODE[code].kind] if value is None else value

    def rows(self) -> list[Any]:
        return sorted((k for k in self.current.keys() | self.previous.keys() if k != TOTAL),
                      key=lambda k: (k is None, k))



def add_up(groups: Groups, figures: Iterable[FigureDef], bys: Iterable[str | None],
           year_before_is_previous: bool = False) -> list[FigureTable]:
    """The groups added up each way in `bys`, in one pass over them.

    The current period's 同比 change: its count over the year-before count. The previous
    period shows no 同比 (its own year-before is not counted). When the previous period is the
    year before (a calendar year), the year-before groups fill the previous column too.
    """
    figures, bys = list(figures), list(bys)
    codes = [f.code for f in figures]
    width = len(figures)
    # Which figures a period adds to a table: all, only 同比 ("change") or all but 同比 ("plain").
    keep = {"change": [f.kind == "change" for f in figures] * 2,
            "plain": [f.kind != "change" for f in figures] * 2}
    where = {"current": ((0, None),),
             "year_before": ((0, "change"), (1, "plain")) if year_before_is_previous else ((0, "change"),),
             "previous": ((1, "plain"),)}
    # A report adds up thousands of values: each group's values as one list of ints (numerators,
    # then denominators, in figure order), the lists of a row summed column by column at the end
    # (map/zip run in C), made Values once per row and figure.
    rows: dict[tuple[int, int, Any], list[list[int]]] = {}
    for (period, township, unit), values in groups.items():
        targets = where.get(period, ())
        if not targets:
            continue
        found = [values.get(code) for code in codes]
        vector = [0 if v is None else v.numerator for v in found]
        vector += [0 if v is None else (v.denominator or 0) for v in found]
        for target, which in targets:
            vec = vector if which is None else [n if k else 0 for n, k in zip(vector, keep[which], strict=True)]
            for way, by in enumerate(bys):
                row = TOTAL if by is None else (township if by == "township" else unit)
                rows.setdefault((way, target, row), []).append(vec)
    tables = [FigureTable(list(figures)) for _ in bys]
    for (way, target, row), vectors in rows.items():
        sums = vectors[0] if len(vectors) == 1 else list(map(sum, zip(*vectors, strict=True)))
        table = tables[way]
        (table.current if target == 0 else table.previous)[row] = {
            f.code: Value(f.kind, n, None if f.kind == "count" else d)
            for f, n, d in zip(figures, sums[:width], sums[width:], strict=True)}
    return tables



def figure_tables(filters: ReportFilters, figures: Iterable[FigureDef] = FIGURES,
                  by: Iterable[str | None] = (None,), compare: bool = False,
                  now: datetime | None = None) -> list[FigureTable]:
    """The figures rolled up several ways (per township, per unit, in total) from ONE count."""
    figures = list(figures)
    groups = count_groups(filters, figures, compare, now)
    return add_up(groups, figures, by, year_before_is_previous=compare and previous_is_year_before(filters))


def figure_table(filters: ReportFilters, figures: Iterable[FigureDef] = FIGURES, by: str | None = None,
                 compare: bool = False, now: datetime | None = None) -> FigureTable:
    """The figures for `filters`, per township / unit / in total, with the previous period if asked."""
    return figure_tables(filters, figures, (by,), compare, now)[0]


def figure(fig: FigureDef, filters: ReportFilters, by: str | None = None,
           now: datetime | None = None) -> Value | dict[Any, Value]:
    """One figure: its total Value, or {township or unit id: Value} with `by`."""
    table = figure_table(filters, (fig,), by=by, now=now)
    if by is None:
        return table.value(TOTAL, fig.code)
    return {row: table.value(row, fig.code) for row in table.rows()}


def counts(filters: ReportFilters, figures: tuple[FigureDef, ...], by: str | None) -> dict[str, Any]:
    table = figure_table(filters, figures, by=by)
    if by is None:
        return {f.code: table.value(TOTAL, f.code) for f in figures}
    return {f.code: {row: table.value(row, f.code) for row in table.rows()} for f in figures}
