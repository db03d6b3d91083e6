"""Loading the plan file into the database, recording what changed.

``sync_plan`` compares the plan with what the database holds and, in one
transaction, adds new items, updates edited fields and archives items that
were removed from the file (they keep their history and are never deleted;
putting an item back restores it). Each change is written to ``plan_change``
with when and what. Loading an unchanged plan writes nothing at all.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from functools import partial
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel, select

from tracker.db import models as m
from tracker.db.engine import transaction
from tracker.plan.loader import ParsedPlan
from tracker.plan.schema import Plan


@dataclass(frozen=True)
class Change:
    entity: str
    entity_id: str
    change: str  # added | updated | moved | archived | restored
    field: str | None = None
    old_value: str | None = None
    new_value: str | None = None

    def __str__(self) -> str:
        if self.change == "updated" and self.field:
            return (
                f"{self.entity} {self.entity_id}: {self.field} "
                f"'{self.old_value}' -> '{self.new_value}'"
            )
        if self.change == "moved":
            return f"{self.entity} {self.entity_id}: moved {self.new_value}"
        return f"{self.entity} {self.entity_id}: {self.change}"


@dataclass
class SyncResult:
    changes: list[Change] = field(default_factory=list)
    plan_version: int | None = None

    @property
    def no_changes(self) -> bool:
        return not self.changes

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for c in self.changes:
            out[c.change] = out.get(c.change, 0) + 1
        return out


# How each plan item becomes a row: (table, entity name, rows from the plan).
def _desired(plan: Plan) -> list[tuple[type[SQLModel], str, dict[str, dict[str, Any]]]]:
    owners = {
        o.id: {"role": o.role, "organisation": o.organisation, "email": str(o.email)}
        for o in plan.owners
    }
    objectives = {
        o.id: {
            "title": o.title,
            "short_title": o.short_title,
            "lead_owner_id": o.lead,
            "position": i,
        }
        for i, o in enumerate(plan.objectives)
    }
    actions = {}
    position = 0
    for o in plan.objectives:
        for a in o.actions:
            actions[a.id] = {
                "objective_id": o.id,
                "title": a.title,
                "owner_id": a.owner,
                "start": a.start,
                "due": a.due,
                "outcome": a.outcome,
                "milestones": [
                    ms.model_dump(mode="json", exclude_none=True) for ms in a.milestones
                ],
                "position": position,
            }
            position += 1
    kpis = {
        k.id: {
            "objective_id": k.objective,
            "name": k.name,
            "unit": k.unit,
            "target": k.target,
            "direction": k.direction,
            "frequency": k.frequency,
            "cumulative": k.cumulative,
            "tolerance": k.tolerance,
            "measure": k.measure.model_dump(mode="json"),
            "position": i,
        }
        for i, k in enumerate(plan.kpis)
    }
    meetings = {
        mt.id: {"date": mt.date, "kind": mt.kind, "title": mt.title} for mt in plan.meetings
    }
    return [
        (m.Owner, "owner", owners),
        (m.Objective, "objective", objectives),
        (m.Action, "action", actions),
        (m.Kpi, "kpi", kpis),
        (m.Meeting, "meeting", meetings),
    ]


# Columns named differently from the plan's keys: changes are told in the plan's words.
_PLAN_KEYS = {"owner_id": "owner", "lead_owner_id": "lead", "objective_id": "objective"}


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True, ensure_ascii=False)
    return str(value)


def _diff(
    session: Session, plan: Plan, archive_time: Any
) -> tuple[list[Change], list[Callable[[], None]]]:
    """What would change, and the steps that make those changes (run in order)."""
    changes: list[Change] = []
    apply: list[Callable[[], None]] = []
    for table, entity, wanted in _desired(plan):
        rows: list[Any] = list(session.exec(select(table)).all())
        existing = {row.id: row for row in rows}
        for ident, values in wanted.items():
            row = existing.get(ident)
            if row is None:
                changes.append(Change(entity, ident, "added"))
                apply.append(partial(session.add, table(id=ident, **values)))
                continue
            if row.archived_at is not None:
                changes.append(Change(entity, ident, "restored"))
                apply.append(partial(setattr, row, "archived_at", None))
            for name, new in values.items():
                old = getattr(row, name)
                if _text(old) != _text(new):
                    if name != "position":
                        key = _PLAN_KEYS.get(name, name)
                        changes.append(
                            Change(entity, ident, "updated", key, _text(old), _text(new))
                        )
                    apply.append(partial(setattr, row, name, new))
        changes.extend(_moves(entity, existing, wanted))
        for ident, row in existing.items():
            if ident not in wanted and row.archived_at is None:
                changes.append(Change(entity, ident, "archived"))
                apply.append(partial(setattr, row, "archived_at", archive_time))
    return changes, apply


def _moves(
    entity: str, existing: dict[str, Any], wanted: dict[str, dict[str, Any]]
) -> list[Change]:
    """Items whose place among their siblings in the file changed, fewest first.

    Only items in the plan before and after take part: an item added, or restored from
    the archive (whose stored place is from before it was removed), has no old place to
    move from, and its arrival moves no one else. Of the rest, the longest run still in
    its old relative order stayed put; only the items outside that run moved. So an item
    moved up one place is reported once, not along with every item it jumped over.
    """
    if not any("position" in values for values in wanted.values()):
        return []
    file_order = sorted(wanted, key=lambda i: wanted[i]["position"])
    before = {ident: n for n, ident in enumerate(file_order)}
    staying = [i for i in file_order if i in existing and existing[i].archived_at is None]
    # Old places, ties (rows stored before places were recorded) in the file's order.
    old_rank = {i: (existing[i].position or 0, before[i]) for i in staying}
    kept = set(_longest_increasing(staying, old_rank))
    out = []
    for ident in staying:
        if ident not in kept:
            n = before[ident]
            where = f"after {file_order[n - 1]}" if n else "to the start"
            old = str(existing[ident].position)
            out.append(Change(entity, ident, "moved", "position", old, where))
    return out


def _longest_increasing(order: list[str], rank: dict[str, Any]) -> list[str]:
    """The longest subsequence of ``order`` whose ``rank`` increases (the items that kept
    their relative order); the first such run when several are as long."""
    best: list[list[str]] = []
    for i, ident in enumerate(order):
        prior = [best[j] for j in range(i) if rank[order[j]] < rank[ident]]
        longest: list[str] = max(prior, key=len) if prior else []
        best.append([*longest, ident])
    return max(best, key=len) if best else []


def sync_plan(
    engine: Engine, parsed: ParsedPlan, *, source: str, dry_run: bool = False
) -> SyncResult:
    """Bring the database in line with ``parsed``; one transaction, nothing written if unchanged."""
    now = m.utcnow()
    document = parsed.plan.model_dump(mode="json")
    with transaction(engine) as session:
        latest = _latest_version(session)
        changes, apply = _diff(session, parsed.plan, now)
        if latest is not None and latest.document != document:
            changes.extend(_section_changes(latest.document, document))
        if latest is not None and not apply and latest.document == document:
            session.rollback()
            return SyncResult()
        if dry_run:
            session.rollback()
            return SyncResult(changes=changes)
        version = m.PlanVersion(
            loaded_at=now, source=source, sha256=parsed.sha256, document=document
        )
        session.add(version)
        session.flush()
        # Insert in dependency order: owners, objectives, actions, KPIs, meetings.
        for step in apply:
            step()
            session.flush()
        for c in changes:
            session.add(
                m.PlanChange(
                    plan_version_id=version.id or 0,
                    changed_at=now,
                    entity=c.entity,
                    entity_id=c.entity_id,
                    change=c.change,
                    field=c.field,
                    old_value=c.old_value,
                    new_value=c.new_value,
                )
            )
        return SyncResult(changes=changes, plan_version=version.id)


# Sections whose items are rows of their own, each change listed by _diff.
_ITEMISED = frozenset({"owners", "objectives", "kpis", "meetings"})


def _section_changes(old: dict[str, Any], new: dict[str, Any]) -> list[Change]:
    """A change for each setting that differs in the other sections (pack, cycle, rag...),
    so that editing the pack's cut-off is shown by --dry-run and recorded, like an action."""
    import json

    def text(value: Any) -> str | None:
        if value is None:
            return None
        shown = value if isinstance(value, str) else json.dumps(value, sort_keys=True)
        return shown if len(shown) <= 80 else shown[:77] + "..."

    out = []
    for section in sorted(set(old) | set(new)):
        before, after = old.get(section), new.get(section)
        if section in _ITEMISED or before == after:
            continue
        if isinstance(before, dict) and isinstance(after, dict):
            for key in sorted(set(before) | set(after)):
                if before.get(key) != after.get(key):
                    out.append(
                        Change(
                            "plan section",
                            section,
                            "updated",
                            key,
                            text(before.get(key)),
                            text(after.get(key)),
                        )
                    )
        else:
            out.append(Change("plan section", section, "updated"))
    return out


def _latest_version(session: Session) -> m.PlanVersion | None:
    stmt = select(m.PlanVersion).order_by(m.PlanVersion.id.desc()).limit(1)  # type: ignore[union-attr]
    return session.exec(stmt).first()
