"""The public forms. They carry the CSRF token and the raw values; the rules in
submission.py / progress.py decide what is valid, with messages named by field."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, MultipleFileField, StringField, TextAreaField


class PetitionForm(FlaskForm):
    mailbox = StringField()
    department = StringField()
    township = StringField()
    village = StringField()
    category = StringField()
    reported_unit = StringField()
    subject = StringField()
    title = StringField()
    content = TextAreaField()
    name = StringField()
    phone = StringField()
    id_number = StringField()
    attachments = MultipleFileField()
    consent = BooleanField()
    # A field people never see (hidden by the stylesheet): only robots fill it in.
    homepage = StringField()
    form_token = HiddenField()


class LookupForm(FlaskForm):
    code = StringField()
    phone_tail = StringField()


class SmsStopForm(FlaskForm):
    """Stop the text messages about one petition: code + phone digits, and the confirmation."""

    code = StringField()
    phone_tail = StringField()
    confirm = BooleanField()


class RatingForm(FlaskForm):
    satisfaction = StringField()
    comment = TextAreaField()


class LeaveForm(FlaskForm):
    """Forget the looked-up case in this browser (a shared computer)."""
