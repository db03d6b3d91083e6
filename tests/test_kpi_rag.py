"""KPI rating rules: boundaries, grey, contextual, hidden figures, direction of travel, trend."""

from __future__ import annotations

from datetime import date

import pytest

from tracker.figures import Figure, pro_rata_target, projection, round_half_up, sparkline
from tracker.rag.kpis import classify, direction_of_travel, rate

HIDDEN_SMALL = Figure(3, True, (1, 4), "<5")  # a count of 1-4 shown as <5
HIDDEN = Figure(37.5, True, None, None)  # a percentage hidden because few rows lie behind it


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (150, "green"),  # exactly on target
        (151, "green"),
        (135, "amber"),  # exactly at the tolerance edge: 150 - 10% of 150
        (149.9, "amber"),
        (134.9, "red"),  # just beyond
        (0, "red"),
    ],
)
def test_higher_is_better_boundaries(value: float, expected: str) -> None:
    assert classify(value, 150, "higher", 10) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (50, "green"),  # exactly on target
        (38, "green"),
        (55, "amber"),  # exactly at the tolerance edge: 50 + 10% of 50 (55.000000001 in floats)
        (50.1, "amber"),
        (55.1, "red"),  # just beyond
    ],
)
def test_lower_is_better_boundaries(value: float, expected: str) -> None:
    assert classify(value, 50, "lower", 10) == expected


def test_tolerance_edges_use_exact_decimals() -> None:
    # 0.7 * 1.1 is 0.7700000000000001 in binary floating point
    assert classify(0.77, 0.7, "lower", 10) == "amber"
    assert classify(0.63, 0.7, "higher", 10) == "amber"
    assert classify(0, 0, "lower", 10) == "green"
    assert classify(1, 0, "lower", 10) == "red"


def _rate(figure: Figure, target: float | None, direction: str = "higher", unit: str = "people"):
    return rate(figure, target, direction=direction, tolerance=10, unit=unit, period="2020/21 Q2")  # type: ignore[arg-type]


def test_every_rating_explains_itself() -> None:
    assert _rate(Figure.shown(38), 50, "lower", "%").reason == (
        "38% against a target of at most 50% (better than target)"
    )
    r = _rate(Figure.shown(150), 150)
    assert (r.rating, r.reason) == (
        "green",
        "150 people against a target of at least 150 (meets target)",
    )
    r = _rate(Figure.shown(140), 150)
    assert (r.rating, r.reason) == (
        "amber",
        "140 people against a target of at least 150 (worse than target, within the 10% tolerance)",
    )
    r = _rate(Figure.shown(1200), 1500)
    assert (r.rating, r.reason) == (
        "red",
        "1,200 people against a target of at least 1,500 "
        "(worse than target by more than the 10% tolerance)",
    )
    r = _rate(Figure.shown(31.5), 30, "lower", "days")
    assert (r.rating, r.reason) == (
        "amber",
        "31.5 days against a target of at most 30 (worse than target, within the 10% tolerance)",
    )


def test_no_data_is_grey() -> None:
    r = _rate(Figure.no_data(), 150)
    assert (r.rating, r.reason) == ("grey", "no data yet for 2020/21 Q2")


def test_contextual_indicators_have_no_colour() -> None:
    r = _rate(Figure.shown(12), None, unit="referrals")
    assert r.rating == "contextual"
    assert r.reason == (
        "contextual indicator: 12 referrals in 2020/21 Q2, shown for context with no target, "
        "so not rated"
    )
    assert _rate(Figure.no_data(), None).rating == "contextual"


def test_a_hidden_count_is_rated_only_when_every_possible_value_agrees() -> None:
    # target 6, amber from 5.4: every value 1-4 is red, so red gives nothing away
    r = _rate(HIDDEN_SMALL, 6, unit="referrals")
    assert (r.rating, r.reason) == (
        "red",
        "<5 referrals against a target of at least 6 "
        "(worse than target by more than the 10% tolerance)",
    )
    # target 4: 4 would be green, 1 red; any colour would narrow the hidden value
    r = _rate(HIDDEN_SMALL, 4, unit="referrals")
    assert r.rating == "grey"
    assert "cannot be rated without revealing it" in r.reason
    assert "3" not in r.reason
    # lower is better, target 10: every value 1-4 is green
    assert _rate(HIDDEN_SMALL, 10, "lower").rating == "green"


def test_a_hidden_percentage_is_grey_and_its_value_stays_out_of_the_reason() -> None:
    r = _rate(HIDDEN, 50, "lower", "%")
    assert r.rating == "grey"
    assert "37.5" not in r.reason
    assert "disclosure control" in r.reason


@pytest.mark.parametrize(
    ("current", "other", "direction", "expected"),
    [
        (12, 9, "higher", "improved"),
        (12, 9, "lower", "worse"),
        (9, 12, "higher", "worse"),
        (9, 12, "lower", "improved"),
        (10, 10, "higher", "same"),
    ],
)
def test_direction_of_travel(current: float, other: float, direction: str, expected: str) -> None:
    assert (
        direction_of_travel(Figure.shown(current), Figure.shown(other), direction)  # type: ignore[arg-type]
        == expected
    )


def test_direction_of_travel_with_missing_or_hidden_figures() -> None:
    assert direction_of_travel(Figure.shown(5), Figure.no_data(), "higher") == "n/a"
    assert direction_of_travel(Figure.no_data(), Figure.shown(5), "higher") == "n/a"
    # a hidden 1-4 against a shown 12 is certainly lower, whatever it is
    assert direction_of_travel(HIDDEN_SMALL, Figure.shown(12), "higher") == "worse"
    assert direction_of_travel(HIDDEN_SMALL, Figure.shown(0), "higher") == "improved"
    # two hidden counts: saying which is bigger (or that they are equal) would reveal them
    assert direction_of_travel(HIDDEN_SMALL, Figure(2, True, (1, 4), "<5"), "higher") == "n/a"
    assert direction_of_travel(HIDDEN, Figure.shown(50), "lower") == "n/a"


def test_sparkline_scales_to_the_largest_value_and_hides_small_ones() -> None:
    assert sparkline([Figure.shown(v) for v in (0, 2, 4, 7)]) == "▁▃▅█"
    assert sparkline([Figure.shown(10), Figure.no_data(), Figure.shown(5)]) == "█·▅"
    # hidden counts are drawn at the bottom whatever they are: 1 and 4 look the same
    one, four = Figure(1, True, (1, 4), "<5"), Figure(4, True, (1, 4), "<5")
    assert sparkline([one, four, Figure.shown(40)]) == "▁▁█"
    assert sparkline([HIDDEN]) == "·"
    assert sparkline([]) == ""


def test_round_half_up() -> None:
    assert round_half_up(12.25, 1) == 12.3  # round() would give 12.2
    assert round_half_up(2.5) == 3
    assert round_half_up(1243.79) == 1244


def test_pro_rata_target_and_projection_share_one_straight_line() -> None:
    start, review = date(2019, 10, 1), date(2021, 4, 20)  # 568 days, both ends counted
    end = date(2020, 6, 30)  # day 274
    assert pro_rata_target(1300, start, end, review) == pytest.approx(1300 * 274 / 568)
    assert projection(600, start, end, review) == pytest.approx(600 * 568 / 274)
    # value / pro-rata target == projection / target, so both ratings always agree
    assert 600 / pro_rata_target(1300, start, end, review) == pytest.approx(
        projection(600, start, end, review) / 1300  # type: ignore[operator]
    )
    assert projection(600, start, review, review) is None
    assert pro_rata_target(1300, start, date(2021, 6, 30), review) == 1300
