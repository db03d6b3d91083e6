"""The RAG engine's inputs, gathered from the database: the thin service over the pure rules.

``tracker.rag.actions`` rates an action from plain values. This module fetches
those values for every action as of a date (the latest update on or before it,
the latest per cent complete given, every override recorded) and reads the
thresholds, milestones and reporting deadlines from the plan, so that
``tracker status``, ``tracker rag explain`` and the Steering Group pack all
rate the same way from the same inputs.

Reporting deadlines: an owner's update is due by the return deadline of each
meeting's reporting cycle (``tracker.schedule.cycle``, the plan's ``cycle:``
section). The pack cut-off of a meeting is the plan's ``pack.cutoff`` where
the plan has one, otherwise the last day of the month before the meeting.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from tracker.plan.schema import Meeting, Plan
from tracker.rag.actions import ActionInputs, ActionRating, ActionRules, rate_action
from tracker.rag.objectives import RollUpRule


def action_rules(plan: Plan) -> ActionRules:
    """The thresholds of the action rules, as the plan sets them."""
    return ActionRules(amber_behind=plan.rag.amber_behind, red_behind=plan.rag.red_behind)


def roll_up_rule(plan: Plan) -> RollUpRule:
    o = plan.rag.objectives
    return RollUpRule(
        rule=o.rule,
        include_kpis="kpis" in o.include,
        red_share=o.red_share,
        amber_share=o.amber_share,
    )


def deadlines(plan: Plan) -> tuple[date, ...]:
    """Every reporting deadline of the plan: the return deadline of each meeting's cycle."""
    from tracker.schedule.cycle import meeting_cycle, meetings_with_cycles, plan_calendar

    calendar = plan_calendar(plan)
    days = {
        step.day
        for meeting in meetings_with_cycles(plan)
        for step in meeting_cycle(plan, meeting, calendar)
        if step.kind == "deadline"
    }
    return tuple(sorted(days))


def pack_cutoff(plan: Plan, meeting: Meeting) -> date:
    """The as-of date of a meeting's pack (see the module docstring)."""
    settings = getattr(plan, "pack", None)
    if settings is not None and hasattr(settings, "cutoff_for"):
        return settings.cutoff_for(meeting.date)
    return meeting.date.replace(day=1) - timedelta(days=1)


def previous_pack(plan: Plan, as_of: date) -> tuple[Meeting, date] | None:
    """The meeting whose pack was the last compiled before ``as_of``, and its cut-off."""
    cut = [(pack_cutoff(plan, m), m) for m in plan.meetings]
    before = sorted(((d, m) for d, m in cut if d < as_of), key=lambda pair: pair[0])
    if not before:
        return None
    day, meeting = before[-1]
    return meeting, day


def latest_updates(session: Any, as_of: date) -> dict[str, Any]:
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


def progress_of(update: Any) -> int | None:
    """The per cent complete an update stands for: its own, or the latest given before it."""
    if update is None:
        return None
    return update.progress if update.progress is not None else update.known_progress


@dataclass(frozen=True)
class ActionDates:
    """What the rules need of an action in the plan in force."""

    id: str
    start: date
    due: date
    milestones: tuple[tuple[date, float], ...] = ()


def _milestones(plan: Plan, action_id: str) -> tuple[tuple[date, float], ...]:
    action = plan.action(action_id)
    if action is None:
        return ()
    return tuple((m.date, float(m.progress)) for m in action.milestones if m.progress is not None)


def inputs_for(
    action: ActionDates,
    update: Any,
    overrides: Sequence[Any],
    plan_deadlines: tuple[date, ...],
) -> ActionInputs:
    """The engine's inputs for one action from its latest update row and its overrides."""
    return ActionInputs(
        id=action.id,
        start=action.start,
        due=action.due,
        status=update.status if update is not None else None,
        progress=progress_of(update),
        self_rag=update.rag if update is not None else None,
        last_update=update.on if update is not None else None,
        milestones=action.milestones,
        deadlines=plan_deadlines,
        overrides=tuple(overrides),
    )


