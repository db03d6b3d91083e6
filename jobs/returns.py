"""Return requests and chasers: issue an owner's workbook and email it; remind them after.

Done again after an interruption, it sends the same workbook rather than a new
one: the owner's current (not superseded) return for the meeting is reused
when its file is in the workspace's ``outputs/returns/MEETING/`` folder, so a
crash between saving the workbook and sending the email does not leave the
owner holding a superseded file. The email's Message-ID is the same each time
(kind, meeting, recipient), so the outbox holds it once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlmodel import Session, col, select

from jobs.mailing import (
    action_lines,
    contact,
    deadline_of,
    file_record,
    meeting_ref,
    send,
    sender,
    today,
)
from tracker.db.models import Action, ProgressUpdate
from tracker.db.models_schedule import Dispatch
from tracker.schedule.dispatch import DispatchRef, utc
from tracker.schedule.runner import JobContext, JobResult


@dataclass(frozen=True)
class _Action:
    id: str


@dataclass(frozen=True)
class _Issued:
    """An issued return read back from its record and file (what the email needs of it)."""

    owner: Any
    meeting: Any
    filename: str
    content: bytes
    actions: tuple[_Action, ...]
    deadline: date | None
    issued_at: datetime
    path: Path


CHASE_AFTER = timedelta(hours=24)  # no chaser sooner than this after the request went


def returns_folder(ctx: JobContext, meeting_id: str) -> Path:
    return ctx.settings.returns_for(meeting_id)


def current_return(ctx: JobContext, meeting_id: str, owner_id: str) -> Any:
    """The owner's current return for the meeting, with its file, or None."""
    from tracker.returns.issue import find_meeting

    row = issue_row(ctx, meeting_id, owner_id)
    if row is None:
        return None
    # Where the scheduler saves returns, or where 'tracker returns issue' saves them by default.
    folders = (returns_folder(ctx, meeting_id), ctx.settings.outputs / "returns")
    path = next((f / row.filename for f in folders if (f / row.filename).is_file()), None)
    owner = ctx.plan.owner(owner_id)
    if path is None or owner is None:
        return None
    return _Issued(
        owner=owner,
        meeting=find_meeting(ctx.plan, meeting_id, today(ctx)),
        filename=row.filename,
        content=path.read_bytes(),
        actions=tuple(_Action(a["id"]) for a in row.actions or []),
        deadline=row.deadline,
        issued_at=utc(row.issued_at),
        path=path,
    )


def request_return(ctx: JobContext, job: DispatchRef) -> JobResult:
    """Issue the owner's return workbook for the meeting and email it to them."""
    from tracker.mailing import return_request_emails
    from tracker.returns.issue import NothingToReturnError, issue_returns
    from tracker.returns.manifest import read_key
    from tracker.workspace import Workspace

    owner = ctx.plan.owner(job.recipient)
    if owner is None:
        return JobResult(skipped="the owner is no longer in the plan")
    issued: Any = current_return(ctx, job.meeting_id, job.recipient)
    if issued is None:
        try:
            fresh = issue_returns(
                ctx.engine,
                ctx.plan,
                key=read_key(ctx.settings.workspace),
                now=ctx.now,
                meeting_id=job.meeting_id,
                owner_email=str(owner.email),
                deadline=deadline_of(ctx, job.meeting_id),
                issued_by="scheduler",
                folder=returns_folder(ctx, job.meeting_id),
            )
        except NothingToReturnError:
            return JobResult(skipped="no actions to report on for this meeting")
        issued = fresh[0]
    ws = Workspace(settings=ctx.settings, engine=ctx.engine)  # not closed: the engine is shared
    (message,) = return_request_emails(ws, [issued], now=ctx.now, today=today(ctx))
    result = send(ctx, message, to=str(owner.email))
    return JobResult(
        outputs={**result.outputs, "files": [file_record(issued.path)]},
        summary=f"{result.summary}; workbook {issued.path}",
    )


def issue_row(ctx: JobContext, meeting_id: str, owner_id: str) -> Any:
    """The owner's current (not superseded) ``ReturnIssue`` row for the meeting, or None."""
    from tracker.db import models as m

    with Session(ctx.engine) as session:
        row = session.exec(
            select(m.ReturnIssue).where(
                col(m.ReturnIssue.meeting_id) == meeting_id,
                col(m.ReturnIssue.owner_id) == owner_id,
                col(m.ReturnIssue.superseded_by).is_(None),
            )
        ).first()
    return row


def return_loaded(ctx: JobContext, meeting_id: str, owner_id: str) -> bool | None:
    """True when the owner's current return for the meeting has been loaded (None: no return)."""
    row = issue_row(ctx, meeting_id, owner_id)
    return None if row is None else row.loaded_at is not None


# --- who has returned ------------------------------------------------------------------


