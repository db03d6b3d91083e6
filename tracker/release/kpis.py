"""KPI reports as a release may show them: what the publication hides is hidden, and unrated.

A KPI computed from a protected data set is a released figure like a table
cell (``tracker.disclosure.layout.kpi_cells``), so the pack, the emails and
the review take KPI reports through ``released_report``: every figure the
publication hides -- and every figure the KPI engine hides on its own rules
(means of few rows, say) -- is shown as the one marker ``[c]``, with no
rating, no direction of travel and no projection, because each of those
would say something about the hidden number (a red against a target of 6
says it is below 6). Figures of manual KPIs and unprotected data sets pass
through unchanged.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Protocol

from tracker.disclosure.model import MARKER
from tracker.figures import Figure
from tracker.kpi.results import Comparison, KpiHistory, KpiReport, KpiResult, PeriodResult
from tracker.rag import CONTEXTUAL, GREY, Rating
from tracker.rag.kpis import NA


class Hides(Protocol):
    """What the functions here ask of a release: whether it hides a KPI's figure."""

    def kpi_hidden(self, kpi_id: str, period: str) -> bool: ...


class Withheld:
    """In place of a release that cannot be protected (the figures already released leave no
    safe way to publish these): every figure of a count or percentage KPI of a protected
    data set is hidden, whatever its period. Nothing is given away by what is not shown."""

    def __init__(self, plan: Any, reason: str) -> None:
        self.reason = reason
        self.datasets = tuple(d.name for d in plan.datasets if d.small_number_suppression)
        self._kpis = frozenset(
            k.id
            for k in plan.kpis
            if k.measure.dataset in self.datasets and k.measure.kind in ("count", "percentage")
        )

    def kpi_hidden(self, kpi_id: str, period: str) -> bool:
        return kpi_id in self._kpis


def _hidden(figure: Figure, kpi_id: str, period: str, pub: Hides) -> bool:
    return figure.suppressed or pub.kpi_hidden(kpi_id, period)


def _period(result: PeriodResult, kpi_id: str, pub: Hides, contextual: bool) -> PeriodResult:
    label = result.period.label
    if not _hidden(result.figure, kpi_id, label, pub):
        return result
    figure = Figure(result.figure.value, True, None, MARKER)
    rating = Rating(
        CONTEXTUAL if contextual else GREY,
        f"the figure for {label} is confidential ({MARKER}) and is not rated, so that "
        "nothing reveals it",
        rule="disclosure",
    )
    return replace(result, figure=figure, rating=rating, projection=None)


def _comparison(c: Comparison, kpi_id: str, pub: Hides, latest_hidden: bool) -> Comparison:
    hidden = c.period is not None and _hidden(c.figure, kpi_id, c.period, pub)
    figure = Figure(c.figure.value, True, None, MARKER) if hidden else c.figure
    return replace(c, figure=figure, direction=NA if hidden or latest_hidden else c.direction)


def _result(r: KpiResult, pub: Hides) -> KpiResult:
    kid = r.kpi.id
    contextual = r.kpi.target is None
    latest = _period(r.latest, kid, pub, contextual) if r.latest else None
    latest_hidden = latest is not None and latest.figure.suppressed
    return replace(
        r,
        latest=latest,
        previous=_comparison(r.previous, kid, pub, latest_hidden),
        year_ago=_comparison(r.year_ago, kid, pub, latest_hidden),
        trend=[_period(p, kid, pub, contextual) for p in r.trend],
    )


def released_result(result: KpiResult, pub: Hides) -> KpiResult:
    """One KPI's summary as a release may show it."""
    return _result(result, pub)


def released_period(result: PeriodResult, kpi: Any, pub: Hides) -> PeriodResult:
    """One period of a KPI as a release may show it."""
    return _period(result, kpi.id, pub, kpi.target is None)


def released_report(report: KpiReport, pub: Hides) -> KpiReport:
    """``report`` with every figure ``pub`` (or the engine) hides shown as the marker, unrated."""
    return replace(report, kpis=[_result(r, pub) for r in report.kpis])


def released_history(history: KpiHistory, pub: Hides) -> KpiHistory:
    """A KPI's history as a release may show it."""
    contextual = history.kpi.target is None
    periods = [_period(p, history.kpi.id, pub, contextual) for p in history.periods]
    return replace(history, periods=periods)
