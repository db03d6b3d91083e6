"""What the pack, review and paper builders are given: plain frozen values, nothing live.

The service (``tracker.reporting``) reads the database and the plan and
fills these in; the builders (``pack``, ``review``, ``paper``) turn them into
bytes and never touch a database, a file or the clock. That keeps the
builders testable with hand-made values, makes "same inputs, same bytes"
easy to hold (``PackData.digest``), and means only the service changes when
the sources of ratings or tables change.

``PackSummary`` is the part of a pack that other outputs repeat (the pack
email): objectives with their RAG and counts, exceptions, headline KPIs and
what changed since the previous pack.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from tracker.rag import ACTION_RATINGS

# One vocabulary of ratings (tracker.rag.RATINGS), and the word each shows as in a cell.
RAG_WORDS = {
    "red": "Red",
    "amber": "Amber",
    "green": "Green",
    "complete": "Complete",
    "grey": "Grey",
    "contextual": "Contextual",
}
# Direction of travel, as arrows with the word beside them (never the arrow alone).
TRAVEL_WORDS = {"improved": "▲ improved", "worse": "▼ worse", "same": "► same", "n/a": "n/a"}


def rag_word(rating: str | None) -> str:
    return "" if rating is None else RAG_WORDS.get(rating, rating.capitalize())


@dataclass(frozen=True)
class ActionLine:
    id: str
    objective_id: str
    title: str
    owner_role: str
    owner_email: str
    start: date
    due: date
    status: str  # not_started | in_progress | complete | on_hold | cancelled
    progress: int | None
    rating: str  # the rating in force: computed, worse of owner's, or an override
    reason: str
    computed_rating: str
    self_rating: str | None = None
    override_rating: str | None = None
    override_reason: str | None = None
    override_until: date | None = None
    update_overdue: bool = False
    last_update_on: date | None = None
    narrative: str | None = None  # the latest update's narrative (its note less the sections)
    next_steps: str | None = None  # the owner's "Next steps" section of that note, when given
    risks: str | None = None  # the owner's "Risks and issues" section, when given

    @property
    def mitigation(self) -> str | None:
        """What the owner says they will do about it: next steps, then risks and issues."""
        from tracker.returns.layout import NOTE_LABELS

        parts = [self.next_steps] if self.next_steps else []
        if self.risks:
            parts.append(f"{NOTE_LABELS['risks']}: {self.risks}")
        return "\n".join(parts) or None

    @property
    def overdue(self) -> bool:
        return self.status not in ("complete", "cancelled") and self.rating == "red"


@dataclass(frozen=True)
class ObjectiveLine:
    id: str
    short_title: str
    title: str
    lead_role: str
    rating: str
    reason: str
    counts: tuple[tuple[str, int], ...]  # (rating, actions) in ACTION_RATINGS order
    kpi_counts: tuple[tuple[str, int], ...] = ()  # (rating, KPIs) the roll-up counted

    def count(self, rating: str) -> int:
        return dict(self.counts).get(rating, 0)


@dataclass(frozen=True)
class KpiPoint:
    """One period of a KPI as a reader may see it: ``value`` is None when hidden or missing."""

    period: str
    value: float | None
    shown_as: str | None  # public text when the value is hidden ('<5') or missing ('no data')
    target: float | None
    rating: str
    reason: str


@dataclass(frozen=True)
class KpiLine:
    id: str
    objective_id: str
    name: str
    unit: str
    direction: str  # higher | lower is better
    frequency: str
    target: float | None
    source: str  # the data set, or "manual"
    rating: str
    reason: str
    latest_period: str | None
    latest_value: float | None
    latest_shown_as: str | None
    travel: str  # improved | worse | same | n/a, against the previous period
    year_ago: str  # the same, against the same period a year earlier
    points: tuple[KpiPoint, ...] = ()
    owner_role: str = ""  # the role that owns the KPI (an exception's owner)


@dataclass(frozen=True)
class PublishedRow:
    """One row of a published table; a cell of None is suppressed (shown as ``[c]``)."""

    label: str
    cells: tuple[int | None, ...]
    total: int | None


@dataclass(frozen=True)
class PublishedTable:
    """A declared publication table, protected with everything released before it."""

    key: str
    dataset: str
    title: str
    row_label: str
    column_labels: tuple[str, ...]
    rows: tuple[PublishedRow, ...]
    notes: tuple[str, ...] = ()
    missing: tuple[bool, ...] = ()  # per column: True when there is no data at all ([x])


@dataclass(frozen=True)
class DatasetTables:
    """The tables of one data set for a sheet, or why none can be shown (``withheld``)."""

    dataset: str
    title: str
    sheet: str  # the sheet name: Referrals, Training
    tables: tuple[PublishedTable, ...] = ()
    withheld: str | None = None  # the note shown instead of tables that are not protected


@dataclass(frozen=True)
class Change:
    """One thing that changed since the previous pack."""

    kind: str  # moved | completed | new red | override | added
    item: str
    title: str
    before: str
    after: str
    detail: str


@dataclass(frozen=True)
class Exception_:
    """A red or overdue item: the meeting's agenda."""

    item: str
    kind: str  # action | KPI
    title: str
    owner: str
    rating: str
    reason: str
    narrative: str
    mitigation: str