def request_sent_at(ctx: JobContext, meeting_id: str, owner_id: str) -> datetime | None:
    """When the return request for ``meeting_id`` went to ``owner_id`` (None: not yet)."""
    with Session(ctx.engine) as session:
        row = session.exec(
            select(Dispatch).where(
                col(Dispatch.meeting_id) == meeting_id,
                col(Dispatch.kind) == "request",
                col(Dispatch.recipient) == owner_id,
                col(Dispatch.state) == "done",
            )
        ).first()
    return utc(row.finished_at) if row is not None and row.finished_at else None


def has_returned(ctx: JobContext, meeting_id: str, owner_id: str) -> bool:
    """Whether ``owner_id`` has reported on everything asked for ``meeting_id``.

    An owner has returned when their return workbook for the meeting has been
    loaded, or when every action their return asked about has an update dated
    on or after the day the request was sent (given from the command line,
    say). One update out of five is not a return: the owner is still chased.
    Updates are compared by the day they speak for, not the moment they were
    typed, so ``tick --now`` rehearsals judge them as the real run would.
    """
    from zoneinfo import ZoneInfo

    owner = ctx.plan.owner(owner_id)
    if owner is None:
        return False
    issue = issue_row(ctx, meeting_id, owner_id)
    if issue is not None and issue.loaded_at is not None:
        return True
    sent = request_sent_at(ctx, meeting_id, owner_id)
    if sent is None:
        return False
    since = sent.astimezone(ZoneInfo(ctx.plan.plan.timezone)).date()
    asked = {str(a["id"]) for a in issue.actions} if issue is not None else set()
    with Session(ctx.engine) as session:
        stmt = (
            select(ProgressUpdate.action_id)
            .join(Action, col(Action.id) == col(ProgressUpdate.action_id))
            .where(col(Action.owner_id) == owner_id, col(ProgressUpdate.on) >= since)
        )
        updated = set(session.exec(stmt).all())
    if not asked:  # no workbook recorded: any update since the request counts
        return bool(updated)
    return asked <= updated


def outstanding(ctx: JobContext, meeting_id: str) -> list[str]:
    """Owners asked for a return before ``meeting_id`` who have not returned yet."""
    with Session(ctx.engine) as session:
        asked = session.exec(
            select(Dispatch.recipient).where(
                col(Dispatch.meeting_id) == meeting_id,
                col(Dispatch.kind) == "request",
                col(Dispatch.state) == "done",
            )
        ).all()
    return sorted(o for o in set(asked) if not has_returned(ctx, meeting_id, o))


# --- chasers ------------------------------------------------------------------------------


def chase(ctx: JobContext, job: DispatchRef) -> JobResult:
    """Remind an owner whose return has not come in by the deadline; nothing if it has."""
    from tracker.mail.build import build_chaser
    from tracker.mail.messages import Chaser

    issue = issue_row(ctx, job.meeting_id, job.recipient)
    if issue is None:
        # their request was skipped (nothing of theirs to report on) or never issued: a
        # reminder of a return nobody asked them for would only confuse
        return JobResult(skipped="no return was asked of them for this meeting")
    if has_returned(ctx, job.meeting_id, job.recipient):
        return JobResult(skipped="their return is in")
    sent = request_sent_at(ctx, job.meeting_id, job.recipient)
    if sent is not None and ctx.now - sent < CHASE_AFTER:
        # a scheduler catching up after an outage does the late request and its chaser in
        # one pass: a reminder seconds after the request would only be noise
        return JobResult(skipped="their request went out less than a day ago")
    owner = contact(ctx, job.recipient)
    asked = [str(a["id"]) for a in issue.actions or []]
    message = build_chaser(
        Chaser(
            owner=owner,
            meeting=meeting_ref(ctx, job.meeting_id),
            deadline=deadline_of(ctx, job.meeting_id),
            actions=action_lines(ctx, job.recipient, asked),
            workbook=_workbook_again(ctx, job),
            round=job.seq or 1,
        ),
        sender=sender(ctx),
        date=ctx.now,
        templates=ctx.settings.templates,
    )
    return send(ctx, message, to=owner.email)


def _workbook_again(ctx: JobContext, job: DispatchRef) -> Any:
    """The owner's return workbook, attached again to the chaser when it can be found."""
    from tracker.mail.messages import Attachment

    with Session(ctx.engine) as session:
        row = session.exec(
            select(Dispatch).where(
                col(Dispatch.meeting_id) == job.meeting_id,
                col(Dispatch.kind) == "request",
                col(Dispatch.recipient) == job.recipient,
                col(Dispatch.state) == "done",
            )
        ).first()
    for f in (row.outputs.get("files", []) if row else []) or []:
        path = Path(f["path"]) if isinstance(f, dict) else None
        if path is not None and path.suffix == ".xlsx" and path.is_file():
            return Attachment(filename=path.name, data=path.read_bytes())
    return None
