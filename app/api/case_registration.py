"""Registering a case over the API (POST /api/v1/cases/): the registration form's rules, the
caller's own `source`/`external_id` (idempotent creation), the first history event."""

from __future__ import annotations

import re
from typing import Any

from flask import Response, g
from flask_appbuilder.api import expose
from flask_babel import gettext
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.api import errors
from app.api.base import api_call, json_body, respond
from app.api.case_schemas import SOURCE_PATTERN, CaseIn
from app.api.errors import ApiError, problem
from app.api.schemas import load
from app.cases import workflow
from app.cases.models import Case, Category, Petitioner, Subject
from app.cases.rules import (
    case_problems,
    hold_for_screening,
    reported_unit_problems,
    responsible_unit_problem,
)
from app.core.scoping import current_actor, current_scope, scope_clause, scoped_select
from app.core.validators import (
    future_error,
    id_number_error,
    normalize_id_number,
    normalize_phone,
    phone_error,
)
from app.extensions import db
from app.org.models import OrgKind, OrgUnit
from app.portal.codes import format_code
from app.portal.issuing import announce_registration

# The registration form's field names → the API's.
FIELD_NAMES = {
    "township": "township_id",
    "village": "village_id",
    "responsible_unit": "responsible_unit_id",
    "subject": "subject_id",
}


