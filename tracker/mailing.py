"""Composing the emails a command sends: values gathered from the workspace, then built.

The builders (``tracker.mail.build``) take plain values; this service fills
them from the plan, the database and what another command produced (issued
return workbooks, a compiled pack), with the workspace's template overrides
and ``[mail]`` settings. Delivering them is ``tracker.delivery``.

The ratings listed in a return request or chaser are each action's rating in
force today, from the same engine as ``tracker status``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from email.message import EmailMessage
from typing import Any

from tracker.mail.build import build_chaser, build_return_request
from tracker.mail.config import load_mail_settings
from tracker.mail.messages import ActionLine, Attachment, Chaser, ReturnRequest, Sender
from tracker.mail.plan import contact, meeting_ref, sender
from tracker.workspace import Workspace

STATUS_WORDS = {
    "not_started": "not started",
    "in_progress": "in progress",
    "complete": "complete",
    "on_hold": "on hold",
    "cancelled": "cancelled",
}


def workspace_sender(ws: Workspace) -> Sender:
    """Who the workspace's emails come from: [mail] settings, else the plan's administrator."""
    return sender(ws.plan(), load_mail_settings(ws.settings.workspace))


def _action_lines(ws: Workspace, action_ids: Sequence[str], today: date) -> tuple[ActionLine, ...]:
    from tracker.status import build_status

    report = build_status(ws.engine, ws.plan(), as_of=today)
    found = {a.id: a for o in report.objectives for a in o.actions}
    lines = []
    for action_id in action_ids:
        a = found.get(action_id)
        if a is None:
            continue
        lines.append(
            ActionLine(
                id=a.id,
                title=a.title,
                due=a.due,
                rating=a.rag.rating,
                status=STATUS_WORDS.get(a.status, a.status),
                progress=a.progress,
            )
        )
    return tuple(lines)


def return_request_emails(
    ws: Workspace, issued: Sequence[Any], *, now: datetime, today: date
) -> list[EmailMessage]:
    """One return request per issued workbook (``tracker.returns.issue.IssuedReturn``)."""
    who = workspace_sender(ws)
    messages = []
    for item in issued:
        request = ReturnRequest(
            owner=contact(item.owner),
            meeting=meeting_ref(item.meeting),
            deadline=item.deadline or item.meeting.date,
            actions=_action_lines(ws, [a.id for a in item.actions], today),
            workbook=Attachment(item.filename, item.content),
        )
        messages.append(
            build_return_request(request, sender=who, date=now, templates=ws.settings.templates)
        )
    return messages


def chaser_emails(
    ws: Workspace, *, meeting_id: str | None, now: datetime, today: date, round: int = 1
) -> list[EmailMessage]:
    """A chaser to each owner whose return for the meeting is overdue (past its deadline)."""
    from sqlmodel import Session, col, select

    from tracker.db import models as m
    from tracker.returns.issue import return_status

    plan = ws.plan()
    status = return_status(ws.engine, plan, today=today, meeting_id=meeting_id)
    overdue = {o.return_id for o in status.owners if o.state == "overdue"}
    if not overdue:
        return []
    with Session(ws.engine) as session:
        rows = session.exec(select(m.ReturnIssue).where(col(m.ReturnIssue.id).in_(overdue))).all()
    who = workspace_sender(ws)
    messages = []
    for row in sorted(rows, key=lambda r: r.owner_email):
        owner = plan.owner(row.owner_id)
        if owner is None:
            continue
        chaser = Chaser(
            owner=contact(owner),
            meeting=meeting_ref(status.meeting),
            deadline=row.deadline or status.meeting.date,
            actions=_action_lines(ws, [a["id"] for a in row.actions or []], today),
            round=round,
        )
        messages.append(build_chaser(chaser, sender=who, date=now, templates=ws.settings.templates))
    return messages
