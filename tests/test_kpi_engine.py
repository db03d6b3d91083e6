"""KPI evaluation on SQLite and PostgreSQL: cumulative totals and projections, grey and
contextual ratings, direction of travel, disclosure control, manual values, history."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta
from typing import Any

import pytest

from tests.test_kpi_data import REPO, insert_records, referral, shipped_plan, training
from tests.test_kpi_measures import make_kpi, plan_with
from tracker.errors import InvalidValueError, NotFoundError
from tracker.kpi.engine import evaluate_kpis, kpi_history
from tracker.kpi.manual import record_kpi_value

AS_OF = date(2020, 7, 1)


def by_id(report: Any) -> dict[str, dict[str, Any]]:
    return {k["id"]: k for k in report.to_json()["kpis"]}


def load_shipped_plan(engine: Any) -> None:
    """Manual KPI values refer to the KPI rows a plan load creates."""
    from tracker.plan.loader import load_plan
    from tracker.plan.sync import sync_plan

    sync_plan(engine, load_plan(REPO / "objectives.yaml"), source="objectives.yaml")


# --- cumulative KPIs ---------------------------------------------------------------------------


def cumulative_plan() -> Any:
    return plan_with(
        make_kpi(
            "KPI3.1",
            {"kind": "sum", "dataset": "training", "field": "attendees"},
            objective="SO3",
            unit="people",
            cumulative=True,
            target=1300,
        )
    )


def seed_training(engine: Any, plan: Any, *extra: Any) -> None:
    insert_records(
        engine,
        plan,
        "training",
        [
            training(date(2019, 9, 30), 1000),  # before the strategy start (2019-10-01)
            training(date(2019, 11, 1), 100),
            training(date(2020, 2, 1), 200),
            training(date(2020, 5, 1), 300),
            *extra,
        ],
    )


def test_cumulative_kpi_is_projected_to_the_review(engine: Any) -> None:
    plan = cumulative_plan()
    seed_training(engine, plan)
    kpi = by_id(evaluate_kpis(engine, plan, as_of=AS_OF))["KPI3.1"]
    # 2019-10-01 to 2020-06-30 is 274 days of the 568 to the review on 2021-04-20
    assert kpi["value"] == 600
    assert kpi["target"] == 1300
    assert kpi["target_for_period"] == 627  # 1300 * 274 / 568 = 627.1
    assert kpi["projection"] == {
        "date": "2021-04-20",
        "value": 1244,  # 600 * 568 / 274 = 1243.8
        "rag": "amber",
        "suppressed": False,
    }
    assert kpi["rag"] == "amber"
    assert kpi["rag_reason"] == (
        "600 people by 2020-06-30 (pro-rata target 627); at this rate 1,244 by the review "
        "on 2021-04-20 against a target of at least 1,300 (worse than target, within the "
        "10% tolerance)"
    )
    assert kpi["previous"] == {
        "period": "2019/20 Q4",
        "value": 300,
        "direction": "improved",
        "suppressed": False,
    }
    # a year earlier is before the strategy start: there is no running total to compare
    assert kpi["year_ago"] == {
        "period": "2019/20 Q1",
        "value": None,
        "direction": "n/a",
        "suppressed": False,
    }
    assert kpi["trend"] == [100, 300, 600]
    assert kpi["trend_text"] == "▂▅█"


def test_cumulative_history_rates_each_period_against_its_pro_rata_target(engine: Any) -> None:
    plan = cumulative_plan()
    seed_training(engine, plan)
    history = kpi_history(engine, plan, "KPI3.1", as_of=AS_OF).to_json()
    rows = [(p["period"], p["value"], p["target"], p["rag"]) for p in history["periods"]]
    assert rows == [
        ("2019/20 Q3", 100, 211, "red"),  # 92 days: projected 617
        ("2019/20 Q4", 300, 419, "red"),  # 183 days: projected 931
        ("2020/21 Q1", 600, 627, "amber"),  # 274 days: projected 1,244
    ]
    assert history["periods"][0]["projection"]["value"] == 617


def test_after_the_strategy_ends_kpis_stand_as_at_its_end_and_say_so(engine: Any) -> None:
    plan = cumulative_plan()
    seed_training(engine, plan, training(date(2021, 3, 1), 700), training(date(2021, 5, 1), 800))
    report = evaluate_kpis(engine, plan, as_of=date(2021, 7, 1))
    kpi = by_id(report)["KPI3.1"]
    # the May 2021 session is after the strategy period: it does not count towards it
    assert (kpi["period"], kpi["value"]) == ("2020/21 Q4", 1300)
    assert report.note == (
        "the strategy period ended on 2021-04-30: KPIs are shown as they stood then; "
        "load the next plan to measure the period after it"
    )
    assert report.to_json()["as_of"] == "2021-07-01"
    assert evaluate_kpis(engine, plan, as_of=AS_OF).note is None


# --- ratings -------------------------------------------------------------------------------------


def test_no_data_is_grey_and_before_the_first_quarter_ends_nothing_is_rated(engine: Any) -> None:
    plan = shipped_plan()
    kpis = by_id(evaluate_kpis(engine, plan, as_of=AS_OF))
    assert kpis["KPI3.2"]["rag"] == "grey"
    assert kpis["KPI3.2"]["rag_reason"] == "no data yet for 2020/21 Q1"
    assert kpis["KPI3.2"]["value"] is None
    assert kpis["KPI1.1"]["rag"] == "grey"  # manual, nothing recorded
    assert kpis["KPI4.2"]["rag"] == "contextual"
    early = by_id(evaluate_kpis(engine, plan, as_of=date(2019, 12, 30)))["KPI3.2"]
    assert early["period"] is None
    assert early["rag"] == "grey"
    assert early["rag_reason"] == (
        "no complete quarter yet: the first, 2019/20 Q3, ends on 2019-12-31"
    )


def test_contextual_indicator_is_not_coloured(engine: Any) -> None:
    plan = shipped_plan()
    insert_records(engine, plan, "referrals", [referral(date(2020, 4, d)) for d in range(1, 8)])
    kpi = by_id(evaluate_kpis(engine, plan, as_of=AS_OF))["KPI4.2"]
    assert kpi["target"] is None
    assert (kpi["value"], kpi["rag"]) == (7, "contextual")
    assert kpi["rag_reason"] == (
        "contextual indicator: 7 referrals in 2020/21 Q1, shown for context with no target, "
        "so not rated"
    )


def test_direction_of_travel_against_previous_quarter_and_a_year_earlier(engine: Any) -> None:
    fewer_is_better = make_kpi(
        "KPI4.1", {"kind": "count", "dataset": "referrals"}, direction="lower", target=10
    )
    plan = plan_with(fewer_is_better)
    rows = (
        [referral(date(2019, 5, 1) + timedelta(days=i)) for i in range(6)]  # 2019/20 Q1: 6
        + [referral(date(2020, 1, 6) + timedelta(days=i)) for i in range(8)]  # 2019/20 Q4: 8
        + [referral(date(2020, 4, 6) + timedelta(days=i)) for i in range(6)]  # 2020/21 Q1: 6
    )
    insert_records(engine, plan, "referrals", rows)
    kpi = by_id(evaluate_kpis(engine, plan, as_of=AS_OF))["KPI4.1"]
    assert kpi["value"] == 6
    assert kpi["rag"] == "green"
    assert kpi["previous"]["period"] == "2019/20 Q4"
    assert (kpi["previous"]["value"], kpi["previous"]["direction"]) == (8, "improved")
    # before the strategy start, but data are data: the year-earlier baseline is compared
    assert kpi["year_ago"]["period"] == "2019/20 Q1"
    assert (kpi["year_ago"]["value"], kpi["year_ago"]["direction"]) == (6, "same")
    higher = plan_with(fewer_is_better.model_copy(update={"direction": "higher"}))
    assert by_id(evaluate_kpis(engine, higher, as_of=AS_OF))["KPI4.1"]["previous"]["direction"] == (
        "worse"
    )


# --- disclosure control -------------------------------------------------------------------------


def seed_small_numbers(engine: Any, plan: Any) -> None:
    q4 = [
        referral(
            date(2020, 1, 6) + timedelta(days=i),
            sector="Health" if i < 7 else "Schools",
            outcome="No further action" if i < 6 else "Signposted to other services",
            decided_on=date(2020, 1, 16) + timedelta(days=i),
        )
        for i in range(12)
    ]
    q1 = [
        referral(date(2020, 4, 6), sector="Health", decided_on=date(2020, 4, 26)),
        referral(date(2020, 4, 7), sector="Health", decided_on=date(2020, 4, 27)),
        referral(
            date(2020, 4, 8),
            sector="Schools",
            outcome="Signposted to other services",
            decided_on=date(2020, 4, 28),
        ),
    ]
    insert_records(engine, plan, "referrals", q4 + q1)


def quarterly_nfa_plan() -> Any:
    """The shipped plan with the NFA share quarterly, where its figures are small enough to hide."""
    plan = shipped_plan()
    kpis = [
        k.model_copy(update={"frequency": "quarter"}) if k.id == "KPI4.1" else k for k in plan.kpis
    ]
    return plan.model_copy(update={"kpis": kpis})


RATING_SETTINGS = {"target", "target_for_period", "tolerance", "suppression_threshold"}


def numbers(document: Any, skip: set[str] = RATING_SETTINGS) -> list[float]:
    """Every number in a JSON document except the plan's settings (targets, tolerances)."""
    found: list[float] = []
    if isinstance(document, dict):
        for key, value in document.items():
            if key not in skip:
                found += numbers(value, skip)
    elif isinstance(document, list):
        for value in document:
            found += numbers(value, skip)
    elif isinstance(document, int | float) and not isinstance(document, bool):
        found.append(document)
    return found


