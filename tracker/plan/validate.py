"""Checks that need the whole plan: ids unique, references resolve, dates make sense.

The schema checks each value on its own; this module checks values against
each other (an action's owner exists, its due date follows its start and both
fall inside the strategy period, a KPI's data set and fields are declared...).
It returns every problem found, each pointing at the line to fix.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import suppress
from datetime import date
from typing import Any, get_args

from tracker.errors import Problem
from tracker.plan.cycle import check_cycle
from tracker.plan.lines import LineMap
from tracker.plan.names import describe
from tracker.plan.publications import check_publications
from tracker.plan.schema import Dataset, Filter, Kpi, Measure, Plan

Loc = tuple[str | int, ...]
_MEASURE_KINDS = get_args(Measure.model_fields["kind"].annotation)


# A plan that failed schema checks is still cross-checked, built without
# validation, so every problem is reported in one pass; any check that meets a
# value of the wrong shape (already reported) is skipped.
_SKIP = (TypeError, AttributeError, KeyError, ValueError)


def cross_check(
    plan: Plan, lines: LineMap, file: str, *, reported: Iterable[Loc] = ()
) -> list[Problem]:
    """Problems between values; ``reported``: places the schema check already faulted."""
    out: list[Problem] = []
    already = {tuple(loc) for loc in reported}

    def add(loc: Loc, message: str) -> None:
        if tuple(loc) not in already:  # one problem per value: the schema's message stands
            out.append(Problem(file, lines.line(loc), message))

    def named(loc: Loc) -> str:  # "action SO1.5", or "the 5th action of objective SO1"
        return describe(loc, plan)

    s: Any = getattr(plan, "plan", None)
    with suppress(*_SKIP):
        if s.end <= s.start:
            add(
                ("plan", "end"),
                f"plan end {s.end} is not after its start {s.start}; correct one of them",
            )
    with suppress(*_SKIP):
        if not s.start <= s.review <= s.end:
            add(
                ("plan", "review"),
                f"review date {s.review} is outside the strategy period "
                f"{s.start} to {s.end}; move it inside",
            )

    def ids(items: Iterable[Any], *path: str, attr: str = "id") -> list[tuple[Loc, Any]]:
        return [((*path, i, attr), getattr(x, attr, None)) for i, x in enumerate(items or [])]

    _duplicates(add, "owner", ids(_list(plan, "owners"), "owners"))
    _duplicates(add, "objective", ids(_list(plan, "objectives"), "objectives"))
    _duplicates(
        add,
        "action",
        [
            (("objectives", i, "actions", j, "id"), getattr(a, "id", None))
            for i, o in enumerate(_list(plan, "objectives"))
            for j, a in enumerate(_list(o, "actions"))
        ],
    )
    _duplicates(add, "KPI", ids(_list(plan, "kpis"), "kpis"))
    _duplicates(add, "meeting", ids(_list(plan, "meetings"), "meetings"))
    _duplicates(add, "data set", ids(_list(plan, "datasets"), "datasets", attr="name"))

    owner_ids = {getattr(o, "id", None) for o in _list(plan, "owners")}
    known_owners = ", ".join(sorted(str(o) for o in owner_ids if o))

    def in_period(loc: Loc, what: str, day: date | None) -> None:
        with suppress(*_SKIP):
            if day is not None and not s.start <= day <= s.end:
                add(
                    loc,
                    f"{what} {day} is outside the strategy period {s.start} to {s.end}; "
                    "move it inside or change plan.start/plan.end",
                )

    for i, objective in enumerate(_list(plan, "objectives")):
        with suppress(*_SKIP):
            if objective.lead not in owner_ids:
                add(
                    ("objectives", i, "lead"),
                    f"{named(('objectives', i))} lead '{objective.lead}' "
                    f"is not in the owners list; use one of {known_owners}",
                )
        for j, action in enumerate(_list(objective, "actions")):
            at: Loc = ("objectives", i, "actions", j)
            with suppress(*_SKIP):
                if action.id.split(".")[0] != objective.id:
                    add(
                        (*at, "id"),
                        f"action {action.id} sits under objective {objective.id}; "
                        f"number it {objective.id}.N or move it",
                    )
            with suppress(*_SKIP):
                if action.owner not in owner_ids:
                    add(
                        (*at, "owner"),
                        f"{named(at)} owner '{action.owner}' is not in the "
                        f"owners list; use one of {known_owners}",
                    )
            with suppress(*_SKIP):
                if action.due < action.start:
                    add(
                        (*at, "due"),
                        f"{named(at)} is due {action.due}, before it starts "
                        f"{action.start}; correct one of the dates",
                    )
            in_period(
                (*at, "start"),
                f"{named(at)} start",
                getattr(action, "start", None),
            )
            in_period(
                (*at, "due"),
                f"{named(at)} due date",
                getattr(action, "due", None),
            )
            for k, milestone in enumerate(_list(action, "milestones")):
                in_period(
                    (*at, "milestones", k, "date"),
                    f"{named(at)} milestone",
                    getattr(milestone, "date", None),
                )
            with suppress(*_SKIP):
                _check_milestones(add, at, action)

    for i, meeting in enumerate(_list(plan, "meetings")):
        in_period(
            ("meetings", i, "date"),
            named(("meetings", i)),
            getattr(meeting, "date", None),
        )

    datasets: dict[str, Dataset] = {
        d.name: d for d in _list(plan, "datasets") if hasattr(d, "name")
    }
    for i, dataset in enumerate(_list(plan, "datasets")):
        with suppress(*_SKIP):
            _check_dataset(add, ("datasets", i), dataset)

    with suppress(*_SKIP):
        _check_rag_settings(add, plan.rag)

    objective_ids = {getattr(o, "id", None) for o in _list(plan, "objectives")}
    for i, kpi in enumerate(_list(plan, "kpis")):
        at = ("kpis", i)
        with suppress(*_SKIP):
            if kpi.objective not in objective_ids:
                add(
                    (*at, "objective"),
                    f"{named(at)} objective '{kpi.objective}' is not in the "
                    f"plan; use one of {', '.join(sorted(str(o) for o in objective_ids if o))}",
                )
        with suppress(*_SKIP):
            if kpi.owner is not None and kpi.owner not in owner_ids:
                add(
                    (*at, "owner"),
                    f"{named(at)} owner '{kpi.owner}' is not in the owners list; "
                    f"use one of {known_owners}",
                )
        with suppress(*_SKIP):
            _check_measure(add, at, kpi, datasets)

    kpi_ids = {getattr(k, "id", None) for k in _list(plan, "kpis")}
    with suppress(*_SKIP):
        for i, ref in enumerate(plan.pack.headline_kpis):
            if ref not in kpi_ids:
                add(
                    ("pack", "headline_kpis", i),
                    f"headline KPI '{ref}' is not in the plan; use one of "
                    f"{', '.join(sorted(str(k) for k in kpi_ids if k)) or 'the kpis: ids'}",
                )
    with suppress(*_SKIP):
        check_cycle(plan, add)
    with suppress(*_SKIP):
        check_publications(plan, add)
    return out


def _check_milestones(add: Any, at: Loc, action: Any) -> None:
    """Milestones with an expected per cent complete are points on the expected-progress line:
    they must fall between the action's start and due dates and never go down."""
    points = sorted(
        (m.date, m.progress, k)
        for k, m in enumerate(action.milestones)
        if getattr(m, "progress", None) is not None
    )
    previous = 0
    for day, pct, k in points:
        if not action.start < day < action.due:
            add(
                (*at, "milestones", k, "date"),
                f"action {action.id} milestone {day} expects {pct}% but is not between the "
                f"action's start {action.start} and due date {action.due}; move it inside or "
                "remove its progress",
            )
        elif pct < previous:
            add(
                (*at, "milestones", k, "progress"),
                f"action {action.id} milestone {day} expects {pct}%, less than the "
                f"{previous}% expected by an earlier milestone; expected progress never goes down",
            )
        previous = max(previous, pct)


