"""Working days in England, checked against the official GOV.UK list.

The ``govuk-bank-holidays`` package ships GOV.UK's England and Wales list as a
cached JSON file; these tests read that copy (``use_cached_holidays=True``,
``load_backup_data``) so nothing goes to the network.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from govuk_bank_holidays.bank_holidays import BankHolidays

from tracker.schedule.calendar import bank_holidays, working_calendar

OFFICIAL = BankHolidays(use_cached_holidays=True)
DIVISION = BankHolidays.ENGLAND_AND_WALES


def _official_dates() -> set[date]:
    events = BankHolidays.load_backup_data()[DIVISION]["events"]
    return {date.fromisoformat(e["date"]) for e in events}


def _official_years() -> list[int]:
    return sorted({d.year for d in _official_dates()})


def test_every_year_of_the_official_list_matches() -> None:
    official = _official_dates()
    years = _official_years()
    assert len(years) >= 10 and years[0] <= 2019 and years[-1] >= 2021  # covers the strategy
    ours = set(bank_holidays(years))
    assert ours == official, f"missing {sorted(official - ours)}, extra {sorted(ours - official)}"


def test_easter_monday_and_august_are_bank_holidays_in_england() -> None:
    # holidays.UK() without subdiv="ENG" misses both.
    days = bank_holidays([2020, 2021])
    assert date(2020, 4, 13) in days and date(2021, 4, 5) in days  # Easter Monday
    assert date(2020, 8, 31) in days and date(2021, 8, 30) in days  # summer bank holiday


def test_the_2020_early_may_bank_holiday_was_friday_8_may() -> None:
    days = bank_holidays([2020])
    assert date(2020, 5, 8) in days
    assert date(2020, 5, 4) not in days  # the first Monday of May was a working day
    assert OFFICIAL.is_holiday(date(2020, 5, 8), division=DIVISION)


def test_weekend_holidays_give_their_substitute_days() -> None:
    cal = working_calendar([2020, 2021])
    # Boxing Day 2020 fell on a Saturday: Monday 28 December was the day off.
    assert not cal.is_working_day(date(2020, 12, 26))
    assert cal.why_closed(date(2020, 12, 26)) == "weekend"
    assert not cal.is_working_day(date(2020, 12, 28))
    assert "Boxing Day" in (cal.why_closed(date(2020, 12, 28)) or "")
    # Christmas 2021 fell on Saturday and Boxing Day on Sunday: 27 and 28 December were off.
    assert not cal.is_working_day(date(2021, 12, 27))
    assert not cal.is_working_day(date(2021, 12, 28))
    assert cal.is_working_day(date(2021, 12, 29))
    for day in (date(2020, 12, 28), date(2021, 12, 27), date(2021, 12, 28)):
        assert OFFICIAL.is_holiday(day, division=DIVISION)


def _official_working_days_before(day: date, n: int) -> date:
    days = OFFICIAL.work_days_before(division=DIVISION, date=day)
    for _ in range(n - 1):
        next(days)
    return next(days)


@pytest.mark.parametrize("n", [1, 5, 6, 8, 15, 20])
def test_counting_back_agrees_with_the_official_calendar(n: int) -> None:
    years = _official_years()
    cal = working_calendar(years)
    # Every Tuesday from 2019 to 2022: the day Steering Groups meet, across every holiday.
    day = date(2019, 1, 8)
    while day < date(2022, 12, 31):
        assert cal.working_days_before(day, n) == _official_working_days_before(day, n), day
        day += timedelta(days=7)


def test_counting_back_over_easter_and_ve_day() -> None:
    cal = working_calendar([2020, 2021])
    # Tuesday 12 May 2020, 3 working days before: Mon 11, (Fri 8 VE Day), Thu 7, Wed 6.
    assert cal.working_days_before(date(2020, 5, 12), 3) == date(2020, 5, 6)
    # Tuesday 20 April 2021, 15 working days before, over Good Friday and Easter Monday.
    assert cal.working_days_before(date(2021, 4, 20), 15) == date(2021, 3, 26)
    assert cal.working_days_between(date(2021, 3, 26), date(2021, 4, 20)) == 15
    assert cal.working_days_before(date(2021, 4, 20), 0) == date(2021, 4, 20)


def test_closures_are_not_working_days() -> None:
    closures = {date(2020, 12, 29): "Council offices closed", date(2020, 12, 27): "a Sunday"}
    cal = working_calendar([2020, 2021], closures=closures)
    assert cal.why_closed(date(2020, 12, 29)) == "Council offices closed"
    assert cal.why_closed(date(2020, 12, 27)) == "weekend"
    # Monday 4 January 2021, 2 working days before: Thu 31 Dec, (Fri 1 Jan), Wed 30 Dec.
    assert cal.working_days_before(date(2021, 1, 4), 2) == date(2020, 12, 30)
    assert cal.working_days_before(date(2021, 1, 4), 3) == date(2020, 12, 24)


def test_other_regions_and_unknown_ones() -> None:
    assert date(2020, 1, 2) in bank_holidays([2020], "scotland")
    assert date(2020, 1, 2) not in bank_holidays([2020], "england")
    with pytest.raises(ValueError, match="unknown region"):
        bank_holidays([2020], "atlantis")
