"""The record of compiled packs and reviews, as ``tracker pack list`` shows it.

Every compilation that gives a new file is recorded (``tracker.reporting``); a
recompilation of unchanged inputs is not recorded again. Where a pack for the same
meeting and as-of date was compiled again after its inputs changed, the later
record ``replaces`` the earlier one, and the listing says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.engine import Engine


@dataclass(frozen=True)
class PackListing:
    id: int
    kind: str
    meeting_id: str | None
    as_of: date
    file_name: str
    sha256: str
    inputs_digest: str
    compiled_at: str
    by: str | None
    replaces: int | None = None  # an earlier record for the same meeting and date, now differing

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "meeting": self.meeting_id,
            "as_of": self.as_of.isoformat(),
            "file": self.file_name,
            "sha256": self.sha256,
            "inputs_digest": self.inputs_digest,
            "compiled_at": self.compiled_at,
            "by": self.by,
            "replaces": self.replaces,
        }


def list_packs(engine: Engine, *, kind: str | None = None) -> list[PackListing]:
    """Every recorded pack and review, oldest first.

    A record ``replaces`` the one before it for the same kind, meeting and as-of
    date: the pack was compiled again after its inputs changed (an update or a
    return recorded later with an earlier date), so it is a different file. The
    latest is the one "what changed since the previous pack" compares with.
    """
    from sqlmodel import Session, col, select

    from tracker.db.models import PackRecord, as_utc

    with Session(engine) as session:
        query = select(PackRecord).order_by(col(PackRecord.id))
        if kind is not None:
            query = query.where(PackRecord.kind == kind)
        rows = session.exec(query).all()
    latest: dict[tuple[str, str | None, date], int] = {}
    replaces: dict[int, int] = {}
    for r in rows:
        key = (r.kind, r.meeting_id, r.as_of)
        if key in latest:
            replaces[r.id or 0] = latest[key]
        latest[key] = r.id or 0
    return [
        PackListing(
            id=r.id or 0,
            kind=r.kind,
            meeting_id=r.meeting_id,
            as_of=r.as_of,
            file_name=r.file_name,
            sha256=r.sha256,
            inputs_digest=r.inputs_digest,
            compiled_at=as_utc(r.compiled_at).isoformat(timespec="seconds"),
            by=r.by,
            replaces=replaces.get(r.id or 0),
        )
        for r in rows
    ]
