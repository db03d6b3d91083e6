"""``tracker schedule show`` for people: every planned dispatch as a table."""

from __future__ import annotations

from typing import Any

from tracker.schedule.view import ScheduleLine, ScheduleView


def render_schedule(view: ScheduleView, *, console: Any = None, checksums: bool = True) -> None:
    """The schedule as a table: when, what, for which meeting, to whom, state, what came of it.

    ``checksums=False`` leaves out the files' SHA-256 (the demo, whose output is compared
    run to run, and whose packs record when they were compiled)."""
    from rich.table import Table
    from rich.text import Text

    from tracker.console import make_console
    from tracker.render.layout import fit_table, print_records

    out = console or make_console()
    title = Text(f"Schedule: {view.plan_name} (times in {view.timezone})")
    table = Table(title=title)
    for name in ("ID", "Due", "What", "Meeting", "To", "State", "Outputs"):
        table.add_column(name, overflow="fold", ratio=3 if name in ("To", "Outputs") else None)
    styles = {"done": "green", "failed": "bold red", "missed": "bold red", "skipped": "dim"}
    records = []
    for line in view.lines:
        ident = str(line.id) if line.id is not None else "-"
        due = f"{line.due_at:%a %d %b %Y %H:%M}"
        to = ", ".join(line.recipients) or "-"
        state = Text(line.state, style=styles.get(line.state, ""))
        outputs = _outputs_text(line, checksums=checksums)
        table.add_row(ident, due, Text(line.label), line.meeting_id, Text(to), state, outputs)
        records.append(
            [
                (f"#{ident}", Text(f"{due}: {line.label}", style="bold")),
                ("Meeting", Text(line.meeting_id)),
                ("To", Text(to)),
                ("State", state),
                *([("Outputs", Text(outputs))] if outputs else []),
            ]
        )
    if view.lines and not fit_table(out, table):
        print_records(out, records, title=title)
    else:
        out.print(table)
    if not view.lines:
        out.print(Text("No dispatches match: check --from and --meeting."))


def _outputs_text(line: ScheduleLine, *, checksums: bool = True) -> str:
    parts: list[str] = []
    for f in line.outputs.get("files", []) or []:
        if isinstance(f, dict) and checksums:
            parts.append(f"{f.get('path')} (sha256 {str(f.get('sha256', ''))[:12]})")
        elif isinstance(f, dict):
            parts.append(str(f.get("path")))
        else:
            parts.append(str(f))
    parts += [str(m) for m in line.outputs.get("message_ids", []) or []]
    if line.outputs.get("outstanding") is not None:
        parts.append(f"{len(line.outputs['outstanding'])} outstanding")
    if line.state == "failed" and line.error:
        retry = f"; retry {line.next_attempt_at:%d %b %H:%M}" if line.next_attempt_at else ""
        parts.append(f"error: {line.error}{retry}")
    elif line.note and line.state in ("skipped", "missed"):
        parts.append(line.note)
    return "\n".join(parts)
