"""Counting the cells of a release: one GROUP BY per data set over the months concerned.

Every cell is a sum over (value of one field, month), so the database is
asked once per data set for the counts by month and by every field the cells
use, and each cell is added up from those in Python.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy.orm import Session

from tracker.disclosure.linear import NULL, Cell, month_index
from tracker.plan.schema import Dataset


class MonthlyCounts:
    """Counts (or sums of the data set's count field) by field value and month."""

    def __init__(self) -> None:
        self.by_value: dict[str, dict[str, dict[int, int]]] = {}
        self.total: dict[int, int] = {}
        self.rows: dict[int, int] = {}  # rows (not sums) per month, to tell "no data" from zero

    def cell(self, cell: Cell) -> int:
        lo, hi = month_index(cell.first), month_index(cell.last)
        if not cell.field:
            return sum(n for m, n in self.total.items() if lo <= m <= hi)
        per = self.by_value.get(cell.field, {})
        return sum(n for v in cell.values for m, n in per.get(v, {}).items() if lo <= m <= hi)

    def has_rows(self, first: str, last: str) -> bool:
        lo, hi = month_index(first), month_index(last)
        return any(n for m, n in self.rows.items() if lo <= m <= hi)


def count_cells(session: Session, ds: Dataset, cells: Iterable[Cell]) -> MonthlyCounts:
    from sqlalchemy import func, select
    from sqlmodel import col

    from tracker.db.models import DataRecord

    cells = list(cells)
    out = MonthlyCounts()
    if not cells:
        return out
    fields = sorted({c.field for c in cells if c.field})
    first = min(c.first for c in cells)
    last = max(c.last for c in cells)
    values: Any = DataRecord.values
    month = values[f"{ds.period_field}_month"].as_string()
    groups = [month, *(values[f].as_string() for f in fields)]
    measure: Any = (
        func.coalesce(func.sum(values[ds.count_field].as_integer()), 0)
        if ds.count_field
        else func.count()
    )
    stmt: Any = (
        select(*groups, measure, func.count())
        .where(col(DataRecord.dataset) == ds.name)
        .where(col(DataRecord.withdrawn_at).is_(None))  # withdrawn records count nowhere
        .where(month >= first)
        .where(month <= last)
        .group_by(*groups)
    )
    for row in session.execute(stmt):
        if row[0] is None:
            continue
        m = month_index(str(row[0]))
        n, rows = int(row[-2] or 0), int(row[-1] or 0)
        out.total[m] = out.total.get(m, 0) + n
        out.rows[m] = out.rows.get(m, 0) + rows
        for f, v in zip(fields, row[1:-2], strict=True):
            per = out.by_value.setdefault(f, {}).setdefault(NULL if v is None else str(v), {})
            per[m] = per.get(m, 0) + n
    return out
