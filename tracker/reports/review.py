"""The strategy review workbook: the whole strategy period, for the chair.

``build_review(ReviewData) -> bytes`` is pure, like the pack. Sheets:

* **Summary** - per objective, its RAG and the actions delivered and not delivered;
* **Delivery** - every action, delivered or not, with its rating and latest narrative;
* **KPIs** - every KPI across all periods against its target, with charts;
* one sheet per data set of protected publication tables (year on year), or a note;
* **Risks** - every open action and red KPI, with columns for the chair to complete:
  the risk if it stops, a recommendation and whether to carry it forward;
* **Notes** - sources, suppression and how ratings are made.
"""

from __future__ import annotations

from typing import Any

from tracker.reports.model import ReviewData, rag_word
from tracker.reports.sheets import kpi_sheet, notes_sheet, tables_sheet
from tracker.reports.xlsx import (
    DATE_WIDTH,
    header_row,
    heading,
    print_ready,
    put,
    rag_rules,
    save,
    set_properties,
    widths,
)


def review_title(data: ReviewData) -> str:
    return f"{data.title}: {data.plan}"


def delivered(status: str) -> str:
    return {"complete": "Delivered", "cancelled": "Cancelled"}.get(status, "Not delivered")


def build_review(data: ReviewData) -> bytes:
    """The review workbook as bytes."""
    from openpyxl import Workbook

    title = review_title(data)
    wb = Workbook()
    wb.remove(wb.active)
    _summary(wb, data, title)
    _delivery(wb, data, title)
    kpi_sheet(wb, data.kpis, title=title, marking=data.marking, as_of=data.as_of)
    for tables in data.datasets:
        tables_sheet(
            wb,
            tables,
            title=title,
            marking=data.marking,
            as_of=data.as_of,
            threshold=data.threshold,
        )
    _risks(wb, data, title)
    notes_sheet(
        wb,
        title=title,
        marking=data.marking,
        as_of=data.as_of,
        sources=data.sources,
        rules=data.rules,
        suppression_rule=data.suppression_rule,
        extra=[("Strategy period", f"{data.start.isoformat()} to {data.end.isoformat()}")],
    )
    set_properties(wb, title=title, subject=data.plan, as_of=data.as_of, marking=data.marking)
    return save(wb, as_of=data.as_of)


def _summary(wb: Any, data: ReviewData, title: str) -> None:
    ws = wb.create_sheet("Summary")
    heading(ws, 1, title, size=14)
    put(
        ws,
        2,
        1,
        f"{data.partnership}. Strategy period {data.start.isoformat()} to "
        f"{data.end.isoformat()}; position as of {data.as_of.isoformat()}. {data.marking}.",
    )
    header_row(
        ws, 4, ("Objective", "Title", "RAG", "Why", "Delivered", "Not delivered", "Cancelled")
    )
    row = 5
    for o in data.objectives:
        mine = [a for a in data.actions if a.objective_id == o.id]
        put(ws, row, 1, o.id)
        put(ws, row, 2, o.title, wrap=True)
        put(ws, row, 3, rag_word(o.rating))
        put(ws, row, 4, o.reason, wrap=True)
        put(ws, row, 5, sum(1 for a in mine if a.status == "complete"))
        put(ws, row, 6, sum(1 for a in mine if a.status not in ("complete", "cancelled")))
        put(ws, row, 7, sum(1 for a in mine if a.status == "cancelled"))
        row += 1
    rag_rules(ws, f"C5:C{max(row, 5)}")
    widths(ws, (11, 60, 11, 50, 11, 13, 11))
    print_ready(ws, title=title, marking=data.marking, as_of=data.as_of, title_rows="4:4")


def _delivery(wb: Any, data: ReviewData, title: str) -> None:
    from openpyxl.utils import get_column_letter

    ws = wb.create_sheet("Delivery")
    columns = (
        ("Objective", 10),
        ("Action", 9),
        ("Title", 44),
        ("Owner", 26),
        ("Due", DATE_WIDTH),
        ("Delivered", 13),
        ("RAG", 11),
        ("Why", 44),
        ("Latest narrative", 50),
    )
    header_row(ws, 1, [c for c, _ in columns])
    row = 2
    for a in data.actions:
        values = (
            a.objective_id,
            a.id,
            a.title,
            a.owner_role,
            a.due,
            delivered(a.status),
            rag_word(a.rating),
            a.reason,
            a.narrative or "",
        )
        for col, value in enumerate(values, 1):
            put(ws, row, col, value, wrap=col in (3, 8, 9))
        row += 1
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{max(row - 1, 1)}"
    rag_rules(ws, f"G2:G{max(row, 2)}")
    widths(ws, [w for _, w in columns])
    print_ready(ws, title=title, marking=data.marking, as_of=data.as_of)


def _risks(wb: Any, data: ReviewData, title: str) -> None:
    from openpyxl.worksheet.datavalidation import DataValidation

    ws = wb.create_sheet("Risks")
    columns = (
        ("Item", 9),
        ("Title", 40),
        ("RAG", 11),
        ("Why", 40),
        ("Risk if not carried forward", 36),
        ("Recommendation", 36),
        ("Carry forward?", 12),
        ("Proposed owner", 24),
    )
    header_row(ws, 1, [c for c, _ in columns])
    row = 2
    open_items = [
        (a.id, a.title, a.rating, a.reason)
        for a in data.actions
        if a.status not in ("complete", "cancelled")
    ] + [(k.id, k.name, k.rating, k.reason) for k in data.kpis if k.rating in ("red", "amber")]
    for item, name, rating, reason in open_items:
        for col, value in enumerate((item, name, rag_word(rating), reason), 1):
            put(ws, row, col, value, wrap=col in (2, 4))
        row += 1
    if not open_items:
        put(ws, row, 1, "Every action was delivered and no KPI is red or amber.")
        row += 1
    choice = DataValidation(type="list", formula1='"Yes,No,Amend"', allow_blank=True)
    choice.error = "Choose Yes, No or Amend"
    ws.add_data_validation(choice)
    choice.add(f"G2:G{max(row - 1, 2)}")
    ws.freeze_panes = "A2"
    rag_rules(ws, f"C2:C{max(row, 2)}")
    widths(ws, [w for _, w in columns])
    print_ready(ws, title=title, marking=data.marking, as_of=data.as_of)
