"""``tracker kpi``: KPI values against targets, their history, and manual values."""

from __future__ import annotations

from typing import Annotated

import typer

from commands.common import as_of_date, group, open_ws, print_json, today
from commands.options import (
    AsOfOpt,
    ByOpt,
    DatabaseOpt,
    Format,
    FormatOpt,
    ObjectiveOpt,
    WorkspaceOpt,
)

app = group("KPI values against targets, with RAG and trend.")


NoSuppressOpt = Annotated[
    bool,
    typer.Option(
        "--no-suppress",
        help="Show small numbers and the figures a pack hides (your own screen only)",
    ),
]


@app.command("show")
def kpi_show(
    as_of: AsOfOpt = None,
    objective: ObjectiveOpt = None,
    fmt: FormatOpt = Format.table,
    no_suppress: NoSuppressOpt = False,
    workspace: WorkspaceOpt = None,
    database: DatabaseOpt = None,
) -> None:
    """Each KPI's latest complete period: value, target, RAG, direction of travel, trend.

    Green meets the target, amber is within its tolerance, red is beyond it, grey has no
    data yet or a figure that is confidential ([c]); contextual indicators have no
    target. Cumulative KPIs are projected to the review date. Every rating is followed
    by its reason. See docs/kpis.md.

    The figures are those a pack as of the same date shows: a figure the pack hides
    ([c]) is hidden here too, so what you copy from the screen is safe to pass on.
    --no-suppress shows every figure, labelled for your own screen only.

    \b
    Examples:
      tracker kpi show --as-of 2020-12-31
      tracker kpi show --objective SO4 --format json
      tracker kpi show --no-suppress
    """
    from tracker.kpi.service import kpi_report, released_kpi_report
    from tracker.render.kpis import render_kpis

    with open_ws(workspace, database, read_only=True) as ws:
        plan = ws.plan()
        day = as_of_date(as_of, plan)
        if no_suppress:
            report = kpi_report(ws.engine, plan, as_of=day, objective=objective, unsuppressed=True)
        else:
            report = released_kpi_report(ws.engine, plan, as_of=day, objective=objective)
    if fmt is Format.json:
        print_json(report.to_json())
    else:
        render_kpis(report)


@app.command("history")
def kpi_history(
    kpi_id: Annotated[str, typer.Argument(metavar="KPI_ID", help="The KPI, e.g. KPI3.1")],
    as_of: AsOfOpt = None,
    fmt: FormatOpt = Format.table,
    no_suppress: NoSuppressOpt = False,
    workspace: WorkspaceOpt = None,
    database: DatabaseOpt = None,
) -> None:
    """Every period of one KPI with its value, target and RAG.

    Figures a pack as of the same date hides are shown as [c], unrated; --no-suppress
    shows them, labelled for your own screen only.

    \b
    Examples:
      tracker kpi history KPI3.1
      tracker kpi history KPI4.1 --as-of 2021-03-31 --format json
    """
    from tracker.kpi.service import kpi_history as build_history
    from tracker.kpi.service import released_kpi_history
    from tracker.render.kpis import render_kpi_history

    with open_ws(workspace, database, read_only=True) as ws:
        plan = ws.plan()
        day = as_of_date(as_of, plan)
        if no_suppress:
            result = build_history(ws.engine, plan, kpi_id, as_of=day, unsuppressed=True)
        else:
            result = released_kpi_history(ws.engine, plan, kpi_id, as_of=day)
    if fmt is Format.json:
        print_json(result.to_json())
    else:
        render_kpi_history(result)


@app.command("record")
def kpi_record(
    kpi_id: Annotated[str, typer.Argument(metavar="KPI_ID", help="A manual KPI, e.g. KPI1.1")],
    period: Annotated[
        str,
        typer.Option("--period", metavar="PERIOD", help='e.g. "2020/21 Q1", 2020/21 or 2020-05'),
    ],
    value: Annotated[
        str,
        typer.Option("--value", metavar="NUMBER", help="The value for that period, e.g. 6 or 45%"),
    ],
    note: Annotated[
        str | None,
        typer.Option("--note", "-n", metavar="TEXT", help="Context for the Steering Group"),
    ] = None,
    by: ByOpt = None,
    workspace: WorkspaceOpt = None,
    database: DatabaseOpt = None,
) -> None:
    """Record the value of a manual KPI for a period (the latest value recorded counts).

    Only the KPI's owner or a plan administrator may record it; KPIs computed from data
    are refused. The period must match the KPI's frequency (a quarter for a quarterly KPI).

    \b
    Examples:
      tracker kpi record KPI1.1 --period "2020/21 Q3" --value 7 --by community.safety@example.org
      tracker kpi record KPI5.3 --period "2020/21 Q3" --value 85% --note "Two cases closed"
    """
    from tracker.kpi.manual import record_kpi_value

    with open_ws(workspace, database, by) as ws:
        plan = ws.plan()
        saved = record_kpi_value(
            ws.engine,
            plan,
            kpi_id=kpi_id,
            period=period,
            value=value,
            note=note,
            by=ws.settings.user,
            source="cli",
            today=today(plan),
        )
    typer.echo(f"Recorded: {saved.kpi_id} {saved.period} = {saved.value:g} by {saved.by}")
