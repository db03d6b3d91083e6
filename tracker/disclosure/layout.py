"""The cells of every declared table and KPI as of a date, and the tables built from them.

A declared table (``publications: tables`` in the plan) has one row per value
of its row field (or per group, or groups with their members), one column per
complete period of its window, a total column (the window so far) and a total
row. Each of those figures is a ``Cell`` (``tracker.disclosure.linear``), so
a count shown in two tables, or in a table and a KPI, or in two packs, is the
same cell and is protected once. The periods run on the plan's financial
year; a window never runs past the strategy's end (as KPIs do).

The whole-group rule (docs/disclosure.md): when all of a period's rows fall
in one row of a table (all of a quarter's referrals from one district, say)
and the period has rows, the figure is hidden as if it were small, with the
zeros beside it, so a reader cannot tell that the whole group is in one
category. Rows of unknown values do not count as a category for this rule.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Literal

from tracker.disclosure.linear import NULL, Cell
from tracker.periods import Period, period_of, periods_between
from tracker.plan.publications import TableDeclaration, unspecified_label
from tracker.plan.schema import Dataset, Kpi, Plan

UNKNOWN_WORDS = frozenset(
    {"not known", "not specified", "unknown", "not stated", "not recorded", "prefer not to say"}
)
RowKind = Literal["value", "group", "member", "total"]


def month_of(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def universe(ds: Dataset, field: str) -> tuple[str, ...]:
    """Every value a field can hold in a cell: its declared values, and null if optional."""
    f = next(x for x in ds.fields if x.name == field)
    values = tuple(v.value for v in f.values or [])
    return (*values, NULL) if not f.required else values


@dataclass(frozen=True)
class RowSpec:
    label: str
    kind: RowKind
    values: tuple[str, ...] | None  # None: all rows (the total row)
    unknown: bool = False
    levels: frozenset[int] = frozenset()
    """The partitions of the field the row belongs to: 0 by groups, 1 by values."""


@dataclass(frozen=True)
class TableLayout:
    """Where each figure of a declared table comes from, as of one date."""

    decl: TableDeclaration
    dataset: Dataset
    field: str  # the row field ("" for a table of totals only)
    periods: tuple[Period, ...]
    rows: tuple[RowSpec, ...]

    @property
    def first(self) -> str:
        return month_of(self.periods[0].start)

    @property
    def last(self) -> str:
        return month_of(self.periods[-1].end)

    def cell(self, row: RowSpec, period: Period | None) -> Cell:
        first, last = (
            (month_of(period.start), month_of(period.end)) if period else (self.first, self.last)
        )
        if row.values is None:
            return Cell.of(self.dataset.name, "", (), first, last)
        return Cell.of(self.dataset.name, self.field, row.values, first, last)

    def cells(self) -> list[Cell]:
        """Row by row: the period cells, then the row's total."""
        return [self.cell(r, p) for r in self.rows for p in (*self.periods, None)]

    def group_rule(self, counts: Mapping[Cell, int]) -> dict[Cell, list[Cell]]:
        """Whole-group cells (all of a column's rows in one category) and the zeros beside them."""
        out: dict[Cell, list[Cell]] = {}
        for level in (0, 1):
            rows = [r for r in self.rows if level in r.levels]
            if len(rows) < 2:
                continue
            for p in (*self.periods, None):
                cells = [(r, self.cell(r, p)) for r in rows]
                nonzero = [(r, c) for r, c in cells if counts[c] > 0]
                if len(nonzero) == 1 and not nonzero[0][0].unknown:
                    out[nonzero[0][1]] = [c for r, c in cells if c != nonzero[0][1]]
        return out


def _rows(ds: Dataset, decl: TableDeclaration) -> tuple[str, tuple[RowSpec, ...]]:
    total = RowSpec("Total", "total", None)
    if decl.rows is None:
        return "", (total,)
    base = decl.rows.removesuffix("_group")
    f = next(x for x in ds.fields if x.name == base)
    values = f.values or []
    both = frozenset({0, 1})
    null = () if f.required else (RowSpec("Not recorded", "value", (NULL,), True, both),)

    def unknown(label: str) -> bool:
        return " ".join(label.split()).casefold() in UNKNOWN_WORDS

    if decl.rows == base and not decl.hierarchy:
        rows = [RowSpec(v.value, "value", (v.value,), unknown(v.value), both) for v in values]
        return base, (*rows, *null, total)
    groups: dict[str, list[str]] = {}
    for v in values:
        groups.setdefault(v.group or v.value, []).append(v.value)
    out: list[RowSpec] = []
    for g, members in groups.items():
        if len(members) == 1:
            levels = both if decl.hierarchy else frozenset({0})
            out.append(RowSpec(g, "value", tuple(members), unknown(g), levels))
            continue
        out.append(RowSpec(g, "group", tuple(members), unknown(g), frozenset({0})))
        if decl.hierarchy:
            for m in members:
                label = unspecified_label(m) if m == g else m
                out.append(RowSpec(label, "member", (m,), unknown(m), frozenset({1})))
    return base, (*out, *null, total)