def test_small_numbers_never_reach_the_json(engine: Any) -> None:
    plan = quarterly_nfa_plan()
    seed_small_numbers(engine, plan)
    report = evaluate_kpis(engine, plan, as_of=AS_OF)
    document = report.to_json()
    text = json.dumps(document, ensure_ascii=False)
    kpis = {k["id"]: k for k in document["kpis"]}

    # counts of 1-4 are shown as the one marker [c], with no direction of travel
    assert (kpis["KPI4.2"]["value"], kpis["KPI4.2"]["suppressed"]) == ("[c]", True)
    assert kpis["KPI4.2"]["trend"] == [None, 12, "[c]"]
    assert kpis["KPI4.2"]["previous"]["direction"] == "n/a"  # [c] may be any hidden figure
    # 2 referrals from other sectors: hidden, and not rated (a colour would tell its range)
    assert (kpis["KPI3.3"]["value"], kpis["KPI3.3"]["rag"]) == ("[c]", "grey")
    assert kpis["KPI3.3"]["previous"]["value"] == 7
    # 2 of 3 closed NFA (66.7%) and a mean of 20 days over 3 referrals: too few rows behind them
    for kpi_id in ("KPI4.1", "KPI4.3"):
        assert kpis[kpi_id]["value"] == "[c]"
        assert kpis[kpi_id]["suppressed"] is True
        assert kpis[kpi_id]["rag"] == "grey"
        assert kpis[kpi_id]["previous"]["direction"] == "n/a"
    assert kpis["KPI4.1"]["previous"]["value"] == 50  # 6 of 12: shown
    assert kpis["KPI4.3"]["previous"]["value"] == 10
    # zero is shown as 0
    assert (kpis["KPI5.1"]["value"], kpis["KPI5.1"]["suppressed"]) == (0, False)

    hidden = {1, 2, 3, 4, 66.7, 20}
    assert not hidden & set(numbers(document))
    assert "66.7" not in text
    assert document["unsuppressed"] is False


