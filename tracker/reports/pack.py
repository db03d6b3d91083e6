"""The Steering Group pack: one workbook the group reads before each meeting.

``build_pack(PackData) -> bytes`` is a pure function: the same ``PackData``
gives the same bytes. The sheets, in order:

* **Summary** - each objective's RAG with its actions counted by rating, the
  headline KPIs with their direction of travel, and what changed since the
  previous recorded pack;
* **Actions** - every action with its dates, status, ratings (computed, the
  owner's, any override and its reason), the latest narrative and the owner's
  next steps and risks (the labelled sections of the update's note);
* **KPIs** - each KPI period by period against its target, with a chart;
* one sheet per data set (**Referrals**, **Training**) of declared, protected
  publication tables, or a note saying why none are shown;
* **Exceptions** - every red or update-overdue item: the meeting's agenda;
* **Notes** - sources, the as-of date, suppression and how ratings are made.

docs/packs.md describes the pack for the officer who sends it out.
"""

from __future__ import annotations

from typing import Any

from tracker.reports.model import TRAVEL_WORDS, PackData, rag_word
from tracker.reports.sheets import action_columns, kpi_sheet, notes_sheet, tables_sheet
from tracker.reports.xlsx import (
    header_row,
    heading,
    print_ready,
    put,
    put_figure,
    rag_rules,
    save,
    set_properties,
    widths,
)
from tracker.wording import day_text

_STATUS_WORDS = {
    "not_started": "Not started",
    "in_progress": "In progress",
    "complete": "Complete",
    "on_hold": "On hold",
    "cancelled": "Cancelled",
}


def pack_title(data: PackData) -> str:
    when = f" {day_text(data.meeting_date)}" if data.meeting_date else ""
    return f"{data.title}{when}"


def build_pack(data: PackData) -> bytes:
    """The pack workbook as bytes."""
    from openpyxl import Workbook

    title = pack_title(data)
    wb = Workbook()
    wb.remove(wb.active)
    _summary(wb, data, title)
    _actions(wb, data, title)
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
    _exceptions(wb, data, title)
    extra: list[tuple[str, str]] = []
    if data.meeting_id and data.meeting_date:
        when = day_text(data.meeting_date)
        extra.append(("Meeting", f"{data.meeting_title} ({data.meeting_id}), {when}"))
    previous = (
        f"The Summary's 'changed since the previous pack' compares with the pack as of "
        f"{day_text(data.previous_as_of)}."
        if data.previous_as_of
        else "No earlier pack is recorded, so the Summary compares with nothing."
    )
    extra.append(("Changes", previous))
    if data.cancelled:
        extra.append(("Cancelled actions", "Not counted: " + ", ".join(data.cancelled)))
    notes_sheet(
        wb,
        title=title,
        marking=data.marking,
        as_of=data.as_of,
        sources=data.sources,
        rules=data.rules,
        suppression_rule=data.suppression_rule,
        extra=extra,
    )
    set_properties(wb, title=title, subject=data.plan, as_of=data.as_of, marking=data.marking)
    return save(wb, as_of=data.as_of)


ACTION_COUNTED = ("red", "amber", "green", "complete", "grey")  # the Summary's count columns


