"""The options commands share, defined once so every command spells and explains them alike.

Use them as parameter types: ``workspace: WorkspaceOpt = None``. The defaults are
resolved by ``tracker.settings`` (options, else environment, else the workspace's
tracker.toml), never here."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

WorkspaceOpt = Annotated[
    Path | None,
    typer.Option(
        "--workspace",
        "-w",
        metavar="DIR",
        help="Workspace folder [default: TRACKER_WORKSPACE or the current folder]",
        show_default=False,
    ),
]
DatabaseOpt = Annotated[
    str | None,
    typer.Option(
        "--database",
        metavar="URL",
        help="SQLAlchemy URL, e.g. postgresql+psycopg://user@host/db "
        "[default: TRACKER_DATABASE_URL, else the workspace's tracker.toml, else its tracker.db]",
        show_default=False,
    ),
]
ByOpt = Annotated[
    str | None,
    typer.Option(
        "--by",
        metavar="EMAIL",
        help="Your email address as it appears in the plan [default: TRACKER_USER]",
        show_default=False,
    ),
]


def as_of_option(default: str) -> Any:
    """``--as-of DATE``, with what it defaults to in words (today, a meeting's cut-off...)."""
    return typer.Option(
        "--as-of",
        metavar="DATE",
        help=f"Report as on this date (YYYY-MM-DD or DD/MM/YYYY) [default: {default}]",
        show_default=False,
    )


AsOfOpt = Annotated[str | None, as_of_option("today")]


def meeting_option(help_text: str) -> Any:
    """``--meeting ID`` (``-m``), with what it means for the command and its default."""
    return typer.Option("--meeting", "-m", metavar="ID", help=help_text, show_default=False)


ObjectiveOpt = Annotated[
    str | None,
    typer.Option("--objective", "-o", metavar="ID", help="Only this objective, e.g. SO3"),
]


class Format(StrEnum):
    """Output for people (a table) or for scripts (one JSON document)."""

    table = "table"
    json = "json"


class SummaryFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


FormatOpt = Annotated[
    Format,
    typer.Option("--format", "-f", help="table for people, json for scripts", case_sensitive=False),
]
