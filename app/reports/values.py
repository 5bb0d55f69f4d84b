"""A figure's value (a rate, a count or a change) and how it reads: "90.7%", "224 / 247", "—"."""

from __future__ import annotations

DASH = "—"


def percent(numerator: int, denominator: int | None, signed: bool = False) -> str:
    """'90.7%' (half up, one decimal), or '—' when there is nothing below the line."""
    if not denominator:
        return DASH
    # Tenths of a percent, half away from zero, in integers (a report formats some 800 rates;
    # Decimal took a tenth of the page's Python time).
    magnitude = abs(numerator) * 1000
    tenths = (2 * magnitude + abs(denominator)) // (2 * abs(denominator))
    negative = numerator != 0 and (numerator < 0) != (denominator < 0)
    value = f"{tenths // 10}.{tenths % 10}"
    if signed:
        return "0.0%" if not tenths else (f"−{value}%" if negative else f"+{value}%")
    return f"-{value}%" if negative else f"{value}%"


class Value:
    """One figure's value: a rate (numerator / denominator), a count, or a change on a base.

    Never changed once made (additions make a new one). A plain class with slots, not a frozen
    dataclass: a county's report makes some 10,000 of them, and a frozen dataclass takes twice as
    long to make."""

    __slots__ = ("kind", "numerator", "denominator")

    def __init__(self, kind: str, numerator: int = 0, denominator: int | None = None) -> None:
        self.kind = kind  # "rate" | "count" | "change"
        self.numerator = numerator
        self.denominator = denominator

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Value):
            return NotImplemented
        return (self.kind, self.numerator, self.denominator) == (other.kind, other.numerator, other.denominator)

    def __hash__(self) -> int:
        return hash((self.kind, self.numerator, self.denominator))

    def __repr__(self) -> str:
        return f"Value({self.kind!r}, {self.numerator!r}, {self.denominator!r})"

    @property
    def rate(self) -> float | None:
        """The ratio (0.907), or None when the denominator is 0 — never a division error."""
        if self.kind == "count" or not self.denominator:
            return None
        if self.kind == "change":
            return (self.numerator - self.denominator) / self.denominator
        return self.numerator / self.denominator

    @property
    def text(self) -> str:
        if self.kind == "count":
            return str(self.numerator)
        if self.kind == "change":
            # numerator: this period's count; denominator: the same period a year earlier.
            if not self.denominator:
                return DASH
            return percent(self.numerator - self.denominator, self.denominator, signed=True)
        return percent(self.numerator, self.denominator)

    @property
    def detail(self) -> str:
        """'224 / 247' beside a rate; the base for a change."""
        if self.kind == "count":
            return ""
        return f"{self.numerator} / {self.denominator or 0}"

    def __add__(self, other: Value) -> Value:
        den = None if self.denominator is None and other.denominator is None else (
            (self.denominator or 0) + (other.denominator or 0))
        return Value(self.kind, self.numerator + other.numerator, den)

    def __str__(self) -> str:
        return self.text


# Values never change once made: one zero per kind serves every empty cell.
ZEROS = {kind: Value(kind, 0, None if kind == "count" else 0) for kind in ("rate", "count", "change")}
