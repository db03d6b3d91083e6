"""The dispatch table: one row per thing the reporting cycle sends or compiles.

A row is identified by its key (meeting, kind, chaser number, recipient) and
is derived from the plan (``tracker.schedule.cycle.plan_dispatches``); the
database, not the scheduler's memory, is the record of what is due and what
was done. A row is *claimed* in its own committed transaction before anything
is produced or sent, so a restart, a crash or a second scheduler never does
the same dispatch twice (see ``tracker/schedule/dispatch.py``).

This module imports nothing from ``tracker.db.models`` (which imports it), so
there is no import cycle.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Column, DateTime, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

# pending: not yet done; claimed: being done now (or interrupted); done; failed (with the
# error, retried at next_attempt_at unless that is empty); missed: its meeting came first;
# skipped: by the administrator, because it was no longer needed, or no longer in the plan.
STATES = ("pending", "claimed", "done", "failed", "missed", "skipped")


def _ts(**kw: Any) -> Any:
    return Field(sa_column=Column(DateTime(timezone=True), **kw))


class Dispatch(SQLModel, table=True):
    __tablename__ = "dispatch"
    __table_args__ = (
        UniqueConstraint("meeting_id", "kind", "seq", "recipient", name="uq_dispatch_key"),
        Index("ix_dispatch_state_due", "state", "due_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: str
    kind: str  # request | deadline | chaser | pack | review
    seq: int = 0  # chaser number; 0 for every other kind
    recipient: str = ""  # owner id, 'steering_group' or 'chair'; '' for the deadline
    meeting_on: date
    due_at: datetime = _ts(nullable=False)
    offset_days: int  # working days before the meeting it was derived from
    in_plan: bool = True  # False once the plan no longer calls for it
    state: str = Field(default="pending")
    attempts: int = 0
    next_attempt_at: datetime | None = _ts(nullable=True)
    claimed_at: datetime | None = _ts(nullable=True)
    claimed_by: str | None = None  # host:pid of the scheduler that claimed it
    transport: str | None = None  # how its email is delivered: outbox | sendmail
    finished_at: datetime | None = _ts(nullable=True)
    error: str | None = None
    note: str | None = None  # why it was skipped or missed, or what was resumed
    # What was produced: {"files": [{"path", "sha256"}], "message_ids": [...], ...}
    outputs: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    reported_at: datetime | None = _ts(nullable=True)  # when administrators were told
    created_at: datetime = _ts(nullable=False)
    updated_at: datetime = _ts(nullable=False)
