"""Where delivery stands on a date: each objective, its actions, their latest update and RAG.

``build_status`` reads the plan in force from the database (objectives,
actions and owners that are not archived), and ``tracker.ratings`` gathers
the RAG engine's inputs (the latest update of every action on or before the
date, overrides, the plan's thresholds and deadlines) and rates each action,
KPI and objective. The result is one ``StatusReport``: shown as tables by
``tracker.render.status`` and as the stable JSON document of docs/json.md by
``StatusReport.to_json``. Steering Group packs and emails are built from the
same ratings.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy.engine import Engine

from tracker.plan.schema import Plan
from tracker.rag import CANCELLED, JSON_COUNT_ORDER, Rating
from tracker.rag.actions import ActionRating


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
    rag: ActionRating
    last_update: LastUpdate | None

    def to_json(self) -> dict[str, Any]:
        r = self.rag
        computed = r.computed or r
        return {
            "id": self.id,
            "title": self.title,
            "owner": self.owner,
            "owner_role": self.owner_role,
            "start": self.start.isoformat(),
            "due": self.due.isoformat(),
            "status": self.status,
            "progress": self.progress,
            "rag": r.rating,
            "rag_reason": r.reason,
            "rag_rule": r.rule,
            "computed_rag": {
                "rag": computed.rating,
                "reason": computed.reason,
                "rule": computed.rule,
            },
            "self_rag": r.self_rag,
            "override": r.override.to_json() if r.override else None,
            "flags": [f.to_json() for f in r.flags],
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
        inputs = self.rag.inputs
        return {
            "id": self.id,
            "title": self.title,
            "short_title": self.short_title,
            "lead": self.lead,
            "rag": self.rag.rating,
            "rag_reason": self.rag.reason,
            "rag_rule": self.rag.rule,
            "rolled_up_from": {
                "actions": dict(inputs.get("actions", {})),
                "kpis": dict(inputs.get("kpis", {})),
                "cancelled": inputs.get("cancelled", 0),
                "contextual": inputs.get("contextual", 0),
            },
            "actions": [a.to_json() for a in self.actions],
        }


@dataclass(frozen=True)
class StatusReport:
    as_of: date
    plan: str
    objectives: list[ObjectiveStatus]

    def _actions(self) -> list[ActionStatus]:
        return [a for o in self.objectives for a in o.actions]

    @property
    def counts(self) -> dict[str, int]:
        """Actions by rating, every one present (zero included); cancelled ones are not counted."""
        ratings = [a.rag.rating for a in self._actions()]
        return {r: ratings.count(r) for r in JSON_COUNT_ORDER}

    @property
    def cancelled(self) -> list[str]:
        """The ids of cancelled actions: listed apart, never counted."""
        return [a.id for a in self._actions() if a.rag.rating == CANCELLED]

    @property
    def update_overdue(self) -> list[str]:
        return [
            a.id for a in self._actions() if any(f.flag == "update_overdue" for f in a.rag.flags)
        ]

    @property
    def overridden(self) -> list[str]:
        return [a.id for a in self._actions() if a.rag.override is not None]

    def to_json(self) -> dict[str, Any]:
        """The status document described in docs/json.md."""
        return {
            "as_of": self.as_of.isoformat(),
            "plan": self.plan,
            "objectives": [o.to_json() for o in self.objectives],
            "counts": self.counts,
            "cancelled": self.cancelled,
            "update_overdue": self.update_overdue,
            "overridden": self.overridden,
        }


def build_status(
    engine: Engine,
    plan: Plan,
    *,
    as_of: date,
    objective: str | None = None,
    kpis: dict[str, Any] | None = None,
) -> StatusReport:
    """The status of every objective (or only ``objective``) as on ``as_of``.

    ``kpis`` are the KPI ratings when the caller has evaluated them already (a pack
    does, for its KPI sheet); otherwise they are evaluated here when the roll-up needs them.
    """
    from sqlmodel import Session, col, select

    from tracker.db import models as m
    from tracker.plan.lookup import find_objective
    from tracker.ratings import (
        action_ratings,
        kpi_ratings,
        latest_updates,
        progress_of,
        rate_objectives,
    )

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
        latest = latest_updates(session, day)
        ratings = action_ratings(session, plan, day, latest=latest)
    if "kpis" not in plan.rag.objectives.include or not plan.kpis:
        kpis = {}
    elif kpis is None:
        kpis = kpi_ratings(engine, plan, day)
    rolled_up = rate_objectives(plan, ratings, kpis)

    by_objective: dict[str, list[ActionStatus]] = {}
    for action, owner in actions:
        update = latest.get(action.id)
        by_objective.setdefault(action.objective_id, []).append(
            ActionStatus(
                id=action.id,
                title=action.title,
                owner=owner.email,
                owner_role=owner.role,
                start=action.start,
                due=action.due,
                status=update.status if update else "not_started",
                progress=progress_of(update),
                rag=ratings[action.id],
                last_update=(
                    LastUpdate(on=update.on, by=update.by, note=update.note, source=update.source)
                    if update
                    else None
                ),
            )
        )
    report = []
    for obj, lead in objectives:
        report.append(
            ObjectiveStatus(
                id=obj.id,
                title=obj.title,
                short_title=obj.short_title,
                lead=lead.email,
                lead_role=lead.role,
                rag=rolled_up.get(obj.id) or Rating("grey", "not in the plan file"),
                actions=by_objective.get(obj.id, []),
            )
        )
    return StatusReport(as_of=day, plan=plan.plan.name, objectives=report)
