"""The SQL behind each kind of KPI measure: GROUP BY queries run in the database.

A data set can hold hundreds of thousands of rows, so a KPI is never computed
by loading rows into Python. Rows are grouped by the period labels the
importer stored with every row (``received_on_quarter``, ``received_on_year``
and so on, see docs/kpis.md), and each KPI is a set of conditional aggregates
over those groups:

* ``rows``: rows of the data set in the period, whatever the filters (a
  period with none has no data yet, which is not the same as zero);
* ``matched``: the rows behind the figure (matching ``where``, not matching
  ``where_not``; for day measures, with both dates present);
* the figure itself: a count, a sum, a percentage, or a mean or median of days.

Reading a row's JSON is what costs time, so all the KPIs on one data set
share one scan: a single query per data set returns, per period group, one
column per KPI (``SUM(CASE WHEN <filters> THEN 1 ELSE 0 END)`` and the like).
Medians cannot be added up across KPIs, so each median KPI has its own query,
numbering rows with ``ROW_NUMBER()``/``COUNT()`` window functions. Only
SQLAlchemy's portable JSON accessors and standard window functions are used,
so the same SQL runs on SQLite (3.25 or later) and PostgreSQL.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Float, and_, case, cast, func, or_, select, true
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col

from tracker.db.models import DataRecord
from tracker.plan.schema import Dataset, Filter, Kpi, Plan

COMPUTED_KINDS = ("count", "sum", "percentage", "mean_days", "median_days")


@dataclass(frozen=True)
class Aggregate:
    """One period of one computed KPI, straight from the database."""

    rows: int  # rows of the data set in the period, whatever the filters
    matched: int  # rows behind the figure
    value: float | None  # count, sum, percentage or days; None when it cannot be computed
    numerator: int | None = None  # percentage only: rows also matching the numerator


@dataclass(frozen=True)
class Request:
    """A computed KPI to evaluate over data dated ``first_day`` to ``last_day`` (inclusive).

    ``since`` (cumulative KPIs: the strategy start) drops earlier rows from
    the figure itself; ``first_day`` only bounds the scan.
    """

    kpi: Kpi
    first_day: date
    last_day: date
    since: date | None = None


# --- filters -------------------------------------------------------------------------------


def _values(flt: Filter) -> Sequence[tuple[str, list[str]]]:
    return [(name, [v] if isinstance(v, str) else list(v)) for name, v in flt.items()]


def canonical_values(dataset: Dataset, name: str, values: list[str]) -> list[Any]:
    """Filter values as they are stored: canonical spellings, group names, integers.

    On a category field a value or alias means that value, and a group name
    that is not itself a value means every value in the group. On ``F_group``
    a group name means itself and a value means its group (Schools ->
    Education). Integer fields compare as integers; anything else exactly.
    """
    fields = {f.name: f for f in dataset.fields}
    field = fields.get(name)
    if field is not None and field.type == "integer":
        out: list[Any] = []
        for v in values:
            try:
                out.append(int(v))
            except ValueError:
                continue  # plan check reports it; it matches nothing here
        return out
    base = fields.get(name.removesuffix("_group")) if name.endswith("_group") else None
    source = field if field is not None else base
    if source is None or not source.values:
        return list(values)
    spelling = {s.casefold(): v for v in source.values for s in (v.value, *v.aliases)}
    groups: dict[str, list[str]] = {}
    group_names: dict[str, str] = {}
    for cv in source.values:
        if cv.group:
            groups.setdefault(cv.group.casefold(), []).append(cv.value)
            group_names[cv.group.casefold()] = cv.group
    resolved: list[str] = []
    for raw in values:
        key = raw.casefold()
        if field is None:  # a _group derived field
            if key in group_names:
                resolved.append(group_names[key])
            elif key in spelling:
                known = spelling[key]
                resolved.append(known.group or known.value)
            else:
                resolved.append(raw)
        elif key in spelling:
            resolved.append(spelling[key].value)
        elif key in groups:
            resolved.extend(groups[key])
        else:
            resolved.append(raw)
    return list(dict.fromkeys(resolved))


def _is_integer(dataset: Dataset, name: str) -> bool:
    field = next((f for f in dataset.fields if f.name == name), None)
    return (field is not None and field.type == "integer") or name.endswith("_day")


def _json(dataset: Dataset, name: str) -> ColumnElement[Any]:
    """One value of a row's JSON, typed as the data set declares it."""
    if _is_integer(dataset, name):
        return DataRecord.values[name].as_integer()
    return DataRecord.values[name].as_string()


