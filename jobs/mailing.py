"""Sending the cycle's emails: who they come from, what they list, and delivery once.

``send`` hands a built message to ``tracker.delivery.deliver`` with the
workspace's transport and records nothing itself: the delivery table keeps
one row per Message-ID, so a dispatch interrupted after its email left is
recognised when it is done again ("already delivered" counts as done), and
the outbox never holds a message twice.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from tracker.db.models_schedule import Dispatch
from tracker.errors import TrackerError
from tracker.plan.schema import Meeting
from tracker.schedule.cycle import meetings_with_cycles
from tracker.schedule.runner import JobContext, JobResult


def mail_settings(ctx: JobContext) -> Any:
    from tracker.mail.config import load_mail_settings

    return load_mail_settings(ctx.settings.workspace)


def sender(ctx: JobContext) -> Any:
    """Who the emails come from, with their marking: as for the emails commands send."""
    from tracker.mailing import plan_sender

    return plan_sender(ctx.plan, mail_settings(ctx))


def meeting_of(ctx: JobContext, meeting_id: str) -> Meeting:
    for meeting in meetings_with_cycles(ctx.plan):
        if meeting.id == meeting_id:
            return meeting
    raise TrackerError(
        f"meeting {meeting_id} is no longer in the plan", hint="skip this dispatch"
    )  # pragma: no cover - sync withdraws such dispatches first


def meeting_ref(ctx: JobContext, meeting_id: str) -> Any:
    from tracker.mail.plan import meeting_ref as ref

    return ref(meeting_of(ctx, meeting_id))


def contact(ctx: JobContext, owner_id: str) -> Any:
    from tracker.mail.plan import contact as plan_contact

    owner = ctx.plan.owner(owner_id)
    if owner is None:
        raise TrackerError(f"owner {owner_id} is no longer in the plan", hint="skip this dispatch")
    return plan_contact(owner)


def today(ctx: JobContext) -> Any:
    return ctx.now.astimezone(ZoneInfo(ctx.plan.plan.timezone)).date()


def action_lines(
    ctx: JobContext, owner_id: str, asked: Sequence[str] | None = None
) -> tuple[Any, ...]:
    """The owner's actions with their rating and latest status, as the emails list them.

    ``asked``: the actions the owner's return asks about, in its order; without a
    return, the owner's started actions that are still open (as a return would ask).
    """
    from tracker.mailing import action_lines as lines_for
    from tracker.mailing import status_by_action
    from tracker.returns.issue import CLOSED

    owner = ctx.plan.owner(owner_id)
    if owner is None:
        return ()
    day = today(ctx)
    found = status_by_action(ctx.engine, ctx.plan, day)
    if asked is None:
        email = str(owner.email).lower()
        asked = [
            a.id
            for a in found.values()
            if a.owner.lower() == email and a.start <= day and a.status not in CLOSED
        ]
    return lines_for(found, asked)


def deadline_of(ctx: JobContext, meeting_id: str) -> Any:
    from tracker.schedule.cycle import meeting_cycle

    steps = meeting_cycle(ctx.plan, meeting_of(ctx, meeting_id))
    return next(s.day for s in steps if s.kind == "deadline")


def file_record(path: Path) -> dict[str, Any]:
    """A produced file as the dispatch table records it: where it is and its SHA-256."""
    return {"path": str(path), "sha256": hashlib.sha256(path.read_bytes()).hexdigest()}


def send(ctx: JobContext, message: EmailMessage, *, to: str) -> JobResult:
    """Deliver ``message`` once through the workspace's transport."""
    from tracker.delivery import deliver, find_delivery, make_transport
    from tracker.mail.errors import AlreadySentError

    transport = make_transport(mail_settings(ctx), ctx.settings.workspace)
    message_id = str(message["Message-ID"])
    note = ""
    try:
        delivery = deliver(message, transport=transport, engine=ctx.engine, now=ctx.now)
    except AlreadySentError:
        found = find_delivery(ctx.engine, message_id)
        if found is None or found.state != "delivered":
            raise
        delivery, note = found, " (it had already been delivered: not sent again)"
    where = delivery.location or delivery.transport
    return JobResult(
        outputs={
            "message_ids": [delivery.message_id],
            "transport": delivery.transport,
            "delivered_to": where,
        },
        summary=f"to {to} via {delivery.transport}: {where}{note}",
    )


def report_to_administrators(ctx: JobContext, rows: Sequence[Dispatch]) -> JobResult:
    """Tell the plan's administrators which dispatches failed or were missed, and what to do."""
    from tracker.schedule.alerts import build_alert

    message = build_alert(ctx.plan, rows, now=ctx.now, sender=sender(ctx).address)
    to = ", ".join(str(a) for a in ctx.plan.distribution.administrators)
    return send(ctx, message, to=to)
