"""The ``pack:`` section of objectives.yaml: how Steering Group packs are compiled.

A pack reports the period that ends at its *cut-off*, a date before the
meeting, so that owners' updates, data imports and the compiling all happen in
time for the pack to be circulated about a week ahead. Councils usually close
the books at a month end; some count back a fixed number of days instead. The
protective marking (for example OFFICIAL-SENSITIVE) is printed in the header
of every page of the pack, the review workbook and the review paper.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from tracker.plan.base import PlanModel

Marking = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60)]
KpiRef = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^KPI\d+\.\d+$")]

CUTOFFS = ("end_of_previous_month", "days_before")


class PackSettings(PlanModel):
    """Defaults: OFFICIAL-SENSITIVE, cut-off the last day of the month before the meeting."""

    marking: Marking = Field(
        default="OFFICIAL-SENSITIVE", description="protective marking printed on every page"
    )
    cutoff: Literal["end_of_previous_month", "days_before"] = Field(
        default="end_of_previous_month",
        description="how a meeting's as-of date is found: the last day of the month before it, "
        "or cutoff_days before it",
    )
    cutoff_days: int = Field(default=14, ge=1, le=120, description="days before, for days_before")
    headline_kpis: list[KpiRef] = Field(
        default_factory=list,
        description="KPIs shown on the pack's Summary sheet; empty: every KPI",
    )

    def cutoff_for(self, meeting: date) -> date:
        """The as-of date of the pack for a meeting on ``meeting``."""
        if self.cutoff == "days_before":
            return meeting - timedelta(days=self.cutoff_days)
        return meeting.replace(day=1) - timedelta(days=1)
