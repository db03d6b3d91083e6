"""Working days in England: weekdays that are neither bank holidays nor office closures.

Bank holidays come from the ``holidays`` package with ``subdiv="ENG"`` (the
plain ``UK`` calendar misses Easter Monday and the August bank holiday). It
lists a holiday that falls at a weekend beside its substitute day (Boxing Day
2020 on Saturday 26 December and "Boxing Day (observed)" on Monday 28th): the
weekend day is not a working day anyway, and the substitute is the day off.
It also knows the one-off changes, such as the early May bank holiday of 2020
moved to Friday 8 May for VE Day. ``tests/test_schedule_calendar.py`` checks
every year against the official GOV.UK list.

Closure days listed in the plan (``cycle.closures``) are not working days
either. Everything here is a pure function of dates; nothing reads the clock.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache

from tracker.plan.cycle import REGIONS

SATURDAY = 5


@dataclass(frozen=True)
class WorkingCalendar:
    """Which days are working days; ``closed`` maps each weekday off to its reason."""

    closed: Mapping[date, str] = field(default_factory=dict)
    first_year: int = 1900
    last_year: int = 2200

    def is_working_day(self, day: date) -> bool:
        return day.weekday() < SATURDAY and day not in self.closed

    def why_closed(self, day: date) -> str | None:
        """Why ``day`` is not a working day (None when it is one)."""
        if day in self.closed:
            return self.closed[day]
        if day.weekday() >= SATURDAY:
            return "weekend"
        return None

    def working_days_before(self, day: date, n: int) -> date:
        """The working day ``n`` working days before ``day`` (``day`` itself is not counted)."""
        if n < 0:
            raise ValueError("n must not be negative")
        current = day
        while n:
            current -= timedelta(days=1)
            if self.is_working_day(current):
                n -= 1
        if current.year < self.first_year:
            raise ValueError(f"{current} is before the years this calendar holds")
        return current

    def working_days_between(self, first: date, last: date) -> int:
        """Working days after ``first`` up to and including ``last`` (negative if reversed)."""
        if last < first:
            return -self.working_days_between(last, first)
        count = 0
        current = first
        while current < last:
            current += timedelta(days=1)
            count += self.is_working_day(current)
        return count


def bank_holidays(years: Iterable[int], region: str = "england") -> dict[date, str]:
    """The bank holidays of ``region`` that fall on weekdays, by date, with their names."""
    subdiv = REGIONS.get(region)
    if subdiv is None:
        raise ValueError(f"unknown region '{region}'; use one of {', '.join(REGIONS)}")
    return dict(_bank_holidays(tuple(sorted(set(years))), subdiv))


@lru_cache(maxsize=64)
def _bank_holidays(years: tuple[int, ...], subdiv: str) -> dict[date, str]:
    """Worked out once per process for each span of years: the ``holidays`` package loads
    every country's calendar on first use and computes each year (0.25 s, then ~15 ms a call,
    and a pack or a scheduler pass asks for the same years dozens of times)."""
    import holidays

    found = holidays.country_holidays("GB", subdiv=subdiv, years=list(years))
    return {day: str(name) for day, name in found.items() if day.weekday() < SATURDAY}


def working_calendar(
    years: Iterable[int],
    *,
    region: str = "england",
    closures: Mapping[date, str] | None = None,
) -> WorkingCalendar:
    """Bank holidays of ``region`` in ``years`` plus the ``closures`` (date -> reason)."""
    span = sorted(set(years))
    closed: dict[date, str] = dict(bank_holidays(span, region))
    for day, reason in (closures or {}).items():
        if day.weekday() < SATURDAY:
            closed.setdefault(day, reason)
    return WorkingCalendar(closed=closed, first_year=span[0], last_year=span[-1])
