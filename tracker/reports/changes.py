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
from tracker.wording import day_text


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


def changes_since(
    previous: Mapping[str, Any],
    actions: Sequence[ActionLine],
    objectives: Sequence[ObjectiveLine] = (),
    kpis: Sequence[KpiLine] = (),
) -> tuple[Change, ...]:
    """Ratings that moved, actions completed, new reds and new overrides, in plan order:
    actions first (one line each: an override made as the rating moved is told on its
    line), then objectives and KPIs whose rating moved (records made before packs kept
    those hold none, and none are listed)."""
    before: Mapping[str, Any] = previous.get("actions", {})
    out: list[Change] = []
    for a in actions:
        old = before.get(a.id)
        if old is None:
            out.append(Change("added", a.id, a.title, "", rag_word(a.rating), "new since then"))
            continue
        was, now = old.get("rating"), a.rating
        overridden = bool(a.override_rating) and a.override_rating != old.get("override")
        override = ""
        if overridden:
            override = f"overridden to {rag_word(a.override_rating)}: {a.override_reason or ''}"
            if a.override_until:
                override += f" (until {day_text(a.override_until)})"
        if was != now:
            if now == "complete":
                kind, detail = "completed", a.reason
            elif now == "red":
                kind, detail = "new red", a.reason
            else:
                kind, detail = "moved", a.reason
            if overridden:
                detail = override
            out.append(Change(kind, a.id, a.title, rag_word(was), rag_word(now), detail))
        elif overridden:
            told = override.removeprefix("overridden ")  # the line reads "Override: to Green..."
            out.append(
                Change("override", a.id, a.title, rag_word(a.computed_rating), rag_word(now), told)
            )
    for group, lines in (("objectives", objectives), ("kpis", kpis)):
        held: Mapping[str, Any] = previous.get(group) or {}
        for line in lines:
            old = held.get(line.id)
            if old is None or old.get("rating") == line.rating:
                continue
            title = line.title if isinstance(line, ObjectiveLine) else line.name
            kind = "new red" if line.rating == "red" else "moved"
            out.append(
                Change(
                    kind,
                    line.id,
                    title,
                    rag_word(old.get("rating")),
                    rag_word(line.rating),
                    line.reason,
                )
            )
    return tuple(out)
