"""Where delivery stands on a date: each objective, its actions, their latest update and RAG.

``build_status`` reads the plan in force from the database (objectives,
actions and owners that are not archived) and, in one query, the latest
progress update of every action on or before the date; ``tracker.rag`` rates
each action and objective. The result is one ``StatusReport``: shown as tables
by ``tracker.render.status`` and as the stable JSON document of docs/json.md by
``StatusReport.to_json``. Steering Group packs and emails of later issues are
built from the same report.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy.engine import Engine

from tracker.plan.schema import Plan
from tracker.rag import JSON_COUNT_ORDER, Rating, count_ratings
from tracker.rag.actions import action_rag
from tracker.rag.objectives import objective_rag


@dataclass(frozen=True)
class LastUpdate:
    on: date
    by: str
    note: str | None
    source: str

    def to_json(self) -> dict[str, Any]:
        return {"on": self.on.isoformat(), "by": self.by, "note": self.note, "source": self.source}


@dataclass(frozen=True)
class ActionStatus:
    id: str
    title: str
    owner: str  # the owner's email address
    owner_role: str
    start: date
    due: date
    status: str
    progress: int | None
    rag: Rating
    last_update: LastUpdate | None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "owner": self.owner,
            "owner_role": self.owner_role,
            "start": self.start.isoformat(),
            "due": self.due.isoformat(),
            "status": self.status,
            "progress": self.progress,
            "rag": self.rag.rating,
            "rag_reason": self.rag.reason,
            "last_update": self.last_update.to_json() if self.last_update else None,
        }


@dataclass(frozen=True)
class ObjectiveStatus:
    id: str
    title: str
    short_title: str
    lead: str  # the lead owner's email address
    lead_role: str
    rag: Rating
    actions: list[ActionStatus] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "short_title": self.short_title,
            "lead": self.lead,
            "rag": self.rag.rating,
            "rag_reason": self.rag.reason,
            "actions": [a.to_json() for a in self.actions],
        }


@dataclass(frozen=True)
class StatusReport:
    as_of: date
    plan: str
    objectives: list[ObjectiveStatus]

    @property
    def counts(self) -> dict[str, int]:
        """Actions by rating, every one present (zero included)."""
        return count_ratings(
            [a.rag.rating for o in self.objectives for a in o.actions], JSON_COUNT_ORDER
        )

    def to_json(self) -> dict[str, Any]:
        """The status document described in docs/json.md."""
        return {
            "as_of": self.as_of.isoformat(),
            "plan": self.plan,
            "objectives": [o.to_json() for o in self.objectives],
            "counts": self.counts,
        }


def _latest_updates(session: Any, as_of: date) -> dict[str, Any]:
    """The latest update of every action on or before ``as_of``, in one query.

    Each row also carries ``known_progress``: the latest progress figure given
    (an update that leaves out the per cent complete keeps the previous one).
    """
    from sqlalchemy import func, select

    from tracker.db.models import ProgressUpdate

    pu = ProgressUpdate.__table__.c  # type: ignore[attr-defined]
    latest_first = (pu.on.desc(), pu.id.desc())
    ranked = (
        select(
            pu.action_id,
            pu.status,
            pu.progress,
            pu.rag,
            pu.note,
            pu.on,
            pu.by,
            pu.source,
            func.row_number().over(partition_by=pu.action_id, order_by=latest_first).label("rank"),
            func.first_value(pu.progress)
            .over(partition_by=pu.action_id, order_by=(pu.progress.is_(None), *latest_first))
            .label("known_progress"),
        )
        .where(pu.on <= as_of)
        .subquery()
    )
    rows = session.execute(select(ranked).where(ranked.c.rank == 1)).all()
    return {row.action_id: row for row in rows}


def build_status(
    engine: Engine, plan: Plan, *, as_of: date, objective: str | None = None
) -> StatusReport:
    """The status of every objective (or only ``objective``) as on ``as_of``."""
    from sqlmodel import Session, col, select

    from tracker.db import models as m
    from tracker.plan.lookup import find_objective

    day = as_of
    with Session(engine) as session:
        objectives = session.exec(
            select(m.Objective, m.Owner)
            .join(m.Owner, col(m.Objective.lead_owner_id) == col(m.Owner.id))
            .where(col(m.Objective.archived_at).is_(None))
            .order_by(col(m.Objective.position), col(m.Objective.id))
        ).all()
        if objective is not None:
            wanted = find_objective(plan, objective).id
            objectives = [(o, lead) for o, lead in objectives if o.id == wanted]
        actions = session.exec(
            select(m.Action, m.Owner)
            .join(m.Owner, col(m.Action.owner_id) == col(m.Owner.id))
            .where(col(m.Action.archived_at).is_(None))
            .order_by(col(m.Action.position), col(m.Action.id))
        ).all()
        latest = _latest_updates(session, day)

    by_objective: dict[str, list[ActionStatus]] = {}
    for action, owner in actions:
        update = latest.get(action.id)
        status = update.status if update else None
        progress = None
        if update is not None:
            progress = update.progress if update.progress is not None else update.known_progress
        rag = action_rag(
            status=status,
            progress=progress,
            start=action.start,
            due=action.due,
            as_of=day,
            self_rag=update.rag if update else None,
        )
        by_objective.setdefault(action.objective_id, []).append(
            ActionStatus(
                id=action.id,
                title=action.title,
                owner=owner.email,
                owner_role=owner.role,
                start=action.start,
                due=action.due,
                status=status or "not_started",
                progress=progress,
                rag=rag,
                last_update=(
                    LastUpdate(on=update.on, by=update.by, note=update.note, source=update.source)
                    if update
                    else None
                ),
            )
        )
    report = []
    for obj, lead in objectives:
        items = by_objective.get(obj.id, [])
        report.append(
            ObjectiveStatus(
                id=obj.id,
                title=obj.title,
                short_title=obj.short_title,
                lead=lead.email,
                lead_role=lead.role,
                rag=objective_rag([a.rag for a in items]),
                actions=items,
            )
        )
    return StatusReport(as_of=day, plan=plan.plan.name, objectives=report)
