"""An objective's rating, rolled up from its actions and KPIs by a rule written down.

Two rules, chosen in the ``rag: objectives:`` section of objectives.yaml:

* ``worst`` (the default): the worst rating among the rated items (red >
  amber > green). When nothing can be rated the objective is complete if
  every action is complete, otherwise grey.
* ``share``: red when at least ``red_share`` per cent of the rated items are
  red; amber when at least ``amber_share`` per cent are red or amber; else
  green. For partnerships that would rather not let one late action colour a
  whole objective.

Rated items are actions and KPIs rated red, amber or green. Complete and grey
actions and grey KPIs are counted but not rated; cancelled actions and
contextual KPIs are listed apart and never counted. ``include: [actions]``
leaves KPIs out of the roll-up. The counts always stand beside the rating.

Pure functions of their arguments: no database, no clock.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from tracker.rag import (
    ACTION_RATINGS,
    AMBER,
    CANCELLED,
    COMPLETE,
    CONTEXTUAL,
    GREEN,
    GREY,
    RED,
    SEVERITY,
    Rating,
)

_SEVERITY = SEVERITY
ROLL_UP_RULES = ("worst", "share")
_ORDER = ACTION_RATINGS  # the order counts are written in


@dataclass(frozen=True)
class RollUpRule:
    rule: str = "worst"
    include_kpis: bool = True
    red_share: float = 25.0
    amber_share: float = 25.0


def _count(ratings: Sequence[Rating]) -> dict[str, int]:
    out: dict[str, int] = {}
    for r in ratings:
        out[r.rating] = out.get(r.rating, 0) + 1
    return out


def _words(counts: dict[str, int]) -> str:
    return ", ".join(f"{counts[r]} {r}" for r in _ORDER if counts.get(r))


def roll_up(
    actions: Sequence[Rating], kpis: Sequence[Rating] = (), rule: RollUpRule | None = None
) -> Rating:
    """The objective's rating from its actions' and KPIs' ratings, by ``rule``."""
    rule = rule or RollUpRule()
    kpis = list(kpis) if rule.include_kpis else []
    counted_actions = [a for a in actions if a.rating != CANCELLED]
    counted_kpis = [k for k in kpis if k.rating != CONTEXTUAL]
    items = counted_actions + counted_kpis
    rated = [i.rating for i in items if i.rating in _SEVERITY]
    action_counts, kpi_counts = _count(counted_actions), _count(counted_kpis)
    inputs = {
        "rule": rule.rule,
        "include": ["actions", "kpis"] if rule.include_kpis else ["actions"],
        "actions": action_counts,
        "kpis": kpi_counts,
        "cancelled": len(actions) - len(counted_actions),
        "contextual": len(kpis) - len(counted_kpis),
    }
    if rule.rule == "share":
        inputs |= {"red_share": rule.red_share, "amber_share": rule.amber_share}

    if not items:
        rating, lead = GREY, "nothing to rate yet"
    elif not rated:
        if counted_actions and all(i.rating == COMPLETE for i in counted_actions):
            n = len(counted_actions)
            rating = COMPLETE
            lead = f"all {n} actions complete" if n > 1 else "its action is complete"
        else:
            rating, lead = GREY, "nothing can be rated yet"
    elif rule.rule == "share":
        reds = rated.count(RED)
        poor = reds + rated.count(AMBER)
        share_red, share_poor = 100 * reds / len(rated), 100 * poor / len(rated)
        if share_red >= rule.red_share:
            rating = RED
            lead = f"{reds} of {len(rated)} rated items red (red from {_num(rule.red_share)}%)"
        elif share_poor >= rule.amber_share:
            rating = AMBER
            lead = (
                f"{poor} of {len(rated)} rated items red or amber "
                f"(amber from {_num(rule.amber_share)}%)"
            )
        else:
            rating = GREEN
            lead = f"{len(rated) - poor} of {len(rated)} rated items green"
    else:
        rating = max(rated, key=lambda r: _SEVERITY[r])
        lead = f"worst of {len(rated)} rated item{'s' if len(rated) != 1 else ''}"

    parts = [lead]
    if counted_actions and rating != COMPLETE:
        parts.append(f"actions: {_words(action_counts)}")
    if counted_kpis:
        parts.append(f"KPIs: {_words(kpi_counts)}")
    apart = []
    if inputs["cancelled"]:
        apart.append(f"{inputs['cancelled']} cancelled")
    if inputs["contextual"]:
        apart.append(f"{inputs['contextual']} contextual")
    if apart:
        parts.append(f"not counted: {', '.join(apart)}")
    return Rating(rating, "; ".join(parts), rule.rule, inputs)


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)
