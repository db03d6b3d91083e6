"""The ``publications:`` section of ``objectives.yaml``: what may leave the tracker.

Everything distributed (the pack, the emails, the review, exports) is built
from the tables and KPIs declared here, protected together and recorded in
the release ledger (docs/disclosure.md). A table or filter that is not
declared is an analyst's view, for their own screen only.

```yaml
publications:
  tables:
    - key: referrals-by-sector          # how builders and `data summary --table` name it
      title: Referrals by sector
      dataset: referrals
      rows: sector                      # a category field, or FIELD_group for its roll-up
      hierarchy: true                   # show each group with its members under it
      columns: quarter                  # month | quarter | year: the periods of the window
      window: financial_year            # financial_year (to date) | strategy (from its start)
  kpis: all                             # or a list of KPI ids
  low_threshold_acknowledged: null      # required text when plan.suppression_threshold < 3
```

Defaults: no tables; every KPI declared (``kpis: all``).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints

from tracker.plan.base import PlanModel

# The same forms as in tracker.plan.schema (which imports this module for ``Plan``).
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Slug = Annotated[
    str, StringConstraints(strip_whitespace=True, pattern=r"^[a-z0-9][a-z0-9_-]*$", max_length=64)
]
KpiId = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^KPI\d+\.\d+$")]

LOWEST_UNACKNOWLEDGED_THRESHOLD = 3


class TableDeclaration(PlanModel):
    """A table that may be distributed: counts by one field's values and by period."""

    key: Slug
    title: Text
    dataset: Slug
    rows: Slug | None = Field(
        default=None, description="category field (or FIELD_group); none: one row of all rows"
    )
    hierarchy: bool = Field(default=False, description="show groups with their members")
    columns: Literal["month", "quarter", "year"] = "quarter"
    window: Literal["financial_year", "strategy"] = "financial_year"


class Publications(PlanModel):
    tables: list[TableDeclaration] = Field(default_factory=list)
    kpis: Literal["all"] | list[KpiId] = "all"
    low_threshold_acknowledged: Text | None = Field(
        default=None,
        description="why a suppression threshold below 3 is acceptable (required then)",
    )

    def table(self, key: str) -> TableDeclaration | None:
        return next((t for t in self.tables if t.key == key), None)


def check_publications(plan: Any, add: Any) -> None:
    """Cross-checks of the section (``add(loc, message)`` reports a problem at a place)."""
    pubs = getattr(plan, "publications", None)
    settings = getattr(plan, "plan", None)
    threshold = getattr(settings, "suppression_threshold", None)
    if (
        isinstance(threshold, int)
        and threshold < LOWEST_UNACKNOWLEDGED_THRESHOLD
        and not getattr(pubs, "low_threshold_acknowledged", None)
    ):
        add(
            ("plan", "suppression_threshold"),
            f"suppression_threshold {threshold} shows counts as small as "
            f"{threshold} in everything distributed; use 3 or more, or say why under "
            "publications: low_threshold_acknowledged",
        )
    if pubs is None:
        return
    datasets = {d.name: d for d in getattr(plan, "datasets", []) or []}
    seen: set[str] = set()
    for i, table in enumerate(getattr(pubs, "tables", []) or []):
        at = ("publications", "tables", i)
        if table.key in seen:
            add((*at, "key"), f"duplicate table key '{table.key}'; give each table its own key")
        seen.add(table.key)
        ds = datasets.get(table.dataset)
        if ds is None:
            add(
                (*at, "dataset"),
                f"table {table.key} data set '{table.dataset}' is not declared; "
                f"use one of {', '.join(datasets) or '(none declared)'}",
            )
            continue
        if table.rows is None:
            continue
        fields = {f.name: f for f in ds.fields if f.type == "category"}
        base = table.rows.removesuffix("_group") if table.rows.endswith("_group") else table.rows
        f = fields.get(base)
        grouped = f is not None and any(v.group for v in f.values or [])
        if f is None or (table.rows != base and not grouped):
            allowed = [*fields, *(f"{n}_group" for n, g in fields.items() if _grouped(g))]
            add(
                (*at, "rows"),
                f"table {table.key} rows '{table.rows}' is not a category field of "
                f"{ds.name}; use one of {', '.join(allowed)}",
            )
        elif table.hierarchy and (table.rows != base or not grouped):
            add(
                (*at, "hierarchy"),
                f"table {table.key} shows a hierarchy, but '{table.rows}' has no groups; "
                "remove hierarchy or use a field whose values roll up",
            )
    kpis = getattr(pubs, "kpis", "all")
    known = {k.id: k for k in getattr(plan, "kpis", []) or []}
    if isinstance(kpis, list):
        for j, kpi_id in enumerate(kpis):
            if kpi_id not in known:
                add(
                    ("publications", "kpis", j),
                    f"published KPI '{kpi_id}' is not in the plan; use one of "
                    f"{', '.join(known) or '(none)'}",
                )
    for kpi_id in known if kpis == "all" else [k for k in kpis if k in known]:
        kpi = known[kpi_id]
        ds = datasets.get(kpi.measure.dataset or "")
        if ds is None or not ds.small_number_suppression:
            continue
        if kpi.measure.kind in ("count", "percentage"):
            names = {
                n.removesuffix("_group")
                for flt in (kpi.measure.where, kpi.measure.where_not, kpi.measure.numerator)
                for n in flt
            }
            if len(names) > 1:
                index = list(known).index(kpi_id)
                add(
                    ("kpis", index, "measure"),
                    f"KPI {kpi_id} counts {ds.name} by more than one field "
                    f"({', '.join(sorted(names))}), which disclosure control cannot protect "
                    "with the published tables; filter on one field, or leave it out of "
                    "publications: kpis",
                )


def _grouped(field: Any) -> bool:
    return any(v.group for v in field.values or [])


def unspecified_label(value: str) -> str:
    """A value that also names its group, as people read it: the rows recorded at that level."""
    return f"{value} (not further specified)"
