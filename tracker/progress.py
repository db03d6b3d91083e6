"""Progress updates on actions: checked, append-only, and their history.

Owners say how their actions are going (``tracker update``; later from their
returns spreadsheets). Each update is one new row in ``progress_update``:
nothing is ever edited or deleted, so the history of an action is the record
of who said what, for which date, and through which channel. The latest update
on or before a date is the action's state on that date (see ``tracker.status``).

Every value is checked before anything is written, and a batch of updates is
written in one transaction, so a bad value stores nothing.

Rules (documented in docs/json.md and the command help):

* the action must be in the plan and not archived;
* ``status`` is one of ``STATUSES`` (spaces, hyphens and capitals are forgiven:
  "In progress" is in_progress);
* ``progress`` is a whole number from 0 to 100. ``complete`` means 100: it is
  filled in when not given, and any other figure is refused. ``not_started``
  with progress above 0 is refused as contradictory. 100% with another status
  is allowed (work done, awaiting sign-off). Reopening an action reported
  complete (a later status of not started, in progress or on hold) needs its
  per cent complete, so the 100% of "complete" is never carried into it;
* ``rag`` (the owner's own rating) is red, amber, green or not given;
* ``note`` is at most ``NOTE_MAX`` characters after control characters are removed, and
  holds no identifying data (``tracker.usertext.screen_free_text``);
* ``on`` (the date the update speaks for) defaults to today in the plan's
  timezone, is not in the future and not before the strategy starts;
* ``by`` is a valid email address and is the action owner's or a plan administrator's.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from sqlalchemy.engine import Engine

from tracker.errors import InvalidValueError, TrackerError
from tracker.people import acting_person, check_may_act
from tracker.plan.lookup import not_found, resolve_id
from tracker.plan.schema import STATUSES, Plan
from tracker.rag import OWNER_RATINGS
from tracker.usertext import clean_note, plan_addresses, screen_free_text

SOURCES = ("cli", "spreadsheet", "import", "demo")  # how an update or a KPI value arrived


@dataclass(frozen=True)
class UpdateInput:
    """One update as given, before it is checked (a command line, a returns row, the demo)."""

    action_id: str
    status: str
    progress: int | str | None = None
    rag: str | None = None
    note: str | None = None
    on: date | None = None
    by: str | None = None
    source: str = "cli"
    return_id: str | None = None  # the return workbook it came from (source "spreadsheet")


@dataclass(frozen=True)
class UpdateRecord:
    """A stored progress update."""

    id: int
    action_id: str
    on: date
    status: str
    progress: int | None
    rag: str | None
    note: str | None
    by: str
    source: str
    recorded_at: datetime
    return_id: str | None = None

    def to_json(self) -> dict[str, Any]:
        """One entry of the history document (docs/json.md)."""
        return {
            "on": self.on.isoformat(),
            "status": self.status,
            "progress": self.progress,
            "rag": self.rag,
            "note": self.note,
            "by": self.by,
            "source": self.source,
            "return": self.return_id,
            "recorded_at": self.recorded_at.isoformat(timespec="seconds"),
        }


def _record(row: Any) -> UpdateRecord:
    from tracker.db.models import as_utc

    return UpdateRecord(
        id=row.id,
        action_id=row.action_id,
        on=row.on,
        status=row.status,
        progress=row.progress,
        rag=row.rag,
        note=row.note,
        by=row.by,
        source=row.source,
        recorded_at=as_utc(row.recorded_at),
        return_id=row.return_id,
    )


# --- checking each value -------------------------------------------------------------------


def _status(value: str) -> str:
    code = str(value).strip().lower().replace(" ", "_").replace("-", "_")
    if code not in STATUSES:
        raise InvalidValueError(
            f"status '{value}' is not one of {', '.join(STATUSES)}",
            hint="pass --status with one of those",
        )
    return code


def _progress(value: Any, status: str) -> int | None:
    if isinstance(value, str):
        text = value.strip().removesuffix("%").strip()
        if not text:
            value = None
        elif text.lstrip("-").isdigit():
            value = int(text)
    if value is None:
        return 100 if status == "complete" else None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 100:
        raise InvalidValueError(
            f"progress '{value}' is not a whole number from 0 to 100",
            hint="give the per cent complete, e.g. --progress 40",
        )
    if status == "complete" and value != 100:
        raise InvalidValueError(
            f"status complete with progress {value}% is contradictory",
            hint="leave out --progress (complete means 100) or choose status in_progress",
        )
    if status == "not_started" and value > 0:
        raise InvalidValueError(
            f"status not_started with progress {value}% is contradictory",
            hint="use status in_progress, or leave out --progress",
        )
    return value


def _rag(value: str | None) -> str | None:
    if value is None or not str(value).strip():
        return None
    code = str(value).strip().lower()
    if code not in OWNER_RATINGS:
        raise InvalidValueError(
            f"RAG '{value}' is not one of {', '.join(OWNER_RATINGS)}",
            hint="pass --rag red, amber or green, or leave it out",
        )
    return code


def update_day(value: date | None, plan: Plan, today: date) -> date:
    """The day an update speaks for: ``value`` (today when None), refused if ahead of today
    or before the strategy starts. The CLI, returns and imports share it."""
    if value is None:
        return today
    if isinstance(value, datetime):
        value = value.date()
    if value > today:
        raise InvalidValueError(
            f"update date {value.isoformat()} is in the future (today is {today.isoformat()})",
            hint="give the date the update speaks for: today or earlier",
        )
    if value < plan.plan.start:
        raise InvalidValueError(
            f"update date {value.isoformat()} is before the strategy starts "
            f"({plan.plan.start.isoformat()})",
            hint="check the date",
        )
    return value


def _source(value: str) -> str:
    if value not in SOURCES:
        raise InvalidValueError(
            f"source '{value}' is not one of {', '.join(SOURCES)}",
            hint="this is a bug in the caller: report it",
        )
    return value


def _check(item: UpdateInput, plan: Plan, rows: dict[str, Any], today: date) -> dict[str, Any]:
    """The values to store for ``item``, or the first thing wrong with it (TrackerError)."""
    item = replace(item, action_id=resolve_id(item.action_id, rows))
    row = rows.get(item.action_id)
    if row is not None and row.archived_at is not None:
        raise InvalidValueError(
            f"action {item.action_id} was removed from the plan "
            f"on {row.archived_at:%Y-%m-%d} and is archived; its history is kept but it "
            "takes no new updates",
            hint="put it back in objectives.yaml and run 'tracker plan load' to restore it",
        )
    action = plan.action(item.action_id)
    if action is None or row is None:
        raise not_found(
            "action", item.action_id, [i for i, r in rows.items() if r.archived_at is None]
        )
    by = acting_person(item.by, doing="giving this update")
    check_may_act(plan, by, plan.owner(action.owner), act="update", item=action.id)
    status = _status(item.status)
    note = clean_note(item.note)
    screen_free_text(note, field="note", allowed_emails=plan_addresses(plan))
    return {
        "action_id": action.id,
        "status": status,
        "progress": _progress(item.progress, status),
        "rag": _rag(item.rag),
        "note": note,
        "on": update_day(item.on, plan, today),
        "by": by,
        "source": _source(item.source),
        "return_id": item.return_id,
    }


REOPENED = ("not_started", "in_progress", "on_hold")  # statuses that reopen a complete action


def _statuses(session: Any) -> dict[str, list[tuple[date, str]]]:
    """Every stored update's (date, status), by action, in the order they took effect."""
    from sqlalchemy import select

    from tracker.db.models import ProgressUpdate

    pu = ProgressUpdate.__table__.c  # type: ignore[attr-defined]
    out: dict[str, list[tuple[date, str]]] = {}
    stmt = select(pu.action_id, pu.on, pu.status).order_by(pu.on, pu.id)
    for action_id, on, status in session.execute(stmt).all():
        out.setdefault(action_id, []).append((on, status))
    return out


