"""The dispatch table as a service: derived from the plan, claimed before work, closed after.

* ``sync_dispatches`` brings the table in line with the plan in force. It runs
  at the start of every pass, so a meeting moved or an owner added takes
  effect without a restart: new rows are added, pending ones get their new due
  time, rows the plan no longer calls for are skipped (and come back if the
  plan calls for them again). Done rows are never touched.
* ``claim`` is a conditional UPDATE (``... WHERE state IN ('pending',
  'failed')``) committed on its own before anything is produced or sent. Only
  one caller can win it: SQLite serialises writers (``BEGIN IMMEDIATE``), and
  PostgreSQL re-checks the condition after waiting on the row lock. The loser
  sees zero rows changed and leaves the dispatch alone.
* ``finish`` records the result: done with its outputs, failed with the error
  and the time of the next attempt (back-off), or skipped with the reason.
* ``resume_interrupted`` deals with rows left claimed by a scheduler that died.

Times are passed in (``now``); nothing here reads the clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from tracker.db.engine import transaction
from tracker.db.models_schedule import Dispatch
from tracker.errors import InvalidValueError, NotFoundError
from tracker.plan.schema import Plan
from tracker.schedule.cycle import KINDS, avoid_clock_change_hour, meeting_starts, plan_dispatches

NO_LONGER_PLANNED = "no longer in the plan"
BEFORE_PLANNED = "its meeting had begun before this dispatch was first planned"
MAX_ATTEMPTS = 5
FIRST_RETRY = timedelta(minutes=15)
LONGEST_RETRY = timedelta(hours=12)
# Delivery through these transports can be repeated safely: the outbox keeps one file per
# Message-ID. Anything else (sendmail) cannot be checked afterwards, so is never re-sent.
IDEMPOTENT_TRANSPORTS = ("outbox", "")


@dataclass(frozen=True)
class DispatchRef:
    """A dispatch as the job doing it sees it (a plain copy of the row)."""

    id: int
    meeting_id: str
    meeting_on: date
    kind: str
    seq: int
    recipient: str
    due_at: datetime
    offset_days: int
    attempts: int
    resumed: bool  # this dispatch was interrupted once and is being completed now

    @property
    def key(self) -> str:
        seq = f"#{self.seq}" if self.seq else ""
        to = f"/{self.recipient}" if self.recipient else ""
        return f"{self.meeting_id}/{self.kind}{seq}{to}"


@dataclass(frozen=True)
class SyncResult:
    added: int = 0
    moved: int = 0
    withdrawn: int = 0
    restored: int = 0
    late: int = 0  # of those added: their meeting had begun already, so stored as skipped

    @property
    def changed(self) -> bool:
        return bool(self.added or self.moved or self.withdrawn or self.restored)


def _utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utc(value: datetime) -> datetime:
    """A stored time as an aware UTC datetime (SQLite hands them back naive)."""
    out = _utc(value)
    assert out is not None
    return out


def ref(row: Dispatch) -> DispatchRef:
    assert row.id is not None
    return DispatchRef(
        id=row.id,
        meeting_id=row.meeting_id,
        meeting_on=row.meeting_on,
        kind=row.kind,
        seq=row.seq,
        recipient=row.recipient,
        due_at=utc(row.due_at),
        offset_days=row.offset_days,
        attempts=row.attempts,
        resumed=bool(row.note and row.note.startswith("resumed")),
    )


def planned_too_late(meeting_on: date, plan: Plan, now: datetime) -> bool:
    """Whether a dispatch first planned at ``now`` comes after its meeting began: it was never
    due while anything watched, so it is stored as skipped and never sent late."""
    return utc(now) >= meeting_starts(meeting_on, plan.plan.timezone)


def sync_dispatches(engine: Engine, plan: Plan, *, now: datetime) -> SyncResult:
    """Make the table match what ``plan`` calls for; done rows are kept as they are.

    A row first planned after its meeting began (a meeting added in the past, or
    the first pass of a scheduler set up part-way through the strategy) was never
    due while anything was watching: it is skipped, not reported as missed.
    """
    now = utc(now)
    wanted = {d.key: d for d in plan_dispatches(plan)}
    added = moved = withdrawn = restored = skipped_late = 0
    with transaction(engine) as session:
        rows = session.exec(select(Dispatch)).all()
        seen: set[tuple[str, str, int, str]] = set()
        for row in rows:
            key = (row.meeting_id, row.kind, row.seq, row.recipient)
            seen.add(key)
            planned = wanted.get(key)
            if planned is None:
                if row.in_plan:
                    row.in_plan = False
                    if row.state in ("pending", "failed"):
                        row.state, row.note, row.next_attempt_at = (
                            "skipped",
                            NO_LONGER_PLANNED,
                            None,
                        )
                    row.updated_at = now
                    withdrawn += 1
                continue
            if not row.in_plan:
                row.in_plan = True
                if row.state == "skipped" and row.note == NO_LONGER_PLANNED:
                    row.state, row.note = "pending", None
                row.updated_at = now
                restored += 1
            if row.state == "pending" and (
                utc(row.due_at) != planned.due_at
                or row.offset_days != planned.offset
                or row.meeting_on != planned.meeting_on
            ):
                row.due_at = planned.due_at.astimezone(UTC)
                row.offset_days = planned.offset
                row.meeting_on = planned.meeting_on
                row.updated_at = now
                moved += 1
        for key, planned in wanted.items():
            if key in seen:
                continue
            late = planned_too_late(planned.meeting_on, plan, now)
            skipped_late += late
            session.add(
                Dispatch(
                    state="skipped" if late else "pending",
                    note=BEFORE_PLANNED if late else None,
                    meeting_id=planned.meeting_id,
                    kind=planned.kind,
                    seq=planned.seq,
                    recipient=planned.recipient,
                    meeting_on=planned.meeting_on,
                    due_at=planned.due_at.astimezone(UTC),
                    offset_days=planned.offset,
                    created_at=now,
                    updated_at=now,
                )
            )
            added += 1
    return SyncResult(
        added=added, moved=moved, withdrawn=withdrawn, restored=restored, late=skipped_late
    )


def _order(rows: list[Dispatch]) -> list[Dispatch]:
    return sorted(rows, key=lambda r: (utc(r.due_at), KINDS.index(r.kind), r.seq, r.recipient))


def list_dispatches(
    engine: Engine, *, since: date | None = None, meeting: str | None = None
) -> list[Dispatch]:
    """Every row (still planned, or done once), in the order they fall due."""
    with Session(engine) as session:
        stmt = select(Dispatch)
        if meeting:
            stmt = stmt.where(col(Dispatch.meeting_id) == meeting)
        rows = list(session.exec(stmt).all())
    if since is not None:
        rows = [r for r in rows if r.meeting_on >= since or utc(r.due_at).date() >= since]
    return _order([r for r in rows if r.in_plan or r.state not in ("pending", "skipped")])


def get_dispatch(engine: Engine, dispatch_id: int) -> Dispatch:
    with Session(engine) as session:
        row = session.get(Dispatch, dispatch_id)
    if row is None:
        raise NotFoundError(
            "dispatch",
            str(dispatch_id),
            where="the schedule",
            hint="run 'tracker schedule show' to see the dispatch ids",
        )
    return row


def due(engine: Engine, *, now: datetime) -> list[Dispatch]:
    """Pending rows whose time has come, and failed ones whose next attempt has."""
    now = utc(now)
    with Session(engine) as session:
        pending = session.exec(
            select(Dispatch).where(col(Dispatch.state) == "pending", col(Dispatch.due_at) <= now)
        ).all()
        retry = session.exec(
            select(Dispatch).where(
                col(Dispatch.state) == "failed",
                col(Dispatch.next_attempt_at).is_not(None),
                col(Dispatch.next_attempt_at) <= now,
            )
        ).all()
    return _order([*pending, *retry])


def next_due(engine: Engine) -> list[datetime]:
    """When rows next fall due (pending) or are retried (failed), for the scheduler's jobs."""
    with Session(engine) as session:
        pending = session.exec(
            select(Dispatch.due_at).where(col(Dispatch.state) == "pending")
        ).all()
        retry = session.exec(
            select(Dispatch.next_attempt_at).where(
                col(Dispatch.state) == "failed", col(Dispatch.next_attempt_at).is_not(None)
            )
        ).all()
    return sorted({utc(t) for t in [*pending, *retry] if t is not None})


