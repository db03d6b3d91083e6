"""``tracker data``: data set templates, imports and safe summaries."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer

from commands.common import group, open_ws, parse_date, print_json, today
from commands.options import (
    AsOfOpt,
    ByOpt,
    DatabaseOpt,
    Format,
    FormatOpt,
    SummaryFormat,
    WorkspaceOpt,
)

app = group("Import referral and training data, and summarise it safely.")


@app.command("template")
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

    with open_ws(workspace, database, read_only=True) as ws:
        written = write_template(ws.plan(), dataset, file)
    typer.echo(f"Wrote {written}")


@app.command("import")
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
    recheck: Annotated[
        bool,
        typer.Option(
            "--recheck",
            help="Check every row even when this very file was imported before under the "
            "same rules (those rows are otherwise taken as checked)",
        ),
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

    The same file imported again unchanged, with the same plan and tracker version, is
    not checked row by row a second time: its header is, and its keys are counted.

    \b
    Examples:
      tracker data import referrals referrals.xlsx --dry-run
      tracker data import referrals referrals.xlsx
      tracker data import training training.csv --ignore-extra --format json
    """
    from tracker.collector import collector_paused

    # The collector is paused from the start: the libraries the import needs (SQLAlchemy,
    # pydantic) are imported inside, and their objects would be walked again and again.
    with (
        collector_paused(),
        open_ws(workspace, database, by) as ws,
        _progress_bar(fmt is Format.table) as bar,
    ):
        from tracker.data.importer import import_file

        plan = ws.data_plan()
        result = import_file(
            ws.engine,
            plan,
            dataset,
            file,
            sheet=sheet,
            dry_run=dry_run,
            ignore_extra=ignore_extra,
            recheck=recheck,
            by=ws.settings.user,
            today=today(plan),
            progress=bar,
        )
    if fmt is Format.json:
        print_json(result.to_json())
    else:
        from tracker.render.imports import import_lines

        for line in import_lines(result):
            typer.echo(line)


@contextmanager
def _progress_bar(wanted: bool) -> Iterator[Callable[[str, int, int], None] | None]:
    """A Rich progress bar on stderr for a long import at a terminal; otherwise nothing.

    The importer calls it with (stage, done, total); the bar appears only once a
    stage has taken a second, so small files import without one.
    """
    if not wanted:
        yield None
        return
    from tracker.console import make_console

    console = make_console(stderr=True)
    if not console.is_terminal:
        yield None
        return
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    bar = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    )
    tasks: dict[str, Any] = {}
    started = time.monotonic()

    def update(stage: str, done: int, total: int) -> None:
        if time.monotonic() - started < 1 and not bar.live.is_started:
            return
        if not bar.live.is_started:
            bar.start()
        if stage not in tasks:
            for other in tasks.values():
                bar.update(other, completed=bar.tasks[other].total or 0)
            tasks[stage] = bar.add_task(stage, total=max(total, 1))
        bar.update(tasks[stage], completed=done, total=max(total, 1))

    try:
        yield update
    finally:
        bar.stop()


@app.command("summary")
def data_summary(
    dataset: Annotated[
        str | None,
        typer.Argument(
            metavar="DATASET", help="Data set name, e.g. referrals or training (not with --table)"
        ),
    ] = None,
    table: Annotated[
        str | None,
        typer.Option(
            "--table",
            metavar="KEY",
            help="A declared table (publications: in the plan), exactly as a pack shows it",
        ),
    ] = None,
    as_of: AsOfOpt = None,
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

    With --table KEY: a declared table, exactly the figures a pack as of --as-of shows,
    safe to pass on. Otherwise an analyst view for your own screen, labelled not for
    distribution: periods follow the UK financial year (2019/20 Q1 is April-June 2019),
    percentages are of the rows where the field is known, unknowns get their own row,
    and counts from 1 to 4 (and others that would give them away) are shown as [c].

    \b
    Examples:
      tracker data summary --table referrals-by-district --as-of 2020-12-08
      tracker data summary referrals --by sector_group --period quarter
      tracker data summary referrals --by district,gender --from 2020-04-01 --to 2021-03-31
      tracker data summary referrals --by outcome --where sector=Schools --format csv
      tracker data summary training --by course --period year --format json
    """
    from tracker.data.summary import build_summary
    from tracker.errors import InvalidValueError
    from tracker.render.summary import render_published, render_summary

    if table is not None:
        if dataset or by_ or period or from_ or to or where or no_suppress:
            raise InvalidValueError(
                "--table shows a declared table as it is",
                hint="give no DATASET, --by, --period, --from, --to, --where or --no-suppress "
                "with it",
            )
        from tracker.release.service import declared_table

        with open_ws(workspace, database, read_only=True) as ws:
            plan = ws.plan()
            day = parse_date(as_of, "--as-of") or today(plan)
            found, notes = declared_table(ws.engine, plan, table, as_of=day)
        render_published(found, notes, fmt.value)
        return
    if dataset is None:
        raise InvalidValueError(
            "missing argument 'DATASET' (or --table KEY)", hint="see 'tracker data summary --help'"
        )
    with open_ws(workspace, database, read_only=True) as ws:
        summary = build_summary(
            ws.engine,
            ws.plan(),
            dataset,
            by=[f.strip() for f in by_.split(",") if f.strip()] if by_ else [],
            period=period,
            start=parse_date(from_, "--from"),
            end=parse_date(to, "--to"),
            where=where or [],
            suppress=not no_suppress,
        )
    render_summary(summary, fmt.value)


@app.command("withdraw")
def data_withdraw(
    dataset: Annotated[
        str, typer.Argument(metavar="DATASET", help="Data set name, e.g. referrals or training")
    ],
    keys: Annotated[
        list[str],
        typer.Argument(
            metavar="KEY...",
            help="Key of each record, as in the file (several key fields: joined by ' / ')",
        ),
    ],
    reason: Annotated[
        str | None,
        typer.Option("--reason", metavar="TEXT", help="Why (kept with the record); required"),
    ] = None,
    by: ByOpt = None,
    fmt: FormatOpt = Format.table,
    workspace: WorkspaceOpt = None,
    database: DatabaseOpt = None,
) -> None:
    """Withdraw records imported by mistake: they leave every count, their history stays.

    Only a plan administrator may withdraw. Each record keeps its values and earlier
    versions, with who withdrew it, when and why; figures already sent out may change
    (the next pack shows them as revised). All keys or none: an unknown key withdraws
    nothing.

    \b
    Examples:
      tracker data withdraw referrals SYN-00123 --reason "imported twice by mistake"
      tracker data withdraw referrals SYN-00123 SYN-00124 --reason "test rows" --format json
    """
    from tracker.data.withdraw import withdraw_records
    from tracker.db.models import utcnow

    with open_ws(workspace, database, by) as ws:
        result = withdraw_records(
            ws.engine,
            ws.plan(),
            dataset,
            keys,
            reason=reason,
            by=ws.settings.user,
            now=utcnow(),
        )
    if fmt is Format.json:
        print_json(result.to_json())
        return
    n = len(result.keys)
    typer.echo(
        f"Withdrew {n} {result.dataset} record{'s' if n != 1 else ''} "
        f"({', '.join(result.keys)}); {'they' if n != 1 else 'it'} no longer "
        f"count{'' if n != 1 else 's'} anywhere. Reason: {result.reason}"
    )
