"""The release ledger: every figure that has left the tracker, when and to whom.

``Release`` is one distributed output (a pack, an email, the review, an
export), unique by channel and reference so that compiling the same pack
again finds the release already made and shows the same figures.
``ReleasedCell`` is one count it released from a protected data set: the
cell (``tracker.disclosure.linear.Cell.key``), its count at the time, and
whether it was shown or suppressed. Disclosure control reads every earlier
release before protecting a new one (docs/disclosure.md). The counts of
suppressed cells are kept for that audit only and never leave the database.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Column, DateTime, Index, UniqueConstraint
from sqlmodel import Field, SQLModel


class Release(SQLModel, table=True):
    __tablename__ = "release"
    __table_args__ = (
        UniqueConstraint("channel", "reference", name="uq_release_channel_reference"),
    )

    id: int | None = Field(default=None, primary_key=True)
    channel: str  # pack | email | review | export
    reference: str  # e.g. the pack's meeting id
    as_of: date
    recipients: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    released_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    threshold: int
    publication: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    """What the release showed, exactly as returned, so compiling it again shows the same."""


class ReleasedCell(SQLModel, table=True):
    __tablename__ = "released_cell"
    __table_args__ = (Index("ix_released_cell_dataset_cell", "dataset", "cell"),)

    id: int | None = Field(default=None, primary_key=True)
    release_id: int = Field(foreign_key="release.id", index=True)
    dataset: str
    cell: str
    value: int  # the count when released (kept for the audit, never distributed if hidden)
    hidden: bool
    kind: str | None = None  # small | group | secondary when hidden