def claim(engine: Engine, dispatch_id: int, *, now: datetime, by: str, transport: str) -> bool:
    """Claim a due row for this process; False when someone else has it or it is not due."""
    now = utc(now)
    stmt = (
        update(Dispatch)
        .where(
            col(Dispatch.id) == dispatch_id,
            col(Dispatch.state).in_(("pending", "failed")),
        )
        .values(
            state="claimed",
            claimed_at=now,
            claimed_by=by,
            transport=transport,
            attempts=col(Dispatch.attempts) + 1,
            next_attempt_at=None,
            updated_at=now,
        )
    )
    with engine.begin() as conn:
        return conn.execute(stmt).rowcount == 1


def _set(engine: Engine, dispatch_id: int, *, when: tuple[str, ...], **values: Any) -> bool:
    stmt = (
        update(Dispatch)
        .where(col(Dispatch.id) == dispatch_id, col(Dispatch.state).in_(when))
        .values(**values)
    )
    with engine.begin() as conn:
        return conn.execute(stmt).rowcount == 1


def finish_done(
    engine: Engine, dispatch_id: int, *, now: datetime, outputs: dict[str, Any], note: str | None
) -> bool:
    now = utc(now)
    return _set(
        engine,
        dispatch_id,
        when=("claimed",),
        state="done",
        finished_at=now,
        outputs=outputs,
        error=None,
        note=note,
        updated_at=now,
    )


def finish_skipped(engine: Engine, dispatch_id: int, *, now: datetime, reason: str) -> bool:
    now = utc(now)
    return _set(
        engine,
        dispatch_id,
        when=("claimed",),
        state="skipped",
        finished_at=now,
        note=reason,
        updated_at=now,
    )


