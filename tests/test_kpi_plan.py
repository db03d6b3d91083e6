"""``tracker plan check`` on KPI definitions: what a measure may and may not say."""

from __future__ import annotations

from pathlib import Path

from tracker.plan.loader import check_plan

KPI41_MEASURE = """    measure:
      kind: percentage
      dataset: referrals
      numerator: {outcome: No further action}"""


def messages(path: Path, old: str, new: str) -> list[str]:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")
    return [p.message for p in check_plan(path)]


def test_the_shipped_plan_is_valid(plan_copy: Path) -> None:
    assert check_plan(plan_copy) == []


def test_cumulative_only_adds_up_counts_and_sums(plan_copy: Path) -> None:
    found = messages(plan_copy, KPI41_MEASURE, "    cumulative: true\n" + KPI41_MEASURE)
    assert found == [
        "KPI KPI4.1 is cumulative, which only adds up count and sum measures, not "
        "'percentage'; remove 'cumulative: true' or change the measure"
    ]


def test_group_filters_name_groups_or_values(plan_copy: Path) -> None:
    found = messages(
        plan_copy,
        "where_not: {sector_group: [Education, Police]}",
        "where_not: {sector_group: [Educashun]}",
    )
    assert len(found) == 1
    assert found[0].startswith(
        "KPI KPI3.3: 'Educashun' is not a group or value of referrals.sector; use one of "
        "Community, Education, Family and friends, Health"
    )


def test_integer_filters_need_whole_numbers(plan_copy: Path) -> None:
    found = messages(
        plan_copy,
        "measure: {kind: count, dataset: referrals}",
        "measure: {kind: count, dataset: referrals, where: {age: sixteen}}",
    )
    assert found == [
        "KPI KPI4.2: 'sixteen' is not a whole number, and referrals.age is an integer field; "
        "write a whole number"
    ]


def test_keys_a_measure_does_not_use_are_reported(plan_copy: Path) -> None:
    found = messages(
        plan_copy,
        "measure: {kind: count, dataset: referrals}",
        "measure: {kind: count, dataset: referrals, field: age, numerator: {gender: Male}}",
    )
    assert found == [
        "KPI KPI4.2 measure 'count' does not use 'field'; remove it or choose the measure "
        "kind that uses it",
        "KPI KPI4.2 measure 'count' does not use 'numerator'; remove it or choose the measure "
        "kind that uses it",
    ]
