"""The petitioner rows of the case registration form.

A case has one or more petitioners, entered on the same page as the case (a clerk at the
reception desk registers the visit in one go). Each row is a small sub-form with the same
validators as everywhere else; `PetitionerRowsField` writes the rows back to `case.petitioners`
(update by id, add new, drop removed) so editing never duplicates or loses a person.
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from wtforms import FieldList, Form, FormField, HiddenField, StringField
from wtforms.validators import Optional, ValidationError

from app.core.validators import IdNumber, MaxLength, Phone

MAX_PETITIONERS = 50


class PetitionerForm(Form):
    id = HiddenField()
    name = StringField(_l("Person's name"), validators=[Optional(), MaxLength(50)])
    id_number = StringField(_l("ID number"), validators=[Optional(), IdNumber()])
    phone = StringField(_l("Phone"), validators=[Optional(), Phone()])
    address = StringField(_l("Address"), validators=[Optional(), MaxLength(200)])

    def is_blank(self) -> bool:
        return not any(
            (self[f].data or "").strip() for f in ("name", "id_number", "phone", "address")
        )

    def validate(self, extra_validators: Any = None) -> bool:
        # Checked here, not as validate_name: the field's Optional() stops its own validator
        # chain when the name is empty or missing, so an inline validator would never run (the
        # fuzzing found a row with an ID number and no name field crashing the save).
        valid = super().validate(extra_validators)
        if not (self.name.data or "").strip() and not self.is_blank():
            self.name.errors = [*self.name.errors, gettext("Enter the petitioner's name")]
            return False
        return valid


def at_least_one_petitioner(form, field) -> None:
    if not field.filled_rows():
        raise ValidationError(gettext("Enter at least one petitioner"))


class PetitionerRowsField(FieldList):
    """Rows of petitioners; blank rows are ignored, at least one named person is required.

    The field is named `petitioners`, so the edit form is prefilled from `case.petitioners`.
    """

    def __init__(self, label: Any = None, **kwargs: Any) -> None:
        super().__init__(
            FormField(PetitionerForm),
            label=label or _l("Petitioners"),
            min_entries=1,
            max_entries=MAX_PETITIONERS,
            validators=[at_least_one_petitioner],
            **kwargs,
        )

    def filled_rows(self) -> list[PetitionerForm]:
        return [entry.form for entry in self.entries if not entry.form.is_blank()]

    @property
    def own_errors(self) -> list[str]:
        """Errors about the list itself (the row errors are shown in each row)."""
        return [e for e in self.errors if isinstance(e, str)]

    def populate_obj(self, obj: Any, name: str) -> None:  # noqa: ARG002 — always .petitioners
        from app.cases.models import Petitioner

        existing = {str(p.id): p for p in obj.petitioners if p.id is not None}
        kept: list[Petitioner] = []
        for position, row in enumerate(self.filled_rows()):
            person = existing.pop(str(row.id.data), None) if row.id.data else None
            if person is None:
                person = Petitioner()
            person.name = row.name.data.strip()
            person.id_number = row.id_number.data or None
            person.phone = row.phone.data or None
            person.address = (row.address.data or "").strip() or None
            person.sort_order = position
            kept.append(person)
        obj.petitioners = kept
