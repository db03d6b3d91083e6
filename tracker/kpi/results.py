"""What KPI evaluation returns: values, not tables; each knows its stable JSON form.

``tracker.kpi.evaluation`` builds these; ``tracker.render.kpis`` shows them in the
terminal, and the JSON documents of docs/json.md are their ``to_json``. Packs and
emails of later issues read the same values.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from tracker.figures import Figure, plain_number, sparkline
from tracker.periods import Period
from tracker.plan.schema import Kpi
from tracker.rag import Rating


@dataclass(frozen=True)
class Projection:
    """Where a cumulative KPI will be at the review at its average daily rate so far."""

    date: date
    figure: Figure
    rag: str

    def to_json(self) -> dict[str, Any]:
        return {
            "date": self.date.isoformat(),
            "value": self.figure.public(),
            "rag": self.rag,
            "suppressed": self.figure.suppressed,
        }


@dataclass(frozen=True)
class PeriodResult:
    """One period of one KPI: its value, the target for that period, and the rating."""

    period: Period
    figure: Figure
    target: float | None  # for cumulative KPIs, the pro-rata share of the review target
    rating: Rating
    projection: Projection | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "period": self.period.label,
            "start": self.period.start.isoformat(),
            "end": self.period.end.isoformat(),
            "value": self.figure.public(),
            "target": plain_number(self.target),
            "rag": self.rating.rating,
            "rag_reason": self.rating.reason,
            "projection": self.projection.to_json() if self.projection else None,
            "suppressed": self.figure.suppressed,
        }


@dataclass(frozen=True)
class Comparison:
    """The latest value against an earlier period's: improved, worse, same or n/a."""

    period: str | None
    figure: Figure
    direction: str

    def to_json(self) -> dict[str, Any]:
        return {
            "period": self.period,
            "value": self.figure.public(),
            "direction": self.direction,
            "suppressed": self.figure.suppressed,
        }


@dataclass(frozen=True)
class KpiResult:
    """One KPI as ``tracker kpi show`` reports it."""

    kpi: Kpi
    source: str  # the data set it is computed from, or "manual"
    latest: PeriodResult | None  # None before the first period is complete
    pending: Rating  # the rating to show when there is no complete period yet
    previous: Comparison
    year_ago: Comparison
    trend: list[PeriodResult]

    @property
    def rating(self) -> Rating:
        return self.latest.rating if self.latest else self.pending

    @property
    def trend_text(self) -> str:
        return sparkline([r.figure for r in self.trend])

    def to_json(self) -> dict[str, Any]:
        k = self.kpi
        latest = self.latest
        return {
            **definition_json(k, self.source),
            "target_for_period": plain_number(latest.target) if latest else None,
            "period": latest.period.label if latest else None,
            "value": latest.figure.public() if latest else None,
            "rag": self.rating.rating,
            "rag_reason": self.rating.reason,
            "previous": self.previous.to_json(),
            "year_ago": self.year_ago.to_json(),
            "trend": [r.figure.public() for r in self.trend],
            "trend_periods": [r.period.label for r in self.trend],
            "trend_text": self.trend_text,
            "projection": latest.projection.to_json() if latest and latest.projection else None,
            "suppressed": latest.figure.suppressed if latest else False,
        }


@dataclass(frozen=True)
class KpiReport:
    """Every KPI (or one objective's) as on a date."""

    plan_name: str
    as_of: date
    threshold: int
    unsuppressed: bool
    note: str | None
    kpis: list[KpiResult] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "as_of": self.as_of.isoformat(),
            "plan": self.plan_name,
            "note": self.note,
            "suppression_threshold": self.threshold,
            "unsuppressed": self.unsuppressed,
            "kpis": [k.to_json() for k in self.kpis],
        }


@dataclass(frozen=True)
class KpiHistory:
    """Every complete period of one KPI."""

    kpi: Kpi
    source: str
    as_of: date
    threshold: int
    unsuppressed: bool
    note: str | None
    periods: list[PeriodResult]
    pending: Rating

    def to_json(self) -> dict[str, Any]:
        k = self.kpi
        return {
            "as_of": self.as_of.isoformat(),
            "note": self.note,
            "suppression_threshold": self.threshold,
            "unsuppressed": self.unsuppressed,
            "kpi": definition_json(k, self.source),
            "periods": [p.to_json() for p in self.periods],
        }


def definition_json(k: Kpi, source: str) -> dict[str, Any]:
    """How a KPI is defined, as both JSON documents show it (tolerance last)."""
    return {
        "id": k.id,
        "name": k.name,
        "objective": k.objective,
        "source": source,
        "unit": k.unit,
        "direction": k.direction,
        "frequency": k.frequency,
        "cumulative": k.cumulative,
        "target": plain_number(k.target),
        "tolerance": plain_number(k.tolerance),
    }
