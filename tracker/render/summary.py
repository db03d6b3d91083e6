"""Printing ``tracker data summary``: a table for people, JSON or CSV.

Two kinds of summary reach here. A **declared table** (``--table KEY``) is a
``PublishedTable``: exactly the figures a pack would show, safe to pass on.
Any other summary is an **analyst view**, for the analyst's own screen: every
format says so (a warning on stderr, a line above the table, a first line in
CSV, ``"distribution": "analyst only"`` in JSON), and nothing that builds a
pack, an email or the review accepts one.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

from tracker.disclosure.model import MARKER, NO_DATA, PublishedTable
from tracker.usertext import looks_like_formula

if TYPE_CHECKING:
    from tracker.data.dimensions import Value
    from tracker.data.summary import Summary

ANALYST_LABEL = "ANALYST VIEW - NOT FOR DISTRIBUTION"
UNKNOWN_TEXT = "Not known"


def _label(value: Value, labels: dict[str, str]) -> str:
    if value is None:
        return UNKNOWN_TEXT
    return labels.get(value, str(value)) if isinstance(value, str) else str(value)


def analyst_warning(summary: Summary) -> str:
    """Why this summary must stay on the analyst's screen, in one line."""
    if summary.unsuppressed:
        why = "small numbers are shown (--no-suppress)"
    else:
        why = "it is not a declared table (see tracker data summary --table)"
    return f"{ANALYST_LABEL}: {why}; do not share, print or copy it into reports"


def render_summary(summary: Summary, fmt: str) -> None:
    """Print ``summary`` as a table for people, JSON or CSV; the warning goes to stderr."""
    sys.stderr.write(f"warning: {analyst_warning(summary)}\n")
    if fmt == "json":
        import json

        sys.stdout.write(json.dumps(summary.to_json(), indent=2, ensure_ascii=False) + "\n")
    elif fmt == "csv":
        sys.stdout.write(summary_csv(summary))
    else:
        _render_table(summary)


def summary_csv(summary: Summary) -> str:
    """The rows as CSV text: a first line saying it is the analyst's own, then a header line."""
    import csv
    import io

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([f"# {analyst_warning(summary)}"])
    writer.writerow([*summary.by, "count", "percent"])
    for row in summary.rows:
        writer.writerow(
            [
                *(csv_safe(v) for v in row.key),
                NO_DATA if row.no_data else csv_safe(row.shown),
                "" if row.percent is None else row.percent,
            ]
        )
    return out.getvalue()


def csv_safe(value: Value) -> Any:
    """A value for a CSV cell: empty for null, and never something a spreadsheet runs."""
    if value is None:
        return ""
    if isinstance(value, str) and looks_like_formula(value):
        return "'" + value
    return value


def _render_table(summary: Summary) -> None:
    from rich import box
    from rich.table import Table
    from rich.text import Text

    from tracker.console import make_console
    from tracker.render.layout import print_table_or_records

    console = make_console()
    title = summary.title
    fields = [h for name, h in zip(summary.by, summary.headings, strict=True) if name != "period"]
    if fields:
        title += " by " + ", ".join(f.lower() for f in fields)
    if "period" in summary.by:
        title += " and period" if fields else " by period"
    console.print(Text(ANALYST_LABEL, style="bold"))
    console.print(Text(f"{summary.plan}: {title}"))
    measure = "Count" if summary.measure == "rows" else summary.measure
    table = Table(box=box.SIMPLE_HEAD)
    for heading in summary.headings:
        table.add_column(heading, overflow="fold")
    table.add_column(measure, justify="right", no_wrap=True)
    table.add_column("%", justify="right", no_wrap=True)
    records = []
    for row in summary.rows:
        labels = [_label(v, ls) for v, ls in zip(row.key, summary.labels, strict=True)]
        shown = "no data" if row.no_data else str(row.shown)
        percent = "" if row.percent is None else str(row.percent)
        table.add_row(*(Text(v) for v in labels), Text(shown), percent)  # Text: "[c]" not markup
        records.append(
            [
                (summary.headings[0] if labels else "All", Text(", ".join(labels), style="bold")),
                *((h, Text(v)) for h, v in zip(summary.headings[1:], labels[1:], strict=True)),
                (measure, Text(shown + (f" ({percent}%)" if percent else ""))),
            ]
        )
    table.add_section()
    table.add_row(
        *(["Total"] + [""] * (len(summary.by) - 1) if summary.by else []),
        Text(str(summary.total_shown)),
        "",
    )
    records.append([("Total", Text(str(summary.total_shown), style="bold"))])
    print_table_or_records(console, table, records)
    for note in summary_notes(summary):
        console.print(Text(note))


