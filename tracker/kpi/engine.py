"""KPI evaluation: each KPI's value per period, rated against its target, with its trend.

This is where a KPI definition from objectives.yaml meets the data: the
values of every complete period since the strategy start come from one SQL
query per computed KPI (``tracker.kpi.measures``) or from the values owners
recorded (``tracker.kpi.manual``); ``tracker.rag.kpis`` rates them and
compares them. Disclosure control is applied here, before anything leaves
the engine, so no renderer or JSON consumer ever holds a small number it
should not show. docs/kpis.md explains the rules for officers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy.engine import Connection, Engine

from tracker.disclosure import MARKER, is_small
from tracker.figures import (
    Figure,
    fmt_number,
    fmt_value,
    plain_number,
    pro_rata_target,
    projection,
    round_half_up,
    sparkline,
)
from tracker.kpi.manual import recorded_values
from tracker.kpi.measures import Aggregate, Request, kpi_aggregates
from tracker.periods import Period, period_of, periods_between
from tracker.plan.lookup import find_kpi, find_objective
from tracker.plan.schema import Kpi, Plan
from tracker.rag import CONTEXTUAL, GREY, Rating
from tracker.rag.kpis import NA, direction_of_travel, rate

TREND_LENGTH = 4
_GRAIN_NOUN = {"month": "month", "quarter": "quarter", "year": "financial year"}


# --- results -----------------------------------------------------------------------------


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
            **_definition_json(k, self.source),
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
            "kpi": _definition_json(k, self.source),
            "periods": [p.to_json() for p in self.periods],
        }


# --- entry points --------------------------------------------------------------------------


def evaluate_kpis(
    engine: Engine,
    plan: Plan,
    *,
    as_of: date | None = None,
    objective: str | None = None,
    unsuppressed: bool = False,
) -> KpiReport:
    """Each KPI's latest complete period as on ``as_of`` (default: today where the plan is).

    ``unsuppressed=True`` shows small numbers: for an analyst's own screen,
    never for anything distributed.
    """
    day = as_of or plan.today()
    kpis = list(plan.kpis)
    if objective is not None:
        wanted = find_objective(plan, objective).id
        kpis = [k for k in kpis if k.objective == wanted]
    with engine.connect() as conn:
        series = _load(conn, plan, kpis, _until(plan, day), suppress=not unsuppressed)
    results = [s.summary() for s in series]
    return KpiReport(
        plan_name=plan.plan.name,
        as_of=day,
        threshold=plan.plan.suppression_threshold,
        unsuppressed=unsuppressed,
        note=_note(plan, day),
        kpis=results,
    )


def kpi_history(
    engine: Engine,
    plan: Plan,
    kpi_id: str,
    *,
    as_of: date | None = None,
    unsuppressed: bool = False,
) -> KpiHistory:
    """Every complete period of one KPI from the strategy start to ``as_of``."""
    kpi = find_kpi(plan, kpi_id)
    day = as_of or plan.today()
    with engine.connect() as conn:
        (series,) = _load(conn, plan, [kpi], _until(plan, day), suppress=not unsuppressed)
    periods = [series.result(p) for p in series.periods]
    return KpiHistory(
        kpi=kpi,
        source=series.source,
        as_of=day,
        threshold=plan.plan.suppression_threshold,
        unsuppressed=unsuppressed,
        note=_note(plan, day),
        periods=periods,
        pending=series.pending(),
    )


def kpi_histories(
    engine: Engine, plan: Plan, *, as_of: date
) -> list[tuple[KpiResult, list[PeriodResult]]]:
    """Every KPI's summary and all its complete periods, from one scan per data set.

    Small numbers are always suppressed: this is what packs and reviews show.
    """
    with engine.connect() as conn:
        series = _load(conn, plan, list(plan.kpis), _until(plan, as_of), suppress=True)
    return [(s.summary(), [s.result(p) for p in s.periods]) for s in series]


def _until(plan: Plan, day: date) -> date:
    """KPIs measure the strategy: after its end they stand as they were at the end."""
    return min(day, plan.plan.end)


def _note(plan: Plan, day: date) -> str | None:
    s = plan.plan
    if day > s.end:
        return (
            f"the strategy period ended on {s.end.isoformat()}: KPIs are shown as they stood "
            "then; load the next plan to measure the period after it"
        )
    if day < s.start:
        return f"the strategy starts on {s.start.isoformat()}: no period is complete yet"
    return None


# --- the values of one KPI, period by period --------------------------------------------------


def _load(
    conn: Connection, plan: Plan, kpis: list[Kpi], as_of: date, *, suppress: bool
) -> list[_Series]:
    """The series of each KPI, with every computed KPI's values from one scan per data set."""
    series = [_Series(plan, kpi, as_of, suppress=suppress) for kpi in kpis]
    requests = [r for s in series if (r := s.request()) is not None]
    aggregates = kpi_aggregates(conn, plan, requests) if requests else {}
    for s in series:
        if s.measure.kind == "manual":
            s.manual = recorded_values(conn, s.kpi.id)
        else:
            s.aggregates = aggregates.get(s.kpi.id, {})
        if s.kpi.cumulative:
            s.running_totals()
    return series


