"""The email telling a plan's administrators that dispatches failed or were missed.

A builder: it takes plain values and returns an ``EmailMessage``; delivering
it is the mail layer's job. Its Message-ID is derived from the dispatches it
reports (their ids and states), so if the scheduler stops after delivering it
but before recording that, the next pass builds the same message and the
outbox, which keeps one copy per Message-ID, does not deliver it twice.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime
from email.message import EmailMessage
from typing import Any
from zoneinfo import ZoneInfo

from tracker.plan.schema import Plan
from tracker.schedule.cycle import KIND_LABELS


def _line(row: Any, tz: ZoneInfo) -> str:
    due = row.due_at if row.due_at.tzinfo else row.due_at.replace(tzinfo=ZoneInfo("UTC"))
    what = KIND_LABELS.get(row.kind, row.kind)
    to = f" to {row.recipient}" if row.recipient else ""
    head = (
        f"- #{row.id} {what}{to} for {row.meeting_id}, due {due.astimezone(tz):%a %d %b %Y %H:%M}"
    )
    if row.state == "missed":
        return f"{head}: MISSED ({row.note or 'not done before the meeting'})"
    retry = "will be retried" if row.next_attempt_at else "will NOT be retried by itself"
    tries = f"{row.attempts} attempt{'s' if row.attempts != 1 else ''}"
    return f"{head}: FAILED after {tries}, {retry}: {row.error or 'no detail'}"


def build_alert(
    plan: Plan, rows: Sequence[Any], *, now: datetime, sender: str | None = None
) -> EmailMessage:
    """One email to the administrators listing ``rows`` (dispatch rows failed or missed).

    Rendered from the ``alert`` email templates like every other email (plain and HTML
    parts, addresses and headers checked); its identity is the rows' ids and states.
    """
    from tracker.mail.build import build_alert_email
    from tracker.mail.messages import AlertEmail, Sender

    tz = ZoneInfo(plan.plan.timezone)
    failed = sum(1 for r in rows if r.state == "failed")
    missed = sum(1 for r in rows if r.state == "missed")
    parts = [f"{failed} failed" if failed else "", f"{missed} missed" if missed else ""]
    summary = " and ".join(p for p in parts if p) or "nothing"
    fingerprint = ",".join(f"{r.id}:{r.state}:{r.attempts}" for r in rows)
    alert = AlertEmail(
        recipients=tuple(str(a) for a in plan.distribution.administrators),
        title=f"{plan.plan.name}: {summary} scheduled dispatches need attention",
        intro="The tracker's scheduler could not do the following, or did not do it in time:",
        items=tuple(_line(r, tz).removeprefix("- ") for r in rows),
        advice=(
            "A failed dispatch is retried by itself unless it says otherwise; see its error "
            "with 'tracker schedule show --meeting MEETING'.",
            "Once the cause is fixed, 'tracker schedule retry ID' tries again at the next pass.",
            "'tracker schedule skip ID' drops one that is no longer needed.",
            "See docs/scheduler.md.",
        ),
        fingerprint=hashlib.sha256(fingerprint.encode()).hexdigest(),
    )
    who = Sender(
        address=sender or str(plan.distribution.administrators[0]),
        partnership=plan.plan.partnership,
    )
    return build_alert_email(alert, sender=who, date=now.astimezone(tz))
