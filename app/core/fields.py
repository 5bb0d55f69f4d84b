"""Form fields of the generated views, and the fixes to what FAB's form generator produces."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask_appbuilder.fields import QuerySelectField
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DateField, DateTimeLocalField, SelectField
from wtforms import DateField as WTFDateField
from wtforms import DateTimeField as WTFDateTimeField
from wtforms.fields.core import UnboundField
from wtforms.validators import DataRequired, InputRequired

from app.core.choices import Choices


class LocalDateTimeField(DateTimeLocalField):
    """<input type="datetime-local"> to the second (an edit must not round a stored time);
    also accepts "2026-01-02 09:30[:00]" typed or posted."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("format", ["%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M"])
        super().__init__(*args, **kwargs)

    def _value(self) -> str:
        return self.data.strftime("%Y-%m-%dT%H:%M:%S") if self.data else super()._value()

    def __call__(self, **kwargs: Any) -> Any:
        kwargs.setdefault("class", "form-control")
        kwargs.setdefault("step", "1")
        return super().__call__(**kwargs)


class LocalDateField(DateField):
    """<input type="date">, localised by the browser."""

    def __call__(self, **kwargs: Any) -> Any:
        kwargs.setdefault("class", "form-control")
        kwargs.setdefault("type", "date")
        return super().__call__(**kwargs)


class ChoiceField(SelectField):
    """A vocabulary select box; the blank option stores NULL, not an empty string."""

    def populate_obj(self, obj: Any, name: str) -> None:
        setattr(obj, name, self.data or None)


def choices_of(model: Any) -> dict[str, type[Choices]]:
    """Columns of `model` that declare a vocabulary."""
    return {
        column.key: column.info["choices"]
        for column in model.__table__.columns
        if "choices" in column.info
    }


# Labels of the columns every model inherits (Stamped, Versioned, org-owned records): without
# them Flask-AppBuilder invents English ones from the column names ("Created At", "Org Unit") in
# show pages and the filter menu.
COMMON_LABELS = {
    "created_at": _l("Created at"),
    "created_by": _l("Created by"),
    "updated_at": _l("Last changed"),
    "updated_by": _l("Changed by"),
    "version": _l("Version"),
    "org_unit": _l("Org unit"),
}


def polish_form(form_class: Any) -> None:
    """Fix what FAB's form generator gets wrong for us, before any form is instantiated.

    - A non-nullable Boolean column gets InputRequired, so an unticked box would be refused;
    - an optional relation's blank option shows as "__None" in the select box;
    - date/time columns get a jQuery date picker in English that drops the time of a datetime:
      the browser's own date and time inputs are localised and keep the time.
    """
    for name in dir(form_class):
        unbound = getattr(form_class, name, None)
        if not isinstance(unbound, UnboundField):
            continue
        if unbound.field_class is WTFDateTimeField:
            unbound.field_class = LocalDateTimeField
            unbound.kwargs.pop("widget", None)
        elif unbound.field_class is WTFDateField:
            unbound.field_class = LocalDateField
            unbound.kwargs.pop("widget", None)
        elif issubclass(unbound.field_class, BooleanField):
            unbound.kwargs["validators"] = [
                v for v in unbound.kwargs.get("validators", []) or []
                if not isinstance(v, InputRequired | DataRequired)
            ]
        elif issubclass(unbound.field_class, QuerySelectField) and unbound.kwargs.get("allow_blank"):
            unbound.kwargs["blank_text"] = "—"


def choice_loader(vocabulary: type[Choices], required: bool) -> Callable[[], list[tuple[str, str]]]:
    def load() -> list[tuple[str, str]]:
        options = vocabulary.choices()
        return options if required else [("", "—"), *options]

    return load
