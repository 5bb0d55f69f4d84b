"""The small forms of the supervision pages (issue, answer, accept, escalate, tasks)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, SelectMultipleField, TextAreaField
from wtforms.validators import Optional

from app.core.validators import MaxLength
from app.supervision.models import OrderKind


class IssueForm(FlaskForm):
    kind = SelectField(_l("Kind of order"), choices=OrderKind.choices, default=OrderKind.SUPERVISE.value)
    # "" = each case's own responsible unit (one order per unit).
    unit = SelectField(_l("Addressed to"), choices=[], validate_choice=False)
    case_numbers = TextAreaField(_l("Case numbers"), validators=[Optional(), MaxLength(5000)])
    entry_numbers = TextAreaField(_l("Ledger numbers"), validators=[Optional(), MaxLength(2000)])
    requirement = TextAreaField(_l("Requirement"), validators=[Optional()])
    due_on = DateField(_l("Answer due by"), validators=[Optional()])


class AnswerForm(FlaskForm):
    text = TextAreaField(_l("Written answer"), validators=[Optional()])


class AcceptForm(FlaskForm):
    note = TextAreaField(_l("Opinion on the answer"), validators=[Optional(), MaxLength(5000)])


class EscalateForm(FlaskForm):
    targets = SelectMultipleField(_l("Cases carried into the new order"), choices=[], validate_choice=False)
    requirement = TextAreaField(_l("Requirement"), validators=[Optional()])
    due_on = DateField(_l("Answer due by"), validators=[Optional()])


class TaskForm(FlaskForm):
    unit = SelectField(_l("Unit"), choices=[], validate_choice=False)
    description = TextAreaField(_l("Follow-up task"), validators=[Optional()])
    due_on = DateField(_l("Deadline"), validators=[Optional()])


class CompleteTaskForm(FlaskForm):
    note = TextAreaField(_l("What was done"), validators=[Optional()])
