"""KPI tables for people: ``tracker kpi show`` and ``tracker kpi history``.

The table is what a Steering Group member reads, so each row says the value,
the target, the colour *and why*, which way it moved, and the recent trend.
Colour helps but the words are always printed (NO_COLOR and pipes stay
readable). Only figures the engine already made safe are shown; when an
analyst asked for small numbers, a warning says the output must not be shared.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tracker.figures import Figure, fmt_number, fmt_value
from tracker.periods import GRAIN_ADJECTIVES
from tracker.rag import KPI_RATINGS

if TYPE_CHECKING:
    from tracker.kpi.engine import Comparison, KpiHistory, KpiReport
    from tracker.plan.schema import Kpi

UNSUPPRESSED_WARNING = (
    "SMALL NUMBERS SHOWN: this output is for your own screen only; do not share or distribute it"
)


def figure_text(figure: Figure, unit: str) -> str:
    """How a figure reads in a table: '38%', '12 referrals', '[c]' (hidden), 'no data'."""
    if figure.suppressed:
        return figure.label or "hidden"
    if figure.value is None:
        return "no data"
    return fmt_value(figure.value, unit)


def target_text(kpi: Kpi, period_target: float | None = None) -> str:
    """'at least 150', 'at most 50%', or for cumulative KPIs the review target and today's share."""
    if kpi.target is None:
        return "none (contextual)"
    sign = "at least" if kpi.direction == "higher" else "at most"
    number = fmt_number(kpi.target) + ("%" if kpi.unit == "%" else "")
    if not kpi.cumulative:
        return f"{sign} {number}"
    due = f"; {fmt_number(period_target)} due by period end" if period_target is not None else ""
    return f"{sign} {number} by the review{due}"


def _comparison(c: Comparison, unit: str) -> str:
    if c.period is None:
        return "n/a"
    shown = c.figure.public()
    if shown is None:
        return f"{c.direction} (hidden)" if c.figure.suppressed else f"{c.direction} (no data)"
    if isinstance(shown, str):
        return f"{c.direction} ({shown})"
    return f"{c.direction} ({fmt_number(shown)}{'%' if unit == '%' else ''})"


NARROW_WIDTH = 110  # below this many columns the KPI table uses its compact layout


def render_kpis(report: KpiReport) -> None:
    """One table of KPIs, then the reason for each rating, then a count by RAG."""
    from rich import box
    from rich.table import Table
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
    narrow = console.width < NARROW_WIDTH
    if narrow:  # fewer, wrapped columns so nothing is cropped in an 80-column terminal
        table = Table(show_lines=True, expand=True, box=box.SIMPLE_HEAD)
        table.add_column("KPI", ratio=3, overflow="fold")
        table.add_column("Period, value", ratio=2, overflow="fold")
        table.add_column("Target", ratio=2, min_width=12, overflow="fold")
        table.add_column("RAG", no_wrap=True)
        table.add_column("Direction, trend", ratio=3, overflow="fold")
    else:
        table = Table(show_lines=False, expand=False)
        table.add_column("KPI", no_wrap=True)
        table.add_column("Name", ratio=3)
        table.add_column("Period", no_wrap=True)
        table.add_column("Value", no_wrap=True, justify="right")
        table.add_column("Target", ratio=2)
        table.add_column("RAG", no_wrap=True)
        table.add_column("vs previous", ratio=2)
        table.add_column("vs year earlier", ratio=2)
        table.add_column("Trend", no_wrap=True)
    counts = dict.fromkeys(KPI_RATINGS, 0)
    for r in report.kpis:
        k = r.kpi
        latest = r.latest
        counts[r.rating.rating] = counts.get(r.rating.rating, 0) + 1
        period = latest.period.label if latest else "-"
        value = figure_text(latest.figure, k.unit) if latest else "-"
        target = target_text(k, latest.target if latest else None)
        previous = _comparison(r.previous, k.unit)
        year_ago = _comparison(r.year_ago, k.unit)
        trend = r.trend_text or "-"
        if narrow:
            table.add_row(
                Text.assemble((k.id, "bold"), " ", k.name),
                Text(f"{period}\n{value}"),
                target,
                rag_text(r.rating.rating),
                Text(f"previous: {previous}\nyear earlier: {year_ago}\ntrend: {trend}"),
            )
        else:
            table.add_row(
                k.id,
                Text(k.name),
                period,
                Text(value),  # Text: "[c]" is not Rich markup
                target,
                rag_text(r.rating.rating),
                Text(previous),
                Text(year_ago),
                trend,
            )
    console.print(table)
    console.print(Text("Why each KPI has its rating:", style="bold"))
    for r in report.kpis:
        console.print(
            Text.assemble(f"  {r.kpi.id} ", rag_text(r.rating.rating), f": {r.rating.reason}")
        )
    line = Text(f"{len(report.kpis)} KPI{'s' if len(report.kpis) != 1 else ''} by RAG: ")
    for i, rating in enumerate(KPI_RATINGS):
        if i:
            line.append(", ")
        line.append(f"{counts[rating]} ")
        line.append(rag_text(rating))
    console.print(line)
    console.print(
        Text(
            f"[c]: confidential (counts from 1 to {report.threshold - 1}, and figures that would "
            "reveal them); hidden figures are not rated. See docs/kpis.md for how ratings are "
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

    k = result.kpi
    console = make_console()
    better = "higher" if k.direction == "higher" else "lower"
    how = f"{GRAIN_ADJECTIVES[k.frequency]}, {better} is better"
    if k.cumulative:
        how += ", running total from the strategy start"
    console.print(Text(f"{k.id} {k.name}", style="bold"))
    console.print(
        f"Objective {k.objective}; {how}; from {result.source}; target {target_text(k)}; "
        f"as of {result.as_of.isoformat()}"
    )
    if result.unsuppressed:
        console.print(Text(UNSUPPRESSED_WARNING, style="bold red"))
    if result.note:
        console.print(Text(f"Note: {result.note}", style="italic"))
    if not result.periods:
        reason = result.pending.reason
        console.print(f"{reason[:1].upper()}{reason[1:]}.")
        return
    table = Table(show_lines=False, expand=False)
    table.add_column("Period", no_wrap=True)
    table.add_column("Value", no_wrap=True, justify="right")
    table.add_column("Target", no_wrap=True, justify="right")
    table.add_column("RAG", no_wrap=True)
    table.add_column("Why", ratio=1)
    for p in result.periods:
        target = "-" if p.target is None else fmt_number(p.target) + ("%" if k.unit == "%" else "")
        table.add_row(
            p.period.label,
            Text(figure_text(p.figure, k.unit)),
            target,
            rag_text(p.rating.rating),
            Text(p.rating.reason),
        )
    console.print(table)
