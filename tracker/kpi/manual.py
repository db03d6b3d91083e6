"""Values of manual KPIs, entered by their owners with ``tracker kpi record``.

Some KPIs (cohesion events held, tension assessments shared) are not in any
data set: the owner reports a number each period. Values are append-only:
recording again for the same period adds a new row, and the latest recorded
is the one in force, so the earlier figure and who gave it are never lost.
Only the KPI's owner or a plan administrator may record, and only a value
that makes sense for the KPI (its period length, inside the strategy, not in
the future, and a number ``tracker.kpi.values`` accepts: finite, 0 or more,
within a bound set by its target, whole when the KPI counts whole things).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy.engine import Connection, Engine
from sqlmodel import select

from tracker.db import models as m
from tracker.db.engine import transaction
from tracker.errors import InvalidValueError
from tracker.kpi.values import check_kpi_value
from tracker.people import acting_person, check_may_act
from tracker.periods import EXAMPLE_LABELS, GRAIN_ADJECTIVES, parse_period
from tracker.plan.lookup import find_kpi
from tracker.plan.schema import Kpi, Plan
from tracker.progress import SOURCES
from tracker.usertext import clean_note, plan_addresses, screen_free_text


def record_kpi_value(
    engine: Engine,
    plan: Plan,
    *,
    kpi_id: str,
    period: str,
    value: float | str,
    note: str | None = None,
    by: str | None,
    source: str = "cli",
    today: date,
) -> m.KpiValue:
    """Check and store one value of a manual KPI; return the saved row.

    Raises a TrackerError (and writes nothing) if the KPI is computed, the
    person may not record it, or the period, value or note is not acceptable.
    """
    kpi = find_kpi(plan, kpi_id)
    if kpi.measure.kind != "manual":
        raise InvalidValueError(
            f"{kpi.id} is computed from data set {kpi.measure.dataset}, not recorded by hand",
            hint=f"import the data with 'tracker data import {kpi.measure.dataset} FILE' instead",
        )
    who = acting_person(by, doing=f"recording {kpi.id}")
    owner = plan.owner(kpi.owner) if kpi.owner else None
    check_may_act(plan, who, owner, act="record", item=kpi.id)
    fy = plan.plan.financial_year_start_month
    p = parse_period(period, fy)
    if p.grain != kpi.frequency:
        raise InvalidValueError(
            f"period '{period.strip()}' is a {p.grain} but {kpi.id} is "
            f"{GRAIN_ADJECTIVES[kpi.frequency]}",
            hint=f"give a {kpi.frequency} such as {EXAMPLE_LABELS[kpi.frequency]}",
        )
    s = plan.plan
    if p.end < s.start or p.start > s.end:
        raise InvalidValueError(
            f"period {p.label} is outside the strategy period {s.start} to {s.end}",
            hint="give a period inside it",
        )
    if p.start > today:
        raise InvalidValueError(
            f"period {p.label} has not started yet (it starts on {p.start})",
            hint="record it once the period has begun",
        )
    number = check_kpi_value(kpi, _number(value, kpi))
    text = clean_note(note)
    text = " ".join(text.split()) if text else None  # a KPI note is one line in the pack
    screen_free_text(text, field="note", allowed_emails=plan_addresses(plan))
    if source not in SOURCES:
        raise InvalidValueError(
            f"source '{source}' is not known", hint=f"use one of {', '.join(SOURCES)}"
        )
    row = m.KpiValue(
        kpi_id=kpi.id,
        period=p.label,
        value=number,
        note=text or None,
        by=who,
        source=source,
        recorded_at=m.utcnow(),
    )
    with transaction(engine) as session:
        session.add(row)
    return row


def _number(value: float | str, kpi: Kpi) -> float:
    """A value as people type it: 12, 12.5, 1,250 or 45% (for a KPI measured in %)."""
    if isinstance(value, int | float):
        return float(value)
    text = value.strip().replace(",", "")
    if text.endswith("%") and kpi.unit == "%":
        text = text[:-1].strip()
    try:
        if "_" in text:  # float() takes 1_000; a person never means it
            raise ValueError(text)
        return float(text)
    except ValueError:
        raise InvalidValueError(
            f"value '{value}' for {kpi.id} is not a number",
            hint="give a number such as 12 or 12.5"
            + (" (a percentage may end with %)" if kpi.unit == "%" else ""),
        ) from None


def recorded_values(conn: Connection, kpi_id: str) -> dict[str, float]:
    """Period label -> the value in force (the latest recorded, by time then id)."""
    stmt = (
        select(m.KpiValue.period, m.KpiValue.value)
        .where(m.KpiValue.kpi_id == kpi_id)
        .order_by(m.KpiValue.recorded_at, m.KpiValue.id)  # type: ignore[arg-type]
    )
    out: dict[str, float] = {}
    for period, value in conn.execute(stmt):
        out[period] = float(value)  # later rows overwrite earlier: the latest wins
    return out
