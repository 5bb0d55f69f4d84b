"""The 问责 report's tables: accountability records by unit and kind for the period, and the
records themselves with the cases and supervision orders behind them.

The counts come from `figures.accountability_counts` (ACCOUNTABILITY_COUNT and one figure per
kind, one aggregate); the record list is one query per page plus one for the page's case links.
No petitioner data appears: cases are named by number only, linked to their (scoped) case page.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import aliased
from sqlalchemy.sql.elements import ColumnElement

from app.cases.models import Case
from app.cases.references import shown_case_numbers
from app.core.scoping import current_scope, scope_clause
from app.org.models import OrgUnit
from app.reports import figures as F
from app.reports.counting import accountability_conditions
from app.reports.figures import ReportFilters
from app.supervision.models import AccountabilityCase, AccountabilityKind, AccountabilityRecord

RECORDS_DEFINITION = _l(
    "Accountability records decided in the period (by the day decided), newest first: the unit "
    "and/or the official held to account, the reason, the deciding body and document, and the "
    "cases and supervision orders behind the decision."
)
RECORD_HEADERS = (_l("Decided on"), _l("Kind of accountability"), _l("Unit held to account"),
                  _l("Person held to account"), _l("Post"), _l("Township"), _l("Reason"), _l("Decided by"),
                  _l("Document number"), _l("Cases behind it"), _l("Supervision orders behind it"))


@dataclass(frozen=True)
class RecordFilters:
    """The report's filters plus the kind (the category filter does not apply to 问责)."""

    report: ReportFilters
    kind: str | None = None

    def conditions(self) -> list[ColumnElement]:
        low, high = self.report.period.bounds
        conditions = [AccountabilityRecord.decided_on >= low.date(), AccountabilityRecord.decided_on < high.date(),
                      *accountability_conditions(self.report)]
        if self.kind:
            conditions.append(AccountabilityRecord.kind == self.kind)
        return conditions


def kind_figures() -> list[F.FigureDef]:
    return list(F.ACCOUNTABILITY_KIND_FIGURES)


def summary(filters: RecordFilters) -> dict[str, Any]:
    """Counts per unit (rows) and kind (columns), with the total and the previous period's total:
    one aggregate, rolled up twice."""
    from app.reports.views import org_names, org_order

    figures = [F.ACCOUNTABILITY_COUNT, *kind_figures()]
    by_unit, total = F.figure_tables(filters.report, figures, by=("unit", None), compare=True)
    names = org_names(by_unit.rows())

    def row(table: F.FigureTable, key: Any, name: str) -> dict[str, Any]:
        return {"key": key, "name": name,
                "counts": [table.value(key, f.code).numerator for f in figures[1:]],
                "total": table.value(key, F.ACCOUNTABILITY_COUNT.code).numerator,
                "previous": table.value(key, F.ACCOUNTABILITY_COUNT.code, "previous").numerator}

    no_unit = gettext("No unit (officials only)")
    units = [row(by_unit, k, names.get(k, no_unit) if k else no_unit) for k in org_order(by_unit.rows())]
    return {"kinds": figures[1:], "kind_codes": [k.value for k in AccountabilityKind], "total": row(total, F.TOTAL, gettext("All (total)")),
            "units": [u for u in units if u["total"] or u["previous"]]}


SUMMARY_TITLE = _l("Accountability by unit and kind")


def summary_export_rows(table: dict[str, Any]) -> tuple[list[str], list[list[Any]]]:
    headers = [gettext("Unit held to account"), *[str(f.label) for f in table["kinds"]], gettext("Total"),
               gettext("Total (previous period)")]
    rows = [[r["name"], *r["counts"], r["total"], r["previous"]] for r in [table["total"], *table["units"]]]
    return headers, rows


def records_count(filters: RecordFilters) -> int:
    from app.extensions import db

    return db.session.execute(
        select(func.count()).select_from(AccountabilityRecord).where(*filters.conditions())).scalar() or 0


def records(filters: RecordFilters, limit: int | None = None, offset: int = 0) -> Iterator[tuple[int, list[Any]]]:
    """(record id, row) of the period's records, newest first (one query, org names joined)."""
    from app.extensions import db

    unit, town = aliased(OrgUnit), aliased(OrgUnit)
    statement = (
        select(AccountabilityRecord.id, AccountabilityRecord.decided_on, AccountabilityRecord.kind, unit.name,
               AccountabilityRecord.person_name, AccountabilityRecord.person_post, town.name,
               AccountabilityRecord.reason, AccountabilityRecord.decided_by, AccountabilityRecord.document_number,
               AccountabilityRecord.case_numbers, AccountabilityRecord.order_numbers)
        .select_from(AccountabilityRecord)
        .outerjoin(unit, unit.id == AccountabilityRecord.unit_id)
        .outerjoin(town, town.id == AccountabilityRecord.township_id)
        .where(*filters.conditions())
        .order_by(AccountabilityRecord.decided_on.desc(), AccountabilityRecord.id.desc())
    )
    if limit is not None:
        statement = statement.limit(limit).offset(offset)
    county = gettext("County")
    viewer = current_scope()
    for (record_id, decided, kind, unit_name, person, post, town_name, reason, decided_by, document, cases,
         order_numbers) in db.session.execute(statement):
        yield record_id, [decided.isoformat(), AccountabilityKind.label_of(kind), unit_name or "", person or "",
                          post or "", town_name or county, reason, decided_by, document or "",
                          shown_case_numbers(cases, viewer), order_numbers]


def case_links(record_ids: list[int], filters: RecordFilters) -> dict[int, dict[str, int]]:
    """The cases behind these records that the user may open: {record id: {number: case id}}.
    One query for the page; a case outside the user's scope keeps its number, without a link."""
    from app.extensions import db

    if not record_ids:
        return {}
    statement = (
        select(AccountabilityCase.record_id, Case.id, Case.number)
        .join(Case, Case.id == AccountabilityCase.case_id)
        .where(AccountabilityCase.record_id.in_(record_ids), scope_clause(Case, filters.report.resolved_scope()))
    )
    links: dict[int, dict[str, int]] = {}
    for record_id, case_id, number in db.session.execute(statement):
        links.setdefault(record_id, {})[number] = case_id
    return links
