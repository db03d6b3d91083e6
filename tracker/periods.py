"""Dates and periods as UK public bodies report them.

Official statistics and council performance reports run by financial year,
April to March: Q1 is April-June, Q4 is January-March. Labels are the ones
used in published tables: years ``2019/20``, quarters ``2019/20 Q1``, months
``2019-04``. Every module that buckets dates by period uses this one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Literal

from tracker.errors import InvalidValueError

Grain = Literal["month", "quarter", "year"]
# How people read each grain, and a label of each kind for help and error messages.
GRAIN_ADJECTIVES: dict[str, str] = {"month": "monthly", "quarter": "quarterly", "year": "yearly"}
EXAMPLE_LABELS: dict[str, str] = {"month": "2020-05", "quarter": "2020/21 Q1", "year": "2020/21"}

_ISO = re.compile(r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})\s*$")
_UK = re.compile(r"^\s*(\d{1,2})[/.](\d{1,2})[/.](\d{4})\s*$")


def parse_date(text: str, *, what: str = "date") -> date:
    """A date written as 2020-04-01 or 01/04/2020 (day first, the UK form)."""
    m = _ISO.match(text)
    if m:
        y, mo, d = (int(g) for g in m.groups())
    else:
        m = _UK.match(text)
        if not m:
            raise InvalidValueError(
                f"{what} '{text}' is not a date", hint="write it as YYYY-MM-DD or DD/MM/YYYY"
            )
        d, mo, y = (int(g) for g in m.groups())
    try:
        return date(y, mo, d)
    except ValueError as exc:
        raise InvalidValueError(
            f"{what} '{text}' is not a real date ({exc})", hint="check the day and month"
        ) from None


@dataclass(frozen=True, order=True)
class Period:
    """A month, financial quarter or financial year, with its first and last day."""

    start: date
    end: date
    grain: Grain
    label: str
    start_month: int = 4  # the month the financial year starts in

    def next(self) -> Period:
        return period_of(self.end + timedelta(days=1), self.grain, self.start_month)

    def previous(self) -> Period:
        return period_of(self.start - timedelta(days=1), self.grain, self.start_month)

    def year_earlier(self) -> Period:
        return period_of(_shift_years(self.start, -1), self.grain, self.start_month)

    def contains(self, day: date) -> bool:
        return self.start <= day <= self.end


def _shift_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def financial_year_start(day: date, start_month: int = 4) -> int:
    """The calendar year in which the financial year holding ``day`` begins."""
    return day.year if day.month >= start_month else day.year - 1


def _fy_label(first_year: int, start_month: int) -> str:
    if start_month == 1:
        return str(first_year)
    return f"{first_year}/{(first_year + 1) % 100:02d}"


def _month_start(year: int, month: int) -> date:
    year += (month - 1) // 12
    month = (month - 1) % 12 + 1
    return date(year, month, 1)


def period_of(day: date, grain: Grain, start_month: int = 4) -> Period:
    """The period of ``grain`` that contains ``day``."""
    if grain == "month":
        start = date(day.year, day.month, 1)
        end = _month_start(day.year, day.month + 1) - timedelta(days=1)
        return Period(start, end, "month", f"{day.year}-{day.month:02d}", start_month)
    fy = financial_year_start(day, start_month)
    if grain == "year":
        start = date(fy, start_month, 1)
        end = _month_start(fy, start_month + 12) - timedelta(days=1)
        return Period(start, end, "year", _fy_label(fy, start_month), start_month)
    months_in = (day.year - fy) * 12 + day.month - start_month
    q = months_in // 3 + 1
    start = _month_start(fy, start_month + (q - 1) * 3)
    end = _month_start(fy, start_month + q * 3) - timedelta(days=1)
    return Period(start, end, "quarter", f"{_fy_label(fy, start_month)} Q{q}", start_month)


_Q = re.compile(r"^\s*(\d{4})(?:/(\d{2}))?\s*Q([1-4])\s*$", re.IGNORECASE)
_Y = re.compile(r"^\s*(\d{4})/(\d{2})\s*$")
_M = re.compile(r"^\s*(\d{4})-(\d{2})\s*$")


def parse_period(label: str, start_month: int = 4) -> Period:
    """``2020/21 Q1``, ``2020/21`` or ``2020-05`` as a Period."""
    m = _Q.match(label)
    if m:
        first = int(m.group(1))
        if not m.group(2) and start_month != 1:
            # '2020 Q3' could be July-September 2020 or the financial year's Q3: never guess.
            q = int(m.group(3))
            raise InvalidValueError(
                f"period '{label.strip()}' does not say which financial year",
                hint=f"write {first}/{(first + 1) % 100:02d} Q{q} or "
                f"{first - 1}/{first % 100:02d} Q{q} (quarters follow the financial year: "
                "Q1 is April-June)",
            )
        if m.group(2) and int(m.group(2)) != (first + 1) % 100:
            raise InvalidValueError(
                f"period '{label}' names two years that do not follow",
                hint="write a quarter as 2020/21 Q1",
            )
        day = _month_start(first, start_month + (int(m.group(3)) - 1) * 3)
        return period_of(day, "quarter", start_month)
    m = _Y.match(label)
    if m:
        first = int(m.group(1))
        if int(m.group(2)) != (first + 1) % 100:
            raise InvalidValueError(
                f"period '{label}' names two years that do not follow",
                hint="write a financial year as 2020/21",
            )
        return period_of(date(first, start_month, 1), "year", start_month)
    m = _M.match(label)
    if m and 1 <= int(m.group(2)) <= 12:
        return period_of(date(int(m.group(1)), int(m.group(2)), 1), "month", start_month)
    raise InvalidValueError(
        f"period '{label}' is not a period",
        hint="write a quarter as 2020/21 Q1, a financial year as 2020/21 or a month as 2020-05",
    )


def periods_between(first: date, last: date, grain: Grain, start_month: int = 4) -> list[Period]:
    """Every period of ``grain`` from the one holding ``first`` to the one holding ``last``."""
    out = []
    p = period_of(first, grain, start_month)
    while p.start <= last:
        out.append(p)
        p = period_of(p.end + timedelta(days=1), grain, start_month)
    return out


def clocks_change_at(moment: datetime) -> bool:
    """Whether the local time ``moment`` (naive date and time with its ``tzinfo``) does not
    exist or happens twice because the clocks change then: its two readings differ."""
    return moment.utcoffset() != moment.replace(fold=1).utcoffset()
