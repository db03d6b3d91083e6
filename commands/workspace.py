"""``tracker init`` and ``tracker demo``: making a workspace."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from commands.common import parse_date, today
from commands.common import settings as make_settings
from commands.options import DatabaseOpt, as_of_option


def init(
    directory: Annotated[
        Path,
        typer.Argument(metavar="DIR", help="Folder to create (or an empty one to use)"),
    ] = Path("."),
    database: DatabaseOpt = None,
) -> None:
    """Create a workspace: the shipped plan (objectives.yaml), a database and an outputs folder.

    Then edit objectives.yaml to fit your partnership and run 'tracker plan load'.

    \b
    Examples:
      tracker init my-partnership
      tracker init my-partnership --database postgresql+psycopg://tracker@dbhost/prevent
    """
    from tracker.workspace import init_workspace

    result = init_workspace(make_settings(directory, database))
    typer.echo(f"Created workspace {result.workspace}")
    typer.echo(f"  plan:     {result.plan_file} (loaded)")
    typer.echo(f"  database: {result.database}")
    if result.settings_file:
        typer.echo(
            f"  settings: {result.settings_file} (commands in this workspace use this database;"
            " keep any password in PGPASSWORD or ~/.pgpass)"
        )
    typer.echo("Next: 'tracker status' in that folder, or edit the plan and 'tracker plan load'.")


def demo(
    directory: Annotated[
        Path, typer.Argument(metavar="DIR", help="Folder for the demo workspace")
    ] = Path("demo-workspace"),
    as_of: Annotated[str | None, as_of_option("2020-12-31, inside the strategy")] = None,
    fresh: Annotated[
        bool,
        typer.Option(
            "--fresh/--keep",
            help="Rebuild the folder from scratch, or keep what is in it and add to it",
        ),
    ] = True,
) -> None:
    """Build a complete demonstration workspace with synthetic data, and show its status.

    Everything in it is synthetic and labelled so. Safe to run again: with --fresh
    (the default) the folder is rebuilt, and only a folder made by 'tracker demo' is replaced.

    \b
    Examples:
      tracker demo                      # builds ./demo-workspace
      tracker demo /tmp/demo --as-of 2020-12-31
      tracker status -w demo-workspace --objective SO3
    """
    from tracker import shipped
    from tracker.demo import run_demo
    from tracker.plan.loader import load_plan
    from tracker.render.demo import ConsoleDemoProgress, render_demo

    shipped_plan = load_plan(shipped.example_plan()).plan  # the demo's plan: its timezone
    result = run_demo(
        directory.resolve(),
        today=today(shipped_plan),
        as_of=parse_date(as_of, "--as-of"),
        fresh=fresh,
        progress=ConsoleDemoProgress(),
    )
    render_demo(result)


def register(app: typer.Typer) -> None:
    """Add these commands to the top level of ``tracker``."""
    app.command()(init)
    app.command()(demo)
