"""Values a KPI cannot take are refused wherever they enter: not finite, absurdly large, or
a fraction of a thing counted whole (5.5 events). The rules are in docs/kpis.md, section 6."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.test_kpi_cli import OWNER, stored_values
from tracker.errors import InvalidValueError
from tracker.kpi.values import CEILING, check_kpi_value, counts_whole_units, upper_bound
from tracker.plan.schema import Kpi

CHAIR = "channel.panel.chair@example.org"  # owns KPI5.3 (a percentage)


def kpi(unit: str, target: float | None = 6) -> Kpi:
    return Kpi(
        id="KPI9.9",
        name="A KPI",
        objective="SO1",
        unit=unit,
        target=target,
        direction="higher",
        frequency="quarter",
    )


@pytest.mark.parametrize(
    ("unit", "whole"),
    [
        ("events", True),
        ("Events", True),
        ("event", True),
        ("sessions", True),
        ("people", True),
        ("person", True),
        ("referrals", True),
        ("assessments", True),
        ("%", False),
        ("days", False),
        ("hours", False),
        ("£", False),
    ],
)
def test_whole_units_come_from_the_unit(unit: str, whole: bool) -> None:
    assert counts_whole_units(kpi(unit)) is whole


def test_the_bound_is_a_thousand_times_the_target_else_a_fixed_ceiling() -> None:
    assert upper_bound(kpi("events", 6)) == 6_000
    assert upper_bound(kpi("events", None)) == CEILING == 1_000_000
    assert upper_bound(kpi("events", 0)) == CEILING
    assert upper_bound(kpi("%", 50)) == 100
    assert check_kpi_value(kpi("events", 6), 6_000) == 6_000
    assert check_kpi_value(kpi("days", 30), 12.5) == 12.5
    assert str(check_kpi_value(kpi("events"), -0.0)) == "0.0"


@pytest.mark.parametrize(
    ("unit", "target", "value", "message"),
    [
        ("events", 6, float("nan"), "value nan for KPI9.9 is not a finite number"),
        ("events", 6, 1e308, "value 1e+308 for KPI9.9 is more than 1,000 times its target of 6"),
        ("events", 6, 6001, "value 6,001 for KPI9.9 is more than 1,000 times its target of 6"),
        (
            "events",
            None,
            2e6,
            "value 2,000,000 for KPI9.9 is more than 1,000,000, the most a KPI without a "
            "target accepts",
        ),
        ("events", 6, 5.5, "value 5.5 for KPI9.9 is not a whole number of events"),
        ("people", 6, 0.25, "value 0.25 for KPI9.9 is not a whole number of people"),
    ],
)
def test_values_that_cannot_be_right_are_refused(
    unit: str, target: float | None, value: float, message: str
) -> None:
    with pytest.raises(InvalidValueError) as caught:
        check_kpi_value(kpi(unit, target), value)
    assert str(caught.value).startswith(message + ": ")


@pytest.mark.parametrize(
    ("args", "user", "message"),
    [
        (
            ["KPI1.1", "--value", "1e308"],
            OWNER,
            "value 1e+308 for KPI1.1 is more than 1,000 times its target of 6: check the figure "
            "(at most 6,000 is accepted); if it is right, correct the KPI's target in the plan "
            "first",
        ),
        (
            ["KPI1.1", "--value", "1e400"],
            OWNER,
            "value inf for KPI1.1 is not a finite number: give a number such as 12 or 12.5",
        ),
        (
            ["KPI1.1", "--value", "5.5"],
            OWNER,
            "value 5.5 for KPI1.1 is not a whole number of events: give a whole number such as "
            "5 or 6",
        ),
        (
            ["KPI2.1", "--value", "2.5"],
            "hate.crime.lead@example.org",
            "value 2.5 for KPI2.1 is not a whole number of assessments: give a whole number such "
            "as 2 or 3",
        ),
        (
            ["KPI1.1", "--value", "1_000"],
            OWNER,
            "value '1_000' for KPI1.1 is not a number: give a number such as 12 or 12.5",
        ),
        (
            ["KPI5.3", "--value", "1e308"],
            CHAIR,
            "value 1e+308 for KPI5.3 is over 100%: give a percentage from 0 to 100",
        ),
    ],
)
def test_kpi_record_refuses_absurd_values_in_one_line(
    sqlite_cli: Any, args: list[str], user: str, message: str
) -> None:
    result = sqlite_cli("kpi", "record", *args, "--period", "2020/21 Q1", TRACKER_USER=user)
    assert (result.exit_code, result.output) == (1, f"error: {message}\n")
    assert stored_values(sqlite_cli) == []


def test_whole_values_and_fractional_percentages_are_recorded(sqlite_cli: Any) -> None:
    ok = sqlite_cli("kpi", "record", "KPI1.1", "--period", "2020/21 Q1", "--value", "6.0",
                    "--by", OWNER)  # fmt: skip
    assert ok.exit_code == 0, ok.output
    ok = sqlite_cli("kpi", "record", "KPI5.3", "--period", "2020/21 Q1", "--value", "85.5%",
                    "--by", CHAIR)  # fmt: skip
    assert ok.exit_code == 0, ok.output
    assert sorted(v[:3] for v in stored_values(sqlite_cli)) == [
        ("KPI1.1", "2020/21 Q1", 6.0),
        ("KPI5.3", "2020/21 Q1", 85.5),
    ]
    shown = json.loads(sqlite_cli("kpi", "show", "--as-of", "2020-07-01", "-f", "json").output)
    assert {k["id"]: k["value"] for k in shown["kpis"]}["KPI1.1"] == 6
