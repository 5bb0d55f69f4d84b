"""Form pieces of the ledger pages: the party rows of an entry, and the small workflow forms.

Parties are entered on the entry's own form, one row each, like the petitioners of a case. A row
may quote the number of a case the person brought; the party is then linked to that case and,
when the names match, to the petitioner record (for the close-out check).
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import Optional, ValidationError

from app.core.validators import IdNumber, MaxLength, NotInFuture, Phone
from app.ledgers.models import ListLevel

MAX_PARTIES = 50


class PartyForm(Form):
    id = HiddenField()
    name = StringField(_l("Person's name"), validators=[Optional(), MaxLength(50)])
    id_number = StringField(_l("ID number"), validators=[Optional(), IdNumber()])
    phone = StringField(_l("Phone"), validators=[Optional(), Phone()])
    address = StringField(_l("Address"), validators=[Optional(), MaxLength(200)])
    case_number = StringField(_l("Case number"), validators=[Optional(), MaxLength(24)])

    FIELDS = ("name", "id_number", "phone", "address", "case_number")

    def is_blank(self) -> bool:
        return not any((self[f].data or "").strip() for f in self.FIELDS)

    def validate_name(self, field) -> None:
        if not (field.data or "").strip() and not self.is_blank():
            raise ValidationError(gettext("Enter the party's name"))


class PartyRowsField(FieldList):
    """The `parties` of an entry; blank rows are ignored. Writes back by id (no duplicates)."""

    def __init__(self, label: Any = None, **kwargs: Any) -> None:
        super().__init__(
            FormField(PartyForm), label=label or _l("Parties"), min_entries=1, max_entries=MAX_PARTIES, **kwargs
        )

    def filled_rows(self) -> list[PartyForm]:
        return [entry.form for entry in self.entries if not entry.form.is_blank()]

    @property
    def own_errors(self) -> list[str]:
        return [e for e in self.errors if isinstance(e, str)]

    def populate_obj(self, obj: Any, name: str) -> None:  # noqa: ARG002 — always .parties
        from app.ledgers.models import LedgerParty

        existing = {str(p.id): p for p in obj.parties if p.id is not None}
        kept: list[LedgerParty] = []
        for position, row in enumerate(self.filled_rows()):
            party = existing.pop(str(row.id.data), None) if row.id.data else None
            if party is None:
                party = LedgerParty()
            party.name = row.name.data.strip()
            party.id_number = row.id_number.data or None
            party.phone = row.phone.data or None
            party.address = (row.address.data or "").strip() or None
            party.sort_order = position
            # Resolved to case_id/petitioner_id by the view (it knows the user's scope).
            party.case_number_input = (row.case_number.data or "").strip().upper() or None
            kept.append(party)
        obj.parties = kept


class NoteForm(FlaskForm):
    noted_on = DateField(_l("Date"), validators=[Optional(), NotInFuture()])
    text = TextAreaField(_l("Progress"), validators=[Optional(), MaxLength(5000)])


class LevelForm(FlaskForm):
    level = SelectField(_l("New level"), choices=lambda: [("", "—"), *ListLevel.choices()], validators=[Optional()])
    reason = TextAreaField(_l("Reason for the change"), validators=[Optional(), MaxLength(2000)])


class ResolveForm(FlaskForm):
    resolved_on = DateField(_l("Resolved on"), validators=[Optional(), NotInFuture()])
    note = TextAreaField(_l("How it was resolved"), validators=[Optional(), MaxLength(2000)])


class CloseOutApplyForm(FlaskForm):
    reason = TextAreaField(_l("Grounds"), validators=[Optional(), MaxLength(2000)])


class CloseOutDecideForm(FlaskForm):
    request_id = HiddenField()
    decision = HiddenField()
    note = TextAreaField(_l("Opinion"), validators=[Optional(), MaxLength(2000)])

