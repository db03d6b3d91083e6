"""``tracker kpi show|history|record`` as a user runs them, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

import pytest

from tests.test_kpi_data import insert_records, referral, shipped_plan, training
from tests.test_kpi_engine import numbers, seed_small_numbers

OWNER = "community.safety@example.org"  # owns KPI1.1


def engine_of(cli: Any) -> Any:
    from tracker.db.engine import make_engine
    from tracker.settings import Settings

    return make_engine(Settings(workspace=cli.workspace, database_url=cli.database_url).url)


def stored_values(cli: Any) -> list[tuple[str, str, float, str]]:
    from sqlmodel import Session, select

    from tracker.db.models import KpiValue

    engine = engine_of(cli)
    try:
        with Session(engine) as session:
            rows = session.exec(select(KpiValue).order_by(KpiValue.id)).all()  # type: ignore[arg-type]
            return [(r.kpi_id, r.period, r.value, r.by) for r in rows]
    finally:
        engine.dispose()


def seed(cli: Any, fill: Any) -> None:
    engine = engine_of(cli)
    try:
        fill(engine, shipped_plan())
    finally:
        engine.dispose()


def test_kpi_show_table_hides_small_numbers(cli: Any) -> None:
    seed(cli, seed_small_numbers)
    result = cli("kpi", "show", "--as-of", "2020-07-01")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == (
        "Northamptonshire Prevent Strategy 2019-2021: KPIs as of 2020-07-01 "
        "(latest complete period of each)"
    )
    row = next(line for line in lines if "│ KPI4.2" in line)
    cells = [c.strip() for c in row.split("│")[1:-1]]
    assert cells[0] == "KPI4.2"
    assert cells[2:] == [
        "2020/21 Q1",
        "[c]",
        "none (contextual)",
        "CONTEXTUAL",
        "n/a ([c])",  # the 12 of 2019/20 Q4 is hidden by the release, as a pack hides it
        "n/a (no data)",
        "···",
    ]
    row = next(line for line in lines if "│ KPI4.3" in line)
    cells = [c.strip() for c in row.split("│")[1:-1]]
    assert cells[2:] == [
        "2020/21 Q1",
        "[c]",
        "at most 30",
        "GREY",
        "n/a (10)",
        "n/a (no data)",
        "·█·",
    ]
    # Yearly: 6 of 12 in 2019/20. Not small, but the release hides it (with the 12 above), as a
    # pack as of this date would: the screen shows no figure a pack would not.
    row = next(line for line in lines if "│ KPI4.1" in line)
    cells = [c.strip() for c in row.split("│")[1:-1]]
    assert cells[2:] == [
        "2019/20",
        "[c]",
        "at most 50%",
        "GREY",
        "n/a (no data)",
        "n/a (no data)",
        "·",
    ]
    assert "  KPI3.3 GREY: the figure for 2020/21 Q1 is confidential ([c])" in result.output
    assert "3 referrals" not in result.output and "2 referrals" not in result.output
    assert "66.7" not in result.output and "│     50% │" not in result.output
    assert lines[-2] == "11 KPIs by RAG: 0 RED, 0 AMBER, 0 GREEN, 9 GREY, 2 CONTEXTUAL"
    assert lines[-1].startswith("[c]: confidential (counts from 1 to 4")


def test_kpi_show_no_suppress_shows_every_figure_with_a_warning(cli: Any) -> None:
    seed(cli, seed_small_numbers)
    result = cli("kpi", "show", "--as-of", "2020-07-01", "--no-suppress")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[1] == (
        "SMALL NUMBERS SHOWN: this output is for your own screen only; do not share or "
        "distribute it"
    )
    row = next(line for line in lines if "│ KPI4.1" in line)
    assert [c.strip() for c in row.split("│")[1:-1]][2:6] == [
        "2019/20", "50%", "at most 50%", "GREEN"
    ]  # fmt: skip
    history = cli("kpi", "history", "KPI4.2", "--as-of", "2020-07-01", "--format", "json")
    assert history.exit_code == 0, history.output
    assert 12 not in numbers(json.loads(history.output))
    raw = cli("kpi", "history", "KPI4.2", "--as-of", "2020-07-01", "-f", "json", "--no-suppress")
    assert json.loads(raw.output)["unsuppressed"] is True and 12 in numbers(json.loads(raw.output))


def test_kpi_show_json_is_one_document_without_small_numbers(cli: Any) -> None:
    seed(cli, seed_small_numbers)
    result = cli("kpi", "show", "--as-of", "2020-07-01", "--format", "json", "--objective", "SO4")
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    assert document["as_of"] == "2020-07-01"
    assert document["unsuppressed"] is False
    assert [k["id"] for k in document["kpis"]] == ["KPI4.1", "KPI4.2", "KPI4.3"]
    kpi = document["kpis"][1]
    assert set(kpi) == {
        "id",
        "name",
        "objective",
        "source",
        "unit",
        "direction",
        "frequency",
        "cumulative",
        "target",
        "target_for_period",
        "tolerance",
        "period",
        "value",
        "rag",
        "rag_reason",
        "previous",
        "year_ago",
        "trend",
        "trend_periods",
        "trend_text",
        "projection",
        "suppressed",
    }
    assert (kpi["period"], kpi["value"], kpi["suppressed"]) == ("2020/21 Q1", "[c]", True)
    assert not {1, 2, 3, 4, 66.7, 20} & set(numbers(document))


def test_kpi_show_unknown_objective(cli: Any) -> None:
    result = cli("kpi", "show", "--objective", "SO9")
    assert result.exit_code == 1
    assert result.output == (
        "error: no objective 'SO9' in the plan: use one of SO1, SO2, SO3, SO4, SO5\n"
    )


def test_kpi_history_lists_every_period(cli: Any) -> None:
    def fill(engine: Any, plan: Any) -> None:
        insert_records(
            engine,
            plan,
            "training",
            [
                training(date(2019, 11, 1), 120),
                training(date(2020, 2, 1), 135),
                training(date(2020, 5, 1), 100),
            ],
        )

    seed(cli, fill)
    result = cli("kpi", "history", "KPI3.2", "--as-of", "2020-10-01")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "KPI3.2 Staff attending WRAP workshops"
    assert lines[1] == (
        "Objective SO3; quarterly, higher is better; from training; target at least 150; "
        "as of 2020-10-01"
    )
    rows = [line for line in lines if line.startswith("│ 20")]
    assert [r.split("│")[1:5] for r in rows] == [
        [" 2019/20 Q3 ", " 120 people ", "    150 ", " RED   "],
        [" 2019/20 Q4 ", " 135 people ", "    150 ", " AMBER "],
        [" 2020/21 Q1 ", " 100 people ", "    150 ", " RED   "],
        [" 2020/21 Q2 ", "    no data ", "    150 ", " GREY  "],
    ]
    document = json.loads(
        cli("kpi", "history", "KPI3.2", "--as-of", "2020-10-01", "-f", "json").output
    )
    assert [(p["period"], p["value"], p["rag"]) for p in document["periods"]] == [
        ("2019/20 Q3", 120, "red"),
        ("2019/20 Q4", 135, "amber"),
        ("2020/21 Q1", 100, "red"),
        ("2020/21 Q2", None, "grey"),
    ]


def test_kpi_history_before_any_period_ends(cli: Any) -> None:
    result = cli("kpi", "history", "KPI5.1", "--as-of", "2020-01-15")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1] == (
        "No complete financial year yet: the first, 2019/20, ends on 2020-03-31."
    )


def test_kpi_record_then_show(cli: Any) -> None:
    result = cli(
        "kpi", "record", "KPI1.1", "--period", "2020/21 q1", "--value", "5", TRACKER_USER=OWNER
    )
    assert result.exit_code == 0, result.output
    assert result.output == f"Recorded: KPI1.1 2020/21 Q1 = 5 by {OWNER}\n"
    result = cli(
        "kpi",
        "record",
        "KPI1.1",
        "--period",
        "2020/21 Q1",
        "--value",
        "6",
        "--note",
        "Two more events confirmed",
        "--by",
        "plan.administrator@example.org",
    )
    assert result.exit_code == 0, result.output
    assert stored_values(cli) == [
        ("KPI1.1", "2020/21 Q1", 5.0, OWNER),
        ("KPI1.1", "2020/21 Q1", 6.0, "plan.administrator@example.org"),
    ]
    document = json.loads(
        cli("kpi", "show", "--as-of", "2020-07-01", "-f", "json", "-o", "SO1").output
    )
    (kpi,) = document["kpis"]
    assert (kpi["value"], kpi["rag"]) == (6, "green")


def test_kpi_ids_and_objectives_are_found_in_any_case(cli: Any) -> None:
    # 'kpi history kpi1.1' always worked; 'kpi record' used to refuse the same id.
    result = cli(
        "kpi", "record", "kpi1.1", "--period", "2020/21 Q1", "--value", "5", TRACKER_USER=OWNER
    )
    assert result.exit_code == 0, result.output
    assert result.output == f"Recorded: KPI1.1 2020/21 Q1 = 5 by {OWNER}\n"
    shown = json.loads(
        cli("kpi", "show", "--as-of", "2020-07-01", "-f", "json", "-o", "so1").output
    )
    assert [k["id"] for k in shown["kpis"]] == ["KPI1.1"]
    history = json.loads(
        cli("kpi", "history", "kpi1.1", "--as-of", "2020-07-01", "-f", "json").output
    )
    assert history["kpi"]["id"] == "KPI1.1"


@pytest.mark.parametrize(
    ("args", "user", "message"),
    [
        (
            ["KPI3.1", "--period", "2020/21 Q1", "--value", "5"],
            "prevent.coordinator@example.org",
            "KPI3.1 is computed from data set training, not recorded by hand: "
            "import the data with 'tracker data import training FILE' instead",
        ),
        (
            ["KPI1.1", "--period", "2020/21 Q1", "--value", "5"],
            "",
            "who is recording KPI1.1 is not known: "
            "pass --by YOUR_EMAIL or set TRACKER_USER to your email address",
        ),
        (
            ["KPI1.1", "--period", "2020/21 Q1", "--value", "5"],
            "police.prevent.team@example.org",
            "police.prevent.team@example.org may not record KPI1.1: it is owned by "
            "community.safety@example.org (Community Safety Partnership manager): "
            "ask the owner to record it, or a plan administrator",
        ),
        (
            ["KPI1.1", "--period", "2020/21 Q1", "--value", "5", "--by", "nobody"],
            "",
            "'nobody' is not a valid email address: "
            "pass --by with your email address as it appears in the plan",
        ),
        (
            ["KPI1.1", "--period", "2020 Q5", "--value", "5"],
            OWNER,
            "period '2020 Q5' is not a period: write a quarter as 2020/21 Q1, "
            "a financial year as 2020/21 or a month as 2020-05",
        ),
        (
            ["KPI1.1", "--period", "2020-05", "--value", "5"],
            OWNER,
            "period '2020-05' is a month but KPI1.1 is quarterly: "
            "give a quarter such as 2020/21 Q1",
        ),
        (
            ["KPI5.1", "--period", "2020/21 Q1", "--value", "5"],
            "channel.panel.chair@example.org",
            "KPI5.1 is computed from data set referrals, not recorded by hand: "
            "import the data with 'tracker data import referrals FILE' instead",
        ),
        (
            ["KPI1.1", "--period", "2018/19 Q4", "--value", "5"],
            OWNER,
            "period 2018/19 Q4 is outside the strategy period 2019-10-01 to 2021-04-30: "
            "give a period inside it",
        ),
        (
            ["KPI1.1", "--period", "2020/21 Q1", "--value", "-1"],
            OWNER,
            "value -1 for KPI1.1 is not allowed: give a number of 0 or more",
        ),
        (
            ["KPI1.1", "--period", "2020/21 Q1", "--value", "nan"],
            OWNER,
            "value nan for KPI1.1 is not a finite number: give a number such as 12 or 12.5",
        ),
        (
            ["KPI1.1", "--period", "2020/21 Q1", "--value", "inf"],
            OWNER,
            "value inf for KPI1.1 is not a finite number: give a number such as 12 or 12.5",
        ),
        (
            ["KPI1.1", "--period", "2020/21 Q1", "--value", "5%"],
            OWNER,
            "value '5%' for KPI1.1 is not a number: give a number such as 12 or 12.5",
        ),
        (
            ["KPI1.1", "--period", "2020/21 Q1", "--value", "five"],
            OWNER,
            "value 'five' for KPI1.1 is not a number: give a number such as 12 or 12.5",
        ),
        (
            ["KPI5.3", "--period", "2020/21 Q1", "--value", "101"],
            "channel.panel.chair@example.org",
            "value 101 for KPI5.3 is over 100%: give a percentage from 0 to 100",
        ),
        (
            ["KPI1.1", "--period", "2020/21 Q1", "--value", "1", "--note", "x" * 2001],
            OWNER,
            "note is 2001 characters long, the limit is 2000: shorten it (put long reports in "
            "the Steering Group pack)",
        ),
        (
            ["KPI9.1", "--period", "2020/21 Q1", "--value", "1"],
            OWNER,
            "no KPI 'KPI9.1' in the plan: use one of KPI1.1, KPI2.1, KPI3.1, KPI3.2, KPI3.3, "
            "KPI4.1, KPI4.2, KPI4.3, KPI5.1, KPI5.2, KPI5.3",
        ),
    ],
)
def test_kpi_record_refuses_bad_input_and_writes_nothing(
    cli: Any, args: list[str], user: str, message: str
) -> None:
    result = cli("kpi", "record", *args, TRACKER_USER=user)
    assert result.exit_code == 1
    assert result.output == f"error: {message}\n"
    assert stored_values(cli) == []


def test_percentage_of_a_manual_kpi_up_to_100_is_fine(cli: Any) -> None:
    result = cli(
        "kpi",
        "record",
        "KPI5.3",
        "--period",
        "2020/21 Q1",
        "--value",
        "100%",
        "--by",
        "channel.panel.chair@example.org",
    )
    assert result.exit_code == 0, result.output
    assert stored_values(cli) == [
        ("KPI5.3", "2020/21 Q1", 100.0, "channel.panel.chair@example.org")
    ]


def test_referral_counts_by_quarter_in_the_table_match_the_rows(cli: Any) -> None:
    def fill(engine: Any, plan: Any) -> None:
        rows = [referral(date(2020, 3, 25) + timedelta(days=i)) for i in range(14)]
        insert_records(engine, plan, "referrals", rows)  # 7 in March, 7 from 1 April

    seed(cli, fill)
    document = json.loads(cli("kpi", "show", "--as-of", "2020-07-01", "-f", "json").output)
    kpi = next(k for k in document["kpis"] if k["id"] == "KPI4.2")
    assert (kpi["value"], kpi["previous"]["value"]) == (7, 7)
    assert kpi["previous"]["direction"] == "same"