def _check_rag_settings(add: Any, rag: Any) -> None:
    if rag.red_behind < rag.amber_behind:
        add(
            ("rag", "red_behind"),
            f"rag.red_behind {rag.red_behind:g} is below rag.amber_behind "
            f"{rag.amber_behind:g}; red must need at least as big a shortfall as amber",
        )
    if "actions" not in rag.objectives.include:
        add(
            ("rag", "objectives", "include"),
            "rag.objectives.include must list actions (objectives are delivered by their "
            "actions); add 'actions'",
        )


def _list(obj: Any, attr: str) -> list[Any]:
    value = getattr(obj, attr, None)
    return value if isinstance(value, list) else []


def _duplicates(add: Any, kind: str, items: Iterable[tuple[Loc, Any]]) -> None:
    items = [(loc, ident) for loc, ident in items if isinstance(ident, str)]
    counts = Counter(ident for _, ident in items)
    seen: set[str] = set()
    for loc, ident in items:
        if counts[ident] > 1:
            if ident in seen:
                add(loc, f"duplicate {kind} id '{ident}'; give each {kind} its own id")
            seen.add(ident)


def _check_dataset(add: Any, at: Loc, dataset: Dataset) -> None:
    names = [f.name for f in dataset.fields]
    for dup, count in Counter(names).items():
        if count > 1:
            add(
                (*at, "fields"),
                f"data set {dataset.name} declares field '{dup}' {count} times; keep one",
            )
    by_name = {f.name: f for f in dataset.fields}
    for k in dataset.key:
        if k not in by_name:
            add(
                (*at, "key"),
                f"data set {dataset.name} key field '{k}' is not declared; "
                f"use one of {', '.join(names)}",
            )
    period = by_name.get(dataset.period_field)
    if period is None or period.type != "date":
        add(
            (*at, "period_field"),
            f"data set {dataset.name} period_field '{dataset.period_field}' "
            "must name one of its date fields",
        )
    for j, f in enumerate(dataset.fields):
        floc = (*at, "fields", j)
        if f.type == "category" and not f.values:
            add((*floc, "values"), f"category field {dataset.name}.{f.name} needs a list of values")
        if f.type != "category" and f.values:
            add(
                (*floc, "values"),
                f"field {dataset.name}.{f.name} is {f.type}: only category fields "
                "take values; remove them or make it a category",
            )
        if f.values:
            spellings = Counter(s.casefold() for v in f.values for s in (v.value, *v.aliases))
            for spelling, n in spellings.items():
                if n > 1:
                    add(
                        (*floc, "values"),
                        f"field {dataset.name}.{f.name}: '{spelling}' names more "
                        "than one value; make each value and alias unique",
                    )
        if f.bands is not None:
            if f.type != "integer":
                add(
                    (*floc, "bands"),
                    f"field {dataset.name}.{f.name}: only integer fields take bands",
                )
            elif f.band_field and f.band_field not in by_name:
                add(
                    (*floc, "band_field"),
                    f"field {dataset.name}.{f.name}: band_field "
                    f"'{f.band_field}' is not declared; declare it as a category field",
                )
        _check_dataset_field(add, floc, dataset, f, by_name)
    if dataset.key and all(k in by_name and not by_name[k].required for k in dataset.key):
        add(
            (*at, "key"),
            f"data set {dataset.name}: every key field is optional, so a row could have no key; "
            "make at least one of them required",
        )
    if dataset.count_field is not None:
        counted = by_name.get(dataset.count_field)
        if counted is None or counted.type != "integer":
            add(
                (*at, "count_field"),
                f"data set {dataset.name} count_field '{dataset.count_field}' "
                "must name one of its integer fields",
            )
    for name in sorted(set(dataset.derived_names()) & set(by_name)):
        add(
            (*at, "fields"),
            f"data set {dataset.name} field '{name}' has the name of a field tracker "
            "derives itself; rename it",
        )


