"""``tracker status`` for people: a table per objective, then the actions counted by RAG.

Colour helps but the rating word is always printed, so NO_COLOR and pipes stay
readable. The report itself is built by ``tracker.status.build_status``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tracker.rag import ACTION_RATINGS
from tracker.status import ActionStatus, StatusReport
from tracker.wording import one_line, shorten, status_label

# Below this many columns (an 80-column terminal) the table stacks due date, status and
# per cent complete in one column; below STACK_WIDTH, or when the longest words do not fit
# side by side, each action is printed as a record instead (tracker.render.layout).
NARROW_WIDTH = 100
STACK_WIDTH = 72
# The latest note is shortened (at a word) to this many characters; 'tracker history ID'
# prints every note in full.
NOTE_LIMIT = 200


def render_status(report: StatusReport) -> None:
    """A table per objective, then one line counting actions by RAG. Respects NO_COLOR."""
    from rich.text import Text

    from tracker.console import make_console, rag_text

    console = make_console()
    console.print(Text(f"{report.plan}: status as of {report.as_of.isoformat()}", style="bold"))
    for obj in report.objectives:
        title = Text.assemble(
            (f"{obj.id} {obj.short_title}", "bold"),
            " - ",
            rag_text(obj.rag.rating),
            f" ({obj.rag.reason}); lead: {obj.lead_role}",
        )
        console.print()
        _print_actions(console, title, obj.actions)
    if any(_cut(a) for obj in report.objectives for a in obj.actions):
        console.print()
        console.print(
            Text(
                f"Notes longer than {NOTE_LIMIT} characters end with '…' here; "
                "'tracker history ACTION_ID' shows them in full.",
                style="dim",
            )
        )
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


def _print_actions(console: Any, title: Any, actions: Sequence[ActionStatus]) -> None:
    """One objective's actions: the widest table that fits, else one record per action."""
    from tracker.render.layout import fit_table, print_records

    for narrow in (False, True):
        if console.width < (STACK_WIDTH if narrow else NARROW_WIDTH):
            continue
        table = _table(title, actions, narrow=narrow)
        if fit_table(console, table):
            console.print(table)
            return
    print_records(console, [_record(a) for a in actions], title=title)


def _table(title: Any, actions: Sequence[ActionStatus], *, narrow: bool) -> Any:
    from rich import box
    from rich.table import Table
    from rich.text import Text

    table = Table(
        title=title, title_justify="left", box=box.SIMPLE_HEAD, show_lines=True, expand=False
    )
    table.add_column("Action and owner", overflow="fold", ratio=3)
    if narrow:  # due, status and per cent stacked in one column
        table.add_column("Due, status", no_wrap=True)
    else:
        table.add_column("Due", no_wrap=True)
        table.add_column("Status", no_wrap=True)
        table.add_column("Done", justify="right", no_wrap=True)
    table.add_column("RAG", no_wrap=True)
    table.add_column("Why, and the latest update", overflow="fold", ratio=4)
    for a in actions:
        action = Text.assemble((a.id, "bold"), " ", a.title, "\n", (a.owner_role, "dim"))
        done = "" if a.progress is None else f"{a.progress}%"
        if narrow:
            stacked = f"{a.due.isoformat()}\n{status_label(a.status)}" + (
                f"\n{done}" if done else ""
            )
            table.add_row(action, stacked, _rag_cell(a), _why(a))
        else:
            table.add_row(
                action, a.due.isoformat(), status_label(a.status), done, _rag_cell(a), _why(a)
            )
    return table


def _why(a: ActionStatus, *, latest: bool = True) -> Any:
    from rich.text import Text

    why = Text(a.rag.reason)
    for flag in a.rag.flags:
        why.append(f"\n{flag.reason}", style="bold")
    if latest:
        why.append("\n")
        why.append_text(_latest(a, "Latest, "))
    return why


def _latest(a: ActionStatus, prefix: str = "") -> Any:
    from rich.text import Text

    if not a.last_update:
        return Text("No update yet", style="dim")
    note = shorten(a.last_update.note or "(no note)", NOTE_LIMIT)
    return Text(f"{prefix}{a.last_update.on.isoformat()}: {note}", style="dim")


def _cut(a: ActionStatus) -> bool:
    note = a.last_update.note if a.last_update else None
    return note is not None and len(one_line(note)) > NOTE_LIMIT


def _record(a: ActionStatus) -> list[tuple[str, Any]]:
    from rich.text import Text

    from tracker.console import rag_text

    state = status_label(a.status) + ("" if a.progress is None else f", {a.progress}%")
    rag = Text.assemble(rag_text(a.rag.rating))
    if a.rag.override is not None:
        rag.append(" (override)", style="italic")
    elif a.rag.self_rag and a.rag.self_rag != a.rag.rating:
        rag.append(f" (owner: {a.rag.self_rag})", style="dim")
    if a.rag.flags:
        rag.append(", update overdue", style="bold")
    return [
        (a.id, Text(a.title, style="bold")),
        ("Owner", Text(a.owner_role)),
        ("Due", Text(f"{a.due.isoformat()}, {state}")),
        ("RAG", rag),
        ("Why", _why(a, latest=False)),
        ("Latest", _latest(a)),
    ]


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