def test_a_percentage_whose_part_is_small_is_hidden_too(engine: Any) -> None:
    plan = quarterly_nfa_plan()
    # 20 referrals, 2 closed NFA: 10% of a shown total would give the 2 away
    insert_records(
        engine,
        plan,
        "referrals",
        [
            referral(
                date(2020, 4, 1) + timedelta(days=i),
                outcome="No further action" if i < 2 else "Signposted to other services",
            )
            for i in range(20)
        ],
    )
    kpis = by_id(evaluate_kpis(engine, plan, as_of=AS_OF))
    assert kpis["KPI4.2"]["value"] == 20
    assert (kpis["KPI4.1"]["value"], kpis["KPI4.1"]["suppressed"]) == ("[c]", True)
    unsuppressed = by_id(evaluate_kpis(engine, plan, as_of=AS_OF, unsuppressed=True))
    assert unsuppressed["KPI4.1"]["value"] == 10


def test_a_count_is_hidden_when_the_rest_of_the_total_is_small(engine: Any) -> None:
    plan = shipped_plan()
    # 10 referrals (shown by KPI4.2): 8 from other sectors, so 2 from schools or police
    rows = [
        referral(date(2020, 4, 1) + timedelta(days=i), sector="Health" if i < 8 else "Schools")
        for i in range(10)
    ]
    insert_records(engine, plan, "referrals", rows)
    kpis = by_id(evaluate_kpis(engine, plan, as_of=AS_OF))
    assert kpis["KPI4.2"]["value"] == 10
    kpi = kpis["KPI3.3"]
    assert (kpi["value"], kpi["suppressed"], kpi["rag"]) == ("[c]", True, "grey")
    assert 8 not in numbers(kpi)
    assert by_id(evaluate_kpis(engine, plan, as_of=AS_OF, unsuppressed=True))["KPI3.3"][
        "value"
    ] == (8)


