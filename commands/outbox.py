"""``tracker outbox``: the emails waiting in the workspace's outbox folder.

The outbox is a Maildir (``outbox/new``, ``outbox/cur``) that any mail client
can open; these commands list it, show one message's text, and export one as
an ``.eml`` file that Outlook or Thunderbird opens (and can send)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from commands.common import group, open_ws, print_json
from commands.options import DatabaseOpt, Format, FormatOpt, WorkspaceOpt

if TYPE_CHECKING:
    from email.message import EmailMessage

    from tracker.delivery import Delivery
    from tracker.mail.transport import Outbox
    from tracker.workspace import Workspace

app = group("The emails in the workspace's outbox: list, show, export.")

# The --send and --resend of the commands that produce something to email (pack, review).
SendOpt = Annotated[
    bool,
    typer.Option(
        "--send",
        help="Email it through the configured transport ([mail] in tracker.toml; default: "
        "the outbox folder). An email already delivered is not sent again",
    ),
]
ResendOpt = Annotated[
    bool, typer.Option("--resend", help="With --send: send again an email already delivered")
]

IdArg = Annotated[
    str,
    typer.Argument(
        metavar="ID",
        help="The message's id from 'tracker outbox list' (its start is enough if unique)",
    ),
]


def _outbox(workspace: Path | None, database: str | None) -> Outbox:
    from tracker.mail.config import OUTBOX_DIR
    from tracker.mail.transport import Outbox

    # The same checks of the folder as every command; the outbox itself is files.
    with open_ws(workspace, database, read_only=True) as ws:
        return Outbox(ws.settings.workspace / OUTBOX_DIR)


@app.command("list")
def outbox_list(
    fmt: FormatOpt = Format.table,
    workspace: WorkspaceOpt = None,
    database: DatabaseOpt = None,
) -> None:
    """List the emails in the outbox, oldest first: id, kind, meeting, recipients, subject.

    \b
    Examples:
      tracker outbox list
      tracker outbox list --format json
    """
    from tracker.mail.transport import describe

    outbox = _outbox(workspace, database)
    messages = [describe(outbox, e) for e in outbox.entries()]
    if fmt is Format.json:
        print_json({"outbox": str(outbox.path), "messages": [m.to_json() for m in messages]})
        return
    if not messages:
        typer.echo(f"the outbox {outbox.path} is empty")
        return
    from tracker.render.tables import render_outbox

    render_outbox(outbox.path, messages)


@app.command("show")
def outbox_show(
    ident: IdArg,
    fmt: FormatOpt = Format.table,
    workspace: WorkspaceOpt = None,
    database: DatabaseOpt = None,
) -> None:
    """Print one email: its headers, its plain-text part and its attachments.

    \b
    Examples:
      tracker outbox show pack.SG-2020-06
      tracker outbox show return-request.SG-2021-03.7481 -f json  # a unique start of an id
    """
    from tracker.mail.transport import describe, lookup

    outbox = _outbox(workspace, database)
    entry = lookup(outbox, ident)
    info = describe(outbox, entry)
    msg = outbox.read(entry)
    body = msg.get_body(("plain",))
    text = body.get_content() if body is not None else ""
    if fmt is Format.json:
        print_json({**info.to_json(), "text": text})
        return
    typer.echo(f"Message-ID: {info.message_id}")
    typer.echo(f"Date:       {info.date}")
    typer.echo(f"From:       {msg.get('From', '')}")
    typer.echo(f"To:         {', '.join(info.to)}")
    typer.echo(f"Subject:    {info.subject}")
    for name, size in info.attachments:
        typer.echo(f"Attached:   {name} ({size:,} bytes)")
    typer.echo("")
    typer.echo(text.rstrip())


@app.command("export")
def outbox_export(
    ident: IdArg,
    target: Annotated[
        Path, typer.Argument(metavar="FILE.eml", help="Where to write it (an .eml file)")
    ],
    force: Annotated[bool, typer.Option("--force", help="Replace FILE if it exists")] = False,
    workspace: WorkspaceOpt = None,
    database: DatabaseOpt = None,
) -> None:
    """Write one email, exactly as stored, to an .eml file a mail client opens.

    \b
    Examples:
      tracker outbox export pack.SG-2020-06 pack.eml
    """
    from tracker.mail.transport import export, lookup

    outbox = _outbox(workspace, database)
    path = export(lookup(outbox, ident), target, force=force)
    typer.echo(f"wrote {path}")


@app.command("sent")
def outbox_sent(
    meeting: Annotated[
        str | None, typer.Option("--meeting", "-m", metavar="ID", help="Only this meeting's")
    ] = None,
    fmt: FormatOpt = Format.table,
    workspace: WorkspaceOpt = None,
    database: DatabaseOpt = None,
) -> None:
    """List every email delivered or tried, by either transport, latest first, with its state.

    States: delivered; deferred (the server was down: send again later); failed (the
    reason is shown); sending (interrupted: check before forcing it again).

    \b
    Examples:
      tracker outbox sent
      tracker outbox sent --meeting SG-2020-06 --format json
    """
    from tracker.delivery import deliveries

    with open_ws(workspace, database, read_only=True) as ws:
        rows = deliveries(ws.engine, meeting=meeting)
    if fmt is Format.json:
        print_json({"deliveries": [_delivery_json(d) for d in rows]})
        return
    if not rows:
        typer.echo("no email has been delivered yet")
        return
    from tracker.render.tables import render_deliveries

    render_deliveries(rows)


def _delivery_json(d: Delivery) -> dict[str, object]:
    return {
        "message_id": d.message_id,
        "kind": d.kind,
        "meeting": d.meeting,
        "recipients": list(d.recipients),
        "subject": d.subject,
        "transport": d.transport,
        "state": d.state,
        "error": d.error,
        "location": d.location,
        "attempts": d.attempts,
        "at": d.at.isoformat(),
    }


def check_mail_ready(ws: Workspace) -> None:
    """Refuse a --send whose [mail] settings (transport, sender, marking) are wrong before
    anything is issued or compiled: a return issued and then not sent would supersede the
    workbook the owner already holds."""
    from tracker.mailing import workspace_sender

    workspace_sender(ws)


def send_and_report(ws: Workspace, messages: list[EmailMessage], *, force: bool) -> None:
    """Deliver ``messages`` (the --send of returns, pack and review) and say what happened.

    One line per email; exit status 1 when any was not delivered (each is recorded).
    """
    from tracker.delivery import send_all

    outcomes = send_all(messages, workspace=ws.settings.workspace, engine=ws.engine, force=force)
    failed = 0
    for o in outcomes:
        if o.delivery is not None:
            where = "outbox" if o.delivery.transport == "outbox" else "sent"
            typer.echo(f"{where}: {o.to}: {o.subject}")
        else:
            failed += 0 if o.already else 1
            typer.echo(f"{'skipped' if o.already else 'not sent'}: {o.to}: {o.error}", err=True)
    from commands.common import fail

    if failed:
        fail(
            f"{failed} of {len(outcomes)} email{'s' if len(outcomes) != 1 else ''} not sent: "
            "correct what is listed above and "
            "send again (emails already delivered are skipped)"
        )
    if outcomes and all(o.already for o in outcomes):
        fail("nothing sent: every email was delivered before; pass --resend to send them again")
