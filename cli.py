"""The ``tracker`` command line: parses options and calls the library, nothing more.

Every command takes ``--workspace`` (default: TRACKER_WORKSPACE or the current
folder) and ``--database`` (default: TRACKER_DATABASE_URL, else the workspace's
tracker.toml, else its SQLite file). Errors a user can cause are ``TrackerError``s
or command-line mistakes: either way they are printed as one line (plus one line
per problem where there are several) and the exit status is 1. Heavy libraries
are imported inside the commands so that ``tracker --help`` answers at once.
"""

from __future__ import annotations

import os
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer
from typer.core import TyperGroup

if TYPE_CHECKING:
    from tracker.settings import Settings
    from tracker.workspace import Workspace


class _Group(TyperGroup):
    """Turns library errors and command-line mistakes into one clear line and exit status 1."""

    def invoke(self, ctx: Any) -> Any:
        from tracker.errors import TrackerError

        try:
            return super().invoke(ctx)
        except TrackerError as exc:
            _fail(str(exc), exc.details())
        except KeyboardInterrupt:
            _fail("interrupted; nothing further was written", code=130)
        except typer.TyperException as exc:
            # A mistake on the command line itself (a missing option, a value not in the
            # list): one line naming the command's help, like every other error.
            if getattr(exc, "exit_code", 1) != 2 or type(exc).__name__ == "NoArgsIsHelpError":
                raise
            where = getattr(exc, "ctx", None) or ctx
            message = exc.format_message().replace("Value error, ", "").rstrip(".")
            _fail(f"{message[:1].lower()}{message[1:]}; see '{where.command_path} --help'")
        except (typer.Exit, typer.Abort):
            raise
        except Exception as exc:  # a bug, not the user's mistake: say so plainly
            if os.environ.get("TRACKER_DEBUG"):
                raise
            from sqlalchemy.exc import OperationalError

            if isinstance(exc, OperationalError):
                first = (str(exc.orig).strip().splitlines() or [type(exc.orig).__name__])[0]
                if "database is locked" in first:
                    _fail(
                        "the database stayed busy for 30 seconds (another tracker command or the "
                        "scheduler is writing); nothing was written: try again in a minute"
                    )
                _fail(f"database error: {first}; check the database is reachable and try again")
            _fail(
                f"unexpected error ({type(exc).__name__}: {exc}); this is a bug in tracker: "
                "rerun with TRACKER_DEBUG=1 and report the traceback"
            )


def _fail(message: str, details: list[str] | None = None, code: int = 1) -> NoReturn:
    for line in details or []:
        typer.echo(line, err=True)
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


HELP = """Track the delivery of a partnership strategy and report on it.

Start with 'tracker demo' to see a complete example, or 'tracker init DIR' to
create a workspace holding the Northamptonshire Prevent plan (objectives.yaml).
"""