def _check_reopening(values: dict[str, Any], history: list[tuple[date, str]]) -> None:
    """Reopening a complete action needs its per cent complete, so 100% is never shown as
    in progress by accident. ``history`` (the action's earlier updates) gains this one."""
    on = values["on"]
    before = [status for day, status in history if day <= on]
    reopened = before and before[-1] == "complete" and values["status"] in REOPENED
    if reopened and values["progress"] is None:
        raise InvalidValueError(
            f"{values['action_id']} was reported complete; reopening it as "
            f"{values['status'].replace('_', ' ')} needs its per cent complete",
            hint="pass --progress with how far along it is now, e.g. --progress 80",
        )
    history.append((on, values["status"]))
    history.sort(key=lambda pair: pair[0])


# --- writing ---------------------------------------------------------------------------------


def record_updates(
    engine: Engine, plan: Plan, updates: Iterable[UpdateInput], *, today: date
) -> list[UpdateRecord]:
    """Check every update, then store them all in one transaction (or none, on any error).

    ``today`` (where the plan is) is the default date of an update and the latest allowed.

    An error about one of several updates names its position ("update 3 of 40").
    """
    from tracker.db.engine import transaction

    with transaction(engine) as session:
        return store_updates(session, plan, updates, today=today)


def store_updates(
    session: Any, plan: Plan, updates: Iterable[UpdateInput], *, today: date
) -> list[UpdateRecord]:
    """Check and add ``updates`` inside the caller's transaction (``record_updates`` makes one).

    For callers that write something else in the same transaction (a return being loaded).
    """
    from sqlmodel import select

    from tracker.db import models as m

    items = list(updates)
    now = m.utcnow()
    rows = {a.id: a for a in session.exec(select(m.Action)).all()}
    history = _statuses(session)
    stored = []
    for n, item in enumerate(items, 1):
        try:
            values = _check(item, plan, rows, today)
            _check_reopening(values, history.setdefault(values["action_id"], []))
        except TrackerError as exc:
            if len(items) > 1:
                exc.message = f"update {n} of {len(items)} ({item.action_id}): {exc.message}"
                exc.args = (str(exc),)
            raise
        stored.append(m.ProgressUpdate(**values, recorded_at=now))
    session.add_all(stored)
    session.flush()
    return [_record(row) for row in stored]


