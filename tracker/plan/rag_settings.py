"""The ``rag:`` section of objectives.yaml: the thresholds of the RAG rules, in the plan.

A partnership agrees how far behind plan an action may fall before it is
amber or red, and how an objective's rating is rolled up from its actions and
KPIs (when owners' updates are due is the ``cycle:`` section's return
deadline). Those choices belong in the plan, next to the actions they judge,
so that everyone reading the plan can see them and a change to them is
recorded like any other plan change. Every key has a default (docs/plan.md),
so a plan without the section is rated the documented way.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from tracker.plan.base import PlanModel

DEFAULT_AMBER_BEHIND = 15.0
DEFAULT_RED_BEHIND = 30.0
DEFAULT_SHARE = 25.0


Include = Literal["actions", "kpis"]
INCLUDE: tuple[Include, ...] = ("actions", "kpis")


class ObjectiveRollUp(PlanModel):
    """How an objective's rating is rolled up from its actions and KPIs."""

    rule: Literal["worst", "share"] = Field(
        default="worst",
        description="worst: the worst rated item; share: by the share of red and amber items",
    )
    include: list[Include] = Field(default_factory=lambda: list(INCLUDE), min_length=1)
    red_share: float = Field(
        default=DEFAULT_SHARE, gt=0, le=100, description="share rule: red from this % red"
    )
    amber_share: float = Field(
        default=DEFAULT_SHARE,
        gt=0,
        le=100,
        description="share rule: amber from this % red or amber",
    )


class RagSettings(PlanModel):
    """Thresholds and the roll-up rule (see docs/rag.md for how they are used)."""

    amber_behind: float = Field(
        default=DEFAULT_AMBER_BEHIND,
        ge=0,
        le=100,
        description="amber when progress is more than this many points behind expected",
    )
    red_behind: float = Field(
        default=DEFAULT_RED_BEHIND,
        ge=0,
        le=100,
        description="red when progress is more than this many points behind expected",
    )
    objectives: ObjectiveRollUp = Field(default_factory=ObjectiveRollUp)
