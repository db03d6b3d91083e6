"""``tracker data summary``: counts of a data set that people can read and safely pass on.

A summary counts the rows of a data set (or, for a data set with a
``count_field`` such as training, adds up that field) grouped by one or more
fields and optionally by financial period, with percentages. The counting is
one SQL ``GROUP BY`` over the stored JSON values, on SQLite and PostgreSQL
alike; only the grouped counts come back to Python.

Decisions, so that every output reads the same way:

* **Fields.** ``--by`` and ``--where`` take the declared fields and the derived
  ones: ``F_group`` for categories that roll up (``sector_group``), and
  ``F_month`` / ``F_quarter`` / ``F_year`` for each date field. ``--where``
  values match like imports do: any case, and through the aliases in the plan
  (``sector=school`` is Schools); a period value must be a period of that kind.
* **Unknowns.** A value is unknown when it is empty (null) or is a category value
  meaning unknown: "Not known", "Not specified", "Unknown", "Not stated", "Not
  recorded" or "Prefer not to say". The unknowns of a field are one row, last,
  labelled with the field's own unknown value when it declares one (else null,
  shown as "Not known"). With several fields, a row is unknown when any of its
  fields is.
* **Rows and order.** Every declared category value is listed, zeros included,
  in the order the plan declares them; other fields list the values present in
  order; with ``--period`` every period from the first to the last (``--from``
  and ``--to`` when given) is listed, empty ones as 0. Rows run period first
  (chronologically), then by the ``--by`` fields in the order given. A value
  that also names a group with other members (sector Education, beside Schools)
  counts only the rows recorded at that level: people read it labelled
  "Education (not further specified)", as in the declared tables.
* **Percentages** are whole numbers rounded half up (12.5 -> 13), of the rows
  whose fields are all known, within each period when ``--period`` is given
  with ``--by`` fields (with ``--period`` alone, each period's share of the
  whole). Unknown rows have no percentage.
* **JSON** is ``{"dataset", "by", "rows", "total", "suppressed", "threshold",
  "unsuppressed", "distribution"}``. ``by`` lists the keys of each row in order,
  ``"period"`` first when ``--period`` is given. ``suppressed`` is true when
  disclosure control was applied (the data set asks for it and ``--no-suppress``
  was not given), even if no count needed hiding; ``threshold`` is then the
  plan's threshold, else null. ``unsuppressed`` is true when ``--no-suppress``
  turned disclosure control off for a protected data set. ``distribution`` is
  always ``"analyst only"``: see below. A row of a period in which the data set
  has no rows at all has ``"count": null`` and ``"no_data": true`` (not a zero).
* **Analyst views.** A summary built here is the analyst's own: it is not one
  of the declared publications, which alone may be distributed
  (docs/disclosure.md), so every format labels it not for distribution
  (``tracker.render.summary``). ``data summary --table KEY`` shows a declared
  table instead, exactly as a pack would.
* **Disclosure control** of an analyst view (``tracker.disclosure.table``) hides
  counts of 1 to 4 and further counts so the hidden ones cannot be worked out
  from this table's totals; every hidden count is shown as ``[c]``, with a null
  percentage. Percentages of a period (or of the whole) are also left out when
  its total or any of its unknown counts is hidden, since they would give away
  the number of known rows. When no arrangement of hidden counts can protect
  the table, the summary is refused with advice rather than shown.
* **Filters and disclosure.** The same summary without ``--where`` can be run
  too, so a ``--where`` count could be subtracted from it: when a protected
  summary has ``--where`` filters, the same query also counts every row of each
  group (same ``--by``, ``--period``, ``--from`` and ``--to``), and a count (or
  the total) whose rest -- unfiltered minus filtered -- is from 1 to 4 is hidden
  and protected like a small count.
* **CSV** has a header row and one line per row (no total line); a value that
  starts with = + - @ (or a tab or carriage return) gets a leading apostrophe so
  that spreadsheets do not run it as a formula.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

from tracker.data.dimensions import UNKNOWN_VALUES, Condition, Dimension, Value, norm
from tracker.data.summary_count import axes_of, count_groups, cross, periods_with_rows
from tracker.errors import InvalidValueError
from tracker.periods import EXAMPLE_LABELS, Grain, parse_date, parse_period
from tracker.plan.publications import unspecified_label

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from tracker.disclosure import TableSuppression
    from tracker.plan.schema import DataField, Dataset, Plan

UNKNOWN_TEXT = "Not known"
GRAINS: tuple[Grain, ...] = ("month", "quarter", "year")
MAX_MULTIWAY_CELLS = 4000  # larger tables of three or more ways are too slow to protect

# --- what can be grouped and filtered on ----------------------------------------------


def _dimensions(ds: Dataset) -> dict[str, Dimension]:
    """Every field a summary of ``ds`` may group or filter on, by name."""
    dims: dict[str, Dimension] = {}
    for f in ds.fields:
        heading = f.label or f.name.replace("_", " ").capitalize()
        if f.type == "category":
            dims[f.name] = _category(f, heading)
            if any(v.group for v in f.values or []):
                dims[f"{f.name}_group"] = _group(f, heading)
        elif f.type == "date":
            dims[f.name] = Dimension(f.name, heading, f.name, "date")
            for grain in GRAINS:
                name = f"{f.name}_{grain}"
                dims[name] = Dimension(name, f"{heading} ({grain})", name, "period", grain=grain)
        elif f.type == "integer":
            dims[f.name] = Dimension(f.name, heading, f.name, "integer")
        else:
            dims[f.name] = Dimension(f.name, heading, f.name, "text")
    return dims


def _category(f: DataField, heading: str) -> Dimension:
    values = f.values or []
    aliases: dict[str, str] = {}
    for v in values:
        for spelling in (v.value, *v.aliases):
            aliases.setdefault(norm(spelling), v.value)
    unknown = next((v.value for v in values if norm(v.value) in UNKNOWN_VALUES), None)
    members = Counter(v.group or v.value for v in values)
    labels = {  # worded as the declared tables word it (tracker.disclosure.layout)
        v.value: unspecified_label(v.value)
        for v in values
        if (v.group or v.value) == v.value and members[v.value] > 1
    }
    return Dimension(
        f.name,
        heading,
        f.name,
        "category",
        declared=tuple(v.value for v in values),
        unknown_value=unknown,
        aliases=aliases,
        labels=labels,
    )


def _group(f: DataField, heading: str) -> Dimension:
    values = f.values or []
    groups = list(dict.fromkeys(v.group or v.value for v in values))
    aliases = {norm(g): g for g in groups}
    for v in values:  # a group named like a value also answers to that value's aliases
        if v.value in groups:
            for spelling in v.aliases:
                aliases.setdefault(norm(spelling), v.value)
    unknown = next((g for g in groups if norm(g) in UNKNOWN_VALUES), None)
    name = f"{f.name}_group"
    return Dimension(
        name,
        f"{heading} (group)",
        name,
        "group",
        declared=tuple(groups),
        unknown_value=unknown,
        aliases=aliases,
    )


def _period_dimension(ds: Dataset, grain: Grain) -> Dimension:
    return Dimension("period", "Period", f"{ds.period_field}_{grain}", "period", grain=grain)


# --- the summary ------------------------------------------------------------------------


@dataclass(frozen=True)
class SummaryRow:
    key: tuple[Value, ...]  # one value per entry of Summary.by
    count: int
    shown: int | str  # the count, or the marker "[c]" when hidden
    percent: int | None
    unknown: bool
    no_data: bool = False  # the data set has no rows at all in this row's period


@dataclass(frozen=True)
class Summary:
    plan: str  # the plan's name, shown above the table (the demo's says it is synthetic)
    dataset: str
    title: str
    by: list[str]
    headings: list[str]
    rows: list[SummaryRow]
    labels: list[dict[str, str]]  # per dimension: values people read under another label
    total: int
    total_shown: int | str
    suppressed: bool  # disclosure control applied
    threshold: int | None
    unsuppressed: bool  # small numbers shown on request (--no-suppress) for a protected data set
    measure: str  # "rows" or the summed field's heading
    filters: list[str]
    known_fields: list[str]  # headings of the fields whose unknowns are excluded from percentages
    percentages_withheld: bool

    def to_json(self) -> dict[str, Any]:
        return {
            "dataset": self.dataset,
            "by": list(self.by),
            "rows": [
                {
                    **dict(zip(self.by, row.key, strict=True)),
                    "count": None if row.no_data else row.shown,
                    "percent": row.percent,
                    **({"no_data": True} if row.no_data else {}),
                }
                for row in self.rows
            ],
            "total": self.total_shown,
            "suppressed": self.suppressed,
            "threshold": self.threshold,
            "unsuppressed": self.unsuppressed,
            "distribution": "analyst only",
        }


def build_summary(
    engine: Engine,
    plan: Plan,
    dataset: str,
    *,
    by: Sequence[str],
    period: str | None,
    start: date | None,
    end: date | None,
    where: Sequence[str],
    suppress: bool,
) -> Summary:
    """Counts of ``dataset`` grouped by ``by`` (and ``period``), filtered, with percentages."""
    from tracker.plan.lookup import find_dataset

    ds = find_dataset(plan, dataset)
    fields = _dimensions(ds)
    dims: list[Dimension] = []
    if period is not None:
        grain = period.strip().lower()
        if grain not in GRAINS:
            raise InvalidValueError(
                f"--period '{period}' is not a period",
                hint="use --period month, --period quarter or --period year",
            )
        dims.append(_period_dimension(ds, next(g for g in GRAINS if g == grain)))
    for name in by:
        dim = _field(ds, fields, name, "--by")
        if any(d.name == dim.name for d in dims):
            raise InvalidValueError(
                f"--by names '{dim.name}' twice (or also as the --period)",
                hint="name each field once",
            )
        dims.append(dim)
    if start and end and start > end:
        raise InvalidValueError(
            f"--from {start.isoformat()} is after --to {end.isoformat()}",
            hint="give the earlier date as --from",
        )
    start_month = plan.plan.financial_year_start_month
    conditions = [_condition(ds, fields, text, start_month) for text in where]
    protect = suppress and ds.small_number_suppression
    counts, all_counts = count_groups(
        engine, ds, dims, conditions, start, end, unfiltered=protect and bool(conditions)
    )
    axes = axes_of(dims, counts, start, end, start_month)

    def cell_of(key: tuple[Value, ...]) -> tuple[Value, ...]:
        return tuple(
            d.unknown_key() if d.is_unknown(v) else v for d, v in zip(dims, key, strict=True)
        )

    cells = {key: 0 for key in cross(axes)}
    for key, n in counts.items():
        cells[cell_of(key)] += n
    unfiltered: dict[tuple[Value, ...], int] | None = None
    if all_counts is not None:
        unfiltered = {}
        for key, n in all_counts.items():
            unfiltered[cell_of(key)] = unfiltered.get(cell_of(key), 0) + n

    threshold = plan.plan.suppression_threshold
    table = _protect(ds, dims, cells, threshold, unfiltered) if protect else None
    rows = _rows(dims, cells, table, by_fields=len(by) > 0)
    if dims and dims[0].name == "period" and dims[0].grain is not None:
        # periods where the data set has any row: known from the counts unless filtered
        if not conditions:
            present = {str(key[0]) for key in counts}
        elif all_counts is not None:
            present = {str(key[0]) for key in all_counts}
        else:
            present = periods_with_rows(engine, ds, dims[0].grain, start, end)
        rows = [
            replace(r, no_data=True, percent=None) if str(r.key[0]) not in present else r
            for r in rows
        ]
    total = sum(cells.values())
    measure = "rows"
    if ds.count_field:
        count_field = next((f for f in ds.fields if f.name == ds.count_field), None)
        measure = (count_field.label if count_field and count_field.label else None) or (
            ds.count_field.replace("_", " ").capitalize()
        )
    return Summary(
        plan=plan.plan.name,
        dataset=ds.name,
        title=ds.title,
        by=[d.name for d in dims],
        headings=[d.heading for d in dims],
        rows=rows,
        labels=[d.labels for d in dims],
        total=total,
        total_shown=table.show_total() if table else total,
        suppressed=protect,
        threshold=threshold if protect else None,
        unsuppressed=not suppress and ds.small_number_suppression,
        measure=measure,
        filters=_describe_filters(ds, where, start, end),
        known_fields=[d.heading for d in dims if d.name != "period"],
        percentages_withheld=any(
            r.percent is None and not r.unknown and isinstance(r.shown, int) for r in rows
        ),
    )


def _field(ds: Dataset, fields: dict[str, Dimension], name: str, option: str) -> Dimension:
    dim = fields.get(name.strip().lower())
    if dim is None:
        raise InvalidValueError(
            f"{option} '{name.strip()}' is not a field of data set {ds.name}",
            hint=f"use one of {', '.join(fields)}",
        )
    return dim


# --- filters ----------------------------------------------------------------------------


def _condition(ds: Dataset, fields: dict[str, Dimension], text: str, start_month: int) -> Condition:
    name, sep, raw = text.partition("=")
    if not sep or not name.strip() or not raw.strip():
        raise InvalidValueError(
            f"--where '{text}' is not FIELD=VALUE", hint="write it as, for example, sector=Schools"
        )
    dim = _field(ds, fields, name, "--where")
    return Condition(dim, _canonical(dim, raw.strip(), start_month))


def _canonical(dim: Dimension, raw: str, start_month: int) -> Value:
    """The stored form of a --where value, or InvalidValueError naming what is allowed."""
    if dim.kind in ("category", "group"):
        value = dim.aliases.get(norm(raw))
        if value is None:
            raise InvalidValueError(
                f"--where {dim.name}: '{raw}' is not a value of {dim.name}",
                hint=f"use one of {', '.join(dim.declared)}",
            )
        return value
    if dim.kind == "period":
        assert dim.grain is not None
        try:
            found = parse_period(raw, start_month)
        except InvalidValueError:
            found = None
        if found is None or found.grain != dim.grain:
            raise InvalidValueError(
                f"--where {dim.name}: '{raw}' is not a {dim.grain}",
                hint=f"write it as, for example, {EXAMPLE_LABELS[dim.grain]}",
            )
        return found.label
    if dim.kind == "date":
        return parse_date(raw, what=f"--where {dim.name}").isoformat()
    if dim.kind == "integer":
        try:
            return int(raw)
        except ValueError:
            raise InvalidValueError(
                f"--where {dim.name}: '{raw}' is not a whole number",
                hint="give a number such as 16",
            ) from None
    return raw


def _describe_filters(
    ds: Dataset, where: Sequence[str], start: date | None, end: date | None
) -> list[str]:
    out = []
    if start or end:
        since = f"from {start.isoformat()} " if start else ""
        until = f"to {end.isoformat()}" if end else ""
        out.append(f"{ds.period_field} {since}{until}".strip())
    out += [w.strip() for w in where]
    return out


def _protect(
    ds: Dataset,
    dims: Sequence[Dimension],
    cells: dict[tuple[Value, ...], int],
    threshold: int,
    unfiltered: dict[tuple[Value, ...], int] | None = None,
) -> TableSuppression:
    from tracker.disclosure import DisclosureError, suppress_table

    if len(dims) >= 3 and len(cells) > MAX_MULTIWAY_CELLS:
        raise DisclosureError(
            f"a {len(dims)}-way summary of {ds.name} with {len(cells)} rows is too detailed "
            "to check for safe release",
            hint="summarise by fewer fields or a longer period, or use --no-suppress for your "
            "own screen only",
        )
    table = suppress_table(cells, len(dims), threshold, unfiltered=unfiltered)
    if not table.safe:
        level, coords = table.unprotected[0]
        where = ", ".join(f"{dims[d].name} {_label(v)}" for d, v in zip(level, coords, strict=True))
        raise DisclosureError(
            f"this summary of {ds.name} cannot be shown safely: the count "
            f"{'for ' + where if where else 'in total'} could be worked out exactly from the "
            "totals published with it",
            hint="summarise by fewer fields, a longer period or a wider date range, or use "
            "--no-suppress for your own screen only",
        )
    return table


def _rows(
    dims: Sequence[Dimension],
    cells: dict[tuple[Value, ...], int],
    table: TableSuppression | None,
    *,
    by_fields: bool,
) -> list[SummaryRow]:
    # Percentages are within each period when there are --by fields as well; otherwise of all.
    per_period = by_fields and bool(dims) and dims[0].name == "period"
    group_of = (lambda key: key[:1]) if per_period else (lambda key: ())

    def unknown(key: tuple[Value, ...]) -> bool:
        return any(
            d.is_unknown(v)
            for d, v in zip(dims, key, strict=True)
            if d.name != "period" or not by_fields
        )

    known_total: dict[tuple[Value, ...], int] = {}
    blocked: set[tuple[Value, ...]] = set()
    for key, n in cells.items():
        g = group_of(key)
        known_total.setdefault(g, 0)
        if unknown(key):
            if table is not None and table.kind(key) is not None:
                blocked.add(g)  # a hidden unknown count: the known total would give it away
        else:
            known_total[g] += n
    if table is not None:
        for g in known_total:
            kept = (0,) if per_period else ()
            if table.margin_kind(kept, g) is not None:
                blocked.add(g)  # the group's own total is hidden
    rows = []
    for key, n in cells.items():
        g = group_of(key)
        is_unknown = unknown(key)
        hidden = table is not None and table.kind(key) is not None
        percent = None
        if not is_unknown and not hidden and g not in blocked and known_total[g] > 0:
            percent = percent_half_up(n, known_total[g])
        rows.append(
            SummaryRow(
                key=key,
                count=n,
                shown=table.show(key) if table is not None else n,
                percent=percent,
                unknown=is_unknown,
            )
        )
    return rows


def percent_half_up(part: int, whole: int) -> int:
    """``part`` as a whole-number percentage of ``whole``, halves rounded up (12.5 -> 13)."""
    exact = Decimal(part) * 100 / Decimal(whole)
    return int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _label(value: Value) -> str:
    return UNKNOWN_TEXT if value is None else str(value)
