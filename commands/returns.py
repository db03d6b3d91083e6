"""``tracker returns``: issue owners' return workbooks, load them back, see who has returned.

The library does the work (``tracker.returns``); this module parses options,
reads the clock and the key at the edge, asks for confirmation and prints.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from commands import common
from commands.common import fail, group, open_ws, parse_date, print_json
from commands.common import settings as make_settings
from commands.options import (
    AsOfOpt,
    ByOpt,
    DatabaseOpt,
    Format,
    FormatOpt,
    WorkspaceOpt,
    meeting_option,
)

if TYPE_CHECKING:
    from tracker.returns.issue import IssuedReturn, ReturnsStatus
    from tracker.returns.load import ActionChange, ReturnLoad

app = group(
    "Owners' update returns: issue a workbook to each owner, load the filled-in ones back, "
    "and see who has returned."
)

MeetingOpt = Annotated[
    str | None,
    meeting_option("The meeting, e.g. SG-2021-03 [default: the next meeting in the plan]"),
]


NO_ANSWER = "no answer given"


def _now() -> datetime:
    return datetime.now(UTC)


def _clip(text: str | None, width: int = 70) -> str:
    if not text:
        return "(none)"
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 3] + "..."


@app.command("issue")
def issue(
    meeting: MeetingOpt = None,
    owner: Annotated[
        str | None,
        typer.Option("--owner", metavar="EMAIL", help="Only this owner's return [default: all]"),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            metavar="DIR",
            help="Folder for the workbooks [default: outputs/returns/MEETING in the workspace]",
            show_default=False,
        ),
    ] = None,
    deadline: Annotated[
        str | None,
        typer.Option(
            "--deadline",
            metavar="DATE",
            help="Date returns are due [default: the meeting's return deadline in the cycle]",
            show_default=False,
        ),
    ] = None,
    send: Annotated[
        bool,
        typer.Option(
            "--send",
            help="Email each owner their workbook through the configured transport "
            "(the outbox by default)",
        ),
    ] = False,
    resend: Annotated[
        bool,
        typer.Option("--resend", help="With --send: send again emails already delivered"),
    ] = False,
    fmt: FormatOpt = Format.table,
    by: ByOpt = None,
    workspace: WorkspaceOpt = None,
    database: DatabaseOpt = None,
) -> None:
    """Write one return workbook per owner, holding only that owner's open actions.

    Each workbook is signed with the workspace's secret key. Issuing again to an
    owner for the same meeting supersedes the earlier workbook: it can no longer
    be loaded. Only plan administrators issue returns.

    With --send, each owner is emailed a request with their workbook attached,
    their actions and the deadline (a re-issued workbook is sent again).

    \b
    Examples:
      tracker returns issue --meeting SG-2021-03 --by plan.administrator@example.org
      tracker returns issue --owner mash.manager@example.org --out ~/returns
      tracker returns issue --meeting SG-2021-03 --send
    """
    from tracker.people import acting_person, check_administrator
    from tracker.returns.issue import find_meeting, issue_returns, plan_today
    from tracker.returns.manifest import read_key

    if send and fmt is Format.json:
        fail("--send reports each email as a line of text: leave out --format json")
    now = _now()
    with open_ws(workspace, database, by) as ws:
        plan = ws.plan()
        person = acting_person(ws.settings.user, doing="issuing returns")
        check_administrator(plan, person, doing="issue returns")
        if send:
            from commands.outbox import check_mail_ready

            check_mail_ready(ws)
        key = read_key(ws.settings.workspace)
        chosen = find_meeting(plan, meeting, plan_today(plan, now))
        folder = (out or ws.settings.returns_for(chosen.id)).expanduser()
        # recorded and written together: a folder that cannot be written records nothing
        written = issue_returns(
            ws.engine,
            plan,
            key=key,
            now=now,
            meeting_id=chosen.id,
            owner_email=owner,
            deadline=parse_date(deadline, "--deadline"),
            issued_by=person,
            folder=folder,
        )
        if not written:
            fail("no owner has open actions to report on for that meeting; nothing was issued")
        if fmt is Format.json:
            print_json({"returns": [r.to_json() for r in written]})
            return
        _show_issued(written, folder, sending=send)
        if send:
            from commands.outbox import send_and_report
            from tracker.mailing import return_request_emails

            messages = return_request_emails(ws, written, now=now, today=plan_today(plan, now))
            again = resend or any(r.superseded for r in written)
            send_and_report(ws, messages, force=again)


def _show_issued(written: list[IssuedReturn], folder: Path, *, sending: bool = False) -> None:
    first = written[0]
    due = f", due by {first.deadline:%d/%m/%Y}" if first.deadline else ""
    typer.echo(
        f"Issued {len(written)} return{'s' if len(written) != 1 else ''} for {first.meeting.id} "
        f"({first.meeting.title}, {first.meeting.date:%d/%m/%Y}){due}, in {folder}:"
    )
    for r in written:
        replaced = f" (supersedes {r.superseded})" if r.superseded else ""
        typer.echo(
            f"  {r.owner.email}: {len(r.actions)} action{'s' if len(r.actions) != 1 else ''}, "
            f"{r.filename}{replaced}"
        )
    first_step = (
        "Emailing each owner their workbook"
        if sending
        else "Send each owner their workbook (or use --send)"
    )
    typer.echo(f"{first_step}; load the returned files with 'tracker returns load FILE'.")


def _show_change(change: ActionChange) -> None:
    typer.echo(f"  {change.action_id} {_clip(change.title, 60)}")
    if change.conflict is not None:
        c = change.conflict
        typer.echo(
            f"    CONFLICT: updated in the tracker on {c.on:%d/%m/%Y} by {c.by} ({c.source}) "
            "after this return was issued"
        )
    labels = {"status": "status", "progress": "progress", "rag": "own RAG", "note": "note"}
    for name in change.changed_fields():
        before, after = getattr(change.before, name), getattr(change.after, name)
        if name == "status":
            before, after = (s.replace("_", " ") if s else s for s in (before, after))
        if name == "progress":
            before, after = (f"{p}%" if p is not None else None for p in (before, after))
        typer.echo(f"    {labels[name]:<9} {_clip(before, 40)} -> {_clip(after, 70)}")


def _show_load(load: ReturnLoad) -> None:
    from tracker.wording import printable

    who = f" from {load.owner_email}" if load.owner_email else ""
    ident = f": return {load.return_id}{who}" if load.return_id else ""
    typer.echo(f"{printable(load.file)}{ident}")
    for change in load.changes:
        _show_change(change)
    if load.unchanged:
        typer.echo(f"  unchanged (as the tracker holds them): {', '.join(load.unchanged)}")
    if load.blank:
        typer.echo(f"  left empty, nothing to record: {', '.join(load.blank)}")
    for problem in load.problems:
        typer.echo(f"  {problem}")


def _outcome(load: ReturnLoad) -> str:
    n = len(load.changes)
    if load.state == "loaded":
        return f"  loaded: {load.recorded} update{'s' if load.recorded != 1 else ''} recorded"
    if load.state == "unchanged":
        return "  already loaded: nothing has changed since, nothing recorded"
    if load.state == "declined":
        return f"  not loaded: {load.reason or 'you declined'}; nothing recorded"
    if load.state == "ready":
        return f"  would record {n} update{'s' if n != 1 else ''} (dry run: nothing recorded)"
    if load.state == "problems":
        k = len(load.problems)
        return (
            f"  not loaded: {k} problem{'s' if k != 1 else ''} (listed above), nothing recorded; "
            "ask the owner to correct the cells and send it again"
        )
    if load.state == "conflicts":
        k = len(load.conflicts)
        return (
            f"  not loaded: {k} action{'s were' if k != 1 else ' was'} updated in the tracker "
            "after this return was issued, nothing recorded; rerun with --force to record "
            "the return's values on top"
        )
    return f"  refused, nothing recorded: {load.reason}"


@app.command("load")
def load(
    files: Annotated[
        list[Path], typer.Argument(metavar="FILE...", help="Returned workbooks (.xlsx)")
    ],
    yes: Annotated[
        bool, typer.Option("--yes", "-y", help="Record without asking (for scripts)")
    ] = False,
    force: Annotated[
        bool,
        typer.Option(
            "--force", help="Record over updates made in the tracker since the return was issued"
        ),
    ] = False,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show what would change; record nothing")
    ] = False,
    on: Annotated[
        str | None,
        typer.Option(
            "--on",
            metavar="DATE",
            help="The date the updates speak for [default: today]",
            show_default=False,
        ),
    ] = None,
    fmt: FormatOpt = Format.table,
    by: ByOpt = None,
    workspace: WorkspaceOpt = None,
    database: DatabaseOpt = None,
) -> None:
    """Check returned workbooks and record their updates, showing what changes first.

    Each file loads whole or not at all: a file with any problem (listed with
    its sheet, row and column), a tampered, stale or another owner's file, or a
    macro-enabled one records nothing, and the other files still load. An action
    updated in the tracker after its return was issued is a conflict: nothing
    from that file is recorded unless --force. Loading a file again records
    nothing new. Exit status 1 when any file could not be loaded, or the
    question went unanswered; a file you decline is not an error.

    \b
    Examples:
      tracker returns load return-SG-2021-03-mash.xlsx --by plan.administrator@example.org
      tracker returns load ~/Downloads/return-*.xlsx --yes
    """
    from tracker.people import acting_person
    from tracker.returns.load import load_returns, preview_return
    from tracker.returns.manifest import read_key

    if fmt is Format.json and not (yes or dry_run):
        fail("--format json cannot ask for confirmation: add --yes or --dry-run")
    with open_ws(workspace, database, by) as ws:
        plan = ws.plan()
        person = acting_person(ws.settings.user, doing="loading returns")
        key = read_key(ws.settings.workspace)
        from tracker.progress import update_day

        day = update_day(parse_date(on, "--on"), plan, common.today(plan))

        unanswered: list[str] = []  # the question met the end of input (or Ctrl-C)

        def confirm(item: ReturnLoad) -> bool:
            if unanswered:  # stop asking: each file after it is left as it was
                item.reason = NO_ANSWER
                return False
            if fmt is Format.table:
                _show_load(item)
            if yes:
                return True
            n = len(item.changes)
            try:
                from tracker.wording import printable

                shown = printable(item.file)
                return typer.confirm(f"Record {n} update{'s' if n != 1 else ''} from {shown}?")
            except typer.Abort:
                typer.echo("")
                unanswered.append(item.file)
                item.reason = NO_ANSWER
                return False

        if dry_run:
            outcomes = [
                preview_return(ws.engine, plan, key, f, by=person, force=force) for f in files
            ]
        else:
            outcomes = load_returns(
                ws.engine,
                plan,
                key,
                files,
                by=person,
                on=day,
                now=_now(),
                force=force,
                confirm=confirm,
            )
    if fmt is Format.json:
        print_json({"files": [o.to_json() for o in outcomes]})
    else:
        for outcome in outcomes:
            if dry_run or not (outcome.changes and outcome.state in ("loaded", "declined")):
                _show_load(outcome)  # files that asked were shown before the question
            typer.echo(_outcome(outcome))
    if not dry_run and unanswered:
        fail(
            f"no answer was given to load {unanswered[0]} (the input ended), so it and the "
            "files after it were not loaded: rerun in a terminal to answer, or add --yes to "
            "load without asking"
        )
    bad = [o for o in outcomes if not o.ok]
    if bad:
        fail(
            f"{len(bad)} of {len(outcomes)} file{'s' if len(outcomes) != 1 else ''} not loaded "
            "(see above); nothing from those files was recorded"
        )


def _show_status(report: ReturnsStatus) -> None:
    from tracker.render.tables import render_returns_status

    render_returns_status(report)


StatusMeetingOpt = Annotated[
    str | None,
    meeting_option(
        "The meeting, e.g. SG-2021-03 [default: the one returns were last issued for, "
        "else the next]"
    ),
]


@app.command("status")
def status(
    meeting: StatusMeetingOpt = None,
    as_of: AsOfOpt = None,
    fmt: FormatOpt = Format.table,
    workspace: WorkspaceOpt = None,
    database: DatabaseOpt = None,
) -> None:
    """Who has returned for a meeting, and who is outstanding or overdue.

    Without --meeting: the meeting returns were last issued for.

    \b
    Examples:
      tracker returns status
      tracker returns status --meeting SG-2021-03 --format json
    """
    from tracker.returns.issue import return_status

    with open_ws(workspace, database, read_only=True) as ws:
        plan = ws.plan()
        today = parse_date(as_of, "--as-of") or common.today(plan)
        report = return_status(ws.engine, plan, today=today, meeting_id=meeting)
    if fmt is Format.json:
        print_json(report.to_json())
    else:
        _show_status(report)


@app.command("key")
def key(
    rotate: Annotated[
        bool,
        typer.Option(
            "--rotate",
            help="Replace the existing key; returns issued with the old one can then not be loaded",
        ),
    ] = False,
    workspace: WorkspaceOpt = None,
) -> None:
    """Create the secret key that signs return workbooks (for workspaces made before returns).

    'tracker init' creates it. It is kept in .tracker-secret in the workspace,
    readable only by you; it is never printed or sent. Keep it out of version control.

    \b
    Examples:
      tracker returns key
      tracker returns key --rotate
    """
    from tracker.returns.manifest import create_key

    ws = make_settings(workspace, None)
    with open_ws(workspace, None):  # the same checks of the folder as every command
        pass
    path = create_key(ws.workspace, replace=rotate)
    typer.echo(
        f"{'Replaced' if rotate else 'Created'} the key that signs return workbooks: {path} "
        "(owner-only permissions; never share it)"
    )
