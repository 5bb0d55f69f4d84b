"""Filling a reply template from a case: {信访人}, {编号}, {受理日期}, {事项} …

A placeholder the case has no value for (a case not yet accepted has no 受理日期), or one this
module does not know (a typo: {信访日期}), stays in the text as it was written and is named
back to the handler — never silently dropped or filled with a blank.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from app.cases.notices import chinese_date
from app.core import clock

PLACEHOLDER = re.compile(r"\{([^{}\s]{1,20})\}")


def _name(unit: Any) -> str:
    return unit.name if unit is not None else ""


# Placeholder → how the case fills it. The names are what a reply's author writes.
FILLERS: dict[str, Callable[[Any], str]] = {
    "信访人": lambda case: case.petitioner_names or "",
    "编号": lambda case: case.number or "",
    "登记日期": lambda case: chinese_date(case.received_at),
    "受理日期": lambda case: chinese_date(case.accepted_at),
    "事项": lambda case: case.title or "",
    "问题分类": lambda case: _name(case.subject),
    "乡镇": lambda case: _name(case.township),
    "承办单位": lambda case: _name(case.responsible_unit),
    "今日": lambda case: chinese_date(clock.now()),  # noqa: ARG005
}


def placeholders_in(text: str) -> list[str]:
    """The placeholders `text` uses, each once, in order of appearance."""
    return list(dict.fromkeys(PLACEHOLDER.findall(text or "")))


def unknown_placeholders(text: str) -> list[str]:
    return [name for name in placeholders_in(text) if name not in FILLERS]


@dataclass
class Filled:
    text: str
    unknown: list[str] = field(default_factory=list)  # not a placeholder this module knows
    missing: list[str] = field(default_factory=list)  # known, but the case has no value yet

    @property
    def unfilled(self) -> list[str]:
        return self.unknown + self.missing


def fill(text: str, case: Any) -> Filled:
    """`text` with every placeholder the case can fill filled; the others left as written."""
    values: dict[str, str] = {}
    result = Filled(text="")
    for name in placeholders_in(text):
        filler = FILLERS.get(name)
        if filler is None:
            result.unknown.append(name)
            continue
        value = filler(case)
        if value:
            values[name] = value
        else:
            result.missing.append(name)
    result.text = PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), text or "")
    return result
