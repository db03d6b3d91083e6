"""Sheets the pack and the review workbook share: KPIs with charts, publication tables, notes.

Each function adds one sheet to an openpyxl workbook from plain values
(``tracker.reports.model``). A suppressed cell of a publication table is shown
as ``[c]`` (the UK statistical symbol for confidential); a table the
publication could not protect is never written: the sheet says why instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from tracker.reports.charts import line_chart
from tracker.reports.model import DatasetTables, KpiLine, SourceLine, rag_word
from tracker.reports.xlsx import (
    DATE_WIDTH,
    bold,
    cell_with,
    header_row,
    heading,
    note_rows,
    print_ready,
    put,
    put_figure,
    rag_rules,
    widths,
)
from tracker.wording import day_text

MARKER = "[c]"  # a suppressed cell, whether primary or secondary
NO_DATA = "[x]"  # a period with no data at all
CHART_ROWS = 16  # rows of sheet each chart takes
KPI_HEADINGS = ("KPI", "Name", "Period", "Value", "Shown as", "Target", "RAG", "Why")


def _number_or_blank(value: float | None) -> Any:
    if value is None:
        return None
    return int(value) if float(value).is_integer() else value


def kpi_sheet(
    wb: Any, kpis: Sequence[KpiLine], *, title: str, marking: str, as_of: date, name: str = "KPIs"
) -> Any:
    """Every KPI period by period against its target, and a line chart of each beside it."""
    ws = wb.create_sheet(name)
    header_row(ws, 1, KPI_HEADINGS)
    row = 2
    chart_at = 2
    chart_col = len(KPI_HEADINGS) + 2
    from openpyxl.utils import get_column_letter

    for kpi in kpis:
        first = row
        for p in kpi.points:
            put(ws, row, 1, kpi.id)
            put(ws, row, 2, kpi.name, wrap=True)
            put(ws, row, 3, p.period)
            put_figure(ws, row, 4, _number_or_blank(p.value), kpi.unit)
            put(ws, row, 5, p.shown_as or "")
            put_figure(ws, row, 6, _number_or_blank(p.target), kpi.unit)
            put(ws, row, 7, rag_word(p.rating))
            put(ws, row, 8, p.reason, wrap=True)
            row += 1
        if not kpi.points:
            put(ws, row, 1, kpi.id)
            put(ws, row, 2, kpi.name, wrap=True)
            put(ws, row, 3, "none yet")
            put(ws, row, 7, rag_word(kpi.rating))
            put(ws, row, 8, kpi.reason, wrap=True)
            row += 1
            continue
        chart = line_chart(
            ws,
            title=f"{kpi.id} {kpi.name}"[:120],
            unit=kpi.unit,
            first=first,
            last=row - 1,
            target=kpi.target is not None,
        )
        ws.add_chart(chart, f"{get_column_letter(chart_col)}{chart_at}")
        chart_at += CHART_ROWS
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(KPI_HEADINGS))}{max(row - 1, 1)}"
    rag_rules(ws, f"G2:G{max(row, 2)}")
    widths(ws, (10, 38, 12, 16, 12, 16, 11, 64))  # figures carry their unit
    print_ready(ws, title=title, marking=marking, as_of=as_of)
    return ws


def _name_series(chart: Any, names: Sequence[str]) -> None:
    from openpyxl.chart.series import SeriesLabel

    for series, label in zip(chart.series, names, strict=False):
        series.tx = SeriesLabel(v=label)


def tables_sheet(
    wb: Any, data: DatasetTables, *, title: str, marking: str, as_of: date, threshold: int
) -> Any:
    """One data set's publication tables, each with a bar chart of its totals where shown."""
    from openpyxl.chart import BarChart, Reference
    from openpyxl.utils import get_column_letter

    ws = wb.create_sheet(data.sheet)
    heading(ws, 1, f"{data.title}: published tables", size=13)
    row = 3
    if data.withheld is not None or not data.tables:
        note = data.withheld or "No tables are declared for publication from this data set."
        note_rows(ws, row, [note], width_cols=1, chars=110)
        widths(ws, (110,))
        print_ready(ws, title=title, marking=marking, as_of=as_of, title_rows=None)
        return ws
    widest = max(len(t.column_labels) for t in data.tables)
    chart_col = widest + 4
    chart_at = 3
    for table in data.tables:
        heading(ws, row, table.title)
        row += 1
        header_row(ws, row, (table.row_label, *table.column_labels, "Total"))
        top = row + 1
        row += 1
        totals_shown = True
        for r in table.rows:
            put(ws, row, 1, r.label)
            for i, cell in enumerate(r.cells):
                gap = i < len(table.missing) and table.missing[i]
                put(ws, row, i + 2, NO_DATA if gap else (MARKER if cell is None else cell))
            put(ws, row, len(r.cells) + 2, MARKER if r.total is None else r.total)
            totals_shown = totals_shown and r.total is not None
            row += 1
        notes = [*table.notes]
        if any(c is None for r in table.rows for c in (*r.cells, r.total)):
            notes.append(
                f"{MARKER}: hidden so that no count from 1 to {threshold - 1} can be seen or "
                "worked out from the figures published with it."
            )
        if table.rows and totals_shown:
            chart = BarChart()
            chart.type = "col"
            chart.title = table.title[:120]
            chart.height, chart.width = 7.0, 15.0
            total_col = len(table.column_labels) + 2
            chart.add_data(Reference(ws, min_col=total_col, min_row=top, max_row=row - 1))
            chart.set_categories(Reference(ws, min_col=1, min_row=top, max_row=row - 1))
            _name_series(chart, ["Total"])
            chart.legend = None
            ws.add_chart(chart, f"{get_column_letter(chart_col)}{chart_at}")
            chart_at += CHART_ROWS
        elif table.rows:
            notes.append("No chart: some totals are hidden, and a chart would show them as zero.")
        span = max(4, len(table.column_labels) + 2)
        row = note_rows(ws, row, notes, width_cols=span, chars=30 + 12 * (span - 1)) + 1
    widths(ws, (30, *([12] * (widest + 1))))
    print_ready(ws, title=title, marking=marking, as_of=as_of, title_rows=None)
    return ws


