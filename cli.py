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

import gc
import sys
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


def _typer() -> typer.Typer:
    return typer.Typer(
        cls=TrackerGroup,
        help=HELP,
        no_args_is_help=True,
        # --install-completion / --show-completion [SHELL]: Typer imports its completion code
        # for every command anyway, so offering them costs --help nothing measurable.
        add_completion=True,
        pretty_exceptions_enable=False,
        rich_markup_mode=None,
    )


app = _typer()


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


def main(args: list[str] | None = None) -> None:
    """Entry point of the installed ``tracker`` command; the process ends when it returns."""
    words = sys.argv[1:] if args is None else list(args)
    try:
        app_for(words)(words, prog_name="tracker")
    finally:
        # The process is about to end: its last garbage collection would walk every object
        # it holds (a tenth of a second after an import) to free what exit frees anyway.
        # Frozen objects are left out of it; files and connections are closed already.
        gc.freeze()


def app_for(words: list[str]) -> typer.Typer:
    """The app to run ``words``: all of it, or, when they begin with a group's name, the top
    level with that group alone. Typer makes every command a Click command on each run (a
    twentieth of a second for all of them); one group's are all such a run can reach."""
    group = next((g for g in app.registered_groups if words and g.name == words[0]), None)
    if group is None:
        return app
    narrow = _typer()
    narrow.registered_callback = app.registered_callback
    narrow.registered_groups.append(group)
    return narrow


if __name__ == "__main__":
    main()
