"""The tables, grouped by purpose.

* The plan in force: ``PlanVersion`` holds each loaded plan document whole (the
  latest is the plan commands read); ``Owner``, ``Objective``, ``Action``,
  ``Kpi`` and ``Meeting`` mirror its parts so that progress and values have
  something to refer to, and so removed items are archived with their history
  rather than deleted. ``PlanChange`` records what each load changed.
* Progress: ``ProgressUpdate`` is append-only; the latest update of an action is
  its current state. ``KpiValue`` holds values owners enter for manual KPIs.
* Returns: ``ReturnIssue`` is one workbook issued to an owner for a meeting;
  updates loaded from it name it in ``ProgressUpdate.return_id``.
* Data: ``DataImport`` is one imported file; ``DataRecord`` one row of a
  declared data set (no directly identifying fields are ever stored), with
  ``DataRecordChange`` keeping the previous values whenever a re-import
  changes a row.
* Reports: ``PackRecord`` is one compiled pack or review, so the pack a meeting
  saw can be found, checked (SHA-256) and compared with the next one.

Table models skip pydantic validation, so nothing is written here without
passing through the functions that validate it first (plan sync, updates,
imports).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Column, DateTime, Index, UniqueConstraint
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel

# Re-exported: most writers take them from here.
from tracker.db.stamps import as_utc as as_utc
from tracker.db.stamps import utcnow as utcnow


def _ts(**kw: Any) -> Any:
    return Field(sa_column=Column(DateTime(timezone=True), **kw))


# --- the plan in force ---------------------------------------------------------


class PlanVersion(SQLModel, table=True):
    __tablename__ = "plan_version"

    id: int | None = Field(default=None, primary_key=True)
    loaded_at: datetime = _ts(nullable=False)
    source: str  # the file it was loaded from
    sha256: str = Field(index=True)
    document: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))


class Owner(SQLModel, table=True):
    __tablename__ = "owner"

    id: str = Field(primary_key=True)
    role: str
    organisation: str
    email: str = Field(index=True)
    archived_at: datetime | None = _ts(nullable=True)


class Objective(SQLModel, table=True):
    __tablename__ = "objective"

    id: str = Field(primary_key=True)
    title: str
    short_title: str
    lead_owner_id: str = Field(foreign_key="owner.id")
    position: int = 0
    archived_at: datetime | None = _ts(nullable=True)


class Action(SQLModel, table=True):
    __tablename__ = "action"

    id: str = Field(primary_key=True)
    objective_id: str = Field(foreign_key="objective.id", index=True)
    title: str
    owner_id: str = Field(foreign_key="owner.id", index=True)
    start: date
    due: date
    outcome: str = ""
    milestones: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON))
    position: int = 0
    archived_at: datetime | None = _ts(nullable=True)


class Kpi(SQLModel, table=True):
    __tablename__ = "kpi"

    id: str = Field(primary_key=True)
    objective_id: str = Field(foreign_key="objective.id", index=True)
    name: str
    unit: str
    target: float | None = None
    direction: str  # "higher" or "lower" is better
    frequency: str  # month | quarter | year
    cumulative: bool = False
    tolerance: float = 10.0
    measure: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON))
    position: int = 0
    archived_at: datetime | None = _ts(nullable=True)


class Meeting(SQLModel, table=True):
    __tablename__ = "meeting"

    id: str = Field(primary_key=True)
    date: date
    kind: str  # steering_group | review
    title: str
    archived_at: datetime | None = _ts(nullable=True)


class PlanChange(SQLModel, table=True):
    """One field of one plan item changed by ``tracker plan load``."""

    __tablename__ = "plan_change"

    id: int | None = Field(default=None, primary_key=True)
    plan_version_id: int = Field(foreign_key="plan_version.id", index=True)
    changed_at: datetime = _ts(nullable=False)
    entity: str  # owner | objective | action | kpi | meeting
    entity_id: str = Field(index=True)
    change: str  # added | updated | archived | restored
    field: str | None = None
    old_value: str | None = None
    new_value: str | None = None


# --- progress -------------------------------------------------------------------


class ProgressUpdate(SQLModel, table=True):
    """An owner's update on an action. Never edited or deleted once written."""

    __tablename__ = "progress_update"
    __table_args__ = (Index("ix_progress_update_action_on", "action_id", "on", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    action_id: str = Field(foreign_key="action.id")
    status: str
    progress: int | None = None
    rag: str | None = None
    note: str | None = None
    on: date  # the date the update speaks for
    by: str  # email address of the person who gave it
    source: str  # cli | spreadsheet | import | demo
    recorded_at: datetime = _ts(nullable=False)
    return_id: str | None = Field(default=None, foreign_key="return_issue.id", index=True)


class KpiValue(SQLModel, table=True):
    """A value entered for a manual KPI; the latest for a period is the one in force."""

    __tablename__ = "kpi_value"
    __table_args__ = (Index("ix_kpi_value_kpi_period", "kpi_id", "period"),)

    id: int | None = Field(default=None, primary_key=True)
    kpi_id: str = Field(foreign_key="kpi.id")
    period: str  # e.g. "2020/21 Q1", "2020/21", "2020-05"
    value: float
    note: str | None = None
    by: str
    source: str
    recorded_at: datetime = _ts(nullable=False)


# --- data sets ------------------------------------------------------------------


class DataImport(SQLModel, table=True):
    __tablename__ = "data_import"

    id: int | None = Field(default=None, primary_key=True)
    dataset: str = Field(index=True)
    filename: str
    sha256: str
    imported_at: datetime = _ts(nullable=False)
    by: str | None = None
    rows: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    # What the records held were last confirmed against (the file, the sheet, the data set's
    # rules and the code that applies them) and the latest date rows were allowed: set by this
    # import, or by a later full check of a file that found nothing different. The same file
    # imported again under the same rules is not checked row by row (tracker.data.fingerprint).
    check_digest: str | None = None
    checked_through: date | None = None


class DataRecord(SQLModel, table=True):
    """One row of a declared data set, keyed by the data set's unique key.

    ``values`` holds the canonical field values plus derived ones (financial
    year, quarter, month, day number of each date, bands, roll-up groups) so
    that KPIs and summaries group in SQL without recomputing anything.
    """

    __tablename__ = "data_record"
    __table_args__ = (
        UniqueConstraint("dataset", "key", name="uq_data_record_dataset_key"),
        # Counts the records held (and withdrawn) without reading them; the unique key
        # serves every other look-up by data set.
        Index("ix_data_record_dataset_withdrawn", "dataset", "withdrawn_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    dataset: str
    key: str
    # JSONB on PostgreSQL: KPIs and summaries read many values of every row, and JSONB is
    # read without re-parsing the text each time (about 5x faster there; see docs/benchmarks.md).
    values: dict[str, Any] = Field(
        sa_column=Column(JSON().with_variant(JSONB(), "postgresql"), nullable=False)
    )
    import_id: int = Field(foreign_key="data_import.id")
    updated_at: datetime = _ts(nullable=False)
    # Set when the record is withdrawn (``tracker data withdraw``): it then leaves every
    # count, and its history and the reason stay (data_withdrawal).
    withdrawn_at: datetime | None = _ts(nullable=True)


class DataWithdrawal(SQLModel, table=True):
    """A record taken out of its data set by a person, with their reason (never deleted)."""

    __tablename__ = "data_withdrawal"

    id: int | None = Field(default=None, primary_key=True)
    record_id: int = Field(foreign_key="data_record.id", index=True)
    dataset: str
    key: str
    reason: str
    by: str | None = None
    withdrawn_at: datetime = _ts(nullable=False)


class DataRecordChange(SQLModel, table=True):
    """The values a record had before a re-import changed them."""

    __tablename__ = "data_record_change"

    id: int | None = Field(default=None, primary_key=True)
    record_id: int = Field(foreign_key="data_record.id", index=True)
    import_id: int = Field(foreign_key="data_import.id")
    old_values: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    changed_at: datetime = _ts(nullable=False)


# --- returns --------------------------------------------------------------------


class ReturnIssue(SQLModel, table=True):
    """A return workbook issued to an owner for a meeting (``tracker returns issue``).

    A later issue to the same owner for the same meeting supersedes it
    (``superseded_by``): the earlier workbook is then stale and refused on load.
    ``actions`` holds each action's version (its latest update id) when issued.
    """

    __tablename__ = "return_issue"
    __table_args__ = (Index("ix_return_issue_meeting_owner", "meeting_id", "owner_id"),)

    id: str = Field(primary_key=True)  # e.g. SG-2021-03.mash.2
    meeting_id: str = Field(foreign_key="meeting.id")
    owner_id: str = Field(foreign_key="owner.id")
    owner_email: str
    issued_at: datetime = _ts(nullable=False)
    issued_by: str | None = None
    deadline: date | None = None
    filename: str
    manifest_sha256: str
    actions: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON))
    superseded_by: str | None = None
    loaded_at: datetime | None = _ts(nullable=True)
    loaded_by: str | None = None


# --- email ----------------------------------------------------------------------


class MailDelivery(SQLModel, table=True):
    """One email's delivery, by Message-ID: so the same email is never sent twice.

    ``state`` is ``sending`` while a transport has it (claimed before the send, so
    a crash mid-send is visible), then ``delivered`` (in the outbox, or accepted by
    the sendmail command), ``deferred`` (temporary failure: try again) or
    ``failed``. A forced resend updates the same row and counts the attempt.
    """

    __tablename__ = "delivery"
    __table_args__ = (UniqueConstraint("message_id", name="uq_delivery_message_id"),)

    id: int | None = Field(default=None, primary_key=True)
    message_id: str
    kind: str = Field(index=True)  # return_request | chaser | pack | review
    meeting: str | None = Field(default=None, index=True)
    recipients: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    subject: str = ""
    transport: str  # outbox | sendmail
    state: str
    error: str | None = None
    location: str | None = None  # the outbox file, or the command run
    attempts: int = 1
    at: datetime = _ts(nullable=False)  # the latest attempt


# --- reports ----------------------------------------------------------------------


class PackRecord(SQLModel, table=True):
    """One compiled pack (or review): what it was compiled from and the file it gave.

    ``snapshot`` keeps each action's rating and status as the pack showed them,
    so the next pack says what changed since this one without recomputing the past.
    """

    __tablename__ = "pack_record"
    __table_args__ = (Index("ix_pack_record_kind_as_of", "kind", "as_of"),)

    id: int | None = Field(default=None, primary_key=True)
    kind: str  # pack | review
    meeting_id: str | None = None
    as_of: date
    file_name: str
    sha256: str
    inputs_digest: str
    snapshot: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    compiled_at: datetime = _ts(nullable=False)
    by: str | None = None


# --- RAG overrides --------------------------------------------------------------


class RagOverride(SQLModel, table=True):
    """A plan administrator's override of an action's rating. Never edited or deleted.

    In force from ``starts`` (the day it was made, in the plan's timezone) to ``until``
    inclusive; the latest made wins when two cover the same day.
    """

    __tablename__ = "rag_override"

    id: int | None = Field(default=None, primary_key=True)
    action_id: str = Field(foreign_key="action.id", index=True)
    rag: str  # red | amber | green
    reason: str
    starts: date
    until: date
    by: str  # email address of the administrator
    recorded_at: datetime = _ts(nullable=False)


# --- the reporting cycle (models_schedule.py) and the release ledger (models_release.py) ---

from tracker.db.models_release import Release, ReleasedCell  # noqa: E402, F401
from tracker.db.models_schedule import Dispatch  # noqa: E402, F401  (registers the table)
