"""``tracker rag explain``: one rating's working, as of any date, and what it was at the last pack.

A Steering Group member asks "why is SO4.5 red, and was it red last time?".
The answer is the rule that decided the rating, the inputs it used, the
sentence, and the rating at the previous pack: the last recorded pack whose
as-of date falls before the date asked about, and the rating that pack recorded
(what the group was shown). Where no pack is recorded yet, the previous pack is
found from the meetings in the plan (``tracker.ratings.previous_pack``) and its
rating recomputed for that pack's cut-off.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from tracker.plan.lookup import not_found, resolve_id
from tracker.plan.schema import Plan
from tracker.rag.actions import ActionRating, label


@dataclass(frozen=True)
class PreviousRating:
    """The rating as of the previous pack's as-of date."""

    meeting: str
    as_of: date
    source: str  # "recorded pack" or "plan cut-off"
    rating: Any  # Rating

    def to_json(self) -> dict[str, Any]:
        return {
            "meeting": self.meeting,
            "as_of": self.as_of.isoformat(),
            "source": self.source,
            "rag": self.rating.rating,
            "reason": self.rating.reason,
            "rule": self.rating.rule,
        }


@dataclass(frozen=True)
class Explanation:
    kind: str  # action | kpi | objective
    id: str
    title: str
    as_of: date
    rating: Any  # Rating (an ActionRating for actions)
    previous: PreviousRating | None

    @property
    def changed(self) -> bool | None:
        """Whether the rating moved since the previous pack (None: no previous pack)."""
        return None if self.previous is None else self.previous.rating.rating != self.rating.rating

    @property
    def sentence(self) -> str:
        return f"{label(self.rating.rating)}: {self.rating.reason}"

    def to_json(self) -> dict[str, Any]:
        r = self.rating
        doc: dict[str, Any] = {
            "kind": self.kind,
            "id": self.id,
            "title": self.title,
            "as_of": self.as_of.isoformat(),
            "rag": r.rating,
            "reason": r.reason,
            "sentence": self.sentence,
            "rule": r.rule,
            "inputs": plain(r.inputs),
        }
        if isinstance(r, ActionRating):
            full = r.to_json()
            doc |= {k: full[k] for k in ("computed", "self_rag", "override", "flags")}
        doc["previous_pack"] = self.previous.to_json() if self.previous else None
        doc["changed_since_previous_pack"] = self.changed
        return doc


def plain(value: Any) -> Any:
    """Inputs as JSON: dates as ISO text, mappings and sequences walked."""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


def _kind(plan: Plan, ident: str) -> tuple[str, str, str]:
    """(kind, id as the plan spells it, title) of an action, KPI or objective id."""
    actions = {a.id: a.title for a in plan.actions()}
    kpis = {k.id: k.name for k in plan.kpis}
    objectives = {o.id: o.short_title for o in plan.objectives}
    for kind, known in (("action", actions), ("kpi", kpis), ("objective", objectives)):
        wanted = resolve_id(ident, known)
        if wanted in known:
            return kind, wanted, known[wanted]
    raise not_found("action, KPI or objective", ident.strip(), [*objectives, *actions, *kpis])


def _rating(engine: Any, plan: Plan, kind: str, ident: str, as_of: date) -> Any:
    from sqlmodel import Session

    from tracker.ratings import action_ratings, kpi_ratings, rate_plan

    if kind == "action":
        with Session(engine) as session:
            return action_ratings(session, plan, as_of)[ident]
    if kind == "kpi":
        return kpi_ratings(engine, plan, as_of)[ident]
    return rate_plan(engine, plan, as_of).objectives[ident]


def previous_pack_date(
    engine: Any, plan: Plan, as_of: date
) -> tuple[str, date, str, dict[str, Any] | None] | None:
    """(meeting id, as-of date, source, recorded ratings) of the last pack before ``as_of``.

    The last recorded pack compiled as of an earlier date, with the ratings it
    recorded (``tracker.reports.changes.snapshot``); where none is recorded, the
    plan's cut-offs, with no recorded ratings (None).
    """
    from sqlmodel import Session, col, select

    from tracker.db.models import PackRecord
    from tracker.ratings import previous_pack

    with Session(engine) as session:
        row = session.exec(
            select(PackRecord)
            .where(PackRecord.kind == "pack", col(PackRecord.as_of) < as_of)
            .order_by(col(PackRecord.as_of).desc(), col(PackRecord.id).desc())
        ).first()
    if row is not None:
        source = f"recorded pack {row.file_name}"
        return row.meeting_id or "pack", row.as_of, source, dict(row.snapshot or {})
    found = previous_pack(plan, as_of)
    if found is None:
        return None
    meeting, day = found
    return meeting.id, day, "plan cut-off", None


def explain(engine: Any, plan: Plan, ident: str, *, as_of: date) -> Explanation:
    """The rating of ``ident`` (an action, KPI or objective) on ``as_of``, with its working.

    At the previous pack: the rating that pack recorded, as the group was shown it. A
    pack recorded before packs kept every rating (KPIs and objectives, and actions'
    reasons), or no recorded pack at all, is recomputed for its as-of date: the same
    engine over the same data gives the same rating, unless an update dated before
    that date was recorded after the pack was compiled (the source says which).
    """
    from tracker.rag import Rating
    from tracker.reports.changes import recorded_rating

    kind, wanted, title = _kind(plan, ident)
    rating = _rating(engine, plan, kind, wanted, as_of)
    previous = None
    found = previous_pack_date(engine, plan, as_of)
    if found is not None:
        meeting, day, source, recorded = found
        shown = recorded_rating(recorded, kind, wanted) if recorded is not None else None
        if shown is not None:
            then = Rating(shown[0], shown[1], "recorded in the pack", {})
        else:
            then = _rating(engine, plan, kind, wanted, day)
            if recorded is not None:
                source += " (recomputed: the record does not hold this rating)"
        previous = PreviousRating(meeting, day, source, then)
    return Explanation(kind, wanted, title, as_of, rating, previous)
