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
from typing import TYPE_CHECKING, Any

from tracker.mail.build import build_chaser, build_return_request
from tracker.mail.config import load_mail_settings
from tracker.mail.messages import ActionLine, Attachment, Chaser, ReturnRequest, Sender
from tracker.mail.plan import contact, meeting_ref, sender
from tracker.workspace import Workspace

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from tracker.plan.schema import Plan

STATUS_WORDS = {
    "not_started": "not started",
    "in_progress": "in progress",
    "complete": "complete",
    "on_hold": "on hold",
    "cancelled": "cancelled",
}


def workspace_sender(ws: Workspace) -> Sender:
    """Who the workspace's emails come from: [mail] settings, else the plan's administrator."""
    return plan_sender(ws.plan(), load_mail_settings(ws.settings.workspace))


def plan_sender(plan: Plan, settings: Any) -> Sender:
    """The sender for ``plan``'s emails, from commands and the scheduler alike.

    The protective marking is the [mail] one, else the plan's (``pack.marking``)."""
    who = sender(plan, settings)
    return _with_marking(who, getattr(getattr(plan, "pack", None), "marking", None))


def status_by_action(engine: Engine, plan: Plan, today: date) -> dict[str, Any]:
    """Every action's status line as of ``today``, by id: built once for a batch of emails."""
    from tracker.status import build_status

    report = build_status(engine, plan, as_of=today)
    return {a.id: a for o in report.objectives for a in o.actions}


