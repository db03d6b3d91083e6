"""``publish``: what a distributed output may show as of a date, protected and recorded.

The pack, the review, the emails and exports all call this (never the
counting or suppression code directly)::

    from tracker.release import publish
    pub = publish(engine, plan, as_of=date(2020, 12, 1), channel="pack",
                  reference="SG-2020-12", recipients=plan.distribution.steering_group)

It counts every declared table and KPI figure as of ``as_of``, protects them
together with everything the ledger holds (``tracker.disclosure.protect``),
records the release and returns a ``Publication``. The same ``channel`` and
``reference`` always give the release already recorded, figure for figure, so
a pack compiled twice is the same pack. ``record=False`` computes without
writing (for a read-only look, such as ``data summary --table``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

import tracker.release.ledger as ledger
from tracker.disclosure import DisclosureError
from tracker.disclosure.layout import (
    KpiCells,
    TableLayout,
    complements,
    kpi_cells,
    month_of,
    table_layouts,
    universe,
)
from tracker.disclosure.linear import Cell
from tracker.disclosure.model import (
    Channel,
    Publication,
    PublishedKpi,
    PublishedRow,
    PublishedTable,
    suppression_notes,
)
from tracker.disclosure.protect import Kind, is_small, protect
from tracker.figures import round_half_up
from tracker.plan.schema import Dataset, Plan
from tracker.release.counts import MonthlyCounts, count_cells


def publish(
    session_or_engine: Session | Engine,
    plan: Plan,
    *,
    as_of: date,
    channel: Channel,
    reference: str,
    recipients: Sequence[str] = (),
    record: bool = True,
) -> Publication:
    """The declared tables and KPI figures as of ``as_of``, protected and (by default) recorded."""
    if isinstance(session_or_engine, Session):
        return _publish(session_or_engine, plan, as_of, channel, reference, recipients, record)
    from tracker.db.engine import transaction

    if not record:
        with Session(session_or_engine) as session:
            return _publish(session, plan, as_of, channel, reference, recipients, False)
    with transaction(session_or_engine) as session:
        return _publish(session, plan, as_of, channel, reference, recipients, True)


def _publish(
    session: Session,
    plan: Plan,
    as_of: date,
    channel: Channel,
    reference: str,
    recipients: Sequence[str],
    record: bool,
) -> Publication:
    existing = ledger.find_release(session, channel, reference)
    if existing is not None:
        return existing
    computed = compute(session, plan, as_of)
    pub = Publication(
        as_of=as_of,
        channel=channel,
        reference=reference,
        tables=computed.tables,
        kpi_cells=computed.kpis,
        notes=suppression_notes(plan.plan.suppression_threshold),
        threshold=plan.plan.suppression_threshold,
        release_id=None,
    )
    if not record:
        return pub
    release_id = ledger.record(
        session, pub, recipients=recipients, cells=computed.cells, hidden=computed.hidden
    )
    session.flush()
    return Publication(**{**pub.__dict__, "release_id": release_id})


class Computed:
    """The figures of a release before it is recorded."""

    def __init__(self) -> None:
        self.tables: tuple[PublishedTable, ...] = ()
        self.kpis: tuple[PublishedKpi, ...] = ()
        self.cells: dict[Cell, int] = {}  # every protected cell released, with its count
        self.hidden: dict[Cell, Kind] = {}
        self.audited = 0


def compute(session: Session, plan: Plan, as_of: date) -> Computed:
    """Count, protect and lay out every declared figure as of ``as_of`` (nothing recorded)."""
    layouts = table_layouts(plan, as_of)
    declared = plan.publications.kpis
    kpis = [k for k in plan.kpis if declared == "all" or k.id in declared]
    kcells = kpi_cells(plan, as_of, kpis)
    datasets = {d.name: d for d in plan.datasets}
    wanted: dict[str, list[Cell]] = {}
    for lay in layouts:
        wanted.setdefault(lay.dataset.name, []).extend(lay.cells())
    unseen: dict[str, list[Cell]] = {}  # counts a reader can work out, never shown
    for kc in kcells:
        wanted.setdefault(kc.count.dataset, []).append(kc.count)
        if kc.numerator is not None:
            wanted[kc.count.dataset].append(kc.numerator)
        unseen.setdefault(kc.count.dataset, []).extend(complements(datasets[kc.count.dataset], kc))
    protected = [n for n in wanted if datasets[n].small_number_suppression]
    prior = ledger.priors(session, protected)
    counts: dict[str, MonthlyCounts] = {}
    out = Computed()
    hidden: dict[Cell, Kind] = {}
    threshold = plan.plan.suppression_threshold
    for name, cells in wanted.items():
        ds = datasets[name]
        mine = {c: p for c, p in prior.items() if c.dataset == name}
        counts[name] = count_cells(session, ds, [*cells, *mine, *unseen.get(name, [])])
        values = {c: counts[name].cell(c) for c in cells}  # in release order
        if not ds.small_number_suppression:
            continue
        # A small count that subtraction gives (a KPI's figure from its period's total) is
        # protected as if it were a hidden figure of the release; one not small says nothing.
        subtracted = {
            c: n
            for c in unseen.get(name, [])
            if c not in values and is_small(n := counts[name].cell(c), threshold)
        }
        values.update(subtracted)
        group: dict[Cell, list[Cell]] = {}
        for lay in layouts:
            if lay.dataset.name == name:
                group.update(lay.group_rule(values))
        result = protect(
            values,
            universes=_universes(ds, [*cells, *mine]),
            threshold=threshold,
            priors=mine,
            current={c: counts[name].cell(c) for c in mine},
            group=group,
            known=[c for c in values if not counts[name].has_rows(c.first, c.last)],
            unseen=subtracted,
        )
        if not result.safe:
            raise DisclosureError(
                f"the {ds.name} figures as of {as_of.isoformat()} cannot be released safely: "
                f"{_counts(len(result.unprotected))} could be worked out from figures "
                "already released",
                hint="declare fewer or coarser tables in publications: (docs/disclosure.md)",
            )
        hidden.update(result.hidden)
        # A withheld cell is recorded nowhere: the reader learnt nothing of it.
        out.cells.update({c: v for c, v in values.items() if c not in result.withheld})
        out.audited += result.audited
    out.hidden = hidden
    out.tables = tuple(_table(lay, counts[lay.dataset.name], hidden) for lay in layouts)
    out.kpis = tuple(k for kc in kcells if (k := _kpi(kc, counts, hidden)) is not None)
    return out


def _universes(ds: Dataset, cells: Sequence[Cell]) -> dict[tuple[str, str], tuple[str, ...]]:
    return {(ds.name, f): universe(ds, f) for f in {c.field for c in cells if c.field}}


def _table(lay: TableLayout, counts: MonthlyCounts, hidden: dict[Cell, Kind]) -> PublishedTable:
    def value(cell: Cell) -> int | None:
        return None if cell in hidden else counts.cell(cell)

    rows = []
    for r in lay.rows:
        cells = tuple(value(lay.cell(r, p)) for p in lay.periods)
        rows.append(PublishedRow(r.label, cells, value(lay.cell(r, None)), r.kind))
    missing = tuple(
        not counts.has_rows(lay.cell(lay.rows[-1], p).first, lay.cell(lay.rows[-1], p).last)
        for p in lay.periods
    )
    decl = lay.decl
    first, last = lay.periods[0].label, lay.periods[-1].label
    window = first if first == last else f"{first} to {last}"
    notes: list[str] = [f"Periods are financial {decl.columns}s; the total is {window}."]
    if any(r.kind == "group" for r in lay.rows):
        notes.append("Group rows add up the rows listed under them.")
    return PublishedTable(
        key=decl.key,
        dataset=lay.dataset.name,
        title=decl.title,
        row_label=_heading(lay),
        column_labels=tuple(p.label for p in lay.periods),
        rows=tuple(rows),
        notes=tuple(notes),
        total_label="Total" if len(lay.periods) == 1 else f"Total {window}",
        missing=missing,
    )


def _counts(n: int) -> str:
    return f"{n} hidden count{'s' if n != 1 else ''}"


def _heading(lay: TableLayout) -> str:
    if not lay.field:
        return ""
    f = next(x for x in lay.dataset.fields if x.name == lay.field)
    return f.label or f.name.replace("_", " ").capitalize()


def _kpi(
    kc: KpiCells, counts: dict[str, MonthlyCounts], hidden: dict[Cell, Kind]
) -> PublishedKpi | None:
    c = counts[kc.count.dataset]
    if not c.has_rows(month_of(kc.period.start), month_of(kc.period.end)):
        return None  # no data for the period: the KPI says so itself
    den = c.cell(kc.count)
    if kc.numerator is None:
        return PublishedKpi(kc.kpi.id, kc.period.label, None if kc.count in hidden else den)
    if den == 0:
        return None
    num = c.cell(kc.numerator)
    # 0% and 100% say every row of the group is in one category: hidden, like a table's row
    # that is all in one column (docs/disclosure.md).
    if kc.count in hidden or kc.numerator in hidden or num in (0, den):
        return PublishedKpi(kc.kpi.id, kc.period.label, None)
    return PublishedKpi(kc.kpi.id, kc.period.label, round_half_up(100 * num / den, 1))


def declared_table(
    engine: Engine, plan: Plan, key: str, *, as_of: date
) -> tuple[PublishedTable, tuple[str, ...]]:
    """One declared table as a release as of ``as_of`` would show it (nothing recorded).

    The figures are those a pack as of that date shows: protected with the same
    ledger, so a table already released is shown exactly as it was.
    """
    from tracker.errors import InvalidValueError, NotFoundError

    if plan.publications.table(key) is None:
        raise NotFoundError("declared table", key, known=[t.key for t in plan.publications.tables])
    pub = publish(engine, plan, as_of=as_of, channel="export", reference="", record=False)
    for table in pub.tables:
        if table.key == key:
            return table, pub.notes
    raise InvalidValueError(
        f"table '{key}' has no complete period as of {as_of.isoformat()}",
        hint="give a later --as-of",
    )
