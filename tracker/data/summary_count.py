"""Counting for ``tracker data summary``: one GROUP BY over the stored JSON values, and the axes.

Split from ``tracker.data.summary`` so that each reads on its own: this module
asks the database for the grouped counts (and, for filtered summaries, the
unfiltered counts of the same groups in the same pass), and lays out the
values along each dimension, periods without rows included.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

from tracker.data.dimensions import norm
from tracker.errors import InvalidValueError
from tracker.periods import parse_period, periods_between

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from tracker.data.dimensions import Condition, Dimension, Value
    from tracker.plan.schema import Dataset


def count_groups(
    engine: Engine,
    ds: Dataset,
    dims: Sequence[Dimension],
    conditions: Sequence[Condition],
    start: date | None,
    end: date | None,
    *,
    unfiltered: bool = False,
) -> tuple[dict[tuple[Value, ...], int], dict[tuple[Value, ...], int] | None]:
    """One GROUP BY over the stored JSON values: counts (or sums) by each combination.

    With ``unfiltered`` (and some conditions), the same pass also counts every row
    of each group, conditions or not, for disclosure control; those counts come
    second (else None). The filtered counts list only groups with a matching row.
    """
    from sqlalchemy import and_, case, func, select
    from sqlmodel import Session

    from tracker.db.models import DataRecord

    values: Any = DataRecord.values

    def column(dim: Dimension) -> Any:
        item = values[dim.source]
        return item.as_integer() if dim.kind == "integer" else item.as_string()

    def matches(cond: Condition) -> Any:
        item = column(cond.dim)
        if cond.dim.kind == "text":
            return func.lower(item) == str(cond.value).lower()
        return item == cond.value

    groups = [column(d) for d in dims]
    amount: Any = values[ds.count_field].as_integer() if ds.count_field else None
    both = unfiltered and bool(conditions)
    stmt: Any
    if both:
        matched = and_(*(matches(c) for c in conditions))
        filtered_measure: Any
        all_measure: Any
        if amount is not None:
            filtered_measure = func.coalesce(func.sum(case((matched, amount))), 0)
            all_measure = func.coalesce(func.sum(amount), 0)
        else:
            filtered_measure = func.count(case((matched, 1)))
            all_measure = func.count()
        stmt = select(*groups, func.count(case((matched, 1))), filtered_measure, all_measure)
        stmt = stmt.where(DataRecord.dataset == ds.name)
        stmt = stmt.where(DataRecord.withdrawn_at.is_(None))  # type: ignore[union-attr]
    else:
        measure = func.coalesce(func.sum(amount), 0) if amount is not None else func.count()
        stmt = select(*groups, measure).where(DataRecord.dataset == ds.name)  # type: ignore[arg-type]
        stmt = stmt.where(DataRecord.withdrawn_at.is_(None))  # type: ignore[union-attr]
        for cond in conditions:
            stmt = stmt.where(matches(cond))
    when = values[ds.period_field].as_string()
    if start:
        stmt = stmt.where(when >= start.isoformat())
    if end:
        stmt = stmt.where(when <= end.isoformat())
    if groups:
        stmt = stmt.group_by(*groups)
    out: dict[tuple[Value, ...], int] = {}
    everything: dict[tuple[Value, ...], int] | None = {} if both else None
    n = len(dims)
    with Session(engine) as session:
        for row in session.execute(stmt):
            key = tuple(row[:n])
            if everything is None:
                out[key] = out.get(key, 0) + int(row[n] or 0)
                continue
            if row[n]:  # some row of the group matches the conditions
                out[key] = out.get(key, 0) + int(row[n + 1] or 0)
            everything[key] = everything.get(key, 0) + int(row[n + 2] or 0)
    return out, everything


def axes_of(
    dims: Sequence[Dimension],
    counts: dict[tuple[Value, ...], int],
    start: date | None,
    end: date | None,
    start_month: int,
) -> list[list[Value]]:
    axes = []
    for i, dim in enumerate(dims):
        seen = {key[i] for key in counts}
        known = [v for v in seen if not dim.is_unknown(v)]
        if dim.kind in ("category", "group"):
            declared = [v for v in dim.declared if v != dim.unknown_value]
            extra = sorted((str(v) for v in known if v not in dim.declared), key=norm)
            axis: list[Value] = [*declared, *extra]
            if dim.unknown_value is not None or len(known) < len(seen):
                axis.append(dim.unknown_key())
        else:
            if dim.name == "period":
                axis = _period_axis(dim, known, start, end, start_month)
            elif dim.kind == "integer":
                axis = sorted(known, key=lambda v: int(str(v)))
            elif dim.kind == "text":
                axis = sorted(known, key=lambda v: (norm(str(v)), str(v)))
            else:
                axis = sorted(known, key=str)
            if len(known) < len(seen):
                axis.append(None)
        axes.append(axis)
    return axes


def _period_axis(
    dim: Dimension, seen: list[Value], start: date | None, end: date | None, start_month: int
) -> list[Value]:
    """Every period from the first to the last (or --from to --to), empty ones too."""
    assert dim.grain is not None
    labels = sorted(str(v) for v in seen)
    try:
        firsts = [parse_period(label, start_month) for label in labels]
    except InvalidValueError:
        return list(labels)
    first = start or (min(p.start for p in firsts) if firsts else None)
    last = end or (max(p.end for p in firsts) if firsts else None)
    if first is None or last is None:
        return list(labels)
    axis: list[Value] = [p.label for p in periods_between(first, last, dim.grain, start_month)]
    axis += [label for label in labels if label not in axis]
    return axis


def cross(axes: Sequence[Sequence[Value]]) -> list[tuple[Value, ...]]:
    from itertools import product

    return list(product(*axes))


def periods_with_rows(
    engine: Engine, ds: Dataset, grain: str, start: date | None, end: date | None
) -> set[str]:
    """The periods of ``grain`` in which the data set has any row at all (filters aside)."""
    from sqlalchemy import func, select
    from sqlmodel import Session, col

    from tracker.db.models import DataRecord

    values: Any = DataRecord.values
    label = values[f"{ds.period_field}_{grain}"].as_string()
    when = values[ds.period_field].as_string()
    stmt: Any = (
        select(label, func.count())
        .where(col(DataRecord.dataset) == ds.name)
        .where(col(DataRecord.withdrawn_at).is_(None))
    )
    if start:
        stmt = stmt.where(when >= start.isoformat())
    if end:
        stmt = stmt.where(when <= end.isoformat())
    with Session(engine) as session:
        return {str(r[0]) for r in session.execute(stmt.group_by(label)) if r[0] is not None}