def notes_sheet(
    wb: Any,
    *,
    title: str,
    marking: str,
    as_of: date,
    sources: Sequence[SourceLine],
    rules: Sequence[tuple[str, str]],
    suppression_rule: str,
    extra: Sequence[tuple[str, str]] = (),
) -> Any:
    """Where the figures come from, the as-of date, suppression and how ratings are made."""
    ws = wb.create_sheet("Notes")
    header_row(ws, 1, ("Topic", "Detail"))
    row = 2
    items: list[tuple[str, str]] = [("As of", day_text(as_of)), *extra]
    for s in sources:
        items.append((f"Source: {s.title}", f"{s.dated}. {s.detail}".strip()))
    items.append(("Suppression", suppression_rule))
    items += [(f"Rating: {what}", how) for what, how in rules]
    for topic, detail in items:
        bold(cell_with(ws, row, 1, topic))
        put(ws, row, 2, detail, wrap=True)
        row += 1
    widths(ws, (30, 110))
    print_ready(ws, title=title, marking=marking, as_of=as_of)
    return ws


def action_columns() -> tuple[tuple[str, float], ...]:
    """Headings and widths of the Actions sheet (dates get DATE_WIDTH)."""
    return (
        ("Action", 9),
        ("Objective", 10),
        ("Title", 40),
        ("Owner", 24),
        ("Start", DATE_WIDTH),
        ("Due", DATE_WIDTH),
        ("Status", 12),
        ("Progress %", 10),
        ("RAG", 11),
        ("Why", 44),
        ("Computed RAG", 11),
        ("Owner's RAG", 11),
        ("Override", 11),
        ("Override reason", 30),
        ("Override until", DATE_WIDTH),
        ("Update overdue", 10),
        ("Last update", DATE_WIDTH),
        ("Latest narrative", 50),
        ("Next steps", 40),
        ("Risks and issues", 40),
    )
