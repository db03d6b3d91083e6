"""What every command shares: one-line errors with exit status 1, and opening the workspace.

Errors a user can cause are ``TrackerError``s or command-line mistakes: either
way they are printed as one line (plus one line per problem where there are
several) and the exit status is 1. Database failures are translated by
``tracker.db.errors``, the same translation the jobs use."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import typer
from typer.core import TyperGroup

if TYPE_CHECKING:
    from datetime import date

    from tracker.settings import Settings
    from tracker.workspace import Workspace


class TrackerGroup(TyperGroup):
    """Turns library errors and command-line mistakes into one clear line and exit status 1."""

    def invoke(self, ctx: Any) -> Any:
        from tracker.errors import TrackerError

        try:
            return super().invoke(ctx)
        except TrackerError as exc:
            fail(str(exc), exc.details())
        except KeyboardInterrupt:
            fail("interrupted; nothing further was written", code=130)
        except typer.TyperException as exc:
            # A mistake on the command line itself (a missing option, a value not in the
            # list): one line naming the command's help, like every other error.
            if getattr(exc, "exit_code", 1) != 2 or type(exc).__name__ == "NoArgsIsHelpError":
                raise
            where = getattr(exc, "ctx", None) or ctx
            message = exc.format_message().replace("Value error, ", "").rstrip(".")
            fail(f"{message[:1].lower()}{message[1:]}; see '{where.command_path} --help'")
        except (typer.Exit, typer.Abort):
            raise
        except Exception as exc:  # a bug, not the user's mistake: say so plainly
            if os.environ.get("TRACKER_DEBUG"):
                raise
            from tracker.db.errors import translate_database_error

            translated = translate_database_error(exc)
            if translated is not None:
                fail(str(translated))
            fail(
                f"unexpected error ({type(exc).__name__}: {exc}); this is a bug in tracker: "
                "rerun with TRACKER_DEBUG=1 and report the traceback"
            )


def fail(message: str, details: list[str] | None = None, code: int = 1) -> NoReturn:
    """Print ``details`` (one problem a line), then ``error: message``, and exit with ``code``."""
    for line in details or []:
        typer.echo(line, err=True)
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def group(help: str) -> typer.Typer:
    """A command group (``tracker plan``, ``tracker kpi``...) with the shared error handling."""
    return typer.Typer(cls=TrackerGroup, help=help, no_args_is_help=True)


def settings(workspace: Path | None, database: str | None, by: str | None = None) -> Settings:
    """Settings from the options given, else the environment, else the workspace's files."""
    from tracker.settings import Settings

    return Settings.from_env(workspace=workspace, database_url=database, user=by)


def open_ws(workspace: Path | None, database: str | None, by: str | None = None) -> Workspace:
    """The workspace named by the options, its database schema brought up to date."""
    from tracker.workspace import open_workspace

    return open_workspace(settings(workspace, database, by))


def parse_date(text: str | None, what: str) -> date | None:
    """The date typed for option ``what`` (YYYY-MM-DD or DD/MM/YYYY), or None when not given."""
    from tracker.periods import parse_date as parse

    return parse(text, what=what) if text else None


def print_json(document: Any) -> None:
    """One JSON document on standard output, as every ``--format json`` prints it."""
    import json

    typer.echo(json.dumps(document, indent=2, ensure_ascii=False, default=str))
