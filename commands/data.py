"""``tracker data``: data set templates, imports and safe summaries."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from commands.common import group, open_ws, parse_date, print_json
from commands.options import ByOpt, DatabaseOpt, Format, FormatOpt, SummaryFormat, WorkspaceOpt

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

    with open_ws(workspace, database) as ws:
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

    with open_ws(workspace, database, by) as ws:
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
        print_json(result.to_json())
    else:
        render_import(result)


@app.command("summary")
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

    with open_ws(workspace, database) as ws:
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
