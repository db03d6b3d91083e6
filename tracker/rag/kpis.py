"""KPI ratings that explain themselves: RAG against a target, and direction of travel.

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

from decimal import Decimal

from tracker.figures import Direction, Figure, fmt_number, fmt_target, fmt_value
from tracker.rag import AMBER, CONTEXTUAL, GREEN, GREY, RED, Rating

# Direction of travel: how a figure compares with an earlier one, for the better or worse.
IMPROVED, WORSE, SAME, NA = "improved", "worse", "same", "n/a"


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
