"""Import of petition cases from Excel, with the same mechanism as the ledgers (app/core/imports/).

One row is one case and its petitioners (names separated by 、, with their ID numbers and phones
in the same order). Rows pass the registration form's rules: a village of the township, the
importer's own area, at least as many people as named petitioners, nothing in the future.
Cases get numbers from the same per-year counter as the form, in row order. A row's identity is
its "original number" (the office's own register number) when given, else date received,
petitioners, township and title: importing the same file again does not duplicate cases. Its page, `CaseImportView`, is the
shared import page (app/core/imports/views.py) with this spec.
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.cases import workflow
from app.cases.models import (
    COLLECTIVE_THRESHOLD,
    Case,
    CaseStatus,
    Category,
    Channel,
    Petitioner,
    Subject,
)
from app.cases.numbering import format_number, reserve_numbers
from app.cases.rules import case_problems, hold_for_screening, reported_unit_problems
from app.cases.workflow_models import CaseEvent
from app.core.errors import DomainError
from app.core.imports import (
    ImportColumn,
    ImportContext,
    ImportSpec,
    ParsedRow,
    _norm,
    choice,
    choice_labels,
    datetime_value,
    id_number,
    integer,
    list_of,
    phone,
    register_spec,
    text,
)
from app.core.imports.views import ImportView
from app.deadlines.policy import load_policy
from app.ledgers.importing import check_unit, people_problems, place_problems
from app.org.directory import OrgDirectory
from app.org.models import OrgKind, OrgUnit, handles_place, place_mismatch_message
from app.portal.issuing import announce_registration
from app.security.models import AppUser


class CaseImport(ImportSpec):
    name = "cases"
    table = "petition_case"
    title = _l("Petition cases")
    columns = (
        ImportColumn("reference", _l("Original number"), text(50), width=18,
                     hint=_l("The number in your own register, if any: a row with the same number is never imported twice")),
        ImportColumn("received_at", _l("Received at"), datetime_value(), required=True, date=True,
                     example="2026-03-05 09:30"),
        ImportColumn("channel", _l("Channel"), choice(Channel), required=True, options=choice_labels(Channel),
                     example=str(Channel.VISIT.label)),
        ImportColumn("petitioners", _l("Petitioners"), list_of(text(50)), required=True, example="赵大山",
                     hint=_l("Names separated by 、")),
        ImportColumn("id_numbers", _l("ID numbers"), list_of(id_number()), personal="id_number", width=24,
                     hint=_l("One per petitioner in the same order, separated by 、; or empty")),
        ImportColumn("phones", _l("Phones"), list_of(phone()), personal="phone", width=20,
                     hint=_l("One per petitioner in the same order, separated by 、; or empty")),
        ImportColumn("address", _l("Address"), text(200), width=24, hint=_l("The first petitioner's address")),
        ImportColumn("people_count", _l("Number of people"), integer(1, 100000),
                     hint=_l("Empty: the number of petitioners; five or more make a collective visit")),
        ImportColumn("township", _l("Township"), text(100), required=True, example="城关镇"),
        ImportColumn("village", _l("Village / community"), text(100), example="红旗村"),
        ImportColumn("category", _l("Category"), choice(Category), required=True, options=choice_labels(Category),
                     example=str(Category.CLAIM.label)),
        ImportColumn("subject", _l("Subject"), text(50), example="城乡建设",
                     hint=_l("A subject from the dictionary")),
        ImportColumn("title", _l("Title"), text(200), required=True, width=30),
        ImportColumn("content", _l("Content"), text(20000), required=True, width=40),
        ImportColumn("demands", _l("Demands"), text(5000), width=30),
        ImportColumn("responsible_unit", _l("Responsible unit"), text(100)),
        ImportColumn("reported_unit", _l("Reported unit"), text(100), width=20, options=lambda: _reported_options(),
                     hint=_l("Reports and accusations (检举控告) only, and required for them: the unit reported on, "
                             "or 不清楚 (the case is then held for the county petition office to name it)")),
    )
    key_columns = ("received_at", "petitioners", "township", "title")

    def fingerprint(self, values: dict[str, Any]) -> str:
        if values.get("reference"):
            return _ref_fingerprint(self, values["reference"])
        return super().fingerprint(values)

    def prepare(self, ctx: ImportContext) -> None:
        OrgDirectory.of(ctx)
        ctx.cache["subjects"] = {
            _norm(name): subject_id
            for subject_id, name in ctx.session.execute(select(Subject.id, Subject.name).where(Subject.active.is_(True)))
        }

    def check_row(self, values: dict[str, Any], ctx: ImportContext) -> list[DomainError]:
        township, village, _hamlet, problems = place_problems({**values, "hamlet": None}, ctx)
        unit = None
        if values.get("responsible_unit"):
            unit = OrgDirectory.of(ctx).unit(values["responsible_unit"])
            if unit is None:
                problems.append(DomainError(
                    gettext("No unit named 「%(name)s」 in the org tree", name=values["responsible_unit"]),
                    field="responsible_unit",
                ))
            elif error := check_unit(unit, ctx):
                problems.append(DomainError(error, field="responsible_unit"))
            elif township is not None and not handles_place(unit, township.id):
                problems.append(DomainError(place_mismatch_message(unit), field="responsible_unit"))
        subject_id = None
        if values.get("subject"):
            subject_id = ctx.cache["subjects"].get(_norm(values["subject"]))
            if subject_id is None:
                problems.append(DomainError(
                    gettext("No subject 「%(name)s」 in the dictionary", name=values["subject"]), field="subject"
                ))
        reported, not_sure = _reported_unit(values, ctx, problems)
        if reported is not None or not values.get("reported_unit"):
            # The registration form's rule (app/cases/rules.py): named, or 不清楚, for an accusation.
            responsible = ctx.session.get(OrgUnit, unit.id) if unit is not None else None
            problems += reported_unit_problems(category=values.get("category"), reported_unit=reported,
                                               responsible_unit=responsible, actor_lineage=ctx.scope.lineage,
                                               required=True, not_sure=not_sure)
        problems += people_problems(values, "petitioners")
        named = len(values.get("petitioners") or [])
        if values.get("people_count") is None:
            values["people_count"] = max(1, named)
        if township is not None:
            # The registration form's rules (app/cases/rules.py): place, representatives, people.
            problems += case_problems(
                scope=ctx.scope,
                township_id=township.id,
                village=village,
                channel=values.get("channel"),
                people_count=values["people_count"],
                named=named,
            )
        values["_township_id"] = township.id if township else None
        values["_village_id"] = village.id if village else None
        values["_unit_id"] = unit.id if unit else None
        values["_subject_id"] = subject_id
        values["_reported"] = _reported_columns(reported, not_sure, ctx)
        return problems

    def save(self, rows: list[ParsedRow], ctx: ImportContext) -> list[int]:
        session = ctx.session
        year = ctx.now.year
        numbers = reserve_numbers(session, year, len(rows))
        cases = []
        policy = load_policy(session)
        for row, value in zip(rows, numbers, strict=True):
            v = row.values
            names = "、".join(v["petitioners"])
            cases.append({
                "number": format_number(year, value),
                "channel": v["channel"],
                "received_at": v["received_at"],
                "township_id": v["_township_id"],
                "village_id": v["_village_id"],
                "responsible_unit_id": v["_unit_id"],
                **v["_reported"],
                "category": v["category"],
                "subject_id": v["_subject_id"],
                "title": v["title"],
                "content": v["content"],
                "demands": v.get("demands") or None,
                "people_count": v["people_count"],
                "is_collective": v["people_count"] >= COLLECTIVE_THRESHOLD,
                "is_repeat": False,
                "skips_levels": False,
                "status": CaseStatus.REGISTERED.value,
                "petitioner_names": names if len(names) <= 200 else names[:197] + "…",
                "version": 1,
                "created_at": ctx.now,
                "updated_at": ctx.now,
                "created_by_id": ctx.user_id,
                "updated_by_id": ctx.user_id,
                # A case is registered whichever way it arrives: the acceptance clock starts.
                **workflow.registration_columns(v["received_at"], ctx.now, policy),
            })
        # Core inserts keep the batches whole (see app/ledgers/importing.py).
        case_table = Case.__table__
        ids = list(session.scalars(
            case_table.insert().returning(case_table.c.id, sort_by_parameter_order=True), cases
        ))
        people = []
        for row, case_id in zip(rows, ids, strict=True):
            v = row.values
            id_numbers, phones = v.get("id_numbers") or [], v.get("phones") or []
            for position, name in enumerate(v["petitioners"]):
                people.append({
                    "case_id": case_id, "name": name, "sort_order": position,
                    "id_number": id_numbers[position] if position < len(id_numbers) else None,
                    "phone": phones[position] if position < len(phones) else None,
                    "address": (v.get("address") or None) if position == 0 else None,
                })
        if people:
            session.execute(Petitioner.__table__.insert(), people)
        # …and its history starts with the 'registered' event, as for a case entered by hand.
        actor = session.get(AppUser, ctx.user_id) if ctx.user_id else None
        session.execute(CaseEvent.__table__.insert(), workflow.registration_rows(cases, ids, actor))
        # Each case gets its 查询码 and, with a mobile phone, the SMS carrying it — the import
        # shows no code to anyone: without a phone the clerk issues a new one when asked.
        for case in session.scalars(
            select(Case).where(Case.id.in_(ids)).options(selectinload(Case.petitioners)).order_by(Case.id)
        ):
            announce_registration(session, case, now=ctx.now)
        return ids


def _not_sure_words() -> set[str]:
    return {_norm("不清楚"), _norm(gettext("Not sure"))}


def _reported_options() -> list[str]:
    """The template's suggestions: 不清楚 and the county-level units (any other unit by its name)."""
    from app.org.choices import org_choices
    from app.org.scoping import scope_for_user

    county_level = {name for _id, name in org_choices("reported", scope_for_user(None))}
    return [gettext("Not sure"), *sorted(county_level)]


