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

    out = console or make_console()
    table = Table(title=f"Schedule: {view.plan_name} (times in {view.timezone})")
    for name in ("ID", "Due", "What", "Meeting", "To", "State", "Outputs"):
        table.add_column(name, overflow="fold")
    styles = {"done": "green", "failed": "bold red", "missed": "bold red", "skipped": "dim"}
    for line in view.lines:
        outputs = _outputs_text(line, checksums=checksums)
        table.add_row(
            str(line.id) if line.id is not None else "-",
            f"{line.due_at:%a %d %b %Y %H:%M}",
            line.label,
            line.meeting_id,
            ", ".join(line.recipients) or "-",
            Text(line.state, style=styles.get(line.state, "")),
            outputs,
        )
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
