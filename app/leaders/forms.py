"""The small forms of a holding's page: tick off a duty, add a note, end the holding."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, TextAreaField
from wtforms.validators import Optional

from app.leaders.models import HoldingStatus


class DutyForm(FlaskForm):
    duty = SelectField(_l("Duty"), choices=[], validate_choice=False)
    noted_on = DateField(_l("Done on"), validators=[Optional()])
    text = TextAreaField(_l("How it was fulfilled"), validators=[Optional()])


class HoldingNoteForm(FlaskForm):
    noted_on = DateField(_l("Date"), validators=[Optional()])
    text = TextAreaField(_l("Note"), validators=[Optional()])


class EndHoldingForm(FlaskForm):
    status = SelectField(
        _l("Holding outcome"),
        choices=lambda: [(c, label) for c, label in HoldingStatus.choices() if c != HoldingStatus.HOLDING.value],
        validate_choice=False,
    )
    ended_on = DateField(_l("Ended on"), validators=[Optional()])
    note = TextAreaField(_l("Why the holding ends"), validators=[Optional()])