def _fields_used(dataset: Dataset, kpi: Kpi) -> set[str]:
    m = kpi.measure
    names = {*m.where, *m.where_not, *m.numerator}
    if m.kind == "sum" and m.field:
        names.add(m.field)
    if m.kind in ("mean_days", "median_days"):
        names |= {f"{m.from_field}_day", f"{m.to_field}_day"}
    return names


class _Rows:
    """The data set's rows in a date range, with the JSON values the KPIs need as columns."""

    def __init__(
        self, dataset: Dataset, names: Iterable[str], grains: Iterable[str], first: date, last: date
    ) -> None:
        self.dataset = dataset
        day = DataRecord.values[f"{dataset.period_field}_day"].as_integer()
        self.names = sorted(set(names))
        self.grains = sorted(set(grains))
        columns = [
            DataRecord.values[f"{dataset.period_field}_{g}"].as_string().label(f"period_{g}")
            for g in self.grains
        ]
        columns.append(day.label("period_day"))
        columns += [_json(dataset, n).label(f"f{i}") for i, n in enumerate(self.names)]
        self.sub = (
            select(*columns)
            .where(
                col(DataRecord.dataset) == dataset.name,
                col(DataRecord.withdrawn_at).is_(None),  # withdrawn records count nowhere
                day >= first.toordinal(),
                day <= last.toordinal(),
            )
            # OFFSET 0 keeps the database from merging this query into the outer one,
            # so each JSON value is read once per row, not once per KPI that uses it
            # (half the time on PostgreSQL, a fifth less on SQLite).
            .offset(0)
            .subquery()
        )

    def col(self, name: str) -> Any:
        return self.sub.c[f"f{self.names.index(name)}"]

    def period(self, grain: str) -> Any:
        return self.sub.c[f"period_{grain}"]

    def matches(self, flt: Filter) -> list[ColumnElement[bool]]:
        """Each field's value is one of the filter's values."""
        return [
            self.col(name).in_(canonical_values(self.dataset, name, values))
            for name, values in _values(flt)
        ]

    def excludes(self, flt: Filter) -> list[ColumnElement[bool]]:
        """Each ``where_not`` field removes the rows it matches (rows with no value stay)."""
        out = []
        for name, values in _values(flt):
            col = self.col(name)
            out.append(or_(col.is_(None), col.not_in(canonical_values(self.dataset, name, values))))
        return out

    def selected(self, req: Request) -> ColumnElement[bool]:
        """The rows behind ``req``'s figure, before any day measure's date check."""
        m = req.kpi.measure
        conditions = self.matches(m.where) + self.excludes(m.where_not)
        if req.since is not None:
            conditions.append(self.sub.c.period_day >= req.since.toordinal())
        return and_(*conditions) if conditions else true()

    def days(self, req: Request) -> tuple[ColumnElement[bool], Any]:
        """(usable, days): rows with both dates, and the days between them."""
        m = req.kpi.measure
        start, end = self.col(f"{m.from_field}_day"), self.col(f"{m.to_field}_day")
        return and_(self.selected(req), start.is_not(None), end.is_not(None)), end - start


# --- one scan per data set --------------------------------------------------------------------


def _scan_query(rows: _Rows, requests: list[Request]) -> Any:
    """Per period group: the row count, then three columns per KPI (matched, amount, extra)."""
    columns: list[Any] = [rows.period(g) for g in rows.grains]
    columns.append(func.count().label("rows"))
    for i, req in enumerate(requests):
        m = req.kpi.measure
        chosen = rows.selected(req)
        amount: Any = None
        extra: Any = None
        if m.kind == "mean_days":
            chosen, days = rows.days(req)
            amount = func.sum(case((chosen, days), else_=None))
        elif m.kind == "sum":
            amount = func.sum(case((chosen, rows.col(m.field or "")), else_=None))
        elif m.kind == "percentage":
            numerator = and_(chosen, *rows.matches(m.numerator))
            extra = func.sum(case((numerator, 1), else_=0))
        columns.append(func.sum(case((chosen, 1), else_=0)).label(f"k{i}_matched"))
        if amount is not None:
            columns.append(amount.label(f"k{i}_amount"))
        if extra is not None:
            columns.append(extra.label(f"k{i}_extra"))
    groups = [rows.period(g) for g in rows.grains]
    return select(*columns).group_by(*groups)