def test_training_counts_are_not_suppressed(engine: Any) -> None:
    plan = shipped_plan()
    insert_records(engine, plan, "training", [training(date(2020, 4, 1), 3)])
    kpi = by_id(evaluate_kpis(engine, plan, as_of=AS_OF))["KPI3.2"]
    assert (kpi["value"], kpi["suppressed"]) == (3, False)


def test_analysts_can_see_small_numbers_when_they_ask(engine: Any) -> None:
    plan = quarterly_nfa_plan()
    seed_small_numbers(engine, plan)
    document = evaluate_kpis(engine, plan, as_of=AS_OF, unsuppressed=True).to_json()
    kpis = {k["id"]: k for k in document["kpis"]}
    assert document["unsuppressed"] is True
    assert (kpis["KPI4.2"]["value"], kpis["KPI4.2"]["suppressed"]) == (3, False)
    assert kpis["KPI4.1"]["value"] == 66.7
    assert kpis["KPI4.3"]["value"] == 20


# --- objectives, manual values, history -------------------------------------------------------


def test_one_objective_only(engine: Any) -> None:
    report = evaluate_kpis(engine, shipped_plan(), as_of=AS_OF, objective="so5")
    assert [k.kpi.id for k in report.kpis] == ["KPI5.1", "KPI5.2", "KPI5.3"]
    with pytest.raises(NotFoundError, match="no objective 'SO9' in the plan: use one of SO1"):
        evaluate_kpis(engine, shipped_plan(), as_of=AS_OF, objective="SO9")


def test_the_latest_recorded_manual_value_counts(engine: Any) -> None:
    from sqlmodel import Session, select

    from tracker.db.models import KpiValue

    load_shipped_plan(engine)
    plan = shipped_plan()
    owner = "community.safety@example.org"
    for value in (4, 7):
        record_kpi_value(
            engine, plan, kpi_id="KPI1.1", period="2020/21 Q1", value=value, by=owner, note=None
        )
    record_kpi_value(
        engine,
        plan,
        kpi_id="KPI1.1",
        period="2019/20 Q4",
        value=6,
        by="plan.administrator@example.org",  # an administrator may record any KPI
        note="  Six  events ",
    )
    kpi = by_id(evaluate_kpis(engine, plan, as_of=AS_OF))["KPI1.1"]
    assert (kpi["value"], kpi["rag"]) == (7, "green")
    assert kpi["rag_reason"] == "7 events against a target of at least 6 (better than target)"
    assert (kpi["previous"]["value"], kpi["previous"]["direction"]) == (6, "improved")
    with Session(engine) as session:
        rows = session.exec(select(KpiValue).order_by(KpiValue.id)).all()  # type: ignore[arg-type]
    assert [(r.period, r.value, r.by) for r in rows] == [
        ("2020/21 Q1", 4, owner),
        ("2020/21 Q1", 7, owner),
        ("2019/20 Q4", 6, "plan.administrator@example.org"),
    ]
    assert rows[2].note == "Six events"
    history = kpi_history(engine, plan, "kpi1.1", as_of=AS_OF).to_json()
    assert [(p["period"], p["value"], p["rag"]) for p in history["periods"]] == [
        ("2019/20 Q3", None, "grey"),
        ("2019/20 Q4", 6, "green"),
        ("2020/21 Q1", 7, "green"),
    ]


def test_a_future_period_cannot_be_recorded(engine: Any) -> None:
    load_shipped_plan(engine)
    with pytest.raises(InvalidValueError, match="period 2020/21 Q2 has not started yet"):
        record_kpi_value(
            engine,
            shipped_plan(),
            kpi_id="KPI1.1",
            period="2020/21 Q2",
            value=1,
            by="community.safety@example.org",
            today=date(2020, 6, 30),
        )


def test_history_of_an_unknown_kpi(engine: Any) -> None:
    with pytest.raises(
        NotFoundError, match=re.escape("no KPI 'KPI9.9' in the plan: use one of KPI1.1")
    ):
        kpi_history(engine, shipped_plan(), "KPI9.9", as_of=AS_OF)
