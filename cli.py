"""The ``tracker`` command line: parses options and calls the library, nothing more.

The commands live in the ``commands`` package, one module per topic; this file puts
them together. Every command takes ``--workspace`` (default: TRACKER_WORKSPACE or
the current folder) and ``--database`` (default: TRACKER_DATABASE_URL, else the
workspace's tracker.toml, else its SQLite file), defined once in
``commands.options``. Errors a user can cause are printed as one line (plus one
line per problem where there are several) and the exit status is 1
(``commands.common.TrackerGroup``). Heavy libraries are imported inside the
commands so that ``tracker --help`` answers at once, and so does tab completion
(``tracker --install-completion``; a shell named after it is honoured by
``commands.common.completion_for``).
"""

from __future__ import annotations

from typing import Annotated

import typer

from commands import (
    actions,
    data,
    db,
    kpi,
    outbox,
    plan,
    rag,
    reports,
    returns,
    schedule,
    workspace,
)
from commands.common import TrackerGroup, version_callback

HELP = """Track the delivery of a partnership strategy and report on it.

Start with 'tracker demo' to see a complete example, or 'tracker init DIR' to
create a workspace holding the Northamptonshire Prevent plan (objectives.yaml).
"""

app = typer.Typer(
    cls=TrackerGroup,
    help=HELP,
    no_args_is_help=True,
    # --install-completion / --show-completion [SHELL]: Typer imports its completion code
    # for every command anyway, so offering them costs --help nothing measurable.
    add_completion=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


@app.callback()
def _top(
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            callback=version_callback,
            is_eager=True,
            help="Show the version of tracker and exit",
        ),
    ] = False,
) -> None:
    """Options of ``tracker`` itself (before any command)."""


workspace.register(app)
actions.register(app)
app.add_typer(plan.app, name="plan")
app.add_typer(db.app, name="db")
app.add_typer(data.app, name="data")
app.add_typer(kpi.app, name="kpi")
app.add_typer(outbox.app, name="outbox")
app.add_typer(returns.app, name="returns")
app.add_typer(schedule.app, name="schedule")
reports.register(app)
app.add_typer(rag.app, name="rag")


def main() -> None:
    """Entry point of the installed ``tracker`` command."""
    app(prog_name="tracker")


if __name__ == "__main__":
    main()
