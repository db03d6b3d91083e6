"""``tracker schedule show``: every planned dispatch, what state it is in and what it produced.

The view merges the dispatch table with what the plan in force calls for, so
it is complete before the scheduler has ever run and reflects a plan just
loaded; it writes nothing. A dispatch the scheduler has not stored yet has no
id (the first pass stores it). ``tracker.render.schedule`` prints it for people;
``ScheduleView.to_json`` is the ``--format json`` document, which also gives
each dispatch's working-day offset.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine

from tracker.plan.schema import Plan
from tracker.schedule.cycle import CHAIR, KIND_LABELS, KINDS, STEERING_GROUP, plan_dispatches
from tracker.schedule.dispatch import list_dispatches, utc


@dataclass(frozen=True)
class ScheduleLine:
    id: int | None
    meeting_id: str
    meeting_on: date
    kind: str
    seq: int
    recipient: str
    recipients: tuple[str, ...]
    due_at: datetime  # local, in the plan's timezone
    offset_days: int
    state: str
    attempts: int
    next_attempt_at: datetime | None
    error: str | None
    note: str | None
    outputs: dict[str, Any]

    @property
    def label(self) -> str:
        label = KIND_LABELS.get(self.kind, self.kind)
        return f"{label} {self.seq}" if self.kind == "chaser" and self.seq else label

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "meeting": self.meeting_id,
            "meeting_date": self.meeting_on.isoformat(),
            "kind": self.kind,
            "chaser": self.seq or None,
            "recipient": self.recipient or None,
            "recipients": list(self.recipients),
            "due": self.due_at.isoformat(),
            "working_days_before": self.offset_days,
            "state": self.state,
            "attempts": self.attempts,
            "next_attempt": self.next_attempt_at.isoformat() if self.next_attempt_at else None,
            "error": self.error,
            "note": self.note,
            "outputs": self.outputs,
        }


@dataclass(frozen=True)
class ScheduleView:
    plan_name: str
    timezone: str
    lines: tuple[ScheduleLine, ...]

    def to_json(self) -> dict[str, Any]:
        counts: dict[str, int] = {}
        for line in self.lines:
            counts[line.state] = counts.get(line.state, 0) + 1
        return {
            "plan": self.plan_name,
            "timezone": self.timezone,
            "counts": counts,
            "dispatches": [line.to_json() for line in self.lines],
        }


def recipients_of(plan: Plan, recipient: str) -> tuple[str, ...]:
    """The addresses a dispatch goes to: the owner's, or the distribution list's."""
    if recipient == STEERING_GROUP:
        return tuple(str(a) for a in plan.distribution.steering_group)
    if recipient == CHAIR:
        return tuple(str(a) for a in plan.distribution.chair)
    owner = plan.owner(recipient)
    return (str(owner.email),) if owner else ()


def schedule_view(
    engine: Engine,
    plan: Plan,
    *,
    since: date | None = None,
    meeting: str | None = None,
    now: datetime | None = None,
) -> ScheduleView:
    """The schedule: stored dispatches, and those the plan calls for that are not stored yet.

    With ``now``, one not stored yet whose meeting has begun is shown as the scheduler's next
    pass will store it: skipped (it was never due while anything watched), not pending.
    """
    from tracker.schedule.dispatch import BEFORE_PLANNED, planned_too_late

    tz = ZoneInfo(plan.plan.timezone)
    stored = {(r.meeting_id, r.kind, r.seq, r.recipient): r for r in list_dispatches(engine)}
    lines: list[ScheduleLine] = []
    for row in stored.values():
        lines.append(
            ScheduleLine(
                id=row.id,
                meeting_id=row.meeting_id,
                meeting_on=row.meeting_on,
                kind=row.kind,
                seq=row.seq,
                recipient=row.recipient,
                recipients=recipients_of(plan, row.recipient),
                due_at=utc(row.due_at).astimezone(tz),
                offset_days=row.offset_days,
                state=row.state,
                attempts=row.attempts,
                next_attempt_at=utc(row.next_attempt_at).astimezone(tz)
                if row.next_attempt_at
                else None,
                error=row.error,
                note=row.note,
                outputs=dict(row.outputs or {}),
            )
        )
    for planned in plan_dispatches(plan):
        if planned.key in stored:
            continue
        late = now is not None and planned_too_late(planned.meeting_on, plan, now)
        lines.append(
            ScheduleLine(
                id=None,
                meeting_id=planned.meeting_id,
                meeting_on=planned.meeting_on,
                kind=planned.kind,
                seq=planned.seq,
                recipient=planned.recipient,
                recipients=recipients_of(plan, planned.recipient),
                due_at=planned.due_at.astimezone(tz),
                offset_days=planned.offset,
                state="skipped" if late else "pending",
                attempts=0,
                next_attempt_at=None,
                error=None,
                note=(
                    f"{BEFORE_PLANNED} (not stored yet)"
                    if late
                    else "not stored yet: the scheduler's next pass stores it"
                ),
                outputs={},
            )
        )
    if meeting:
        lines = [line for line in lines if line.meeting_id.lower() == meeting.lower()]
    if since is not None:
        lines = [line for line in lines if line.due_at.date() >= since]
    lines.sort(key=lambda x: (x.due_at, KINDS.index(x.kind), x.seq, x.recipient))
    return ScheduleView(plan_name=plan.plan.name, timezone=plan.plan.timezone, lines=tuple(lines))


def known_meetings(plan: Plan) -> list[str]:
    from tracker.schedule.cycle import meetings_with_cycles

    return [m.id for m in meetings_with_cycles(plan)]