class _Series:
    """All complete periods of one KPI, with values fetched once and rated on demand."""

    def __init__(self, plan: Plan, kpi: Kpi, as_of: date, *, suppress: bool):
        self.plan = plan
        self.kpi = kpi
        self.as_of = as_of
        self.fy = plan.plan.financial_year_start_month
        self.start = plan.plan.start
        self.review = plan.plan.review
        self.threshold = plan.plan.suppression_threshold
        self.measure = kpi.measure
        dataset = plan.dataset(self.measure.dataset or "") if self.measure.dataset else None
        self.source = dataset.name if dataset else "manual"
        self.suppress = suppress and dataset is not None and dataset.small_number_suppression
        self.periods = [
            p for p in periods_between(self.start, as_of, kpi.frequency, self.fy) if p.end <= as_of
        ]
        self.aggregates: dict[str, Aggregate] = {}
        self.manual: dict[str, float] = {}
        self._cumulative: dict[str, Figure] = {}

    def request(self) -> Request | None:
        """What to compute in the database: None for manual KPIs or before any period ends."""
        if self.measure.kind == "manual" or not self.periods:
            return None
        if self.kpi.cumulative:
            return Request(self.kpi, self.start, self.periods[-1].end, since=self.start)
        first = self.periods[0].year_earlier().start
        return Request(self.kpi, first, self.periods[-1].end)

    # figures

    def figure(self, p: Period) -> Figure:
        """The value of ``p`` as a reader may see it."""
        if self.measure.kind == "manual":
            return Figure.shown(self.manual.get(p.label))
        if self.kpi.cumulative:
            return self._cumulative.get(p.label, Figure.no_data())
        agg = self.aggregates.get(p.label)
        if agg is None or agg.rows == 0 or agg.value is None:
            return Figure.no_data()
        return self._disclose(self._rounded(agg.value), agg)

    def _rounded(self, value: float) -> float:
        if self.measure.kind in ("count", "sum"):
            return round_half_up(value)
        return round_half_up(value, 1)

    def _hidden(self, value: float, *, countable: bool) -> Figure:
        # One marker for every hidden figure, and no bounds: a reader of [c] cannot tell a
        # small count from any other hidden figure, so nothing may be rated from its range.
        del countable
        return Figure(value, True, None, MARKER)

    def _disclose(self, value: float, agg: Aggregate) -> Figure:
        """Hide the figure if it (or the rows behind it) would show a small number."""
        if not self.suppress:
            return Figure.shown(value)
        small = self.threshold
        kind = self.measure.kind
        if kind == "count" and (is_small(value, small) or self._small_rest(agg)):
            return self._hidden(value, countable=True)
        if kind == "sum" and (is_small(value, small) or is_small(agg.matched, small)):
            return self._hidden(value, countable=True)
        if kind == "percentage":
            num = agg.numerator or 0
            if any(is_small(n, small) for n in (agg.matched, num, agg.matched - num)):
                return self._hidden(value, countable=False)
        if kind in ("mean_days", "median_days") and is_small(agg.matched, small):
            return self._hidden(value, countable=False)
        return Figure.shown(value)

    def _small_rest(self, agg: Aggregate) -> bool:
        """True when a filtered count leaves 1 to threshold-1 other rows in the period.

        The period's total is published (as an unfiltered count KPI, or by
        ``tracker data summary``), so the rest could be found by subtraction.
        """
        filtered = bool(self.measure.where or self.measure.where_not)
        return filtered and is_small(agg.rows - agg.matched, self.threshold)

    def running_totals(self) -> None:
        """Cumulative KPIs (count or sum): the total from the strategy start to each period end.

        A period in which the data set has no rows at all has no data (grey);
        the total carries on in later periods. On a suppressed data set a
        total is hidden when it is small, or when the period's own addition
        to it is (it could be recovered by subtracting the previous total).
        """
        total = 0.0
        for p in self.periods:
            agg = self.aggregates.get(p.label)
            added = (agg.value or 0.0) if agg else 0.0
            total += added
            if agg is None or agg.rows == 0:
                self._cumulative[p.label] = Figure.no_data()
                continue
            value = self._rounded(total)
            figure = Figure.shown(value)
            if self.suppress:
                if is_small(value, self.threshold):
                    figure = self._hidden(value, countable=True)
                elif (
                    is_small(added, self.threshold)
                    or is_small(agg.matched, self.threshold)
                    or (self.measure.kind == "count" and self._small_rest(agg))
                ):
                    figure = self._hidden(value, countable=False)
            self._cumulative[p.label] = figure

    # ratings

    def result(self, p: Period) -> PeriodResult:
        figure = self.figure(p)
        kpi = self.kpi
        if not kpi.cumulative or kpi.target is None:
            rating = self._empty_rating(p, figure) or rate(
                figure,
                kpi.target,
                direction=kpi.direction,
                tolerance=kpi.tolerance,
                unit=kpi.unit,
                period=p.label,
            )
            return PeriodResult(p, figure, kpi.target, rating)
        return self._cumulative_result(p, figure, kpi.target)

    def _empty_rating(self, p: Period, figure: Figure) -> Rating | None:
        """Why a period with rows has no value (no denominator, no usable dates)."""
        agg = self.aggregates.get(p.label)
        if figure.has_data or agg is None or agg.rows == 0:
            return None
        rag = CONTEXTUAL if self.kpi.target is None else GREY
        if self.measure.kind == "percentage":
            return Rating(
                rag,
                f"nothing to take a percentage of: no {self.source} rows in {p.label} "
                "match the measure",
            )
        return Rating(
            rag,
            f"no {self.source} rows in {p.label} with both {self.measure.from_field} "
            f"and {self.measure.to_field}",
        )

    def _cumulative_result(self, p: Period, figure: Figure, target: float) -> PeriodResult:
        kpi = self.kpi
        due = self._rounded(pro_rata_target(target, self.start, p.end, self.review))
        if not figure.has_data:
            return PeriodResult(p, figure, due, Rating(GREY, f"no data yet for {p.label}"))
        if figure.suppressed:
            so_far = f"{figure.label} {kpi.unit}" if figure.label else "a hidden number"
        else:
            so_far = fmt_value(figure.value or 0.0, kpi.unit)
        projected = projection(figure.value or 0.0, self.start, p.end, self.review)
        if projected is None:  # the review has passed: rate the total itself
            rating = rate(
                figure,
                target,
                direction=kpi.direction,
                tolerance=kpi.tolerance,
                unit=kpi.unit,
                period=p.label,
                subject=f"{so_far} by {p.end.isoformat()}",
                target_words=f"the target for the review on {self.review.isoformat()} of",
            )
            return PeriodResult(p, figure, due, rating)
        value = self._rounded(projected)
        if figure.suppressed:
            scale = projected / figure.value if figure.value else 0.0
            bounds = (figure.bounds[0] * scale, figure.bounds[1] * scale) if figure.bounds else None
            projected_figure = Figure(value, True, bounds, None)
            at_rate = "a hidden number"
        else:
            projected_figure = Figure.shown(value)
            at_rate = fmt_number(value)
        rating = rate(
            projected_figure,
            target,
            direction=kpi.direction,
            tolerance=kpi.tolerance,
            unit=kpi.unit,
            period=p.label,
            subject=(
                f"{so_far} by {p.end.isoformat()} (pro-rata target {fmt_number(due)}); "
                f"at this rate {at_rate} by the review on {self.review.isoformat()}"
            ),
        )
        return PeriodResult(
            p, figure, due, rating, Projection(self.review, projected_figure, rating.rating)
        )

    def pending(self) -> Rating:
        """The rating before any period is complete."""
        first = period_of(self.start, self.kpi.frequency, self.fy)
        noun = _GRAIN_NOUN[self.kpi.frequency]
        words = f"no complete {noun} yet: the first, {first.label}, ends on {first.end.isoformat()}"
        return Rating(CONTEXTUAL if self.kpi.target is None else GREY, words)

    def compare(self, latest: PeriodResult, other: Period) -> Comparison:
        if self.kpi.cumulative and other.label not in self._cumulative:
            figure = Figure.no_data()  # before the strategy start: no running total
        else:
            figure = self.figure(other)
        return Comparison(
            other.label, figure, direction_of_travel(latest.figure, figure, self.kpi.direction)
        )

    def summary(self) -> KpiResult:
        if not self.periods:
            none = Comparison(None, Figure.no_data(), NA)
            return KpiResult(self.kpi, self.source, None, self.pending(), none, none, [])
        latest_period = self.periods[-1]
        latest = self.result(latest_period)
        trend = [self.result(p) for p in self.periods[-TREND_LENGTH:]]
        return KpiResult(
            kpi=self.kpi,
            source=self.source,
            latest=latest,
            pending=self.pending(),
            previous=self.compare(latest, latest_period.previous()),
            year_ago=self.compare(latest, latest_period.year_earlier()),
            trend=trend,
        )


def _definition_json(k: Kpi, source: str) -> dict[str, Any]:
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
