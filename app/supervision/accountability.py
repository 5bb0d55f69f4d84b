"""Rules of accountability records (问责, 信访工作条例 Art. 43–45; seeds 000/001/002).

A record is held against a unit and/or a person, for a reason, on the cases and supervision
orders behind it, decided by a body on a day, with a document number (文号). County-level
supervisors record against any unit; a township's against units of their township (and persons
there). `township_id` — who the record belongs to — is the unit's township, else the
recorder's; the county's records have none. 检举控告 cases appear by number and title only
(app/cases/references.py).
"""

from __future__ import annotations

from flask_babel import gettext

from app.core.errors import DomainError
from app.core.scoping import Scope
from app.core.validators import future_error
from app.supervision.models import AccountabilityRecord


def record_problems(record: AccountabilityRecord, scope: Scope) -> list[DomainError]:
    problems: list[DomainError] = []
    unit = record.unit
    person = (record.person_name or "").strip()
    record.person_name = person or None
    record.person_post = (record.person_post or "").strip() or None
    if unit is None and not person:
        problems.append(DomainError(gettext("Name the unit or the person held to account (or both)"), field="unit"))
    if unit is not None and not scope.everything and unit.township_id not in scope.township_ids:
        problems.append(DomainError(gettext("You may record accountability for units of your own township only"),
                                    field="unit"))
    if not scope.everything and not scope.township_ids:
        problems.append(DomainError(gettext("Only county-level and township supervisors record accountability.")))
    error = future_error(record.decided_on)
    if error:
        problems.append(DomainError(error, field="decided_on"))
    return problems


def fill_township(record: AccountabilityRecord, scope: Scope) -> None:
    """Whose record it is: the unit's township, else the recorder's (none for the county)."""
    unit = record.unit
    if unit is not None and unit.township_id is not None:
        record.township_id = unit.township_id
    else:
        record.township_id = None if scope.everything else scope.default_township_id


def summarize(record: AccountabilityRecord) -> None:
    def cut(text: str) -> str:
        return text if len(text) <= 2000 else text[:1999] + "…"

    record.case_numbers = cut("、".join(c.number for c in record.cases))
    record.order_numbers = cut("、".join(o.number for o in record.orders))