def _check_dataset_field(add: Any, floc: Loc, dataset: Dataset, f: Any, by_name: Any) -> None:
    """Checks of one data set field that the importer relies on (see tracker.data)."""
    from tracker.privacy import identifying_kind

    for text in (f.name, f.label):
        kind = identifying_kind(text) if text else None
        if kind:
            add(
                (*floc, "name"),
                f"field {dataset.name}.{f.name} looks like directly identifying data "
                f"({kind}), which tracker never stores; remove it from the data set",
            )
            break
    if f.not_before is not None:
        other = by_name.get(f.not_before)
        if f.type != "date" or other is None or other.type != "date" or other is f:
            add(
                (*floc, "not_before"),
                f"field {dataset.name}.{f.name}: not_before '{f.not_before}' must name "
                "another date field of the data set, and only date fields take it",
            )
    if f.type == "integer" and f.min is not None and f.max is not None and f.min > f.max:
        add((*floc, "min"), f"field {dataset.name}.{f.name}: min is above max; swap them")
    if f.bands and f.band_field and f.band_field in by_name:
        target = by_name[f.band_field]
        allowed = {v.value for v in target.values or []}
        if target.type != "category":
            add(
                (*floc, "band_field"),
                f"field {dataset.name}.{f.name}: band_field '{f.band_field}' "
                "must be a category field",
            )
        else:
            for band in f.bands:
                if band.label not in allowed:
                    add(
                        (*floc, "bands"),
                        f"field {dataset.name}.{f.name}: band '{band.label}' is not a value "
                        f"of {f.band_field}; add it to {f.band_field}'s values",
                    )