def _median_query(rows: _Rows, req: Request) -> Any:
    """Per period of ``req``: rows, usable rows, and the median of the days between the dates.

    Usable rows of each period are numbered in order of days; the middle one
    (or the two middle ones, averaged) is the median. ``blank`` keeps the
    other rows in a partition of their own, so they neither shift the
    numbering nor count.
    """
    period = rows.period(req.kpi.frequency)
    usable, days = rows.days(req)
    base = select(
        period.label("period"),
        case((usable, days), else_=None).label("d"),
        case((usable, 0), else_=1).label("blank"),
    ).subquery()
    part = (base.c.period, base.c.blank)
    ranked = select(
        base.c.period,
        base.c.d,
        base.c.blank,
        func.row_number().over(partition_by=part, order_by=base.c.d).label("rn"),
        func.count().over(partition_by=part).label("cnt"),
    ).subquery()
    middle = and_(
        ranked.c.blank == 0,
        ranked.c.rn.in_([(ranked.c.cnt + 1) // 2, (ranked.c.cnt + 2) // 2]),
    )
    return select(
        ranked.c.period,
        func.count().label("rows"),
        func.count(ranked.c.d).label("matched"),
        func.avg(cast(case((middle, ranked.c.d), else_=None), Float)).label("value"),
    ).group_by(ranked.c.period)


def _final(kind: str, rows: int, matched: int, amount: float | None, extra: int) -> Aggregate:
    if kind == "count":
        return Aggregate(rows, matched, float(matched))
    if kind == "sum":
        return Aggregate(rows, matched, float(amount or 0))
    if kind == "percentage":
        return Aggregate(rows, matched, 100.0 * extra / matched if matched else None, extra)
    # mean_days
    return Aggregate(
        rows, matched, float(amount) / matched if matched and amount is not None else None
    )


def kpi_aggregates(
    conn: Connection, plan: Plan, requests: Sequence[Request]
) -> dict[str, dict[str, Aggregate]]:
    """Every requested KPI's aggregates: KPI id -> period label -> Aggregate.

    One query per data set (plus one per median KPI). Periods in which the
    data set has no rows are absent.
    """
    out: dict[str, dict[str, Aggregate]] = {r.kpi.id: {} for r in requests}
    by_dataset: dict[str, list[Request]] = defaultdict(list)
    for req in requests:
        m = req.kpi.measure
        if m.kind not in COMPUTED_KINDS or not m.dataset or plan.dataset(m.dataset) is None:
            raise ValueError(f"KPI {req.kpi.id} is not computed from a declared data set")
        by_dataset[m.dataset].append(req)
    for name, reqs in by_dataset.items():
        dataset = plan.dataset(name)
        assert dataset is not None
        first = min(r.first_day for r in reqs)
        last = max(r.last_day for r in reqs)
        rows = _Rows(
            dataset,
            {n for r in reqs for n in _fields_used(dataset, r.kpi)},
            {r.kpi.frequency for r in reqs},
            first,
            last,
        )
        scanned = [r for r in reqs if r.kpi.measure.kind != "median_days"]
        if scanned:
            _collect_scan(conn, rows, scanned, out)
        for req in reqs:
            if req.kpi.measure.kind == "median_days":
                for row in conn.execute(_median_query(rows, req)):
                    if row.period is not None:
                        out[req.kpi.id][str(row.period)] = Aggregate(
                            int(row.rows),
                            int(row.matched),
                            float(row.value) if row.value is not None else None,
                        )
    return out


def _collect_scan(
    conn: Connection, rows: _Rows, requests: list[Request], out: dict[str, dict[str, Aggregate]]
) -> None:
    """Run the data set's scan and add its groups up into each KPI's own periods."""
    # groups are the combinations of every grain's label; a KPI adds up those sharing its label
    totals: list[dict[str, list[float]]] = [defaultdict(lambda: [0, 0, 0.0, 0]) for _ in requests]
    for row in conn.execute(_scan_query(rows, requests)).mappings():
        for i, req in enumerate(requests):
            label = row[f"period_{req.kpi.frequency}"]
            if label is None:
                continue
            acc = totals[i][str(label)]
            acc[0] += int(row["rows"])
            acc[1] += int(row[f"k{i}_matched"] or 0)
            amount = row.get(f"k{i}_amount")
            if amount is not None:
                acc[2] += float(amount)
            acc[3] += int(row.get(f"k{i}_extra") or 0)
    for i, req in enumerate(requests):
        kind = req.kpi.measure.kind
        for label, (n_rows, matched, amount, extra) in totals[i].items():
            out[req.kpi.id][label] = _final(
                kind, int(n_rows), int(matched), amount if matched else None, int(extra)
            )