def window_periods(plan: Plan, decl: TableDeclaration, as_of: date) -> tuple[Period, ...]:
    """The complete periods a table shows as of ``as_of`` (never past the strategy's end)."""
    fy = plan.plan.financial_year_start_month
    until = min(as_of, plan.plan.end)
    if decl.window == "strategy":
        first = plan.plan.start
    else:
        done = [
            p for p in periods_between(plan.plan.start, until, decl.columns, fy) if p.end <= until
        ]
        anchor = done[-1].start if done else until
        first = period_of(anchor, "year", fy).start
    return tuple(p for p in periods_between(first, until, decl.columns, fy) if p.end <= until)


def table_layouts(plan: Plan, as_of: date) -> list[TableLayout]:
    """Every declared table with at least one complete period as of ``as_of``."""
    out = []
    for decl in plan.publications.tables:
        ds = plan.dataset(decl.dataset)
        if ds is None:
            continue
        periods = window_periods(plan, decl, as_of)
        if not periods:
            continue
        field, rows = _rows(ds, decl)
        out.append(TableLayout(decl, ds, field, periods, rows))
    return out


# --- KPIs -------------------------------------------------------------------------------


@dataclass(frozen=True)
class KpiCells:
    """The cells behind one released KPI figure: a count, or a percentage's two counts."""

    kpi: Kpi
    period: Period
    count: Cell  # the count, or the percentage's denominator
    numerator: Cell | None = None


def _values(ds: Dataset, flt: Mapping[str, object]) -> tuple[str, set[str]] | None:
    """(field, values) a one-field filter selects, or None if it names no field."""
    if not flt:
        return None
    ((name, wanted),) = flt.items()
    base = name.removesuffix("_group")
    f = next(x for x in ds.fields if x.name == base)
    items = wanted if isinstance(wanted, list) else [wanted]
    chosen = {str(w) for w in items}
    if name != base:
        return base, {v.value for v in f.values or [] if (v.group or v.value) in chosen}
    return base, chosen


def kpi_periods(plan: Plan, kpi: Kpi, as_of: date) -> list[Period]:
    """Every complete period of a KPI that its reports can show (from a year before the start)."""
    fy = plan.plan.financial_year_start_month
    until = min(as_of, plan.plan.end)
    first = period_of(plan.plan.start, kpi.frequency, fy)
    start = first.start if kpi.cumulative else first.year_earlier().start
    return [p for p in periods_between(start, until, kpi.frequency, fy) if p.end <= until]


def kpi_cells(plan: Plan, as_of: date, kpis: Sequence[Kpi]) -> list[KpiCells]:
    """The cells of every count and percentage KPI of a protected data set, period by period."""
    out = []
    for kpi in kpis:
        m = kpi.measure
        ds = plan.dataset(m.dataset or "")
        if ds is None or not ds.small_number_suppression or m.kind not in ("count", "percentage"):
            continue
        selected = _select(ds, m.where, m.where_not)
        if selected is None:
            continue
        for p in kpi_periods(plan, kpi, as_of):
            first = month_of(plan.plan.start if kpi.cumulative else p.start)
            last = month_of(p.end)
            field, values = selected
            count = Cell.of(ds.name, field, values, first, last)
            numerator = None
            if m.kind == "percentage":
                chosen = _values(ds, m.numerator)
                if chosen is None:
                    continue
                nfield, nvalues = chosen
                if field and nfield != field:
                    continue
                base = set(values) if field else set(universe(ds, nfield))
                numerator = Cell.of(ds.name, nfield, base & nvalues, first, last)
                if not field:
                    count = Cell.of(ds.name, "", (), first, last)
            out.append(KpiCells(kpi, p, _normal(ds, count), numerator and _normal(ds, numerator)))
    return out


def complements(ds: Dataset, kc: KpiCells) -> list[Cell]:
    """The counts a reader gets by subtracting a KPI's figures from figures also released:
    the rows outside a KPI's selection (from the period's total) and, of a percentage, the
    rows counted but not in the numerator. Never shown, but small ones are protected."""
    out = []
    c = kc.count
    if c.field:
        out.append(
            Cell.of(ds.name, c.field, set(universe(ds, c.field)) - set(c.values), c.first, c.last)
        )
    if kc.numerator is not None and kc.numerator.field:
        n = kc.numerator
        base = set(c.values) if c.field else set(universe(ds, n.field))
        out.append(Cell.of(ds.name, n.field, base - set(n.values), n.first, n.last))
    return [_normal(ds, x) for x in out if x.values]


def _select(
    ds: Dataset, where: Mapping[str, object], where_not: Mapping[str, object]
) -> tuple[str, tuple[str, ...]] | None:
    names = {n.removesuffix("_group") for n in (*where, *where_not)}
    if len(names) > 1:
        return None
    if not names:
        return "", ()
    (field,) = names
    values = set(universe(ds, field))
    for name, wanted in where.items():
        got = _values(ds, {name: wanted})
        if got:
            values &= got[1]
    for name, wanted in where_not.items():
        got = _values(ds, {name: wanted})
        if got:
            values -= got[1] | ({NULL} if NULL in values else set())
    return field, tuple(values)


def _normal(ds: Dataset, cell: Cell) -> Cell:
    """A cell naming every value of its field is the total of all rows."""
    if cell.field and set(cell.values) >= set(universe(ds, cell.field)):
        return Cell.of(cell.dataset, "", (), cell.first, cell.last)
    return cell
