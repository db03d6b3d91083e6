"""KPI reports from the database: fetch what evaluation needs, then evaluate.

The thin, stateful half of KPI evaluation. It reads the aggregates of computed
KPIs (``tracker.kpi.measures``: one SQL scan per data set) and the values
recorded for manual ones (``tracker.kpi.manual``) in one connection, and hands
them to the pure ``tracker.kpi.evaluation``. The as-of date is always given: the
command line or the job resolves "today" in the plan's timezone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date
from typing import Any

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


def released_kpi_report(
    engine: Engine, plan: Plan, *, as_of: date, objective: str | None = None
) -> KpiReport:
    """``kpi_report`` as a pack as of ``as_of`` would show it: every figure the release hides
    (protected together with everything released before) is ``[c]`` and unrated.

    What ``tracker kpi show`` prints unless the analyst asks for small numbers: a
    figure shown on screen can be copied into an email, so the screen shows what a pack
    would, and a hidden count cannot be worked out from the screen and the pack together.
    """
    from tracker.release.kpis import released_report

    report = kpi_report(engine, plan, as_of=as_of, objective=objective)
    release = _release(engine, plan, as_of)
    return replace(released_report(report, release), note=_note(report.note, release, as_of))


def released_kpi_history(engine: Engine, plan: Plan, kpi_id: str, *, as_of: date) -> KpiHistory:
    """``kpi_history`` with every figure a release as of ``as_of`` hides shown as ``[c]``."""
    from tracker.release.kpis import released_history

    history = kpi_history(engine, plan, kpi_id, as_of=as_of)
    release = _release(engine, plan, as_of)
    return replace(released_history(history, release), note=_note(history.note, release, as_of))


def _release(engine: Engine, plan: Plan, as_of: date) -> Any:
    """The protection a release as of ``as_of`` would apply, computed and not recorded; where
    none can be made safely, one that hides every figure of a protected data set."""
    from tracker.disclosure import DisclosureError
    from tracker.release import publish
    from tracker.release.kpis import Withheld

    try:
        return publish(engine, plan, as_of=as_of, channel="export", reference="", record=False)
    except DisclosureError as exc:
        return Withheld(plan, exc.message)


def _note(note: str | None, release: Any, as_of: date) -> str | None:
    from tracker.release.kpis import Withheld

    if not isinstance(release, Withheld):
        return note
    said = (
        f"every figure from {' and '.join(release.datasets)} data is shown as [c]: no release "
        f"as of {as_of.isoformat()} can be protected against the figures already released "
        "(docs/disclosure.md); --no-suppress shows them on your own screen"
    )
    return f"{note}; {said}" if note else said


def kpi_histories(
    engine: Engine, plan: Plan, *, as_of: date
) -> list[tuple[KpiResult, list[PeriodResult]]]:
    """Every KPI's summary and all its complete periods, from one scan per data set.

    Small numbers are always suppressed: this is what packs and reviews show.
    """
    kpis = list(plan.kpis)
    return evaluate_histories(plan, fetch_inputs(engine, plan, kpis, as_of=as_of), as_of=as_of)