def summary_notes(summary: Summary) -> list[str]:
    notes = []
    if summary.filters:
        notes.append("Only rows with " + "; ".join(summary.filters) + ".")
    if summary.known_fields:
        within = " within each period" if "period" in summary.by else ""
        noun = "rows" if summary.measure == "rows" else summary.measure.lower()
        notes.append(
            f"Percentages are of the {noun} "
            f"where {' and '.join(f.lower() for f in summary.known_fields)} "
            f"{'is' if len(summary.known_fields) == 1 else 'are'} known{within}, "
            "rounded to whole numbers."
        )
    if any(r.no_data for r in summary.rows):
        notes.append("no data: the data set has no rows at all in that period.")
    if summary.suppressed and summary.threshold is not None:
        notes.append(
            f"Counts from 1 to {summary.threshold - 1} are shown as {MARKER}, with further "
            "counts hidden so that they cannot be worked out from this table's totals."
        )
        if summary.percentages_withheld:
            notes.append(
                "Some percentages are left out because they would give away a hidden count."
            )
    if summary.unsuppressed:
        notes.append("SMALL NUMBERS SHOWN (--no-suppress): NOT FOR SHARING.")
    return notes


# --- declared tables ----------------------------------------------------------------------


def published_json(table: PublishedTable, notes: tuple[str, ...]) -> dict[str, Any]:
    return {
        "table": table.key,
        "dataset": table.dataset,
        "title": table.title,
        "distribution": "declared",
        "columns": [*table.column_labels, table.total_label],
        "rows": [
            {
                "label": row.label,
                "kind": row.kind,
                "cells": [
                    None if missing else (MARKER if value is None else value)
                    for value, missing in zip(
                        row.cells, table.missing or (False,) * len(row.cells), strict=True
                    )
                ],
                "total": MARKER if row.total is None else row.total,
            }
            for row in table.rows
        ],
        "no_data": [c for c, m in zip(table.column_labels, table.missing, strict=True) if m],
        "notes": [*table.notes, *notes],
    }


def published_csv(table: PublishedTable, notes: tuple[str, ...]) -> str:
    import csv
    import io

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([table.row_label or table.title, *table.column_labels, table.total_label])
    for row in table.rows:
        total = MARKER if row.total is None else row.total
        writer.writerow([csv_safe(row.label), *row.shown_cells(table.missing), total])
    for note in (*table.notes, *notes):
        writer.writerow([f"# {note}"])
    return out.getvalue()


def render_published(table: PublishedTable, notes: tuple[str, ...], fmt: str) -> None:
    """Print a declared table exactly as a pack shows it."""
    if fmt == "json":
        import json

        text = json.dumps(published_json(table, notes), indent=2, ensure_ascii=False)
        sys.stdout.write(text + "\n")
        return
    if fmt == "csv":
        sys.stdout.write(published_csv(table, notes))
        return
    from rich import box
    from rich.table import Table
    from rich.text import Text

    from tracker.console import make_console
    from tracker.render.layout import print_table_or_records

    console = make_console()
    console.print(Text(table.title, style="bold"))
    grid = Table(box=box.SIMPLE_HEAD)
    grid.add_column(table.row_label, overflow="fold")
    labels = (*table.column_labels, table.total_label)
    for label in labels:
        grid.add_column(label, justify="right", overflow="fold")
    records = []
    for row in table.rows:
        if row.kind == "total":
            grid.add_section()
        label = f"  {row.label}" if row.kind == "member" else row.label
        total = MARKER if row.total is None else f"{row.total:,}"
        cells = (*row.shown_cells(table.missing), total)
        grid.add_row(Text(label), *(Text(c) for c in cells))
        records.append(
            [
                (table.row_label or "Row", Text(row.label, style="bold")),
                *((column, Text(c)) for column, c in zip(labels, cells, strict=True)),
            ]
        )
    print_table_or_records(console, grid, records)
    for note in (*table.notes, *notes):
        console.print(Text(note))
