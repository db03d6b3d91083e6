"""``tracker status`` for people: a table per objective, then the actions counted by RAG.

Colour helps but the rating word is always printed, so NO_COLOR and pipes stay
readable. The report itself is built by ``tracker.status.build_status``.
"""

from __future__ import annotations

from typing import Any

from tracker.rag import ACTION_RATINGS
from tracker.status import ActionStatus, StatusReport
from tracker.wording import shorten, status_label

# Below this many columns (an 80-column terminal) the table stacks due date, status and
# per cent complete in one column so that no column is cropped.
NARROW_WIDTH = 100


def render_status(report: StatusReport) -> None:
    """A table per objective, then one line counting actions by RAG. Respects NO_COLOR."""
    from rich import box
    from rich.table import Table
    from rich.text import Text

    from tracker.console import make_console, rag_text

    console = make_console()
    narrow = console.width < NARROW_WIDTH
    console.print(Text(f"{report.plan}: status as of {report.as_of.isoformat()}", style="bold"))
    for obj in report.objectives:
        title = Text.assemble(
            (f"{obj.id} {obj.short_title}", "bold"),
            " - ",
            rag_text(obj.rag.rating),
            f" ({obj.rag.reason}); lead: {obj.lead_role}",
        )
        table = Table(
            title=title, title_justify="left", box=box.SIMPLE_HEAD, show_lines=True, expand=False
        )
        table.add_column("Action and owner", ratio=3, min_width=16)
        if narrow:  # due, status and per cent stacked in one column, so nothing is cropped
            table.add_column("Due, status", no_wrap=True)
        else:
            table.add_column("Due", no_wrap=True)
            table.add_column("Status", no_wrap=True)
            table.add_column("Done", justify="right", no_wrap=True)
        table.add_column("RAG", no_wrap=True)
        table.add_column("Why, and the latest update", ratio=4, min_width=20)
        for a in obj.actions:
            action = Text.assemble((a.id, "bold"), " ", a.title, "\n", (a.owner_role, "dim"))
            why = Text(a.rag.reason)
            for flag in a.rag.flags:
                why.append(f"\n{flag.reason}", style="bold")
            if a.last_update:
                note = shorten(a.last_update.note or "(no note)")
                why.append(f"\nLatest, {a.last_update.on.isoformat()}: {note}", style="dim")
            else:
                why.append("\nNo update yet", style="dim")
            done = "" if a.progress is None else f"{a.progress}%"
            if narrow:
                stacked = f"{a.due.isoformat()}\n{status_label(a.status)}" + (
                    f"\n{done}" if done else ""
                )
                table.add_row(action, stacked, _rag_cell(a), why)
            else:
                table.add_row(
                    action,
                    a.due.isoformat(),
                    status_label(a.status),
                    done,
                    _rag_cell(a),
                    why,
                )
        console.print()
        console.print(table)
    counts = report.counts
    total = sum(counts.values())
    if report.cancelled:
        console.print()
        console.print(Text(f"Cancelled, not counted: {', '.join(report.cancelled)}"))
    line = Text(f"{total} action{'s' if total != 1 else ''} by RAG: ")
    for i, rating in enumerate(ACTION_RATINGS):
        if i:
            line.append(", ")
        line.append(f"{counts[rating]} ")
        line.append(rag_text(rating))
    console.print()
    console.print(line)


def _rag_cell(a: ActionStatus) -> Any:
    """The rating word; below it "override" or the owner's own view, and any flag."""
    from rich.text import Text

    from tracker.console import rag_text

    cell = Text.assemble(rag_text(a.rag.rating))
    if a.rag.override is not None:
        cell.append("\noverride", style="italic")
    elif a.rag.self_rag and a.rag.self_rag != a.rag.rating:
        cell.append(f"\nowner: {a.rag.self_rag}", style="dim")
    if a.rag.flags:
        cell.append("\nupdate\noverdue", style="bold")
    return cell