def _filter_fields(flt: Filter) -> Iterator[tuple[str, list[str]]]:
    for name, value in flt.items():
        yield name, [value] if isinstance(value, str) else list(value)


def _check_measure(add: Any, at: Loc, kpi: Kpi, datasets: dict[str, Dataset]) -> None:
    m = kpi.measure
    mloc = (*at, "measure")
    if m.kind not in _MEASURE_KINDS:
        return  # already reported by the schema check
    if kpi.cumulative and m.kind not in ("count", "sum"):
        add(
            (*at, "cumulative"),
            f"KPI {kpi.id} is cumulative, which only adds up count and sum measures, "
            f"not '{m.kind}'; remove 'cumulative: true' or change the measure",
        )
    unused_parts = {
        "field": m.kind != "sum",
        "numerator": m.kind != "percentage",
        "from_field": m.kind not in ("mean_days", "median_days"),
        "to_field": m.kind not in ("mean_days", "median_days"),
        "where": m.kind == "manual",
        "where_not": m.kind == "manual",
    }
    for part, unused in unused_parts.items():
        if unused and getattr(m, part):
            add(
                (*mloc, part),
                f"KPI {kpi.id} measure '{m.kind}' does not use '{part}'; "
                "remove it or choose the measure kind that uses it",
            )
    if m.kind == "manual":
        if m.dataset:
            add(
                (*mloc, "dataset"),
                f"KPI {kpi.id} is manual: remove its dataset or choose a computed measure kind",
            )
        return
    if not m.dataset:
        add((*mloc, "kind"), f"KPI {kpi.id} measure '{m.kind}' needs a dataset; add one")
        return
    dataset = datasets.get(m.dataset)
    if dataset is None:
        add(
            (*mloc, "dataset"),
            f"KPI {kpi.id} dataset '{m.dataset}' is not declared; use one of "
            f"{', '.join(sorted(datasets)) or '(none declared)'}",
        )
        return
    fields = {f.name: f for f in dataset.fields}
    derived = set(dataset.derived_names())
    for part in ("where", "where_not", "numerator"):
        for name, values in _filter_fields(getattr(m, part)):
            field = fields.get(name)
            base = fields.get(name.removesuffix("_group"))
            if field is None and name.endswith("_group") and name in derived and base:
                groups = {v.group.casefold() for v in base.values or [] if v.group}
                spellings = {s.casefold() for v in base.values or [] for s in (v.value, *v.aliases)}
                for value in values:
                    if value.casefold() not in groups | spellings:
                        add(
                            (*mloc, part, name),
                            f"KPI {kpi.id}: '{value}' is not a group or value of "
                            f"{dataset.name}.{base.name}; use one of "
                            f"{', '.join(sorted({v.group or v.value for v in base.values or []}))}",
                        )
            elif field is not None and field.type == "integer":
                for value in values:
                    if not value.lstrip("-").isdigit():
                        add(
                            (*mloc, part, name),
                            f"KPI {kpi.id}: '{value}' is not a whole number, and "
                            f"{dataset.name}.{name} is an integer field; write a whole number",
                        )
            if field is None and name not in derived:
                add(
                    (*mloc, part, name),
                    f"KPI {kpi.id} filters on '{name}', which data set "
                    f"{dataset.name} does not have; use one of {', '.join(fields)}",
                )
            elif field is not None and field.values:
                allowed = {
                    s.casefold(): v.value for v in field.values for s in (v.value, *v.aliases)
                }
                groups = {v.group.casefold() for v in field.values if v.group}
                for value in values:
                    if value.casefold() not in allowed and value.casefold() not in groups:
                        add(
                            (*mloc, part, name),
                            f"KPI {kpi.id}: '{value}' is not a value of "
                            f"{dataset.name}.{name}; use one of "
                            f"{', '.join(v.value for v in field.values)}",
                        )
    if m.kind == "percentage" and not m.numerator:
        add((*mloc, "kind"), f"KPI {kpi.id} is a percentage: add a numerator filter")
    if m.kind == "sum":
        f = fields.get(m.field or "")
        if f is None or f.type != "integer":
            add(
                (*mloc, "field"),
                f"KPI {kpi.id} sums '{m.field}', which must be an integer field of {dataset.name}",
            )
    if m.kind in ("mean_days", "median_days"):
        for part in ("from_field", "to_field"):
            name = getattr(m, part)
            f = fields.get(name or "")
            if f is None or f.type != "date":
                add(
                    (*mloc, part),
                    f"KPI {kpi.id} {part} '{name}' must be a date field of {dataset.name}",
                )
