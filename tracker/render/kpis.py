"""KPI tables for people: ``tracker kpi show`` and ``tracker kpi history``.

The table is what a Steering Group member reads, so each row says the value,
the target, the colour *and why*, which way it moved, and the recent trend.
Colour helps but the words are always printed (NO_COLOR and pipes stay
readable). Only figures evaluation already made safe are shown; when an
analyst asked for small numbers, a warning says the output must not be shared.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tracker.periods import GRAIN_ADJECTIVES
from tracker.rag import KPI_RATINGS
from tracker.wording import (
    UNSUPPRESSED_WARNING,
    comparison_text,
    figure_text,
    period_target_text,
    suppression_footnote,
    target_text,
)

if TYPE_CHECKING:
    from tracker.kpi.results import KpiHistory, KpiReport


NARROW_WIDTH = 110  # below this many columns the KPI table uses its compact layout
STACK_WIDTH = 72  # below this many (or when words would not fit) each KPI is a record


def _print_kpi_rows(console: Any, report: KpiReport) -> None:
    """The widest layout that fits: the full table, the compact one, else one record a KPI."""
    from rich import box
    from rich.table import Table
    from rich.text import Text

    from tracker.console import rag_text
    from tracker.render.layout import fit_table, print_records

    rows = []
    for r in report.kpis:
        k = r.kpi
        latest = r.latest
        rows.append(
            (
                r,
                latest.period.label if latest else "-",
                figure_text(latest.figure, k.unit) if latest else "-",
                target_text(k, latest.target if latest else None),
                comparison_text(r.previous, k.unit),
                comparison_text(r.year_ago, k.unit),
                r.trend_text or "-",
            )
        )
    if console.width >= NARROW_WIDTH:
        table = Table(show_lines=False, expand=False)
        table.add_column("KPI", no_wrap=True)
        table.add_column("Name", overflow="fold", ratio=3)
        table.add_column("Period", no_wrap=True)
        table.add_column("Value", no_wrap=True, justify="right")
        table.add_column("Target", overflow="fold", ratio=2)
        table.add_column("RAG", no_wrap=True)
        table.add_column("vs previous", overflow="fold")
        table.add_column("vs year earlier", overflow="fold")
        table.add_column("Trend", no_wrap=True)
        for r, period, value, target, previous, year_ago, trend in rows:
            table.add_row(
                r.kpi.id,
                Text(r.kpi.name),
                period,
                Text(value),  # Text: "[c]" is not Rich markup
                Text(target),
                rag_text(r.rating.rating),
                Text(previous),
                Text(year_ago),
                trend,
            )
        if fit_table(console, table):
            console.print(table)
            return
    if console.width >= STACK_WIDTH:
        table = Table(show_lines=True, expand=False, box=box.SIMPLE_HEAD)
        table.add_column("KPI", overflow="fold", ratio=3)
        table.add_column("Period, value", overflow="fold", ratio=2)
        table.add_column("Target", overflow="fold", ratio=2)
        table.add_column("RAG", no_wrap=True)
        table.add_column("Compared, trend", overflow="fold", ratio=2)
        for r, period, value, target, previous, year_ago, trend in rows:
            table.add_row(
                Text.assemble((r.kpi.id, "bold"), " ", r.kpi.name),
                Text(f"{period}\n{value}"),
                Text(target),
                rag_text(r.rating.rating),
                Text(f"previous: {previous}\nyear earlier: {year_ago}\ntrend: {trend}"),
            )
        if fit_table(console, table):
            console.print(table)
            return
    records = [
        [
            (r.kpi.id, Text(r.kpi.name, style="bold")),
            ("Value", Text(f"{value} ({period})")),
            ("Target", Text(target)),
            ("RAG", rag_text(r.rating.rating)),
            ("Previous", Text(previous)),
            ("Year ago", Text(year_ago)),
            ("Trend", Text(trend)),
        ]
        for r, period, value, target, previous, year_ago, trend in rows
    ]
    print_records(console, records)


def render_kpis(report: KpiReport) -> None:
    """One table of KPIs, then the reason for each rating, then a count by RAG."""
    from rich.padding import Padding
    from rich.text import Text

    from tracker.console import make_console, rag_text

    console = make_console()
    console.print(
        Text(
            f"{report.plan_name}: KPIs as of {report.as_of.isoformat()} "
            "(latest complete period of each)",
            style="bold",
        )
    )
    if report.unsuppressed:
        console.print(Text(UNSUPPRESSED_WARNING, style="bold red"))
    if report.note:
        console.print(Text(f"Note: {report.note}", style="italic"))
    if not report.kpis:
        console.print("No KPIs to show.")
        return
    counts = dict.fromkeys(KPI_RATINGS, 0)
    for r in report.kpis:
        counts[r.rating.rating] = counts.get(r.rating.rating, 0) + 1
    _print_kpi_rows(console, report)
    console.print(Text("Why each KPI has its rating:", style="bold"))
    for r in report.kpis:
        reason = Text.assemble(f"{r.kpi.id} ", rag_text(r.rating.rating), f": {r.rating.reason}")
        console.print(Padding(reason, (0, 0, 0, 2), expand=False))
    line = Text(f"{len(report.kpis)} KPI{'s' if len(report.kpis) != 1 else ''} by RAG: ")
    for i, rating in enumerate(KPI_RATINGS):
        if i:
            line.append(", ")
        line.append(f"{counts[rating]} ")
        line.append(rag_text(rating))
    console.print(line)
    console.print(
        Text(
            f"{suppression_footnote(report.threshold)}. See docs/kpis.md for how ratings are "
            "worked out.",
            style="dim",
        )
        if not report.unsuppressed
        else Text("See docs/kpis.md for how ratings are worked out.", style="dim")
    )


def render_kpi_history(result: KpiHistory) -> None:
    """Every complete period of one KPI: value, target, RAG and why."""
    from rich.table import Table
    from rich.text import Text

    from tracker.console import make_console, rag_text
    from tracker.render.layout import fit_table, print_records

    k = result.kpi
    console = make_console()
    better = "higher" if k.direction == "higher" else "lower"
    how = f"{GRAIN_ADJECTIVES[k.frequency]}, {better} is better"
    if k.cumulative:
        how += ", running total from the strategy start"
    console.print(Text(f"{k.id} {k.name}", style="bold"))
    console.print(
        Text(
            f"Objective {k.objective}; {how}; from {result.source}; target {target_text(k)}; "
            f"as of {result.as_of.isoformat()}"
        )
    )
    if result.unsuppressed:
        console.print(Text(UNSUPPRESSED_WARNING, style="bold red"))
    if result.note:
        console.print(Text(f"Note: {result.note}", style="italic"))
    if not result.periods:
        reason = result.pending.reason
        console.print(Text(f"{reason[:1].upper()}{reason[1:]}."))
        return
    table = Table(show_lines=False, expand=False)
    table.add_column("Period", no_wrap=True)
    table.add_column("Value", no_wrap=True, justify="right")
    table.add_column("Target", no_wrap=True, justify="right")
    table.add_column("RAG", no_wrap=True)
    table.add_column("Why", overflow="fold")
    records = []
    for p in result.periods:
        target = period_target_text(p.target, k.unit)
        value = figure_text(p.figure, k.unit)
        table.add_row(
            p.period.label,
            Text(value),
            Text(target),
            rag_text(p.rating.rating),
            Text(p.rating.reason),
        )
        records.append(
            [
                (p.period.label, Text.assemble(rag_text(p.rating.rating), f" {value}")),
                ("Target", Text(target)),
                ("Why", Text(p.rating.reason)),
            ]
        )
    if console.width >= STACK_WIDTH and fit_table(console, table):
        console.print(table)
    else:
        print_records(console, records)