def action_ratings(
    session: Any, plan: Plan, as_of: date, *, latest: dict[str, Any] | None = None
) -> dict[str, ActionRating]:
    """The rating of every action in the plan in force (not archived) as of ``as_of``.

    ``latest``: the rows of ``latest_updates(session, as_of)`` when the caller has them.
    """
    from sqlmodel import col, select

    from tracker.db import models as m
    from tracker.overrides import overrides_by_action

    rows = session.exec(select(m.Action).where(col(m.Action.archived_at).is_(None))).all()
    if latest is None:
        latest = latest_updates(session, as_of)
    overrides = overrides_by_action(session)
    rules, plan_deadlines = action_rules(plan), deadlines(plan)
    out: dict[str, ActionRating] = {}
    for row in rows:
        dates = ActionDates(row.id, row.start, row.due, _milestones(plan, row.id))
        inputs = inputs_for(dates, latest.get(row.id), overrides.get(row.id, ()), plan_deadlines)
        out[row.id] = rate_action(inputs, as_of, rules)
    return out


# --- every rating of the plan on a date ------------------------------------------------------


@dataclass(frozen=True)
class PlanRatings:
    """Every action, KPI and objective rating as of one date."""

    as_of: date
    actions: dict[str, ActionRating]
    kpis: dict[str, Any]  # KPI id -> Rating (the latest complete period's)
    objectives: dict[str, Any]  # objective id -> Rating (rolled up)


def kpi_ratings(engine: Any, plan: Plan, as_of: date) -> dict[str, Any]:
    """Each KPI's rating on ``as_of``: that of its latest complete period, as ``kpi show`` and a
    pack give it (a figure the release hides is unrated, so no roll-up or explanation counts
    the rating that would narrow it)."""
    from tracker.kpi.service import released_kpi_report

    return kpi_ratings_of(released_kpi_report(engine, plan, as_of=as_of).kpis)


def kpi_ratings_of(results: Any) -> dict[str, Any]:
    """Each KPI's rating from its evaluated results (``KpiResult``), keyed by KPI id.

    A pack evaluates every KPI's history once and takes the ratings from it here,
    rather than reading the data a second time through ``kpi_ratings``.
    """
    from tracker.rag import Rating

    out = {}
    for k in results:
        r, latest = k.rating, k.latest
        inputs = {
            "period": latest.period.label if latest else None,
            "value": latest.figure.public() if latest else None,
            "target": latest.target if latest else k.kpi.target,
            "direction": k.kpi.direction,
            "tolerance": k.kpi.tolerance,
            **r.inputs,
        }
        out[k.kpi.id] = Rating(r.rating, r.reason, r.rule or "kpi_target", inputs)
    return out


def rate_objectives(
    plan: Plan, actions: dict[str, ActionRating], kpis: dict[str, Any]
) -> dict[str, Any]:
    """Each objective rolled up from its actions' and KPIs' ratings by the plan's rule."""
    from tracker.rag.objectives import roll_up

    rule = roll_up_rule(plan)
    out = {}
    for objective in plan.objectives:
        own = [actions[a.id] for a in objective.actions if a.id in actions]
        measures = [kpis[k.id] for k in plan.kpis if k.objective == objective.id and k.id in kpis]
        out[objective.id] = roll_up(own, measures, rule)
    return out


def rate_plan(engine: Any, plan: Plan, as_of: date, *, with_kpis: bool = True) -> PlanRatings:
    """Every rating of the plan as of ``as_of`` (KPIs only when the roll-up needs them)."""
    from sqlmodel import Session

    with Session(engine) as session:
        actions = action_ratings(session, plan, as_of)
    needs_kpis = with_kpis and "kpis" in plan.rag.objectives.include and bool(plan.kpis)
    kpis = kpi_ratings(engine, plan, as_of) if needs_kpis else {}
    return PlanRatings(as_of, actions, kpis, rate_objectives(plan, actions, kpis))
