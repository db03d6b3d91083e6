"""Overrides of an action's rating: recorded, append-only, and lapsing on their end date.

Sometimes the rules give a rating the Steering Group knows to be wrong for
now: an action is past its due date but a recovery plan has been agreed. A
plan administrator may then override the rating with a reason and an end date
(``tracker rag override``). Each override is one new row in ``rag_override``;
nothing is edited or deleted, so the record shows who overrode what, why and
for how long. Wherever the rating appears it is shown as an override with its
reason, and the rules' own rating beside it (``tracker.rag.actions``). From the
day after its ``until`` date the override has lapsed and the rules' rating
stands again; ``tracker rag overrides`` lists those in force and those lapsed.

Rules: only a plan administrator may override; the action must be in the plan;
the rating is red, amber or green; the reason is required, at most
``NOTE_MAX`` characters and screened like every note; the end date is not
before today. An override is in force from the day it is made.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy.engine import Engine

from tracker.errors import InvalidValueError, PermissionDeniedError
from tracker.people import acting_person
from tracker.plan.lookup import not_found, resolve_id
from tracker.plan.schema import Plan
from tracker.rag import OWNER_RATINGS as RAGS
from tracker.rag.actions import Override
from tracker.usertext import clean_note, plan_addresses, screen_free_text


@dataclass(frozen=True)
class OverrideRecord:
    """A stored override, with whether it is in force on the date asked about."""

    id: int
    action_id: str
    rag: str
    reason: str
    starts: date
    until: date
    by: str
    recorded_at: datetime

    @property
    def override(self) -> Override:
        return Override(self.rag, self.reason, self.by, self.starts, self.until, self.id)

    def state(self, as_of: date) -> str:
        """in force, lapsed, or not yet in force (asked about a date before it was made)."""
        if as_of > self.until:
            return "lapsed"
        return "in force" if as_of >= self.starts else "not yet made"

    def to_json(self, as_of: date) -> dict[str, Any]:
        return {
            "id": self.id,
            "action": self.action_id,
            "rag": self.rag,
            "reason": self.reason,
            "from": self.starts.isoformat(),
            "until": self.until.isoformat(),
            "by": self.by,
            "recorded_at": self.recorded_at.isoformat(timespec="seconds"),
            "state": self.state(as_of),
        }


@dataclass(frozen=True)
class OverridesReport:
    """Every override recorded, as of a date: ``in_force`` and ``lapsed`` (newest first)."""

    as_of: date
    overrides: list[OverrideRecord]

    @property
    def in_force(self) -> list[OverrideRecord]:
        return [o for o in self.overrides if o.state(self.as_of) == "in force"]

    @property
    def lapsed(self) -> list[OverrideRecord]:
        return [o for o in self.overrides if o.state(self.as_of) == "lapsed"]

    def to_json(self) -> dict[str, Any]:
        return {
            "as_of": self.as_of.isoformat(),
            "in_force": [o.to_json(self.as_of) for o in self.in_force],
            "lapsed": [o.to_json(self.as_of) for o in self.lapsed],
        }


def _record(row: Any) -> OverrideRecord:
    from tracker.db.models import as_utc

    return OverrideRecord(
        id=row.id,
        action_id=row.action_id,
        rag=row.rag,
        reason=row.reason,
        starts=row.starts,
        until=row.until,
        by=row.by,
        recorded_at=as_utc(row.recorded_at),
    )


def _screen(reason: str | None, plan: Plan) -> str:
    """The reason as stored: cleaned like a note and refused when it holds identifying data."""
    text = clean_note(reason)
    if text is None:
        raise InvalidValueError(
            "an override needs a reason", hint="say why with --reason TEXT (no personal details)"
        )
    screen_free_text(text, field="override reason", allowed_emails=plan_addresses(plan))
    return text


def record_override(
    engine: Engine,
    plan: Plan,
    *,
    action_id: str,
    rag: str,
    reason: str | None,
    until: date,
    by: str | None,
    today: date,
) -> OverrideRecord:
    """Check and append one override (one INSERT, one transaction); in force from ``today``."""
    from sqlmodel import select

    from tracker.db import models as m
    from tracker.db.engine import transaction

    person = acting_person(by, doing="overriding the rating")
    if not plan.is_administrator(person):
        raise PermissionDeniedError(
            f"{person} may not override a rating: only plan administrators may",
            hint="ask a plan administrator (listed under distribution: administrators)",
        )
    code = (rag or "").strip().lower()
    if code not in RAGS:
        raise InvalidValueError(
            f"RAG '{rag}' is not one of {', '.join(RAGS)}",
            hint="pass --rag red, amber or green",
        )
    if until < today:
        raise InvalidValueError(
            f"--until {until.isoformat()} is before today ({today.isoformat()}), so the override "
            "would already have lapsed",
            hint="give the last day the override should stand, today or later",
        )
    text = _screen(reason, plan)
    with transaction(engine) as session:
        rows = {a.id: a for a in session.exec(select(m.Action)).all()}
        ident = resolve_id(action_id, rows)
        row = rows.get(ident)
        if row is None or row.archived_at is not None:
            raise not_found("action", ident, [i for i, r in rows.items() if r.archived_at is None])
        stored = m.RagOverride(
            action_id=row.id,
            rag=code,
            reason=text,
            starts=today,
            until=until,
            by=person,
            recorded_at=m.utcnow(),
        )
        session.add(stored)
        session.flush()
        return _record(stored)


def _rows(session: Any, action_ids: Sequence[str] | None = None) -> list[OverrideRecord]:
    from sqlmodel import col, select

    from tracker.db import models as m

    stmt = select(m.RagOverride).order_by(
        col(m.RagOverride.recorded_at).desc(), col(m.RagOverride.id).desc()
    )
    if action_ids is not None:
        stmt = stmt.where(col(m.RagOverride.action_id).in_(list(action_ids)))
    return [_record(r) for r in session.exec(stmt).all()]


def overrides_by_action(session: Any) -> dict[str, tuple[Override, ...]]:
    """Every override recorded, by action (for the engine, which picks the one in force)."""
    out: dict[str, list[Override]] = {}
    for r in _rows(session):
        out.setdefault(r.action_id, []).append(r.override)
    return {k: tuple(v) for k, v in out.items()}


def list_overrides(engine: Engine, *, as_of: date) -> OverridesReport:
    """Every override made on or before ``as_of``, newest first, as in force or lapsed then."""
    from sqlmodel import Session

    with Session(engine) as session:
        rows = [r for r in _rows(session) if r.starts <= as_of]
    return OverridesReport(as_of=as_of, overrides=rows)