def record_update(
    engine: Engine,
    plan: Plan,
    *,
    action_id: str,
    status: str,
    progress: int | str | None,
    rag: str | None,
    note: str | None,
    on: date | None,
    by: str | None,
    source: str,
    today: date,
) -> UpdateRecord:
    """Check one progress update and append it (one INSERT, one transaction)."""
    item = UpdateInput(
        action_id=action_id.strip(),
        status=status,
        progress=progress,
        rag=rag,
        note=note,
        on=on,
        by=by,
        source=source,
    )
    return record_updates(engine, plan, [item], today=today)[0]


# --- reading ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ActionHistory:
    """An action's updates, oldest first, and when it was archived (None: in the plan)."""

    action_id: str
    archived_at: datetime | None
    updates: list[UpdateRecord]

    def to_json(self) -> dict[str, Any]:
        """The history document (docs/json.md)."""
        return {
            "action": self.action_id,
            "archived": self.archived_at.isoformat(timespec="seconds")
            if self.archived_at
            else None,
            "updates": [u.to_json() for u in self.updates],
        }


def action_history(engine: Engine, plan: Plan, action_id: str) -> list[UpdateRecord]:
    """Every update on an action, oldest first (by date, then as recorded).

    Archived actions (removed from the plan) still have their history.
    """
    return action_history_report(engine, plan, action_id).updates


def standing_after(engine: Engine, plan: Plan, update: UpdateRecord) -> UpdateRecord | None:
    """The update that stands as the action's latest when ``update`` was backdated behind
    it (a later date), else None: status goes by date, not by when it was recorded."""
    later = [u for u in action_history(engine, plan, update.action_id) if u.on > update.on]
    return later[-1] if later else None


def action_history_report(engine: Engine, plan: Plan, action_id: str) -> ActionHistory:
    """Like ``action_history``, with the action's id as the plan spells it and its archive date."""
    from sqlmodel import Session, col, select

    from tracker.db import models as m
    from tracker.db.models import as_utc

    with Session(engine) as session:
        action_id = resolve_id(action_id, session.exec(select(m.Action.id)).all())
        row = session.get(m.Action, action_id)
        if row is None:
            active = session.exec(
                select(m.Action.id).where(col(m.Action.archived_at).is_(None))
            ).all()
            raise not_found("action", action_id, list(active) or [a.id for a in plan.actions()])
        stmt = (
            select(m.ProgressUpdate)
            .where(m.ProgressUpdate.action_id == action_id)
            .order_by(col(m.ProgressUpdate.on), col(m.ProgressUpdate.id))
        )
        return ActionHistory(
            action_id=row.id,
            archived_at=as_utc(row.archived_at) if row.archived_at else None,
            updates=[_record(u) for u in session.exec(stmt).all()],
        )
