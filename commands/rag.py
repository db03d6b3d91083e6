"""``tracker rag``: explain a rating, and override one (plan administrators)."""

from __future__ import annotations

from typing import Annotated

import typer

from commands import common
from commands.common import fail, group, open_ws, parse_date, print_json
from commands.options import AsOfOpt, ByOpt, DatabaseOpt, Format, FormatOpt, WorkspaceOpt

app = group(
    "RAG ratings: why each has its rating, and overrides by plan administrators (docs/rag.md)."
)


@app.command("explain")
def explain(
    ident: Annotated[
        str, typer.Argument(metavar="ID", help="An action, KPI or objective, e.g. SO4.5, KPI3.1")
    ],
    as_of: AsOfOpt = None,
    fmt: FormatOpt = Format.table,
    workspace: WorkspaceOpt = None,
    database: DatabaseOpt = None,
) -> None:
    """Why ID has its rating on a date: the rule, the inputs, and the rating at the previous pack.

    The previous pack is the last one whose as-of date falls before --as-of.

    \b
    Examples:
      tracker rag explain SO4.5 --as-of 2020-12-31
      tracker rag explain SO3 --format json
    """
    from tracker.explain import explain as explain_rating
    from tracker.render.rag import explanation_lines

    with open_ws(workspace, database, read_only=True) as ws:
        plan = ws.plan()
        day = parse_date(as_of, "--as-of") or common.today(plan)
        result = explain_rating(ws.engine, plan, ident, as_of=day)
    if fmt is Format.json:
        print_json(result.to_json())
        return
    from tracker.render.tables import render_lines

    render_lines(explanation_lines(result))


@app.command("override")
def override(
    action_id: Annotated[str, typer.Argument(metavar="ACTION_ID", help="The action, e.g. SO4.5")],
    rag: Annotated[
        str, typer.Option("--rag", metavar="RAG", help="The rating to show: red, amber or green")
    ],
    reason: Annotated[
        str,
        typer.Option(
            "--reason",
            metavar="TEXT",
            help="Why (shown wherever the rating appears; no personal details)",
        ),
    ],
    until: Annotated[
        str,
        typer.Option(
            "--until", metavar="DATE", help="The last day it stands; it lapses the day after"
        ),
    ],
    by: ByOpt = None,
    workspace: WorkspaceOpt = None,
    database: DatabaseOpt = None,
) -> None:
    """Override an action's rating until a date, with a reason (plan administrators only).

    The override is recorded (never edited or deleted) and shown as an override,
    with its reason and the computed rating beside it, wherever the rating
    appears. From the day after --until the computed rating stands again.

    \b
    Example:
      tracker rag override SO4.5 --rag amber --until 2021-02-28 \\
          --reason "Recovery plan agreed at the December meeting" \\
          --by plan.administrator@example.org
    """
    from tracker.overrides import record_override

    with open_ws(workspace, database, by) as ws:
        plan = ws.plan()
        end = parse_date(until, "--until")
        if end is None:
            fail("--until needs a date; see 'tracker rag override --help'")
        stored = record_override(
            ws.engine,
            plan,
            action_id=action_id,
            rag=rag,
            reason=reason,
            until=end,
            by=ws.settings.user,
            today=common.today(plan),
        )
    typer.echo(
        f"Recorded: {stored.action_id} overridden {stored.rag} from {stored.starts} until "
        f"{stored.until} by {stored.by}"
    )


@app.command("overrides")
def overrides(
    as_of: AsOfOpt = None,
    fmt: FormatOpt = Format.table,
    workspace: WorkspaceOpt = None,
    database: DatabaseOpt = None,
) -> None:
    """The overrides in force on a date, and those that have lapsed.

    \b
    Examples:
      tracker rag overrides
      tracker rag overrides --as-of 2021-03-01 --format json
    """
    from tracker.overrides import list_overrides
    from tracker.render.rag import overrides_lines

    with open_ws(workspace, database, read_only=True) as ws:
        day = parse_date(as_of, "--as-of") or common.today(ws.plan())
        report = list_overrides(ws.engine, as_of=day)
    if fmt is Format.json:
        print_json(report.to_json())
        return
    from tracker.render.tables import render_lines

    render_lines(overrides_lines(report))
