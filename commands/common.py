"""What every command shares: one-line errors with exit status 1, and opening the workspace.

Errors a user can cause are ``TrackerError``s or command-line mistakes: either
way they are printed as one line (plus one line per problem where there are
several) and the exit status is 1. Database failures are translated by
``tracker.db.errors``, the same translation the jobs use."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import typer
from typer.core import TyperGroup

if TYPE_CHECKING:
    from datetime import date

    from tracker.plan.schema import Plan, PlanData
    from tracker.settings import Settings
    from tracker.workspace import Workspace


class TrackerGroup(TyperGroup):
    """Turns library errors and command-line mistakes into one clear line and exit status 1."""

    def make_context(self, info_name: Any, args: Any, parent: Any = None, **extra: Any) -> Any:
        if parent is None and args and args[0] in COMPLETION_OPTIONS:
            shell = args[1] if len(args) > 1 else shell_in_use(str(info_name), args[0])
            completion_for(self, info_name, args[0], shell)
        # A mistake in the group's own options (``tracker --bogus``) is found here, before
        # ``invoke``: it gets the same one line and exit status 1 as any other mistake.
        try:
            return super().make_context(info_name, args, parent=parent, **extra)
        except typer.TyperException as exc:
            if getattr(exc, "exit_code", 1) != 2 or type(exc).__name__ == "NoArgsIsHelpError":
                raise
            where = getattr(exc, "ctx", None)
            fail(usage_line(exc, where.command_path if where else str(info_name)))

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
            fail(usage_line(exc, where.command_path))
        except (typer.Exit, typer.Abort):
            raise
        except BrokenPipeError:
            # The reader went away (`tracker outbox list | head`): stop quietly, as a shell
            # command killed by SIGPIPE would, without a second error at exit.
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            raise typer.Exit(141) from None
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


COMPLETION_OPTIONS = ("--show-completion", "--install-completion")
SHELLS = ("bash", "zsh", "fish", "powershell", "pwsh")


def shell_in_use(info_name: str, option: str) -> str:
    """The shell this command runs under: from the processes above it, else ``$SHELL``.

    Typer asks only the process tree, so from cron, an editor or a script (no shell
    above) it would say "Shell  not supported"; the login shell is the better guess.
    """
    import shellingham

    try:
        detected = str(shellingham.detect_shell()[0])
    except shellingham.ShellDetectionFailure:
        detected = ""
    login = os.path.basename(os.environ.get("SHELL", ""))
    name = next((n for n in (detected, login) if n in SHELLS), "")
    if not name:
        fail(
            f"could not tell which shell you use: name it, e.g. '{info_name} {option} bash' "
            f"(one of {', '.join(SHELLS)})"
        )
    return name


def completion_for(command: Any, info_name: str, option: str, shell: str) -> None:
    """``tracker --show-completion zsh``: the named shell's script, not the one running.

    Typer's options detect the shell (from the process, else $SHELL) and take no
    value, so a shell named after them would be ignored; here it is honoured.
    """
    if shell.startswith("-"):
        return
    if shell not in SHELLS:
        fail(
            f"no completion for the shell '{shell}': use one of {', '.join(SHELLS)}; "
            f"see '{info_name} --help'"
        )
    from typer.completion import install_callback, show_callback

    callback = show_callback if option == "--show-completion" else install_callback
    param = next(p for p in command.params if option in p.opts)
    with typer.Context(command, info_name=info_name) as ctx:
        callback(ctx, param, shell)  # prints the script or installs it, then exits


def usage_line(exc: Exception, command_path: str) -> str:
    """A command-line mistake as one line: what was wrong, a suggestion, where the help is."""
    import re

    assert isinstance(exc, typer.TyperException)
    text = " ".join(exc.format_message().replace("Value error, ", "").split())
    suggestion = ""
    if (found := re.search(r"\s*\(?(Did you mean .+\?)\)?$", text)) is not None:
        said = found.group(1)
        suggestion = f" ({said[:1].lower()}{said[1:]})"
        text = text[: found.start()]
    text = text.rstrip(".")
    return f"{text[:1].lower()}{text[1:]}{suggestion}; see '{command_path} --help'"


def version_callback(value: bool) -> None:
    """``tracker --version``: the installed version, then stop."""
    if value:
        from tracker import __version__

        typer.echo(f"tracker {__version__}")
        raise typer.Exit(0)


def fail(message: str, details: list[str] | None = None, code: int = 1) -> NoReturn:
    """Print ``details`` (one problem a line), then ``error: message``, and exit with ``code``.

    Each is printed as one line, its control characters shown as "?": messages quote file
    names and values from outside, which may hold a terminal's escape sequences."""
    from tracker.wording import printable

    for line in details or []:
        typer.echo(printable(line), err=True)
    typer.echo(f"error: {printable(message)}", err=True)
    raise typer.Exit(code)


def group(help: str) -> typer.Typer:
    """A command group (``tracker plan``, ``tracker kpi``...) with the shared error handling."""
    return typer.Typer(cls=TrackerGroup, help=help, no_args_is_help=True)


def settings(workspace: Path | None, database: str | None, by: str | None = None) -> Settings:
    """Settings from the options given, else the environment, else the workspace's files."""
    from tracker.settings import Settings

    return Settings.from_env(workspace=workspace, database_url=database, user=by)


def open_ws(
    workspace: Path | None, database: str | None, by: str | None = None, *, read_only: bool = False
) -> Workspace:
    """The workspace named by the options, its database schema brought up to date.

    ``read_only=True`` for every command that only reads: it then works on a database
    the user may read but not change (docs/database.md).
    """
    from tracker.workspace import open_workspace

    return open_workspace(settings(workspace, database, by), read_only=read_only)


def parse_date(text: str | None, what: str) -> date | None:
    """The date typed for option ``what`` (YYYY-MM-DD or DD/MM/YYYY), or None when not given.

    An empty value (``--as-of ""``, a script's unset variable) is refused, not read as
    "not given": it would silently mean today."""
    from tracker.periods import parse_date as parse

    return None if text is None else parse(text, what=what)


def today(plan: Plan | PlanData) -> date:
    """Today where the partnership works (the plan's timezone): read once, here, and passed on."""
    from tracker.clock import today_in

    return today_in(plan.plan.timezone)


def as_of_date(text: str | None, plan: Plan) -> date:
    """The ``--as-of`` date typed, or today where the plan is."""
    return parse_date(text, "--as-of") or today(plan)


def print_json(document: Any) -> None:
    """One JSON document on standard output, as every ``--format json`` prints it."""
    import json

    typer.echo(json.dumps(document, indent=2, ensure_ascii=False, default=str))
