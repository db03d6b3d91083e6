"""Each kind of measure against hand-computed values, on SQLite and PostgreSQL.

The referrals below straddle the end of the financial year (31 March / 1
April 2020) and one falls after the quarter, so every figure also checks
which period a row lands in. Values are read unsuppressed (analyst view).
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from tests.test_kpi_data import insert_records, referral, shipped_plan, training
from tracker.kpi.measures import Request, kpi_aggregates
from tracker.kpi.service import kpi_report as evaluate_kpis
from tracker.plan.schema import Kpi, Plan

AS_OF = date(2020, 7, 1)  # latest complete quarter: 2020/21 Q1 (April-June 2020)


def make_kpi(kpi_id: str, measure: dict[str, Any], **fields: Any) -> Kpi:
    spec = {
        "id": kpi_id,
        "name": f"Test {kpi_id}",
        "objective": "SO4",
        "owner": "police-prevent",
        "unit": "referrals",
        "target": 10,
        "direction": "higher",
        "frequency": "quarter",
        "measure": measure,
    }
    spec.update(fields)
    return Kpi.model_validate(spec)


def plan_with(*kpis: Kpi, **settings: Any) -> Plan:
    plan = shipped_plan()
    update: dict[str, Any] = {"kpis": list(kpis)}
    if settings:
        update["plan"] = plan.plan.model_copy(update=settings)
    return plan.model_copy(update=update)


def seed_referrals(engine: Any, plan: Plan) -> None:
    insert_records(
        engine,
        plan,
        "referrals",
        [
            referral(date(2020, 3, 31), sector="Schools"),  # 2019/20 Q4
            referral(date(2020, 4, 1), sector="Health", decided_on=date(2020, 4, 8)),  # Q1: 7 days
            referral(
                date(2020, 4, 15),
                sector="Policing (non-CT)",
                outcome="Adopted as Channel case",
                decided_on=date(2020, 5, 15),  # 30 days
            ),
            referral(
                date(2020, 5, 1),
                sector="Community",
                outcome="Signposted to other services",
                decided_on=date(2020, 5, 3),  # 2 days
            ),
            referral(date(2020, 6, 30), sector="Family and friends"),  # not decided
            referral(
                date(2020, 6, 30),
                sector="Other",
                outcome="Discussed at Channel panel",
                decided_on=date(2020, 7, 10),  # 10 days
            ),
            referral(date(2020, 7, 1), sector="Health"),  # 2020/21 Q2: after AS_OF's quarter
        ],
    )


def values(engine: Any, plan: Plan) -> dict[str, dict[str, Any]]:
    """KPI id -> period label -> value, as an analyst sees them."""
    report = evaluate_kpis(engine, plan, as_of=AS_OF, unsuppressed=True)
    out: dict[str, dict[str, Any]] = {}
    for r in report.kpis:
        assert r.latest is not None
        out[r.kpi.id] = {r.latest.period.label: r.latest.figure.value}
        out[r.kpi.id][r.previous.period or ""] = r.previous.figure.value
    return out


def test_counts_percentages_and_days(engine: Any) -> None:
    plan = plan_with(
        make_kpi("KPI4.1", {"kind": "count", "dataset": "referrals"}),
        make_kpi(
            "KPI4.2",
            {
                "kind": "count",
                "dataset": "referrals",
                "where_not": {"sector_group": ["Education", "Police"]},
            },
        ),
        make_kpi("KPI4.3", {"kind": "count", "dataset": "referrals", "where": {"sector": "NHS"}}),
        make_kpi(
            "KPI4.4",
            {"kind": "count", "dataset": "referrals", "where": {"sector_group": "education"}},
        ),
        make_kpi(
            "KPI4.5",
            {
                "kind": "percentage",
                "dataset": "referrals",
                "numerator": {"outcome": "NFA"},
            },
            unit="%",
        ),
        make_kpi(
            "KPI4.6",
            {
                "kind": "percentage",
                "dataset": "referrals",
                "where": {"outcome": ["Discussed at Channel panel", "adopted"]},
                "numerator": {"outcome": "Adopted as Channel case"},
            },
            unit="%",
        ),
        make_kpi(
            "KPI4.7",
            {
                "kind": "mean_days",
                "dataset": "referrals",
                "from_field": "received_on",
                "to_field": "decided_on",
            },
            unit="days",
        ),
        make_kpi(
            "KPI4.8",
            {
                "kind": "median_days",
                "dataset": "referrals",
                "from_field": "received_on",
                "to_field": "decided_on",
            },
            unit="days",
        ),
        make_kpi(
            "KPI4.9",
            {
                "kind": "median_days",
                "dataset": "referrals",
                "from_field": "received_on",
                "to_field": "decided_on",
                "where_not": {"sector": "Other"},
            },
            unit="days",
        ),
    )
    seed_referrals(engine, plan)
    got = values(engine, plan)
    q1, q4 = "2020/21 Q1", "2019/20 Q4"
    assert got["KPI4.1"] == {q1: 5, q4: 1}  # 31 March in Q4, 1 April in Q1, 1 July in neither
    assert got["KPI4.2"] == {q1: 4, q4: 0}  # Health, Community, Family and friends, Other
    assert got["KPI4.3"] == {q1: 1, q4: 0}  # NHS is an alias of Health
    assert got["KPI4.4"] == {q1: 0, q4: 1}  # Schools rolls up to Education
    assert got["KPI4.5"] == {q1: 40.0, q4: 100.0}  # 2 of 5 closed NFA
    assert got["KPI4.6"] == {q1: 50.0, q4: None}  # 1 adopted of 2 at Channel; Q4 has none
    assert got["KPI4.7"] == {q1: 12.3, q4: None}  # (7+30+2+10)/4 = 12.25, rounded half up
    assert got["KPI4.8"] == {q1: 8.5, q4: None}  # 2, 7, 10, 30: (7+10)/2
    assert got["KPI4.9"] == {q1: 7.0, q4: None}  # 2, 7, 30


def test_sums_and_other_period_lengths(engine: Any) -> None:
    sum_spec = {"kind": "sum", "dataset": "training", "field": "attendees"}
    plan = plan_with(
        make_kpi("KPI3.1", sum_spec, unit="people"),
        make_kpi(
            "KPI3.2", {**sum_spec, "where": {"course": "WRAP"}}, unit="people"
        ),  # WRAP is an alias
        make_kpi("KPI3.3", sum_spec, unit="people", frequency="year"),
        make_kpi("KPI3.4", sum_spec, unit="people", frequency="month"),
    )
    insert_records(
        engine,
        plan,
        "training",
        [
            training(date(2020, 3, 31), 10),
            training(date(2020, 4, 1), 20),
            training(date(2020, 4, 1), 5, course="Prevent e-learning", format="E-learning"),
            training(date(2020, 6, 30), 7, course="Refresher"),
        ],
    )
    got = values(engine, plan)
    assert got["KPI3.1"] == {"2020/21 Q1": 32, "2019/20 Q4": 10}
    assert got["KPI3.2"] == {"2020/21 Q1": 20, "2019/20 Q4": 10}
    assert got["KPI3.3"] == {"2019/20": 10, "2018/19": None}
    assert got["KPI3.4"] == {"2020-06": 7, "2020-05": None}


def test_one_query_serves_every_kpi_on_a_data_set(engine: Any) -> None:
    from sqlalchemy import event

    plan = shipped_plan()
    seed_referrals(engine, plan)
    statements: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if "data_record" in statement:
            statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        evaluate_kpis(engine, plan, as_of=AS_OF)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    # six KPIs on referrals and two on training: one grouped scan of each data set
    assert len(statements) == 2
    assert all("GROUP BY" in s for s in statements)


def test_where_not_keeps_rows_with_no_value(engine: Any) -> None:
    plan = plan_with(
        make_kpi(
            "KPI4.1",
            {"kind": "count", "dataset": "referrals", "where_not": {"age_band": "15 to 17"}},
        )
    )
    insert_records(
        engine,
        plan,
        "referrals",
        [
            referral(date(2020, 4, 2), age=16),
            referral(date(2020, 4, 3), age=None),  # age unknown: not excluded
            referral(date(2020, 4, 4), age=30),
        ],
    )
    assert values(engine, plan)["KPI4.1"]["2020/21 Q1"] == 2


def test_aggregates_report_rows_in_the_period_apart_from_matches(engine: Any) -> None:
    kpi = make_kpi(
        "KPI4.1", {"kind": "count", "dataset": "referrals", "where": {"sector": "Health"}}
    )
    plan = plan_with(kpi)
    seed_referrals(engine, plan)
    with engine.connect() as conn:
        got = kpi_aggregates(conn, plan, [Request(kpi, date(2020, 1, 1), date(2020, 6, 30))])
    q4, q1 = got["KPI4.1"]["2019/20 Q4"], got["KPI4.1"]["2020/21 Q1"]
    assert (q4.rows, q4.matched, q4.value) == (1, 0, 0.0)  # data, but no Health referral: zero
    assert (q1.rows, q1.matched, q1.value) == (5, 1, 1.0)
    assert "2020/21 Q2" not in got["KPI4.1"]  # 1 July is after the last day asked for


@pytest.mark.parametrize("kind", ["count", "sum"])
def test_cumulative_totals_start_at_the_strategy_start(engine: Any, kind: str) -> None:
    measure: dict[str, Any] = {"kind": kind, "dataset": "training"}
    if kind == "sum":
        measure["field"] = "attendees"
    plan = plan_with(
        make_kpi("KPI3.1", measure, unit="people", cumulative=True, target=100),
        start=date(2019, 10, 15),
    )
    insert_records(
        engine,
        plan,
        "training",
        [
            training(date(2019, 10, 1), 50),  # same quarter, before the strategy start
            training(date(2019, 10, 20), 3),
            training(date(2020, 2, 1), 4),
            training(date(2020, 5, 1), 5),
        ],
    )
    report = evaluate_kpis(engine, plan, as_of=AS_OF)
    (result,) = report.kpis
    expected = [1, 2, 3] if kind == "count" else [3, 7, 12]
    assert [r.figure.value for r in result.trend] == expected
    assert [r.period.label for r in result.trend] == ["2019/20 Q3", "2019/20 Q4", "2020/21 Q1"]