@dataclass(frozen=True)
class SourceLine:
    """A data set (or the progress updates) and when it was last brought in."""

    name: str
    title: str
    last_import: str  # ISO date, or "never"
    detail: str
    dated_as: str = "Last import"  # what the date is: the progress updates' is "Latest update"

    @property
    def dated(self) -> str:
        """'Last import 2021-02-20', 'Latest update 2021-02-20'."""
        return f"{self.dated_as} {self.last_import}"


@dataclass(frozen=True)
class PackSummary:
    """What an email or a cover note repeats from the pack."""

    title: str
    plan: str
    meeting_id: str | None
    meeting_date: date | None
    as_of: date
    marking: str
    objectives: tuple[ObjectiveLine, ...]
    counts: tuple[tuple[str, int], ...]
    exceptions: tuple[Exception_, ...]
    headline_kpis: tuple[KpiLine, ...]
    changes: tuple[Change, ...]
    previous_as_of: date | None
    threshold: int = 5  # counts from 1 to threshold - 1 are never shown


@dataclass(frozen=True)
class PackData:
    """Everything one pack shows. Equal values give byte-identical workbooks."""

    title: str  # "Prevent Steering Group pack"
    plan: str
    partnership: str
    marking: str
    as_of: date
    meeting_id: str | None
    meeting_title: str | None
    meeting_date: date | None
    threshold: int
    objectives: tuple[ObjectiveLine, ...]
    actions: tuple[ActionLine, ...]
    kpis: tuple[KpiLine, ...]
    headline_kpis: tuple[str, ...]  # KPI ids for the Summary sheet, in order
    datasets: tuple[DatasetTables, ...]
    changes: tuple[Change, ...] = ()
    previous_as_of: date | None = None  # the previous recorded pack, None when there is none
    sources: tuple[SourceLine, ...] = ()
    rules: tuple[tuple[str, str], ...] = ()  # (what is rated, how), for the Notes sheet
    suppression_rule: str = ""
    cancelled: tuple[str, ...] = field(default=())  # ids of cancelled actions, listed apart

    def counts(self) -> tuple[tuple[str, int], ...]:
        rated = [a.rating for a in self.actions if a.status != "cancelled"]
        return tuple((r, rated.count(r)) for r in ACTION_RATINGS)

    def exceptions(self) -> tuple[Exception_, ...]:
        """Every red or update-overdue action, then every red KPI, in plan order."""
        out = []
        for a in self.actions:
            if a.status == "cancelled" or not (a.rating == "red" or a.update_overdue):
                continue
            why = a.reason + ("; update overdue" if a.update_overdue else "")
            out.append(
                Exception_(
                    item=a.id,
                    kind="action",
                    title=a.title,
                    owner=a.owner_role,
                    rating=a.rating,
                    reason=why,
                    narrative=a.narrative or "No update given",
                    mitigation=a.mitigation or "To be given by the owner at the meeting",
                )
            )
        for k in self.kpis:
            if k.rating == "red":
                out.append(
                    Exception_(
                        item=k.id,
                        kind="KPI",
                        title=k.name,
                        owner=k.owner_role or k.source,
                        rating=k.rating,
                        reason=k.reason,
                        narrative=f"Latest period {k.latest_period or 'none'}",
                        mitigation="Corrective action to be agreed by the Steering Group",
                    )
                )
        return tuple(out)

    def headline(self) -> tuple[KpiLine, ...]:
        by_id = {k.id: k for k in self.kpis}
        return tuple(by_id[i] for i in self.headline_kpis if i in by_id)

    def summary(self) -> PackSummary:
        return PackSummary(
            title=self.title,
            plan=self.plan,
            meeting_id=self.meeting_id,
            meeting_date=self.meeting_date,
            as_of=self.as_of,
            marking=self.marking,
            objectives=self.objectives,
            counts=self.counts(),
            exceptions=self.exceptions(),
            headline_kpis=self.headline(),
            changes=self.changes,
            previous_as_of=self.previous_as_of,
            threshold=self.threshold,
        )

    def digest(self) -> str:
        """SHA-256 of every input, canonically serialised: equal digests, equal packs."""
        return digest_of(self)


def digest_of(value: Any) -> str:
    text = json.dumps(dataclasses.asdict(value), sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class ReviewData:
    """Everything the review workbook and the draft review paper show."""

    title: str  # "Prevent strategy review"
    plan: str
    partnership: str
    marking: str
    as_of: date
    start: date
    end: date
    review_date: date
    meeting_title: str | None
    report_of: str  # the role presenting the paper
    threshold: int
    objectives: tuple[ObjectiveLine, ...]
    actions: tuple[ActionLine, ...]
    kpis: tuple[KpiLine, ...]
    datasets: tuple[DatasetTables, ...]
    sources: tuple[SourceLine, ...] = ()
    rules: tuple[tuple[str, str], ...] = ()
    suppression_rule: str = ""

    def digest(self) -> str:
        return digest_of(self)
