"""``tracker plan``: check the plan file and load it into the database."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from commands.common import fail, group, open_ws, print_json
from commands.common import settings as make_settings
from commands.options import DatabaseOpt, Format, FormatOpt, WorkspaceOpt

app = group("Check the plan file and load it into the database.")


PlanFileArg = Annotated[
    Path | None,
    typer.Argument(
        metavar="FILE",
        help="Plan file [default: objectives.yaml in the workspace]",
        show_default=False,
    ),
]


@app.command("check")
def plan_check(
    file: PlanFileArg = None,
    fmt: FormatOpt = Format.table,
    workspace: WorkspaceOpt = None,
) -> None:
    """Validate the plan file and list every problem as FILE:LINE: message.

    Nothing is written: check as often as you like while editing, then 'tracker plan load'.

    \b
    Examples:
      tracker plan check
      tracker plan check draft-objectives.yaml --format json
    """
    from tracker.errors import whole_file_problem
    from tracker.plan.loader import check_plan

    path = file or make_settings(workspace, None).plan_path
    problems = check_plan(path)
    if fmt is Format.json:
        print_json(
            {
                "file": str(path),
                "valid": not problems,
                "problems": [{"line": p.line, "message": p.message} for p in problems],
            }
        )
        raise typer.Exit(1 if problems else 0)
    whole = whole_file_problem(problems)
    if whole is not None:  # the file cannot be read: one line, no lines to list
        fail(str(whole))
    if problems:
        n = len(problems)
        fail(
            f"{path}: {n} problem{'s' if n != 1 else ''} found; "
            "fix each line listed and check again",
            [str(p) for p in problems],
        )
    typer.echo(f"{path}: the plan is valid")


@app.command("load")
def plan_load(
    file: PlanFileArg = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show what would change; write nothing")
    ] = False,
    workspace: WorkspaceOpt = None,
    database: DatabaseOpt = None,
) -> None:
    """Load the plan file into the database: add, update and archive items, recording each change.

    Removed actions are archived with their history, never deleted; putting one back
    restores it. Loading an unchanged plan writes nothing.

    \b
    Examples:
      tracker plan load --dry-run
      tracker plan load
    """
    from tracker.plan.loader import load_plan
    from tracker.plan.sync import sync_plan

    with open_ws(workspace, database) as ws:
        path = file or ws.settings.plan_path
        parsed = load_plan(path)
        result = sync_plan(ws.engine, parsed, source=str(path), dry_run=dry_run)
    if result.no_changes:
        typer.echo(f"{path}: no changes")
        return
    for change in result.changes:
        typer.echo(f"  {change}")
    counts = ", ".join(f"{n} {kind}" for kind, n in sorted(result.counts().items()))
    typer.echo(f"{path}: {'would make' if dry_run else 'loaded'} {counts}")