app = typer.Typer(
    cls=_Group,
    help=HELP,
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
plan_app = typer.Typer(
    cls=_Group, help="Check the plan file and load it into the database.", no_args_is_help=True
)
db_app = typer.Typer(cls=_Group, help="Administer the database schema.", no_args_is_help=True)
data_app = typer.Typer(
    cls=_Group,
    no_args_is_help=True,
    help="Import referral and training data, and summarise it safely.",
)
kpi_app = typer.Typer(
    cls=_Group, help="KPI values against targets, with RAG and trend.", no_args_is_help=True
)
app.add_typer(plan_app, name="plan")
app.add_typer(db_app, name="db")
app.add_typer(data_app, name="data")
app.add_typer(kpi_app, name="kpi")


# --- options shared by every command ------------------------------------------------------

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
AsOfOpt = Annotated[
    str | None,
    typer.Option(
        "--as-of",
        metavar="DATE",
        help="Report as on this date (YYYY-MM-DD or DD/MM/YYYY) [default: today]",
        show_default=False,
    ),
]


class Format(StrEnum):
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


def _settings(workspace: Path | None, database: str | None, by: str | None = None) -> Settings:
    from tracker.settings import Settings

    return Settings.from_env(workspace=workspace, database_url=database, user=by)


def _open(workspace: Path | None, database: str | None, by: str | None = None) -> Workspace:
    from tracker.workspace import open_workspace

    return open_workspace(_settings(workspace, database, by))


def _date(text: str | None, what: str) -> Any:
    from tracker.periods import parse_date

    return parse_date(text, what=what) if text else None


def _print_json(document: Any) -> None:
    import json

    typer.echo(json.dumps(document, indent=2, ensure_ascii=False, default=str))


# --- workspace ---------------------------------------------------------------------------


@app.command()
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

    result = init_workspace(_settings(directory, database))
    typer.echo(f"Created workspace {result.workspace}")
    typer.echo(f"  plan:     {result.plan_file} (loaded)")
    typer.echo(f"  database: {result.database}")
    if result.settings_file:
        typer.echo(
            f"  settings: {result.settings_file} (commands in this workspace use this database;"
            " keep any password in PGPASSWORD or ~/.pgpass)"
        )
    typer.echo("Next: 'tracker status' in that folder, or edit the plan and 'tracker plan load'.")


@app.command()
def demo(
    directory: Annotated[
        Path, typer.Argument(metavar="DIR", help="Folder for the demo workspace")
    ] = Path("demo-workspace"),
    as_of: AsOfOpt = None,
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
    from tracker.demo import run_demo

    run_demo(directory.resolve(), as_of=_date(as_of, "--as-of"), fresh=fresh)


@app.command()
def status(
    as_of: AsOfOpt = None,
    objective: Annotated[
        str | None,
        typer.Option("--objective", "-o", metavar="ID", help="Only this objective, e.g. SO3"),
    ] = None,
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
    from tracker.status import build_status, render_status

    with _open(workspace, database) as ws:
        report = build_status(
            ws.engine, ws.plan(), as_of=_date(as_of, "--as-of"), objective=objective
        )
    if fmt is Format.json:
        _print_json(report.to_json())
    else:
        render_status(report)


@app.command()
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
    from tracker.progress import record_update

    with _open(workspace, database, by) as ws:
        saved = record_update(
            ws.engine,
            ws.plan(),
            action_id=action_id,
            status=status_,
            progress=progress,
            rag=rag,
            note=note,
            on=_date(on, "--on"),
            by=ws.settings.user,
            source="cli",
        )
    typer.echo(
        f"Recorded: {saved.action_id} {saved.status}"
        + (f" {saved.progress}%" if saved.progress is not None else "")
        + f" on {saved.on} by {saved.by}"
    )


@app.command()
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
    from tracker.progress import action_history_report, render_history

    with _open(workspace, database) as ws:
        found = action_history_report(ws.engine, ws.plan(), action_id)
    if fmt is Format.json:
        _print_json(found.to_json())
    else:
        render_history(found.action_id, found.updates, archived_at=found.archived_at)


# --- plan --------------------------------------------------------------------------------

PlanFileArg = Annotated[
    Path | None,
    typer.Argument(
        metavar="FILE",
        help="Plan file [default: objectives.yaml in the workspace]",
        show_default=False,
    ),
]


@plan_app.command("check")
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
    from tracker.plan.loader import check_plan

    path = file or _settings(workspace, None).plan_path
    problems = check_plan(path)
    if fmt is Format.json:
        _print_json(
            {
                "file": str(path),
                "valid": not problems,
                "problems": [{"line": p.line, "message": p.message} for p in problems],
            }
        )
        raise typer.Exit(1 if problems else 0)
    if problems:
        n = len(problems)
        _fail(
            f"{path}: {n} problem{'s' if n != 1 else ''} found; "
            "fix each line listed and check again",
            [str(p) for p in problems],
        )
    typer.echo(f"{path}: the plan is valid")


@plan_app.command("load")
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

    with _open(workspace, database) as ws:
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


# --- db ----------------------------------------------------------------------------------


@db_app.command("upgrade")
def db_upgrade(workspace: WorkspaceOpt = None, database: DatabaseOpt = None) -> None:
    """Apply pending schema migrations (commands also do this on start).

    \b
    Examples:
      tracker db upgrade
      tracker db upgrade --database postgresql+psycopg://tracker@dbhost/prevent
    """
    from tracker.db.engine import make_engine
    from tracker.db.migrate import upgrade

    settings = _settings(workspace, database)
    engine = make_engine(settings.url)
    try:
        before, after = upgrade(engine)
    finally:
        engine.dispose()
    if before == after:
        typer.echo(f"database schema is up to date (revision {after})")
    else:
        typer.echo(f"database schema upgraded from {before or 'empty'} to {after}")


# --- data --------------------------------------------------------------------------------


@data_app.command("template")
def data_template(
    dataset: Annotated[
        str, typer.Argument(metavar="DATASET", help="Data set name, e.g. referrals or training")
    ],
    file: Annotated[
        Path, typer.Argument(metavar="FILE", help="File to write: .xlsx (with drop-downs) or .csv")
    ],
    workspace: WorkspaceOpt = None,
    database: DatabaseOpt = None,
) -> None:
    """Write an empty file with the right column headers for the people who prepare the data.

    The XLSX version has a drop-down on every category column, date and number checks,
    and a Notes sheet explaining each column. An existing file is never overwritten.

    \b
    Examples:
      tracker data template referrals referrals.xlsx
      tracker data template training training.csv
    """
    from tracker.data.template import write_template

    with _open(workspace, database) as ws:
        written = write_template(ws.plan(), dataset, file)
    typer.echo(f"Wrote {written}")


@data_app.command("import")
def data_import(
    dataset: Annotated[
        str, typer.Argument(metavar="DATASET", help="Data set name, e.g. referrals or training")
    ],
    file: Annotated[Path, typer.Argument(metavar="FILE", help="A .csv or .xlsx file")],
    sheet: Annotated[
        str | None,
        typer.Option(
            "--sheet", metavar="NAME", help="Worksheet to read [default: the first visible]"
        ),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Check the file and show what would change")
    ] = False,
    ignore_extra: Annotated[
        bool, typer.Option("--ignore-extra", help="Skip columns the data set does not declare")
    ] = False,
    by: ByOpt = None,
    fmt: FormatOpt = Format.table,
    workspace: WorkspaceOpt = None,
    database: DatabaseOpt = None,
) -> None:
    """Import a file into a data set: all rows or none, every bad row listed.

    Rows are matched by the data set's key: re-importing the same rows changes nothing,
    and a changed row is updated with its previous values kept in the history. Files with
    identifying columns (names, dates of birth, addresses...), macro-enabled workbooks and
    oversized or malformed files are refused whole. Column rules: docs/data.md.

    \b
    Examples:
      tracker data import referrals referrals.xlsx --dry-run
      tracker data import referrals referrals.xlsx
      tracker data import training training.csv --ignore-extra --format json
    """
    from tracker.data.importer import import_file, render_import

    with _open(workspace, database, by) as ws:
        result = import_file(
            ws.engine,
            ws.plan(),
            dataset,
            file,
            sheet=sheet,
            dry_run=dry_run,
            ignore_extra=ignore_extra,
            by=ws.settings.user,
            progress=fmt is Format.table,
        )
    if fmt is Format.json:
        _print_json(result.to_json())
    else:
        render_import(result)


@data_app.command("summary")
def data_summary(
    dataset: Annotated[
        str, typer.Argument(metavar="DATASET", help="Data set name, e.g. referrals or training")
    ],
    by_: Annotated[
        str | None,
        typer.Option(
            "--by",
            metavar="FIELD[,FIELD]",
            help="Field(s) to count by, comma separated, e.g. sector,gender; derived fields "
            "work too: sector_group, age_band",
        ),
    ] = None,
    period: Annotated[
        str | None,
        typer.Option(
            "--period", metavar="month|quarter|year", help="Also by financial month/quarter/year"
        ),
    ] = None,
    from_: Annotated[
        str | None, typer.Option("--from", metavar="DATE", help="First date included")
    ] = None,
    to: Annotated[
        str | None, typer.Option("--to", metavar="DATE", help="Last date included")
    ] = None,
    where: Annotated[
        list[str] | None,
        typer.Option(
            "--where", metavar="FIELD=VALUE", help="Only rows with this value; repeat for more"
        ),
    ] = None,
    fmt: Annotated[
        SummaryFormat,
        typer.Option("--format", "-f", help="table, json or csv", case_sensitive=False),
    ] = SummaryFormat.table,
    no_suppress: Annotated[
        bool, typer.Option("--no-suppress", help="Show small numbers (your own screen only)")
    ] = False,
    workspace: WorkspaceOpt = None,
    database: DatabaseOpt = None,
) -> None:
    """Counts (attendees for training) with percentages, small numbers suppressed.

    Periods follow the UK financial year (2019/20 Q1 is April-June 2019). Percentages are
    of the rows where the field is known; unknowns get their own row. Counts from 1 to 4
    are shown as <5, and others hidden (*) where a <5 could be worked out from totals.

    \b
    Examples:
      tracker data summary referrals --by sector_group --period quarter
      tracker data summary referrals --by district,gender --from 2020-04-01 --to 2021-03-31
      tracker data summary referrals --by outcome --where sector=Schools --format csv
      tracker data summary training --by course --period year --format json
    """
    from tracker.data.summary import build_summary, render_summary

    with _open(workspace, database) as ws:
        summary = build_summary(
            ws.engine,
            ws.plan(),
            dataset,
            by=[f.strip() for f in by_.split(",") if f.strip()] if by_ else [],
            period=period,
            start=_date(from_, "--from"),
            end=_date(to, "--to"),
            where=where or [],
            suppress=not no_suppress,
        )
    render_summary(summary, fmt.value)


# --- kpi ---------------------------------------------------------------------------------


@kpi_app.command("show")
def kpi_show(
    as_of: AsOfOpt = None,
    objective: Annotated[
        str | None,
        typer.Option("--objective", "-o", metavar="ID", help="Only this objective, e.g. SO3"),
    ] = None,
    fmt: FormatOpt = Format.table,
    workspace: WorkspaceOpt = None,
    database: DatabaseOpt = None,
) -> None:
    """Each KPI's latest complete period: value, target, RAG, direction of travel, trend.

    Green meets the target, amber is within its tolerance, red is beyond it, grey has no
    data yet; contextual indicators have no target. Cumulative KPIs are projected to the
    review date. Every rating is followed by its reason. See docs/kpis.md.

    \b
    Examples:
      tracker kpi show --as-of 2020-12-31
      tracker kpi show --objective SO4 --format json
    """
    from tracker.kpi.engine import evaluate_kpis
    from tracker.kpi.render import render_kpis

    with _open(workspace, database) as ws:
        report = evaluate_kpis(
            ws.engine, ws.plan(), as_of=_date(as_of, "--as-of"), objective=objective
        )
    if fmt is Format.json:
        _print_json(report.to_json())
    else:
        render_kpis(report)


@kpi_app.command("history")
def kpi_history(
    kpi_id: Annotated[str, typer.Argument(metavar="KPI_ID", help="The KPI, e.g. KPI3.1")],
    as_of: AsOfOpt = None,
    fmt: FormatOpt = Format.table,
    workspace: WorkspaceOpt = None,
    database: DatabaseOpt = None,
) -> None:
    """Every period of one KPI with its value, target and RAG.

    \b
    Examples:
      tracker kpi history KPI3.1
      tracker kpi history KPI4.1 --as-of 2021-03-31 --format json
    """
    from tracker.kpi.engine import kpi_history as build_history
    from tracker.kpi.render import render_kpi_history

    with _open(workspace, database) as ws:
        result = build_history(ws.engine, ws.plan(), kpi_id, as_of=_date(as_of, "--as-of"))
    if fmt is Format.json:
        _print_json(result.to_json())
    else:
        render_kpi_history(result)


@kpi_app.command("record")
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

    with _open(workspace, database, by) as ws:
        saved = record_kpi_value(
            ws.engine,
            ws.plan(),
            kpi_id=kpi_id,
            period=period,
            value=value,
            note=note,
            by=ws.settings.user,
            source="cli",
        )
    typer.echo(f"Recorded: {saved.kpi_id} {saved.period} = {saved.value:g} by {saved.by}")


def main() -> None:
    """Entry point of the installed ``tracker`` command."""
    app(prog_name="tracker")


if __name__ == "__main__":
    main()
