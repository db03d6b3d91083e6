"""Lists the CLI prints as tables: compiled packs, the outbox, deliveries, plain lines.

Each table goes through ``tracker.render.layout``: it fits the terminal with no
word broken, or its rows are printed as records, so a narrow terminal loses
nothing. Long plain lines (``tracker rag overrides``, ``rag explain``) wrap at
words, each continuation under its own first word.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any


def render_pack_list(records: Sequence[Any]) -> None:
    """``tracker pack list``: every pack and review compiled, with its file and checksum."""
    from rich import box
    from rich.table import Table
    from rich.text import Text

    from tracker.console import make_console
    from tracker.render.layout import print_table_or_records

    console = make_console()
    if not records:
        console.print(Text("No pack has been compiled yet: run 'tracker pack'."))
        return
    table = Table(box=box.SIMPLE_HEAD)
    for column in ("#", "Kind", "Meeting", "As of", "File", "SHA-256", "Compiled", "Note"):
        table.add_column(column, overflow="fold", no_wrap=column in ("#", "As of", "SHA-256"))
    rows = []
    for r in records:
        replaces = getattr(r, "replaces", None)  # compiled again after its inputs changed
        row = (
            str(r.id),
            r.kind,
            r.meeting_id or "",
            r.as_of.isoformat(),
            r.file_name,
            r.sha256[:12],
            str(r.compiled_at),
            f"replaces #{replaces}: its inputs changed" if replaces else "",
        )
        table.add_row(*(Text(cell) for cell in row))
        rows.append(
            [
                (f"#{row[0]}", Text(f"{row[1]} {row[2]}".strip(), style="bold")),
                ("As of", Text(row[3])),
                ("File", Text(row[4])),
                ("SHA-256", Text(row[5])),
                ("Compiled", Text(row[6])),
                *([("Note", Text(row[7]))] if row[7] else []),
            ]
        )
    print_table_or_records(console, table, rows)


def render_outbox(path: Any, messages: Sequence[Any]) -> None:
    """``tracker outbox list``: id, kind, meeting, recipients and subject of each email."""
    from rich.table import Table
    from rich.text import Text

    from tracker.console import make_console
    from tracker.render.layout import print_table_or_records

    title = Text(f"Outbox: {path}")
    table = Table(title=title, title_justify="left")
    for column in ("id", "kind", "meeting", "to", "subject"):
        table.add_column(column, overflow="fold", ratio=3 if column == "subject" else None)
    records = []
    for m in messages:
        to = m.to[0] if len(m.to) == 1 else f"{len(m.to)} recipients"
        table.add_row(*(Text(c) for c in (m.id, m.kind, m.meeting, to, m.subject)))
        records.append(
            [
                (m.id, Text(m.subject, style="bold")),
                ("Kind", Text(m.kind)),
                ("Meeting", Text(m.meeting)),
                ("To", Text(to)),
            ]
        )
    console = make_console()
    print_table_or_records(console, table, records, title=title)
    n = len(messages)
    console.print(Text(f"{n} message{'s' if n != 1 else ''}; 'tracker outbox show ID' prints one"))


def render_deliveries(rows: Sequence[Any]) -> None:
    """``tracker outbox sent``: every email delivered or tried, with its state."""
    from rich.table import Table
    from rich.text import Text

    from tracker.console import make_console
    from tracker.render.layout import print_table_or_records

    title = Text("Emails delivered")
    table = Table(title=title, title_justify="left")
    for column in ("when (UTC)", "kind", "meeting", "to", "via", "state", "error"):
        table.add_column(column, overflow="fold", ratio=3 if column == "error" else None)
    records = []
    for d in rows:
        to = d.recipients[0] if len(d.recipients) == 1 else f"{len(d.recipients)} recipients"
        cells = (
            f"{d.at:%Y-%m-%d %H:%M}",
            d.kind,
            d.meeting or "",
            to,
            d.transport,
            d.state,
            d.error or "",
        )
        table.add_row(*(Text(c) for c in cells))
        records.append(
            [
                (cells[0], Text(f"{d.kind} {d.meeting or ''}".strip(), style="bold")),
                ("To", Text(to)),
                ("State", Text(f"{d.state} (via {d.transport})")),
                *([("Error", Text(d.error))] if d.error else []),
            ]
        )
    print_table_or_records(make_console(), table, records, title=title)


def render_lines(lines: Iterable[str]) -> None:
    """Plain lines, wrapped at words to the terminal, continuations indented like the line."""
    from tracker.console import make_console
    from tracker.render.layout import print_lines

    print_lines(make_console(), lines)


def render_returns_status(report: Any) -> None:
    """``tracker returns status``: each owner's return for a meeting, returned or not."""
    from rich import box
    from rich.table import Table
    from rich.text import Text

    from tracker.console import make_console
    from tracker.render.layout import print_table_or_records

    console = make_console()
    m, counts = report.meeting, report.counts
    console.print(
        Text(
            f"Returns for {m.id} ({m.title}, {m.date:%d/%m/%Y}) as of {report.today:%d/%m/%Y}: "
            f"{counts['returned']} returned, {counts['outstanding']} outstanding, "
            f"{counts['overdue']} overdue"
        )
    )
    if not report.owners:
        console.print(
            Text(f"No returns have been issued for {m.id}: 'tracker returns issue' does that.")
        )
        return
    table = Table(box=box.SIMPLE_HEAD)
    for column in ("State", "Owner", "Return", "Due or returned"):
        table.add_column(column, overflow="fold", no_wrap=column == "State")
    records = []
    for o in report.owners:
        due = f"due {o.deadline:%d/%m/%Y}" if o.deadline else "no deadline"
        when = f"returned {o.loaded_at:%d/%m/%Y %H:%M} UTC" if o.loaded_at else due
        table.add_row(Text(o.state.upper()), Text(o.owner_email), Text(o.return_id), Text(when))
        records.append(
            [
                (o.state.upper(), Text(o.owner_email)),
                ("Return", Text(o.return_id)),
                ("When", Text(when)),
            ]
        )
    print_table_or_records(console, table, records)
