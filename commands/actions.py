"""``tracker status``, ``update`` and ``history``: actions and their progress updates."""

from __future__ import annotations

from typing import Annotated

import typer

from commands.common import as_of_date, open_ws, parse_date, print_json, today
from commands.options import (
    AsOfOpt,
    ByOpt,
    DatabaseOpt,
    Format,
    FormatOpt,
    ObjectiveOpt,
    WorkspaceOpt,
)


def status(
    as_of: AsOfOpt = None,
    objective: ObjectiveOpt = None,
    fmt: FormatOpt = Format.table,
    workspace: WorkspaceOpt = None,
    database: DatabaseOpt = None,
) -> None:
    """Each objective and its actions: status, progress, latest update and RAG.

    Only updates dated on or before the --as-of date count. JSON output
    (--format json) is one stable document, described in docs/json.md.

    \b
    Examples:
      tracker status
      tracker status --as-of 2020-12-31 --objective SO3
      tracker status --format json > status.json
    """
    from tracker.render.status import render_status
    from tracker.status import build_status

    with open_ws(workspace, database, read_only=True) as ws:
        plan = ws.plan()
        report = build_status(ws.engine, plan, as_of=as_of_date(as_of, plan), objective=objective)
    if fmt is Format.json:
        print_json(report.to_json())
    else:
        render_status(report)


def update(
    action_id: Annotated[str, typer.Argument(metavar="ACTION_ID", help="The action, e.g. SO3.2")],
    status_: Annotated[
        str,
        typer.Option(
            "--status",
            "-s",
            metavar="STATUS",
            help="not_started, in_progress, complete, on_hold or cancelled",
        ),
    ],
    progress: Annotated[
        str | None,
        typer.Option(
            "--progress",
            "-p",
            metavar="0-100",
            help="Per cent complete, a whole number [default: the last figure given; "
            "100 when complete]",
            show_default=False,
        ),
    ] = None,
    rag: Annotated[
        str | None,
        typer.Option("--rag", metavar="RAG", help="Your own rating: red, amber or green"),
    ] = None,
    note: Annotated[
        str | None,
        typer.Option(
            "--note", "-n", metavar="TEXT", help="What happened and what is next (2000 characters)"
        ),
    ] = None,
    on: Annotated[
        str | None,
        typer.Option(
            "--on",
            metavar="DATE",
            help="The date the update speaks for (YYYY-MM-DD or DD/MM/YYYY) [default: today]",
            show_default=False,
        ),
    ] = None,
    by: ByOpt = None,
    workspace: WorkspaceOpt = None,
    database: DatabaseOpt = None,
) -> None:
    """Record a progress update on an action you own (administrators may update any).

    Updates are never edited or deleted: to correct one, record another.

    \b
    Examples:
      export TRACKER_USER=prevent.coordinator@example.org
      tracker update SO3.2 --status in_progress --progress 40 --note "Module live"
      tracker update SO3.2 --status complete --on 30/09/2020
    """
    from tracker.progress import record_update, standing_after

    with open_ws(workspace, database, by) as ws:
        plan = ws.plan()
        saved = record_update(
            ws.engine,
            plan,
            action_id=action_id,
            status=status_,
            progress=progress,
            rag=rag,
            note=note,
            on=parse_date(on, "--on"),
            by=ws.settings.user,
            source="cli",
            today=today(plan),
        )
        newest = standing_after(ws.engine, plan, saved)
    typer.echo(
        f"Recorded: {saved.action_id} {saved.status}"
        + (f" {saved.progress}%" if saved.progress is not None else "")
        + f" on {saved.on} by {saved.by}"
    )
    if newest is not None:
        typer.echo(
            f"Note: the update dated {newest.on} ({newest.status.replace('_', ' ')}) is later, "
            f"so it still stands as the latest; this one is in the history. To change what "
            f"{saved.action_id} shows now, record an update dated today."
        )


def history(
    action_id: Annotated[str, typer.Argument(metavar="ACTION_ID", help="The action, e.g. SO3.2")],
    fmt: FormatOpt = Format.table,
    workspace: WorkspaceOpt = None,
    database: DatabaseOpt = None,
) -> None:
    """Every update recorded on an action, oldest first: who, when, what and from where.

    Actions removed from the plan (archived) keep their history.

    \b
    Examples:
      tracker history SO3.2
      tracker history SO3.2 --format json
    """
    from tracker.progress import action_history_report
    from tracker.render.history import render_history

    with open_ws(workspace, database, read_only=True) as ws:
        found = action_history_report(ws.engine, ws.plan(), action_id)
    if fmt is Format.json:
        print_json(found.to_json())
    else:
        render_history(found.action_id, found.updates, archived_at=found.archived_at)


def register(app: typer.Typer) -> None:
    """Add these commands to the top level of ``tracker``."""
    app.command()(status)
    app.command()(update)
    app.command()(history)
