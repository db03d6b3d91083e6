"""KPI ratings that explain themselves: RAG against a target, direction of travel, trend.

Councils rate a KPI green when it meets its target, amber when it misses by no
more than an agreed tolerance (a percentage of the target) and red beyond
that; grey when it cannot be assessed (no data yet, or a figure hidden by
disclosure control that cannot be rated without revealing it). Contextual
indicators have no target and no colour. Every rating carries one sentence
saying why, so a Steering Group member never has to guess.

Everything here is a pure function of the figures: no database, no clock.
A figure is what the *reader* may see, so ratings and comparisons of hidden
small numbers only say what holds for every value the hidden one could be.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

Direction = Literal["higher", "lower"]

GREEN, AMBER, RED, GREY, CONTEXTUAL = "green", "amber", "red", "grey", "contextual"
IMPROVED, WORSE, SAME, NA = "improved", "worse", "same", "n/a"

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


@dataclass(frozen=True)
class Rating:
    rag: str  # green | amber | red | grey | contextual
    reason: str


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


def _dec(value: float) -> Decimal:
    return Decimal(repr(float(value)))


def classify(value: float, target: float, direction: Direction, tolerance: float) -> str:
    """green, amber or red for a value against a target (exact decimal arithmetic).

    Higher is better: green at or above the target, amber down to
    target - tolerance% of target, red below. Lower is better: the mirror.
    """
    v, t = _dec(value), _dec(target)
    band = abs(t) * _dec(tolerance) / 100
    if direction == "higher":
        if v >= t:
            return GREEN
        return AMBER if v >= t - band else RED
    if v <= t:
        return GREEN
    return AMBER if v <= t + band else RED


def judgement(rag: str, value: float, target: float, tolerance: float) -> str:
    """The words in brackets after a rating: why it is that colour."""
    tol = fmt_number(tolerance)
    if rag == GREEN:
        return "meets target" if _dec(value) == _dec(target) else "better than target"
    if rag == AMBER:
        return f"worse than target, within the {tol}% tolerance"
    return f"worse than target by more than the {tol}% tolerance"


def rate(
    figure: Figure,
    target: float | None,
    *,
    direction: Direction,
    tolerance: float,
    unit: str,
    period: str,
    subject: str | None = None,
    target_words: str = "a target of",
) -> Rating:
    """Rate ``figure`` against ``target`` with a one-sentence reason.

    ``subject`` replaces the value's own wording at the start of the reason
    (used for cumulative KPIs: "1,800 people so far; at this rate 5,160 by the
    review"). A hidden figure is rated only when every value it could be gets
    the same colour; otherwise it is grey, so the colour never gives it away.
    """
    if target is None:
        if not figure.has_data:
            return Rating(
                CONTEXTUAL, f"contextual indicator with no target; no data yet for {period}"
            )
        return Rating(
            CONTEXTUAL,
            f"contextual indicator: {subject or _subject(figure, unit)} in {period}, "
            "shown for context with no target, so not rated",
        )
    if not figure.has_data:
        return Rating(GREY, f"no data yet for {period}")
    wording = subject or _subject(figure, unit)
    goal = f"{target_words} {fmt_target(target, unit, direction)}"
    if figure.suppressed:
        if figure.bounds is None:
            return Rating(
                GREY,
                f"the figure for {period} is hidden because too few records lie behind it "
                "(disclosure control), so it is not rated",
            )
        low, high = figure.bounds
        rag_low = classify(low, target, direction, tolerance)
        rag_high = classify(high, target, direction, tolerance)
        if rag_low != rag_high:
            return Rating(
                GREY,
                f"{wording} against {goal}: the small number is hidden "
                "(disclosure control) and cannot be rated without revealing it",
            )
        words = (
            "meets or beats target"
            if rag_low == GREEN
            else judgement(rag_low, low, target, tolerance)
        )
        return Rating(rag_low, f"{wording} against {goal} ({words})")
    assert figure.value is not None
    rag = classify(figure.value, target, direction, tolerance)
    return Rating(
        rag, f"{wording} against {goal} ({judgement(rag, figure.value, target, tolerance)})"
    )


def _subject(figure: Figure, unit: str) -> str:
    if figure.suppressed:
        return f"{figure.label} {unit}".strip() if figure.label else "a hidden figure"
    assert figure.value is not None
    return fmt_value(figure.value, unit)


def direction_of_travel(current: Figure, other: Figure, direction: Direction) -> str:
    """improved, worse, same or n/a, from what a reader can see of both figures.

    With a hidden figure the answer is given only when it holds whatever the
    hidden value is (a hidden count of 1-4 against a shown 12); otherwise n/a.
    """
    if current.bounds is None or other.bounds is None:
        return NA
    c_low, c_high = current.bounds
    o_low, o_high = other.bounds
    if c_low == c_high == o_low == o_high and not (current.suppressed or other.suppressed):
        return SAME
    if c_low > o_high:
        return IMPROVED if direction == "higher" else WORSE
    if c_high < o_low:
        return WORSE if direction == "higher" else IMPROVED
    return NA


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
