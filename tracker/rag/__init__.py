"""Ratings that explain themselves: the one vocabulary, and the rules that give them.

Every rating in tracker, for an action, an objective or a KPI, is a ``Rating``:
the rating word and one sentence saying why, so the Steering Group can see why
an item is red without asking. The words and the order they are shown in are
defined here once; plan validation, the console, the renderers, the JSON, and
later the packs and emails all read them from here.

- ``tracker.rag.actions``: the action rules (``rate_action``: dates, progress against
  expected, the owner's own view, overrides, the "update overdue" flag);
- ``tracker.rag.expected``: expected progress, straight or through milestones;
- ``tracker.rag.objectives``: an objective rolled up from its actions and KPIs (``roll_up``);
- ``tracker.rag.kpis``: a KPI figure against its target, and direction of travel.

Everything in this package is a pure function of its arguments: no database, no
clock, no terminal.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

GREEN, AMBER, RED = "green", "amber", "red"
GREY = "grey"  # cannot be assessed: not started yet, cancelled, no data, or a hidden figure
COMPLETE = "complete"  # actions only: counted on its own (councils often show it blue)
CONTEXTUAL = "contextual"  # KPIs only: an indicator shown for context, with no target
CANCELLED = "cancelled"  # actions only: listed apart, never counted

# Every rating, in the order tables, counts and reasons show them.
RATINGS = (RED, AMBER, GREEN, COMPLETE, GREY, CONTEXTUAL, CANCELLED)
# The ratings an action is counted under (a cancelled action is listed apart).
ACTION_RATINGS = (RED, AMBER, GREEN, COMPLETE, GREY)
KPI_RATINGS = (RED, AMBER, GREEN, GREY, CONTEXTUAL)
# The order of the action counts in the status JSON document (docs/json.md), kept as
# published so scripts reading it do not break; people see ``ACTION_RATINGS`` order.
JSON_COUNT_ORDER = (GREEN, AMBER, RED, GREY, COMPLETE)
# The ratings an owner may give their own action (``--rag``), worst first.
OWNER_RATINGS = (RED, AMBER, GREEN)
# Ratings that say how delivery is going, from best to worst; the others sit outside the scale.
SEVERITY = {GREEN: 0, AMBER: 1, RED: 2}


@dataclass(frozen=True)
class Rating:
    """A rating (one of ``RATINGS``) and a short sentence explaining it.

    ``rule`` names the rule that decided it and ``inputs`` the figures it used,
    where a report wants to show its working; neither takes part in equality, so
    two ratings are the same when they say the same thing.
    """

    rating: str
    reason: str
    rule: str | None = field(default=None, compare=False)
    inputs: Mapping[str, Any] = field(default_factory=dict, compare=False)


def count_ratings(ratings: list[str] | tuple[str, ...], order: tuple[str, ...]) -> dict[str, int]:
    """How many of each rating in ``order``, every one present (zero included)."""
    return {r: sum(1 for x in ratings if x == r) for r in order}
