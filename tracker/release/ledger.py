"""Reading and writing the release ledger (``tracker.db.models_release``)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import cast

from sqlalchemy.orm import Session

from tracker.disclosure.linear import Cell
from tracker.disclosure.model import Publication, publication_from_json, publication_to_json
from tracker.disclosure.protect import Kind, Prior


def find_release(session: Session, channel: str, reference: str) -> Publication | None:
    """The publication already released on ``channel`` as ``reference``, if any."""
    from sqlmodel import col, select

    from tracker.db.models import Release

    row = session.execute(
        select(Release).where(col(Release.channel) == channel, col(Release.reference) == reference)
    ).scalar_one_or_none()
    if row is None:
        return None
    return publication_from_json(row.publication, release_id=row.id)


def priors(session: Session, datasets: Iterable[str]) -> dict[Cell, Prior]:
    """Each cell ever released from ``datasets``, as its latest release left it."""
    from sqlmodel import col, select

    from tracker.db.models import ReleasedCell

    names = list(datasets)
    out: dict[Cell, Prior] = {}
    if not names:
        return out
    stmt = (
        select(
            col(ReleasedCell.cell),
            col(ReleasedCell.value),
            col(ReleasedCell.hidden),
            col(ReleasedCell.kind),
        )
        .where(col(ReleasedCell.dataset).in_(names))
        .order_by(col(ReleasedCell.release_id), col(ReleasedCell.id))
    )
    for key, value, hidden, kind in session.execute(stmt):
        known = cast(Kind, kind) if kind in ("small", "group", "secondary") else None
        out[Cell.from_key(key)] = Prior(int(value), bool(hidden), known)
    return out


def record(
    session: Session,
    pub: Publication,
    *,
    recipients: Sequence[str],
    cells: Mapping[Cell, int],
    hidden: Mapping[Cell, Kind],
) -> int:
    """Store the release and every cell it released; returns the release's id."""
    from tracker.db.models import Release, ReleasedCell, utcnow

    release = Release(
        channel=pub.channel,
        reference=pub.reference,
        as_of=pub.as_of,
        recipients=list(recipients),
        released_at=utcnow(),
        threshold=pub.threshold,
        publication=publication_to_json(pub),
    )
    session.add(release)
    session.flush()
    assert release.id is not None
    session.add_all(
        ReleasedCell(
            release_id=release.id,
            dataset=cell.dataset,
            cell=cell.key,
            value=value,
            hidden=cell in hidden,
            kind=hidden.get(cell),
        )
        for cell, value in cells.items()
    )
    return release.id