def _reported_unit(values: dict[str, Any], ctx: ImportContext, problems: list[DomainError]) -> tuple[Any, bool]:
    """The row's reported unit (an OrgUnit the importer may name, as in the form) and whether it
    says 不清楚; an unknown name is a problem of the row."""
    from app.org.choices import ORDER, choice_clause

    name = values.get("reported_unit")
    if not name:
        return None, False
    if _norm(name) in _not_sure_words():
        return None, True
    units = ctx.cache.get("reported_units")
    if units is None:
        units = ctx.cache["reported_units"] = {}
        for unit in ctx.session.scalars(select(OrgUnit).where(choice_clause("reported", ctx.scope)).order_by(*ORDER)):
            units.setdefault(_norm(unit.name), unit)
    unit = units.get(_norm(name))
    if unit is None:
        problems.append(DomainError(gettext("No unit named 「%(name)s」 in the org tree", name=name),
                                    field="reported_unit"))
    return unit, False


def _reported_columns(reported: Any, not_sure: bool, ctx: ImportContext) -> dict[str, Any]:
    """The reported-unit columns of a row: the unit named, or — 不清楚 — held for screening as a
    portal letter is (`hold_for_screening`, on a stand-in: the rows are inserted as plain values)."""
    from types import SimpleNamespace

    if not not_sure:  # the same keys in every row: the rows are inserted in one statement
        return {"reported_unit_id": reported.id if reported is not None else None, "claimed_reported_unit_id": None}
    county = ctx.cache.get("county")
    if county is None:
        county = ctx.cache["county"] = ctx.session.scalars(
            select(OrgUnit).where(OrgUnit.kind == OrgKind.COUNTY.value).order_by(OrgUnit.id).limit(1)).one()
    held = SimpleNamespace()
    hold_for_screening(held, None, county)
    return {"reported_unit_id": held.reported_unit_id, "claimed_reported_unit_id": held.claimed_reported_unit_id}


def _ref_fingerprint(spec: ImportSpec, reference: str) -> str:
    import hashlib

    return hashlib.sha256(f"{spec.name}|ref|{reference.strip().upper()}".encode()).hexdigest()


CASE_IMPORT = register_spec(CaseImport())


# --- the page (the shared Excel import pages, app/core/imports/views.py) ----------------------------


class CaseImportView(ImportView):
    spec = CASE_IMPORT
    permission_group = "case_import"
    route_base = "/cases/import"
    list_endpoint = "CaseView.list"


def register_views(appbuilder) -> None:
    from app.core.menu import add_menu_view

    add_menu_view(appbuilder, CaseImportView, "Case import", _l("Import cases from Excel"), "cases", "fa-file-import")
