"""``tracker pack`` and ``tracker review``: the Steering Group pack and the strategy review."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from commands.common import TrackerGroup, open_ws, parse_date, print_json, today
from commands.options import (
    ByOpt,
    DatabaseOpt,
    Format,
    FormatOpt,
    WorkspaceOpt,
    as_of_option,
    meeting_option,
)
from commands.outbox import ResendOpt, SendOpt

PackAsOfOpt = Annotated[str | None, as_of_option("the meeting's cut-off")]
ReviewAsOfOpt = Annotated[
    str | None, as_of_option("the review meeting's cut-off, or today if that has not come yet")
]
OutOpt = Annotated[
    Path | None,
    typer.Option(
        "--out",
        metavar="DIR",
        help="Folder to write to [default: outputs/packs/ in the workspace]",
        show_default=False,
    ),
]
ReviewOutOpt = Annotated[
    Path | None,
    typer.Option(
        "--out",
        metavar="DIR",
        help="Folder to write the workbook and paper to [default: outputs/review/ in the "
        "workspace]",
        show_default=False,
    ),
]
MeetingOpt = Annotated[
    str | None, meeting_option("The meeting the pack is for, e.g. SG-2021-03 (as of its cut-off)")
]

app = typer.Typer(
    cls=TrackerGroup,
    invoke_without_command=True,
)


@app.callback()
def pack(
    ctx: typer.Context,
    meeting: MeetingOpt = None,
    as_of: PackAsOfOpt = None,
    out: OutOpt = None,
    fmt: FormatOpt = Format.table,
    workspace: WorkspaceOpt = None,
    database: DatabaseOpt = None,
    by: ByOpt = None,
    send: SendOpt = False,
    resend: ResendOpt = False,
) -> None:
    """The Steering Group pack: compile it for a meeting, or list the packs compiled so far.

    With --meeting, the pack is as of the meeting's cut-off (by default the last day
    of the month before it; set pack.cutoff in objectives.yaml). With --as-of alone,
    it is as of that date, for the next meeting after it. With neither, it is for the
    next meeting from today. The file is written whole or not at all, and recorded
    with its SHA-256: compiling again from unchanged data gives the same file.
    See docs/packs.md.

    \b
    Examples:
      tracker pack --meeting SG-2021-03
      tracker pack --as-of 2020-12-31 --out packs/
      tracker pack --meeting SG-2021-03 --send     # and email it to the Steering Group
      tracker pack list
    """
    if ctx.invoked_subcommand is not None:
        return
    from tracker.reporting import compile_pack

    _check_send(send, resend, fmt)
    with open_ws(workspace, database, by) as ws:
        plan = ws.plan()
        if send:
            _check_sender(ws, plan, "send the pack to the Steering Group")
        result = compile_pack(
            ws.engine,
            plan,
            out_dir=out or ws.settings.packs,
            meeting=meeting,
            as_of=parse_date(as_of, "--as-of"),
            today=today(plan),
            by=ws.settings.user,
        )
        if send:
            from tracker.mailing import pack_email

            _show(result)
            _send(ws, pack_email(ws, result, now=_now()), resend)
            return
    if fmt is Format.json:
        print_json(result.to_json())
    else:
        _show(result)


@app.command("list")
def pack_list(
    fmt: FormatOpt = Format.table,
    workspace: WorkspaceOpt = None,
    database: DatabaseOpt = None,
) -> None:
    """Every pack and review compiled so far: meeting, as-of date, file and SHA-256.

    Compiling again from unchanged inputs gives the same file and adds no record. A
    pack compiled again for the same meeting and date after its inputs changed (an
    update or return recorded later, dated before the cut-off) is a new record that
    replaces the earlier one; the list says which.

    \b
    Examples:
      tracker pack list
      tracker pack list --format json
    """
    from tracker.reporting import list_packs

    with open_ws(workspace, database, read_only=True) as ws:
        records = list_packs(ws.engine)
    if fmt is Format.json:
        print_json([r.to_json() for r in records])
        return
    _show_list(records)


def review(
    as_of: ReviewAsOfOpt = None,
    out: ReviewOutOpt = None,
    fmt: FormatOpt = Format.table,
    workspace: WorkspaceOpt = None,
    database: DatabaseOpt = None,
    by: ByOpt = None,
    send: SendOpt = False,
    resend: ResendOpt = False,
) -> None:
    """Compile the strategy review workbook and the draft review paper (.docx), and record them.

    The workbook covers the whole strategy: per objective what was delivered, every
    KPI across all periods, trends year on year, and a sheet of open risks and
    carry-forward recommendations for the chair to complete. The paper is laid out
    as a committee report, ready for the chair to edit. By default it is as of the
    review meeting's cut-off, or today if that has not come yet. See docs/packs.md.

    \b
    Examples:
      tracker review
      tracker review --as-of 2021-03-31 --out review/
      tracker review --send                        # and email both files to the chair
    """
    from tracker.reporting import compile_review

    _check_send(send, resend, fmt)
    with open_ws(workspace, database, by) as ws:
        plan = ws.plan()
        if send:
            _check_sender(ws, plan, "send the review to the chair")
        result = compile_review(
            ws.engine,
            plan,
            out_dir=out or ws.settings.reviews,
            as_of=parse_date(as_of, "--as-of"),
            today=today(plan),
            by=ws.settings.user,
        )
        if send:
            from tracker.mailing import review_email

            _show(result)
            _send(ws, review_email(ws, result, now=_now()), resend)
            return
    if fmt is Format.json:
        print_json(result.to_json())
    else:
        _show(result)


def _check_send(send: bool, resend: bool, fmt: Format) -> None:
    from commands.common import fail

    if resend and not send:
        fail("--resend only goes with --send; see --help")
    if send and fmt is Format.json:
        fail("--send reports each email as a line of text: leave out --format json")


def _now() -> Any:
    from datetime import UTC, datetime

    return datetime.now(UTC)


def _check_sender(ws: Any, plan: Any, doing: str) -> None:
    """Only a plan administrator sends a pack or review to its distribution, and only with
    mail settings that can send: both checked before anything is compiled or written."""
    from commands.outbox import check_mail_ready
    from tracker.people import acting_person, check_administrator

    check_administrator(plan, acting_person(ws.settings.user, doing="sending"), doing=doing)
    check_mail_ready(ws)


def _send(ws: Any, message: Any, resend: bool) -> None:
    from commands.outbox import send_and_report

    send_and_report(ws, [message], force=resend)


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="pack")
    root.command("review")(review)


# --- showing the results ---------------------------------------------------------------------


def _show(result: Any) -> None:
    from rich.text import Text

    from tracker.console import make_console, rag_text

    console = make_console()
    what = "Pack" if result.kind == "pack" else "Review"
    meeting = f" for {result.meeting_id}" if result.meeting_id else ""
    console.print(Text(f"{what}{meeting} as of {result.as_of.isoformat()}: {result.path}"))
    if result.paper is not None:
        console.print(Text(f"Review paper: {result.paper}"))
    record = (
        f"record {result.record_id}"
        if result.new_record
        else f"the same file as record {result.record_id}: nothing in it changed, no new record"
    )
    console.print(Text(f"SHA-256 {result.sha256} ({record})", style="dim"))
    summary = result.summary
    if summary is None:
        return
    line = Text("Actions: ")
    for i, (rating, count) in enumerate(summary.counts):
        line.append(", " if i else "")
        line.append(f"{count} ")
        line.append(rag_text(rating))
    console.print(line)
    since = (
        f"{len(summary.changes)} changes since the pack as of {summary.previous_as_of.isoformat()}"
        if summary.previous_as_of
        else "no earlier pack recorded"
    )
    console.print(Text(f"{len(summary.exceptions)} exceptions; {since}"))


def _show_list(records: list[Any]) -> None:
    from tracker.render.tables import render_pack_list

    render_pack_list(records)
