"""UK financial-year periods: Q1 is April to June; labels as in published tables."""

from __future__ import annotations

from datetime import date

import pytest

from tracker.errors import InvalidValueError
from tracker.periods import parse_date, parse_period, period_of, periods_between


@pytest.mark.parametrize(
    ("day", "quarter", "year"),
    [
        (date(2020, 3, 31), "2019/20 Q4", "2019/20"),
        (date(2020, 4, 1), "2020/21 Q1", "2020/21"),
        (date(2020, 6, 30), "2020/21 Q1", "2020/21"),
        (date(2020, 7, 1), "2020/21 Q2", "2020/21"),
        (date(2020, 12, 31), "2020/21 Q3", "2020/21"),
        (date(2021, 1, 1), "2020/21 Q4", "2020/21"),
        (date(1999, 12, 31), "1999/00 Q3", "1999/00"),
    ],
)
def test_financial_quarters_and_years(day: date, quarter: str, year: str) -> None:
    assert period_of(day, "quarter").label == quarter
    assert period_of(day, "year").label == year


def test_navigation() -> None:
    q = parse_period("2020/21 Q1")
    assert (q.start, q.end) == (date(2020, 4, 1), date(2020, 6, 30))
    assert q.previous().label == "2019/20 Q4"
    assert q.next().label == "2020/21 Q2"
    assert q.year_earlier().label == "2019/20 Q1"
    assert parse_period("2020-02").end == date(2020, 2, 29)
    assert parse_period("2019/20").end == date(2020, 3, 31)


def test_other_financial_year_start() -> None:
    q = period_of(date(2020, 1, 15), "quarter", start_month=1)
    assert q.label == "2020 Q1"
    assert q.previous().label == "2019 Q4"
    assert q.year_earlier().label == "2019 Q1"


def test_periods_between() -> None:
    labels = [p.label for p in periods_between(date(2019, 10, 1), date(2020, 4, 30), "quarter")]
    assert labels == ["2019/20 Q3", "2019/20 Q4", "2020/21 Q1"]


def test_a_quarter_without_its_financial_year_is_refused_not_guessed() -> None:
    with pytest.raises(InvalidValueError) as caught:
        parse_period("2020 Q3")
    assert str(caught.value) == (
        "period '2020 Q3' does not say which financial year: write 2020/21 Q3 or 2019/20 Q3 "
        "(quarters follow the financial year: Q1 is April-June)"
    )
    assert parse_period("2020 Q3", start_month=1).label == "2020 Q3"  # calendar years: no doubt


@pytest.mark.parametrize("text", ["2020/22 Q1", "2020 Q5", "Q1", "2020-13", "2020/22"])
def test_bad_periods(text: str) -> None:
    with pytest.raises(InvalidValueError):
        parse_period(text)


def test_dates() -> None:
    assert parse_date("2020-04-01") == date(2020, 4, 1)
    assert parse_date("01/04/2020") == date(2020, 4, 1)
    assert parse_date("1/4/2020") == date(2020, 4, 1)
    for bad in ("2020-02-30", "04/01/20", "April 1st", ""):
        with pytest.raises(InvalidValueError):
            parse_date(bad)
