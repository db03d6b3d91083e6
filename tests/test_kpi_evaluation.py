"""KPI evaluation without a database: the plan, a date and hand-made aggregates in, values out.

``tracker.kpi.evaluation`` is pure, so the rating, disclosure and cumulative rules
can be checked with inputs written by hand; tests/test_kpi_engine.py checks the
same rules end to end through the SQL.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from tracker import shipped
from tracker.kpi.evaluation import (
    Aggregate,
    KpiInputs,
    evaluate_history,
    evaluate_kpis,
    requests_for,
    select_kpis,
)
from tracker.plan.loader import load_plan

AS_OF = date(2020, 7, 1)


def _plan() -> Any:
    return load_plan(shipped.example_plan()).plan


def _one(kpi_id: str, inputs: KpiInputs, as_of: date = AS_OF) -> dict[str, Any]:
    plan = _plan()
    report = evaluate_kpis(plan, [plan.kpi(kpi_id)], inputs, as_of=as_of)
    (kpi,) = report.to_json()["kpis"]
    return kpi


def test_requests_cover_the_complete_periods_and_a_year_before() -> None:
    plan = _plan()
    requests = {r.kpi.id: r for r in requests_for(plan, plan.kpis, AS_OF)}
    assert "KPI1.1" not in requests  # manual: nothing to compute
    count = requests["KPI3.3"]
    assert (count.first_day, count.last_day, count.since) == (
        date(2018, 10, 1),
        date(2020, 6, 30),
        None,
    )
    cumulative = requests["KPI3.1"]
    assert (cumulative.first_day, cumulative.since) == (plan.plan.start, plan.plan.start)


def test_a_manual_kpi_is_rated_from_the_recorded_values() -> None:
    inputs = KpiInputs(manual={"KPI1.1": {"2020/21 Q1": 7, "2019/20 Q4": 6}})
    kpi = _one("KPI1.1", inputs)
    assert (kpi["period"], kpi["value"], kpi["rag"]) == ("2020/21 Q1", 7, "green")
    assert kpi["rag_reason"] == "7 events against a target of at least 6 (better than target)"
    assert kpi["previous"]["direction"] == "improved"


def test_a_small_count_is_hidden_and_not_rated() -> None:
    inputs = KpiInputs(
        aggregates={"KPI3.3": {"2020/21 Q1": Aggregate(rows=40, matched=3, value=3)}}
    )
    kpi = _one("KPI3.3", inputs)
    assert (kpi["value"], kpi["suppressed"], kpi["rag"]) == ("[c]", True, "grey")


def test_no_rows_in_the_period_is_no_data_not_zero() -> None:
    kpi = _one("KPI3.3", KpiInputs())
    assert (kpi["value"], kpi["rag"]) == (None, "grey")
    assert kpi["rag_reason"] == "no data yet for 2020/21 Q1"


def test_a_cumulative_kpi_gets_a_pro_rata_target_and_a_projection() -> None:
    rows = {
        "2019/20 Q3": Aggregate(rows=20, matched=20, value=600),
        "2019/20 Q4": Aggregate(rows=20, matched=20, value=600),
        "2020/21 Q1": Aggregate(rows=20, matched=20, value=600),
    }
    kpi = _one("KPI3.1", KpiInputs(aggregates={"KPI3.1": rows}))
    assert kpi["value"] == 1800
    assert kpi["projection"]["date"] == "2021-04-20"
    assert kpi["rag"] == kpi["projection"]["rag"]


def test_history_and_the_date_are_what_the_caller_gives() -> None:
    plan = _plan()
    kpi = plan.kpi("KPI1.1")
    history = evaluate_history(plan, kpi, KpiInputs(), as_of=date(2019, 12, 30)).to_json()
    assert history["as_of"] == "2019-12-30"
    assert history["periods"] == []
    assert select_kpis(plan, "so5") == [k for k in plan.kpis if k.objective == "SO5"]