def _summary(wb: Any, data: PackData, title: str) -> None:
    ws = wb.create_sheet("Summary")
    heading(ws, 1, title, size=14)
    put(ws, 2, 1, f"{data.plan} - {data.partnership}")
    put(ws, 3, 1, f"Position as of {day_text(data.as_of)}. {data.marking}.")
    row = 5
    heading(ws, row, "Objectives (the counts are of actions; the KPIs are in Why)")
    row += 1
    header_row(
        ws,
        row,
        ("Objective", "Title", "RAG", "Why", *(f"Actions {r}" for r in ACTION_COUNTED)),
    )
    row += 1
    top = row
    for o in data.objectives:
        put(ws, row, 1, o.id)
        put(ws, row, 2, o.short_title, wrap=True)
        put(ws, row, 3, rag_word(o.rating))
        put(ws, row, 4, o.reason, wrap=True)
        for col, rating in enumerate(("red", "amber", "green", "complete", "grey"), 5):
            put(ws, row, col, o.count(rating))
        row += 1
    counts = dict(data.counts())
    put(ws, row, 1, "All")
    put(ws, row, 4, f"{sum(counts.values())} actions (cancelled ones not counted)")
    for col, rating in enumerate(("red", "amber", "green", "complete", "grey"), 5):
        put(ws, row, col, counts[rating])
    rag_rules(ws, f"C{top}:C{row}")
    row += 2

    heading(ws, row, "Headline KPIs")
    row += 1
    header_row(
        ws, row, ("KPI", "Name", "RAG", "Why", "Latest", "Value", "Target", "Travel", "Year ago")
    )
    row += 1
    top = row
    for k in data.headline():
        put(ws, row, 1, k.id)
        put(ws, row, 2, k.name, wrap=True)
        put(ws, row, 3, rag_word(k.rating))
        put(ws, row, 4, k.reason, wrap=True)
        put(ws, row, 5, k.latest_period or "none yet")
        value = k.latest_shown_as if k.latest_value is None else k.latest_value
        put_figure(ws, row, 6, value if value is not None else "", k.unit)
        put_figure(ws, row, 7, k.target if k.target is not None else "no target", k.unit)
        put(ws, row, 8, TRAVEL_WORDS.get(k.travel, k.travel))
        put(ws, row, 9, TRAVEL_WORDS.get(k.year_ago, k.year_ago))
        row += 1
    if row > top:
        rag_rules(ws, f"C{top}:C{row - 1}")
    row += 1

    heading(ws, row, "Changed since the previous pack")
    row += 1
    if data.previous_as_of is None:
        put(ws, row, 1, "No earlier pack is recorded: this is the first.")
        row += 1
    else:
        put(ws, row, 1, f"Compared with the pack as of {day_text(data.previous_as_of)}.")
        row += 1
        header_row(ws, row, ("Item", "Title", "Now", "What changed", "Before"))
        row += 1
        top = row
        if not data.changes:
            put(ws, row, 1, "No ratings moved, nothing was completed and no override was made.")
            row += 1
        for c in data.changes:
            put(ws, row, 1, c.item)
            put(ws, row, 2, c.title, wrap=True)
            put(ws, row, 3, c.after)
            put(ws, row, 4, f"{c.kind.capitalize()}: {c.detail}", wrap=True)
            put(ws, row, 5, c.before)
            row += 1
        rag_rules(ws, f"C{top}:C{row}")
        rag_rules(ws, f"E{top}:E{row}")
    widths(ws, (11, 34, 11, 50, 12, 16, 16, 13, 13))  # figures carry their unit
    print_ready(ws, title=title, marking=data.marking, as_of=data.as_of, title_rows=None)


def _actions(wb: Any, data: PackData, title: str) -> None:
    from openpyxl.utils import get_column_letter

    ws = wb.create_sheet("Actions")
    columns = action_columns()
    header_row(ws, 1, [c for c, _ in columns])
    row = 2
    for a in data.actions:
        values = (
            a.id,
            a.objective_id,
            a.title,
            a.owner_role,
            a.start,
            a.due,
            _STATUS_WORDS.get(a.status, a.status),
            a.progress,
            rag_word(a.rating),
            a.reason,
            rag_word(a.computed_rating),
            rag_word(a.self_rating),
            rag_word(a.override_rating),
            a.override_reason or "",
            a.override_until,
            "Yes" if a.update_overdue else "No",
            a.last_update_on,
            a.narrative or "",
            a.next_steps or "",
            a.risks or "",
        )
        for col, value in enumerate(values, 1):
            put(ws, row, col, value, wrap=col in (3, 10, 14, 18, 19, 20))
        row += 1
    last = max(row - 1, 1)
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{last}"
    for letter in ("I", "K", "L", "M"):
        rag_rules(ws, f"{letter}2:{letter}{max(last, 2)}")
    widths(ws, [w for _, w in columns])
    print_ready(ws, title=title, marking=data.marking, as_of=data.as_of)


def _exceptions(wb: Any, data: PackData, title: str) -> None:
    ws = wb.create_sheet("Exceptions")
    header_row(ws, 1, ("Item", "Type", "Title", "Owner", "RAG", "Why", "Narrative", "Mitigation"))
    row = 2
    items = data.exceptions()
    for e in items:
        values = (e.item, e.kind, e.title, e.owner, rag_word(e.rating), e.reason, e.narrative)
        for col, value in enumerate((*values, e.mitigation), 1):
            put(ws, row, col, value, wrap=col in (3, 6, 7, 8))
        row += 1
    if not items:
        put(ws, row, 1, "No item is red or overdue.")
        row += 1
    ws.freeze_panes = "A2"
    rag_rules(ws, f"E2:E{max(row, 2)}")
    widths(ws, (9, 8, 36, 24, 10, 44, 50, 40))
    print_ready(ws, title=title, marking=data.marking, as_of=data.as_of)
