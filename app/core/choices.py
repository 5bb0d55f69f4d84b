"""Vocabularies stored as short English codes and shown as translated labels.

A column declares its vocabulary with ``info={"choices": Channel}``; the base views turn such
columns into select boxes, list formatters and search filters, and the API validates against
the same class. The label is a lazy gettext string, so the zh catalog holds the Chinese.
"""

from __future__ import annotations

import enum
from typing import Any


class Choices(str, enum.Enum):
    """``MEMBER = "code", lazy_gettext("Label")`` — the code is stored, the label is shown."""

    label: Any

    def __new__(cls, code: str, label: Any = None) -> Choices:
        member = str.__new__(cls, code)
        member._value_ = code
        member.label = label if label is not None else code
        return member

    def __str__(self) -> str:
        return str(self.label)

    @classmethod
    def codes(cls) -> list[str]:
        return [m.value for m in cls]

    @classmethod
    def choices(cls) -> list[tuple[str, str]]:
        """(code, label) pairs for a select box, labels resolved in the current locale."""
        return [(m.value, str(m.label)) for m in cls]

    @classmethod
    def label_of(cls, code: str | None) -> str:
        if code is None or code == "":
            return ""
        try:
            return str(cls(code).label)
        except ValueError:
            return str(code)
