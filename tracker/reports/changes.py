"""What changed since the previous pack, from the ratings that pack recorded.

Each compiled pack records every action's rating, reason, status and override,
and every objective's and KPI's rating and reason, as it showed them
(``snapshot``). The next pack compares its own lines with that record, not with
ratings recomputed for the old date, so "what changed" always matches what the
group actually read last time.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from tracker.reports.model import ActionLine, Change, KpiLine, ObjectiveLine, rag_word


def snapshot(
    actions: Sequence[ActionLine],
    objectives: Sequence[ObjectiveLine] = (),
    kpis: Sequence[KpiLine] = (),
) -> dict[str, Any]:
    """What a pack record keeps of its ratings: every action, objective and KPI as shown.

    ``tracker rag explain`` reads an item's rating at the previous pack from here
    (``recorded_rating``), so it says what the group was shown, not a recomputation.
    """
    return {
        "actions": {
            a.id: {
                "rating": a.rating,
                "reason": a.reason,
                "status": a.status,
                "override": a.override_rating,
            }
            for a in actions
        },
        "objectives": {o.id: {"rating": o.rating, "reason": o.reason} for o in objectives},
        "kpis": {k.id: {"rating": k.rating, "reason": k.reason} for k in kpis},
    }


def recorded_rating(snap: Mapping[str, Any], kind: str, ident: str) -> tuple[str, str] | None:
    """(rating, reason) of ``ident`` (kind action, kpi or objective) as a recorded pack
    showed it, or None when the record does not hold it (records made before packs kept
    KPIs and objectives, or before actions kept their reasons)."""
    group = {"action": "actions", "kpi": "kpis", "objective": "objectives"}[kind]
    item = (snap.get(group) or {}).get(ident)
    if not item or "rating" not in item or "reason" not in item:
        return None
    return str(item["rating"]), str(item["reason"])


def changes_since(previous: Mapping[str, Any], actions: Sequence[ActionLine]) -> tuple[Change, ...]:
    """Ratings that moved, actions completed, new reds and new overrides, in plan order."""
    before: Mapping[str, Any] = previous.get("actions", {})
    out: list[Change] = []
    for a in actions:
        old = before.get(a.id)
        if old is None:
            out.append(Change("added", a.id, a.title, "", rag_word(a.rating), "new since then"))
            continue
        was, now = old.get("rating"), a.rating
        if was != now:
            if now == "complete":
                kind, detail = "completed", "completed since the previous pack"
            elif now == "red":
                kind, detail = "new red", a.reason
            else:
                kind, detail = "moved", a.reason
            out.append(Change(kind, a.id, a.title, rag_word(was), rag_word(now), detail))
        if a.override_rating and a.override_rating != old.get("override"):
            detail = f"overridden to {rag_word(a.override_rating)}: {a.override_reason or ''}"
            if a.override_until:
                detail += f" (until {a.override_until.isoformat()})"
            out.append(
                Change(
                    "override", a.id, a.title, rag_word(a.computed_rating), rag_word(now), detail
                )
            )
    return tuple(out)