def action_lines(found: dict[str, Any], action_ids: Sequence[str]) -> tuple[ActionLine, ...]:
    """The lines an email lists for ``action_ids``, in that order (``found``: status_by_action)."""
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
    found = status_by_action(ws.engine, ws.plan(), today) if issued else {}
    messages = []
    for item in issued:
        request = ReturnRequest(
            owner=contact(item.owner),
            meeting=meeting_ref(item.meeting),
            deadline=item.deadline or item.meeting.date,
            actions=action_lines(found, [a.id for a in item.actions]),
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
    found = status_by_action(ws.engine, ws.plan(), today)
    messages = []
    for row in sorted(rows, key=lambda r: r.owner_email):
        owner = plan.owner(row.owner_id)
        if owner is None:
            continue
        chaser = Chaser(
            owner=contact(owner),
            meeting=meeting_ref(status.meeting),
            deadline=row.deadline or status.meeting.date,
            actions=action_lines(found, [a["id"] for a in row.actions or []]),
            round=round,
        )
        messages.append(build_chaser(chaser, sender=who, date=now, templates=ws.settings.templates))
    return messages


# --- the pack and the review ---------------------------------------------------------------


def _shown(value: float | None, shown_as: str | None, unit: str) -> str:
    """A KPI figure as the pack publishes it: its public text when hidden, else the value."""
    from tracker.figures import fmt_value

    if value is None:
        return shown_as or "no data"
    return fmt_value(value, unit)


def _mail_summary(summary: Any, publication: Any | None = None) -> Any:
    """The email's view of a compiled pack (``tracker.reports.model.PackSummary``).

    Every figure is taken from the pack as published: counts of actions by rating,
    and each KPI's latest value or its public text (``[c]``) when the pack hides it.
    A KPI figure the email's own release (``publication``) hides is hidden here too.
    """
    from tracker.disclosure.model import MARKER

    def value(k: Any) -> str:
        if (
            publication is not None
            and k.latest_period
            and publication.kpi_hidden(k.id, k.latest_period)
        ):
            return MARKER
        return _shown(k.latest_value, k.latest_shown_as, k.unit)

    from tracker.figures import fmt_target
    from tracker.mail.messages import ExceptionItem, KpiHeadline, ObjectiveRow, PackSummary

    objectives = tuple(
        ObjectiveRow(
            id=o.id,
            title=o.short_title,
            rating=o.rating,
            counts=tuple((rating, n) for rating, n in o.counts if n),
            kpi_counts=o.kpi_counts,
        )
        for o in summary.objectives
    )
    exceptions = tuple(
        ExceptionItem(
            id=e.item,
            title=e.title,
            rating=e.rating,
            reason=e.reason,
            owner=e.owner or None,
            narrative=e.narrative or None,
            mitigation=e.mitigation or None,
        )
        for e in summary.exceptions
    )
    trends = {"improved": "up", "worse": "down", "same": "level"}
    kpis = tuple(
        KpiHeadline(
            id=k.id,
            name=k.name,
            value=value(k),
            rating=k.rating,
            target=fmt_target(k.target, k.unit, k.direction) if k.target is not None else None,
            period=k.latest_period,
            trend=trends.get(k.travel),
        )
        for k in summary.headline_kpis
    )
    return PackSummary(
        as_of=summary.as_of,
        objectives=objectives,
        exceptions=exceptions,
        kpis=kpis,
        note="Figures are as published in the attached pack; [c] marks a figure withheld "
        "to protect confidentiality.",
    )


def _publication(ws: Workspace, *, as_of: date, ref: str, recipients: Sequence[str]) -> Any:
    """The email's release of KPI figures, protected with everything released before and
    recorded in the release ledger (channel "email"); the same email gives the same release."""
    from tracker.release import publish

    return publish(
        ws.engine,
        ws.plan(),
        as_of=as_of,
        channel="email",
        reference=f"pack-email.{ref}",
        recipients=list(recipients),
    )


def _with_marking(who: Sender, marking: str | None) -> Sender:
    from dataclasses import replace

    return who if who.marking or not marking else replace(who, marking=marking)


def pack_email(ws: Workspace, compiled: Any, *, now: datetime) -> EmailMessage:
    """The pack email to the Steering Group list, for a compiled pack (``tracker.reporting``)."""
    from tracker.mail.build import build_pack_email
    from tracker.mail.messages import MeetingRef as Ref
    from tracker.mail.messages import PackEmail

    plan = ws.plan()
    summary = compiled.summary
    meeting = next((m for m in plan.meetings if m.id == compiled.meeting_id), None)
    ref = (
        meeting_ref(meeting)
        if meeting
        else Ref(id=f"as-of-{compiled.as_of.isoformat()}", title=summary.title, date=compiled.as_of)
    )
    recipients = tuple(str(a) for a in plan.distribution.steering_group)
    publication = _publication(ws, as_of=compiled.as_of, ref=ref.id, recipients=recipients)
    email = PackEmail(
        recipients=recipients,
        meeting=ref,
        summary=_mail_summary(summary, publication),
        pack=Attachment(compiled.path.name, compiled.path.read_bytes()),
    )
    who = _with_marking(workspace_sender(ws), getattr(summary, "marking", None))
    return build_pack_email(email, sender=who, date=now, templates=ws.settings.templates)


def review_email(ws: Workspace, compiled: Any, *, now: datetime) -> EmailMessage:
    """The review to the chair, with the review workbook and the draft paper attached."""
    from tracker.mail.build import build_review_email
    from tracker.mail.messages import DOCX, ReviewEmail

    plan = ws.plan()
    meeting = next((m for m in plan.meetings if m.kind == "review"), None)
    from tracker.mail.messages import MeetingRef as Ref

    ref = (
        meeting_ref(meeting)
        if meeting
        else Ref(id="review", title="Strategy review", date=plan.plan.review)
    )
    email = ReviewEmail(
        recipients=tuple(str(a) for a in plan.distribution.chair),
        meeting=ref,
        as_of=compiled.as_of,
        workbook=Attachment(compiled.path.name, compiled.path.read_bytes()),
        paper=Attachment(compiled.paper.name, compiled.paper.read_bytes(), DOCX),
    )
    marking = getattr(getattr(plan, "pack", None), "marking", None)
    who = _with_marking(workspace_sender(ws), marking)
    return build_review_email(email, sender=who, date=now, templates=ws.settings.templates)


# --- the demo ------------------------------------------------------------------------------


def demo_outbox(ws: Workspace, *, issued: Sequence[Any], pack: Any | None, today: date) -> str:
    """Put the demo's return requests and pack email in its outbox; a one-line summary.

    The demo always uses the outbox, whatever tracker.toml says: nothing leaves the machine.
    """
    from datetime import UTC, time

    from tracker.delivery import send_all
    from tracker.mail.config import OUTBOX_DIR
    from tracker.mail.transport import Outbox

    now = datetime.combine(today, time(9, 0), tzinfo=UTC)
    messages = return_request_emails(ws, issued, now=now, today=today) if issued else []
    if pack is not None and getattr(pack, "summary", None) is not None:
        messages.append(pack_email(ws, pack, now=now))
    outbox = Outbox(ws.settings.workspace / OUTBOX_DIR)
    outcomes = send_all(
        messages, workspace=ws.settings.workspace, engine=ws.engine, transport=outbox
    )
    failed = [o for o in outcomes if not o.ok]
    if failed:
        raise failed_error(failed)
    requests = len(messages) - (pack is not None)
    what = [f"{requests} return requests"] if requests else []
    if pack is not None:
        what.append("the pack email")
    return f"{' and '.join(what) or 'no emails'} in {OUTBOX_DIR}/"


def failed_error(failed: Sequence[Any]) -> Exception:
    from tracker.mail.errors import MailError

    return MailError(
        f"{len(failed)} demo email(s) could not be put in the outbox ({failed[0].error})",
        hint="run 'tracker demo' again",
    )
