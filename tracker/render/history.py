"""``tracker history`` for people: an action's updates, oldest first, as a table."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from tracker.progress import UpdateRecord
from tracker.wording import status_label

TABLE_WIDTH = 80  # below this many columns each update is printed as a record


def render_history(
    action_id: str, rows: Sequence[UpdateRecord], *, archived_at: datetime | None = None
) -> None:
    """Print an action's updates as a table; readable without colour (NO_COLOR is respected)."""
    from rich import box
    from rich.table import Table
    from rich.text import Text

    from tracker.console import make_console
    from tracker.render.layout import fit_table, print_records

    console = make_console()
    if archived_at is not None:
        console.print(
            Text(
                f"{action_id} was removed from the plan on {archived_at:%Y-%m-%d} (archived); "
                "its history is kept."
            )
        )
    if not rows and archived_at is not None:
        console.print(Text(f"No updates were recorded on {action_id}."))
        return
    if not rows:
        console.print(
            Text(
                f"No updates recorded on {action_id} yet. Record one with: "
                f"tracker update {action_id} --status in_progress --progress 10 --note TEXT"
            )
        )
        return
    title = Text(f"Updates on {action_id}, oldest first")
    table = Table(title=title, title_justify="left", box=box.SIMPLE_HEAD, show_lines=True)
    table.add_column("On", no_wrap=True)
    table.add_column("Status", no_wrap=True)
    table.add_column("By, from", overflow="fold")
    table.add_column("Note", overflow="fold", ratio=3)
    table.add_column("Recorded", no_wrap=True)
    records = []
    for r in rows:
        state = Text(status_label(r.status))
        if r.progress is not None:
            state.append(f"\n{r.progress}%")
        if r.rag:
            state.append(f"\nown RAG: {r.rag.upper()}")
        source = r.source + (f" {r.return_id}" if r.return_id else "")
        recorded = f"{r.recorded_at:%Y-%m-%d %H:%M} UTC"
        table.add_row(
            r.on.isoformat(),
            state,
            Text.assemble(r.by, ("\n" + source, "dim")),
            Text(r.note or ""),
            recorded.replace(" ", "\n", 1),
        )
        records.append(
            [
                (r.on.isoformat(), Text(str(state).replace("\n", ", "), style="bold")),
                ("By", Text.assemble(r.by, (f" ({source})", "dim"))),
                ("Note", Text(r.note or "")),
                ("Recorded", Text(recorded, style="dim")),
            ]
        )
    # The note needs room beside the rest; in a narrower terminal each update is a record.
    if console.width >= TABLE_WIDTH and fit_table(console, table):
        console.print(table)
    else:
        print_records(console, records, title=title)
    n = len(rows)
    console.print(Text(f"{n} update{'s' if n != 1 else ''}"))
