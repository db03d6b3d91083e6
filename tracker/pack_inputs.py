"""What a pack or review shows besides ratings: KPI lines, released tables and data sources.

Every figure comes from one place: KPI values from ``tracker.kpi.service``, with each
figure the release hides hidden here too; publication tables from ``tracker.release``
(declared tables protected together with everything released before); the data sources
from the import log. ``tracker.reporting`` gathers these into a pack or review.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.engine import Engine

from tracker.plan.schema import Plan
from tracker.reports.model import (
    DatasetTables,
    KpiLine,
    KpiPoint,
    PublishedRow,
    PublishedTable,
    SourceLine,
)


def _number(value: Any) -> float | None:
    return None if value is None else float(value)


def kpi_histories(engine: Engine, plan: Plan, as_of: date) -> list[Any]:
    """Every KPI evaluated period by period, once: the KPI sheet and the ratings use it."""
    from tracker.kpi.service import kpi_histories as evaluate

    return evaluate(engine, plan, as_of=as_of)


def kpi_ratings(histories: list[Any]) -> dict[str, Any]:
    """Each KPI's rating (as ``tracker kpi show`` gives it) from the evaluated histories."""
    from tracker.ratings import kpi_ratings_of

    return kpi_ratings_of([summary for summary, _ in histories])


def kpi_lines(histories: list[Any], plan: Plan) -> tuple[KpiLine, ...]:
    """The KPI sheet's lines from the evaluated histories (``kpi_histories``); ``plan`` gives
    each KPI's owner role."""
    roles = {o.id: o.role for o in plan.owners}
    out = []
    for summary, periods in histories:
        k = summary.kpi
        points = tuple(
            KpiPoint(
                period=p.period.label,
                value=None if p.figure.suppressed else _number(p.figure.value),
                shown_as=(
                    p.figure.label or "hidden"
                    if p.figure.suppressed
                    else (None if p.figure.has_data else "no data")
                ),
                target=_number(p.target),
                rating=p.rating.rating,
                reason=p.rating.reason,
            )
            for p in periods
        )
        latest = summary.latest
        hidden = latest is not None and latest.figure.suppressed
        out.append(
            KpiLine(
                id=k.id,
                objective_id=k.objective,
                name=k.name,
                unit=k.unit,
                direction=k.direction,
                frequency=k.frequency,
                target=k.target,
                source=summary.source,
                rating=summary.rating.rating,
                reason=summary.rating.reason,
                latest_period=latest.period.label if latest else None,
                latest_value=None if latest is None or hidden else _number(latest.figure.value),
                latest_shown_as=(latest.figure.label or "hidden") if latest and hidden else None,
                travel=summary.previous.direction,
                year_ago=summary.year_ago.direction,
                points=points,
                owner_role=roles.get(k.owner, ""),
            )
        )
    return tuple(out)


def release_for(
    engine: Engine, plan: Plan, *, as_of: date, channel: str, reference: str, recipients: Any
) -> tuple[Any, str | None]:
    """The protected, recorded release for this output, or None and why it cannot be made.

    The same channel and reference give the release already recorded, so compiling
    the same pack again shows the same figures.
    """
    from tracker.disclosure import DisclosureError
    from tracker.release import publish

    try:
        return (
            publish(
                engine,
                plan,
                as_of=as_of,
                channel=channel,  # type: ignore[arg-type]
                reference=reference,
                recipients=tuple(recipients),
            ),
            None,
        )
    except DisclosureError as exc:
        return None, str(exc)


def released_histories(
    plan: Plan, histories: list[Any], publication: Any, problem: str | None
) -> list[Any]:
    """Every KPI's history with each figure the release hides shown as ``[c]`` and unrated.

    Without a release (none could be protected), every figure of a protected data set is
    hidden: the tables are withheld then, and the KPI figures with them.
    """
    from tracker.release.kpis import Withheld, released_period, released_result

    pub = publication if publication is not None else Withheld(plan, problem or "")
    return [
        (
            released_result(summary, pub),
            [released_period(p, summary.kpi, pub) for p in periods],
        )
        for summary, periods in histories
    ]


def dataset_tables(plan: Plan, publication: Any, problem: str | None) -> tuple[DatasetTables, ...]:
    """Each data set's sheet: its declared tables as released, or a note saying why not."""
    out = []
    for d in plan.datasets:
        sheet = d.name.replace("_", " ").capitalize()[:31]
        if publication is None:
            why = problem or "no release could be made"
            note = (
                f"The {d.title.lower()} tables are not shown: the figures of every data set "
                f"are released together, and this release could not be made ({why}). Tables "
                "that cannot be protected are never distributed."
            )
            out.append(DatasetTables(d.name, d.title, sheet, withheld=note))
            continue
        tables = tuple(
            PublishedTable(
                key=t.key,
                dataset=t.dataset,
                title=t.title,
                row_label=t.row_label,
                column_labels=tuple(t.column_labels),
                rows=tuple(PublishedRow(r.label, tuple(r.cells), r.total) for r in t.rows),
                notes=tuple(t.notes),
                missing=tuple(t.missing),
            )
            for t in publication.tables
            if t.dataset == d.name
        )
        if not tables:
            note = "No table of this data set is declared for publication (publications: tables)."
            out.append(DatasetTables(d.name, d.title, sheet, withheld=note))
        else:
            out.append(DatasetTables(d.name, d.title, sheet, tables=tables))
    return tuple(out)


def source_lines(engine: Engine, plan: Plan, as_of: date) -> tuple[SourceLine, ...]:
    from sqlalchemy import func
    from sqlmodel import Session, col, select

    from tracker.db.models import DataImport, ProgressUpdate

    out = []
    with Session(engine) as session:
        for d in plan.datasets:
            last = session.exec(
                select(DataImport)
                .where(DataImport.dataset == d.name)
                .order_by(col(DataImport.imported_at).desc(), col(DataImport.id).desc())
            ).first()
            if last is None:
                out.append(SourceLine(d.name, d.title, "never", "No file imported yet."))
            else:
                out.append(
                    SourceLine(
                        d.name,
                        d.title,
                        last.imported_at.date().isoformat(),
                        # Neither the file's name (people name files as they like) nor its
                        # row count (a count the release does not protect) is distributed.
                        "The latest import, checked row by row.",
                    )
                )
        latest = session.exec(
            select(func.max(ProgressUpdate.on)).where(col(ProgressUpdate.on) <= as_of)
        ).one()
    out.append(
        SourceLine(
            "updates",
            "Owners' progress updates",
            latest.isoformat() if latest else "never",
            "The latest update of each action on or before the as-of date.",
            dated_as="Latest update",
        )
    )
    return tuple(out)