def retry_at(attempts: int, now: datetime, timezone: str) -> datetime | None:
    """When to try again after ``attempts`` failures: 15 min, 1 h, 4 h, 12 h; None after 5."""
    if attempts >= MAX_ATTEMPTS:
        return None
    wait = min(FIRST_RETRY * 4 ** max(0, attempts - 1), LONGEST_RETRY)
    return avoid_clock_change_hour(now + wait, timezone)


def finish_failed(
    engine: Engine,
    dispatch_id: int,
    *,
    now: datetime,
    error: str,
    retry: datetime | None,
    tell: bool = True,
) -> bool:
    """Record a failure; ``tell``: the administrators are to hear of it (first and last time)."""
    now = utc(now)
    told: dict[str, Any] = {"reported_at": None} if tell else {}
    return _set(
        engine,
        dispatch_id,
        when=("claimed",),
        state="failed",
        finished_at=now,
        error=error[:2000],
        next_attempt_at=retry,
        updated_at=now,
        **told,
    )


def mark_missed(engine: Engine, dispatch_id: int, *, now: datetime, reason: str) -> bool:
    now = utc(now)
    return _set(
        engine,
        dispatch_id,
        when=("pending", "failed"),
        state="missed",
        note=reason,
        next_attempt_at=None,
        reported_at=None,
        updated_at=now,
    )


def interrupted(engine: Engine) -> list[Dispatch]:
    """Rows left claimed: a scheduler stopped between claiming and finishing them.

    Only the holder of the scheduler lock calls this, at the start of a pass,
    when none of its own work is in flight, so every claimed row is stale.
    """
    with Session(engine) as session:
        return list(session.exec(select(Dispatch).where(col(Dispatch.state) == "claimed")).all())


def resume_interrupted(engine: Engine, row: Dispatch, *, now: datetime) -> str:
    """Put an interrupted row back to work if its delivery can be repeated safely.

    Through the outbox (one file per Message-ID) the dispatch is simply done
    again and completes exactly once. Through sendmail nobody can tell whether
    the message left, so it is failed without retry and the administrators are
    told: they check, then retry or skip it. Returns 'resumed' or 'flagged'.
    """
    now = utc(now)
    assert row.id is not None
    if (row.transport or "") in IDEMPOTENT_TRANSPORTS or row.kind == "deadline":
        _set(
            engine,
            row.id,
            when=("claimed",),
            state="pending",
            note=f"resumed after an interruption ({row.claimed_by or 'unknown'})",
            updated_at=now,
        )
        return "resumed"
    _set(
        engine,
        row.id,
        when=("claimed",),
        state="failed",
        next_attempt_at=None,
        reported_at=None,
        error=(
            f"interrupted while sending through {row.transport}: it may or may not have gone. "
            f"Ask the recipients, then 'tracker schedule retry {row.id}' to send it again or "
            f"'tracker schedule skip {row.id}'"
        ),
        updated_at=now,
    )
    return "flagged"


def to_report(engine: Engine) -> list[Dispatch]:
    """Failed and missed rows the administrators have not been told about yet."""
    with Session(engine) as session:
        rows = session.exec(
            select(Dispatch).where(
                col(Dispatch.state).in_(("failed", "missed")), col(Dispatch.reported_at).is_(None)
            )
        ).all()
    return _order(list(rows))


def mark_reported(engine: Engine, ids: list[int], *, now: datetime) -> None:
    now = utc(now)
    if not ids:
        return
    with engine.begin() as conn:
        conn.execute(update(Dispatch).where(col(Dispatch.id).in_(ids)).values(reported_at=now))


# --- the administrator's commands --------------------------------------------------------


def skip(engine: Engine, dispatch_id: int, *, now: datetime, by: str | None = None) -> Dispatch:
    """Skip a dispatch that has not been done (pending, failed or missed)."""
    now = utc(now)
    row = get_dispatch(engine, dispatch_id)
    if row.state in ("done", "skipped", "claimed"):
        raise InvalidValueError(
            f"dispatch {dispatch_id} is {row.state}, so it cannot be skipped",
            hint="only pending, failed or missed dispatches can be skipped",
        )
    reason = f"skipped by {by}" if by else "skipped by the administrator"
    _set(
        engine,
        dispatch_id,
        when=("pending", "failed", "missed"),
        state="skipped",
        note=reason,
        next_attempt_at=None,
        updated_at=now,
    )
    return get_dispatch(engine, dispatch_id)


def retry(engine: Engine, dispatch_id: int, *, now: datetime) -> Dispatch:
    """Make a failed, missed or skipped dispatch due again at the next pass."""
    now = utc(now)
    row = get_dispatch(engine, dispatch_id)
    if row.state not in ("failed", "missed", "skipped"):
        raise InvalidValueError(
            f"dispatch {dispatch_id} is {row.state}, so there is nothing to retry",
            hint="only failed, missed or skipped dispatches can be retried",
        )
    _set(
        engine,
        dispatch_id,
        when=("failed", "missed", "skipped"),
        state="failed",
        next_attempt_at=now,
        note="retry asked for by the administrator",
        reported_at=now,  # the administrator asked: no need to tell them again
        updated_at=now,
    )
    return get_dispatch(engine, dispatch_id)
