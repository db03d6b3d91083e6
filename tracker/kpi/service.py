"""KPI reports from the database: fetch what evaluation needs, then evaluate.

The thin, stateful half of KPI evaluation. It reads the aggregates of computed
KPIs (``tracker.kpi.measures``: one SQL scan per data set) and the values
recorded for manual ones (``tracker.kpi.manual``) in one connection, and hands
them to the pure ``tracker.kpi.evaluation``. The as-of date is always given: the
command line or the job resolves "today" in the plan's timezone.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy.engine import Engine

from tracker.kpi.evaluation import (
    KpiInputs,
    evaluate_histories,
    evaluate_history,
    evaluate_kpis,
    requests_for,
    select_kpis,
)
from tracker.kpi.results import KpiHistory, KpiReport, KpiResult, PeriodResult
from tracker.plan.lookup import find_kpi
from tracker.plan.schema import Kpi, Plan


def fetch_inputs(engine: Engine, plan: Plan, kpis: Sequence[Kpi], *, as_of: date) -> KpiInputs:
    """The aggregates and recorded values ``kpis`` need as on ``as_of``, in one connection."""
    from tracker.kpi.manual import recorded_values
    from tracker.kpi.measures import kpi_aggregates

    requests = requests_for(plan, kpis, as_of)
    with engine.connect() as conn:
        aggregates = kpi_aggregates(conn, plan, requests) if requests else {}
        manual = {k.id: recorded_values(conn, k.id) for k in kpis if k.measure.kind == "manual"}
    return KpiInputs(aggregates=aggregates, manual=manual)


def kpi_report(
    engine: Engine,
    plan: Plan,
    *,
    as_of: date,
    objective: str | None = None,
    unsuppressed: bool = False,
) -> KpiReport:
    """Each KPI's (or one objective's KPIs') latest complete period as on ``as_of``."""
    kpis = select_kpis(plan, objective)
    inputs = fetch_inputs(engine, plan, kpis, as_of=as_of)
    return evaluate_kpis(plan, kpis, inputs, as_of=as_of, unsuppressed=unsuppressed)


def kpi_history(
    engine: Engine, plan: Plan, kpi_id: str, *, as_of: date, unsuppressed: bool = False
) -> KpiHistory:
    """Every complete period of one KPI from the strategy start to ``as_of``."""
    kpi = find_kpi(plan, kpi_id)
    inputs = fetch_inputs(engine, plan, [kpi], as_of=as_of)
    return evaluate_history(plan, kpi, inputs, as_of=as_of, unsuppressed=unsuppressed)


def kpi_histories(
    engine: Engine, plan: Plan, *, as_of: date
) -> list[tuple[KpiResult, list[PeriodResult]]]:
    """Every KPI's summary and all its complete periods, from one scan per data set.

    Small numbers are always suppressed: this is what packs and reviews show.
    """
    kpis = list(plan.kpis)
    return evaluate_histories(plan, fetch_inputs(engine, plan, kpis, as_of=as_of), as_of=as_of)
