"""Figures and the words for numbers: one place for formatting, rounding and trends.

A KPI value reaches a reader as a ``Figure`` (what they may see of it, after
disclosure control). The terminal, the Excel pack and the emails all write
numbers the same way through these functions: thousands separated, one
decimal place only when there is one, units, "at least 150" targets, and the
one half-up rounding (2.5 -> 3, as people round; never Python's ``round``).
Sparklines and the straight-line pro-rata targets of cumulative KPIs are here
too, because they are arithmetic on figures, not ratings.

Pure: no database, no clock, no terminal.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

Direction = Literal["higher", "lower"]

SPARK_BARS = "▁▂▃▄▅▆▇█"
SPARK_NO_DATA = "·"


@dataclass(frozen=True)
class Figure:
    """One KPI value as a reader may see it.

    ``value`` is the number (already rounded as reported); when ``suppressed``
    it is kept for analysts only and never shown. ``bounds`` is the range a
    reader can infer: ``(v, v)`` for a shown value, ``(1, threshold-1)`` for a
    hidden small count, None when nothing can be inferred (no data, or a
    hidden percentage or mean). ``label`` is the public text of a hidden
    value (``<5``), or None.
    """

    value: float | None
    suppressed: bool = False
    bounds: tuple[float, float] | None = None
    label: str | None = None

    @classmethod
    def shown(cls, value: float | None) -> Figure:
        if value is None:
            return cls(None)
        return cls(value, bounds=(value, value))

    @classmethod
    def no_data(cls) -> Figure:
        return cls(None)

    @property
    def has_data(self) -> bool:
        return self.value is not None or self.suppressed

    def public(self) -> float | int | str | None:
        """The value as it may be distributed: a number, '<5', or None."""
        if self.suppressed:
            return self.label
        return plain_number(self.value)


def round_half_up(value: float, places: int = 0) -> float:
    """Round as people do (2.5 -> 3), not as floats do."""
    quantum = Decimal(1).scaleb(-places)
    return float(Decimal(repr(value)).quantize(quantum, rounding=ROUND_HALF_UP))


def plain_number(value: float | None) -> float | int | None:
    """Whole numbers as int (so JSON shows 6, not 6.0)."""
    if value is None:
        return None
    return int(value) if float(value).is_integer() else value


def fmt_number(value: float) -> str:
    """1,800 or 31.5: thousands separated, one decimal place only when there is one."""
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.1f}"


def fmt_value(value: float, unit: str) -> str:
    """A value with its unit: 38%, 31.5 days, 1,800 people."""
    if unit == "%":
        return f"{fmt_number(value)}%"
    return f"{fmt_number(value)} {unit}".strip()


def fmt_target(target: float, unit: str, direction: Direction) -> str:
    """'at least 150' or 'at most 50%'."""
    bound = "at least" if direction == "higher" else "at most"
    number = f"{fmt_number(target)}%" if unit == "%" else fmt_number(target)
    return f"{bound} {number}"


def sparkline(figures: list[Figure]) -> str:
    """A tiny text chart of the trend, one character per period: '▁▃▅▇'.

    Bars scale from 0 to the largest shown value. Hidden small counts are drawn
    as the lowest bar whatever their value, so the chart reveals nothing the
    table hides; '·' marks a period with no data (or a hidden figure).
    """
    shown = [f.value for f in figures if not f.suppressed and f.value is not None]
    top = max(shown, default=0.0)
    out = []
    for f in figures:
        if f.suppressed:
            out.append(SPARK_BARS[0] if f.bounds is not None else SPARK_NO_DATA)
        elif f.value is None:
            out.append(SPARK_NO_DATA)
        elif top <= 0:
            out.append(SPARK_BARS[0])
        else:
            level = int(round_half_up(max(f.value, 0) / top * (len(SPARK_BARS) - 1)))
            out.append(SPARK_BARS[level])
    return "".join(out)


# --- cumulative KPIs: pro-rata targets and projections -----------------------------------


def days_inclusive(first: date, last: date) -> int:
    return (last - first).days + 1


def pro_rata_target(target: float, start: date, period_end: date, review: date) -> float:
    """The share of a by-the-review target due by ``period_end`` (straight line from the start)."""
    total = days_inclusive(start, review)
    elapsed = min(days_inclusive(start, period_end), total)
    return target * elapsed / total


def projection(value: float, start: date, period_end: date, review: date) -> float | None:
    """The value at the review at the daily rate since the start; None once it has passed."""
    if period_end >= review:
        return None
    return value * days_inclusive(start, review) / days_inclusive(start, period_end)
