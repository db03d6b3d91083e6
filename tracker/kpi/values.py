"""Which numbers a KPI may take: one gate for every way a KPI value enters tracker.

A value that cannot be right (not finite, a typo of a few extra zeros, half an
event) would be stored for good and then shown in every pack, so it is refused
at the door with a message that says what would be accepted. The rules (also in
docs/kpis.md, section 6):

* finite and 0 or more;
* at most 100 when the unit is ``%``;
* at most ``TARGET_FACTOR`` (1,000) times the KPI's target, or at most
  ``CEILING`` (1,000,000) when the KPI has no target (or a target of 0);
* a whole number when the KPI counts whole things: its unit is one of
  ``WHOLE_UNITS`` (events, sessions, people, referrals...), in the singular or
  plural, in any case.

``check_kpi_value`` is pure: it takes the KPI and the number and returns the
number to store, or raises an ``InvalidValueError``.
"""

from __future__ import annotations

import math

from tracker.errors import InvalidValueError
from tracker.plan.schema import Kpi

TARGET_FACTOR = 1_000
CEILING = 1_000_000

# Units counted in whole things. Anything else (%, days, hours, £, a score) may take fractions.
WHOLE_UNITS = frozenset(
    {
        "assessments",
        "attendees",
        "cases",
        "contacts",
        "courses",
        "events",
        "meetings",
        "organisations",
        "partners",
        "people",
        "persons",
        "referrals",
        "reports",
        "schools",
        "sessions",
        "staff",
        "visits",
        "workshops",
    }
)
_SINGULAR = {"person": "people"}


def counts_whole_units(kpi: Kpi) -> bool:
    """True when ``kpi``'s unit is a count of whole things (events, people, referrals...)."""
    unit = " ".join(kpi.unit.lower().split())
    unit = _SINGULAR.get(unit, unit)
    return unit in WHOLE_UNITS or f"{unit}s" in WHOLE_UNITS


def upper_bound(kpi: Kpi) -> float:
    """The largest value ``kpi`` accepts (see the module docstring)."""
    if kpi.unit.strip() == "%":
        return 100.0
    if kpi.target is not None and kpi.target > 0:
        return TARGET_FACTOR * kpi.target
    return float(CEILING)


def check_kpi_value(kpi: Kpi, number: float) -> float:
    """``number`` if ``kpi`` may take it (as a float, -0 made 0); else an InvalidValueError."""
    if not math.isfinite(number):
        raise InvalidValueError(
            f"value {number:g} for {kpi.id} is not a finite number",
            hint="give a number such as 12 or 12.5",
        )
    if number < 0:
        raise InvalidValueError(
            f"value {number:g} for {kpi.id} is not allowed", hint="give a number of 0 or more"
        )
    number = float(number) + 0.0
    bound = upper_bound(kpi)
    if number > bound:
        if kpi.unit.strip() == "%":
            raise InvalidValueError(
                f"value {_shown(number)} for {kpi.id} is over 100%",
                hint="give a percentage from 0 to 100",
            )
        if kpi.target is not None and kpi.target > 0:
            why = f"more than {TARGET_FACTOR:,} times its target of {_shown(kpi.target)}"
        else:
            why = f"more than {CEILING:,}, the most a KPI without a target accepts"
        raise InvalidValueError(
            f"value {_shown(number)} for {kpi.id} is {why}",
            hint=f"check the figure (at most {_shown(bound)} is accepted); if it is right, "
            "correct the KPI's target in the plan first",
        )
    if counts_whole_units(kpi) and not number.is_integer():
        raise InvalidValueError(
            f"value {_shown(number)} for {kpi.id} is not a whole number of {kpi.unit.strip()}",
            hint=f"give a whole number such as {math.floor(number)} or {math.ceil(number)}",
        )
    return number


def _shown(number: float) -> str:
    """A number as a person reads it: 6, 12.5, 6,000 or 1e+308 (never 309 digits)."""
    if abs(number) >= 1e15:
        return f"{number:g}"
    if number.is_integer():
        return f"{int(number):,}"
    return f"{number:,.6g}" if abs(number) < 1e6 else f"{number:,.2f}"