class CaseRegistration:
    """The registration endpoint of `CaseApi` (app/api/cases.py)."""


    @expose("/", methods=["POST"])
    @api_call("add")
    def post(self) -> Response:
        values = load(CaseIn(), json_body())
        user = current_actor()
        scope = current_scope()
        source, external_id = self._origin(values)
        if external_id is not None:
            existing = self._existing(source, external_id)
            if existing is not None:
                return respond(200, {"result": self.serialize([existing], detail=True)[0]})
        case = self._build(values, user, scope)
        case.source, case.external_id = source, external_id
        if case.category == Category.ACCUSATION.value and (
                g.get("xf_api_key") is not None or values.get("reported_unit_not_sure")):
            # From another platform, like a letter through the portal (条例 Art. 30), or naming
            # no unit (不清楚): held for the county petition office to confirm or name the unit.
            from app.portal.submission import county_unit

            hold_for_screening(case, case.reported_unit, county_unit())
        earlier = self._earlier(values.get("repeat_of"))
        workflow.register(case, user, repeat_of=earlier)
        db.session.add(case)
        try:
            db.session.flush()
            # The 查询码 (and the petitioner's SMS): returned in this answer only, never again.
            code = announce_registration(db.session, case)
            db.session.commit()
        except IntegrityError:
            # The same item arrived twice at the same moment: the other request created it.
            db.session.rollback()
            existing = self._existing(source, external_id) if external_id is not None else None
            if existing is None:
                raise
            return respond(200, {"result": self.serialize([existing], detail=True)[0]})
        g.xf_api_record = case.id
        fresh = db.session.execute(
            scoped_select(Case).where(Case.id == case.id).options(*self.load_options())
        ).unique().scalars().first()
        if fresh is None:
            # Held for screening (an accusation from another platform): registered, not shown.
            return respond(201, {"result": {"id": case.id, "number": case.number, "held_for_screening": True,
                                            "query_code": format_code(code)}})
        return respond(201, {"result": {**self.serialize([fresh], detail=True)[0], "query_code": format_code(code)}})

    def _origin(self, values: dict[str, Any]) -> tuple[str | None, str | None]:
        """The case's `source` and `external_id`: an API client's own, never a person's — a
        person naming a platform could take its item ids (the platform's own item would then be
        refused) and learn from the answer that an item exists elsewhere."""
        from app.api.models import ApiClient

        external_id = (values.get("external_id") or "").strip() or None
        source = (values.get("source") or "").strip() or None
        client_source = None
        if g.get("xf_api_key") is not None:
            client_source = db.session.execute(
                select(ApiClient.source).where(ApiClient.user_id == current_actor().id)
            ).scalar_one_or_none()
        if client_source is None:
            for name, value in (("source", source), ("external_id", external_id)):
                if value is not None:
                    raise ApiError(
                        422, "api_client_only",
                        gettext("Only another platform's API client (with its API key) sends "
                                "source and external_id; a person's calls have none."),
                        name,
                    )
            return None, None
        if source is not None:
            if not re.match(SOURCE_PATTERN, source):
                raise ApiError(400, "invalid_type", gettext("Wrong type of value for this field"), "source")
            if source != client_source:
                raise ApiError(
                    422, "source_mismatch",
                    gettext("An API client creates cases only under its own source (%(source)s).",
                            source=client_source),
                    "source",
                )
        return client_source, external_id

    def _existing(self, source: str | None, external_id: str) -> Case | None:
        found = db.session.execute(
            select(Case.id).where(Case.source == source, Case.external_id == external_id)
        ).scalar_one_or_none()
        if found is None:
            return None
        case = db.session.execute(
            scoped_select(Case).where(Case.id == found).options(*self.load_options())
        ).unique().scalars().first()
        if case is None:
            # Registered earlier, but no longer in the caller's area (e.g. sent to another unit).
            raise ApiError(
                409, "already_registered",
                gettext("This item was registered before and is no longer in your area."),
                "external_id",
            )
        g.xf_api_record = case.id
        return case

    def _earlier(self, number: str | None) -> Case | None:
        if not number:
            return None
        earlier = db.session.execute(
            select(Case).where(Case.number == number.strip().upper(), scope_clause(Case))
        ).scalars().first()
        if earlier is None:
            raise ApiError(
                422, "invalid", gettext("No case with this number in your area."), "repeat_of"
            )
        return earlier

    def _build(self, values: dict[str, Any], user: Any, scope: Any) -> Case:
        found: list[dict[str, Any]] = []

        def refuse(field: str, message: str, code: str = "invalid") -> None:
            found.append(problem(code, message, field))

        township_id = values.get("township_id") or scope.default_township_id
        township = _org(township_id, OrgKind.TOWNSHIP)
        if township_id is None:
            refuse("township_id", gettext("This field is required"), "required")
        elif township is None:
            refuse("township_id", gettext("No township with this id."), "not_found")
        village = None
        if values.get("village_id") is not None:
            village = _org(values["village_id"], OrgKind.VILLAGE)
            if village is None:
                refuse("village_id", gettext("No village with this id."), "not_found")
        unit = None
        if values.get("responsible_unit_id") is not None:
            unit = db.session.get(OrgUnit, values["responsible_unit_id"])
            unit_problem = responsible_unit_problem(unit, scope)
            if unit_problem is not None:
                refuse("responsible_unit_id", unit_problem.message)
                unit = None
        reported = None
        not_sure = values.get("reported_unit_not_sure", False)
        if values.get("reported_unit_id") is not None:
            reported = db.session.get(OrgUnit, values["reported_unit_id"])
            if reported is None or not reported.active or reported.kind == OrgKind.COUNTY.value:
                refuse("reported_unit_id", gettext("No unit with this id."), "not_found")
                reported = None
        if values.get("reported_unit_id") is None or reported is not None:
            # The registration form's rule: an accusation names its unit or says 不清楚.
            for rule in reported_unit_problems(category=values["category"], reported_unit=reported,
                                               responsible_unit=unit, actor_lineage=scope.lineage,
                                               required=True, not_sure=not_sure):
                refuse("responsible_unit_id" if rule.field == "responsible_unit" else "reported_unit_id",
                       rule.message, "required" if reported is None and not not_sure else "invalid")
        subject = None
        if values.get("subject_id") is not None:
            subject = db.session.get(Subject, values["subject_id"])
            if subject is None or not subject.active:
                refuse("subject_id", gettext("No subject with this id."), "not_found")
        error = future_error(values["received_at"])
        if error:
            refuse("received_at", error)
        people = values["petitioners"]
        for index, person in enumerate(people):
            if not person["name"].strip():
                refuse(f"petitioners[{index}].name", gettext("Enter the petitioner's name"), "required")
            if person.get("id_number"):
                error = id_number_error(person["id_number"])
                if error:
                    refuse(f"petitioners[{index}].id_number", error, "invalid_id_number")
            if person.get("phone"):
                error = phone_error(person["phone"])
                if error:
                    refuse(f"petitioners[{index}].phone", error, "invalid_phone")
        people_count = values.get("people_count") or len(people)
        if township is not None:
            for rule in case_problems(
                scope=scope, township_id=township.id, village=village, channel=values["channel"],
                people_count=people_count, named=len(people), responsible_unit=unit,
            ):
                refuse(FIELD_NAMES.get(rule.field or "", rule.field or ""), rule.message,
                       "outside_area" if rule.field == "township" else rule.code)
        if found:
            raise errors.invalid(found, 422)
        return Case(
            channel=values["channel"],
            received_at=values["received_at"],
            category=values["category"],
            subject_id=subject.id if subject else None,
            title=values["title"].strip(),
            content=values["content"],
            demands=values.get("demands") or None,
            people_count=people_count,
            township_id=township.id,
            village_id=village.id if village else None,
            responsible_unit_id=unit.id if unit else None,
            reported_unit_id=reported.id if reported else None,
            reported_unit=reported,
            skips_levels=values.get("skips_levels", False),
            petitioners=[
                Petitioner(
                    name=p["name"].strip(),
                    id_number=normalize_id_number(p["id_number"]) if p.get("id_number") else None,
                    phone=normalize_phone(p["phone"]) if p.get("phone") else None,
                    address=(p.get("address") or "").strip() or None,
                    sort_order=position,
                )
                for position, p in enumerate(people)
            ],
        )


def _org(unit_id: int | None, kind: OrgKind) -> OrgUnit | None:
    if unit_id is None:
        return None
    unit = db.session.get(OrgUnit, unit_id)
    if unit is None or not unit.active or unit.kind != kind.value:
        return None
    return unit
